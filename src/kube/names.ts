// Names that become a segment of a request path (a namespace, an object's name). Checked as
// kubectl checks them (apimachinery's IsValidPathSegmentName) and before any request: `-n ..`
// would otherwise turn `/api/v1/namespaces/../pods` into the cluster-wide `/api/v1/pods`, and a
// name with a `/` or `%` would address something else than the user typed.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExitCodeValue } from '../cli/errors.ts';

/** What is wrong with `name` as one path segment, in kubectl's words; empty when nothing. */
export function pathSegmentProblems(name: string): string[] {
  if (name === '.') return ["may not be '.'"];
  if (name === '..') return ["may not be '..'"];
  const problems: string[] = [];
  if (name.includes('/')) problems.push("may not contain '/'");
  if (name.includes('%')) problems.push("may not contain '%'");
  // Beyond kubectl, which sends them: no object can be named so (the API server allows DNS
  // names only), and such a name would otherwise be echoed to the terminal.
  if (CONTROL.test(name)) problems.push('may not contain control characters');
  return problems;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** -n/--namespace as typed (the context's namespace is checked where the kubeconfig is resolved). */
export function checkNamespaceFlag(namespace: string | undefined): void {
  if (!namespace) return;
  checkPathSegment(namespace, {
    what: 'namespace',
    hint: 'give -n/--namespace the name of a namespace (list them with `kubectl get namespaces`)',
  });
}

export interface NameCheck {
  /** `namespace` or `resource name`, as in kubectl's `invalid namespace ".."`. */
  what: 'namespace' | 'resource name';
  /** What to do, for the hint. */
  hint: string;
  exitCode?: ExitCodeValue;
}

/** Throws the one-line error kubectl gives (`invalid namespace "..": may not be '..'`). */
export function checkPathSegment(name: string, check: NameCheck): void {
  const problems = name === '' ? ['may not be empty'] : pathSegmentProblems(name);
  if (problems.length === 0) return;
  throw new StsError(`invalid ${check.what} ${JSON.stringify(name)}: ${problems.join(', ')}`, {
    exitCode: check.exitCode ?? ExitCode.USAGE,
    hint: check.hint,
  });
}

/** A NAME argument (StatefulSet, pod) as the command line gave it. */
export function checkObjectName(name: string | undefined, argument = 'NAME'): void {
  if (name === undefined) return;
  checkPathSegment(name, {
    what: 'resource name',
    hint: `give ${argument} as the object's name alone, e.g. \`web\` (not a path or \`kind/name\`)`,
  });
}
