// Entry point of the V8 startup snapshot (dist/bundle/kubectl-sts.blob) that bin/kubectl-sts
// starts the pinned Node from. `npm run build` evaluates this file once, with every module the
// commands use initialised, oclif's command manifest computed and the hot code paths compiled,
// and saves the heap. A command then starts from that heap instead of compiling and
// initialising ~300 modules, which was most of a short command's run time.
//
// What may not be frozen into the heap: anything read from the environment, the terminal or
// the clock at module load. Such modules are kept out of the build-time evaluation (the
// builtins in snapshotBanner, bundle.ts; ansis-lazy.cjs) and load on first use after start-up;
// oclif's help (terminal width, colour support) and its DEBUG log are decided when oclif
// loads, so bin/kubectl-sts runs those from run.js instead; oclif's cwd check is repeated here.
// test/perf/snapshot-parity.test.ts compares both ways of starting over a matrix of commands,
// environments and terminals.
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import type { Interfaces } from '@oclif/core';
import { COMMANDS } from '../../src/commands/index.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/main.ts';
import { pluginFromCommandMap } from './oclif-plugin.ts';
import { warmUp } from './snapshot-warmup.ts';
// Loaded by the commands on demand; initialised here so that no run pays for it.
import '../../src/render/status.ts';
import '../../src/render/yaml.ts';
import '../../src/collect/offline.ts';

declare const __filename: string;

/** oclif's start-up check, with its words: a command run from a deleted directory still works. */
function warnIfCwdIsGone(): void {
  try {
    process.cwd();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      process.stderr.write('WARNING: current directory does not exist\n');
  }
}

async function prepare(): Promise<void> {
  // The snapshot is built in place (dist/bundle/), so the bundle's directory is also where it
  // runs from.
  const root = path.dirname(__filename);
  const pjson = packageJson as unknown as Interfaces.PJSON;
  const plugin = await pluginFromCommandMap(root, pjson, COMMANDS);
  await warmUp();
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // A real require for what the bundle leaves outside (the Kubernetes client library): the
    // one Node hands a snapshot being built only loads builtins.
    (globalThis as { __stsRequire?: NodeJS.Require }).__stsRequire = createRequire(__filename);
    // oclif checks this when its index module loads, which for the snapshot was at build time.
    warnIfCwdIsGone();
    // bin/kubectl-sts starts `node --snapshot-blob <blob> bin/run.js <args>`: argv[1] is run.js.
    runCli(process.argv.slice(2), { root, pjson, plugins: new Map([[plugin.name, plugin]]) }).catch(
      (error: unknown) => {
        process.stderr.write(
          `error: unexpected start-up failure: ${String(error)}; re-run with --debug and report it\n`,
        );
        process.exitCode = 1;
      },
    );
  });
}

if (!v8.startupSnapshot.isBuildingSnapshot()) {
  process.stderr.write('error: snapshot-entry.cjs is only for `node --build-snapshot` (npm run build)\n');
  process.exitCode = 3;
} else {
  prepare().catch((error: unknown) => {
    process.stderr.write(`error: building the start-up snapshot failed: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
