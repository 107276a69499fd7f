import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, KubeObject, PersistentVolume, Pod, StatefulSet } from '../../src/kube/types.ts';
import { applyManifestsToStore } from '../sim/index.ts';
import type { Harness } from './harness.ts';
import { isReady, startHarness, webManifest } from './harness.ts';

let sim: Harness | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const applyIn = (h: Harness, namespace: string, yaml: string): void => {
  applyManifestsToStore(h.store, yaml, namespace);
};

const slicesOf = (h: Harness, service: string): EndpointSlice[] =>
  h.store
    .list<EndpointSlice>('endpointslices', 'default')
    .filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === service);

describe('EndpointSlice controller', () => {
  it('publishes one slice for a headless Service with hostnames, conditions, ports, targetRef and zone', async () => {
    sim = await startHarness({ manifests: webManifest(2) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-1')), 60_000, 'web-1 Ready');
    await h.advance(100);
    const slices = slicesOf(h, 'nginx');
    expect(slices).toHaveLength(1);
    const slice = slices[0] as EndpointSlice;
    expect(slice.metadata?.name).toMatch(/^nginx-[a-z0-9]{5}$/);
    expect(slice.metadata?.labels).toMatchObject({
      'kubernetes.io/service-name': 'nginx',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
    expect(slice.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Service',
      name: 'nginx',
      controller: true,
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'web', port: 80, protocol: 'TCP' }]);
    const web0 = h.pod('web-0') as Pod;
    expect(slice.endpoints?.[0]).toEqual({
      addresses: [web0.status?.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'web-0',
      nodeName: web0.spec?.nodeName,
      zone: expect.stringMatching(/^zone-/),
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: web0.metadata?.uid },
    });
  });

  it('omits the hostname when the pod subdomain names another Service', async () => {
    sim = await startHarness({
      manifests: `${webManifest(1)}
---
apiVersion: v1
kind: Service
metadata: { name: other }
spec: { selector: { app: nginx }, ports: [{ port: 8080, targetPort: web }] }
`,
    });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'Ready');
    await h.advance(100);
    const endpoint = slicesOf(h, 'other')[0]?.endpoints?.[0];
    expect(endpoint?.hostname).toBeUndefined();
    expect(slicesOf(h, 'other')[0]?.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
  });

  it.each([
    [false, { ready: false, serving: false, terminating: false }],
    [true, { ready: true, serving: false, terminating: false }],
  ])(
    'a running pod that is not Ready (publishNotReadyAddresses %s) has conditions %j',
    async (publish, conditions) => {
      sim = await startHarness({
        manifests: `
apiVersion: v1
kind: Service
metadata: { name: db }
spec: { clusterIP: None, publishNotReadyAddresses: ${publish}, selector: { app: db }, ports: [{ port: 5432 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: db-0, labels: { app: db }, annotations: { sim.kubectl-sts.dev/readiness: fail } }
spec: { hostname: db-0, subdomain: db, containers: [{ name: db, image: postgres }] }
`,
      });
      const h = sim;
      await h.until(() => h.pod('db-0')?.status?.phase === 'Running', 30_000, 'Running');
      await h.advance(100);
      expect(slicesOf(h, 'db')[0]?.endpoints?.[0]?.conditions).toEqual(conditions);
      expect(slicesOf(h, 'db')[0]?.endpoints?.[0]?.hostname).toBe('db-0');
    },
  );

  it('a terminating pod stays as a serving, terminating, not ready endpoint until it is gone', async () => {
    sim = await startHarness({ manifests: webManifest(1), timing: { stopAfterMs: 5000 } });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'Ready');
    const old = h.pod('web-0')?.metadata?.uid;
    h.store.delete('pods', 'default', 'web-0');
    await h.advance(1000);
    expect(slicesOf(h, 'nginx')[0]?.endpoints?.[0]?.conditions).toEqual({
      ready: false,
      serving: true,
      terminating: true,
    });
    await h.advance(5000);
    const uids = (slicesOf(h, 'nginx')[0]?.endpoints ?? []).map((e) => e.targetRef?.uid);
    expect(uids).not.toContain(old);
  });

  it('spreads a large Service over slices of at most 100 endpoints', async () => {
    sim = await startHarness({ manifests: webManifest(250, '  podManagementPolicy: Parallel'), nodes: 4 });
    const h = sim;
    await h.until(
      () => h.store.list<Pod>('pods', 'default').filter((p) => p.status?.podIP).length === 250,
      60_000,
      'pods with IPs',
    );
    await h.advance(100);
    const sizes = slicesOf(h, 'nginx')
      .map((s) => s.endpoints?.length ?? 0)
      .sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
    const hostnames = new Set(
      slicesOf(h, 'nginx').flatMap((s) => (s.endpoints ?? []).map((e) => e.hostname)),
    );
    expect(hostnames.size).toBe(250);
  });

  it('keeps the legacy Endpoints object in step', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'Ready');
    await h.advance(100);
    const endpoints = h.get<KubeObject & { subsets?: { addresses?: { hostname?: string }[] }[] }>(
      'endpoints',
      'nginx',
    );
    expect(endpoints?.subsets?.[0]?.addresses?.[0]?.hostname).toBe('web-0');
  });
});

describe('garbage collector', () => {
  it('deletes an owner’s dependents in the background; orphaned ones stay', async () => {
    sim = await startHarness({ manifests: webManifest(1) });
    const h = sim;
    await h.until(() => isReady(h.pod('web-0')), 60_000, 'Ready');
    h.store.delete('services', 'default', 'nginx');
    await h.advance(100);
    expect(slicesOf(h, 'nginx')).toEqual([]);
    h.store.delete('statefulsets', 'default', 'web', { propagationPolicy: 'Orphan' });
    await h.advance(5000);
    expect(h.pod('web-0')?.metadata?.deletionTimestamp).toBeUndefined();
    expect(h.pod('web-0')?.metadata?.ownerReferences).toBeUndefined();
  });

  it('lets a namespace with a running StatefulSet finish deleting', async () => {
    sim = await startHarness();
    const h = sim;
    h.apply('apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n');
    applyIn(h, 'shop', webManifest(2));
    await h.until(
      () => h.store.get<StatefulSet>('statefulsets', 'shop', 'web')?.status?.readyReplicas === 2,
      60_000,
      'ready',
    );
    h.store.delete('namespaces', undefined, 'shop');
    await h.until(() => h.store.get('namespaces', undefined, 'shop') === undefined, 60_000, 'namespace gone');
    expect(
      h.store
        .list('persistentvolumes')
        .filter((v) => (v as PersistentVolume).spec?.claimRef?.namespace === 'shop'),
    ).toEqual([]);
  });

  it('deletes a dependent created after its owner is gone', async () => {
    sim = await startHarness();
    const h = sim;
    h.apply(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: orphan
  ownerReferences: [{ apiVersion: apps/v1, kind: StatefulSet, name: gone, uid: 0000-gone }]
`);
    await h.advance(100);
    expect(h.get('configmaps', 'orphan')).toBeUndefined();
  });
});
