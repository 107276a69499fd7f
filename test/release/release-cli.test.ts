// `npm run release` and the release workflow's commands refuse bad requests with one line and
// exit code 2, before building anything.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTarGz, createZip } from '../../scripts/lib/archive.ts';
import { parseKrewManifest, sha256File } from '../../scripts/lib/krew.ts';
import { readPackageVersion } from '../../scripts/lib/release.ts';
import { RELEASE_TARGETS, archiveName, executableName, findTarget } from '../../scripts/lib/targets.ts';
import { headerFor } from './executable-headers.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/release.ts', import.meta.url));
const VERSION = readPackageVersion();
const empty = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-release-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

async function release(args: string[]) {
  return run(process.execPath, [SCRIPT, ...args]).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('scripts/release.ts', () => {
  it.each([
    {
      args: ['--platform', 'linux/386'],
      error: 'unknown platform "linux/386"; use one of linux/amd64, linux/arm64, darwin/amd64, darwin/arm64, windows/amd64',
    },
    {
      args: ['--tag', 'v99.0.0'],
      error: `tag "v99.0.0" does not match package.json version ${VERSION}; tag v${VERSION}, or bump the version first`,
    },
    { args: ['--bogus'], error: "Unknown option '--bogus'; run with --help for usage" },
    { args: ['publish'], error: 'unknown command "publish"; use build, assemble or krew-bot-template' },
    {
      args: ['assemble'],
      error: 'assemble needs --dir DIR, the directory holding the archives; run with --help for usage',
    },
    {
      args: ['assemble', '--dir', empty],
      error: `kubectl-sts_v${VERSION}_linux_amd64.tar.gz is not in ${empty}; build linux/amd64 first`,
    },
    {
      args: ['krew-bot-template'],
      error: 'krew-bot-template needs --repository URL, the repository page; run with --help for usage',
    },
  ])('$args: $error', async ({ args, error }) => {
    const result = await release(args);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `error: ${error}\n` });
  });

  it.skipIf(process.platform === 'darwin')('refuses to build a macOS executable it cannot sign', async () => {
    const result = await release(['--platform', 'darwin/arm64', '--out', empty]);
    expect(result).toMatchObject({
      code: 2,
      stderr:
        'error: darwin/arm64 is signed with codesign, which only macOS has: build it on a Mac (the release workflow does, on a macOS runner)\n',
    });
  });
});

// What the release workflow's github-release job runs on the five archives the build jobs made.
describe('scripts/release.ts assemble', () => {
  const REPOSITORY = 'https://github.com/example/kubectl-sts';
  const text = (value: string) => new TextEncoder().encode(value);

  /** An archive per platform, each executable a header of its platform's format. */
  function fiveArchives(leaveOut?: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-assemble-'));
    for (const target of RELEASE_TARGETS) {
      const entries = [
        { name: executableName(target), data: headerFor(target), mode: 0o755 },
        { name: 'LICENSE', data: text('Apache License'), mode: 0o644 },
      ].filter((entry) => entry.name !== leaveOut);
      const data = target.archiveFormat === 'zip' ? createZip(entries, 0) : createTarGz(entries, 0);
      writeFileSync(path.join(dir, archiveName(VERSION, target)), data);
    }
    return dir;
  }

  it('writes SHA256SUMS and sts.yaml pointing at the release of the tag in the given repository', async () => {
    const dir = fiveArchives();
    try {
      const result = await release(['assemble', '--dir', dir, '--repository', REPOSITORY, '--tag', `v${VERSION}`]);
      expect(result).toMatchObject({ code: 0, stdout: '' });
      const names = RELEASE_TARGETS.map((target) => archiveName(VERSION, target));
      expect(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')).toBe(
        names.map((name) => `${sha256File(path.join(dir, name))}  ${name}\n`).join(''),
      );
      const plugin = parseKrewManifest(readFileSync(path.join(dir, 'sts.yaml'), 'utf8'));
      expect(plugin.spec!.homepage).toBe(REPOSITORY);
      expect(plugin.spec!.version).toBe(`v${VERSION}`);
      expect(plugin.spec!.platforms!.map((platform) => [platform.uri, platform.sha256])).toEqual(
        names.map((name) => [
          `${REPOSITORY}/releases/download/v${VERSION}/${name}`,
          sha256File(path.join(dir, name)),
        ]),
      );
      // krew's checks: every archive installed from the manifest, Windows' with its .exe.
      expect(result.stderr).toContain(
        'windows/amd64: installs as krew would (2 files, bin kubectl-sts.exe, PE amd64)',
      );
      expect(result.stderr).toContain('darwin/arm64: installs as krew would (2 files, bin kubectl-sts, Mach-O arm64)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The tester's case: the Linux archive copied over the darwin one installs fine as krew would
  // (same layout, checksums recomputed), and would have been published.
  it.each([
    ['linux/amd64', 'darwin/arm64', 'ELF x86-64, not Mach-O arm64'],
    ['darwin/amd64', 'darwin/arm64', 'Mach-O x86_64, not Mach-O arm64'],
    ['linux/arm64', 'linux/amd64', 'ELF aarch64, not ELF x86-64'],
  ])('fails with exit code 1 when the %s archive is renamed %s', async (from, to, mismatch) => {
    const dir = fiveArchives();
    try {
      const source = path.join(dir, archiveName(VERSION, findTarget(from)!));
      const renamed = archiveName(VERSION, findTarget(to)!);
      copyFileSync(source, path.join(dir, renamed));
      const result = await release(['assemble', '--dir', dir]);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stderr).toMatch(
        new RegExp(
          `^error: ${renamed.replaceAll('.', '\\.')} is for ${to}, but its kubectl-sts is ${mismatch}; build each platform's archive on a machine of that platform .*, never rename one\n$`,
          'm',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with exit code 1 when an archive does not install as krew would', async () => {
    const dir = fiveArchives('LICENSE');
    try {
      const result = await release(['assemble', '--dir', dir]);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stderr).toMatch(
        /^error: the release does not pass krew's checks: LICENSE \(or alike\) file is not extracted; .*; fix krew-manifest.yaml or the archive contents\n$/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
