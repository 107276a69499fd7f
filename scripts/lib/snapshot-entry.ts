// Entry point of the V8 startup snapshot that bin/kubectl-sts starts the pinned Node from
// (dist/bundle/kubectl-sts.blob), and of the release's single executable for the build host
// (a SEA built with useSnapshot: scripts/lib/sea.ts). The build evaluates this file once, with
// every module the commands use initialised, oclif's command manifest computed and the hot code
// paths compiled, and saves the heap. A command then starts from that heap instead of compiling
// and initialising ~300 modules, which was most of a short command's run time.
//
// What may not be frozen into the heap: anything read from the environment, the terminal or
// the clock at module load. Such modules are kept out of the build-time evaluation (the
// builtins in snapshotBanner and the modules of lazyModulesPlugin, bundle.ts: oclif's colours,
// help width and debug log) and load on first use after start-up; oclif's cwd check is repeated
// here. test/perf/snapshot-parity.test.ts compares both ways of starting over a matrix of
// commands, environments and terminals.
import { createRequire } from 'node:module';
import path from 'node:path';
import sea from 'node:sea';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Interfaces } from '@oclif/core';
import { COMMANDS } from '../../src/commands/index.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/main.ts';
import { CLIENT_NODE, CLIENT_NODE_CHUNK } from './client-node-chunk.ts';
import { pluginFromCommandMap } from './oclif-plugin.ts';
import { warmUp } from './snapshot-warmup.ts';
// Loaded by the commands on demand; initialised here so that no run pays for it.
import '../../src/render/status.ts';
import '../../src/render/yaml.ts';
import '../../src/collect/offline.ts';
// What oclif's platform check (is-wsl, which must run after start-up) imports: functions only,
// their answers cached on first call, so initialising them here is safe and saves ~3 ms a run.
import 'is-inside-container';

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

/**
 * The require the bundle's banner uses after start-up: for the builtins it deferred and for
 * what it leaves outside, the Kubernetes client library (the require Node hands a snapshot
 * being built only loads builtins). Inside a single executable there is no library on disk: the
 * chunk is the SEA asset, compiled the way CLIENT_NODE_LOADER (bundle.ts) does it for the SEA
 * that starts without a snapshot.
 */
function runtimeRequire(root: string): (id: string) => unknown {
  const fromDisk = createRequire(path.join(root, path.basename(__filename)));
  if (!sea.isSea()) return fromDisk;
  let clientNode: { exports: unknown } | undefined;
  return (id) => {
    if (id !== CLIENT_NODE) return fromDisk(id);
    if (clientNode) return clientNode.exports;
    const file = path.join(root, CLIENT_NODE_CHUNK);
    const code = sea.getAsset(CLIENT_NODE_CHUNK, 'utf8');
    clientNode = { exports: {} };
    vm.compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file })(
      clientNode.exports,
      fromDisk,
      clientNode,
      file,
      root,
    );
    return clientNode.exports;
  };
}

/**
 * dist/bundle/ of the checkout this run comes from. bin/kubectl-sts starts
 * `node --snapshot-blob <blob> <checkout>/bin/run.js …`, so argv[1] says where the checkout is
 * now; the build's own path would be wrong for a checkout moved since (the client library is
 * required from there).
 */
function bundleDirOfThisRun(buildRoot: string): string {
  const runJs = process.argv[1];
  if (!runJs || path.basename(runJs) !== 'run.js') return buildRoot;
  return path.join(path.dirname(path.dirname(path.resolve(runJs))), 'dist', 'bundle');
}

async function prepare(): Promise<void> {
  // dist/bundle/ for bin/kubectl-sts (the snapshot is built in place, where it runs from); the
  // build directory for a single executable, which runs from wherever it was installed.
  const buildRoot = path.dirname(__filename);
  const pjson = packageJson as unknown as Interfaces.PJSON;
  const plugin = await pluginFromCommandMap(buildRoot, pjson, COMMANDS);
  await warmUp();
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // The single executable's root is its directory, as for the one started without a snapshot
    // (sea-entry.ts); oclif reports it (config.root comes from the root plugin).
    const root = sea.isSea() ? path.dirname(process.execPath) : bundleDirOfThisRun(buildRoot);
    (plugin as { root: string }).root = root;
    (globalThis as { __stsRequire?: (id: string) => unknown }).__stsRequire = runtimeRequire(root);
    // oclif checks this when its index module loads, which for the snapshot was at build time.
    warnIfCwdIsGone();
    // bin/kubectl-sts starts `node --snapshot-blob <blob> bin/run.js <args>`: argv[1] is run.js.
    // A single executable's argv is [binary, binary, ...args] from a snapshot too, the layout
    // Node gives a SEA's main script.
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
