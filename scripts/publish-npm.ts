// `node scripts/publish-npm.ts --tag TAG TARBALL`: publishes the tarball the release's npm-pack
// job built and checked, with provenance, by trusted publishing or with NPM_TOKEN; see
// scripts/lib/npm-publish.ts. Exit code 1 when it cannot or must not publish, 2 for bad arguments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NpmPublishError, publishToNpm } from './lib/npm-publish.ts';

function usage(message: string): never {
  process.stderr.write(`error: ${message}; usage: node scripts/publish-npm.ts --tag TAG TARBALL\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ options: { tag: { type: 'string' } }, allowPositionals: true, strict: true });
} catch (error) {
  usage((error as Error).message.split('\n')[0]!.replace(/\.$/, ''));
}
const { values, positionals } = parsed;
if (!values.tag) usage('--tag is required');
if (positionals.length !== 1) usage(`name one tarball, not ${positionals.length}`);

const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-npm-publish-'));
try {
  publishToNpm({
    tarball: path.resolve(positionals[0]!),
    tag: values.tag,
    workDir: work,
    env: process.env,
    log: (line) => process.stdout.write(`${line}\n`),
  });
} catch (error) {
  if (!(error instanceof NpmPublishError)) throw error;
  process.stderr.write(`error: ${error.message}; ${error.hint}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
