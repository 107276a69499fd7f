// Every failure the user can meet is a StsError: one line of message, one line of hint,
// and a documented exit code (README "Exit codes"). Nothing else reaches the terminal
// unless --debug is set.
import { terminalSafe } from '../render/terminal.ts';

export const ExitCode = {
  /** Success (verify-pvc: PASS; status --wait: rollout complete). */
  OK: 0,
  /** Unexpected internal error (a bug: please report it with --debug output). */
  INTERNAL: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** kubeconfig problem: file missing or unreadable, context/cluster/user not found. */
  CONFIG: 3,
  /** The named StatefulSet, namespace or pod does not exist. */
  NOT_FOUND: 4,
  /** 401 Unauthorized or 403 Forbidden. */
  AUTH: 5,
  /** Server unreachable, TLS failure, or request timeout. */
  UNREACHABLE: 6,
  /** The server answered with an error (5xx, 429 after retries, unexpected status). */
  SERVER: 7,
  /** verify-pvc: data or binding did not survive the pod's re-creation. */
  VERIFY_FAILED: 10,
  /** verify-pvc: refused to start or aborted before a verdict (nothing deleted unless reported). */
  ABORTED: 11,
  /** status --wait: the rollout is stuck (diagnostics explain why). */
  ROLLOUT_STUCK: 12,
  /** status --wait / verify-pvc: --timeout elapsed. */
  TIMEOUT: 13,
  /** Interrupted by the user (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface StsErrorOptions {
  exitCode: ExitCodeValue;
  /** What the user can do about it; printed after the message on the same line. */
  hint?: string;
  cause?: unknown;
}

export class StsError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, options: StsErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'StsError';
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }
}

export function usageError(message: string, hint?: string): StsError {
  return new StsError(message, { exitCode: ExitCode.USAGE, hint });
}

/**
 * The single line printed for an error: `error: <message>; <hint>`. Messages quote the cluster
 * (API messages, names) and the kubeconfig, so the line is terminal-safe: a control character
 * in them is shown, not obeyed, and cannot break the line in two.
 */
export function formatError(error: StsError): string {
  return terminalSafe(error.hint ? `error: ${error.message}; ${error.hint}` : `error: ${error.message}`);
}
