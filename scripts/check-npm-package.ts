// `npm run release:check-npm -- TARBALL [--tag TAG] [--repository URL]`: checks the packed npm
// package before the release publishes it (scripts/lib/npm-check.ts): its version and
// repository, its files, then installed into a prefix of its own and run. Exit code 0 when every
// check passed, 1 otherwise, 2 for bad arguments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkPackedTarball } from './lib/npm-check.ts';

function usage(message: string): never {
  process.stderr.write(
    `error: ${message}; usage: npm run release:check-npm -- TARBALL [--tag TAG] [--repository URL]\n`,
  );
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: { tag: { type: 'string' }, repository: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
} catch (error) {
  usage((error as Error).message.split('\n')[0]!.replace(/\.$/, ''));
}
const { values, positionals } = parsed;
if (positionals.length !== 1) usage('name one tarball');

const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-npm-check-'));
try {
  const { steps } = await checkPackedTarball({
    tarball: path.resolve(positionals[0]!),
    work,
    tag: values.tag,
    repository: values.repository?.replace(/\/+$/, ''),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const failed = steps.filter((step) => !step.ok);
  process.stdout.write(`${steps.length - failed.length} passed, ${failed.length} failed\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
