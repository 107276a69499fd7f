// `node scripts/github-release.ts --dir DIR --tag TAG`: publishes the assembled release in DIR
// (archives, SHA256SUMS, sts.yaml) as the GitHub release of TAG in GH_REPO with GH_TOKEN, by way
// of a checked draft; see scripts/lib/github-release.ts. Exit code 1 when it cannot or must not
// publish (the draft, if any, is left for inspection), 2 for bad arguments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PublishError, publishGitHubRelease } from './lib/github-release.ts';

function usage(message: string): never {
  process.stderr.write(
    `error: ${message}; usage: node scripts/github-release.ts --dir DIR --tag TAG (GH_REPO, GH_TOKEN set)\n`,
  );
  process.exit(2);
}

let values: { dir?: string; tag?: string };
try {
  ({ values } = parseArgs({ options: { dir: { type: 'string' }, tag: { type: 'string' } }, strict: true }));
} catch (error) {
  usage((error as Error).message.split('\n')[0]!.replace(/\.$/, ''));
}
if (!values.dir || !values.tag) usage('--dir and --tag are required');
if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(values.tag))
  usage(`"${values.tag}" is not a release tag (v<version>)`);
const repository = process.env.GH_REPO;
if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository))
  usage('GH_REPO must name the repository as owner/name');

const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-github-release-'));
try {
  publishGitHubRelease({
    dir: path.resolve(values.dir),
    tag: values.tag,
    repository,
    workDir: work,
    log: (line) => process.stdout.write(`${line}\n`),
  });
} catch (error) {
  if (!(error instanceof PublishError)) throw error;
  process.stderr.write(`error: ${error.message}; ${error.hint}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
