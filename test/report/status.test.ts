import { describe, expect, it } from 'vitest';
import { buildStatusReport } from '../../src/report/status.ts';
import type { PodStatusRow } from '../../src/report/status.ts';
import { T0, at, makeClaim, makePod, makeSet, makeSnapshot, makeVolume } from './objects.ts';

const options = { clusterDomain: 'cluster.local' };
const ordinalsOf = (rows: PodStatusRow[]) => rows.map((row) => row.ordinal);

describe('buildStatusReport: which ordinals are shown', () => {
  it.each([
    { case: 'ordinals start at 0 by default', set: makeSet({ replicas: 3 }), want: [0, 1, 2] },
    { case: 'ordinals.start shifts the range', set: makeSet({ replicas: 3, start: 5 }), want: [5, 6, 7] },
    { case: 'zero replicas show no rows', set: makeSet({ replicas: 0 }), want: [] },
  ])('$case', ({ set, want }) => {
    const report = buildStatusReport(makeSnapshot({ statefulSet: set }), options);
    expect(ordinalsOf(report.pods)).toEqual(want);
    expect(report.pods.every((row) => row.expected && row.exists)).toBe(true);
  });

  it('shows expected ordinals whose pod is missing, as Missing and not ready', () => {
    const snapshot = makeSnapshot({ pods: [makePod(0)] });
    const report = buildStatusReport(snapshot, options);
    expect(report.pods.map((row) => [row.name, row.exists, row.status, row.ready])).toEqual([
      ['web-0', true, 'Running', true],
      ['web-1', false, 'Missing', false],
      ['web-2', false, 'Missing', false],
    ]);
    expect(report.pods[1]!.phase).toBeNull();
  });

  it('adds pods found outside the range, marked as not expected; claims kept there are no rows', () => {
    const set = makeSet({ replicas: 2, start: 1 });
    const snapshot = makeSnapshot({
      statefulSet: set,
      pods: [makePod(0), makePod(1), makePod(2), makePod(7)],
      claims: [0, 1, 2, 4].map((o) => makeClaim(`data-web-${o}`)),
    });
    const report = buildStatusReport(snapshot, options);
    expect(report.pods.map((row) => [row.ordinal, row.expected, row.exists])).toEqual([
      [0, false, true],
      [1, true, true],
      [2, true, true],
      [7, false, true],
    ]);
    expect(report.retainedClaims).toMatchObject({
      whenScaled: 'Retain',
      ordinals: [0, 4],
      claims: [
        { claim: 'data-web-0', ordinal: 0, podExists: true },
        { claim: 'data-web-4', ordinal: 4, podExists: false },
      ],
      totalCapacity: '2Gi',
      reattachedAtReplicas: 4,
    });
  });

  it('a scale-down under whenScaled: Retain: kept claims in their own section, their total and the scale that re-attaches them', () => {
    const set = makeSet({ replicas: 2 });
    const snapshot = makeSnapshot({
      statefulSet: set,
      pods: [makePod(0), makePod(1)],
      claims: [0, 1, 2, 3].map((o) => makeClaim(`data-web-${o}`)),
    });
    const report = buildStatusReport(snapshot, options);
    expect(report.pods.map((row) => row.name)).toEqual(['web-0', 'web-1']);
    expect(report.retainedClaims).toMatchObject({
      ordinals: [2, 3],
      totalCapacity: '2Gi',
      reattachedAtReplicas: 4,
    });
  });

  it('pods and claims not read: rows say unknown, not Missing', () => {
    const snapshot = makeSnapshot({
      pods: [],
      claims: [],
      unreadable: [
        { resource: 'pods', reason: 'offline', message: 'pods are not in the dump' },
        { resource: 'persistentvolumeclaims', reason: 'offline', message: 'claims are not in the dump' },
      ],
    });
    const report = buildStatusReport(snapshot, options);
    expect(report.podsKnown).toBe(false);
    expect(report.pods.map((row) => [row.exists, row.status, row.volumes[0]!.claimExists])).toEqual([
      [null, '<unknown>', null],
      [null, '<unknown>', null],
      [null, '<unknown>', null],
    ]);
    expect(report.retainedClaims).toBeNull();
  });

  it.each([
    // The controller's rule (getParentNameAndOrdinal): the name decides; a disagreeing label does not.
    { case: 'the name wins over a disagreeing pod-index label', pod: makePod(3, { name: 'web-9' }), want: 9 },
    { case: 'the name is used without the label', pod: makePod(4, { indexLabel: false }), want: 4 },
  ])('ordinal: $case', ({ pod, want }) => {
    const report = buildStatusReport(
      makeSnapshot({ statefulSet: makeSet({ replicas: 0 }), pods: [pod] }),
      options,
    );
    expect(ordinalsOf(report.pods)).toEqual([want]);
  });

  it.each([
    { case: 'a pod owned by another StatefulSet', pod: { ...makePod(0, { set: 'web-api', name: 'web-0' }) } },
    {
      case: 'an unowned pod whose name does not fit',
      pod: makePod(0, { owned: false, name: 'web-api-0', indexLabel: false }),
    },
    {
      case: 'an unowned pod with a suffix that is not a number',
      pod: makePod(0, { owned: false, name: 'web-x', indexLabel: false }),
    },
  ])('ignores $case', ({ pod }) => {
    const report = buildStatusReport(
      makeSnapshot({ statefulSet: makeSet({ replicas: 1 }), pods: [pod] }),
      options,
    );
    expect(report.pods.map((row) => row.exists)).toEqual([false]);
  });

  it('counts an unowned pod named <set>-<n> (dumps without owner references)', () => {
    const pod = makePod(0, { owned: false });
    const report = buildStatusReport(
      makeSnapshot({ statefulSet: makeSet({ replicas: 1 }), pods: [pod] }),
      options,
    );
    expect(report.pods[0]!.exists).toBe(true);
  });
});

describe('buildStatusReport: claims', () => {
  it('matches claims by exact name, never by prefix', () => {
    const snapshot = makeSnapshot({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [makeClaim('data-web-api-0'), makeClaim('data-web-0x'), makeClaim('xdata-web-0')],
    });
    const report = buildStatusReport(snapshot, options);
    expect(ordinalsOf(report.pods)).toEqual([0]);
    expect(report.pods[0]!.volumes[0]).toMatchObject({
      claim: 'data-web-0',
      claimExists: false,
      phase: null,
      volume: null,
    });
  });

  it('reports every volumeClaimTemplate of every ordinal', () => {
    const set = makeSet({ replicas: 2, templates: ['data', 'logs'] });
    const report = buildStatusReport(makeSnapshot({ statefulSet: set }), options);
    expect(report.pods.map((row) => row.volumes.map((v) => v.claim))).toEqual([
      ['data-web-0', 'logs-web-0'],
      ['data-web-1', 'logs-web-1'],
    ]);
    expect(report.pods[1]!.volumes[1]).toEqual({
      template: 'logs',
      claim: 'logs-web-1',
      claimExists: true,
      phase: 'Bound',
      volume: 'pv-logs-web-1',
      capacity: '1Gi',
      requested: '1Gi',
      accessModes: ['RWO'],
      storageClass: 'standard',
      volumeDetails: 'read',
      reclaimPolicy: 'Delete',
      volumePhase: 'Bound',
      claimTerminating: false,
      volumeTerminating: false,
    });
  });

  it.each([
    {
      case: 'PVs forbidden: the PV name still comes from the claim, details are marked not readable',
      unreadable: [{ resource: 'persistentvolumes', reason: 'forbidden' as const, message: 'forbidden' }],
      want: {
        volume: 'pv-data-web-0',
        volumeDetails: 'not-readable',
        reclaimPolicy: null,
        volumePhase: null,
      },
    },
    {
      case: 'PV readable but gone: marked missing',
      unreadable: [],
      want: { volume: 'pv-data-web-0', volumeDetails: 'missing', reclaimPolicy: null, volumePhase: null },
    },
  ])('$case', ({ unreadable, want }) => {
    const snapshot = makeSnapshot({ statefulSet: makeSet({ replicas: 1 }), volumes: new Map(), unreadable });
    expect(buildStatusReport(snapshot, options).pods[0]!.volumes[0]).toMatchObject(want);
  });

  it('shows a Pending claim without a volume', () => {
    const snapshot = makeSnapshot({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [makeClaim('data-web-0', { phase: 'Pending' })],
    });
    expect(buildStatusReport(snapshot, options).pods[0]!.volumes[0]).toMatchObject({
      phase: 'Pending',
      volume: null,
      volumeDetails: null,
      capacity: null,
    });
  });

  it('reads the reclaim policy and phase of the bound PV', () => {
    const claim = makeClaim('data-web-0', { volume: 'pv-x' });
    const snapshot = makeSnapshot({
      statefulSet: makeSet({ replicas: 1 }),
      claims: [claim],
      volumes: new Map([
        ['pv-x', makeVolume('pv-x', 'data-web-0', { reclaim: 'Retain', phase: 'Released' })],
      ]),
    });
    expect(buildStatusReport(snapshot, options).pods[0]!.volumes[0]).toMatchObject({
      volume: 'pv-x',
      reclaimPolicy: 'Retain',
      volumePhase: 'Released',
    });
  });
});

describe('buildStatusReport: readiness order', () => {
  it.each([
    {
      case: 'ordered start-up ranks by ordinal',
      pods: [makePod(0, { readyAt: 5 }), makePod(1, { readyAt: 20 }), makePod(2, { readyAt: 32 })],
      want: [
        [1, null],
        [2, 15],
        [3, 12],
      ],
    },
    {
      case: 'ranks follow the Ready time, not the ordinal (Parallel)',
      pods: [makePod(0, { readyAt: 30 }), makePod(1, { readyAt: 10 }), makePod(2, { readyAt: 20 })],
      want: [
        [3, 10],
        [1, null],
        [2, 10],
      ],
    },
    {
      case: 'a pod that is not Ready has no rank and does not take one',
      pods: [makePod(0, { readyAt: 5 }), makePod(1, { readyAt: null }), makePod(2, { readyAt: 40 })],
      want: [
        [1, null],
        [null, null],
        [2, 35],
      ],
    },
    {
      case: 'Ready in the same second: the order is not known, so they share a rank',
      pods: [makePod(0, { readyAt: 9 }), makePod(1, { readyAt: 9 }), makePod(2, { readyAt: 12 })],
      want: [
        [1, null, true],
        [1, 0, true],
        [3, 3, false],
      ],
    },
  ])('$case', ({ pods, want }) => {
    const report = buildStatusReport(makeSnapshot({ pods }), options);
    expect(
      report.pods.map((row) => [
        row.readyOrder,
        row.readyAfterPreviousSeconds,
        ...(want[0]!.length > 2 ? [row.readyOrderTied] : []),
      ]),
    ).toEqual(want);
  });

  it.each([
    {
      case: 'ordered: seconds after ordinal − 1',
      pods: [makePod(0, { readyAt: 5 }), makePod(1, { readyAt: 20 }), makePod(2, { readyAt: 32 })],
      want: [null, 15, 12],
    },
    {
      case: 'parallel: negative when the predecessor became Ready later',
      pods: [makePod(0, { readyAt: 30 }), makePod(1, { readyAt: 10 }), makePod(2, { readyAt: 20 })],
      want: [null, -20, 10],
    },
    {
      case: 'null when the predecessor is not Ready',
      pods: [makePod(0, { readyAt: null }), makePod(1, { readyAt: 10 }), makePod(2, { readyAt: 20 })],
      want: [null, null, 10],
    },
  ])('time since the previous ordinal became Ready: $case', ({ pods, want }) => {
    const report = buildStatusReport(makeSnapshot({ pods }), options);
    expect(report.pods.map((row) => row.readyAfterPredecessorSeconds)).toEqual(want);
  });

  it('keeps readySince as the Ready condition time', () => {
    const report = buildStatusReport(makeSnapshot({ pods: [makePod(0, { readyAt: 7 })] }), options);
    expect(report.pods[0]!.readySince).toBe(at(7));
  });
});

describe('buildStatusReport: OrderedReady creation order', () => {
  it.each([
    {
      case: 'created after the predecessor was Ready: fine',
      policy: 'OrderedReady',
      pods: [makePod(0, { created: 0, readyAt: 5 }), makePod(1, { created: 6, readyAt: 10 })],
      want: [false, false],
    },
    {
      case: 'created before the predecessor became Ready: flagged',
      policy: 'OrderedReady',
      pods: [makePod(0, { created: 0, readyAt: 20 }), makePod(1, { created: 6, readyAt: 30 })],
      want: [false, true],
    },
    {
      case: 'created while the predecessor was not Ready: flagged',
      policy: 'OrderedReady',
      pods: [makePod(0, { created: 0, readyAt: null, notReadySince: 1 }), makePod(1, { created: 6 })],
      want: [false, true],
    },
    {
      case: 'predecessor re-created later (rolling update) proves nothing',
      policy: 'OrderedReady',
      pods: [makePod(0, { created: 50, readyAt: 60 }), makePod(1, { created: 6, readyAt: 10 })],
      want: [false, false],
    },
    {
      case: 'Parallel never flags',
      policy: 'Parallel',
      pods: [makePod(0, { created: 0, readyAt: 20 }), makePod(1, { created: 1, readyAt: 30 })],
      want: [false, false],
    },
  ])('$case', ({ policy, pods, want }) => {
    const set = makeSet({ replicas: 2, spec: { podManagementPolicy: policy } });
    const report = buildStatusReport(makeSnapshot({ statefulSet: set, pods }), options);
    expect(report.pods.map((row) => row.createdBeforePredecessorReady)).toEqual(want);
  });

  it('compares with the predecessor ordinal under ordinals.start', () => {
    const set = makeSet({ replicas: 2, start: 3 });
    const pods = [makePod(3, { created: 0, readyAt: 20 }), makePod(4, { created: 6 })];
    const report = buildStatusReport(makeSnapshot({ statefulSet: set, pods }), options);
    expect(report.pods.map((row) => row.createdBeforePredecessorReady)).toEqual([false, true]);
  });
});

describe('buildStatusReport: per-pod facts', () => {
  it.each([
    { case: 'pod on the current revision', revision: 'web-rev1', want: 'current' },
    { case: 'pod on the update revision', revision: 'web-rev2', want: 'update' },
    { case: 'pod on neither', revision: 'web-rev0', want: 'other' },
  ])('revision: $case', ({ revision, want }) => {
    const set = makeSet({ replicas: 1 });
    set.status = { ...set.status, currentRevision: 'web-rev1', updateRevision: 'web-rev2' };
    const report = buildStatusReport(
      makeSnapshot({ statefulSet: set, pods: [makePod(0, { revision })] }),
      options,
    );
    expect(report.pods[0]!.revision).toEqual({ hash: revision, state: want });
  });

  it.each([
    { domain: 'cluster.local', service: 'web', want: 'web-0.web.default.svc.cluster.local' },
    { domain: 'example.org', service: 'web-headless', want: 'web-0.web-headless.default.svc.example.org' },
  ])('DNS name under $domain with service $service', ({ domain, service, want }) => {
    const set = makeSet({ replicas: 1, spec: { serviceName: service } });
    const report = buildStatusReport(makeSnapshot({ statefulSet: set }), { clusterDomain: domain });
    expect(report.pods[0]!.dns).toBe(want);
  });

  it('computes age from the clock passed in, not the wall clock', () => {
    const snapshot = makeSnapshot({ statefulSet: makeSet({ replicas: 1 }) });
    const report = buildStatusReport(snapshot, {
      clusterDomain: 'cluster.local',
      now: new Date(T0 + 90_000),
    });
    expect(report.pods[0]!.ageSeconds).toBe(90);
    expect(report.generatedAt).toBe(new Date(T0 + 90_000).toISOString());
  });

  it('reports status reasons, restarts and node as kubectl shows them', () => {
    const pods = [
      makePod(0, { waiting: 'CrashLoopBackOff', readyAt: null, restarts: 4, node: 'n1' }),
      makePod(1, { terminating: true }),
    ];
    const report = buildStatusReport(makeSnapshot({ statefulSet: makeSet({ replicas: 2 }), pods }), options);
    expect(report.pods.map((row) => [row.status, row.readyContainers, row.restarts, row.node])).toEqual([
      ['CrashLoopBackOff', '0/1', 4, 'n1'],
      ['Terminating', '1/1', 0, 'node-a'],
    ]);
  });
});

describe('buildStatusReport: summary', () => {
  it('fills defaults a sparse object leaves out', () => {
    const snapshot = makeSnapshot({
      statefulSet: {
        metadata: { name: 'bare', namespace: 'ns' },
        spec: { selector: { matchLabels: { a: 'b' } } },
      },
      pods: [],
      claims: [],
    });
    const summary = buildStatusReport(snapshot, options).statefulSet;
    expect(summary).toMatchObject({
      name: 'bare',
      namespace: 'ns',
      serviceName: null,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', partition: 0, maxUnavailable: null },
      ordinalsStart: 0,
      pvcRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      minReadySeconds: 0,
      // A status without updatedReplicas does not say 0 were updated (kubernetes#52653).
      replicas: { desired: 1, current: 0, ready: 0, updated: null, available: 0 },
      revisions: { current: null, update: null },
      generation: { observed: null, current: null },
    });
  });

  it('reports OnDelete without a partition', () => {
    const set = makeSet({ spec: { updateStrategy: { type: 'OnDelete' } } });
    expect(buildStatusReport(makeSnapshot({ statefulSet: set }), options).statefulSet.updateStrategy).toEqual(
      {
        type: 'OnDelete',
        partition: null,
        maxUnavailable: null,
      },
    );
  });
});
