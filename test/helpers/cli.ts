// Shared by tests that run the plugin as a user does: a simulated cluster loaded with a scenario,
// kubeconfigs for it (and for broken set-ups), and the built CLI (bin/kubectl-sts → dist/) in a
// child process with no TTY. Anyone may use it; it starts nothing on import.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatefulSet } from '../../src/kube/types.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster, SimClusterOptions } from '../sim/index.ts';
import { loadScenario } from '../sim/scenarios/index.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What kubectl finds on PATH; runs dist/, so `npm run build` must have run. */
export const PLUGIN_BIN = join(REPO_ROOT, 'bin', 'kubectl-sts');
export const BIN_DIR = join(REPO_ROOT, 'bin');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to the environment (KUBECONFIG, …). */
  env?: NodeJS.ProcessEnv;
  /** Run `kubectl sts …` through real kubectl (plugin found on PATH) instead of the binary. */
  viaKubectl?: boolean;
  timeoutMs?: number;
}

/** The environment a user's shell gives: no test-runner variables, no colour, no inherited KUBECONFIG. */
function userEnvironment(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.NODE_ENV;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  if (!extra.KUBECONFIG) delete env.KUBECONFIG;
  if (!extra.KUBECTL_STS_DEBUG) delete env.KUBECTL_STS_DEBUG;
  // FORCE_COLOR wins over NO_COLOR: a CI runner's would colour every child's output.
  if (!('FORCE_COLOR' in extra)) delete env.FORCE_COLOR;
  env.PATH = `${BIN_DIR}:${env.PATH ?? ''}`;
  return env;
}

/** Runs the plugin with stdin closed (not a TTY); never rejects, the exit code is in the result. */
export function runPlugin(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const [file, argv] = options.viaKubectl ? ['kubectl', ['sts', ...args]] : [PLUGIN_BIN, args];
  return new Promise((resolve) => {
    const child = execFile(
      file,
      argv,
      {
        env: userEnvironment(options.env ?? {}),
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** Runs `jobs` with at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface ScenarioCluster {
  sim: SimCluster;
  /** Scratch directory for kubeconfigs and files; removed by stop(). */
  dir: string;
  /** Writes a file into `dir` and returns its path. */
  writeFile(name: string, content: string): string;
  stop(): Promise<void>;
}

/**
 * Starts the simulator with a scenario from test/sim/scenarios (e.g. `todo-db`) and waits until
 * each StatefulSet named in `readySets` has settled (see waitForSettledSet).
 */
export async function startScenarioCluster(
  scenarioName: string,
  options: SimClusterOptions & { readySets?: string[]; namespace?: string } = {},
): Promise<ScenarioCluster> {
  const scenario = loadScenario(scenarioName);
  const { readySets = [], ...simOptions } = options;
  const sim = await startSimCluster({
    nodes: scenario.settings.nodes ?? 3,
    clusterDomain: scenario.settings.clusterDomain ?? 'cluster.local',
    speed: 20,
    ...simOptions,
    manifests: scenario.manifests,
  });
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-sts-cli-'));
  try {
    const namespace = options.namespace ?? 'default';
    for (const name of readySets) await waitForSettledSet(sim, namespace, name);
  } catch (error) {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    sim,
    dir,
    writeFile(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until a StatefulSet is at rest: the controller has seen its latest spec, and every
 * replica is updated and Ready. Polls the store (the simulator runs in this process).
 */
export async function waitForSettledSet(
  sim: SimCluster,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const set = sim.store.get<StatefulSet>('statefulsets', namespace, name);
    const replicas = set?.spec?.replicas ?? 1;
    if (
      set &&
      (set.status?.readyReplicas ?? 0) === replicas &&
      (set.status?.updatedReplicas ?? 0) === replicas &&
      set.status?.observedGeneration === set.metadata?.generation
    )
      return;
    if (Date.now() > deadline) throw new Error(`StatefulSet ${namespace}/${name} did not settle`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A 127.0.0.1 port nothing listens on (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A minimal kubeconfig for a server URL (optionally with a bearer token). */
export function kubeconfigFor(server: string, token?: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}"}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: default}
current-context: ctx
users:
- name: u
  user: ${token ? `{token: "${token}"}` : '{}'}
`;
}
