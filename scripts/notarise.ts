// `node scripts/notarise.ts FILE`: submits a Developer ID signed macOS executable to Apple's
// notary service and fails unless Apple accepted it. `notarytool submit --wait` exits 0 whatever
// the verdict (an Invalid submission included), so the verdict is read from its JSON output; on
// anything but Accepted the submission's log, which says what Apple objected to, is printed.
// The Apple ID, team and app-specific password come from APPLE_ID, APPLE_TEAM_ID and
// APPLE_APP_PASSWORD (the build workflow's secrets). Node builtins only: it runs on any Node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { notarisationVerdict } from './lib/notarisation.ts';

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

const [file, ...extra] = process.argv.slice(2);
if (!file || extra.length > 0 || file.startsWith('-')) {
  process.stderr.write('error: usage: node scripts/notarise.ts FILE\n');
  process.exit(2);
}
const { APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD } = process.env;
if (!APPLE_ID || !APPLE_TEAM_ID || !APPLE_APP_PASSWORD) {
  process.stderr.write(
    'error: APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD must be set; they are the Apple secrets of docs/release.md\n',
  );
  process.exit(2);
}
const credentials = ['--apple-id', APPLE_ID, '--team-id', APPLE_TEAM_ID, '--password', APPLE_APP_PASSWORD];

const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-notarise-'));
try {
  // The notary service takes a zip (or dmg, pkg); ditto keeps the signature's extended data.
  const zip = path.join(work, `${path.basename(file)}.zip`);
  const zipped = spawnSync('ditto', ['-c', '-k', '--keepParent', file, zip], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (zipped.status !== 0) fail(`ditto could not zip ${file} (exit ${zipped.status ?? zipped.signal})`);

  const submitted = spawnSync(
    'xcrun',
    ['notarytool', 'submit', zip, ...credentials, '--wait', '--output-format', 'json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (submitted.status !== 0) {
    fail(
      `notarytool submit failed (exit ${submitted.status ?? submitted.signal}): ${submitted.stdout.trim() || 'no output'}`,
    );
  }
  const verdict = notarisationVerdict(submitted.stdout);
  if (verdict.accepted) {
    process.stdout.write(`${file}: notarised (submission ${verdict.id}: ${verdict.status})\n`);
  } else {
    process.stderr.write(
      `error: ${file} was not notarised: ${verdict.problem}; Apple's log of the submission follows\n`,
    );
    if (verdict.id) {
      const log = spawnSync('xcrun', ['notarytool', 'log', verdict.id, ...credentials], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (log.status !== 0) process.stderr.write(`(notarytool log ${verdict.id} failed too)\n`);
    }
    process.exit(1);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
