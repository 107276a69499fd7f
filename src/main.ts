// Entry point shared by bin/run.js (npm install) and the single-executable bundle.
import { execute, settings } from '@oclif/core';

export async function main(argv: string[], dir: string): Promise<void> {
  if (argv.includes('--debug')) settings.debug = false; // our --debug shows our traces, not oclif's internals
  await execute({ args: argv, dir });
}
