// The release pipeline as functions, so `npm run release`, the release workflow and the tests
// share it: bundle, per-platform single executables, archives, checksums, and the krew manifest
// filled from krew-manifest.yaml.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTarGz, createZip } from './archive.ts';
import { describeFormat, expectedFormat, formatMismatch, readHeader } from './executable-format.ts';
import { REPO_ROOT, bundleCli, bundleSnapshotEntry, snapshotBuiltinShapes } from './bundle.ts';
import {
  installFromArchive,
  matchingPlatform,
  parseKrewManifest,
  renderKrewManifest,
  validateKrewManifest,
} from './krew.ts';
import { defaultNodeCacheDir, nodeBinaryFor } from './node-dist.ts';
import { readPackageVersion as readVersionOf } from './package-version.ts';
import { canUseSnapshot, describePlan, payloadFor } from './sea.ts';
import { RELEASE_TARGETS, archiveName, cannotBuildOn, hostTarget, targetId } from './targets.ts';
import type { ReleaseTarget } from './targets.ts';
import { HintedError } from './hinted-error.ts';

/** The krew manifest as a template: placeholders instead of a version, URIs and checksums. */
export const MANIFEST_TEMPLATE = path.join(REPO_ROOT, 'krew-manifest.yaml');

/** krew wants a plugin's manifest named after the plugin: plugins/sts.yaml in krew-index. */
export const MANIFEST_NAME = 'sts.yaml';

export const CHECKSUMS_NAME = 'SHA256SUMS';

/** A bad request to the release (unknown platform, wrong tag, missing archive): exit code 2. */
export class ReleaseUsageError extends Error {
  override name = 'ReleaseUsageError';
}

/** A release that fails its own checks (exit code 1); `hint` says what to do about it. */
export class ReleaseCheckError extends HintedError {
  override name = 'ReleaseCheckError';
}

export interface ReleaseOptions {
  version: string;
  targets: readonly ReleaseTarget[];
  outDir: string;
  /**
   * Where the archives will be downloaded from (`<baseUri>/<archive name>`); `{version}` becomes
   * e.g. `v0.1.0`. Unset: the archives' own file:// location, for installing with --archive.
   */
  baseUri?: string;
  /** The project's page (spec.homepage); unset leaves the field out. */
  homepage?: string;
  nodeVersion: string;
  nodeCacheDir: string;
  /** Seconds since the epoch stamped on archive entries (reproducible archives). */
  mtime: number;
  /** zlib level for the archives (default 6). */
  compressionLevel?: number;
  /** codesign identity for macOS targets ("-", the default, signs ad hoc). */
  codesignIdentity?: string;
  log: (line: string) => void;
}

export interface ReleasedArchive {
  target: ReleaseTarget;
  file: string;
  uri: string;
  sha256: string;
  bytes: number;
}

export interface ReleaseResult {
  /** package.json's version, which every archive, the manifest and each executable carry. */
  version: string;
  archives: ReleasedArchive[];
  /** `<outDir>/sts.yaml`. */
  manifestFile: string;
  manifest: string;
}

export function readPackageVersion(root = REPO_ROOT): string {
  return readVersionOf(root);
}

/** The last commit's time, so archives built from the same commit are byte-identical. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  if (env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH)) return Number(env.SOURCE_DATE_EPOCH);
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(),
    );
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/**
 * The GitHub repository a git remote URL names, as `https://host/owner/name`, or undefined.
 * The release workflow passes the URL from its own context; this is for building by hand.
 */
export function repositoryUrlFromRemote(remote: string): string | undefined {
  const match =
    /^(?:https:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)([^/:]+)[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
      remote.trim(),
    );
  if (!match) return undefined;
  return `https://${match[1]}/${match[2]}/${match[3]}`;
}

function originRepositoryUrl(): string | undefined {
  try {
    const remote = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return repositoryUrlFromRemote(remote);
  } catch {
    return undefined;
  }
}

/** `<repository>/releases/download/{version}`: where GitHub serves a release's assets. */
export function githubReleaseBaseUri(repositoryUrl: string): string {
  return `${repositoryUrl.replace(/\/+$/, '')}/releases/download/{version}`;
}

export function releaseDefaults(
  env: NodeJS.ProcessEnv = process.env,
): Omit<ReleaseOptions, 'outDir' | 'log'> {
  const repository = originRepositoryUrl();
  return {
    version: readPackageVersion(),
    targets: RELEASE_TARGETS,
    baseUri: repository && githubReleaseBaseUri(repository),
    homepage: repository,
    nodeVersion: process.versions.node,
    nodeCacheDir: defaultNodeCacheDir(env),
    mtime: sourceDateEpoch(env),
    codesignIdentity: env.KUBECTL_STS_CODESIGN_IDENTITY || '-',
  };
}

/** Fails unless `tag` names this version (a release tag must match package.json). */
export function checkReleaseTag(tag: string, version: string): void {
  if (tag !== `v${version}`) {
    throw new ReleaseUsageError(
      `tag "${tag}" does not match package.json version ${version}; tag v${version}, or bump the version first`,
    );
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function buildRelease(options: ReleaseOptions): Promise<ReleaseResult> {
  const { outDir, log } = options;
  for (const target of options.targets) {
    const reason = cannotBuildOn(target);
    if (reason) throw new ReleaseUsageError(reason);
  }
  const workDir = path.join(outDir, 'build');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  try {
    const bundle = await bundleCli(path.join(workDir, 'kubectl-sts.cjs'), options.version);
    log(`bundled the CLI: ${(bundle.bytes / 1024).toFixed(0)} KiB`);
    // The build host's single executable starts from a V8 snapshot of the CLI (see sea.ts).
    let snapshotBundleFile: string | undefined;
    if (options.targets.some((target) => canUseSnapshot(target, options.nodeVersion))) {
      snapshotBundleFile = path.join(workDir, 'kubectl-sts-snapshot.cjs');
      await bundleSnapshotEntry(snapshotBundleFile, snapshotBuiltinShapes(), options.version);
    }

    for (const target of options.targets) {
      const nodeBinary = nodeBinaryFor(target, options.nodeVersion, options.nodeCacheDir, log);
      const snapshot = canUseSnapshot(target, options.nodeVersion);
      log(describePlan(target, snapshot));
      const entries = payloadFor(target, {
        bundleFile: bundle.file,
        nodeBinary,
        workDir,
        snapshotBundleFile: snapshot ? snapshotBundleFile : undefined,
        licenseFile: path.join(REPO_ROOT, 'LICENSE'),
        repoRoot: REPO_ROOT,
        codesignIdentity: options.codesignIdentity,
      });
      const data =
        target.archiveFormat === 'zip'
          ? createZip(entries, options.mtime, options.compressionLevel)
          : createTarGz(entries, options.mtime, options.compressionLevel);
      const file = path.join(outDir, archiveName(options.version, target));
      writeFileSync(file, data);
      log(`${targetId(target)}: ${path.basename(file)} (${(data.length / 1048576).toFixed(1)} MiB)`);
    }
    return assembleRelease({
      dir: outDir,
      version: options.version,
      targets: options.targets,
      baseUri: options.baseUri,
      homepage: options.homepage,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export interface AssembleOptions {
  /** Directory holding the archives (and where SHA256SUMS and sts.yaml are written). */
  dir: string;
  version: string;
  /** The platforms whose archives must be there. */
  targets: readonly ReleaseTarget[];
  baseUri?: string;
  homepage?: string;
}

/**
 * SHA256SUMS and the krew manifest for the archives in `dir`: what `npm run release` ends with,
 * and what the release workflow runs once every platform's runner has built its archive.
 */
export function assembleRelease(options: AssembleOptions): ReleaseResult {
  const base = (options.baseUri ?? pathToFileURL(options.dir).href)
    .replaceAll('{version}', `v${options.version}`)
    .replace(/\/+$/, '');
  const archives = options.targets.map((target): ReleasedArchive => {
    const name = archiveName(options.version, target);
    const file = path.join(options.dir, name);
    if (!existsSync(file)) {
      throw new ReleaseUsageError(`${name} is not in ${options.dir}; build ${targetId(target)} first`);
    }
    const data = readFileSync(file);
    return { target, file, uri: `${base}/${name}`, sha256: sha256(data), bytes: data.length };
  });
  writeFileSync(
    path.join(options.dir, CHECKSUMS_NAME),
    archives.map((archive) => `${archive.sha256}  ${path.basename(archive.file)}\n`).join(''),
  );
  const manifest = renderKrewManifest(readFileSync(MANIFEST_TEMPLATE, 'utf8'), {
    version: options.version,
    homepage: options.homepage,
    archives: new Map(archives.map((archive) => [targetId(archive.target), archive])),
  });
  const manifestFile = path.join(options.dir, MANIFEST_NAME);
  writeFileSync(manifestFile, manifest);
  return { version: options.version, archives, manifestFile, manifest };
}

/**
 * What validate-krew-manifest does before a plugin is accepted: structural validation, then an
 * install of every platform's archive (sha256, extraction, `files`, `bin`, license), each into
 * its own throw-away krew root. Each executable must be of its platform's format and machine
 * (ELF, Mach-O, PE; amd64 or arm64), read from its header; the one of this machine's platform,
 * if there is one, is then run (unless `runHostExecutable` is false: assemble, whose archives
 * were each run by their own runner's smoke test): it must say package.json's version.
 */
export function verifyRelease(
  result: ReleaseResult,
  log: (line: string) => void,
  { runHostExecutable = true }: { runHostExecutable?: boolean } = {},
): void {
  const plugin = parseKrewManifest(result.manifest);
  validateKrewManifest(plugin, path.basename(result.manifestFile, '.yaml'));
  const host = runHostExecutable ? hostTarget() : undefined;
  for (const archive of result.archives) {
    const id = targetId(archive.target);
    const platform = matchingPlatform(plugin, archive.target.os, archive.target.arch);
    if (!platform) throw new Error(`the manifest has no platform for ${id}`);
    const root = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-verify-'));
    try {
      const installed = installFromArchive(plugin, platform, archive.file, root, archive.target.os);
      const mismatch = formatMismatch(
        archive.target,
        readHeader(path.join(installed.installDir, platform.bin!)),
      );
      if (mismatch) {
        throw new ReleaseCheckError(
          `${path.basename(archive.file)} is for ${id}, but its ${platform.bin} is ${mismatch}`,
          "build each platform's archive on a machine of that platform (npm run release -- --platform OS/ARCH), never rename one",
        );
      }
      log(
        `${id}: installs as krew would (${installed.installedFiles.length} files, bin ${platform.bin}, ${describeFormat(expectedFormat(archive.target))})`,
      );
      if (host && targetId(host) === id) {
        const said = versionOfExecutable(path.join(installed.installDir, platform.bin!), id);
        if (said !== `v${result.version}`) {
          throw new ReleaseCheckError(
            `the ${id} executable says it is ${said}, but package.json says ${result.version}`,
            "rebuild it from this checkout (npm run release compiles package.json's version in)",
          );
        }
        log(`${id}: runs, and \`version -o json\` says ${said}, as package.json`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}

/** What `<binary> version -o json` reports as its version. */
function versionOfExecutable(binary: string, id: string): string {
  let output: string;
  try {
    output = execFileSync(binary, ['version', '-o', 'json'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    const reason = (stderr?.trim() || message).split('\n')[0];
    throw new ReleaseCheckError(`the ${id} executable does not run: ${reason}`, 'run it by hand to see why');
  }
  try {
    const version = (JSON.parse(output) as { version?: unknown }).version;
    if (typeof version === 'string') return version;
  } catch {
    // Reported below.
  }
  throw new ReleaseCheckError(
    `the ${id} executable's \`version -o json\` printed no version: ${JSON.stringify(output.slice(0, 200))}`,
    'run it by hand to see why',
  );
}
