// scripts/publish-npm.ts against a stand-in for npm (fake-npm.ts): the checked tarball is
// published as packed (no scripts), with provenance, by trusted publishing or with a granular
// token that npm reads from the environment; a re-run that finds it published succeeds, another
// tarball under the same version fails.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTarGz } from '../../scripts/lib/archive.ts';
import { REPO_ROOT } from '../../scripts/lib/bundle.ts';
import { tarballIntegrity } from '../../scripts/lib/npm-publish.ts';
import { writeStandIn } from './stand-ins.ts';

const run = promisify(execFile);
const TOKEN = 'npm_granularTOKENvalue0123456789';
let work: string;
let bin: string;
let calls: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-npm-publish-'));
  bin = path.join(work, 'bin');
  calls = path.join(work, 'calls.log');
  mkdirSync(bin);
  writeFileSync(calls, '');
  writeStandIn(bin, 'npm', { script: './fake-npm.ts' });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function tarball(version: string): string {
  const file = path.join(work, `kubectl-sts-${version}.tgz`);
  const pjson = JSON.stringify({ name: 'kubectl-sts', version });
  writeFileSync(file, createTarGz([{ name: 'package/package.json', data: Buffer.from(pjson), mode: 0o644 }], 0));
  return file;
}

interface Call {
  args: string[];
  userConfig: string | null;
  registry: string;
  tokenSet: boolean;
}
const recorded = () =>
  readFileSync(calls, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call);

async function publish(file: string, tag: string, env: NodeJS.ProcessEnv) {
  return run(process.execPath, [path.join(REPO_ROOT, 'scripts/publish-npm.ts'), '--tag', tag, file], {
    env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_NPM_LOG: calls, ...env },
  }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

const OIDC = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.invalid/', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' };

describe('scripts/publish-npm.ts', () => {
  it('publishes with trusted publishing when there is no NPM_TOKEN: the tarball as packed, no scripts, provenance', async () => {
    const file = tarball('0.1.0');
    const result = await publish(file, 'v0.1.0', OIDC);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain("no NPM_TOKEN: trusted publishing with the job's OIDC token (npm 11.6.2)");
    const publishes = recorded().filter((call) => call.args[0] === 'publish');
    expect(publishes).toEqual([
      {
        args: ['publish', file, '--provenance', '--access', 'public', '--tag', 'latest', '--ignore-scripts'],
        // No token line: npm must not take an empty or stale token over OIDC.
        userConfig: '',
        registry: 'https://registry.npmjs.org/',
        tokenSet: false,
      },
    ]);
  });

  it('publishes with a granular token from NPM_TOKEN, which the user config names but does not hold', async () => {
    const file = tarball('0.2.0-rc.1');
    const result = await publish(file, 'v0.2.0-rc.1', { NPM_TOKEN: TOKEN });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('authenticating with NPM_TOKEN (a granular access token)');
    const publishes = recorded().filter((call) => call.args[0] === 'publish');
    expect(publishes).toHaveLength(1);
    expect(publishes[0]!.args).toContain('next');
    expect(publishes[0]!.userConfig).toBe('//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n');
    expect(publishes[0]!.tokenSet).toBe(true);
    expect(JSON.stringify(recorded())).not.toContain(TOKEN);
  });

  it('succeeds without publishing when a re-run finds this very tarball published', async () => {
    const file = tarball('0.1.0');
    const result = await publish(file, 'v0.1.0', { ...OIDC, FAKE_NPM_PUBLISHED: tarballIntegrity(file) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kubectl-sts@0.1.0 is already published with this very tarball: nothing to do');
    expect(recorded().filter((call) => call.args[0] === 'publish')).toEqual([]);
  });

  it.each([
    {
      what: 'another tarball is published under the version',
      tag: 'v0.1.0',
      env: { ...OIDC, FAKE_NPM_PUBLISHED: 'sha512-b3RoZXI=' },
      error:
        'kubectl-sts@0.1.0 is already on npm with another tarball (sha512-b3RoZXI=); npm never replaces a version: publish a new one (docs/release.md, "When a release fails")',
    },
    {
      what: 'the tarball is not of the tag',
      tag: 'v0.1.1',
      env: OIDC,
      error: 'kubectl-sts-0.1.0.tgz is kubectl-sts@0.1.0, not the version of v0.1.1; publish the tarball packed for this tag',
    },
    {
      what: 'trusted publishing has no OIDC token',
      tag: 'v0.1.0',
      env: {},
      error:
        'no NPM_TOKEN and no OIDC token for trusted publishing; give the job `id-token: write`, or set the NPM_TOKEN secret (docs/release.md)',
    },
    {
      what: 'npm is too old for trusted publishing',
      tag: 'v0.1.0',
      env: { ...OIDC, FAKE_NPM_VERSION: '10.9.2' },
      error:
        'npm 10.9.2 cannot use trusted publishing, which needs npm 11.5.1 or newer; use Node 24 or newer in the job, or set the NPM_TOKEN secret',
    },
    {
      what: 'the registry cannot say whether the version exists',
      tag: 'v0.1.0',
      env: { ...OIDC, FAKE_NPM_PUBLISHED: 'E500' },
      error: 'npm view kubectl-sts@0.1.0 failed: npm error code E500; check the registry, then re-run the job',
    },
    {
      what: 'npm publish fails',
      tag: 'v0.1.0',
      env: { NPM_TOKEN: TOKEN, FAKE_NPM_PUBLISH_EXIT: '1' },
      error: "npm publish failed (exit 1); see npm's error above; a first publish needs NPM_TOKEN (docs/release.md)",
    },
  ])('fails with exit code 1 when $what', async ({ tag, env, error }) => {
    const result = await publish(tarball('0.1.0'), tag, env);
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toBe(`error: ${error}\n`);
  });
});
