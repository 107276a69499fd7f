import { describe, expect, it } from 'vitest';
import { StsError } from '../../src/cli/errors.ts';
import { parseClusterDomain, parseDuration, toConnectionOptions } from '../../src/cli/flags.ts';
import { toOutputOptions } from '../../src/cli/output.ts';

describe('--request-timeout is read as kubectl reads it', () => {
  it.each([
    ['a bare number is seconds', '30', 30_000],
    ['0 means no limit', '0', 0],
    ['seconds', '5s', 5_000],
    ['milliseconds', '500ms', 500],
    ['minutes and seconds', '1m30s', 90_000],
    ['hours', '1h', 3_600_000],
    ['fractions', '1.5s', 1_500],
    ['a positive duration below 1 ms is 1 ms, never "no limit"', '1ns', 1],
    ['microseconds', '1500us', 2],
  ])('%s: %s → %d ms', (_case, input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([['5x'], ['abc'], ['-1s'], ['1s2'], ['']])(
    'rejects %j with a usage error that says what to pass',
    (input) => {
      const error = (() => {
        try {
          parseDuration(input);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(StsError);
      expect((error as StsError).exitCode).toBe(2);
      expect((error as StsError).hint).toMatch(/30s, 2m, 1m30s/);
    },
  );

  it('carries the parsed value into the connection options', () => {
    expect(toConnectionOptions({ 'request-timeout': '2m', context: 'prod' })).toMatchObject({
      requestTimeoutMs: 120_000,
      context: 'prod',
      debug: false,
    });
  });
});

describe('colour is on only when asked for or on a terminal that wants it', () => {
  it.each([
    ['auto on a terminal', 'auto', true, {}, true],
    ['auto when piped', 'auto', false, {}, false],
    ['auto with NO_COLOR', 'auto', true, { NO_COLOR: '1' }, false],
    ['auto with an empty NO_COLOR (unset, by no-color.org)', 'auto', true, { NO_COLOR: '' }, true],
    ['auto with TERM=dumb', 'auto', true, { TERM: 'dumb' }, false],
    ['always when piped', 'always', false, {}, true],
    ['never on a terminal', 'never', true, {}, false],
    ['FORCE_COLOR=1 when piped', 'auto', false, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=3 when piped', 'auto', false, { FORCE_COLOR: '3' }, true],
    ['FORCE_COLOR=true when piped', 'auto', false, { FORCE_COLOR: 'true' }, true],
    ['FORCE_COLOR=1 with TERM=dumb', 'auto', true, { FORCE_COLOR: '1', TERM: 'dumb' }, true],
    ['FORCE_COLOR=0 on a terminal', 'auto', true, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false on a terminal', 'auto', true, { FORCE_COLOR: 'false' }, false],
    ['an empty FORCE_COLOR (unset, by force-color.org)', 'auto', false, { FORCE_COLOR: '' }, false],
    [
      'FORCE_COLOR wins over NO_COLOR (force-color.org, Node)',
      'auto',
      false,
      { FORCE_COLOR: '1', NO_COLOR: '1' },
      true,
    ],
    ['--color never wins over FORCE_COLOR', 'never', true, { FORCE_COLOR: '1' }, false],
    ['--color always wins over FORCE_COLOR=0', 'always', false, { FORCE_COLOR: '0' }, true],
  ])('%s', (_case, color, isTTY, env, expected) => {
    expect(toOutputOptions({ color }, { isTTY }, env).color).toBe(expected);
  });
});

describe('--cluster-domain is read as DNS reads it, the same for every command', () => {
  it.each([
    ['a plain domain', 'cluster.local', 'cluster.local'],
    ['a trailing dot', 'cluster.local.', 'cluster.local'],
    ['upper case', 'Corp.Example', 'corp.example'],
    ['one label', 'local', 'local'],
  ])('%s: %s → %s', (_case, input, expected) => {
    expect(parseClusterDomain(input)).toBe(expected);
  });

  it.each([['bad_domain'], ['-leading.dash'], ['a..b'], ['']])('rejects %j with a usage error', (input) => {
    expect(() => parseClusterDomain(input)).toThrow(/invalid --cluster-domain/);
  });
});
