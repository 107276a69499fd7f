// Names that become one segment of a request path: kubectl's rules (IsValidPathSegmentName).
import { describe, expect, it } from 'vitest';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import { checkNamespaceFlag, checkObjectName, pathSegmentProblems } from '../../src/kube/names.ts';

describe('pathSegmentProblems', () => {
  it.each([
    ['..', ["may not be '..'"]],
    ['.', ["may not be '.'"]],
    ['a/b', ["may not contain '/'"]],
    ['a%2fb', ["may not contain '%'"]],
    ['a/%', ["may not contain '/'", "may not contain '%'"]],
    ['a\u001b[2J', ['may not contain control characters']],
    ['web-0', []],
    ['...', []],
    ['a.b', []],
  ])('%j → %j', (name, problems) => {
    expect(pathSegmentProblems(name)).toEqual(problems);
  });
});

describe('the errors, in kubectl words', () => {
  const caught = (action: () => void): StsError => {
    try {
      action();
    } catch (error) {
      if (error instanceof StsError) return error;
    }
    throw new Error('expected a StsError');
  };

  it('-n ..', () => {
    const error = caught(() => checkNamespaceFlag('..'));
    expect(error.message).toBe(`invalid namespace "..": may not be '..'`);
    expect(error.exitCode).toBe(ExitCode.USAGE);
  });

  it('NAME a/b', () => {
    const error = caught(() => checkObjectName('a/b'));
    expect(error.message).toBe(`invalid resource name "a/b": may not contain '/'`);
    expect(error.exitCode).toBe(ExitCode.USAGE);
  });

  it('an empty NAME is refused; an absent one (list everything) and an empty -n (the default) are not', () => {
    expect(caught(() => checkObjectName('')).message).toBe('invalid resource name "": may not be empty');
    expect(() => checkObjectName(undefined)).not.toThrow();
    expect(() => checkNamespaceFlag('')).not.toThrow();
  });
});
