// The npm install path (bin/run.js → dist/): what start-up loads, that the build-time oclif
// manifest answers --help exactly as the commands themselves do, and that a reader closing the
// pipe early (`kubectl sts … | head`) ends the command quietly. Needs `npm run build`.
// Timings are for `npm run bench`, not for tests.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NODE, createImportProbe } from '../release/import-probe.ts';
import type { ImportProbe } from '../release/import-probe.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_JS = path.join(REPO_ROOT, 'bin', 'run.js');
const LAUNCHER = path.join(REPO_ROOT, 'bin', 'kubectl-sts');
const DEV_JS = path.join(REPO_ROOT, 'bin', 'dev.js');
const TODO_DB = path.join(THIRD_PARTY_FIXTURES, 'kiamol-ch08/todo-list/db/todo-db.yaml');
const ENV = { ...process.env, NO_COLOR: '1', KUBECONFIG: path.join(REPO_ROOT, 'no-such-kubeconfig') };

describe('npm run build writes the oclif manifest next to dist/', () => {
  it('oclif.manifest.json exists', () => {
    expect(existsSync(path.join(REPO_ROOT, 'oclif.manifest.json'))).toBe(true);
  });
});

describe('help from the manifest (bin/run.js) equals help from the commands (bin/dev.js)', () => {
  it.each([
    [['--help']],
    [['status', '--help']],
    [['dns', '--help']],
    [['verify-pvc', '--help']],
    [['version', '--help']],
    [['completion', '--help']],
  ])('kubectl sts %j', async (args) => {
    const [fromManifest, fromCommands] = await Promise.all([
      run(process.execPath, [RUN_JS, ...args], { env: ENV }),
      run(process.execPath, [DEV_JS, ...args], { env: ENV }),
    ]);
    expect(fromManifest.stdout.length).toBeGreaterThan(0);
    expect(fromManifest.stdout).toBe(fromCommands.stdout);
  });
});

describe('--version and --help load no command module dependency', () => {
  let probe: ImportProbe;
  beforeAll(() => {
    probe = createImportProbe();
  });
  afterAll(() => probe?.dispose());

  it.each([[['--version']], [['--help']]])('kubectl sts %j', async (args) => {
    await run(process.execPath, [RUN_JS, ...args], { env: { ...ENV, ...probe.env() } });
    const loaded = probe.loaded();
    expect(loaded.some((url) => url.includes('/node_modules/@oclif/core/'))).toBe(true);
    const heavy = [CLIENT_NODE, '/node_modules/ora/', '/node_modules/cli-table3/', '/node_modules/yaml/'];
    expect(loaded.filter((url) => heavy.some((name) => url.includes(name)))).toEqual([]);
  });
});

/**
 * Runs the plugin with stdout a pipe whose reader has already gone: bin/run.js (the npm
 * install), or bin/kubectl-sts (a clone: the pinned Node from the start-up snapshot, whose heap
 * must not carry a build-time "handler already installed").
 */
function runWithClosedStdout(
  args: string[],
  start: 'run.js' | 'launcher',
): Promise<{ code: number | null; stderr: string }> {
  const [file, argv] = start === 'run.js' ? [process.execPath, [RUN_JS, ...args]] : [LAUNCHER, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout (kubectl sts … | head) ends the command with exit 0 and nothing on stderr', () => {
  it.each(
    (['run.js', 'launcher'] as const).flatMap((start) =>
      (
        [
          ['oclif help', ['--help']],
          ['oclif version', ['--version']],
          ['a command (StsCommand)', ['completion', 'bash']],
          ['status from a saved manifest', ['status', 'todo-db', '-f', TODO_DB]],
        ] as [string, string[]][]
      ).map(([what, args]) => [start, what, args] as const),
    ),
  )('%s, %s: kubectl sts %j', async (start, _what, args) => {
    const result = await runWithClosedStdout(args, start);
    expect(result).toEqual({ code: 0, stderr: '' });
  });
});
