// Entry point of the single-file bundle (SEA binaries and the macOS launcher layout). oclif
// normally reads package.json and imports the command map from disk; inside a single
// executable there is no package tree, so both are handed over from the bundle instead.
import path from 'node:path';
import type { Interfaces } from '@oclif/core';
import { COMMANDS } from '../../src/commands/index.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/main.ts';
import { pluginFromCommandMap } from './oclif-plugin.ts';

export async function runBundled(argv: string[]): Promise<void> {
  const root = path.dirname(process.execPath);
  const pjson = packageJson as unknown as Interfaces.PJSON;
  const plugin = await pluginFromCommandMap(root, pjson, COMMANDS);
  await runCli(argv, { root, pjson, plugins: new Map([[plugin.name, plugin]]) });
}

// No top-level await: the bundle is CommonJS, which is what a SEA main script runs as.
runBundled(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `error: unexpected start-up failure: ${String(error)}; re-run with --debug and report it\n`,
  );
  process.exitCode = 1;
});
