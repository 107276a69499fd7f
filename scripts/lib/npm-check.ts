// The npm tarball the release publishes, checked before it is uploaded for the publishing job:
// its package.json (version of the tag, the repository npm's provenance must name), the files a
// user needs and none they must not get, then installed with `npm i -g` into a prefix of its
// own and run: `kubectl-sts version -o json`, through kubectl, `--version`, and completion.
// The release workflow's npm-pack job runs it (npm run release:check-npm); so does the npm
// install test, on the tarball it packs.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTar } from './archive.ts';
import { installTarballGlobally } from './npm-package.ts';
import type { SmokeStep } from './smoke.ts';

const run = promisify(execFile);

export interface NpmCheckOptions {
  tarball: string;
  /** Where the package is installed (a `prefix` directory is made in it). */
  work: string;
  /** The release tag (`v<version>`) the package must be the version of. */
  tag?: string;
  /** The repository page the package must name (`repository.url` = git+<repository>.git). */
  repository?: string;
  preferOffline?: boolean;
  log?: (line: string) => void;
}

export interface NpmCheckResult {
  steps: SmokeStep[];
  /** The prefix's bin, once installed. */
  binDir?: string;
}

/** Files a user of the npm package needs, and those it must not carry (see package.json files). */
const REQUIRED = [
  'bin/kubectl-sts',
  'bin/kubectl_complete-sts',
  'bin/run.js',
  'dist/main.js',
  'dist/bundle/kubectl-sts.cjs',
  'oclif.manifest.json',
  'LICENSE',
];
const FORBIDDEN = /\.blob$|kubectl-sts-snapshot\.cjs$|^src\/|^test\//;

export async function checkPackedTarball(options: NpmCheckOptions): Promise<NpmCheckResult> {
  const log = options.log ?? (() => {});
  const steps: SmokeStep[] = [];
  const record = (name: string, problem: string | undefined) => {
    steps.push({ name, ok: problem === undefined, ...(problem === undefined ? {} : { detail: problem }) });
    log(problem === undefined ? `ok    ${name}` : `FAIL  ${name}\n${problem}`);
    return problem === undefined;
  };

  const files = new Map(
    readTar(readFileSync(options.tarball)).map((entry) => [entry.name.replace(/^package\//, ''), entry.data]),
  );
  const pjson = JSON.parse(Buffer.from(files.get('package.json') ?? '{}').toString('utf8')) as {
    name?: string;
    version?: string;
    repository?: { url?: string };
  };
  const version = pjson.version ?? '(none)';
  const contentOk = [
    record(
      `the tarball is ${pjson.name}@${version}${options.tag ? `, the version of ${options.tag}` : ''}`,
      options.tag && options.tag !== `v${version}`
        ? `its package.json says ${version}, the tag ${options.tag}; bump package.json or tag v${version}`
        : undefined,
    ),
    ...(options.repository
      ? [
          record(
            `package.json names ${options.repository} (npm's provenance checks it)`,
            pjson.repository?.url === `git+${options.repository}.git`
              ? undefined
              : `repository.url is ${JSON.stringify(pjson.repository?.url)}, not "git+${options.repository}.git"; set it before npm pack`,
          ),
        ]
      : []),
    record(
      'it holds what a user needs and no start-up snapshot (it only loads into the Node that built it)',
      [
        ...REQUIRED.filter((file) => !files.has(file)).map((file) => `missing ${file}`),
        ...[...files.keys()].filter((file) => FORBIDDEN.test(file)).map((file) => `should not ship ${file}`),
      ].join('; ') || undefined,
    ),
  ].every(Boolean);
  if (!contentOk) return { steps };

  const binDir = await installTarballGlobally(options.tarball, path.join(options.work, 'prefix'), {
    preferOffline: options.preferOffline,
  });
  record(`npm i -g ${path.basename(options.tarball)} into a prefix of its own`, undefined);
  // The launcher needs a Node >= 22.19 on PATH: the one running this check.
  const env = {
    ...process.env,
    PATH: [binDir, path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter),
  };
  const check = async (command: string, args: string[], expect: (stdout: string) => string | undefined) => {
    const name = `${command} ${args.join(' ')}`;
    try {
      const { stdout } = await run(command, args, { env, timeout: 60_000 });
      return record(name, expect(stdout));
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      return record(name, (stderr?.trim() || message).split('\n').slice(0, 5).join('\n'));
    }
  };
  await check('kubectl-sts', ['version', '-o', 'json'], (stdout) => {
    try {
      const said = (JSON.parse(stdout) as { version?: unknown }).version;
      return said === `v${version}` ? undefined : `it says ${String(said)}, package.json ${version}`;
    } catch {
      return `not JSON: ${stdout.slice(0, 200)}`;
    }
  });
  await check('kubectl', ['sts', 'version'], (stdout) =>
    stdout === `kubectl-sts v${version}\n` ? undefined : `printed ${JSON.stringify(stdout)}`,
  );
  await check('kubectl-sts', ['--version'], (stdout) =>
    stdout.startsWith(`kubectl-sts/${version} `) ? undefined : `printed ${JSON.stringify(stdout)}`,
  );
  await check('kubectl', ['__complete', 'sts', 'vers'], (stdout) =>
    /^version\t/.test(stdout) ? undefined : `no "version" candidate in ${JSON.stringify(stdout)}`,
  );
  return { steps, binDir };
}
