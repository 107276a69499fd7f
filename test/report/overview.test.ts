import { describe, expect, it } from 'vitest';
import { buildOverview } from '../../src/report/overview.ts';
import { selectorMatches } from '../../src/report/selector.ts';
import { T0, makeClaim, makePod, makeSet } from './objects.ts';

const now = new Date(T0 + 3600_000);
// Health from the report alone; the diagnostics engine is tested on its own.
const options = { clusterDomain: 'cluster.local', diagnose: () => [] };
const claims = (set: string, n: number) => Array.from({ length: n }, (_, i) => makeClaim(`data-${set}-${i}`));
const pods = (set: string, n: number) => Array.from({ length: n }, (_, i) => makePod(i, { set }));

describe('buildOverview: one health line per set from shared lists', () => {
  it.each([
    {
      case: 'all pods ready and updated is Healthy',
      setPods: pods('web', 3),
      setClaims: claims('web', 3),
      want: {
        health: 'Healthy',
        finding: null,
        revision: 'current',
        claims: { bound: 3, total: 3, retained: 0 },
      },
    },
    {
      case: 'a crash-looping pod is Degraded and named',
      setPods: [makePod(0), makePod(1, { waiting: 'CrashLoopBackOff', readyAt: null }), makePod(2)],
      setClaims: claims('web', 3),
      want: { health: 'Degraded', finding: 'web-1 is CrashLoopBackOff' },
    },
    {
      case: 'a missing pod is Progressing',
      setPods: pods('web', 2),
      setClaims: claims('web', 2),
      want: {
        health: 'Progressing',
        finding: '1 of 3 not ready: web-2 (Missing)',
        claims: { bound: 2, total: 3, retained: 0 },
      },
    },
  ])('$case', ({ setPods, setClaims, want }) => {
    const overview = buildOverview(
      { statefulSets: [makeSet()], pods: setPods, claims: setClaims, unreadable: [], now },
      options,
    );
    expect(overview.items).toHaveLength(1);
    expect(overview.items[0]).toMatchObject(want);
  });

  it('splits pods between sets by selector and claims by exact name', () => {
    const overview = buildOverview(
      {
        statefulSets: [makeSet({ name: 'web-api', replicas: 1 }), makeSet({ name: 'web', replicas: 2 })],
        pods: [...pods('web', 2), ...pods('web-api', 1)],
        claims: [...claims('web', 2), ...claims('web-api', 1)],
        unreadable: [],
        now,
      },
      options,
    );
    expect(overview.items.map((item) => [item.name, item.replicas.ready, item.claims])).toEqual([
      ['web', 2, { bound: 2, total: 2, retained: 0 }],
      ['web-api', 1, { bound: 1, total: 1, retained: 0 }],
    ]);
  });

  it('reports a rollout in progress', () => {
    const set = makeSet();
    set.status = { ...set.status, updateRevision: 'web-rev2', updatedReplicas: 1 };
    const rolling = [makePod(0), makePod(1), makePod(2, { revision: 'web-rev2' })];
    const overview = buildOverview(
      { statefulSets: [set], pods: rolling, claims: claims('web', 3), unreadable: [], now },
      options,
    );
    expect(overview.items[0]).toMatchObject({
      health: 'Progressing',
      revision: 'updating',
      finding: 'rolling out web-rev2: 1/3 updated',
    });
  });
});

describe('buildOverview: diagnostics decide the finding', () => {
  it.each([
    { severity: 'error' as const, health: 'Degraded' },
    { severity: 'warning' as const, health: 'Warning' },
    { severity: 'info' as const, health: 'Healthy' },
  ])('a healthy-looking set with an $severity finding is $health and shows it', ({ severity, health }) => {
    const finding = {
      code: 'X',
      severity,
      message: 'something is off',
      ordinals: [],
      evidence: [],
      advice: '',
    };
    const overview = buildOverview(
      { statefulSets: [makeSet()], pods: pods('web', 3), claims: claims('web', 3), unreadable: [], now },
      { clusterDomain: 'cluster.local', diagnose: () => [finding] },
    );
    expect(overview.items[0]).toMatchObject({ health, finding: 'something is off', diagnostics: [finding] });
  });
});

describe('buildOverview: the list agrees with status NAME and --problems', () => {
  it('a routine scale-down under whenScaled: Retain is Healthy, its kept claims counted, not hidden', () => {
    const set = makeSet({ replicas: 2 });
    const overview = buildOverview(
      { statefulSets: [set], pods: pods('web', 2), claims: claims('web', 4), unreadable: [], now },
      { clusterDomain: 'cluster.local' },
    );
    expect(overview.items[0]).toMatchObject({
      health: 'Healthy',
      finding: null,
      claims: { bound: 2, total: 2, retained: 2 },
      diagnostics: [],
    });
  });

  it('during a rolling update after a scale-down, FINDING is the rolling update, not the kept claims', () => {
    const set = makeSet({ replicas: 2 });
    set.status = { ...set.status, updateRevision: 'web-rev2' };
    const overview = buildOverview(
      {
        statefulSets: [set],
        pods: [makePod(0), makePod(1, { revision: 'web-rev2' })],
        claims: claims('web', 4),
        unreadable: [],
        now,
      },
      { clusterDomain: 'cluster.local' },
    );
    expect(overview.items[0]!.health).toBe('Progressing');
    expect(overview.items[0]!.finding).toMatch(/^rolling update to web-rev2: 1 of 2 ordinals updated/);
  });

  it('a status without updatedReplicas (before kubernetes#52653) on one revision is current, not updating', () => {
    const set = makeSet();
    delete set.status!.updatedReplicas;
    const overview = buildOverview(
      { statefulSets: [set], pods: pods('web', 3), claims: claims('web', 3), unreadable: [], now },
      options,
    );
    expect(overview.items[0]).toMatchObject({
      health: 'Healthy',
      revision: 'current',
      replicas: { updated: 3 },
    });
  });

  it('with pods not read, READY is status.readyReplicas and no claim count is invented', () => {
    const set = makeSet();
    const overview = buildOverview(
      {
        statefulSets: [set],
        pods: [],
        claims: [],
        unreadable: [
          { resource: 'pods', reason: 'offline', message: 'pods are not in the dump' },
          { resource: 'persistentvolumeclaims', reason: 'offline', message: 'claims are not in the dump' },
        ],
        now,
      },
      { clusterDomain: 'cluster.local' },
    );
    expect(overview.items[0]).toMatchObject({
      health: 'Healthy',
      revision: 'current',
      replicas: { desired: 3, ready: 3, updated: 3 },
      claims: null,
      diagnostics: [],
    });
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'db' };
  it.each([
    { case: 'matchLabels equal', selector: { matchLabels: { app: 'web' } }, want: true },
    { case: 'matchLabels differ', selector: { matchLabels: { app: 'api' } }, want: false },
    {
      case: 'In',
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'x'] }] },
      want: true,
    },
    {
      case: 'NotIn',
      selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
      want: false,
    },
    { case: 'Exists', selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, want: true },
    {
      case: 'DoesNotExist',
      selector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] },
      want: true,
    },
    { case: 'empty selector selects nothing', selector: {}, want: false },
    { case: 'no selector selects nothing', selector: undefined, want: false },
  ])('$case', ({ selector, want }) => {
    expect(selectorMatches(selector, labels)).toBe(want);
  });
});
