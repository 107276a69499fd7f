// The verdict in `xcrun notarytool submit --wait --output-format json`'s output. notarytool exits
// 0 once the submission has been processed, accepted or not; only its JSON says which:
// {"id": "…", "status": "Accepted" | "Invalid" | "Rejected" | "In Progress", "message": "…"}.
// Node builtins only (scripts/notarise.ts runs on the runner's Node without npm ci's packages).

export interface NotarisationVerdict {
  accepted: boolean;
  /** The submission id (for `notarytool log`), when the output had one. */
  id?: string;
  status?: string;
  /** Why it was not accepted, in one line. */
  problem?: string;
}

export function notarisationVerdict(stdout: string): NotarisationVerdict {
  // The JSON is the output's one object; anything around it (notarytool's progress lines, should
  // a version print them to stdout) is skipped.
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  let result: { id?: unknown; status?: unknown; message?: unknown } | undefined;
  try {
    if (start >= 0 && end > start) result = JSON.parse(stdout.slice(start, end + 1)) as typeof result;
  } catch {
    result = undefined;
  }
  if (!result || typeof result !== 'object') {
    return {
      accepted: false,
      problem: `notarytool printed no JSON verdict: ${JSON.stringify(stdout.trim().slice(0, 200))}`,
    };
  }
  const id = typeof result.id === 'string' ? result.id : undefined;
  const status = typeof result.status === 'string' ? result.status : undefined;
  if (status === 'Accepted') return { accepted: true, id, status };
  const message = typeof result.message === 'string' ? `: ${result.message}` : '';
  return {
    accepted: false,
    id,
    status,
    problem: `the notary service's status is ${status === undefined ? 'missing' : JSON.stringify(status)}${id ? ` (submission ${id})` : ''}${message}`,
  };
}
