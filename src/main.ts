// Entry point shared by bin/run.js (npm install) and bin/dev.js (sources).
import { fileURLToPath } from 'node:url';
import { execute, settings } from '@oclif/core';
import { exitQuietlyOnBrokenPipe } from './cli/base.ts';

export interface MainOptions {
  /** Read the commands themselves instead of oclif.manifest.json (bin/run.js: manifest older than dist/). */
  ignoreManifest?: boolean;
}

// From src/ (bin/dev.js) a manifest written by the last build may describe older flags.
const FROM_SOURCES = import.meta.url.endsWith('.ts');

export async function main(argv: string[], dir: string, options: MainOptions = {}): Promise<void> {
  exitQuietlyOnBrokenPipe();
  if (argv.includes('--debug')) settings.debug = false; // our --debug shows our traces, not oclif's internals
  const ignoreManifest = FROM_SOURCES || options.ignoreManifest === true;
  await execute({ args: argv, loadOptions: { root: fileURLToPath(dir), ignoreManifest } });
}
