// Turning the bundle into per-platform payloads: a Node single executable application where
// the platform allows it, the launcher layout where it does not (see targets.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArchiveEntry } from './archive.ts';
import { CLIENT_NODE_CHUNK, snapshotBuildEnvironment } from './bundle.ts';
import { executableName, hostTarget } from './targets.ts';
import type { ReleaseTarget } from './targets.ts';

/**
 * Code cache is V8 bytecode for the machine that builds it, so it is only embedded when the
 * target is the build host; elsewhere the binary would crash or silently recompile.
 */
export function canUseCodeCache(target: ReleaseTarget): boolean {
  return hostTarget() === target;
}

/**
 * A start-up snapshot (see scripts/lib/snapshot-entry.ts) is written by the Node that runs
 * `--build-sea` and only loads into the same Node version on the same platform, so the single
 * executable starts from one only for the build host, and only when the release embeds the Node
 * version it runs on (release.ts takes the binaries of `nodeVersion`, by default this Node's).
 */
export function canUseSnapshot(target: ReleaseTarget, nodeVersion: string): boolean {
  return hostTarget() === target && nodeVersion === process.versions.node;
}

export interface SeaOptions {
  /** The main script; the client library chunk must sit beside it (see bundle.ts). */
  bundleFile: string;
  /** The target's unmodified official Node binary, same version as the running Node. */
  nodeBinary: string;
  output: string;
  useCodeCache: boolean;
  /**
   * Start from a V8 snapshot: `bundleFile` is then the snapshot entry bundle
   * (bundleSnapshotEntry), which `--build-sea` runs at build time.
   */
  useSnapshot?: boolean;
}

/** Builds with Node's own `--build-sea`, which injects the blob into ELF, Mach-O and PE files. */
export function buildSea(options: SeaOptions): void {
  mkdirSync(path.dirname(options.output), { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-sea-'));
  try {
    const config = path.join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        // Relative to the bundle's directory (the cwd below): the blob records this path, and an
        // absolute one would put the build directory into the binary and its checksum.
        main: path.basename(options.bundleFile),
        mainFormat: 'commonjs',
        executable: options.nodeBinary,
        output: options.output,
        disableExperimentalSEAWarning: true,
        // Node refuses a code cache beside a snapshot: the snapshot holds the compiled code.
        useCodeCache: options.useSnapshot ? false : options.useCodeCache,
        useSnapshot: options.useSnapshot === true,
        // The client library, compiled only by commands that call the API (see bundle.ts).
        assets: { [CLIENT_NODE_CHUNK]: CLIENT_NODE_CHUNK },
        // NODE_OPTIONS from the user's shell must not change how the plugin runs.
        execArgvExtension: 'none',
      }),
    );
    execFileSync(process.execPath, ['--build-sea', config], {
      cwd: path.dirname(options.bundleFile),
      stdio: ['ignore', 'ignore', 'inherit'],
      // With a snapshot the main script runs now and its heap ships: a bare environment, as for
      // the snapshot of npm run build, so nothing of the release shell (colours, DEBUG) can.
      ...(options.useSnapshot ? { env: snapshotBuildEnvironment() } : {}),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * POSIX sh launcher of the macOS layout. krew links bin/kubectl-sts to it, so it resolves its
 * own location through symlinks before running the Node binary that sits beside it.
 */
export const LAUNCHER_SCRIPT = `#!/bin/sh
# kubectl-sts launcher: runs the bundled plugin with the Node binary shipped beside it.
self=$0
while [ -L "$self" ]; do
  target=$(readlink "$self")
  case $target in
    /*) self=$target ;;
    *) self=$(dirname "$self")/$target ;;
  esac
done
here=$(cd "$(dirname "$self")" && pwd -P)
# Node's on-disk compile cache stands in for the code cache a SEA would carry (the main script is
# compiled before any of its code runs, so only the environment can switch it on).
NODE_COMPILE_CACHE=\${NODE_COMPILE_CACHE:-\${TMPDIR:-/tmp}/node-compile-cache}
export NODE_COMPILE_CACHE
exec "$here/node" "$here/kubectl-sts.cjs" "$@"
`;

export const COMPLETE_SCRIPT_WINDOWS = `@echo off\r
rem Shell completion helper found by kubectl on PATH; asks kubectl-sts.exe beside it.\r
"%~dp0kubectl-sts.exe" completion __complete -- %*\r
`;

/** Files that go into the archive for `target`, LICENSE included. */
export function payloadFor(
  target: ReleaseTarget,
  options: {
    bundleFile: string;
    nodeBinary: string;
    workDir: string;
    licenseFile: string;
    repoRoot: string;
    /**
     * The snapshot entry bundle (beside bundleFile and its client library chunk): the executable
     * then starts from a snapshot. Only for a target canUseSnapshot allows; the caller decides.
     */
    snapshotBundleFile?: string;
  },
): ArchiveEntry[] {
  const text = (value: string) => new TextEncoder().encode(value);
  // The same POSIX helper the npm package ships: it runs the kubectl-sts beside it.
  const completeScript = path.join(options.repoRoot, 'bin', 'kubectl_complete-sts');
  const license: ArchiveEntry = { name: 'LICENSE', data: readFileSync(options.licenseFile), mode: 0o644 };
  if (target.packaging === 'launcher') {
    return [
      { name: 'kubectl-sts', data: text(LAUNCHER_SCRIPT), mode: 0o755 },
      { name: 'kubectl-sts.cjs', data: readFileSync(options.bundleFile), mode: 0o644 },
      {
        name: CLIENT_NODE_CHUNK,
        data: readFileSync(path.join(path.dirname(options.bundleFile), CLIENT_NODE_CHUNK)),
        mode: 0o644,
      },
      { name: 'node', data: readFileSync(options.nodeBinary), mode: 0o755 },
      { name: 'kubectl_complete-sts', data: readFileSync(completeScript), mode: 0o755 },
      license,
    ];
  }
  const output = path.join(options.workDir, `${target.os}_${target.arch}`, executableName(target));
  buildSea({
    bundleFile: options.snapshotBundleFile ?? options.bundleFile,
    nodeBinary: options.nodeBinary,
    output,
    useCodeCache: canUseCodeCache(target),
    useSnapshot: options.snapshotBundleFile !== undefined,
  });
  const helper: ArchiveEntry =
    target.os === 'windows'
      ? { name: 'kubectl_complete-sts.cmd', data: text(COMPLETE_SCRIPT_WINDOWS), mode: 0o755 }
      : { name: 'kubectl_complete-sts', data: readFileSync(completeScript), mode: 0o755 };
  return [{ name: executableName(target), data: readFileSync(output), mode: 0o755 }, helper, license];
}
