// Official Node binaries for each release target, taken from the npm registry (the only
// registry the build may reach) with `npm pack`, which checks the registry's integrity hash.
// Tarballs and extracted binaries are cached outside the repository so a fresh clone and
// repeated releases do not download 250 MB again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { readTar } from './archive.ts';
import type { ReleaseTarget } from './targets.ts';

export function defaultNodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBECTL_STS_NODE_CACHE) return path.resolve(env.KUBECTL_STS_NODE_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'kubectl-sts', 'node');
}

function tarballName(target: ReleaseTarget, nodeVersion: string): string {
  return `${target.nodePackage}-${nodeVersion}.tgz`;
}

/**
 * Path of the unmodified Node binary for `target` at `nodeVersion`, downloading and
 * extracting it into `cacheDir` when needed.
 */
export function nodeBinaryFor(
  target: ReleaseTarget,
  nodeVersion: string,
  cacheDir: string,
  log: (line: string) => void = () => {},
): string {
  mkdirSync(cacheDir, { recursive: true });
  const binary = path.join(
    cacheDir,
    `${target.nodePackage}-${nodeVersion}`,
    path.basename(target.nodeBinaryPath),
  );
  if (existsSync(binary)) return binary;

  const tarball = path.join(cacheDir, tarballName(target, nodeVersion));
  if (!existsSync(tarball)) {
    log(`downloading ${target.nodePackage}@${nodeVersion} from the npm registry`);
    execFileSync(
      'npm',
      ['pack', `${target.nodePackage}@${nodeVersion}`, '--pack-destination', cacheDir, '--silent'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        shell: process.platform === 'win32',
      },
    );
    if (!existsSync(tarball)) throw new Error(`npm pack did not produce ${tarball}`);
  }
  const entry = readTar(readFileSync(tarball)).find((item) => item.name === target.nodeBinaryPath);
  if (!entry) throw new Error(`${tarball} has no ${target.nodeBinaryPath}`);
  mkdirSync(path.dirname(binary), { recursive: true });
  // Write then rename, so an interrupted extraction never leaves a truncated cached binary.
  writeFileSync(`${binary}.partial`, entry.data, { mode: 0o755 });
  renameSync(`${binary}.partial`, binary);
  return binary;
}
