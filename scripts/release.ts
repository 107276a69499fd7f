// `npm run release`: this machine's release archive (or the platforms named), SHA256SUMS and the
// krew manifest sts.yaml, in release/. The release workflow also uses the other two commands.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/bundle.ts';
import { renderKrewReleaseBotTemplate } from './lib/krew.ts';
import {
  MANIFEST_TEMPLATE,
  ReleaseCheckError,
  ReleaseUsageError,
  assembleRelease,
  buildRelease,
  checkReleaseTag,
  githubReleaseBaseUri,
  releaseDefaults,
  verifyRelease,
} from './lib/release.ts';
import type { ReleaseResult } from './lib/release.ts';
import { RELEASE_TARGETS, archiveNameForTag, findTarget, hostTarget, targetId } from './lib/targets.ts';

const USAGE = `usage:
  npm run release -- [--platform OS/ARCH ...] [--out DIR] [--repository URL] [--tag TAG]
      build archives (default: this machine's platform), then SHA256SUMS and sts.yaml
  node scripts/release.ts assemble --dir DIR [--repository URL] [--tag TAG]
      SHA256SUMS and sts.yaml for the five archives already in DIR (built on five machines)
  node scripts/release.ts krew-bot-template --repository URL [--out FILE]
      the .krew.yaml template krew-release-bot fills from the published release
--repository URL: the GitHub repository the release is published in. It is the manifest's
homepage, and the URIs are URL/releases/download/TAG/ARCHIVE. Default: the git remote
"origin"; without one, the archives' file:// location (for krew install --archive).
--tag TAG: fail unless TAG is v<package.json version>.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** One line and exit code 2; `message` says what to do, or --help is suggested. */
function usageError(message: string): never {
  const hint = message.includes(';') ? '' : '; run with --help for usage';
  process.stderr.write(`error: ${message}${hint}\n`);
  process.exit(2);
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        platform: { type: 'string', multiple: true },
        out: { type: 'string' },
        dir: { type: 'string' },
        repository: { type: 'string' },
        tag: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError(
      (error as Error).message
        .split('\n')[0]!
        .replace(/\. To specify a positional.*$/, '')
        .replace(/\.$/, ''),
    );
  }
}

const { values, positionals } = parse(process.argv.slice(2));
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const command = positionals[0] ?? 'build';
if (positionals.length > 1) usageError(`unexpected argument "${positionals[1]}"`);

const defaults = releaseDefaults();
// The workflow passes its own repository (github.server_url/github.repository): the assets are
// published there. Without one, releaseDefaults looked at the git remote.
const repository = values.repository?.replace(/\/+$/, '');
const baseUri = repository ? githubReleaseBaseUri(repository) : defaults.baseUri;
const homepage = repository ?? defaults.homepage;

function check(result: ReleaseResult, options: { runHostExecutable: boolean }): void {
  try {
    verifyRelease(result, log, options);
  } catch (error) {
    if (error instanceof ReleaseCheckError) {
      process.stderr.write(`error: ${error.message}; ${error.hint}\n`);
      process.exit(1);
    }
    process.stderr.write(
      `error: the release does not pass krew's checks: ${(error as Error).message}; fix krew-manifest.yaml or the archive contents\n`,
    );
    process.exit(1);
  }
}

try {
  if (values.tag !== undefined) checkReleaseTag(values.tag, defaults.version);
  if (command === 'build') {
    const known = RELEASE_TARGETS.map(targetId).join(', ');
    const host = hostTarget();
    const targets = (values.platform ?? []).map(
      (id) => findTarget(id) ?? usageError(`unknown platform "${id}"; use one of ${known}`),
    );
    if (targets.length === 0) {
      if (!host) usageError(`this machine is not one of ${known}; name the platforms with --platform`);
      targets.push(host);
    }
    const started = Date.now();
    const result = await buildRelease({
      ...defaults,
      targets,
      baseUri,
      homepage,
      outDir: path.resolve(values.out ?? path.join(REPO_ROOT, 'release')),
      log,
    });
    check(result, { runHostExecutable: true });
    log(
      `released v${defaults.version}: ${result.archives.length} archive(s), ${result.manifestFile} ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  } else if (command === 'assemble') {
    if (!values.dir) usageError('assemble needs --dir DIR, the directory holding the archives');
    const result = assembleRelease({
      dir: path.resolve(values.dir),
      version: defaults.version,
      targets: RELEASE_TARGETS,
      baseUri,
      homepage,
    });
    // Each archive was run by the smoke test on its own platform's runner.
    check(result, { runHostExecutable: false });
    log(`assembled v${defaults.version}: SHA256SUMS and ${result.manifestFile}`);
  } else if (command === 'krew-bot-template') {
    if (!repository) usageError('krew-bot-template needs --repository URL, the repository page');
    const text = renderKrewReleaseBotTemplate(
      readFileSync(MANIFEST_TEMPLATE, 'utf8'),
      repository,
      (tag, id) => archiveNameForTag(tag, findTarget(id)!),
    );
    if (values.out) writeFileSync(values.out, text);
    else process.stdout.write(text);
  } else {
    usageError(`unknown command "${command}"; use build, assemble or krew-bot-template`);
  }
} catch (error) {
  if (error instanceof ReleaseUsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
