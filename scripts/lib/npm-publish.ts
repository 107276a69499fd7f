// Publishing the npm tarball the release's npm-pack job built and checked, from a job that may
// mint an OIDC token: nothing there is installed or built (no npm ci, no lifecycle scripts; the
// package is published as packed), and this code uses Node's builtins alone. Authentication is
// either npm's trusted publishing (OIDC, no secret: npm >= 11.5.1 exchanges the job's id-token)
// or a granular access token in NPM_TOKEN, which npm reads from the environment through a
// user config that names the variable, never the secret itself. A re-run that finds the same
// tarball already published succeeds; another tarball under the same version fails.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readTar } from './archive.ts';
import { HintedError } from './hinted-error.ts';

export class NpmPublishError extends HintedError {
  override name = 'NpmPublishError';
}

export const REGISTRY = 'https://registry.npmjs.org/';

/** The oldest npm that can publish with trusted publishing (OIDC). */
const TRUSTED_PUBLISHING_NPM = [11, 5, 1];

export interface NpmPublishOptions {
  tarball: string;
  tag: string;
  /** A directory for the npm user config this publish uses. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** `sha512-<base64>`: the integrity npm records for a tarball. */
export function tarballIntegrity(tarball: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
}

function packageOf(tarball: string): { name: string; version: string } {
  const entry = readTar(readFileSync(tarball)).find((candidate) => candidate.name === 'package/package.json');
  const pjson = entry
    ? (JSON.parse(Buffer.from(entry.data).toString('utf8')) as { name?: unknown; version?: unknown })
    : {};
  if (typeof pjson.name !== 'string' || typeof pjson.version !== 'string') {
    throw new NpmPublishError(
      `${tarball} is not an npm package (no package/package.json with name and version)`,
      'publish the tarball npm pack wrote',
    );
  }
  return { name: pjson.name, version: pjson.version };
}

function newerOrEqual(version: string, minimum: number[]): boolean {
  const parts = version.split(/[.-]/).slice(0, 3).map(Number);
  for (let index = 0; index < minimum.length; index++) {
    const part = parts[index] ?? 0;
    if (part !== minimum[index]) return part > minimum[index]!;
  }
  return true;
}

export function publishToNpm(options: NpmPublishOptions): 'published' | 'already published' {
  const { tarball, tag, log } = options;
  const { name, version } = packageOf(tarball);
  if (tag !== `v${version}`) {
    throw new NpmPublishError(
      `${path.basename(tarball)} is ${name}@${version}, not the version of ${tag}`,
      'publish the tarball packed for this tag',
    );
  }

  // A user config of this publish's own: the runner's (or setup-node's) cannot add a token.
  const userConfig = path.join(options.workDir, 'npmrc');
  const viaToken = Boolean(options.env.NPM_TOKEN);
  writeFileSync(userConfig, viaToken ? `//${new URL(REGISTRY).host}/:_authToken=\${NPM_TOKEN}\n` : '');
  const env = { ...options.env, NPM_CONFIG_USERCONFIG: userConfig, NPM_CONFIG_REGISTRY: REGISTRY };
  const npm = (args: string[], inherit = false) =>
    spawnSync('npm', args, {
      env,
      encoding: 'utf8',
      stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
    });

  if (viaToken) {
    log('authenticating with NPM_TOKEN (a granular access token)');
  } else {
    const npmVersion = npm(['--version']).stdout?.trim() ?? '';
    if (!newerOrEqual(npmVersion, TRUSTED_PUBLISHING_NPM)) {
      throw new NpmPublishError(
        `npm ${npmVersion || '(unknown)'} cannot use trusted publishing, which needs npm 11.5.1 or newer`,
        'use Node 24 or newer in the job, or set the NPM_TOKEN secret',
      );
    }
    if (!options.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
      throw new NpmPublishError(
        'no NPM_TOKEN and no OIDC token for trusted publishing',
        'give the job `id-token: write`, or set the NPM_TOKEN secret (docs/release.md)',
      );
    }
    log(`no NPM_TOKEN: trusted publishing with the job's OIDC token (npm ${npmVersion})`);
  }

  const integrity = tarballIntegrity(tarball);
  const view = npm(['view', `${name}@${version}`, 'dist.integrity']);
  const published = view.status === 0 ? view.stdout.trim() : '';
  if (view.status !== 0 && !/\bE404\b/.test(`${view.stdout}${view.stderr}`)) {
    throw new NpmPublishError(
      `npm view ${name}@${version} failed: ${(view.stderr || view.stdout).trim().split('\n')[0]}`,
      'check the registry, then re-run the job',
    );
  }
  if (published === integrity) {
    log(`${name}@${version} is already published with this very tarball: nothing to do`);
    return 'already published';
  }
  if (published) {
    throw new NpmPublishError(
      `${name}@${version} is already on npm with another tarball (${published})`,
      'npm never replaces a version: publish a new one (docs/release.md, "When a release fails")',
    );
  }

  const distTag = tag.includes('-') ? 'next' : 'latest';
  log(`publishing ${name}@${version} under the dist-tag ${distTag}`);
  const publish = npm(
    ['publish', tarball, '--provenance', '--access', 'public', '--tag', distTag, '--ignore-scripts'],
    true,
  );
  if (publish.status !== 0) {
    throw new NpmPublishError(
      `npm publish failed (exit ${publish.status ?? publish.signal})`,
      "see npm's error above; a first publish needs NPM_TOKEN (docs/release.md)",
    );
  }
  return 'published';
}
