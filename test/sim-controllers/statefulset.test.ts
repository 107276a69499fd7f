import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../../src/kube/types.ts';
import type { Harness } from './harness.ts';
import { isReady, startHarness, webManifest } from './harness.ts';

let sim: Harness | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const sts = (h: Harness, name = 'web'): StatefulSet =>
  h.get<StatefulSet>('statefulsets', name) as StatefulSet;
const podNames = (h: Harness): string[] =>
  h.store
    .list<Pod>('pods', 'default')
    .map((p) => p.metadata?.name ?? '')
    .sort();

describe('StatefulSet controller: OrderedReady creation', () => {
  it('creates each pod only after its predecessor is Running and Ready, claims before pods', async () => {
    sim = await startHarness({ manifests: webManifest(3) });
    const h = sim;
    const created: string[] = [];
    h.store.subscribe('pods', (e) => {
      if (e.type === 'ADDED') created.push(`${e.object.metadata?.name}@${isReady(h.pod('web-0'))}`);
    });
    expect(podNames(h)).toEqual(['web-0']);
    await h.until(() => isReady(h.pod('web-2')), 60_000, 'web-2 Ready');
    expect(created).toEqual(['web-1@true', 'web-2@true']);
    const messages = h
      .events('web')
      .filter((e) => e.reason === 'SuccessfulCreate')
      .map((e) => e.message);
    expect(messages.slice(0, 4)).toEqual([
      'create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'create Pod web-0 in StatefulSet web successful',
      'create Claim www-web-1 Pod web-1 in StatefulSet web success',
      'create Pod web-1 in StatefulSet web successful',
    ]);
  });

  it('gives pods their identity: labels, hostname, subdomain, claim volume, owner', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const pod = sim.pod('web-0') as Pod;
    const set = sts(sim);
    expect(pod.metadata?.labels).toMatchObject({
      app: 'nginx',
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': set.status?.updateRevision,
    });
    expect(pod.spec?.hostname).toBe('web-0');
    expect(pod.spec?.subdomain).toBe('nginx');
    expect(pod.spec?.volumes?.[0]).toEqual({
      name: 'www',
      persistentVolumeClaim: { claimName: 'www-web-0' },
    });
    expect(pod.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'web',
        uid: set.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const claim = sim.get<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      'www-web-0',
    ) as PersistentVolumeClaim;
    expect(claim.metadata?.labels).toEqual({ app: 'nginx' });
    expect(claim.metadata?.ownerReferences).toBeUndefined();
  });

  it('reports status as the real controller counts it, once all pods are ready', async () => {
    sim = await startHarness({ manifests: webManifest(2) });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'two ready');
    const status = sts(h).status ?? {};
    expect(status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
      collisionCount: 0,
    });
    expect(status.currentRevision).toBe(status.updateRevision);
    expect(status.currentRevision).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const revisions = h.store.list<ControllerRevision>('controllerrevisions', 'default');
    expect(revisions.map((r) => [r.metadata?.name, r.revision])).toEqual([[status.currentRevision, 1]]);
  });

  it('starts at spec.ordinals.start', async () => {
    sim = await startHarness({ manifests: webManifest(2, '  ordinals: { start: 5 }') });
    const h = sim;
    await h.until(() => isReady(h.pod('web-6')), 60_000, 'web-6');
    expect(podNames(h)).toEqual(['web-5', 'web-6']);
    expect(h.get('persistentvolumeclaims', 'www-web-5')).toBeDefined();
  });

  it('creates every pod at once under Parallel', async () => {
    sim = await startHarness({ manifests: webManifest(3, '  podManagementPolicy: Parallel') });
    expect(podNames(sim)).toEqual(['web-0', 'web-1', 'web-2']);
  });
});

describe('StatefulSet controller: scaling', () => {
  it('scales down from the highest ordinal, one at a time, keeping claims by default', async () => {
    sim = await startHarness({ manifests: webManifest(3) });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 3, 60_000, 'three ready');
    const deletions: string[] = [];
    h.store.subscribe('pods', (e) => {
      if (
        e.type === 'MODIFIED' &&
        e.object.metadata?.deletionTimestamp &&
        !e.previous?.metadata?.deletionTimestamp
      ) {
        deletions.push(`${e.object.metadata.name}:${podNames(h).length}`);
      }
    });
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.replicas = 1;
    });
    await h.until(() => podNames(h).length === 1, 60_000, 'one pod left');
    // web-1 is marked for deletion only once web-2 has gone.
    expect(deletions).toEqual(['web-2:3', 'web-1:2']);
    expect(h.get('persistentvolumeclaims', 'www-web-2')).toBeDefined();
  });

  it('whenScaled: Delete gives condemned claims their pod as owner, so they go with it', async () => {
    sim = await startHarness({
      manifests: webManifest(
        2,
        '  persistentVolumeClaimRetentionPolicy: { whenDeleted: Retain, whenScaled: Delete }',
      ),
    });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'two ready');
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.replicas = 1;
    });
    await h.until(() => !h.get('persistentvolumeclaims', 'www-web-1'), 60_000, 'claim of web-1 deleted');
    expect(h.get('persistentvolumeclaims', 'www-web-0')).toBeDefined();
  });

  it('whenDeleted: Delete makes the set own its claims', async () => {
    sim = await startHarness({
      manifests: webManifest(
        1,
        '  persistentVolumeClaimRetentionPolicy: { whenDeleted: Delete, whenScaled: Retain }',
      ),
    });
    const claim = sim.get<PersistentVolumeClaim>('persistentvolumeclaims', 'www-web-0');
    expect(claim?.metadata?.ownerReferences?.map((r) => r.kind)).toEqual(['StatefulSet']);
  });
});

describe('StatefulSet controller: pod replacement and updates', () => {
  it('re-creates a deleted pod with the same name and claim and a new uid', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'web-0 Ready');
    const before = h.pod('web-0')?.metadata?.uid;
    h.store.delete('pods', 'default', 'web-0');
    expect(h.pod('web-0')?.metadata?.deletionTimestamp).toBeDefined();
    await h.until(
      () => h.pod('web-0') !== undefined && h.pod('web-0')?.metadata?.uid !== before,
      60_000,
      'new web-0',
    );
    const after = h.pod('web-0') as Pod;
    expect(after.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe('www-web-0');
  });

  it('a Terminating pod blocks OrderedReady progress', async () => {
    sim = await startHarness({ manifests: webManifest(2), timing: { stopAfterMs: 20_000 } });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'two ready');
    h.store.delete('pods', 'default', 'web-0');
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.replicas = 3;
    });
    await h.advance(10_000);
    expect(h.pod('web-0')?.metadata?.deletionTimestamp).toBeDefined();
    expect(h.pod('web-2')).toBeUndefined();
    await h.until(() => isReady(h.pod('web-2')), 60_000, 'web-2 once web-0 is back');
  });

  it('rolls out a template change from the highest ordinal, honouring the partition', async () => {
    sim = await startHarness({
      manifests: webManifest(3, '  updateStrategy: { type: RollingUpdate, rollingUpdate: { partition: 1 } }'),
    });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 3, 60_000, 'three ready');
    const first = sts(h).status?.currentRevision;
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'registry.k8s.io/nginx-slim:0.9';
    });
    await h.until(
      () => sts(h).status?.updatedReplicas === 2 && sts(h).status?.readyReplicas === 3,
      60_000,
      'two updated',
    );
    await h.advance(5000);
    const status = sts(h).status ?? {};
    expect(status.updateRevision).not.toBe(first);
    expect(status.currentRevision).toBe(first);
    expect(h.pod('web-0')?.metadata?.labels?.['controller-revision-hash']).toBe(first);
    expect(h.pod('web-2')?.metadata?.labels?.['controller-revision-hash']).toBe(status.updateRevision);
    expect(h.store.list<ControllerRevision>('controllerrevisions', 'default').map((r) => r.revision)).toEqual(
      expect.arrayContaining([1, 2]),
    );
  });

  it('with maxUnavailable, takes down that many pods at once for an update', async () => {
    sim = await startHarness({
      manifests: webManifest(
        4,
        '  updateStrategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 2 } }',
      ),
    });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 4, 60_000, 'four ready');
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'registry.k8s.io/nginx-slim:0.9';
    });
    await h.advance(100);
    const terminating = podNames(h).filter((name) => h.pod(name)?.metadata?.deletionTimestamp);
    expect(terminating).toEqual(['web-2', 'web-3']);
    await h.until(
      () =>
        sts(h).status?.currentRevision === sts(h).status?.updateRevision &&
        sts(h).status?.readyReplicas === 4,
      60_000,
      'rolled out',
    );
  });

  it('rolling back to an earlier template reuses its revision with a new number', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'ready');
    const first = sts(h).status?.currentRevision;
    const setImage = (image: string): void => {
      h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
        d.spec!.template!.spec!.containers[0]!.image = image;
      });
    };
    setImage('registry.k8s.io/nginx-slim:0.9');
    await h.until(
      () => sts(h).status?.currentRevision !== first && isReady(h.pod('web-0')),
      60_000,
      'updated',
    );
    setImage('registry.k8s.io/nginx-slim:0.8');
    await h.until(
      () => sts(h).status?.currentRevision === first && isReady(h.pod('web-0')),
      60_000,
      'rolled back',
    );
    const revisions = h.store
      .list<ControllerRevision>('controllerrevisions', 'default')
      .map((r) => [r.metadata?.name, r.revision]);
    expect(revisions).toEqual(expect.arrayContaining([[first, 3]]));
    expect(revisions).toHaveLength(2);
  });

  it('leaves pods alone under OnDelete until they are deleted', async () => {
    sim = await startHarness({ manifests: webManifest(1, '  updateStrategy: { type: OnDelete }') });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'ready');
    const first = h.pod('web-0')?.metadata?.labels?.['controller-revision-hash'];
    h.store.mutate<StatefulSet>('statefulsets', 'default', 'web', (d) => {
      d.spec!.template!.spec!.containers[0]!.image = 'registry.k8s.io/nginx-slim:0.9';
    });
    await h.advance(10_000);
    expect(h.pod('web-0')?.metadata?.labels?.['controller-revision-hash']).toBe(first);
    h.store.delete('pods', 'default', 'web-0');
    await h.until(
      () =>
        isReady(h.pod('web-0')) && h.pod('web-0')?.metadata?.labels?.['controller-revision-hash'] !== first,
      60_000,
      'updated',
    );
    // As in a real cluster, OnDelete never completes a rollout: currentRevision stays behind.
    expect(sts(h).status).toMatchObject({ currentRevision: first, updatedReplicas: 1 });
    expect(sts(h).status?.currentReplicas ?? 0).toBe(0);
  });

  it('deletes a Failed pod and creates it again', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'ready');
    const uid = h.pod('web-0')?.metadata?.uid;
    const pod = h.pod('web-0') as Pod;
    h.store.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Failed' } });
    await h.until(
      () => h.pod('web-0')?.metadata?.uid !== uid && isReady(h.pod('web-0')),
      60_000,
      'replacement',
    );
  });

  it('re-creates a pod the kubelet evicted (sim.kubectl-sts.dev/fail: Evicted)', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'ready');
    const uid = h.pod('web-0')?.metadata?.uid;
    const failed: string[] = [];
    h.store.subscribe('pods', (e) => {
      const pod = e.object as Pod;
      if (pod.status?.phase === 'Failed') failed.push(`${pod.status.reason}: ${pod.status.message}`);
    });
    h.store.mutate<Pod>('pods', 'default', 'web-0', (d) => {
      d.metadata!.annotations = { 'sim.kubectl-sts.dev/fail': 'Evicted' };
    });
    await h.until(
      () => h.pod('web-0')?.metadata?.uid !== uid && isReady(h.pod('web-0')),
      60_000,
      'replacement',
    );
    expect(failed[0]).toMatch(/^Evicted: The node was low on resource: memory\./);
    expect(h.events('web').map((e) => e.message)).toContain('delete Pod web-0 in StatefulSet web successful');
  });

  it('counts availableReplicas only after minReadySeconds', async () => {
    sim = await startHarness({ manifests: webManifest(1, '  minReadySeconds: 10') });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 1, 60_000, 'ready');
    expect(sts(h).status?.availableReplicas).toBe(0);
    await h.advance(11_000);
    expect(sts(h).status?.availableReplicas).toBe(1);
  });

  it('a set created again over orphaned pods adopts them instead of creating new ones', async () => {
    sim = await startHarness({ manifests: webManifest(2) });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'ready');
    const uids = [h.pod('web-0')?.metadata?.uid, h.pod('web-1')?.metadata?.uid];
    h.store.delete('statefulsets', 'default', 'web', { propagationPolicy: 'Orphan' });
    await h.advance(1000);
    expect(h.pod('web-0')?.metadata?.ownerReferences).toBeUndefined();
    h.apply(webManifest(2));
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'ready again');
    expect([h.pod('web-0')?.metadata?.uid, h.pod('web-1')?.metadata?.uid]).toEqual(uids);
    expect(h.pod('web-0')?.metadata?.ownerReferences?.[0]?.uid).toBe(sts(h).metadata?.uid);
    // The orphaned revision is adopted too, so nothing needs rolling.
    await h.advance(10_000);
    expect([h.pod('web-0')?.metadata?.uid, h.pod('web-1')?.metadata?.uid]).toEqual(uids);
    expect(sts(h).status).toMatchObject({ collisionCount: 0, updatedReplicas: 2 });
    expect(h.store.list('controllerrevisions', 'default')).toHaveLength(1);
  });

  it('deleting the set garbage-collects its pods but keeps Retain claims', async () => {
    sim = await startHarness({ manifests: webManifest(2) });
    const h = sim;
    await h.until(() => sts(h).status?.readyReplicas === 2, 60_000, 'ready');
    h.store.delete('statefulsets', 'default', 'web');
    await h.until(() => podNames(h).length === 0, 60_000, 'pods gone');
    expect(h.get('persistentvolumeclaims', 'www-web-0')).toBeDefined();
    expect(h.store.list('controllerrevisions', 'default')).toEqual([]);
  });
});
