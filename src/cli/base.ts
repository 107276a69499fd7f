// The base every command extends: it owns error presentation (one line, documented exit code,
// stack only with --debug) so that individual commands never print errors themselves.
import { Command } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { normalizeArgv } from './argv.ts';
import type { ArgvFlag } from './argv.ts';
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

/** Levenshtein distance, ignoring case (cobra's ld with ignoreCase). */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The commands cobra would suggest for a mistyped one: within edit distance 2, or starting with
 * what was typed, in name order; `help` is never suggested.
 */
export function suggestCommands(typed: string, commands: readonly string[]): string[] {
  return [...commands]
    .filter((id) => id !== 'help')
    .sort()
    .filter((id) => editDistance(typed, id) <= 2 || id.toLowerCase().startsWith(typed.toLowerCase()));
}

/** cobra's block after an unknown command (empty without suggestions). */
export function suggestionBlock(typed: string, commands: readonly string[]): string {
  const suggestions = suggestCommands(typed, commands);
  return suggestions.length === 0
    ? ''
    : `\nDid you mean this?\n${suggestions.map((id) => `\t${id}\n`).join('')}`;
}

/**
 * The words oclif could not find a command for (`command stauts not found`), if that is the
 * error. oclif joins every word before the first flag into a topic path (`statuss:todo-db`).
 */
export function unknownCommandOf(error: unknown): string[] | undefined {
  const message = error instanceof Error ? error.message : '';
  return /^command (\S+) not found$/.exec(message.split('\n')[0]?.trim() ?? '')?.[1]?.split(':');
}

/**
 * cobra's answer to words that are no command: `unknown command "stauts" for "kubectl sts"` and
 * its suggestions; or, when the first word is a command that takes no arguments
 * (`version extra`), `unknown command "extra" for "kubectl sts version"`.
 */
export function unknownCommand(
  words: readonly string[],
  commands: readonly string[],
): {
  error: StsError;
  suggestions: string;
} {
  const [first = '', second] = words;
  if (commands.includes(first) && second !== undefined) {
    return {
      error: new StsError(`unknown command "${second}" for "kubectl sts ${first}"`, {
        exitCode: ExitCode.USAGE,
        hint: `see 'kubectl sts ${first} --help' for usage`,
      }),
      suggestions: '',
    };
  }
  return {
    error: new StsError(`unknown command "${first}" for "kubectl sts"`, {
      exitCode: ExitCode.USAGE,
      hint: "run 'kubectl sts --help' to list the commands",
    }),
    suggestions: suggestionBlock(first, commands),
  };
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
    return new StsError(`unknown command "${notFound[1]!.split(':')[0]}" for "kubectl sts"`, {
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
  // `-o xml` where a command lists its formats: kubectl's words for a format it cannot print.
  const format = /^Expected --output=(.*) to be one of: (.*)$/.exec(lines[0] ?? '');
  if (format) {
    return new StsError(
      `unable to match a printer suitable for the output format "${format[1]}", allowed formats are: ${format[2]!
        .split(', ')
        .sort()
        .join(',')}`,
      { exitCode: ExitCode.USAGE, hint: 'see the accepted formats with --help' },
    );
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

  /** Reads the command line as kubectl does (src/cli/argv.ts) before oclif parses it. */
  protected override async parse<
    F extends Record<string, unknown>,
    B extends Record<string, unknown>,
    A extends Record<string, unknown>,
  >(
    options?: Interfaces.Input<F, B, A>,
    argv: string[] = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const flags = Object.entries((options ?? this.ctor).flags ?? {}).map(([name, flag]): ArgvFlag => ({
      name,
      char: flag.char,
      type: flag.type,
      multiple: flag.type === 'option' ? flag.multiple : false,
      allowNo: flag.type === 'boolean' ? flag.allowNo : false,
    }));
    return super.parse(options, normalizeArgv(argv, flags, this.id?.replaceAll(':', ' ')));
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
