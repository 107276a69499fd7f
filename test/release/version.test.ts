// The plugin's version has one source, package.json: after `npm version`, the bundles (single
// executables, the npm package's bundle, the start-up snapshots: all built with the same esbuild
// options), dist/ (the npm package without its bundle) and the release's names and tag check all
// carry the new version. The release's self-check, which runs the host's executable, is in
// krew-install.test.ts.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, commonOptions } from '../../scripts/lib/bundle.ts';
import { VERSION_GLOBAL, readPackageVersion } from '../../scripts/lib/package-version.ts';
import { checkReleaseTag } from '../../scripts/lib/release.ts';
import { archiveName, findTarget } from '../../scripts/lib/targets.ts';

const run = promisify(execFile);
const BUMPED = '0.2.0-rc.1';
let copy: string;

beforeAll(async () => {
  copy = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-version-'));
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(REPO_ROOT, file), path.join(copy, file));
  await run('npm', ['version', BUMPED, '--no-git-tag-version', '--ignore-scripts'], { cwd: copy });
}, 60_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

type VersionModule = { pluginVersion: () => string };

describe('after npm version in a copy of the repository', () => {
  it('package.json has the new version', () => {
    expect(readPackageVersion(copy)).toBe(BUMPED);
  });

  it('every bundle compiles it in as a constant (nothing read at run time, as the snapshot needs)', async () => {
    const options = commonOptions(readPackageVersion(copy));
    expect(options.define?.[VERSION_GLOBAL]).toBe(JSON.stringify(BUMPED));
    const outfile = path.join(copy, 'bundle', 'version.cjs');
    await build({
      ...options,
      entryPoints: [path.join(REPO_ROOT, 'src/version.ts')],
      outfile,
      banner: { js: 'const __importMetaUrl = "file:///nowhere/bundle.cjs";' },
    });
    const bundled = createRequire(import.meta.url)(outfile) as VersionModule;
    expect(bundled.pluginVersion()).toBe(BUMPED);
  });

  it('dist/ (npm install without the bundle) reads the package.json of its package', async () => {
    mkdirSync(path.join(copy, 'dist'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'dist/version.js'), path.join(copy, 'dist/version.js'));
    const compiled = (await import(pathToFileURL(path.join(copy, 'dist/version.js')).href)) as VersionModule;
    expect(compiled.pluginVersion()).toBe(BUMPED);
  });

  it('the sources read the repository\'s package.json', async () => {
    const sources = (await import('../../src/version.ts')) as VersionModule;
    expect(sources.pluginVersion()).toBe(readPackageVersion(REPO_ROOT));
  });

  it('the release names its archives after it and accepts only its tag', () => {
    const version = readPackageVersion(copy);
    expect(archiveName(version, findTarget('linux/amd64')!)).toBe(`kubectl-sts_v${BUMPED}_linux_amd64.tar.gz`);
    expect(() => checkReleaseTag(`v${BUMPED}`, version)).not.toThrow();
    expect(() => checkReleaseTag('v0.1.0', version)).toThrow(/does not match package.json version 0\.2\.0-rc\.1/);
  });
});
