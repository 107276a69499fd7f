// The simulator's store behaves like the apiserver's registry: defaults, validation messages,
// resourceVersion/generation rules, conflicts, graceful deletion and finalizers, ordered events.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../sim/clock.ts';
import type { StoreEvent } from '../sim/contract.ts';
import type { Json } from '../sim/server/json.ts';
import { MemoryStore } from '../sim/store.ts';

const START = new Date('2026-01-01T00:00:00Z');

function newStore(): { store: MemoryStore; clock: SimulatedClock } {
  const clock = new SimulatedClock({ manual: true, start: START });
  const store = new MemoryStore(clock);
  store.create('namespaces', { metadata: { name: 'default' } });
  return { store, clock };
}

function statefulSet(name = 'web', extra: Json = {}): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      ...extra,
    },
  };
}

function pod(name: string, extra: Json = {}): Json {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...extra },
  };
}

function catchError(fn: () => unknown): Json {
  try {
    fn();
  } catch (error) {
    return error as Json;
  }
  throw new Error('expected an API error');
}

describe('create fills server-side defaults as the apiserver does', () => {
  const { store } = newStore();
  store.create('storageclasses', {
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
  } as Json);
  const sts = store.create<Json>('statefulsets', statefulSet());
  const created = store.create<Json>('pods', pod('p', {}));
  const svc = store.create<Json>('services', {
    metadata: { name: 'svc' },
    spec: { ports: [{ port: 80 }] },
  } as Json);
  const headless = store.create<Json>('services', {
    metadata: { name: 'hl' },
    spec: { clusterIP: 'None' },
  } as Json);
  const pvc = store.create<Json>('persistentvolumeclaims', {
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  } as Json);

  it.each([
    ['statefulset podManagementPolicy', sts.spec.podManagementPolicy, 'OrderedReady'],
    [
      'statefulset updateStrategy',
      sts.spec.updateStrategy,
      { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    ],
    ['statefulset revisionHistoryLimit', sts.spec.revisionHistoryLimit, 10],
    ['statefulset replicas', sts.spec.replicas, 1],
    [
      'statefulset retention policy',
      sts.spec.persistentVolumeClaimRetentionPolicy,
      { whenDeleted: 'Retain', whenScaled: 'Retain' },
    ],
    ['statefulset template restartPolicy', sts.spec.template.spec.restartPolicy, 'Always'],
    ['statefulset template grace period', sts.spec.template.spec.terminationGracePeriodSeconds, 30],
    ['statefulset template dnsPolicy', sts.spec.template.spec.dnsPolicy, 'ClusterFirst'],
    ['statefulset template schedulerName', sts.spec.template.spec.schedulerName, 'default-scheduler'],
    [
      'container terminationMessagePath',
      sts.spec.template.spec.containers[0].terminationMessagePath,
      '/dev/termination-log',
    ],
    [
      'container terminationMessagePolicy',
      sts.spec.template.spec.containers[0].terminationMessagePolicy,
      'File',
    ],
    ['tagged image pull policy', sts.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent'],
    ['untagged image pull policy', created.spec.containers[0].imagePullPolicy, 'Always'],
    ['claim template volumeMode', sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem'],
    ['claim template kind', sts.spec.volumeClaimTemplates[0].kind, 'PersistentVolumeClaim'],
    ['statefulset generation', sts.metadata.generation, 1],
    ['pod phase', created.status.phase, 'Pending'],
    ['pod qosClass', created.status.qosClass, 'BestEffort'],
    ['pod service account', created.spec.serviceAccountName, 'default'],
    ['service type', svc.spec.type, 'ClusterIP'],
    ['service ipFamilies', svc.spec.ipFamilies, ['IPv4']],
    ['service port protocol', svc.spec.ports[0].protocol, 'TCP'],
    ['service targetPort', svc.spec.ports[0].targetPort, 80],
    ['headless service keeps None', headless.spec.clusterIPs, ['None']],
    ['claim storage class from the default class', pvc.spec.storageClassName, 'standard'],
    ['claim volumeMode', pvc.spec.volumeMode, 'Filesystem'],
    ['claim phase', pvc.status.phase, 'Pending'],
    ['claim protection finalizer', pvc.metadata.finalizers, ['kubernetes.io/pvc-protection']],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it('allocates a cluster IP in the service range', () => {
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
  });

  it('never allocates an address another Service already holds (kubernetes has 10.96.0.1)', () => {
    const { store: fresh } = newStore();
    fresh.create('services', {
      metadata: { name: 'kubernetes' },
      spec: { clusterIP: '10.96.0.1', ports: [{ port: 443 }] },
    } as Json);
    const ips = ['a', 'b', 'c'].map(
      (name) =>
        fresh.create<Json>('services', { metadata: { name }, spec: { ports: [{ port: 80 }] } } as Json).spec
          .clusterIP,
    );
    expect(new Set([...ips, '10.96.0.1']).size).toBe(4);
  });

  it('stamps uid, creationTimestamp and resourceVersion', () => {
    expect(sts.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(sts.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(Number(sts.metadata.resourceVersion)).toBeGreaterThan(0);
  });
});

describe('validation answers 422 Invalid with the apiserver wording', () => {
  it.each([
    [
      'selector not matching the template labels',
      statefulSet('a', { selector: { matchLabels: { app: 'other' } } }),
      'StatefulSet.apps "a" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
    ],
    [
      'a missing selector',
      statefulSet('b', { selector: undefined }),
      'StatefulSet.apps "b" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`]',
    ],
    [
      'an empty selector (which matches every template)',
      statefulSet('h', { selector: {} }),
      'StatefulSet.apps "h" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
    ],
    [
      'an unknown pod management policy',
      statefulSet('f', { podManagementPolicy: 'Sometimes' }),
      'StatefulSet.apps "f" is invalid: spec.podManagementPolicy: Invalid value: "Sometimes": must be \'OrderedReady\' or \'Parallel\'',
    ],
    [
      'a negative replica count',
      statefulSet('g', { replicas: -1 }),
      'StatefulSet.apps "g" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'a pod without containers',
      { metadata: { name: 'c', namespace: 'default' }, spec: { containers: [] } },
      'Pod "c" is invalid: spec.containers: Required value',
    ],
  ])('rejects %s', (_name, object, message) => {
    const { store } = newStore();
    const resource = object.kind === 'StatefulSet' ? 'statefulsets' : 'pods';
    const error = catchError(() => store.create(resource, object));
    expect(error.code).toBe(422);
    expect(error.reason).toBe('Invalid');
    expect(error.message).toBe(message);
  });

  it('forbids changing immutable StatefulSet fields', () => {
    const { store } = newStore();
    const sts = store.create<Json>('statefulsets', statefulSet());
    sts.spec.serviceName = 'other';
    const error = catchError(() => store.update('statefulsets', sts));
    expect(error.message).toBe(
      "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
    expect(error.details.causes).toEqual([
      expect.objectContaining({ reason: 'FieldValueForbidden', field: 'spec' }),
    ]);
  });

  it('lets replicas and the template change', () => {
    const { store } = newStore();
    const sts = store.create<Json>('statefulsets', statefulSet());
    sts.spec.replicas = 5;
    sts.spec.template.spec.containers[0].image = 'nginx:1.26';
    expect(store.update<Json>('statefulsets', sts).spec.replicas).toBe(5);
  });

  it('keeps a claim spec immutable except its requests', () => {
    const { store } = newStore();
    const claim = store.create<Json>('persistentvolumeclaims', {
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    } as Json);
    claim.spec.resources.requests.storage = '2Gi';
    const grown = store.update<Json>('persistentvolumeclaims', claim);
    grown.spec.accessModes = ['ReadWriteMany'];
    const error = catchError(() => store.update('persistentvolumeclaims', grown));
    expect(error.message).toContain(
      'spec: Forbidden: spec is immutable after creation except resources.requests',
    );
  });
});

describe('writes', () => {
  it('answers NotFound, AlreadyExists and a missing namespace as the apiserver does', () => {
    const { store } = newStore();
    store.create('statefulsets', statefulSet());
    expect(catchError(() => store.create('statefulsets', statefulSet()))).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'statefulsets.apps "web" already exists',
      details: { name: 'web', group: 'apps', kind: 'statefulsets' },
    });
    expect(catchError(() => store.delete('pods', 'default', 'nope'))).toMatchObject({
      code: 404,
      message: 'pods "nope" not found',
      details: { name: 'nope', kind: 'pods' },
    });
    expect(
      catchError(() => store.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'ghost' } })),
    ).toMatchObject({
      code: 404,
      message: 'namespaces "ghost" not found',
    });
  });

  it('bumps resourceVersion on every write and generation only on spec changes', () => {
    const { store } = newStore();
    const created = store.create<Json>('statefulsets', statefulSet());
    created.metadata.labels = { tier: 'db' };
    const relabelled = store.update<Json>('statefulsets', created);
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    expect(relabelled.metadata.generation).toBe(1);
    relabelled.spec.replicas = 3;
    const scaled = store.update<Json>('statefulsets', relabelled);
    expect(scaled.metadata.generation).toBe(2);
    const status = store.updateStatus<Json>('statefulsets', { ...scaled, status: { replicas: 3 } });
    expect(status.metadata.generation).toBe(2);
    expect(status.status.replicas).toBe(3);
  });

  it('does not write (or bump resourceVersion) when nothing changed', () => {
    const { store } = newStore();
    const created = store.create<Json>('statefulsets', statefulSet());
    const again = store.update<Json>('statefulsets', created);
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('rejects a stale resourceVersion with 409 Conflict', () => {
    const { store } = newStore();
    const created = store.create<Json>('statefulsets', statefulSet());
    store.update('statefulsets', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    expect(catchError(() => store.update('statefulsets', created))).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on statefulsets.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('ignores status in a main-resource update', () => {
    const { store } = newStore();
    const created = store.create<Json>('statefulsets', statefulSet());
    const updated = store.update<Json>('statefulsets', { ...created, status: { replicas: 99 } });
    expect(updated.status).toBeUndefined();
  });

  it('generates names from generateName', () => {
    const { store } = newStore();
    const created = store.create<Json>('pods', {
      metadata: { generateName: 'web-', namespace: 'default' },
      spec: pod('x').spec,
    });
    expect(created.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
  });
});

describe('deletion', () => {
  it('gives a scheduled pod a deletionTimestamp and keeps it until it is purged', () => {
    const { store } = newStore();
    store.create('pods', pod('p', { nodeName: 'n1' }));
    const deleting = store.delete<Json>('pods', 'default', 'p');
    expect(deleting.metadata.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    expect(deleting.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.get('pods', 'default', 'p')).toBeDefined();
    store.purge('pods', 'default', 'p');
    expect(store.get('pods', 'default', 'p')).toBeUndefined();
  });

  it.each([
    ['grace period 0', { nodeName: 'n1' }, { gracePeriodSeconds: 0 }],
    ['an unscheduled pod', {}, {}],
  ])('removes at once with %s', (_name, spec, options) => {
    const { store } = newStore();
    store.create('pods', pod('p', spec));
    store.delete('pods', 'default', 'p', options);
    expect(store.get('pods', 'default', 'p')).toBeUndefined();
  });

  it('keeps an object with finalizers until the last one is removed', () => {
    const { store } = newStore();
    store.create('configmaps', {
      metadata: { name: 'c', namespace: 'default', finalizers: ['example.com/hold'] },
    });
    const deleting = store.delete<Json>('configmaps', 'default', 'c');
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    store.mutate<Json>('configmaps', 'default', 'c', (draft) => {
      draft.metadata.finalizers = [];
    });
    expect(store.get('configmaps', 'default', 'c')).toBeUndefined();
  });

  const heldPod = (): Json => ({
    ...pod('p', { nodeName: 'n1' }),
    metadata: { name: 'p', namespace: 'default', finalizers: ['example.com/hold'] },
  });

  it('keeps a pod held by a finalizer after the kubelet deletes it with grace 0; removing the last finalizer removes it', () => {
    const { store } = newStore();
    store.create('pods', heldPod());
    store.delete('pods', 'default', 'p');
    const held = store.delete<Json>('pods', 'default', 'p', { gracePeriodSeconds: 0 });
    expect(held.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(store.get('pods', 'default', 'p')).toBeDefined();
    store.mutate<Json>('pods', 'default', 'p', (draft) => {
      delete draft.metadata.finalizers;
    });
    expect(store.get('pods', 'default', 'p')).toBeUndefined();
  });

  it('keeps a pod whose last finalizer goes during its grace period until the kubelet deletes it with grace 0', () => {
    const { store } = newStore();
    store.create('pods', heldPod());
    store.delete('pods', 'default', 'p');
    store.mutate<Json>('pods', 'default', 'p', (draft) => {
      draft.metadata.finalizers = [];
    });
    expect(store.get<Json>('pods', 'default', 'p')?.metadata.deletionTimestamp).toBeDefined();
    store.delete('pods', 'default', 'p', { gracePeriodSeconds: 0 });
    expect(store.get('pods', 'default', 'p')).toBeUndefined();
  });

  it('checks a uid precondition', () => {
    const { store } = newStore();
    store.create('configmaps', { metadata: { name: 'c', namespace: 'default' } });
    const error = catchError(() =>
      store.delete('configmaps', 'default', 'c', { preconditions: { uid: 'other' } }),
    );
    expect(error.code).toBe(409);
    expect(error.message).toContain('Precondition failed: UID in precondition: other');
  });

  it('keeps a foreground deletion waiting on the foregroundDeletion finalizer while dependents exist', () => {
    const { store } = newStore();
    const owner = store.create<Json>('statefulsets', statefulSet());
    store.create('controllerrevisions', {
      metadata: {
        name: 'web-1',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: owner.metadata.uid },
        ],
      },
    });
    const deleting = store.delete<Json>('statefulsets', 'default', 'web', {
      propagationPolicy: 'Foreground',
    });
    expect(deleting.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(deleting.metadata.generation).toBe(2);
    expect(deleting.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    store.mutate<Json>('statefulsets', 'default', 'web', (draft) => {
      draft.metadata.finalizers = [];
    });
    expect(store.get('statefulsets', 'default', 'web')).toBeUndefined();
  });

  it('deletes at once in the foreground when nothing depends on the object', () => {
    const { store } = newStore();
    store.create('configmaps', { metadata: { name: 'alone', namespace: 'default' } });
    store.delete('configmaps', 'default', 'alone', { propagationPolicy: 'Foreground' });
    expect(store.get('configmaps', 'default', 'alone')).toBeUndefined();
  });

  it('orphans dependents when asked to', () => {
    const { store } = newStore();
    const owner = store.create<Json>('statefulsets', statefulSet());
    store.create('pods', {
      ...pod('web-0'),
      metadata: {
        name: 'web-0',
        namespace: 'default',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: 'web',
            uid: owner.metadata.uid,
            controller: true,
          },
        ],
      },
    });
    store.delete('statefulsets', 'default', 'web', { propagationPolicy: 'Orphan' });
    expect(store.get<Json>('pods', 'default', 'web-0')!.metadata.ownerReferences).toBeUndefined();
  });

  it('empties a deleted namespace before removing it', () => {
    const { store } = newStore();
    store.create('namespaces', { metadata: { name: 'team' } });
    store.create('configmaps', { metadata: { name: 'c', namespace: 'team' } });
    store.delete('namespaces', undefined, 'team');
    expect(store.get('configmaps', 'team', 'c')).toBeUndefined();
    expect(store.get('namespaces', undefined, 'team')).toBeUndefined();
  });
});

describe('change feed', () => {
  it('delivers events in write order even when a subscriber writes', () => {
    const { store } = newStore();
    const seen: string[] = [];
    store.subscribe('configmaps', (event: StoreEvent) => {
      if (event.object.metadata?.name === 'a' && event.type === 'ADDED') {
        store.create('configmaps', { metadata: { name: 'b', namespace: 'default' } });
      }
    });
    store.subscribe('configmaps', (event) => seen.push(`${event.type} ${event.object.metadata?.name}`));
    store.create('configmaps', { metadata: { name: 'a', namespace: 'default' } });
    expect(seen).toEqual(['ADDED a', 'ADDED b']);
  });

  it('replays changes after a resourceVersion and expires ones older than its history', () => {
    const clock = new SimulatedClock({ manual: true, start: START });
    const store = new MemoryStore(clock, { historySize: 5 });
    store.create('namespaces', { metadata: { name: 'default' } });
    const from = Number(store.resourceVersion());
    for (let i = 0; i < 3; i++)
      store.create('configmaps', { metadata: { name: `c${i}`, namespace: 'default' } });
    expect(store.changesSince('configmaps', from).map((e) => e.object.metadata?.name)).toEqual([
      'c0',
      'c1',
      'c2',
    ]);
    for (let i = 3; i < 10; i++)
      store.create('configmaps', { metadata: { name: `c${i}`, namespace: 'default' } });
    expect(catchError(() => store.changesSince('configmaps', from))).toMatchObject({
      code: 410,
      reason: 'Expired',
    });
  });

  it('lists 10,000 pods sorted by name and hands out frozen objects', () => {
    const { store } = newStore();
    for (let i = 0; i < 10_000; i++) store.create('pods', pod(`p-${String(i).padStart(5, '0')}`));
    const pods = store.list<Json>('pods', 'default');
    expect(pods).toHaveLength(10_000);
    expect(pods[0]!.metadata.name).toBe('p-00000');
    expect(pods[9_999]!.metadata.name).toBe('p-09999');
    expect(Object.isFrozen(pods[0])).toBe(true);
    store.mutate<Json>('pods', 'default', 'p-00005', (draft) => {
      draft.metadata.labels = { touched: 'yes' };
    });
    expect(store.list<Json>('pods', 'default')[5]!.metadata.labels).toEqual({ touched: 'yes' });
  });
});
