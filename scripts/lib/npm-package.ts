// The npm package as a user gets it: `npm pack` of exactly what package.json's `files` lists
// (with the oclif manifest `npm pack` would generate), installed with `npm i -g` into a prefix
// of its own. Used by the npm install test and by the benchmark's start-up case; the release's
// npm-pack job installs its tarball the same way (scripts/lib/npm-check.ts).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface InstalledPackage {
  /** The prefix's bin directory (kubectl-sts and kubectl_complete-sts are linked there). */
  binDir: string;
  /** Paths inside the packed tarball. */
  packedFiles: string[];
}

export interface PackedPackage {
  tarball: string;
  /** Paths inside the packed tarball. */
  packedFiles: string[];
}

/**
 * Packs the package of `root` into `work` without running its scripts: staged in
 * `work`/package from the built dist/ (npm's prepare would rebuild dist/ under other tests' feet).
 */
export async function packStaged(root: string, work: string): Promise<PackedPackage> {
  const stage = path.join(work, 'package');
  mkdirSync(stage, { recursive: true });
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
  // Negated entries ("!dist/…") exclude files: npm pack applies them to what is copied here.
  const copied = pjson.files.filter((file) => file !== 'oclif.manifest.json' && !file.startsWith('!'));
  for (const entry of ['package.json', ...copied])
    cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
  await run(process.execPath, [
    path.join(root, 'scripts/oclif-manifest.ts'),
    '--out',
    path.join(stage, 'oclif.manifest.json'),
  ]);
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: stage,
  });
  const { filename, files } = (
    JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }]
  )[0];
  return { tarball: path.join(work, filename), packedFiles: files.map((file) => file.path) };
}

/**
 * `npm i -g` of a packed tarball into `prefix`, as a user installs it (its dependencies from
 * the registry; `preferOffline` lets npm's cache answer first). Returns the prefix's bin.
 */
export async function installTarballGlobally(
  tarball: string,
  prefix: string,
  { preferOffline = false }: { preferOffline?: boolean } = {},
): Promise<string> {
  await run(
    'npm',
    [
      'i',
      '-g',
      '--prefix',
      prefix,
      tarball,
      ...(preferOffline ? ['--prefer-offline'] : []),
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
    ],
    { cwd: path.dirname(tarball) },
  );
  return path.join(prefix, process.platform === 'win32' ? '' : 'bin');
}

/** Packs the package of `root` in `work`/package and installs it into `work`/prefix. */
export async function packAndInstallGlobally(root: string, work: string): Promise<InstalledPackage> {
  const { tarball, packedFiles } = await packStaged(root, work);
  const binDir = await installTarballGlobally(tarball, path.join(work, 'prefix'), { preferOffline: true });
  return { binDir, packedFiles };
}
