// scripts/notarise.ts against stand-ins for ditto and xcrun: `notarytool submit --wait` exits 0
// even when Apple says Invalid, so the script must read the verdict and fail on anything but
// Accepted, printing the submission's log.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/bundle.ts';
import { notarisationVerdict } from '../../scripts/lib/notarisation.ts';
import { writeStandIn } from './stand-ins.ts';

const run = promisify(execFile);
let work: string;
let fakeBin: string;
let executable: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-notarise-'));
  fakeBin = path.join(work, 'bin');
  mkdirSync(fakeBin);
  // ditto -c -k --keepParent FILE ZIP
  writeStandIn(fakeBin, 'ditto', { sh: 'cp "$4" "$5"\n' });
  writeStandIn(fakeBin, 'xcrun', {
    sh: `printf '%s\\n' "$*" >>"$FAKE_LOG"
case "$2" in
  submit) printf '%s\\n' "$FAKE_SUBMIT_OUTPUT"; exit "\${FAKE_SUBMIT_EXIT:-0}" ;;
  log) echo '{"issues": [{"severity": "error", "message": "The signature does not include a secure timestamp."}]}' ;;
esac
`,
  });
  executable = path.join(work, 'kubectl-sts');
  writeFileSync(executable, 'signed executable');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function notarise(submitOutput: string, { submitExit = 0, env = {} as NodeJS.ProcessEnv } = {}) {
  const log = path.join(work, `calls-${Math.random()}.log`);
  writeFileSync(log, '');
  const result = await run(process.execPath, [path.join(REPO_ROOT, 'scripts/notarise.ts'), executable], {
    env: {
      PATH: `${fakeBin}:/usr/bin:/bin`,
      APPLE_ID: 'dev@example.test',
      APPLE_TEAM_ID: 'TEAM123456',
      APPLE_APP_PASSWORD: 'app-password',
      FAKE_LOG: log,
      FAKE_SUBMIT_OUTPUT: submitOutput,
      FAKE_SUBMIT_EXIT: String(submitExit),
      ...env,
    },
  }).then(
    (ok) => ({ code: 0, ...ok }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { ...result, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

const credentials = '--apple-id dev@example.test --team-id TEAM123456 --password app-password';

describe('scripts/notarise.ts', () => {
  it('succeeds when Apple accepted the submission', async () => {
    const result = await notarise('{"id": "2efe2717-52ef", "status": "Accepted", "message": "Processing complete"}');
    expect(result).toMatchObject({ code: 0, stdout: `${executable}: notarised (submission 2efe2717-52ef: Accepted)\n` });
    expect(result.calls).toEqual([
      expect.stringMatching(/^notarytool submit \S+\/kubectl-sts\.zip .* --wait --output-format json$/),
    ]);
    expect(result.calls[0]).toContain(credentials);
  });

  // The tester's case: notarytool exits 0 with status Invalid.
  it.each(['Invalid', 'Rejected', 'In Progress'])('fails with the log when the status is %s', async (status) => {
    const result = await notarise(`{"id": "2efe2717-52ef", "status": "${status}", "message": "Processing complete"}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: ${executable} was not notarised: the notary service's status is "${status}" (submission 2efe2717-52ef): Processing complete; Apple's log of the submission follows\n`,
    );
    expect(result.stdout).toContain('The signature does not include a secure timestamp.');
    expect(result.calls[1]).toBe(`notarytool log 2efe2717-52ef ${credentials}`);
  });

  it('fails when notarytool itself fails', async () => {
    const result = await notarise('', { submitExit: 69 });
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toBe('error: notarytool submit failed (exit 69): no output\n');
  });

  it('fails when the verdict cannot be read', async () => {
    const result = await notarise('Successfully uploaded file');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('notarytool printed no JSON verdict: "Successfully uploaded file"');
    expect(result.calls).toHaveLength(1);
  });

  it('refuses to start without the Apple secrets (exit code 2)', async () => {
    const result = await notarise('{}', { env: { APPLE_APP_PASSWORD: '' } });
    expect(result).toMatchObject({ code: 2, calls: [] });
    expect(result.stderr).toMatch(/^error: APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD must be set; /);
  });
});

describe('notarisationVerdict', () => {
  it('reads the JSON among other lines', () => {
    expect(notarisationVerdict('Conducting pre-submission checks...\n{"id":"a","status":"Accepted"}\n')).toEqual({
      accepted: true,
      id: 'a',
      status: 'Accepted',
    });
  });
  it('does not take a missing status for acceptance', () => {
    expect(notarisationVerdict('{"id":"a"}')).toMatchObject({ accepted: false, problem: "the notary service's status is missing (submission a)" });
  });
});
