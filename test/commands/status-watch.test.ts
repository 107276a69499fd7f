// The watch behind `status --watch`: initial list, live updates from events, re-list on 410
// Gone, re-watch when the server ends a stream, clean stop.
import { describe, expect, it } from 'vitest';
import { collectStatusSnapshot } from '../../src/collect/snapshot.ts';
import { watchStatus } from '../../src/collect/watch.ts';
import type { StatefulSetSnapshot } from '../../src/report/snapshot.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { T0, makeClaim, makePod, makeSet, makeVolume } from '../report/objects.ts';
import { bumpVersion, fakeGateway } from './fake-gateway.ts';

const now = () => new Date(T0 + 600_000);
const options = { clusterDomain: 'cluster.local', diagnose: () => [] };

function startWatch(fake: ReturnType<typeof fakeGateway>, maxFailures?: number) {
  const snapshots: StatefulSetSnapshot[] = [];
  const resyncs: string[] = [];
  const controller = new AbortController();
  let notify: (() => void) | undefined;
  const done = watchStatus(fake.gateway, {
    namespace: 'default',
    name: 'web',
    now,
    signal: controller.signal,
    onSnapshot: (snapshot) => {
      snapshots.push(snapshot);
      notify?.();
    },
    onResync: (reason) => resyncs.push(reason),
    maxFailures,
  });
  const nextSnapshot = () => new Promise<void>((resolve) => (notify = resolve));
  return { snapshots, resyncs, controller, done, nextSnapshot };
}

const rows = (snapshot: StatefulSetSnapshot | undefined) =>
  buildStatusReport(snapshot!, options).pods.map((row) => [row.name, row.status, row.readyOrder]);

describe('collectStatusSnapshot', () => {
  it('records forbidden optional reads and still builds the snapshot', async () => {
    const fake = fakeGateway({
      statefulSet: makeSet({ replicas: 1 }),
      pods: [makePod(0)],
      claims: [makeClaim('data-web-0')],
      forbidden: new Set(['listPersistentVolumes', 'listNodes']),
    });
    const { snapshot } = await collectStatusSnapshot(fake.gateway, 'default', 'web', { now });
    expect(snapshot.unreadable.map((entry) => [entry.resource, entry.reason])).toEqual([
      ['persistentvolumes', 'forbidden'],
      ['nodes', 'forbidden'],
    ]);
    expect(snapshot.pods).toHaveLength(1);
  });

  it('keeps only the PVs bound to the set’s claims', async () => {
    const fake = fakeGateway({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [makeClaim('data-web-0')],
      volumes: [makeVolume('pv-data-web-0', 'data-web-0'), makeVolume('pv-other', 'other')],
    });
    const { snapshot } = await collectStatusSnapshot(fake.gateway, 'default', 'web', { now });
    expect([...snapshot.volumes.keys()]).toEqual(['pv-data-web-0']);
  });

  it('also keeps a Released PV whose claimRef still names one of the set’s claims, not a look-alike', async () => {
    const fake = fakeGateway({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [makeClaim('data-web-0')],
      volumes: [
        makeVolume('pv-data-web-0', 'data-web-0'),
        makeVolume('pv-old-web-3', 'data-web-3', { phase: 'Released', reclaim: 'Retain' }),
        makeVolume('pv-web-api-3', 'data-web-api-3', { phase: 'Released', reclaim: 'Retain' }),
      ],
    });
    const { snapshot } = await collectStatusSnapshot(fake.gateway, 'default', 'web', { now });
    expect([...snapshot.volumes.keys()]).toEqual(['pv-data-web-0', 'pv-old-web-3']);
  });

  it.each([
    { case: 'all claims Bound: Warning events only', phase: 'Bound', want: ['listEvents type=Warning'] },
    {
      case: 'a claim not Bound: also the claims’ Normal events',
      phase: 'Pending',
      want: ['listEvents type=Warning', 'listEvents involvedObject.kind=PersistentVolumeClaim,type=Normal'],
    },
  ])('reads events: $case', async ({ phase, want }) => {
    const fake = fakeGateway({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [makeClaim('data-web-0', { phase })],
    });
    await collectStatusSnapshot(fake.gateway, 'default', 'web', { now });
    expect(fake.calls.filter((call) => call.startsWith('listEvents'))).toEqual(want);
  });

  it('fails when the StatefulSet does not exist, reading nothing its spec would select', async () => {
    const fake = fakeGateway({});
    await expect(collectStatusSnapshot(fake.gateway, 'default', 'web', { now })).rejects.toThrow(/not found/);
    // The reads that do not depend on the set start beside its GET; none by its selector follows.
    expect([...fake.calls].sort()).toEqual(
      [
        'getStatefulSet',
        'listEvents type=Warning',
        'listNodes',
        'listPersistentVolumes',
        'listStorageClasses',
      ].sort(),
    );
  });
});

describe('watchStatus', () => {
  it('shows ordered start-up as pods become Ready, from events only', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 2 }), pods: [], claims: [] });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    expect(rows(watch.snapshots[0])).toEqual([
      ['web-0', 'Missing', null],
      ['web-1', 'Missing', null],
    ]);
    const pods = fake.watches.find((w) => w.resource === 'pods')!;
    let next = watch.nextSnapshot();
    pods.emit({ type: 'ADDED', object: makePod(0, { readyAt: null }) });
    await next;
    expect(rows(watch.snapshots.at(-1))[0]).toEqual(['web-0', 'Running', null]);
    next = watch.nextSnapshot();
    pods.emit({ type: 'MODIFIED', object: makePod(0, { readyAt: 5 }) });
    pods.emit({ type: 'ADDED', object: makePod(1, { readyAt: 15 }) });
    await next;
    expect(rows(watch.snapshots.at(-1))).toEqual([
      ['web-0', 'Running', 1],
      ['web-1', 'Running', 2],
    ]);
    next = watch.nextSnapshot();
    pods.emit({ type: 'DELETED', object: makePod(1) });
    await next;
    expect(rows(watch.snapshots.at(-1))[1]).toEqual(['web-1', 'Missing', null]);
    watch.controller.abort();
    await watch.done;
    expect(fake.watches.every((w) => w.stopped)).toBe(true);
    // One list round, then only watches: no polling.
    expect(fake.calls.filter((call) => call === 'listPods')).toHaveLength(1);
  });

  it('re-lists and re-watches after 410 Gone', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 1 }), pods: [makePod(0)] });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    fake.state.pods = [makePod(0, { waiting: 'CrashLoopBackOff', readyAt: null })];
    const next = watch.nextSnapshot();
    fake.watches.find((w) => w.resource === 'pods')!.fail(410);
    await next;
    await fake.watchesOpened(6);
    expect(watch.resyncs).toEqual(['pods watch expired (410 Gone)']);
    expect(fake.calls.filter((call) => call === 'listPods')).toHaveLength(2);
    expect(rows(watch.snapshots.at(-1))).toEqual([['web-0', 'CrashLoopBackOff', null]]);
    watch.controller.abort();
    await watch.done;
  });

  it('re-opens a stream the server ended, from the last resourceVersion seen', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 1 }), pods: [] });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    const pods = fake.watches.find((w) => w.resource === 'pods')!;
    expect(pods.options.resourceVersion).toBe('100');
    pods.emit({ type: 'BOOKMARK', object: bumpVersion(makePod(0), '150') });
    pods.end();
    await fake.watchesOpened(4);
    expect(fake.watches[3]).toMatchObject({ resource: 'pods', options: { resourceVersion: '150' } });
    expect(fake.calls.filter((call) => call === 'listPods')).toHaveLength(1);
    watch.controller.abort();
    await watch.done;
  });

  it('reads the PV of a claim that becomes Bound during the watch', async () => {
    const fake = fakeGateway({
      statefulSet: makeSet({ replicas: 1 }),
      pods: [makePod(0)],
      claims: [makeClaim('data-web-0', { phase: 'Pending' })],
    });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    fake.state.volumes = [makeVolume('pv-data-web-0', 'data-web-0', { reclaim: 'Retain' })];
    fake.watches
      .find((w) => w.resource === 'persistentvolumeclaims')!
      .emit({ type: 'MODIFIED', object: makeClaim('data-web-0') });
    await expect
      .poll(() => buildStatusReport(watch.snapshots.at(-1)!, options).pods[0]!.volumes[0]!.reclaimPolicy)
      .toBe('Retain');
    expect(fake.calls).toContain('getPersistentVolume');
    watch.controller.abort();
    await watch.done;
  });

  it('gives up at once when watching is forbidden (re-listing cannot help)', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 1 }) });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    fake.watches.find((w) => w.resource === 'pods')!.fail(403, 'cannot watch resource "pods"');
    await expect(watch.done).rejects.toMatchObject({ status: 403 });
    expect(fake.calls.filter((call) => call === 'listPods')).toHaveLength(1);
  });

  it('gives up when watches keep failing, with one error line to show', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 1 }) });
    const watch = startWatch(fake, 1);
    await fake.watchesOpened(3);
    fake.watches.find((w) => w.resource === 'pods')!.fail(500, 'internal error');
    await expect(watch.done).rejects.toMatchObject({
      exitCode: 7,
      message: 'the watch keeps failing: pods watch failed: internal error',
    });
  });

  it('ends with a not-found error when the StatefulSet is deleted', async () => {
    const fake = fakeGateway({ statefulSet: makeSet({ replicas: 1 }) });
    const watch = startWatch(fake);
    await fake.watchesOpened(3);
    fake.watches.find((w) => w.resource === 'statefulsets')!.emit({ type: 'DELETED', object: makeSet() });
    await expect(watch.done).rejects.toMatchObject({ exitCode: 4, message: 'statefulset "web" was deleted' });
  });
});
