// `kubectl sts status` against the simulated cluster: the todo-db example started by the
// simulator's StatefulSet controller, read over real HTTP(S) by the built plugin and by real
// kubectl running it as a plugin.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatefulSet } from '../../src/kube/types.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { todoDbManifest } from '../helpers/todo-db.ts';
import { RUN_JS, runCli } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin', import.meta.url));

function readyReplicas(sim: SimCluster): number {
  return sim.store.get<StatefulSet>('statefulsets', 'default', 'todo-db')?.status?.readyReplicas ?? 0;
}

async function untilReady(sim: SimCluster, replicas: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (readyReplicas(sim) !== replicas) {
    if (Date.now() > deadline) throw new Error(`todo-db did not reach ${replicas} ready replicas`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SPEED = 200;
// These tests are about the order of a start-up that takes a fraction of a real second: with the
// timestamps on the wall clock (the default at speed > 1) its Ready transitions fall in the same
// second and rightly tie. Served in simulated time they keep their order; the plugin, reading by
// the wall clock, then notes the skew (ClockSkew, info), which these tests do not look at.
const ORDERED = { timestamps: 'simulated' } as const;

describe('status todo-db on the simulator', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startSimCluster({
      manifests: todoDbManifest(3),
      speed: SPEED,
      ...ORDERED,
      tls: true,
      token: 'sim-token-secret',
    });
    await untilReady(sim, 3);
  });
  afterAll(() => sim.stop());

  it('reports every ordinal Ready in start-up order with bound claims, over TLS with a token', async () => {
    const result = await runCli(['status', 'todo-db', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.statefulSet).toMatchObject({
      name: 'todo-db',
      namespace: 'default',
      podManagementPolicy: 'OrderedReady',
    });
    expect(
      report.pods.map(
        (pod: {
          name: string;
          ready: boolean;
          readyOrder: number;
          createdBeforePredecessorReady: boolean;
        }) => [pod.name, pod.ready, pod.readyOrder, pod.createdBeforePredecessorReady],
      ),
    ).toEqual([
      ['todo-db-0', true, 1, false],
      ['todo-db-1', true, 2, false],
      ['todo-db-2', true, 3, false],
    ]);
    for (const pod of report.pods) {
      expect(pod.dns).toBe(`${pod.name}.todo-db.default.svc.cluster.local`);
      expect(pod.volumes).toHaveLength(1);
      expect(pod.volumes[0]).toMatchObject({
        claim: `data-${pod.name}`,
        phase: 'Bound',
        volumeDetails: 'read',
      });
      expect(pod.volumes[0].volume).toMatch(/^pvc-/);
      expect(pod.revision.state).toBe('current');
    }
  });

  it('prints the table, and real kubectl finds and runs the plugin', async () => {
    const kubectl = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${BIN}:${process.env.PATH}`,
        KUBECONFIG: sim.kubeconfigPath,
      };
      delete env.NODE_ENV;
      execFile('kubectl', ['sts', 'status', 'todo-db'], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(kubectl.stderr).toBe('');
    expect(kubectl.code, kubectl.stderr).toBe(0);
    expect(kubectl.stdout).toMatch(/^Name:\s+todo-db$/m);
    expect(kubectl.stdout).toMatch(/^todo-db-0\s+1\/1\s+Running\s+0\s+\S+\s+1\s/m);
    expect(kubectl.stdout).toMatch(
      /^todo-db-2\s+1\/1\s+Running\s+0\s+\S+\s+3\s+sim-\S+\s+current\s+todo-db-2\.todo-db\.default\.svc\.cluster\.local\s+data-todo-db-2\s+Bound\s+pvc-\S+$/m,
    );
    expect(kubectl.stdout).not.toContain('sim-token-secret');
  });

  it('says when PVs are forbidden and still names them', async () => {
    const undo = sim.rbac.deny({ resource: 'persistentvolumes' });
    try {
      const result = await runCli(['status', 'todo-db', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.unreadable).toEqual([
        expect.objectContaining({ resource: 'persistentvolumes', reason: 'forbidden' }),
      ]);
      expect(report.pods[0].volumes[0]).toMatchObject({
        volumeDetails: 'not-readable',
        volume: expect.stringMatching(/^pvc-/),
      });
    } finally {
      undo();
    }
  });

  it('a missing StatefulSet exits 4 with one line and -o json prints nothing', async () => {
    const result = await runCli(['status', 'nope', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: statefulsets\.apps "nope" not found; [^\n]+\n$/);
  });

  it('lists every set with -A', async () => {
    const result = await runCli(['status', '-A', '--kubeconfig', sim.kubeconfigPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY/);
    expect(result.stdout).toMatch(/^default\s+todo-db\s+3\/3\s+3\/3\s+current\s+3\/3 Bound\s+Healthy\s+-$/m);
  });
});

describe('status API cost on the simulator', () => {
  it('makes the same requests at 3 and at 60 replicas', async () => {
    const requests: string[][] = [];
    for (const replicas of [3, 60]) {
      const sim = await startSimCluster({ manifests: todoDbManifest(replicas), speed: SPEED * 5 });
      try {
        await untilReady(sim, replicas);
        sim.requestLog.clear();
        const result = await runCli(['status', 'todo-db', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout).pods).toHaveLength(replicas);
        requests.push(sim.requestLog.entries.map((entry) => `${entry.method} ${entry.path}`).sort());
      } finally {
        await sim.stop();
      }
    }
    expect(requests[1]).toEqual(requests[0]);
    expect(requests[0]!.length).toBeLessThanOrEqual(9);
  });
});

describe('status --watch on the simulator', () => {
  it('prints one line per change as the ordered start-up happens, and stops cleanly on Ctrl-C', async () => {
    const sim = await startSimCluster({ manifests: todoDbManifest(0), speed: 10, ...ORDERED });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
      delete env.NODE_ENV;
      const child = spawn(
        process.execPath,
        [RUN_JS, 'status', 'todo-db', '--watch', '--kubeconfig', sim.kubeconfigPath],
        {
          env,
        },
      );
      let stdout = '';
      let stderr = '';
      const waiting: { pattern: RegExp; resolve: () => void }[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        for (const waiter of waiting.filter((w) => w.pattern.test(stdout))) waiter.resolve();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const sawLine = (pattern: RegExp) =>
        new Promise<void>((resolve) =>
          pattern.test(stdout) ? resolve() : waiting.push({ pattern, resolve }),
        );

      await sawLine(/statefulset\/todo-db ready 0\/0/);
      // Scale up only once the watch is live, so the whole ordered start-up is seen.
      sim.applyManifests(todoDbManifest(3));
      await sawLine(/todo-db-2 Running 1\/1 Ready \(order 3\)/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');

      const lines = stdout.trim().split('\n');
      for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d /);
      const first = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
      const created = (pod: string) => first(new RegExp(`${pod} (Pending|ContainerCreating|Running)`));
      const ready = (pod: string, order: number) =>
        first(new RegExp(`${pod} Running 1/1 Ready \\(order ${order}\\)`));
      // OrderedReady as it happened: each pod is created only after its predecessor is Ready.
      expect(ready('todo-db-0', 1)).toBeGreaterThan(0);
      expect(created('todo-db-1')).toBeGreaterThan(ready('todo-db-0', 1));
      expect(ready('todo-db-1', 2)).toBeGreaterThan(created('todo-db-1'));
      expect(created('todo-db-2')).toBeGreaterThan(ready('todo-db-1', 2));
      expect(ready('todo-db-2', 3)).toBeGreaterThan(created('todo-db-2'));
      // No polling: one round of lists, then watch events only.
      expect(sim.requestLog.count({ verb: 'list', resource: 'pods' })).toBe(1);
    } finally {
      await sim.stop();
    }
  });
});

describe('status --watch -o json on the simulator', () => {
  it('prints a whole report per change and nothing but JSON', async () => {
    const sim = await startSimCluster({ manifests: todoDbManifest(0), speed: 10, ...ORDERED });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_ENV;
      const child = spawn(
        process.execPath,
        [RUN_JS, 'status', 'todo-db', '--watch', '-o', 'json', '--kubeconfig', sim.kubeconfigPath],
        { env },
      );
      let stdout = '';
      let stderr = '';
      const waiting: { pattern: RegExp; resolve: () => void }[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        for (const waiter of waiting.filter((w) => w.pattern.test(stdout))) waiter.resolve();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const saw = (pattern: RegExp) =>
        new Promise<void>((resolve) =>
          pattern.test(stdout) ? resolve() : waiting.push({ pattern, resolve }),
        );

      await saw(/^}$/m);
      sim.applyManifests(todoDbManifest(1));
      await saw(/"readyOrder": 1/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
      const documents = stdout
        .split(/\n(?=\{\n)/)
        .map((text) => JSON.parse(text) as { pods: { name: string; readyOrder: number | null }[] });
      expect(documents.length).toBeGreaterThanOrEqual(2);
      expect(documents[0]!.pods).toEqual([]);
      expect(documents.at(-1)!.pods.map((pod) => [pod.name, pod.readyOrder])).toEqual([['todo-db-0', 1]]);
    } finally {
      await sim.stop();
    }
  });
});

// util-linux `script` gives the command a pseudo-terminal, as a user's shell would.
const SCRIPT = '/usr/bin/script';

describe.skipIf(!existsSync(SCRIPT))('status --watch on a terminal', () => {
  it('redraws the whole view in place as pods become Ready, and Ctrl-C ends it with 0', async () => {
    const sim = await startSimCluster({ manifests: todoDbManifest(0), speed: 10, ...ORDERED });
    try {
      // script(1) runs the command through $SHELL -c; dash (CI has no SHELL) forks instead of
      // exec-ing, and a shell left in the foreground group dies of the Ctrl-C itself. `exec`
      // leaves only the plugin in the terminal's foreground group, as a user's shell does.
      const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', SHELL: '/bin/sh' };
      delete env.NODE_ENV;
      delete env.NO_COLOR;
      const command = `exec '${process.execPath}' '${RUN_JS}' status todo-db --watch --kubeconfig '${sim.kubeconfigPath}'`;
      const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { env });
      let screen = '';
      const waiting: { pattern: RegExp; resolve: () => void }[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        for (const waiter of waiting.filter((w) => w.pattern.test(screen))) waiter.resolve();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const saw = (pattern: RegExp) =>
        new Promise<void>((resolve) =>
          pattern.test(screen) ? resolve() : waiting.push({ pattern, resolve }),
        );

      await saw(/Diagnostics/);
      sim.applyManifests(todoDbManifest(2));
      await saw(/todo-db-1 +1\/1 +Running +0 +\S+ +2 /);
      child.stdin.write('\x03'); // Ctrl-C through the terminal
      expect(await exited).toBe(0);

      const frames = screen.split('\x1b[H\x1b[2J').slice(1);
      expect(frames.length).toBeGreaterThanOrEqual(3);
      // Every frame is a whole view, and the last one shows both pods Ready in order.
      for (const frame of frames) expect(frame).toMatch(/^Name: +todo-db\r?$/m);
      expect(frames.at(-1)).toMatch(/^todo-db-0 +1\/1 +\S*Running\S* +0 +\S+ +1 /m);
      // Colour is on for a terminal (no NO_COLOR), and only there.
      expect(screen).toContain('\x1b[');
    } finally {
      await sim.stop();
    }
  });
});
