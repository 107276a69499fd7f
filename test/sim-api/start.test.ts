// startSimCluster: what a fresh cluster holds, manifests applied at start, and the kubeconfig.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import type { Json } from '../sim/server/json.ts';

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
`;

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSimCluster({
    controllers: false,
    clusterDomain: 'corp.example',
    nodes: 4,
    manifests: MANIFESTS,
  });
});
afterAll(async () => {
  await sim.stop();
});

describe('a fresh simulated cluster', () => {
  it('has the namespaces of a kind cluster', () => {
    expect(sim.store.list<Json>('namespaces').map((ns) => ns.metadata.name)).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
      'local-path-storage',
    ]);
  });

  it('has Ready nodes with kind-like names spread over zones', () => {
    const nodes = sim.store.list<Json>('nodes');
    expect(
      nodes.map((n) => `${n.metadata.name}:${n.metadata.labels['topology.kubernetes.io/zone']}`),
    ).toEqual(['sim-control-plane:zone-a', 'sim-worker:zone-b', 'sim-worker2:zone-c', 'sim-worker3:zone-a']);
    for (const node of nodes) {
      expect(node.status.conditions.find((c: Json) => c.type === 'Ready').status).toBe('True');
    }
  });

  it('has the default StorageClass of kind', () => {
    expect(sim.store.get<Json>('storageclasses', undefined, 'standard')).toMatchObject({
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
  });

  it("names the cluster domain in CoreDNS's Corefile", () => {
    const corefile: string = sim.store.get<Json>('configmaps', 'kube-system', 'coredns')!.data.Corefile;
    expect(corefile).toContain('kubernetes corp.example in-addr.arpa ip6.arpa');
  });

  it('publishes the cluster CA and a default ServiceAccount in every namespace, new ones too', () => {
    sim.store.create('namespaces', { metadata: { name: 'fresh' } });
    for (const namespace of ['default', 'kube-system', 'fresh']) {
      expect(sim.store.get<Json>('configmaps', namespace, 'kube-root-ca.crt')!.data['ca.crt']).toContain(
        'BEGIN CERTIFICATE',
      );
      expect(sim.store.get('serviceaccounts', namespace, 'default')).toBeDefined();
    }
  });

  it('gives pods the projected service-account token volume, as admission does', () => {
    const pod = sim.store.create<Json>('pods', {
      metadata: { name: 'token', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    });
    const volume = pod.spec.volumes[0];
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(volume.projected.sources.map((s: Json) => Object.keys(s)[0])).toEqual([
      'serviceAccountToken',
      'configMap',
      'downwardAPI',
    ]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([
      { name: volume.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ]);
    const optedOut = sim.store.create<Json>('pods', {
      metadata: { name: 'no-token', namespace: 'default' },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'busybox' }] },
    });
    expect(optedOut.spec.volumes).toBeUndefined();
  });

  it('has the kubernetes Service', () => {
    expect(sim.store.get<Json>('services', 'default', 'kubernetes')!.spec.clusterIP).toBe('10.96.0.1');
  });

  it('applied the manifests with server-side defaults', () => {
    expect(sim.store.get<Json>('statefulsets', 'default', 'db')!.spec.podManagementPolicy).toBe(
      'OrderedReady',
    );
    expect(sim.store.get<Json>('services', 'default', 'db')!.spec.clusterIP).toBe('None');
  });

  it('replaces objects applied again', () => {
    const [updated] = sim.applyManifests(MANIFESTS.split('---')[1]!.replace('postgres:16', 'postgres:17'));
    expect(updated!.spec.template.spec.containers[0].image).toBe('postgres:17');
    expect(updated!.metadata.generation).toBe(2);
  });

  it('refuses a retired API version as kubectl would report it', () => {
    expect(() =>
      sim.applyManifests('apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: old}\nspec: {}\n'),
    ).toThrow('no matches for kind "StatefulSet" in version "apps/v1beta1"');
  });

  it('writes a kubeconfig pointing at its URL with the default namespace', () => {
    const config = parse(readFileSync(sim.kubeconfigPath, 'utf8')) as Json;
    expect(config['current-context']).toBe('sim');
    expect(config.clusters[0].cluster.server).toBe(sim.url);
    expect(config.contexts[0].context.namespace).toBe('default');
  });
});

it('fails to start, and cleans up, when the manifests are invalid', async () => {
  await expect(
    startSimCluster({
      controllers: false,
      manifests: MANIFESTS.replace('matchLabels: {app: db}', 'matchLabels: {app: other}'),
    }),
  ).rejects.toMatchObject({ code: 422, reason: 'Invalid' });
});
