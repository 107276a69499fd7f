// The status views as users see them, pinned as golden files (regenerate: `npm run golden`).
// Diagnostics are fixed here so that these files change only when rendering changes; the
// diagnostics engine has its own tests.
import { describe, it } from 'vitest';
import { renderJson } from '../../../src/render/json.ts';
import { renderOverview, renderStatus } from '../../../src/render/status.ts';
import { renderYaml } from '../../../src/render/yaml.ts';
import { buildOverview } from '../../../src/report/overview.ts';
import type { Diagnostic } from '../../../src/report/snapshot.ts';
import { buildStatusReport } from '../../../src/report/status.ts';
import type { StatusReport } from '../../../src/report/status.ts';
import { T0, makeClaim, makePod, makeSet, makeSnapshot } from '../../report/objects.ts';
import { expectGolden } from '../golden.ts';

const now = new Date(T0 + 2 * 3600_000 + 75_000);
const plain = { wide: false, noHeaders: false, color: false };
const wide = { ...plain, wide: true };

const FINDING: Diagnostic = {
  code: 'OrderedReadyBlocked',
  severity: 'warning',
  message: 'OrderedReady: the controller waits on ordinal 1 (todo-db-1 is not Ready); ordinal 2 is held back',
  ordinals: [1, 2],
  evidence: ['todo-db-1: Ready=False since 12:00:15 (ContainersNotReady)'],
  advice: 'kubectl describe pod todo-db-1 -n default',
};

const fixed = (diagnostics: Diagnostic[]) => ({
  clusterDomain: 'cluster.local',
  diagnose: () => diagnostics,
});

function healthyTodoDb(): StatusReport {
  const set = makeSet({ name: 'todo-db', replicas: 3 });
  const pods = [0, 1, 2].map((o) =>
    makePod(o, { set: 'todo-db', created: o * 20, readyAt: o * 20 + 12, node: `sim-worker${o || ''}` }),
  );
  const snapshot = makeSnapshot({ statefulSet: set, pods, now });
  return buildStatusReport(snapshot, fixed([]));
}

function startingTodoDb(): StatusReport {
  const set = makeSet({ name: 'todo-db', replicas: 3 });
  set.status = {
    ...set.status,
    readyReplicas: 1,
    currentReplicas: 2,
    updatedReplicas: 2,
    availableReplicas: 1,
  };
  const pods = [
    makePod(0, { set: 'todo-db', created: 0, readyAt: 12, node: 'sim-worker' }),
    makePod(1, {
      set: 'todo-db',
      created: 13,
      readyAt: null,
      waiting: 'ContainerCreating',
      node: 'sim-worker2',
    }),
  ];
  const claims = [
    makeClaim('data-todo-db-0'),
    makeClaim('data-todo-db-1'),
    makeClaim('data-todo-db-2', { phase: 'Pending' }),
  ];
  const snapshot = makeSnapshot({ statefulSet: set, pods, claims, now });
  return buildStatusReport(snapshot, fixed([FINDING]));
}

function twoTemplatesShiftedForbiddenPVs(): StatusReport {
  const set = makeSet({ name: 'kafka', replicas: 2, start: 3, templates: ['data', 'logs'] });
  set.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 4, maxUnavailable: 1 } };
  set.spec!.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
  set.spec!.minReadySeconds = 10;
  set.metadata!.generation = 3;
  set.status = {
    ...set.status,
    observedGeneration: 2,
    currentRevision: 'kafka-rev1',
    updateRevision: 'kafka-rev2',
    updatedReplicas: 1,
  };
  const pods = [
    makePod(3, { set: 'kafka', created: 0, readyAt: 30, revision: 'kafka-rev1' }),
    makePod(4, { set: 'kafka', created: 100, readyAt: 140, revision: 'kafka-rev2' }),
  ];
  const claims = [3, 4, 5].flatMap((o) => [makeClaim(`data-kafka-${o}`), makeClaim(`logs-kafka-${o}`)]);
  const snapshot = makeSnapshot({
    statefulSet: set,
    pods,
    claims,
    volumes: new Map(),
    unreadable: [
      {
        resource: 'persistentvolumes',
        reason: 'forbidden',
        message: 'User "dev" cannot list resource "persistentvolumes" in API group "" at the cluster scope',
      },
    ],
    now,
  });
  return buildStatusReport(snapshot, { ...fixed([]), clusterDomain: 'example.org' });
}

describe('golden: kubectl sts status NAME', () => {
  it.each([
    { file: 'healthy.txt', build: healthyTodoDb, options: plain },
    { file: 'healthy-no-headers.txt', build: healthyTodoDb, options: { ...plain, noHeaders: true } },
    { file: 'starting.txt', build: startingTodoDb, options: plain },
    { file: 'starting-wide.txt', build: startingTodoDb, options: wide },
    { file: 'shifted-two-templates-wide.txt', build: twoTemplatesShiftedForbiddenPVs, options: wide },
    { file: 'shifted-two-templates.txt', build: twoTemplatesShiftedForbiddenPVs, options: plain },
  ])('table $file', ({ file, build, options }) => {
    expectGolden(`status/${file}`, renderStatus(build(), options));
  });

  it.each([
    { file: 'starting.json', build: startingTodoDb },
    { file: 'shifted-two-templates.json', build: twoTemplatesShiftedForbiddenPVs },
  ])('json $file', ({ file, build }) => {
    expectGolden(`status/${file}`, renderJson(build()));
  });

  it('yaml starting.yaml', () => {
    expectGolden('status/starting.yaml', renderYaml(startingTodoDb()));
  });
});

describe('golden: kubectl sts status (overview)', () => {
  const input = () => {
    const web = makeSet({ name: 'web', replicas: 2 });
    const db = makeSet({ name: 'todo-db', replicas: 3 });
    const other = makeSet({ name: 'cache', namespace: 'team-b', replicas: 1 });
    return {
      statefulSets: [web, db, other],
      pods: [
        makePod(0),
        makePod(1, { waiting: 'CrashLoopBackOff', readyAt: null, restarts: 7 }),
        ...[0, 1, 2].map((o) => makePod(o, { set: 'todo-db' })),
      ],
      claims: [
        makeClaim('data-web-0'),
        makeClaim('data-web-1'),
        ...[0, 1, 2].map((o) => makeClaim(`data-todo-db-${o}`)),
      ],
      unreadable: [],
      now,
    };
  };
  it.each([
    { file: 'overview.txt', allNamespaces: false },
    { file: 'overview-all-namespaces.txt', allNamespaces: true },
  ])('table $file', ({ file, allNamespaces }) => {
    const data = input();
    if (!allNamespaces)
      data.statefulSets = data.statefulSets.filter((s) => s.metadata?.namespace === 'default');
    const overview = buildOverview(data, fixed([]));
    expectGolden(`status/${file}`, renderOverview(overview, { ...plain, allNamespaces }));
  });
});
