import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/kube/types.ts';
import type { Harness } from './harness.ts';
import { isReady, startHarness } from './harness.ts';

let sim: Harness | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const podManifest = (
  options: { annotations?: Record<string, string>; extraSpec?: string; init?: number; probe?: boolean } = {},
): string => `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations: ${JSON.stringify(options.annotations ?? {})}
spec:
${options.extraSpec ?? ''}
  initContainers:
${Array.from({ length: options.init ?? 0 }, (_, i) => `    - { name: init-${i}, image: busybox:1.36 }`).join('\n') || '    []'}
  containers:
    - name: main
      image: postgres:11.6-alpine
${options.probe ? '      readinessProbe: { tcpSocket: { port: 5432 }, initialDelaySeconds: 5 }' : ''}
`;

const condition = (pod: Pod | undefined, type: string): string | undefined =>
  pod?.status?.conditions?.find((c) => c.type === type)?.status;
const reasons = (h: Harness, name = 'app'): string[] => h.events(name).map((e) => e.reason ?? '');

describe('scheduler', () => {
  it('binds to a Ready worker, never to the tainted control plane, and records Scheduled', async () => {
    sim = await startHarness({ manifests: podManifest() });
    const pod = sim.pod('app');
    expect(pod?.spec?.nodeName).toMatch(/^sim-worker/);
    expect(condition(pod, 'PodScheduled')).toBe('True');
    expect(sim.events('app')[0]?.message).toBe(`Successfully assigned default/app to ${pod?.spec?.nodeName}`);
  });

  it('leaves a pod Pending with the scheduler message when no node matches', async () => {
    sim = await startHarness({ manifests: podManifest({ extraSpec: '  nodeSelector: { disk: ssd }' }) });
    const pod = sim.pod('app');
    expect(pod?.spec?.nodeName).toBeUndefined();
    const scheduled = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(scheduled?.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    expect(sim.events('app').find((e) => e.reason === 'FailedScheduling')?.type).toBe('Warning');
  });
});

describe('scheduler messages, as each version words them', () => {
  const unscheduled = (h: Harness) =>
    h.pod('app')?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message;

  it.each([
    {
      minor: 24,
      message:
        "0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/control-plane: }, that the pod didn't tolerate, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    },
    {
      minor: 33,
      message:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    },
    {
      minor: 35,
      message:
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    },
  ])('1.$minor: a nodeSelector no node matches', async ({ minor, message }) => {
    sim = await startHarness({
      kubernetesMinor: minor,
      manifests: podManifest({ extraSpec: '  nodeSelector: { disk: ssd }' }),
    });
    expect(unscheduled(sim)).toBe(message);
  });

  it('resources: preemption finds no victims on the nodes that lack memory, and is not helpful on the tainted one', async () => {
    sim = await startHarness({
      manifests: podManifest().replace(
        'image: postgres:11.6-alpine',
        'image: postgres:11.6-alpine\n      resources: { requests: { memory: 64Gi } }',
      ),
    });
    expect(unscheduled(sim)).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('cordoned nodes: the scheduler retries every 5 minutes and the FailedScheduling event counts up', async () => {
    sim = await startHarness({ manifests: podManifest({ extraSpec: '  nodeSelector: { disk: ssd }' }) });
    const h = sim;
    const failed = () => h.events('app').find((e) => e.reason === 'FailedScheduling');
    expect(failed()?.count ?? 1).toBe(1);
    await h.advance(11 * 60_000, 10_000);
    expect(failed()?.count).toBe(3);
  });
});

describe('kubelet', () => {
  it('runs init containers one by one before the main container (Init:N/M)', async () => {
    sim = await startHarness({
      manifests: podManifest({ init: 2 }),
      timing: { imagePullMs: 500, initContainerMs: 1000 },
    });
    const h = sim;
    await h.advance(600);
    let pod = h.pod('app') as Pod;
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.initContainerStatuses?.map((s) => Object.keys(s.state ?? {})[0])).toEqual([
      'running',
      'waiting',
    ]);
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.message).toBe(
      'containers with incomplete status: [init-0 init-1]',
    );
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
    pod = h.pod('app') as Pod;
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual([
      'Completed',
      'Completed',
    ]);
    expect(pod.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(reasons(h)).toEqual(
      expect.arrayContaining(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']),
    );
  });

  it('becomes Ready only after the readiness probe delay', async () => {
    sim = await startHarness({
      manifests: podManifest({ probe: true }),
      timing: { imagePullMs: 0, readyAfterMs: 1000 },
    });
    await sim.advance(3000);
    expect(sim.pod('app')?.status?.phase).toBe('Running');
    expect(isReady(sim.pod('app'))).toBe(false);
    await sim.advance(4000);
    expect(isReady(sim.pod('app'))).toBe(true);
  });

  it.each([
    ['ready-after', { 'sim.kubectl-sts.dev/ready-after': '20s' }, 10_000, false],
    ['readiness fail', { 'sim.kubectl-sts.dev/readiness': 'fail' }, 60_000, false],
    ['no annotation', {}, 10_000, true],
  ])('annotation %s decides readiness', async (_name, annotations, wait, ready) => {
    sim = await startHarness({ manifests: podManifest({ annotations }) });
    await sim.advance(wait, 500);
    expect(sim.pod('app')?.status?.phase).toBe('Running');
    expect(isReady(sim.pod('app'))).toBe(ready);
  });

  it('reports failing readiness as Unhealthy events and recovers when the annotation goes', async () => {
    sim = await startHarness({
      manifests: podManifest({ annotations: { 'sim.kubectl-sts.dev/readiness': 'fail' }, probe: true }),
    });
    const h = sim;
    await h.advance(30_000, 500);
    const unhealthy = h.events('app').find((e) => e.reason === 'Unhealthy');
    expect(unhealthy?.message).toBe('Readiness probe failed: ');
    expect(unhealthy?.count).toBeGreaterThan(1);
    h.controllers.setReadinessFailing('default', 'app', false);
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
  });

  it('crash loops: Error first, then restartCount grows and the container waits in CrashLoopBackOff', async () => {
    sim = await startHarness({
      manifests: podManifest({ annotations: { 'sim.kubectl-sts.dev/crash': 'true' } }),
    });
    const h = sim;
    await h.until(
      () => h.pod('app')?.status?.containerStatuses?.[0]?.state?.terminated !== undefined,
      30_000,
      'first exit',
    );
    expect(h.pod('app')?.status?.containerStatuses?.[0]).toMatchObject({
      restartCount: 0,
      state: { terminated: { reason: 'Error', exitCode: 1 } },
    });
    await h.until(
      () =>
        h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' &&
        (h.pod('app')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      120_000,
      'crash loop',
    );
    const status = h.pod('app')?.status?.containerStatuses?.[0];
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(status?.state?.waiting?.message).toMatch(
      /^back-off \d+s restarting failed container=main pod=app_default\(/,
    );
    expect(h.pod('app')?.status?.phase).toBe('Running');
    expect(isReady(h.pod('app'))).toBe(false);
    expect(h.events('app').find((e) => e.reason === 'BackOff')?.message).toMatch(
      /^Back-off restarting failed container main in pod app_default\(/,
    );
  });

  it('an init container named in the crash annotation loops and holds the pod in Init', async () => {
    sim = await startHarness({
      manifests: podManifest({ init: 2, annotations: { 'sim.kubectl-sts.dev/crash': 'init-1' } }),
    });
    const h = sim;
    await h.until(
      () => (h.pod('app')?.status?.initContainerStatuses?.[1]?.restartCount ?? 0) >= 2,
      120_000,
      'init crash loop',
    );
    const pod = h.pod('app') as Pod;
    expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.reason).toBe('Completed');
    expect(pod.status?.initContainerStatuses?.[1]?.lastState?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
  });

  it('image pull failures show ErrImagePull, then ImagePullBackOff', async () => {
    sim = await startHarness({
      manifests: podManifest({ annotations: { 'sim.kubectl-sts.dev/image-pull': 'fail' } }),
      timing: { imagePullMs: 500 },
    });
    const h = sim;
    const seen = new Set<string>();
    h.store.subscribe('pods', (e) => {
      const reason = (e.object as Pod).status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) seen.add(reason);
    });
    await h.advance(5000);
    expect([...seen]).toEqual(expect.arrayContaining(['ErrImagePull', 'ImagePullBackOff']));
    expect(h.pod('app')?.status?.phase).toBe('Pending');
    expect(h.events('app').map((e) => e.message)).toEqual(
      expect.arrayContaining(['Error: ErrImagePull', 'Error: ImagePullBackOff']),
    );
  });

  it.each([
    {
      image: 'nginx:1.99-typo',
      error:
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99-typo": failed to resolve reference "docker.io/library/nginx:1.99-typo": docker.io/library/nginx:1.99-typo: not found',
    },
    {
      image: 'ngnix:1.27',
      error:
        'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/ngnix:1.27": failed to resolve reference "docker.io/library/ngnix:1.27": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    },
    {
      image: 'registry.example.com/team/db:7',
      error:
        'rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/team/db:7": failed to resolve reference "registry.example.com/team/db:7": failed to do request: Head "https://registry.example.com/v2/team/db/manifests/7": dial tcp: lookup registry.example.com on 127.0.0.53:53: no such host',
    },
  ])('a registry answers for $image as a real one does', async ({ image, error }) => {
    sim = await startHarness({
      manifests: podManifest().replace('image: postgres:11.6-alpine', `image: ${image}`),
      timing: { imagePullMs: 500 },
    });
    const h = sim;
    await h.until(
      () => h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull',
      10_000,
      'ErrImagePull',
    );
    expect(h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(error);
    expect(h.events('app').map((e) => e.message)).toContain(`Failed to pull image "${image}": ${error}`);
  });

  it('an image in the catalogue pulls; the annotation `image-pull: pass` lets any image through', async () => {
    sim = await startHarness({
      manifests: podManifest({ annotations: { 'sim.kubectl-sts.dev/image-pull': 'pass' } }).replace(
        'image: postgres:11.6-alpine',
        'image: registry.example.com/team/db:7',
      ),
    });
    const h = sim;
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
  });

  it("retries with the kubelet's back-off (10s, 20s, 40s…) and never flickers back to ContainerCreating", async () => {
    sim = await startHarness({
      manifests: podManifest().replace('image: postgres:11.6-alpine', 'image: postgres:16.2-broken'),
      timing: { imagePullMs: 500 },
    });
    const h = sim;
    const sequence: string[] = [];
    h.store.subscribe('pods', (e) => {
      const reason = (e.object as Pod).status?.containerStatuses?.[0]?.state?.waiting?.reason ?? 'none';
      if (sequence[sequence.length - 1] !== reason) sequence.push(reason);
    });
    await h.advance(90_000, 500);
    const first = sequence.indexOf('ErrImagePull');
    expect(first).toBeGreaterThanOrEqual(0);
    const after = sequence.slice(first);
    expect(after).not.toContain('ContainerCreating');
    expect(after.join(' ')).toMatch(
      /^ErrImagePull ImagePullBackOff ErrImagePull ImagePullBackOff ErrImagePull ImagePullBackOff/,
    );
    // Pulls at 0s, ~11s, ~32s and ~73s: back-offs of 10s, 20s and 40s (events aggregate into a count).
    const attempts = h
      .events('app')
      .filter((e) => e.reason === 'Pulling')
      .reduce((sum, e) => sum + (e.count ?? 1), 0);
    expect(attempts).toBe(4);
  });

  it('terminates gracefully: the pod stays Terminating until its containers stop', async () => {
    sim = await startHarness({ manifests: podManifest(), timing: { stopAfterMs: 5000 } });
    const h = sim;
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
    h.store.delete('pods', 'default', 'app');
    await h.advance(3000);
    expect(h.pod('app')?.metadata?.deletionTimestamp).toBeDefined();
    expect(
      h.events('app').some((e) => e.reason === 'Killing' && e.message === 'Stopping container main'),
    ).toBe(true);
    await h.advance(3000);
    expect(h.pod('app')).toBeUndefined();
  });

  it.each([
    ['exits cleanly on SIGTERM', {}, 0, 'Completed'],
    ['is killed when the grace period runs out', { 'sim.kubectl-sts.dev/stop-after': 'grace' }, 137, 'Error'],
  ])(
    'a container that %s shows its exit in the last status before the pod goes',
    async (_name, annotations, exitCode, reason) => {
      sim = await startHarness({
        manifests: podManifest({ annotations, extraSpec: '  terminationGracePeriodSeconds: 3' }),
      });
      const h = sim;
      await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
      let last: Pod | undefined;
      h.store.subscribe('pods', (e) => {
        if (e.type === 'MODIFIED') last = e.object as Pod;
      });
      h.store.delete('pods', 'default', 'app');
      await h.until(() => h.pod('app') === undefined, 30_000, 'pod gone');
      expect(last?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode, reason });
      expect(condition(last, 'Ready')).toBe('False');
    },
  );

  it('a pod held by a finalizer stays Terminating after its containers stop, until the finalizer goes', async () => {
    sim = await startHarness({ manifests: podManifest(), timing: { stopAfterMs: 5000 } });
    const h = sim;
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
    h.store.mutate<Pod>('pods', 'default', 'app', (draft) => {
      draft.metadata!.finalizers = ['example.com/hold'];
    });
    h.store.delete('pods', 'default', 'app');
    await h.advance(60_000, 1000);
    const held = h.pod('app');
    expect(held?.metadata?.deletionTimestamp).toBeDefined();
    // The kubelet's grace-0 delete went through: only the finalizer keeps the object.
    expect(held?.metadata?.deletionGracePeriodSeconds).toBe(0);
    expect(held?.status?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    expect(condition(held, 'Ready')).toBe('False');
    h.store.mutate<Pod>('pods', 'default', 'app', (draft) => {
      draft.metadata!.finalizers = [];
    });
    expect(h.pod('app')).toBeUndefined();
  });

  it('a NotReady node marks its pods not Ready and cannot finish terminating them', async () => {
    sim = await startHarness({ manifests: podManifest() });
    const h = sim;
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
    const node = h.pod('app')?.spec?.nodeName as string;
    h.controllers.setNodeReady(node, false);
    await h.advance(100);
    expect(condition(h.pod('app'), 'Ready')).toBe('False');
    h.store.delete('pods', 'default', 'app');
    await h.advance(120_000, 1000);
    expect(h.pod('app')?.metadata?.deletionTimestamp).toBeDefined();
    h.controllers.setNodeReady(node, true);
    await h.until(() => h.pod('app') === undefined, 30_000, 'pod finalised');
    expect(h.events(node).map((e) => `${e.reason}: ${e.message}`)).toEqual([
      `NodeNotReady: Node ${node} status is now: NodeNotReady`,
      `NodeReady: Node ${node} status is now: NodeReady`,
    ]);
  });

  it('evicts pods from an unreachable node after their toleration runs out; they stay Terminating', async () => {
    sim = await startHarness({ manifests: podManifest() });
    const h = sim;
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
    h.controllers.setNodeReady(h.pod('app')?.spec?.nodeName as string, false);
    await h.advance(299_000, 1000);
    expect(h.pod('app')?.metadata?.deletionTimestamp).toBeUndefined();
    await h.advance(2000);
    expect(h.pod('app')?.metadata?.deletionTimestamp).toBeDefined();
    expect(h.events('app').find((e) => e.reason === 'TaintManagerEviction')?.message).toBe(
      'Marking for deletion Pod default/app',
    );
    await h.advance(60_000, 1000);
    expect(h.pod('app')).toBeDefined();
  });

  it('does not place a pod whose requests exceed what is left on every node', async () => {
    sim = await startHarness({
      manifests: ['a', 'b', 'c']
        .map(
          (name) =>
            `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec: { containers: [{ name: main, image: busybox, resources: { requests: { memory: 10Gi, cpu: 500m } } }] }\n`,
        )
        .join('---\n'),
    });
    const h = sim;
    await h.advance(1000);
    expect(['a', 'b', 'c'].map((name) => h.pod(name)?.spec?.nodeName ?? 'pending').sort()).toEqual([
      'pending',
      'sim-worker',
      'sim-worker2',
    ]);
    const pending = ['a', 'b', 'c'].find((name) => !h.pod(name)?.spec?.nodeName) as string;
    expect(h.pod(pending)?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('fills a node up to its pod capacity, then reports Too many pods', async () => {
    sim = await startHarness({ nodes: 2 });
    const h = sim;
    h.store.mutate('nodes', undefined, 'sim-worker', (draft) => {
      ((draft as { status: { allocatable: Record<string, string> } }).status.allocatable ??= {}).pods = '2';
    });
    h.apply(
      ['a', 'b', 'c']
        .map(
          (name) =>
            `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec: { containers: [{ name: main, image: busybox }] }\n`,
        )
        .join('---\n'),
    );
    await h.advance(1000);
    expect(['a', 'b', 'c'].map((name) => h.pod(name)?.spec?.nodeName ?? 'pending')).toEqual([
      'sim-worker',
      'sim-worker',
      'pending',
    ]);
    expect(h.pod('c')?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toMatch(
      /^0\/2 nodes are available: 1 Too many pods, 1 node\(s\) had untolerated taint/,
    );
  });

  it('cannot mount a missing ConfigMap: FailedMount, ContainerCreating, until it appears', async () => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers: [{ name: main, image: busybox }]
  volumes: [{ name: scripts, configMap: { name: todo-db-scripts } }]
`,
    });
    const h = sim;
    await h.advance(5000);
    expect(h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    const failed = h.events('app').find((e) => e.reason === 'FailedMount');
    expect(failed?.message).toBe(
      'MountVolume.SetUp failed for volume "scripts" : configmap "todo-db-scripts" not found',
    );
    h.apply('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: todo-db-scripts }\ndata: { a: b }\n');
    await h.until(() => isReady(h.pod('app')), 30_000, 'Ready once the ConfigMap exists');
  });

  it.each([
    [
      'envFrom a missing ConfigMap',
      '{ envFrom: [{ configMapRef: { name: todo-db-env } }] }',
      'configmap "todo-db-env" not found',
    ],
    [
      'a missing Secret key',
      '{ env: [{ name: PGPASSWORD, valueFrom: { secretKeyRef: { name: creds, key: POSTGRES_PASSWORD } } }] }',
      "couldn't find key POSTGRES_PASSWORD in Secret default/creds",
    ],
  ])('a container with %s waits in CreateContainerConfigError', async (_name, env, message) => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: Secret
metadata: { name: creds }
stringData: { OTHER: x }
---
apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers: [{ name: main, image: busybox, ${env.slice(1, -1)} }]
`,
    });
    const h = sim;
    await h.advance(5000);
    expect(h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message,
    });
    expect(h.events('app').map((e) => e.message)).toContain(`Error: ${message}`);
    expect(h.pod('app')?.status?.phase).toBe('Pending');
  });

  it.each([
    ['an undeclared variable', '$(POD_NAME)', [], 'missing value for POD_NAME'],
    [
      'a variable with an empty value',
      '$(SHARD)/$(POD_NAME)',
      [
        "{ name: SHARD, value: '' }",
        '{ name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }',
      ],
      'missing value for SHARD',
    ],
    [
      'downward-API and plain values',
      '$(SHARD)/$(POD_NAME)',
      [
        '{ name: SHARD, value: s1 }',
        '{ name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }',
      ],
      undefined,
    ],
  ])('subPathExpr with %s', async (_name, expression, env, message) => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers:
    - name: main
      image: busybox
      env: [${env.join(', ')}]
      volumeMounts: [{ name: scratch, mountPath: /data, subPathExpr: '${expression}' }]
  volumes: [{ name: scratch, emptyDir: {} }]
`,
    });
    const h = sim;
    if (message === undefined) {
      await h.until(() => isReady(h.pod('app')), 30_000, 'Ready');
      return;
    }
    await h.advance(5000);
    expect(h.pod('app')?.status?.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message,
    });
  });

  it('waits for its claims to bind before starting (ContainerCreating)', async () => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec: { storageClassName: missing, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers: [{ name: main, image: busybox }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
`,
    });
    await sim.advance(10_000);
    const pod = sim.pod('app');
    expect(pod?.spec?.nodeName).toBeUndefined();
    expect(pod?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toMatch(
      /pod has unbound immediate PersistentVolumeClaims/,
    );
  });
});
