// The plugin as users install it, for the start-up cases: the npm package installed globally
// (`npm i -g`, run by the Node on PATH through bin/run.js), and the release's single executable
// for this machine installed the krew way. Both go into a temporary directory; the caller
// removes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFromArchive, matchingPlatform, parseKrewManifest } from '../scripts/lib/krew.ts';
import { buildRelease, releaseDefaults } from '../scripts/lib/release.ts';
import { hostTarget } from '../scripts/lib/targets.ts';

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
