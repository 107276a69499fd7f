// The controllers as startSimCluster installs them: reachable through controllersFor(store), so
// tests that only hold a SimCluster can still steer nodes and pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod, StatefulSet } from '../../src/kube/types.ts';
import { controllersFor } from '../sim/controllers/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { startSimCluster } from '../sim/index.ts';
import { webManifest } from './harness.ts';

let cluster: SimCluster;

beforeAll(async () => {
  cluster = await startSimCluster({ speed: 50, manifests: webManifest(2) });
});
afterAll(async () => {
  await cluster.stop();
});

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ready = (pod: Pod | undefined): boolean =>
  pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('controllers installed by startSimCluster', () => {
  it('bring a StatefulSet up and are reachable through controllersFor(store)', async () => {
    await until(
      () =>
        (cluster.store.get<StatefulSet>('statefulsets', 'default', 'web')?.status?.readyReplicas ?? 0) === 2,
      'web ready',
    );
    const controllers = controllersFor(cluster.store);
    expect(controllers).toBeDefined();
    const node = cluster.store.get<Pod>('pods', 'default', 'web-1')?.spec?.nodeName as string;
    controllers?.setNodeReady(node, false);
    await until(() => !ready(cluster.store.get<Pod>('pods', 'default', 'web-1')), 'web-1 not Ready');
    const status = cluster.store
      .get<Node>('nodes', undefined, node)
      ?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(status).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    controllers?.setNodeReady(node, true);
    await until(() => ready(cluster.store.get<Pod>('pods', 'default', 'web-1')), 'web-1 Ready again');
  });

  it('are forgotten once the cluster stops', async () => {
    const other = await startSimCluster({ speed: 50 });
    expect(controllersFor(other.store)).toBeDefined();
    await other.stop();
    expect(controllersFor(other.store)).toBeUndefined();
  });
});
