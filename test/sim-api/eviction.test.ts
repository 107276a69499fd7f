// pods/eviction and PodDisruptionBudget status in the simulator, held to what the real pieces do:
// pkg/registry/core/pod/storage/eviction.go (the 429 Status with its DisruptionBudget cause, no
// Retry-After for a refusal, 10 s while a budget is still being processed, Pending pods evicted
// regardless, the approval recorded in status.disruptedPods) and pkg/controller/disruption
// (expectedPods from the controller's replicas for maxUnavailable and percentages, not from the
// pods that happen to exist). Real kubectl is the oracle where it shows the difference.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import type { Json } from '../sim/server/json.ts';
import { evictPod } from '../sim/server/eviction.ts';

function set(name: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${name}
  replicas: ${replicas}
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - {name: main, image: busybox:1.36}
`;
}

let sim: SimCluster;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args]);
  return stdout.trim();
}

async function evict(name: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const response = await fetch(`${sim.url}/api/v1/namespaces/default/pods/${name}/eviction`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: 'default' },
    }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const budget = (name: string): Json => sim.store.get<Json>('poddisruptionbudgets', 'default', name)!;

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: [set('trio', 3), set('duo', 2)].join('\n---\n') });
  await waitForSettledSet(sim, 'default', 'trio', 30_000);
  await waitForSettledSet(sim, 'default', 'duo', 30_000);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('PodDisruptionBudget status, as the disruption controller computes it', () => {
  it('counts expected pods from the StatefulSet replicas for maxUnavailable, not from the pods that exist', async () => {
    await kubectl('create', 'pdb', 'trio', '--selector=app=trio', '--max-unavailable=1');
    await expect.poll(() => budget('trio').status?.disruptionsAllowed).toBe(1);
    expect(budget('trio').status).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3 });
    // Four replicas wanted, three pods there (a scale-up the controller has not caught up with,
    // held still here: no controllers run): a real cluster expects 4 and allows nothing.
    const still = await startSimCluster({ controllers: false });
    try {
      const set = still.store.create<Json>('statefulsets', {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'quad', namespace: 'default' },
        spec: {
          replicas: 4,
          serviceName: 'quad',
          selector: { matchLabels: { app: 'quad' } },
          template: {
            metadata: { labels: { app: 'quad' } },
            spec: { containers: [{ name: 'main', image: 'busybox' }] },
          },
        },
      });
      for (const ordinal of [0, 1, 2]) {
        const created = still.store.create<Json>('pods', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `quad-${ordinal}`,
            namespace: 'default',
            labels: { app: 'quad' },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'StatefulSet',
                name: 'quad',
                uid: set.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: { containers: [{ name: 'main', image: 'busybox' }] },
        });
        still.store.updateStatus<Json>('pods', {
          ...created,
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
        });
      }
      still.store.create<Json>('poddisruptionbudgets', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'quad', namespace: 'default' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'quad' } } },
      });
      await expect
        .poll(
          () => still.store.get<Json>('poddisruptionbudgets', 'default', 'quad')?.status?.observedGeneration,
        )
        .toBe(1);
      expect(still.store.get<Json>('poddisruptionbudgets', 'default', 'quad')!.status).toMatchObject({
        expectedPods: 4,
        desiredHealthy: 3,
        currentHealthy: 3,
        disruptionsAllowed: 0,
      });
    } finally {
      await still.stop();
    }
    // kubectl shows what the Eviction API will go by.
    expect(await kubectl('get', 'pdb', 'trio', '-o', 'jsonpath={.status.disruptionsAllowed}')).toBe('1');
  });

  it('records an approved eviction in disruptedPods and refuses the next one until the pod is healthy again', async () => {
    const first = await evict('trio-2');
    expect(first.status).toBe(201);
    // The next eviction reads the decremented status at once, before any pod has changed.
    const second = await evict('trio-1');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBeNull();
    expect(second.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget trio needs 2 healthy pods and has 2 currently',
          },
        ],
      },
      code: 429,
    });
    await waitForSettledSet(sim, 'default', 'trio', 30_000);
    await expect.poll(() => budget('trio').status?.disruptionsAllowed).toBe(1);
    expect(budget('trio').status?.disruptedPods).toBeUndefined();
  });

  it('kubectl drain recognises the refusal as a budget (an oracle for the 429 body)', async () => {
    await kubectl('create', 'pdb', 'duo', '--selector=app=duo', '--max-unavailable=0');
    await expect.poll(() => budget('duo').status?.observedGeneration).toBe(1);
    const node = sim.store.get<Json>('pods', 'default', 'duo-0')!.spec.nodeName as string;
    const drained = await promisify(execFile)(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, 'drain', node, '--pod-selector=app=duo', '--timeout=2s'],
      { encoding: 'utf8' },
    ).catch((error: { stderr: string; code: number }) => error);
    await kubectl('uncordon', node);
    expect('stderr' in drained ? drained.stderr : '').toContain(
      "Cannot evict pod as it would violate the pod's disruption budget.",
    );
  });
});

describe('budgets over pods no controller owns', () => {
  it('count no expected pods for maxUnavailable, so allow nothing (the controller warns UnmanagedPods)', async () => {
    sim.applyManifests(`apiVersion: v1
kind: Pod
metadata: {name: loose, namespace: default, labels: {app: loose}}
spec: {containers: [{name: main, image: busybox:1.36}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: loose, namespace: default}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: loose}}
`);
    await expect.poll(() => sim.store.get<Json>('pods', 'default', 'loose')?.status?.phase).toBe('Running');
    await expect.poll(() => budget('loose').status?.currentHealthy, { timeout: 10_000 }).toBe(1);
    expect(budget('loose').status).toMatchObject({
      expectedPods: 0,
      desiredHealthy: 0,
      disruptionsAllowed: 0,
    });
    expect((await evict('loose')).status).toBe(429);
  });
});

describe('the Eviction API, as EvictionREST.Create decides', () => {
  it('evicts an unready pod without using up the budget while the budget is otherwise met', async () => {
    await kubectl('annotate', 'pod', 'trio-0', 'sim.kubectl-sts.dev/readiness=fail');
    await expect.poll(() => budget('trio').status?.currentHealthy, { timeout: 10_000 }).toBe(2);
    expect(budget('trio').status?.disruptionsAllowed).toBe(0);
    expect((await evict('trio-0')).status).toBe(201);
    expect(budget('trio').status?.disruptedPods).toBeUndefined();
    await waitForSettledSet(sim, 'default', 'trio', 30_000);
  });

  it('evicts a Pending pod whatever its budget says (it disrupts nothing)', async () => {
    await kubectl('cordon', 'sim-worker', 'sim-worker2');
    try {
      const pending = sim.store
        .list<Json>('pods', 'default')
        .find((p) => p.metadata.name.startsWith('duo-'))!;
      await kubectl('delete', 'pod', pending.metadata.name, '--wait=false');
      await expect
        .poll(() => sim.store.get<Json>('pods', 'default', pending.metadata.name)?.status?.phase, {
          timeout: 10_000,
        })
        .toBe('Pending');
      expect(budget('duo').status?.disruptionsAllowed).toBe(0);
      expect((await evict(pending.metadata.name)).status).toBe(201);
    } finally {
      await kubectl('uncordon', 'sim-worker', 'sim-worker2');
    }
    await waitForSettledSet(sim, 'default', 'duo', 30_000);
  });

  it('refuses with Retry-After 10 while the budget is still being processed (status older than its spec)', () => {
    // In one tick: the spec changes and an eviction arrives before the controller has run.
    sim.store.mutate<Json>('poddisruptionbudgets', 'default', 'trio', (draft) => {
      draft.spec.maxUnavailable = 2;
    });
    expect(budget('trio').metadata.generation).toBeGreaterThan(budget('trio').status.observedGeneration);
    let refused: { code: number; details?: Json } | undefined;
    try {
      evictPod(sim.store, sim.clock, 'default', 'trio-0', undefined, false);
    } catch (error) {
      refused = error as { code: number; details?: Json };
    }
    expect(refused?.code).toBe(429);
    expect(refused?.details).toEqual({
      retryAfterSeconds: 10,
      causes: [
        {
          reason: 'DisruptionBudget',
          message: 'The disruption budget trio is still being processed by the server.',
        },
      ],
    });
  });
});
