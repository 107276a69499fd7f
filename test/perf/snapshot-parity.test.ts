// Running from the V8 start-up snapshot (dist/bundle/kubectl-sts.blob) must be invisible: the
// same stdout, stderr and exit code as the normal start (bin/run.js), because anything a module
// computed at build time (environment, terminal, colour support, cwd, clock) is frozen into the
// heap. Each case runs the real launcher, bin/kubectl-sts, twice against an in-process simulated
// cluster: once as kubectl would (the blob) and once with KUBECTL_STS_NO_SNAPSHOT=1.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatefulSet } from '../../src/kube/types.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { todoDbManifest } from '../helpers/todo-db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER = path.join(ROOT, 'bin', 'kubectl-sts');
const BLOB = path.join(ROOT, 'dist', 'bundle', 'kubectl-sts.blob');
const PINNED_NODE_PATH = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');
const PINNED_NODE = existsSync(PINNED_NODE_PATH) ? realpathSync(PINNED_NODE_PATH) : undefined;
// `npm run build` writes the blob only when it runs on the pinned Node, so another Node is the
// one reason to skip; on the pinned Node a missing blob is a broken build and must fail.
const ON_PINNED_NODE = PINNED_NODE !== undefined && realpathSync(process.execPath) === PINNED_NODE;
const SCRIPT = '/usr/bin/script';
const TIMEOUT = 30_000;

const MANIFESTS = `${todoDbManifest(3)}
---
# Healthy sets print no colour at all; this one (its Service is missing) gets a red ERROR
# finding and a red Degraded health, so the colour decision shows in the output.
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: orphan-db, namespace: default }
spec:
  serviceName: orphan-db
  replicas: 1
  selector: { matchLabels: { app: orphan-db } }
  template:
    metadata: { labels: { app: orphan-db } }
    spec:
      containers:
        - name: db
          image: postgres:11.6-alpine
`;

/** The launcher's own test (`[ "$blob" -nt "$node" ] && [ "$blob" -nt dist/main.js ]`). */
function blobIsUsed(): boolean {
  const mtime = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  const blob = mtime(BLOB);
  const node = mtime(PINNED_NODE_PATH);
  const dist = mtime(path.join(ROOT, 'dist', 'main.js'));
  return blob !== undefined && node !== undefined && dist !== undefined && blob > node && blob > dist;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Run in another directory than the repository, or in one removed after the shell entered it. */
  cwd?: 'elsewhere' | 'deleted';
  /** HOME set to an empty temporary directory. */
  emptyHome?: boolean;
  /** Give the command a pseudo-terminal (util-linux script); stdout and stderr then merge. */
  pty?: boolean;
  /** Terminal width set with stty before the command starts (pty only). */
  columns?: number;
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

let sim: SimCluster;
let scratch: string;

/**
 * A shell user's environment rather than the test runner's: vitest's NODE_ENV/VITEST and any
 * colour, debug or snapshot switch of the developer's shell would otherwise leak into every case.
 */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? scratch,
    KUBECONFIG: sim.kubeconfigPath,
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return env;
}

function launch(args: string[], snapshot: boolean, options: RunOptions): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...baseEnv(), ...options.env };
  if (options.emptyHome) env.HOME = mkdtempSync(path.join(scratch, 'home-'));
  if (!snapshot) env.KUBECTL_STS_NO_SNAPSHOT = '1';
  let command = `exec ${[LAUNCHER, ...args].map(quote).join(' ')}`;
  let cwd = ROOT;
  if (options.cwd === 'elsewhere') cwd = mkdtempSync(path.join(scratch, 'cwd-'));
  if (options.cwd === 'deleted') {
    // A process cannot be spawned in a directory that does not exist: a shell enters one and
    // removes it, then (exec: no fork) becomes the launcher.
    const gone = mkdtempSync(path.join(scratch, 'gone-'));
    command = `cd ${quote(gone)} && rmdir ${quote(gone)} && ${command}`;
  }
  if (options.columns) command = `stty cols ${options.columns} && ${command}`;
  let file: string;
  let argv: string[];
  if (options.pty) {
    // script runs the command through $SHELL -c; `exec` keeps dash from forking, so the
    // launcher itself owns the pty (and its exit code is script's, with -e).
    env.SHELL = '/bin/sh';
    file = SCRIPT;
    argv = ['-qfec', command, '/dev/null'];
  } else {
    file = '/bin/sh';
    argv = ['-c', command];
  }
  return new Promise((resolve) => {
    const child = execFile(
      file,
      argv,
      { env, cwd, maxBuffer: 16 * 1024 * 1024, timeout: TIMEOUT - 5_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/**
 * What legitimately changes between two runs a fraction of a second apart, and nothing else:
 * instants (generatedAt, the debug module's line prefixes) and ages, which the plugin computes
 * from the real clock against the simulated cluster's timestamps (AGE column tokens such as
 * `12s` or `5m45s`, and ageSeconds). Ages stay below 100 s during this file, so the AGE
 * column keeps its width and the table padding is compared as is.
 */
function normalise(text: string): string {
  return (
    text
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
      .replace(/("?ageSeconds"?:\s*)\d+/g, '$1<n>')
      .replace(/(?<=\s)\d+[dhms](?:\d+[hms])*(?=\s|$)/gm, '<age>')
      // An age's width moves the column after it ("9s" in one run, "10s" in the other).
      .replace(/<age>( +)/g, '<age> ')
  );
}

async function bothModes(
  args: string[],
  options: RunOptions = {},
): Promise<{ snapshot: Result; normal: Result }> {
  // Without a fresh blob the launcher falls back to run.js and every comparison would be vacuous.
  expect(blobIsUsed(), `${BLOB} is missing or older than the pinned Node or dist/main.js`).toBe(true);
  const [snapshot, normal] = await Promise.all([launch(args, true, options), launch(args, false, options)]);
  return {
    snapshot: { ...snapshot, stdout: normalise(snapshot.stdout), stderr: normalise(snapshot.stderr) },
    normal: { ...normal, stdout: normalise(normal.stdout), stderr: normalise(normal.stderr) },
  };
}

interface Case {
  name: string;
  args: string[];
  /** The exit code both modes must give: proves the case exercises what its name says. */
  code: number;
  /** Whether the normal run's stdout has ANSI colour: proves a colour case decides something. */
  colour?: boolean;
  options?: RunOptions;
}

function readyReplicas(name: string): number {
  return sim.store.get<StatefulSet>('statefulsets', 'default', name)?.status?.readyReplicas ?? 0;
}

const allReady = () => readyReplicas('todo-db') === 3 && readyReplicas('orphan-db') === 1;

describe.skipIf(!ON_PINNED_NODE)('the start-up snapshot behaves exactly like a normal start', () => {
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-snapshot-parity-'));
    sim = await startSimCluster({ manifests: MANIFESTS, speed: 200 });
    const deadline = Date.now() + 30_000;
    // Another build may be rewriting dist/ right now: give it time to write the blob back.
    while (!allReady() || !blobIsUsed()) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!allReady()) throw new Error('todo-db and orphan-db did not become Ready');
  });

  afterAll(async () => {
    await sim?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the build wrote a blob the launcher uses', () => {
    expect(existsSync(BLOB), `${BLOB} does not exist: npm run build did not write the snapshot`).toBe(true);
    expect(blobIsUsed(), 'the blob is older than the pinned Node or dist/main.js').toBe(true);
  });

  // Output that oclif or the plugin decides from the environment or the terminal of the run.
  // todo-db is healthy (no colour to decide); orphan-db and the overview carry colour.
  const parity: Case[] = [
    { name: '--version', args: ['--version'], code: 0 },
    { name: 'root help', args: ['--help'], code: 0 },
    { name: 'command help', args: ['status', '--help'], code: 0 },
    { name: 'help command', args: ['help', 'verify-pvc'], code: 0 },
    { name: 'help of an unknown command', args: ['help', 'nope'], code: 2 },
    { name: 'status table', args: ['status', 'todo-db'], code: 0 },
    { name: 'status wide table', args: ['status', 'todo-db', '-o', 'wide'], code: 0 },
    { name: 'status JSON', args: ['status', 'todo-db', '-o', 'json'], code: 0 },
    { name: 'status YAML', args: ['status', 'todo-db', '-o', 'yaml'], code: 0 },
    { name: 'status without headers', args: ['status', 'todo-db', '--no-headers'], code: 0 },
    { name: 'status with findings, piped', args: ['status', 'orphan-db'], code: 0, colour: false },
    { name: '--color always', args: ['status', 'orphan-db', '--color', 'always'], code: 0, colour: true },
    { name: 'overview of the namespace', args: ['status'], code: 0, colour: false },
    { name: 'overview of all namespaces', args: ['status', '-A'], code: 0 },
    { name: 'overview, --color always', args: ['status', '--color', 'always'], code: 0, colour: true },
    { name: 'dns', args: ['dns', 'todo-db'], code: 0 },
    { name: 'verify-pvc plan (dry run)', args: ['verify-pvc', 'todo-db', '--dry-run'], code: 0 },
    { name: 'version JSON', args: ['version', '-o', 'json'], code: 0 },
    { name: 'bash completion script', args: ['completion', 'bash'], code: 0 },
    { name: 'unknown command', args: ['nope'], code: 2 },
    { name: 'unknown flag', args: ['status', 'todo-db', '--bogus'], code: 2 },
    { name: 'StatefulSet not found', args: ['status', 'nope'], code: 4 },
    { name: 'missing kubeconfig', args: ['status', 'todo-db', '--kubeconfig', '/nonexistent'], code: 3 },
    { name: 'bad output format', args: ['status', 'todo-db', '-o', 'bogus'], code: 2 },
    {
      name: 'NO_COLOR=1 yields to --color always',
      args: ['status', 'orphan-db', '--color', 'always'],
      code: 0,
      colour: true,
      options: { env: { NO_COLOR: '1' } },
    },
    {
      name: 'NO_COLOR=1 status',
      args: ['status', 'orphan-db'],
      code: 0,
      colour: false,
      options: { env: { NO_COLOR: '1' } },
    },
    { name: 'NO_COLOR=1 root help', args: ['--help'], code: 0, options: { env: { NO_COLOR: '1' } } },
    {
      name: 'FORCE_COLOR=1 status, piped',
      args: ['status', 'orphan-db'],
      code: 0,
      options: { env: { FORCE_COLOR: '1' } },
    },
    {
      name: 'TERM=dumb status',
      args: ['status', 'orphan-db'],
      code: 0,
      colour: false,
      options: { env: { TERM: 'dumb' } },
    },
    { name: 'TERM=dumb root help', args: ['--help'], code: 0, options: { env: { TERM: 'dumb' } } },
    {
      name: 'COLUMNS=40 command help',
      args: ['status', '--help'],
      code: 0,
      options: { env: { COLUMNS: '40' } },
    },
    { name: 'COLUMNS=40 status', args: ['status', 'todo-db'], code: 0, options: { env: { COLUMNS: '40' } } },
    { name: 'another cwd: status', args: ['status', 'todo-db'], code: 0, options: { cwd: 'elsewhere' } },
    { name: 'another cwd: --version', args: ['--version'], code: 0, options: { cwd: 'elsewhere' } },
    { name: 'another cwd: command help', args: ['status', '--help'], code: 0, options: { cwd: 'elsewhere' } },
    { name: 'empty HOME: status', args: ['status', 'todo-db'], code: 0, options: { emptyHome: true } },
    {
      name: 'empty HOME: version JSON',
      args: ['version', '-o', 'json'],
      code: 0,
      options: { emptyHome: true },
    },
    { name: 'empty HOME: completion', args: ['completion', 'bash'], code: 0, options: { emptyHome: true } },
    { name: 'pty: status todo-db', args: ['status', 'todo-db'], code: 0, options: { pty: true } },
    {
      name: 'pty: status with findings',
      args: ['status', 'orphan-db'],
      code: 0,
      colour: true,
      options: { pty: true },
    },
    { name: 'pty: overview', args: ['status'], code: 0, colour: true, options: { pty: true } },
    { name: 'pty: StatefulSet not found', args: ['status', 'nope'], code: 4, options: { pty: true } },
    {
      name: 'pty with NO_COLOR=1: status',
      args: ['status', 'orphan-db'],
      code: 0,
      colour: false,
      options: { pty: true, env: { NO_COLOR: '1' } },
    },
    {
      name: 'pty with TERM=dumb: status',
      args: ['status', 'orphan-db'],
      code: 0,
      colour: false,
      options: { pty: true, env: { TERM: 'dumb' } },
    },
    {
      name: 'pty, --color never',
      args: ['status', 'orphan-db', '--color', 'never'],
      code: 0,
      colour: false,
      options: { pty: true },
    },
  ];

  // On a pty colours are decided by TERM too: a colour terminal is what a user has.
  const optionsOf = (c: Case): RunOptions => {
    const options = c.options ?? {};
    return options.pty ? { ...options, env: { TERM: 'xterm-256color', ...options.env } } : options;
  };

  it.concurrent.each(parity.filter((c) => !c.options?.pty || existsSync(SCRIPT)))(
    '$name: same output and exit code',
    async (c) => {
      const { snapshot, normal } = await bothModes(c.args, optionsOf(c));
      expect(normal.code, normal.stderr || normal.stdout).toBe(c.code);
      if (c.colour !== undefined) expect(normal.stdout.includes('\x1b['), normal.stdout).toBe(c.colour);
      expect(snapshot).toEqual(normal);
    },
    TIMEOUT,
  );

  // oclif modules that read the environment or the terminal when loaded (supports-color,
  // @oclif/core/lib/screen.js, debug, the cwd check in @oclif/core/lib/index.js) were evaluated
  // while the blob was built, and these cases differed. The snapshot bundle now defers those
  // modules to their first use after start-up (lazyModulesPlugin, scripts/lib/bundle.ts) and
  // repeats the cwd check; DEBUG runs start from run.js (bin/kubectl-sts). These cases prove it.
  const frozenAtLoad: Case[] = [
    {
      // supports-color frozen to "no colour" (the build had no terminal): help never bold.
      name: 'pty: root help (section headings bold)',
      args: ['--help'],
      code: 0,
      options: { pty: true },
    },
    {
      name: 'pty: command help (section headings bold)',
      args: ['status', '--help'],
      code: 0,
      options: { pty: true },
    },
    {
      name: 'FORCE_COLOR=1 root help (section headings bold)',
      args: ['--help'],
      code: 0,
      options: { env: { FORCE_COLOR: '1' } },
    },
    {
      name: 'FORCE_COLOR=1 command help (section headings bold)',
      args: ['status', '--help'],
      code: 0,
      options: { env: { FORCE_COLOR: '1' } },
    },
    {
      // screen.js: help wraps at the build's width (80), not the terminal's or OCLIF_COLUMNS.
      name: 'pty 60 columns: command help wraps at the terminal width',
      args: ['status', '--help'],
      code: 0,
      options: { pty: true, columns: 60 },
    },
    {
      name: 'OCLIF_COLUMNS=40: command help wraps at 40',
      args: ['status', '--help'],
      code: 0,
      options: { env: { OCLIF_COLUMNS: '40' } },
    },
    {
      // debug enabled its namespaces from the build's (empty) DEBUG: the snapshot logs nothing.
      name: 'DEBUG=*: oclif debug log on stderr',
      args: ['status', 'todo-db'],
      code: 0,
      options: { env: { DEBUG: '*' } },
    },
    {
      name: 'DEBUG=*: oclif debug log of --version',
      args: ['--version'],
      code: 0,
      options: { env: { DEBUG: '*' } },
    },
    {
      // oclif warns about a deleted cwd once, at load: under the snapshot that was the build's.
      name: 'deleted cwd: oclif warning on stderr',
      args: ['status', 'todo-db'],
      code: 0,
      options: { cwd: 'deleted' },
    },
  ];

  it.concurrent.each(frozenAtLoad.filter((c) => !c.options?.pty || existsSync(SCRIPT)))(
    '$name: same output and exit code',
    async (c) => {
      const { snapshot, normal } = await bothModes(c.args, optionsOf(c));
      expect(normal.code, normal.stderr || normal.stdout).toBe(c.code);
      expect(snapshot).toEqual(normal);
    },
    TIMEOUT,
  );

  it('reads the clock at run time, not at build time', async () => {
    const before = Date.now();
    const result = await launch(['status', 'todo-db', '-o', 'json'], true, {});
    const after = Date.now();
    expect(result.code, result.stderr).toBe(0);
    const generatedAt = Date.parse((JSON.parse(result.stdout) as { generatedAt: string }).generatedAt);
    expect(generatedAt).toBeGreaterThanOrEqual(before);
    expect(generatedAt).toBeLessThanOrEqual(after);
  });
});
