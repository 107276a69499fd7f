// The release pipeline as a function, so `npm run release` and the tests share it: bundle,
// per-platform payloads, archives, checksums, and the filled krew manifest.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTarGz, createZip } from './archive.ts';
import { REPO_ROOT, bundleCli, bundleSnapshotEntry, snapshotBuiltinShapes } from './bundle.ts';
import {
  installFromArchive,
  matchingPlatform,
  parseKrewManifest,
  renderKrewManifest,
  validateKrewManifest,
} from './krew.ts';
import { defaultNodeCacheDir, nodeBinaryFor } from './node-dist.ts';
import { canUseSnapshot, payloadFor } from './sea.ts';
import { RELEASE_TARGETS, archiveName, targetId } from './targets.ts';
import type { ReleaseTarget } from './targets.ts';

export const DEFAULT_HOMEPAGE = 'https://github.com/kubectl-sts/kubectl-sts';

/** Where release archives are downloaded from; `{version}` is replaced by e.g. `v0.1.0`. */
export const DEFAULT_BASE_URI = `${DEFAULT_HOMEPAGE}/releases/download/{version}`;

export interface ReleaseOptions {
  version: string;
  targets: readonly ReleaseTarget[];
  outDir: string;
  baseUri: string;
  homepage: string;
  nodeVersion: string;
  nodeCacheDir: string;
  /** Seconds since the epoch stamped on archive entries (reproducible archives). */
  mtime: number;
  /** zlib level for the archives (default 6). */
  compressionLevel?: number;
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
  archives: ReleasedArchive[];
  /** `<outDir>/sts.yaml`: krew wants the manifest named after the plugin. */
  manifestFile: string;
  manifest: string;
  bundleBytes: number;
}

export function readPackageVersion(root = REPO_ROOT): string {
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return pjson.version;
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

export function releaseDefaults(
  env: NodeJS.ProcessEnv = process.env,
): Omit<ReleaseOptions, 'outDir' | 'log'> {
  return {
    version: readPackageVersion(),
    targets: RELEASE_TARGETS,
    baseUri: env.KUBECTL_STS_RELEASE_BASE_URI || DEFAULT_BASE_URI,
    homepage: DEFAULT_HOMEPAGE,
    nodeVersion: process.versions.node,
    nodeCacheDir: defaultNodeCacheDir(env),
    mtime: sourceDateEpoch(env),
  };
}

export async function buildRelease(options: ReleaseOptions): Promise<ReleaseResult> {
  const { outDir, log } = options;
  const workDir = path.join(outDir, 'build');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  const bundle = await bundleCli(path.join(workDir, 'kubectl-sts.cjs'));
  log(`bundled the CLI: ${(bundle.bytes / 1024).toFixed(0)} KiB`);
  // The build host's single executable starts from a V8 snapshot of the CLI (see sea.ts).
  let snapshotBundleFile: string | undefined;
  if (
    options.targets.some(
      (target) => target.packaging === 'sea' && canUseSnapshot(target, options.nodeVersion),
    )
  ) {
    snapshotBundleFile = path.join(workDir, 'kubectl-sts-snapshot.cjs');
    await bundleSnapshotEntry(snapshotBundleFile, snapshotBuiltinShapes());
  }

  const archives: ReleasedArchive[] = [];
  const baseUri = options.baseUri.replaceAll('{version}', `v${options.version}`).replace(/\/+$/, '');
  for (const target of options.targets) {
    const nodeBinary = nodeBinaryFor(target, options.nodeVersion, options.nodeCacheDir, log);
    const entries = payloadFor(target, {
      bundleFile: bundle.file,
      nodeBinary,
      workDir,
      snapshotBundleFile: canUseSnapshot(target, options.nodeVersion) ? snapshotBundleFile : undefined,
      licenseFile: path.join(REPO_ROOT, 'LICENSE'),
      repoRoot: REPO_ROOT,
    });
    const data =
      target.archiveFormat === 'zip'
        ? createZip(entries, options.mtime)
        : createTarGz(entries, options.mtime);
    const name = archiveName(options.version, target);
    const file = path.join(outDir, name);
    writeFileSync(file, data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    archives.push({ target, file, uri: `${baseUri}/${name}`, sha256, bytes: data.length });
    log(`${targetId(target)}: ${name} (${(data.length / 1048576).toFixed(1)} MiB, ${target.packaging})`);
  }

  writeFileSync(
    path.join(outDir, 'SHA256SUMS'),
    archives.map((archive) => `${archive.sha256}  ${path.basename(archive.file)}\n`).join(''),
  );
  const template = readFileSync(path.join(REPO_ROOT, 'scripts/krew-manifest.template.yaml'), 'utf8');
  const manifest = renderKrewManifest(template, {
    version: options.version,
    homepage: options.homepage,
    archives: new Map(archives.map((archive) => [targetId(archive.target), archive])),
  });
  const manifestFile = path.join(outDir, 'sts.yaml');
  writeFileSync(manifestFile, manifest);
  rmSync(workDir, { recursive: true, force: true });
  return { archives, manifestFile, manifest, bundleBytes: bundle.bytes };
}

/**
 * What validate-krew-manifest does before a plugin is accepted: structural validation, then an
 * install of every platform's archive (sha256, extraction, `files`, `bin`, license), each into
 * its own throw-away krew root. Nothing is run: the binaries are for other machines.
 */
export function verifyRelease(result: ReleaseResult, log: (line: string) => void): void {
  const plugin = parseKrewManifest(result.manifest);
  const { warnings } = validateKrewManifest(plugin, path.basename(result.manifestFile, '.yaml'));
  for (const warning of warnings) log(`warning: ${warning}`);
  for (const archive of result.archives) {
    const platform = matchingPlatform(plugin, archive.target.os, archive.target.arch);
    if (!platform) throw new Error(`the manifest has no platform for ${targetId(archive.target)}`);
    const root = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-verify-'));
    try {
      const installed = installFromArchive(plugin, platform, archive.file, root);
      log(
        `${targetId(archive.target)}: installs as krew would (${installed.installedFiles.length} files, bin ${platform.bin})`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}
