// Turning the bundle into per-platform payloads: one Node single executable application per
// platform. The Node binary is prepared first (signature removed on macOS, symbols stripped
// where this machine can), the bundle injected with `node --build-sea`, and a macOS result
// signed again, since the injection invalidates the signature Apple silicon insists on.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArchiveEntry } from './archive.ts';
import { CLIENT_NODE_CHUNK, snapshotBuildEnvironment } from './bundle.ts';
import { cannotBuildOn, executableName, hostTarget, targetId } from './targets.ts';
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

/**
 * The bare snapshot environment, plus what Windows itself needs to start a process (without
 * SystemRoot, Winsock and the crypto provider fail to load); none of it reaches the heap.
 */
function seaSnapshotEnvironment(): NodeJS.ProcessEnv {
  const env = snapshotBuildEnvironment();
  if (process.platform !== 'win32') return env;
  for (const name of ['SystemRoot', 'windir', 'TEMP', 'TMP']) {
    if (process.env[name]) env[name] = process.env[name];
  }
  return env;
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
      ...(options.useSnapshot ? { env: seaSnapshotEnvironment() } : {}),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export const COMPLETE_SCRIPT_WINDOWS = `@echo off\r
rem Shell completion helper found by kubectl on PATH; asks kubectl-sts.exe beside it.\r
"%~dp0kubectl-sts.exe" completion __complete -- %*\r
`;

/**
 * Entitlements of a Developer ID signature (hardened runtime, which notarisation requires): V8
 * writes and runs machine code, which the hardened runtime forbids unless allowed. The same
 * JIT entitlements the Node.js project signs its own macOS binary with; an ad-hoc signature has
 * no hardened runtime and needs none.
 */
export const MACOS_ENTITLEMENTS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>com.apple.security.cs.allow-jit</key>
  <true/>
  <key>com.apple.security.cs.allow-unsigned-executable-memory</key>
  <true/>
  <key>com.apple.security.cs.disable-executable-page-protection</key>
  <true/>
</dict>
</plist>
`;

/** How the executable for a target is made; everything that differs by platform is decided here. */
export interface ExecutablePlan {
  /** Strip the symbol table from the Node binary before the injection (see prepareNodeBinary). */
  strip: boolean;
  /** `codesign --remove-signature` before and `codesign --sign` after (macOS targets). */
  sign: boolean;
}

export function executablePlan(
  target: ReleaseTarget,
  host: ReleaseTarget | undefined = hostTarget(),
): ExecutablePlan {
  // `strip` is the build machine's own (binutils on Linux, Apple's on macOS) and only reads its
  // own format; Windows' node.exe carries no symbol table (its symbols ship as a separate PDB).
  return { strip: host === target && target.os !== 'windows', sign: target.os === 'darwin' };
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * A copy of the official Node binary ready for the injection: on macOS without its signature
 * (which the injection would break anyway), and without its symbol table where `plan.strip`
 * says so. The symbols are for debuggers and native crash traces, not for running: stripping
 * them takes 4.5 to 5.5 MiB off each compressed archive (docs/release.md, "Size"). The dynamic
 * symbol table that native addons link against stays: GNU strip never removes it, and Apple's
 * `strip -x` keeps global symbols.
 */
export function prepareNodeBinary(
  target: ReleaseTarget,
  nodeBinary: string,
  workDir: string,
  plan: ExecutablePlan = executablePlan(target),
): string {
  const prepared = path.join(workDir, `${target.os}_${target.arch}`, `node-${path.basename(nodeBinary)}`);
  mkdirSync(path.dirname(prepared), { recursive: true });
  copyFileSync(nodeBinary, prepared);
  if (plan.sign) run('codesign', ['--remove-signature', prepared]);
  if (plan.strip) run('strip', target.os === 'darwin' ? ['-x', prepared] : [prepared]);
  return prepared;
}

/**
 * Signs a macOS executable after the injection. `identity` "-" is an ad-hoc signature, enough
 * for Apple silicon to run a binary that krew downloaded (krew's downloads carry no quarantine
 * attribute, so Gatekeeper does not assess them); a Developer ID identity also gets the
 * hardened runtime and a secure timestamp, which notarisation needs. Verified right after.
 */
export function signMacExecutable(file: string, identity: string): void {
  if (identity === '-') {
    run('codesign', ['--sign', '-', '--force', file]);
  } else {
    const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-sign-'));
    try {
      const entitlements = path.join(work, 'entitlements.plist');
      writeFileSync(entitlements, MACOS_ENTITLEMENTS);
      run('codesign', [
        '--sign',
        identity,
        '--force',
        '--options',
        'runtime',
        '--timestamp',
        '--entitlements',
        entitlements,
        file,
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  run('codesign', ['--verify', '--strict', '--verbose=2', file]);
}

export interface PayloadOptions {
  bundleFile: string;
  /** The target's official Node binary, unmodified (nodeBinaryFor); a copy is prepared. */
  nodeBinary: string;
  workDir: string;
  licenseFile: string;
  repoRoot: string;
  /**
   * The snapshot entry bundle (beside bundleFile and its client library chunk): the executable
   * then starts from a snapshot. Only for a target canUseSnapshot allows; the caller decides.
   */
  snapshotBundleFile?: string;
  /** codesign identity for macOS targets: "-" (ad-hoc, the default) or a Developer ID. */
  codesignIdentity?: string;
}

/** Files that go into the archive for `target`, LICENSE included. */
export function payloadFor(target: ReleaseTarget, options: PayloadOptions): ArchiveEntry[] {
  const unbuildable = cannotBuildOn(target);
  if (unbuildable) throw new Error(unbuildable);
  const text = (value: string) => new TextEncoder().encode(value);
  // The same POSIX helper the npm package ships: it runs the kubectl-sts beside it.
  const completeScript = path.join(options.repoRoot, 'bin', 'kubectl_complete-sts');
  const license: ArchiveEntry = { name: 'LICENSE', data: readFileSync(options.licenseFile), mode: 0o644 };
  const plan = executablePlan(target);
  const output = path.join(options.workDir, `${target.os}_${target.arch}`, executableName(target));
  buildSea({
    bundleFile: options.snapshotBundleFile ?? options.bundleFile,
    nodeBinary: prepareNodeBinary(target, options.nodeBinary, options.workDir, plan),
    output,
    useCodeCache: canUseCodeCache(target),
    useSnapshot: options.snapshotBundleFile !== undefined,
  });
  if (plan.sign) signMacExecutable(output, options.codesignIdentity || '-');
  const helper: ArchiveEntry =
    target.os === 'windows'
      ? { name: 'kubectl_complete-sts.cmd', data: text(COMPLETE_SCRIPT_WINDOWS), mode: 0o755 }
      : { name: 'kubectl_complete-sts', data: readFileSync(completeScript), mode: 0o755 };
  return [{ name: executableName(target), data: readFileSync(output), mode: 0o755 }, helper, license];
}

/** What payloadFor would build for `target`, as one line for the build log. */
export function describePlan(target: ReleaseTarget, snapshot: boolean): string {
  const plan = executablePlan(target);
  return [
    `${targetId(target)}: single executable`,
    snapshot ? 'start-up snapshot' : canUseCodeCache(target) ? 'code cache' : 'compiled at start',
    plan.strip
      ? 'stripped'
      : target.os === 'windows'
        ? 'no symbol table to strip'
        : "not stripped (cross-built: this machine's strip cannot read it)",
    ...(plan.sign ? ['signed with codesign'] : []),
  ].join(', ');
}
