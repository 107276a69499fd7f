// `npm run release` and the release workflow's commands refuse bad requests with one line and
// exit code 2, before building anything.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readPackageVersion } from '../../scripts/lib/release.ts';

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
