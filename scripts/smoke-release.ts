// `npm run release:smoke [-- DIR]`: installs this machine's archive from DIR (default release/,
// what `npm run release` wrote) the krew way and runs it through kubectl against the simulated
// cluster; see scripts/lib/smoke.ts. Exit code 0 when every step passed, 1 otherwise, 2 when
// the release directory cannot be used.
import path from 'node:path';
import { REPO_ROOT } from './lib/bundle.ts';
import { smokeTestRelease } from './lib/smoke.ts';

const args = process.argv.slice(2);
if (args.length > 1 || args[0]?.startsWith('-')) {
  process.stderr.write('error: unexpected arguments; usage: npm run release:smoke [-- RELEASE_DIR]\n');
  process.exit(2);
}
const releaseDir = path.resolve(args[0] ?? path.join(REPO_ROOT, 'release'));
const log = (line: string) => process.stdout.write(`${line}\n`);

let steps;
try {
  steps = await smokeTestRelease({ releaseDir, log });
} catch (error) {
  process.stderr.write(
    `error: cannot smoke-test ${releaseDir}: ${(error as Error).message}; run npm run release first\n`,
  );
  process.exit(2);
}
const failed = steps.filter((step) => !step.ok);
log(`${steps.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
