// How the flow reads failures coming back from the gateway, and the refusals it raises itself.
import { ExitCode, StsError } from '../cli/errors.ts';

/** A refusal to start (or to go on) before anything was deleted. */
export function refusal(message: string, hint: string): StsError {
  return new StsError(message, { exitCode: ExitCode.ABORTED, hint });
}

export interface ApiFailure {
  code: number | undefined;
  reason: string | undefined;
  message: string;
}

/**
 * The HTTP status, API reason and message of a gateway error, whatever wrapped it: the gateway
 * may throw a StsError whose cause is the API's Status, or the client library's exception.
 */
export function apiFailureOf(error: unknown): ApiFailure {
  let code: number | undefined;
  let reason: string | undefined;
  let message: string | undefined;
  const seen = new Set<unknown>();
  for (let current: unknown = error; current && typeof current === 'object' && !seen.has(current);) {
    seen.add(current);
    const record = current as Record<string, unknown>;
    const body = parseBody(record.body);
    const numeric = [record.code, record.statusCode, body?.code].find(
      (value): value is number => typeof value === 'number' && value >= 100 && value < 600,
    );
    code ??= numeric;
    reason ??= typeof record.reason === 'string' ? record.reason : (body?.reason as string | undefined);
    const statusMessage = typeof body?.message === 'string' ? body.message : undefined;
    message ??= statusMessage;
    if (typeof record.status === 'number' && record.status >= 100 && record.status < 600)
      code ??= record.status;
    // KubeApiError keeps the server's Status as apiStatus: its message is the API's own words.
    for (const key of ['apiStatus', 'status'] as const) {
      const status = record[key];
      if (!status || typeof status !== 'object') continue;
      const fields = status as Record<string, unknown>;
      if (typeof fields.code === 'number') code ??= fields.code;
      if (typeof fields.reason === 'string') reason ??= fields.reason;
      if (typeof fields.message === 'string') message ??= fields.message;
    }
    current = record.cause;
  }
  const fallback = error instanceof Error ? error.message : String(error);
  return { code, reason, message: message ?? fallback };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (body && typeof body === 'object') return body as Record<string, unknown>;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof StsError) return error.message;
  return apiFailureOf(error).message;
}

/** Thrown inside the flow when its AbortSignal fires; turned into an INTERRUPTED report. */
export class FlowAborted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'FlowAborted';
  }
}

export class FlowTimedOut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowTimedOut';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FlowAborted();
}

/** Waits `ms` on the flow's clock; rejects with FlowAborted as soon as `signal` fires. */
export function sleep(
  clock: { setTimeout(fn: () => void, ms: number): { cancel(): void } },
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FlowAborted());
    const onAbort = (): void => {
      timer.cancel();
      reject(new FlowAborted());
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
