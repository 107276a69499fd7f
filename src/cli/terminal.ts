// Decisions about the terminal that every command with progress output shares.

/**
 * A spinner only on a terminal with a known width: a pseudo-terminal reporting 0 columns makes
 * ora clear lines forever, so such a stream gets plain lines instead.
 */
export function spinnerFits(stream: { isTTY?: boolean; columns?: number }): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
}
