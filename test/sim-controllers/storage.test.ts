import { afterEach, describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim } from '../../src/kube/types.ts';
import type { Harness } from './harness.ts';
import { startHarness } from './harness.ts';

let sim: Harness | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const claim = (name: string, storageClassName?: string | null): string => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name} }
spec:
${storageClassName === undefined ? '' : `  storageClassName: ${storageClassName === null ? 'null' : JSON.stringify(storageClassName)}`}
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 2Gi } }
`;

const podUsing = (claimName: string): string => `
---
apiVersion: v1
kind: Pod
metadata: { name: user }
spec:
  containers: [{ name: main, image: busybox }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: ${claimName} } }]
`;

const storageClass = (name: string, provisioner: string, mode = 'Immediate', reclaim = 'Delete'): string => `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: ${name} }
provisioner: ${provisioner}
volumeBindingMode: ${mode}
reclaimPolicy: ${reclaim}
---
`;

const getClaim = (h: Harness, name: string): PersistentVolumeClaim | undefined =>
  h.get<PersistentVolumeClaim>('persistentvolumeclaims', name);
const eventMessages = (h: Harness, name: string): string[] =>
  h.events(name).map((e) => `${e.reason}: ${e.message}`);

describe('PersistentVolume controller', () => {
  it('WaitForFirstConsumer: waits for a pod, then provisions on its node and binds with the real fields', async () => {
    sim = await startHarness({ manifests: claim('data'), timing: { provisionMs: 1000 } });
    const h = sim;
    await h.advance(2000);
    expect(getClaim(h, 'data')?.status?.phase).toBe('Pending');
    expect(eventMessages(h, 'data')).toEqual([
      'WaitForFirstConsumer: waiting for first consumer to be created before binding',
    ]);

    h.apply(podUsing('data'));
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 30_000, 'Bound');
    const bound = getClaim(h, 'data') as PersistentVolumeClaim;
    const node = h.pod('user')?.spec?.nodeName;
    expect(node).toMatch(/^sim-worker/);
    expect(bound.metadata?.annotations).toMatchObject({
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
      'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
      'volume.kubernetes.io/selected-node': node,
    });
    expect(bound.metadata?.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(bound.spec?.volumeName).toBe(`pvc-${bound.metadata?.uid}`);
    expect(bound.status).toEqual({
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '2Gi' },
    });

    const volume = h.store.get<PersistentVolume>(
      'persistentvolumes',
      undefined,
      bound.spec?.volumeName ?? '',
    ) as PersistentVolume;
    expect(volume.spec?.claimRef).toMatchObject({
      kind: 'PersistentVolumeClaim',
      namespace: 'default',
      name: 'data',
      uid: bound.metadata?.uid,
    });
    expect(volume.spec?.nodeAffinity).toEqual({
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
        ],
      },
    });
    expect(volume.metadata?.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(volume.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe('rancher.io/local-path');
    expect(volume.status?.phase).toBe('Bound');
    expect(volume.spec?.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(eventMessages(h, 'data')).toEqual(
      expect.arrayContaining([
        'ExternalProvisioning: waiting for a volume to be created, either by external provisioner "rancher.io/local-path" or manually created by system administrator',
        'Provisioning: External provisioner is provisioning volume for claim "default/data"',
        `ProvisioningSucceeded: Successfully provisioned volume ${volume.metadata?.name}`,
      ]),
    );
    await h.until(
      () => h.pod('user')?.status?.phase === 'Running',
      30_000,
      'the pod running once its volume is bound',
    );
  });

  it('an unknown provisioner leaves the claim Pending, repeating ExternalProvisioning', async () => {
    sim = await startHarness({
      manifests: storageClass('fancy', 'example.com/nobody-runs-this') + claim('data', 'fancy'),
    });
    await sim.advance(40_000, 1000);
    expect(getClaim(sim, 'data')?.status?.phase).toBe('Pending');
    const events = sim.events('data').filter((e) => e.reason === 'ExternalProvisioning');
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toBe(
      'waiting for a volume to be created, either by external provisioner "example.com/nobody-runs-this" or manually created by system administrator',
    );
    expect(events[0]?.count).toBeGreaterThanOrEqual(3);
  });

  it('no class and no default: Pending with FailedBinding', async () => {
    sim = await startHarness({ manifests: claim('data', '') });
    await sim.advance(1000);
    expect(getClaim(sim, 'data')?.status?.phase).toBe('Pending');
    expect(eventMessages(sim, 'data')).toEqual([
      'FailedBinding: no persistent volumes available for this claim and no storage class is set',
    ]);
  });

  it('binds a matching pre-created volume (static provisioning) and marks it bound-by-controller', async () => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: PersistentVolume
metadata: { name: small }
spec: { capacity: { storage: 1Gi }, accessModes: [ReadWriteOnce], hostPath: { path: /tmp/small } }
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: big }
spec: { capacity: { storage: 5Gi }, accessModes: [ReadWriteOnce], hostPath: { path: /tmp/big } }
---
${claim('data', '')}`,
    });
    const h = sim;
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 10_000, 'Bound');
    expect(getClaim(h, 'data')?.spec?.volumeName).toBe('big');
    const big = h.store.get<PersistentVolume>('persistentvolumes', undefined, 'big');
    expect(big?.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    expect(h.store.get<PersistentVolume>('persistentvolumes', undefined, 'small')?.status?.phase).toBe(
      'Available',
    );
  });

  it('kubernetes.io/no-provisioner: the pod goes to the node that has a local volume for it', async () => {
    sim = await startHarness({
      manifests: `${storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer')}
apiVersion: v1
kind: PersistentVolume
metadata: { name: local-on-worker2 }
spec:
  capacity: { storage: 5Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: local
  local: { path: /mnt/disks/1 }
  nodeAffinity:
    required:
      nodeSelectorTerms: [{ matchExpressions: [{ key: kubernetes.io/hostname, operator: In, values: [sim-worker2] }] }]
---
${claim('data', 'local')}${podUsing('data')}`,
    });
    const h = sim;
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 10_000, 'Bound');
    expect(getClaim(h, 'data')?.spec?.volumeName).toBe('local-on-worker2');
    await h.until(() => h.pod('user')?.spec?.nodeName !== undefined, 10_000, 'scheduled');
    expect(h.pod('user')?.spec?.nodeName).toBe('sim-worker2');
  });

  it('kubernetes.io/no-provisioner without a matching volume: the pod cannot be scheduled', async () => {
    sim = await startHarness({
      manifests:
        storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer') +
        claim('data', 'local') +
        podUsing('data'),
    });
    await sim.advance(5000);
    expect(getClaim(sim, 'data')?.status?.phase).toBe('Pending');
    expect(sim.pod('user')?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    expect(eventMessages(sim, 'data')).toEqual([
      'WaitForFirstConsumer: waiting for first consumer to be created before binding',
    ]);
  });

  it('binds a claim that names its volume, without marking the claim bound-by-controller', async () => {
    sim = await startHarness({
      manifests: `
apiVersion: v1
kind: PersistentVolume
metadata: { name: chosen }
spec: { capacity: { storage: 5Gi }, accessModes: [ReadWriteOnce], hostPath: { path: /tmp/chosen } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec: { storageClassName: '', volumeName: chosen, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
`,
    });
    const h = sim;
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 10_000, 'Bound');
    const claimAnnotations = getClaim(h, 'data')?.metadata?.annotations ?? {};
    expect(claimAnnotations['pv.kubernetes.io/bind-completed']).toBe('yes');
    expect(claimAnnotations['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    const volume = h.store.get<PersistentVolume>('persistentvolumes', undefined, 'chosen');
    expect(volume?.spec?.claimRef?.uid).toBe(getClaim(h, 'data')?.metadata?.uid);
    expect(volume?.status?.phase).toBe('Bound');
  });

  it.each([
    ['Delete', undefined],
    ['Retain', 'Released'],
  ])(
    'reclaim policy %s decides what happens to the volume when its claim goes',
    async (policy, phaseAfter) => {
      sim = await startHarness({
        manifests: storageClass('fast', 'hostpath.csi.k8s.io', 'Immediate', policy) + claim('data', 'fast'),
      });
      const h = sim;
      await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 10_000, 'Bound');
      const volumeName = getClaim(h, 'data')?.spec?.volumeName ?? '';
      expect(
        h.store.get<PersistentVolume>('persistentvolumes', undefined, volumeName)?.spec?.csi?.driver,
      ).toBe('hostpath.csi.k8s.io');
      h.store.delete('persistentvolumeclaims', 'default', 'data');
      await h.advance(2000);
      expect(getClaim(h, 'data')).toBeUndefined();
      expect(h.store.get<PersistentVolume>('persistentvolumes', undefined, volumeName)?.status?.phase).toBe(
        phaseAfter,
      );
    },
  );

  it('pvc-protection keeps a claim in use until its pod is gone', async () => {
    sim = await startHarness({ manifests: claim('data') + podUsing('data') });
    const h = sim;
    await h.until(() => h.pod('user')?.status?.phase === 'Running', 30_000, 'Running');
    h.store.delete('persistentvolumeclaims', 'default', 'data');
    await h.advance(2000);
    expect(getClaim(h, 'data')?.metadata?.deletionTimestamp).toBeDefined();
    h.store.delete('pods', 'default', 'user');
    await h.until(() => getClaim(h, 'data') === undefined, 30_000, 'claim gone');
  });

  it('a Terminating claim whose finalizers an admin removes goes at once, pod or not (no re-added protection)', async () => {
    sim = await startHarness({ manifests: claim('data') + podUsing('data') });
    const h = sim;
    await h.until(() => h.pod('user')?.status?.phase === 'Running', 30_000, 'Running');
    h.store.delete('persistentvolumeclaims', 'default', 'data');
    await h.advance(2000);
    const terminating = getClaim(h, 'data')!;
    expect(terminating.metadata?.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    // kubectl patch pvc data -p '{"metadata":{"finalizers":null}}'
    h.store.update('persistentvolumeclaims', {
      ...terminating,
      metadata: { ...terminating.metadata, finalizers: [] },
    });
    expect(getClaim(h, 'data')).toBeUndefined();
  });
});

describe('volume expansion (external-resizer and kubelet)', () => {
  const expandable = (online: boolean) => `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: grow }
provisioner: csi.sim.kubectl-sts.dev
volumeBindingMode: Immediate
allowVolumeExpansion: true
parameters: { sim.kubectl-sts.dev/online-expansion: "${online}" }
---
`;
  const grow = (h: Harness) =>
    h.store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data', (draft) => {
      draft.spec!.resources = { requests: { storage: '5Gi' } };
    });
  const conditionTypes = (h: Harness) => (getClaim(h, 'data')?.status?.conditions ?? []).map((c) => c.type);

  it('without online expansion the filesystem waits for the pod to restart (FileSystemResizePending)', async () => {
    sim = await startHarness({ manifests: expandable(false) + claim('data', 'grow') + podUsing('data') });
    const h = sim;
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 30_000, 'Bound');
    await h.advance(5_000);
    grow(h);
    await h.advance(1_000);
    expect(conditionTypes(h)).toEqual(['Resizing']);
    await h.advance(10_000);
    const pending = getClaim(h, 'data')!;
    expect(conditionTypes(h)).toEqual(['FileSystemResizePending']);
    expect(pending.status?.conditions?.[0]?.message).toBe(
      'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
    );
    expect(pending.status?.capacity?.storage).toBe('2Gi');
    expect(
      h.get<PersistentVolume>('persistentvolumes', pending.spec!.volumeName!)?.spec?.capacity?.storage,
    ).toBe('5Gi');
    await h.advance(60_000);
    expect(conditionTypes(h)).toEqual(['FileSystemResizePending']);
    // A new pod mounts the claim: the kubelet grows the filesystem.
    h.store.delete('pods', 'default', 'user', { gracePeriodSeconds: 0 });
    await h.advance(1_000);
    h.apply(podUsing('data'));
    await h.advance(10_000);
    expect(getClaim(h, 'data')?.status?.capacity?.storage).toBe('5Gi');
    expect(conditionTypes(h)).toEqual([]);
    expect(eventMessages(h, 'data')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Resizing: External resizer is resizing volume /),
        'FileSystemResizeRequired: Require file system resize of volume on node',
        expect.stringMatching(/^FileSystemResizeSuccessful: MountVolume.NodeExpandVolume succeeded/),
      ]),
    );
  });

  it('with online expansion the kubelet finishes while the pod runs', async () => {
    sim = await startHarness({ manifests: expandable(true) + claim('data', 'grow') + podUsing('data') });
    const h = sim;
    await h.until(() => getClaim(h, 'data')?.status?.phase === 'Bound', 30_000, 'Bound');
    grow(h);
    await h.until(() => getClaim(h, 'data')?.status?.capacity?.storage === '5Gi', 30_000, 'expanded');
    expect(conditionTypes(h)).toEqual([]);
  });
});
