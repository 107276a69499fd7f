// Entry point shared by bin/run.js (npm install), bin/dev.js (sources) and the single-file
// bundle (scripts/lib/sea-entry.ts): every path reports errors the same way.
import { fileURLToPath } from 'node:url';
import { Config, flush, run, settings } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { exitQuietlyOnBrokenPipe, toStsError, unknownCommand, unknownCommandOf } from './cli/base.ts';
import { ExitCode, formatError } from './cli/errors.ts';
import { redactText } from './cli/redact.ts';

export interface MainOptions {
  /** Read the commands themselves instead of oclif.manifest.json (bin/run.js: manifest older than dist/). */
  ignoreManifest?: boolean;
}

// From src/ (bin/dev.js) a manifest written by the last build may describe older flags.
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** Runs one invocation of the CLI with oclif, given where and how to load the commands. */
export async function runCli(argv: string[], loadOptions: Interfaces.LoadOptions): Promise<void> {
  exitQuietlyOnBrokenPipe();
  if (argv.includes('--debug')) settings.debug = false; // our --debug shows our traces, not oclif's internals
  try {
    await run(argv, loadOptions);
    await flush();
  } catch (error) {
    // What escapes a command (an unknown command, words after a command that takes none) gets
    // the same single line as every other error, not oclif's own banner.
    const words = unknownCommandOf(error);
    if (words !== undefined) {
      // cobra's wording and suggestions, as kubectl prints them.
      const { error: unknown, suggestions } = unknownCommand(words, await commandIds(loadOptions));
      process.stderr.write(redactText(`${formatError(unknown)}\n${suggestions}`));
      process.exitCode = unknown.exitCode;
      return;
    }
    const stsError = toStsError(error);
    if (stsError.exitCode === ExitCode.OK) return;
    process.stderr.write(`${redactText(formatError(stsError))}\n`);
    process.exitCode = stsError.exitCode;
  }
}

/** The visible commands (only needed on the unknown-command path, so loaded only then). */
async function commandIds(loadOptions: Interfaces.LoadOptions): Promise<string[]> {
  try {
    const config = await Config.load(loadOptions);
    return config.commands.filter((command) => !command.hidden).map((command) => command.id);
  } catch {
    return [];
  }
}

export async function main(argv: string[], dir: string, options: MainOptions = {}): Promise<void> {
  const ignoreManifest = FROM_SOURCES || options.ignoreManifest === true;
  await runCli(argv, { root: fileURLToPath(dir), ignoreManifest });
}
