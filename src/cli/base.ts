// The base every command extends: it owns error presentation (one line, documented exit code,
// stack only with --debug) so that individual commands never print errors themselves.
import { Command } from '@oclif/core';
import { ExitCode, StsError, formatError } from './errors.ts';
import { terminalSafe } from '../render/terminal.ts';
import { redactText } from './redact.ts';

/**
 * The streams already given the handler below. Kept per stream, not as a module flag: a process
 * started from the start-up snapshot has new stdout/stderr objects, and a flag set while the
 * snapshot was built would leave them without it.
 */
const brokenPipeHandled = new WeakSet<NodeJS.WriteStream>();

/**
 * `kubectl sts status web | head`: once the reader has gone, writing to stdout fails with EPIPE.
 * The output nobody reads is not an error, so end at once with exit 0 and no message (kubectl
 * behaves the same); otherwise Node would report an unhandled 'error' or an unsettled await.
 */
export function exitQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (brokenPipeHandled.has(stream)) continue;
    brokenPipeHandled.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}

/** Turns anything thrown into a StsError the user can act on. */
export function toStsError(error: unknown, commandId?: string): StsError {
  if (error instanceof StsError) return error;
  const oclif = (error as { oclif?: { exit?: number } } | undefined)?.oclif;
  const message = error instanceof Error ? error.message : String(error);
  if (oclif && oclif.exit !== undefined) {
    if (oclif.exit === 0) return new StsError('', { exitCode: ExitCode.OK });
    return usageFromOclif(message, commandId);
  }
  return new StsError(`unexpected error: ${message}`, {
    exitCode: ExitCode.INTERNAL,
    hint: 're-run with --debug and report the output',
    cause: error,
  });
}

/**
 * oclif's parse errors span lines ("Parsing --ordinal\n\tExpected an integer…\nSee more help
 * with --help"); keep every line that carries information, on one line, and point at the
 * command's own help.
 */
function usageFromOclif(message: string, commandId: string | undefined): StsError {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^See more help/i.test(line));
  const notFound = /^command (\S+) not found$/.exec(lines[0] ?? '');
  if (notFound) {
    return new StsError(`unknown command "${notFound[1]!.replaceAll(':', ' ')}" for "kubectl sts"`, {
      exitCode: ExitCode.USAGE,
      hint: "run 'kubectl sts --help' to list the commands",
    });
  }
  // "Missing 1 required arg:\nname  The StatefulSet to verify.\nNote: --path allows multiple
  // values…": name what is missing the way the usage line does; the note about repeatable flags
  // is oclif's guess at a cause, wrong when the argument was simply left out.
  if (/^Missing \d+ required args?:$/.test(lines[0] ?? '')) {
    const missing = lines
      .slice(1)
      .filter((line) => !/^(Note|Alternatively)\b/.test(line))
      .map((line) => {
        const [name = '', ...description] = line.split(/\s{2,}/);
        const about = description.join(' ').replace(/\.$/, '');
        return `the ${name.toUpperCase()} argument${about ? ` (${about[0]!.toLowerCase()}${about.slice(1)})` : ''}`;
      });
    const help = commandId ? `kubectl sts ${commandId.replaceAll(':', ' ')} --help` : 'kubectl sts --help';
    return new StsError(`missing ${missing.join(' and ')}`, {
      exitCode: ExitCode.USAGE,
      hint: `see '${help}' for the accepted flags and arguments`,
    });
  }
  const [first = 'invalid arguments', ...rest] = lines;
  const text =
    first.startsWith('Parsing ') && rest.length
      ? `invalid value for ${first.slice(8)}: ${rest.join(' ')}`
      : [first, ...rest].join(': ');
  const help = commandId ? `kubectl sts ${commandId.replaceAll(':', ' ')} --help` : 'kubectl sts --help';
  return new StsError(text, {
    exitCode: ExitCode.USAGE,
    hint: `see '${help}' for the accepted flags and arguments`,
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
    const stsError = toStsError(error, this.id);
    if (stsError.exitCode === ExitCode.OK) return;
    if (this.debugEnabled) {
      const cause = stsError.cause instanceof Error ? stsError.cause : error;
      if (cause.stack)
        process.stderr.write(`${terminalSafe(redactText(cause.stack), { keepLayout: true })}\n`);
    }
    process.stderr.write(`${redactText(formatError(stsError))}\n`);
    process.exitCode = stsError.exitCode;
  }
}
