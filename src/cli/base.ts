// The base every command extends: it owns error presentation (one line, documented exit code,
// stack only with --debug) so that individual commands never print errors themselves.
import { Command } from '@oclif/core';
import { ExitCode, StsError, formatError } from './errors.ts';
import { redactText } from './redact.ts';

let brokenPipeHandled = false;

/**
 * `kubectl sts status web | head`: once the reader has gone, writing to stdout fails with EPIPE.
 * The output nobody reads is not an error, so end at once with exit 0 and no message (kubectl
 * behaves the same); otherwise Node would report an unhandled 'error' or an unsettled await.
 */
export function exitQuietlyOnBrokenPipe(): void {
  if (brokenPipeHandled) return;
  brokenPipeHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}

/** Turns anything thrown into a StsError the user can act on. */
export function toStsError(error: unknown): StsError {
  if (error instanceof StsError) return error;
  const oclif = (error as { oclif?: { exit?: number } } | undefined)?.oclif;
  const message = error instanceof Error ? error.message : String(error);
  if (oclif && oclif.exit !== undefined) {
    if (oclif.exit === 0) return new StsError('', { exitCode: ExitCode.OK });
    // oclif parse errors are multi-line ("Nonexistent flag: --x\nSee more help with --help").
    const first = message
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0);
    return new StsError(first ?? 'invalid arguments', {
      exitCode: ExitCode.USAGE,
      hint: 'see --help for the accepted flags and arguments',
    });
  }
  return new StsError(`unexpected error: ${message}`, {
    exitCode: ExitCode.INTERNAL,
    hint: 're-run with --debug and report the output',
    cause: error,
  });
}

export abstract class StsCommand extends Command {
  // main() already did this on the npm path; the single-file bundle starts commands directly.
  public override async init(): Promise<void> {
    exitQuietlyOnBrokenPipe();
    await super.init();
  }

  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug') || process.env.KUBECTL_STS_DEBUG === '1';
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<void> {
    const stsError = toStsError(error);
    if (stsError.exitCode === ExitCode.OK) return;
    if (this.debugEnabled) {
      const cause = stsError.cause instanceof Error ? stsError.cause : error;
      if (cause.stack) process.stderr.write(`${redactText(cause.stack)}\n`);
    }
    process.stderr.write(`${redactText(formatError(stsError))}\n`);
    process.exitCode = stsError.exitCode;
  }
}
