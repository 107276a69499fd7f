// scripts/github-release.ts against a stand-in for gh (fake-gh.ts) that keeps a repository's
// releases: nothing is public before it was checked (a draft, downloaded again and compared),
// a re-run replaces the draft an earlier run left, and a published release is never touched.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/bundle.ts';
import { writeStandIn } from './stand-ins.ts';

const run = promisify(execFile);
const REPOSITORY = 'example/kubectl-sts';

interface Release {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  assets: { id: number; name: string }[];
}

let work: string;
let state: string;
let bin: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-github-release-'));
  state = path.join(work, 'state');
  bin = path.join(work, 'bin');
  mkdirSync(state);
  mkdirSync(bin);
  writeStandIn(bin, 'gh', { script: './fake-gh.ts' });
  setReleases([]);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function setReleases(releases: Release[]): void {
  writeFileSync(path.join(state, 'state.json'), JSON.stringify({ repository: REPOSITORY, nextId: 100, releases }));
  writeFileSync(path.join(state, 'calls.log'), '');
}
const releases = () => (JSON.parse(readFileSync(path.join(state, 'state.json'), 'utf8')) as { releases: Release[] }).releases;
const calls = () => readFileSync(path.join(state, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
const writes = () => calls().filter((call) => /^release create|--method (DELETE|PATCH)/.test(call));

/** What assemble leaves: archives of `tag`, SHA256SUMS and sts.yaml. */
function assembled(tag: string): string {
  const dir = path.join(work, `release-${tag}`);
  mkdirSync(dir);
  const names = ['linux_amd64.tar.gz', 'darwin_arm64.tar.gz', 'windows_amd64.zip'].map((suffix) => `kubectl-sts_${tag}_${suffix}`);
  for (const name of names) writeFileSync(path.join(dir, name), `archive ${name}`);
  const sha = (name: string) => createHash('sha256').update(readFileSync(path.join(dir, name))).digest('hex');
  writeFileSync(path.join(dir, 'SHA256SUMS'), names.map((name) => `${sha(name)}  ${name}\n`).join(''));
  writeFileSync(path.join(dir, 'sts.yaml'), `spec:\n  version: ${tag}\n`);
  return dir;
}

async function publish(dir: string, tag: string, env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [path.join(REPO_ROOT, 'scripts/github-release.ts'), '--dir', dir, '--tag', tag], {
    env: { PATH: `${bin}:/usr/bin:/bin`, GH_REPO: REPOSITORY, FAKE_GH_STATE: state, ...env },
  }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('scripts/github-release.ts', () => {
  it('creates a draft, checks what was uploaded, then publishes it', async () => {
    const dir = assembled('v0.1.0');
    const result = await publish(dir, 'v0.1.0');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain("the draft's 5 assets are the built ones, byte for byte");
    expect(result.stdout).toContain(`published https://github.com/${REPOSITORY}/releases/tag/v0.1.0`);
    const [release] = releases();
    expect(release).toMatchObject({ tag_name: 'v0.1.0', draft: false, prerelease: false });
    expect(release!.assets.map((asset) => asset.name).sort()).toEqual([
      'SHA256SUMS',
      'kubectl-sts_v0.1.0_darwin_arm64.tar.gz',
      'kubectl-sts_v0.1.0_linux_amd64.tar.gz',
      'kubectl-sts_v0.1.0_windows_amd64.zip',
      'sts.yaml',
    ]);
    // Created as a draft, every asset downloaded, and only then published.
    const log = calls();
    const created = log.findIndex((call) => call.startsWith('release create v0.1.0 --draft --verify-tag'));
    const downloads = log.flatMap((call, index) => (call.includes('releases/assets/') ? [index] : []));
    const published = log.findIndex((call) => call.endsWith('-F draft=false'));
    expect(created).toBeGreaterThanOrEqual(0);
    expect(downloads).toHaveLength(5);
    expect(Math.min(...downloads)).toBeGreaterThan(created);
    expect(published).toBeGreaterThan(Math.max(...downloads));
  });

  it('marks a tag with a pre-release part as a pre-release', async () => {
    const result = await publish(assembled('v0.2.0-rc.1'), 'v0.2.0-rc.1');
    expect(result.code).toBe(0);
    expect(releases()[0]).toMatchObject({ tag_name: 'v0.2.0-rc.1', draft: false, prerelease: true });
  });

  it('replaces the draft an earlier run left, and leaves other releases alone', async () => {
    setReleases([
      { id: 7, tag_name: 'v0.1.0', draft: true, prerelease: false, assets: [] },
      { id: 5, tag_name: 'v0.0.9', draft: false, prerelease: false, assets: [] },
    ]);
    const result = await publish(assembled('v0.1.0'), 'v0.1.0');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deleting draft 7 of v0.1.0, left by an earlier run');
    expect(releases().map((release) => [release.id, release.tag_name, release.draft])).toEqual([
      [100, 'v0.1.0', false],
      [5, 'v0.0.9', false],
    ]);
  });

  it('never touches a release that is already published, and says what to do', async () => {
    setReleases([{ id: 9, tag_name: 'v0.1.0', draft: false, prerelease: false, assets: [] }]);
    const result = await publish(assembled('v0.1.0'), 'v0.1.0');
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `error: v0.1.0 is already published (https://github.com/${REPOSITORY}/releases/tag/v0.1.0) and a published release is never replaced; ` +
        'if only a later job failed, use "Re-run failed jobs"; if the release itself is broken, publish a new version (docs/release.md, "When a release fails")\n',
    );
    expect(writes()).toEqual([]);
  });

  it('keeps the release a draft when an asset arrived damaged', async () => {
    const result = await publish(assembled('v0.1.0'), 'v0.1.0', {
      FAKE_GH_CORRUPT: 'kubectl-sts_v0.1.0_linux_amd64.tar.gz',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: kubectl-sts_v0.1.0_linux_amd64.tar.gz as downloaded from the draft of v0.1.0 differs from the one built; it stays a draft: delete it, then re-run the workflow\n',
    );
    expect(releases()[0]!.draft).toBe(true);
    expect(writes().filter((call) => call.includes('PATCH'))).toEqual([]);
  });

  it('stops, still a draft, when GitHub fails during the check', async () => {
    const result = await publish(assembled('v0.1.0'), 'v0.1.0', { FAKE_GH_FAIL: 'releases/assets/' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: gh api -H Accept: application\/octet-stream failed \(exit 1\): HTTP 502: Bad Gateway; /);
    expect(releases()[0]!.draft).toBe(true);
  });

  it.each([
    {
      name: 'an archive that does not match SHA256SUMS',
      spoil: (dir: string) => writeFileSync(path.join(dir, 'kubectl-sts_v0.1.0_darwin_arm64.tar.gz'), 'rebuilt'),
      error: 'kubectl-sts_v0.1.0_darwin_arm64.tar.gz does not match its line in SHA256SUMS (the built archives)',
    },
    {
      name: 'an archive of another version',
      spoil: (dir: string) => writeFileSync(path.join(dir, 'kubectl-sts_v0.0.9_linux_amd64.tar.gz'), 'old'),
      error: 'kubectl-sts_v0.0.9_linux_amd64.tar.gz is not an archive of v0.1.0',
    },
    {
      name: 'no krew manifest',
      spoil: (dir: string) => rmSync(path.join(dir, 'sts.yaml')),
      error: 'sts.yaml is not in DIR',
    },
  ])('refuses $name before calling GitHub', async ({ spoil, error }) => {
    const dir = assembled('v0.1.0');
    spoil(dir);
    const result = await publish(dir, 'v0.1.0');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${error.replace('DIR', dir)}`);
    expect(calls()).toEqual([]);
  });

  it.each([
    [['--dir', 'x'], '--dir and --tag are required'],
    [['--dir', 'x', '--tag', 'latest'], '"latest" is not a release tag (v<version>)'],
  ])('%j: exit code 2', async (args, error) => {
    const result = await run(process.execPath, [path.join(REPO_ROOT, 'scripts/github-release.ts'), ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, GH_REPO: REPOSITORY, FAKE_GH_STATE: state },
    }).catch((failure: { code: number; stderr: string }) => failure);
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain(`error: ${error}; usage:`);
  });
});
