// The plugin as users install it, for the start-up cases: the npm package installed globally
// (`npm i -g`, run by the Node on PATH through bin/run.js), and the release's single executable
// for this machine installed the krew way. Both go into a temporary directory; the caller
// removes it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFromArchive, matchingPlatform, parseKrewManifest } from '../scripts/lib/krew.ts';
import { buildRelease, releaseDefaults } from '../scripts/lib/release.ts';
import { hostTarget } from '../scripts/lib/targets.ts';

/** `npm pack` of the package as published (manifest included), then `npm i -g --prefix`; returns the bin dir. */
export function installNpmPackage(root: string, work: string): string {
  const stage = join(work, 'package');
  mkdirSync(stage, { recursive: true });
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
  const copied = pjson.files.filter((file) => file !== 'oclif.manifest.json' && !file.startsWith('!'));
  for (const entry of ['package.json', ...copied])
    cpSync(join(root, entry), join(stage, entry), { recursive: true });
  execFileSync(process.execPath, [
    join(root, 'scripts/oclif-manifest.ts'),
    '--out',
    join(stage, 'oclif.manifest.json'),
  ]);
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: stage,
    encoding: 'utf8',
  });
  const { filename } = (JSON.parse(packed) as [{ filename: string }])[0];
  const prefix = join(work, 'prefix');
  execFileSync(
    'npm',
    [
      'i',
      '-g',
      '--prefix',
      prefix,
      join(work, filename),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
    ],
    { cwd: work, stdio: 'ignore' },
  );
  return join(prefix, 'bin');
}

/** This machine's release archive, installed as krew would; undefined when no target matches. */
export async function installHostRelease(work: string): Promise<string | undefined> {
  const host = hostTarget();
  if (!host) return undefined;
  const release = await buildRelease({
    ...releaseDefaults(),
    targets: [host],
    outDir: join(work, 'release'),
    compressionLevel: 1,
    log: () => {},
  });
  const plugin = parseKrewManifest(readFileSync(release.manifestFile, 'utf8'));
  const platform = matchingPlatform(plugin, host.os, host.arch);
  if (!platform) return undefined;
  return installFromArchive(plugin, platform, release.archives[0]!.file, join(work, 'krew')).binDir;
}
