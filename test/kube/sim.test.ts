// The gateway against the project's simulated cluster, over TLS with a bearer token, through the
// kubeconfig the simulator writes: the same path every command takes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { connect } from '../../src/kube/connect.ts';
import type { Connection } from '../../src/kube/connect.ts';
import { isKubeApiError } from '../../src/kube/http.ts';
import type { Pod, WatchEvent } from '../../src/kube/types.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { rejection } from './helpers.ts';

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {containers: [{name: main, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: shop, labels: {app: db}}
spec: {containers: [{name: main, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: shop, labels: {app: other}}
spec: {containers: [{name: main, image: busybox}]}
`;

let sim: SimCluster;
let connection: Connection;

beforeAll(async () => {
  sim = await startSimCluster({
    tls: true,
    token: 'sim-admin-token',
    controllers: false,
    manifests: MANIFESTS,
    namespace: 'shop',
  });
  connection = await connect(
    { kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 0, debug: false },
    { retry: { baseDelayMs: 1, maxDelayMs: 2 } },
  );
});

afterAll(async () => {
  connection?.close();
  await sim?.stop();
});

const requestsSince = (start: number) => sim.requestLog.entries.slice(start);

describe('gateway on the simulated cluster (TLS + token)', () => {
  it('reads a StatefulSet and its pods by selector, one request each, timestamps as strings', async () => {
    const before = sim.requestLog.entries.length;
    const statefulSet = await connection.gateway.getStatefulSet(connection.namespace, 'db');
    const pods = await connection.gateway.listPods(connection.namespace, { labelSelector: 'app=db' });
    expect(statefulSet.metadata?.name).toBe('db');
    expect(typeof statefulSet.metadata?.creationTimestamp).toBe('string');
    expect(pods.items.map((pod) => pod.metadata?.name).sort()).toEqual(['db-0', 'db-1']);
    expect(pods.resourceVersion).not.toBe('');
    expect(requestsSince(before).map((entry) => `${entry.verb} ${entry.resource}`)).toEqual([
      'get statefulsets',
      'list pods',
    ]);
  });

  it('a missing StatefulSet and a missing namespace are told apart', async () => {
    const missing = await rejection(connection.gateway.getStatefulSet('shop', 'nope'));
    expect(missing.message).toBe('statefulsets.apps "nope" not found');
    const noNamespace = await rejection(connection.gateway.getStatefulSet('nowhere', 'db'));
    expect(noNamespace.message).toBe('namespace "nowhere" does not exist');
  });

  it('a 403 from RBAC names verb and resource', async () => {
    const undo = sim.rbac.deny({ verb: 'list', resource: 'persistentvolumeclaims' });
    try {
      const error = await rejection(connection.gateway.listPersistentVolumeClaims('shop'));
      expect(error.exitCode).toBe(ExitCode.AUTH);
      expect(error.message).toBe(
        'forbidden: User "kubernetes-admin" cannot list resource "persistentvolumeclaims" in API group "" in the namespace "shop"',
      );
    } finally {
      undo();
    }
  });

  it('an eviction carrying another uid as precondition is refused with 409 and deletes nothing', async () => {
    const error = await rejection(connection.gateway.evictPod('shop', 'other', { uid: 'not-its-uid' }));
    expect(error.status).toBe(409);
    expect(error.message).toContain('Precondition failed');
    expect(sim.store.get('pods', 'shop', 'other')).toBeDefined();
  });

  it('a token the server does not know is a 401', async () => {
    const stranger = await connect({
      kubeconfig: sim.kubeconfigFor('unknown-token'),
      requestTimeoutMs: 0,
      debug: false,
    });
    try {
      const error = await rejection(stranger.gateway.listPods('shop'));
      expect(error.exitCode).toBe(ExitCode.AUTH);
      expect(error.message).toContain('(401 Unauthorized)');
    } finally {
      stranger.close();
    }
  });

  it('reads are retried through transient 503s', async () => {
    const remove = sim.faults.add({ match: { verb: 'list', resource: 'services' }, status: 503, times: 2 });
    try {
      const before = sim.requestLog.entries.length;
      await expect(connection.gateway.listServices('shop')).resolves.toMatchObject({
        items: expect.any(Array),
      });
      expect(requestsSince(before).map((entry) => entry.status)).toEqual([503, 503, 200]);
    } finally {
      remove();
    }
  });

  it('a watch from the list resourceVersion sees a pod created afterwards, then stops cleanly', async () => {
    const listed = await connection.gateway.listPods('shop');
    const events: WatchEvent<Pod>[] = [];
    let seen: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (seen = resolve));
    const watch = connection.gateway.watchPods(
      'shop',
      { resourceVersion: listed.resourceVersion },
      (event) => {
        events.push(event);
        if (event.type === 'ADDED') seen();
      },
    );
    sim.applyManifests(`apiVersion: v1
kind: Pod
metadata: {name: late, namespace: shop, labels: {app: late}}
spec: {containers: [{name: main, image: busybox}]}
`);
    await arrived;
    watch.stop();
    await watch.done;
    expect(
      events.filter((event) => event.type === 'ADDED').map((event) => event.object.metadata?.name),
    ).toEqual(['late']);
  });

  it('deletePod with a stale uid precondition is refused; with the right one it deletes', async () => {
    const pod = await connection.gateway.getPod('shop', 'other');
    const conflict = await rejection(
      connection.gateway.deletePod('shop', 'other', { uid: 'not-the-uid', gracePeriodSeconds: 0 }),
    );
    expect(isKubeApiError(conflict, 409)).toBe(true);
    await connection.gateway.deletePod('shop', 'other', { uid: pod!.metadata!.uid!, gracePeriodSeconds: 0 });
    await expect(connection.gateway.getPod('shop', 'other')).resolves.toBeUndefined();
  });

  it('an eviction a PodDisruptionBudget forbids is refused with the budget named; allowed ones go through', async () => {
    // Without controllers nothing runs; a Pending pod is evicted whatever its budget says (as
    // the real Eviction API does), so make this one Running and Ready first.
    sim.store.mutate<Pod>('pods', 'shop', 'db-0', (draft) => {
      draft.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    });
    sim.applyManifests(`apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db-pdb, namespace: shop}
spec:
  minAvailable: 5
  selector: {matchLabels: {app: db}}
`);
    const refused = await rejection(connection.gateway.evictPod('shop', 'db-0'));
    expect(refused.exitCode).toBe(ExitCode.ABORTED);
    expect(refused.message).toMatch(
      /^eviction of pod "db-0" refused: Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    expect(refused.message).toContain('db-pdb');
    sim.applyManifests(`apiVersion: v1
kind: Pod
metadata: {name: unguarded, namespace: shop, labels: {app: unguarded}}
spec: {containers: [{name: main, image: busybox}]}
`);
    await connection.gateway.evictPod('shop', 'unguarded');
  });

  it('checkAccess answers through SelfSubjectAccessReview', async () => {
    const undo = sim.rbac.deny({ verb: 'delete', resource: 'pods' });
    try {
      const answers = await connection.gateway.checkAccess([
        { verb: 'get', resource: 'pods', namespace: 'shop' },
        { verb: 'delete', resource: 'pods', namespace: 'shop' },
      ]);
      expect(answers.map((answer) => answer.allowed)).toEqual([true, false]);
    } finally {
      undo();
    }
  });
});

describe('exec on the simulated cluster', () => {
  let live: SimCluster;
  let liveConnection: Connection;

  beforeAll(async () => {
    live = await startSimCluster({
      tls: true,
      token: 'exec-token',
      speed: 50,
      manifests: `apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: default}
spec: {containers: [{name: main, image: busybox, command: [sleep, infinity]}]}
`,
    });
    liveConnection = await connect({ kubeconfig: live.kubeconfigPath, requestTimeoutMs: 0, debug: false });
    // Wait for the kubelet to start the container, through the gateway's own watch.
    const running = (pod: Pod | undefined): boolean => pod?.status?.phase === 'Running';
    const listed = await liveConnection.gateway.listPods('default', { fieldSelector: 'metadata.name=shell' });
    if (!running(listed.items[0])) {
      await new Promise<void>((resolve, reject) => {
        const watch = liveConnection.gateway.watchPods(
          'default',
          { fieldSelector: 'metadata.name=shell', resourceVersion: listed.resourceVersion },
          (event) => {
            if (running(event.object)) {
              watch.stop();
              resolve();
            }
          },
        );
        watch.done.catch(reject);
      });
    }
  });

  afterAll(async () => {
    liveConnection?.close();
    await live?.stop();
  });

  it('runs argv without a shell of ours, returns stdout, stderr and the exit code', async () => {
    const result = await liveConnection.gateway.exec({
      namespace: 'default',
      pod: 'shell',
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
    });
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('feeds stdin and closes it (v5), so a reader of stdin finishes', async () => {
    const result = await liveConnection.gateway.exec({
      namespace: 'default',
      pod: 'shell',
      command: ['sh', '-c', 'cat > /tmp/marker && cat /tmp/marker'],
      stdin: 'written through stdin\n',
      timeoutMs: 20_000,
    });
    expect(result).toEqual({ stdout: 'written through stdin\n', stderr: '', exitCode: 0 });
  });

  it('exec into a missing pod is NOT_FOUND', async () => {
    const error = await rejection(
      liveConnection.gateway.exec({ namespace: 'default', pod: 'ghost', command: ['true'] }),
    );
    expect(error.exitCode).toBe(ExitCode.NOT_FOUND);
  });
});
