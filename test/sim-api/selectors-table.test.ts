// Label and field selectors, and the server-side printing behind `kubectl get`.
import { describe, expect, it } from 'vitest';
import type { Json } from '../sim/server/json.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../sim/server/selectors.ts';
import { humanDuration, podStatusReason, toTable } from '../sim/server/table.ts';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'db', env: 'prod' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=db', true],
    ['tier in (db,cache)', true],
    ['tier notin (db,cache)', false],
    ['env in (prod), app', true],
    ['!missing', true],
    ['!app', false],
    ['missing', false],
    ['missing!=x', true],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'web-0', namespace: 'default' },
    spec: { nodeName: 'n1' },
    status: { phase: 'Running' },
  };
  it.each([
    ['metadata.name=web-0', true],
    ['metadata.name!=web-0', false],
    ['spec.nodeName=n1,status.phase=Running', true],
    ['status.phase=Pending', false],
    ['metadata.namespace=default', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector('pods', selector), pod)).toBe(expected);
  });

  it('rejects a field the resource does not index, as the apiserver does', () => {
    expect(() => parseFieldSelector('pods', 'spec.hostname=x')).toThrow(
      'field label not supported: spec.hostname',
    );
  });

  it('selects events by involved object', () => {
    const event = { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'web-0' } };
    expect(
      matchesFields(parseFieldSelector('events', 'involvedObject.kind=Pod,involvedObject.name=web-0'), event),
    ).toBe(true);
  });
});

describe('ages print like duration.HumanDuration', () => {
  it.each([
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [302_000, '5m2s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [10 * 3600_000, '10h'],
    [50 * 3600_000, '2d2h'],
    [30 * 24 * 3600_000, '30d'],
    [-5_000, '<invalid>'],
  ])('%i ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

const running = { state: { running: {} }, ready: true, restartCount: 0, name: 'app' };

describe('pod STATUS column', () => {
  it.each<[string, Json, string]>([
    ['a running pod', { status: { phase: 'Running', containerStatuses: [running] } }, 'Running'],
    [
      'an init container still running',
      {
        spec: { initContainers: [{ name: 'init' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { running: {} } }] },
      },
      'Init:0/1',
    ],
    [
      'init done, containers starting',
      {
        spec: { initContainers: [{ name: 'init' }] },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
          containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
        },
      },
      'PodInitializing',
    ],
    [
      'a failing init container',
      {
        spec: { initContainers: [{ name: 'init' }] },
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        },
      },
      'Init:CrashLoopBackOff',
    ],
    [
      'a crash loop',
      {
        status: {
          phase: 'Running',
          containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        },
      },
      'CrashLoopBackOff',
    ],
    [
      'a completed container',
      {
        status: {
          phase: 'Succeeded',
          containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        },
      },
      'Completed',
    ],
    [
      'a pod being deleted',
      {
        metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' },
        status: { phase: 'Running', containerStatuses: [running] },
      },
      'Terminating',
    ],
    ['a pending pod', { status: { phase: 'Pending' } }, 'Pending'],
  ])('for %s is %s', (_name, pod, expected) => {
    expect(podStatusReason({ metadata: {}, spec: {}, ...pod })).toBe(expected);
  });
});

describe('tables', () => {
  const now = new Date('2026-01-01T00:05:02Z');
  it('prints pods with the real columns, wide ones at priority 1', () => {
    const table = toTable(
      'pods',
      [
        {
          metadata: { name: 'web-0', creationTimestamp: '2026-01-01T00:00:00Z' },
          spec: { containers: [{ name: 'app' }], nodeName: 'sim-worker' },
          status: { phase: 'Running', podIP: '10.244.1.2', containerStatuses: [running] },
        },
      ],
      now,
      'Metadata',
      { resourceVersion: '5' },
    );
    expect(table.columnDefinitions.map((c: Json) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0',
      'Ready:0',
      'Status:0',
      'Restarts:0',
      'Age:0',
      'IP:1',
      'Node:1',
      'Nominated Node:1',
      'Readiness Gates:1',
    ]);
    expect(table.rows[0].cells).toEqual([
      'web-0',
      '1/1',
      'Running',
      '0',
      '5m2s',
      '10.244.1.2',
      'sim-worker',
      '<none>',
      '<none>',
    ]);
    expect(table.rows[0].object.kind).toBe('PartialObjectMetadata');
  });

  it('prints claims with <unset> attributes class and the wide volume mode', () => {
    const table = toTable(
      'persistentvolumeclaims',
      [
        {
          metadata: { name: 'www-web-0', creationTimestamp: '2026-01-01T00:00:00Z' },
          spec: { volumeName: 'pv-1', storageClassName: 'standard', volumeMode: 'Filesystem' },
          status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
        },
      ],
      now,
      'None',
      {},
    );
    expect(table.rows[0].cells).toEqual([
      'www-web-0',
      'Bound',
      'pv-1',
      '1Gi',
      'RWO',
      'standard',
      '<unset>',
      '5m2s',
      'Filesystem',
    ]);
  });
});
