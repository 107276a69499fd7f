// Runs a diagnostics scenario (test/sim/scenarios/diag-*.yaml) on the simulated cluster and reads
// the set the way `kubectl sts status` does, through the real gateway over HTTP. Real kubectl
// drives the changes (patch, scale, delete) a user would make.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { collectStatusSnapshot } from '../../src/collect/snapshot.ts';
import { connect, type Connection } from '../../src/kube/connect.ts';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import { diagnose } from '../../src/report/diagnostics/index.ts';
import type { Diagnostic, StatefulSetSnapshot } from '../../src/report/snapshot.ts';
import { startSimCluster, type SimCluster } from '../sim/index.ts';
import { loadScenario } from '../sim/scenarios/index.ts';

const run = promisify(execFile);

export interface ScenarioRun {
  sim: SimCluster;
  connection: Connection;
  namespace: string;
  kubectl(...args: string[]): Promise<string>;
  snapshot(name: string): Promise<StatefulSetSnapshot>;
  diagnose(name: string): Promise<Diagnostic[]>;
  set(name: string): StatefulSet;
  pods(): Pod[];
  stop(): Promise<void>;
}

export async function startScenario(name: string, namespace = 'diag', speed = 20): Promise<ScenarioRun> {
  const scenario = loadScenario(name);
  const sim = await startSimCluster({
    manifests: scenario.manifests,
    nodes: scenario.settings.nodes ?? 3,
    clusterDomain: scenario.settings.clusterDomain ?? 'cluster.local',
    speed,
    namespace,
    // The reads below take the simulated clock as theirs: timestamps in simulated time too.
    timestamps: 'simulated',
  });
  const connection = await connect(
    { kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 0, debug: false },
    { retry: { baseDelayMs: 1, maxDelayMs: 2 } },
  );
  const snapshot = async (set: string) =>
    (await collectStatusSnapshot(connection.gateway, namespace, set, { now: () => sim.clock.now() }))
      .snapshot;
  return {
    sim,
    connection,
    namespace,
    async kubectl(...args: string[]) {
      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', sim.kubeconfigPath, '-n', namespace, ...args],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return stdout;
    },
    snapshot,
    diagnose: async (set: string) => diagnose(await snapshot(set)),
    set: (set: string) => sim.store.get<StatefulSet>('statefulsets', namespace, set)!,
    pods: () => sim.store.list<Pod>('pods', namespace),
    async stop() {
      connection.close();
      await sim.stop();
    },
  };
}

/** Polls until `probe` returns something truthy; fails naming what it waited for. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  limitMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function podNamed(runState: ScenarioRun, name: string): Pod | undefined {
  return runState.pods().find((p) => p.metadata?.name === name);
}

export function waitingReason(pod: Pod | undefined): string | undefined {
  return pod?.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting?.reason;
}

export function readyCount(set: StatefulSet | undefined): number {
  return set?.status?.readyReplicas ?? 0;
}

/**
 * Rolls out a template whose image the simulated kubelet cannot pull (a user's broken release),
 * with real kubectl, and waits until `pod` is in ImagePullBackOff.
 */
export async function rollOutUnpullableImage(runState: ScenarioRun, set: string, pod: string): Promise<void> {
  await runState.kubectl(
    'patch',
    'statefulset',
    set,
    '--type',
    'merge',
    '-p',
    '{"spec":{"template":{"metadata":{"annotations":{"sim.kubectl-sts.dev/image-pull":"fail"}}}}}',
  );
  await until(
    `${pod} failing to pull its image`,
    () => waitingReason(podNamed(runState, pod)) === 'ImagePullBackOff',
  );
}
