// verify-pvc on a real terminal (util-linux script(1) gives it a pty): what a person at the
// confirmation prompt sees. Ctrl-C there stops a run that has written nothing and must say so
// (it printed `terminated (undefined)` and talked about removing markers); the time spent reading
// the plan is not part of the run's elapsed times; --help describes --all.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { runCli } from '../commands/run-cli.ts';
import { markerFiles, podUid } from './command.ts';
import { claimSet } from './manifests.ts';

const SCRIPT = '/usr/bin/script';
const RUNNER = fileURLToPath(new URL('./run-command.ts', import.meta.url));

const SET = claimSet('web');

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: SET });
  await waitForSettledSet(sim, 'default', 'web', 30_000);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

interface Session {
  screen: () => string;
  type: (text: string) => void;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

/** The command on a pty of 100 columns, stdin and stdout a terminal, as a person runs it. */
function onTerminal(args: string[]): Session {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TERM: 'xterm',
    SHELL: '/bin/sh',
    COLUMNS: '100',
    KUBECONFIG: sim.kubeconfigPath,
    NO_COLOR: '1',
  };
  delete env.NODE_ENV;
  const quoted = args.map((arg) => `'${arg}'`).join(' ');
  const command = `stty cols 100; exec '${process.execPath}' '${RUNNER}' ${quoted}`;
  const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    for (const listener of listeners) listener();
  });
  return {
    screen: () => screen,
    type: (text) => void child.stdin.write(text),
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} on the screen:\n${screen}`)),
          timeoutMs,
        );
        const check = (): void => {
          if (!pattern.test(screen)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      }),
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

describe.skipIf(!existsSync(SCRIPT))('verify-pvc at the confirmation prompt', () => {
  it('Ctrl-C stops at once, says nothing was written, and talks about no marker', async () => {
    const uid = await podUid(sim, 'web-1');
    const session = onTerminal(['web']);
    await session.waitFor(/Evict pod web-1 as planned\? \[y\/N\] /);
    session.type('\x03');
    expect(await session.exited).toBe(ExitCode.INTERRUPTED);
    const screen = session.screen();
    expect(screen).toMatch(/interrupted: stopping; no marker is in a volume now/);
    expect(screen).not.toMatch(/undefined|removing markers|skip cleanup/);
    expect(screen).toMatch(/error: interrupted before anything was changed; nothing was written or deleted/);
    expect(await podUid(sim, 'web-1')).toBe(uid);
    expect(await markerFiles(sim, 'web-1', 'main', '/data')).toEqual([]);
  });

  it('measures elapsed times from the answer, not from the start of the command', async () => {
    const session = onTerminal(['web']);
    await session.waitFor(/\[y\/N\] /);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    session.type('y\r');
    expect(await session.exited).toBe(ExitCode.OK);
    const written = /marker written and read back: \S+ \(data-web-1\) \((\d+(?:\.\d+)?)(ms|s)\)/.exec(
      session.screen(),
    );
    expect(written, session.screen()).not.toBeNull();
    const ms = written![2] === 'ms' ? Number(written![1]) : Number(written![1]) * 1000;
    expect(ms).toBeLessThan(2_000);
    await waitForSettledSet(sim, 'default', 'web', 30_000);
  });
});

describe('verify-pvc --help', () => {
  it('describes what --all removes and what is refused, not "at most the pod it names"', async () => {
    const run = await runCli(['verify-pvc', '--help']);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).not.toContain('Deletes at most the pod it names');
    expect(help).toContain(
      'Removes only the pod it names (--ordinal, default the highest), or with --all every pod, one at a time',
    );
    expect(help).toContain('--allow-degraded');
    expect(help).toContain('--cleanup');
    expect(help).toContain('--settle');
  });
});
