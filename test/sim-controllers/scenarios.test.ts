import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistentVolumeClaim, Pod, StatefulSet } from '../../src/kube/types.ts';
import { ScenarioError, listScenarios, loadScenario, parseScenario } from '../sim/scenarios/index.ts';
import type { Harness } from './harness.ts';
import { isReady, startHarness } from './harness.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const root = join(import.meta.dirname, '..', '..');
const node = process.execPath;

describe('scenario files', () => {
  it('ships todo-db and sleep-with-pvc', () => {
    expect(listScenarios()).toEqual(expect.arrayContaining(['sleep-with-pvc', 'todo-db']));
  });

  it('reads settings from the leading SimScenario document', () => {
    const scenario = loadScenario('todo-db');
    expect(scenario.name).toBe('todo-db');
    expect(scenario.settings).toMatchObject({
      nodes: 3,
      clusterDomain: 'cluster.local',
      timing: { imagePullMs: 1500, initContainerMs: 1500 },
    });
    expect(scenario.objectCount).toBe(6);
    expect(scenario.manifests).not.toContain('SimScenario');
  });

  it.each(listScenarios())('shipped scenario %s parses and applies to a fresh cluster', async (name) => {
    const scenario = loadScenario(name);
    expect(scenario.objectCount).toBeGreaterThan(0);
    const h = await startHarness({ timing: scenario.settings.timing, nodes: scenario.settings.nodes ?? 3 });
    try {
      expect(() => h.apply(scenario.manifests)).not.toThrow();
    } finally {
      h.stop();
    }
  });

  it('accepts a plain manifest file without settings', () => {
    const scenario = loadScenario(join(THIRD_PARTY_FIXTURES, 'kiamol-ch08', 'sleep', 'sleep-with-pvc.yaml'));
    expect(scenario).toMatchObject({ name: 'sleep-with-pvc', objectCount: 2, settings: { timing: {} } });
  });

  it.each([
    [
      'an unknown setting',
      'kind: SimScenario\napiVersion: sim.kubectl-sts.dev/v1\nsettings: { colour: red }',
      /unknown setting "colour"; use nodes/,
    ],
    [
      'a bad duration',
      'kind: SimScenario\napiVersion: sim.kubectl-sts.dev/v1\nsettings: { timing: { imagePull: soon } }',
      /timing.imagePull "soon" is not a duration/,
    ],
    [
      'an unknown timing',
      'kind: SimScenario\napiVersion: sim.kubectl-sts.dev/v1\nsettings: { timing: { boot: 1s } }',
      /unknown timing "boot"/,
    ],
    [
      'settings after a manifest',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\nkind: SimScenario\napiVersion: sim.kubectl-sts.dev/v1',
      /must come first/,
    ],
    ['a document without kind', 'apiVersion: v1\nmetadata: { name: x }', /has no kind or apiVersion/],
    ['broken YAML', 'kind: [', /invalid YAML/],
  ])('rejects %s with one clear line', (_name, text, message) => {
    expect(() => parseScenario(text, 'bad.yaml')).toThrow(ScenarioError);
    expect(() => parseScenario(text, 'bad.yaml')).toThrow(message);
  });

  it('names a missing scenario and lists the shipped ones', () => {
    expect(() => loadScenario('does-not-exist')).toThrow(
      /scenario "does-not-exist" not found; give a file path or one of: .*todo-db/,
    );
  });
});

describe('todo-db scenario on the controllers', () => {
  let sim: Harness;
  beforeAll(async () => {
    const scenario = loadScenario('todo-db');
    sim = await startHarness({ timing: scenario.settings.timing, manifests: scenario.manifests });
  });
  afterAll(() => sim.stop());

  it('brings todo-db-0 up through its init containers before todo-db-1 is created', async () => {
    const h = sim;
    const seen: string[] = [];
    h.store.subscribe('pods', (e) => {
      const pod = e.object as Pod;
      const init = pod.status?.initContainerStatuses?.filter((s) => s.state?.terminated).length ?? 0;
      const line = `${pod.metadata?.name} init ${init}/2 ${isReady(pod) ? 'ready' : ''}`.trim();
      if (seen.at(-1) !== line) seen.push(line);
    });
    await h.until(
      () => (h.get<StatefulSet>('statefulsets', 'todo-db')?.status?.readyReplicas ?? 0) === 2,
      120_000,
      'todo-db ready',
    );
    const firstOfSecond = seen.findIndex((line) => line.startsWith('todo-db-1'));
    expect(seen.slice(0, firstOfSecond)).toEqual(
      expect.arrayContaining(['todo-db-0 init 1/2', 'todo-db-0 init 2/2 ready']),
    );
    const claim = h.get<PersistentVolumeClaim>('persistentvolumeclaims', 'data-todo-db-1');
    expect(claim?.metadata?.labels).toEqual({ kiamol: 'ch08', app: 'todo-db' });
    expect(claim?.status?.phase).toBe('Bound');
  });
});

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((folder) => folder !== '' && existsSync(join(folder, command)));
}

function readyLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(stdout);
    });
    child.once('exit', () => reject(new Error(`exited before ready: ${stdout}`)));
  });
}

function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${stderr}${stdout}`)) : resolve(stdout)),
    );
  });
}

describe('npm run sim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-main-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(node, [join(root, 'test/sim/main.ts'), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it.each([
    [
      ['--scenario'],
      /^error: Option '--scenario <value>' argument missing; run with --help to see the flags\n$/,
    ],
    [
      ['--scenario', 'todo-db', '--speed', '0'],
      /^error: --speed "0" is not a positive number; pass e\.g\. --speed 10\n$/,
    ],
    [
      ['--scenario', 'todo-db', '--port', 'http'],
      /^error: --port "http" is not a port number; pass 0-65535\n$/,
    ],
    [['--kubeconfig', 'x'], /^error: --scenario is required; pass one of: .*\n$/],
    [['--scenario', 'nope'], /^error: scenario "nope" not found; give a file path or one of: .*\n$/],
    [['--what'], /^error: Unknown option '--what'; run with --help to see the flags\n$/],
    [
      ['--scenario', 'todo-db', '--speed', '-1'],
      /^error: --speed needs a value; write --speed=<value> for a value starting with "-"\n$/,
    ],
    [
      ['--scenario', 'todo-db', '--speed=-1'],
      /^error: --speed "-1" is not a positive number; pass e\.g\. --speed 10\n$/,
    ],
    [['--scenario', 'todo-db', '--token', 's3cret'], /^error: --token needs --tls: .+; add --tls\n$/],
  ])('%j fails with one line and exit 2', async (args, message) => {
    const result = await run(args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it.skipIf(!onPath('kubectl'))('serves HTTPS with a bearer token that kubectl can use', async () => {
    const kubeconfig = join(dir, 'tls-config');
    const child = spawn(
      node,
      [
        join(root, 'test/sim/main.ts'),
        '--scenario',
        'sleep-with-pvc',
        '--kubeconfig',
        kubeconfig,
        '--tls',
        '--token',
        's3cret',
        '--speed',
        '20',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      await readyLine(child);
      const config = readFileSync(kubeconfig, 'utf8');
      expect(config).toContain('server: https://127.0.0.1:');
      expect(config).toContain('certificate-authority-data:');
      const rollout = await kubectl(kubeconfig, 'rollout', 'status', 'sts/sleep-with-pvc', '--timeout=30s');
      expect(rollout).toMatch(/roll out complete: 2 new pods have been updated/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('serves a scenario, writes a kubeconfig, prints ready, and stops cleanly on SIGTERM', async () => {
    const kubeconfig = join(dir, 'config');
    const scenarioFile = join(dir, 'one.yaml');
    writeFileSync(
      scenarioFile,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: hello }\ndata: { a: b }\n',
    );
    const child = spawn(
      node,
      [
        join(root, 'test/sim/main.ts'),
        '--scenario',
        scenarioFile,
        '--kubeconfig',
        kubeconfig,
        '--speed',
        '10',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(stdout).toMatch(
      /^sim: ready: scenario one \(1 objects\) at http:\/\/127\.0\.0\.1:\d+, speed 10x; kubeconfig /,
    );
    const config = readFileSync(kubeconfig, 'utf8');
    expect(config).toContain('server: http://127.0.0.1:');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(kubeconfig)).toBe(false);
  });
});
