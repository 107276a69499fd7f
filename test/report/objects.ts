// Builders for the project's own test objects: small, readable StatefulSets, pods, claims and
// volumes shaped as the API returns them. Each takes overrides for the fields a test is about.
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StatefulSet,
  StatefulSetSpec,
} from '../../src/kube/types.ts';
import type { StatefulSetSnapshot } from '../../src/report/snapshot.ts';

export const T0 = Date.parse('2026-01-01T12:00:00Z');
/** An RFC 3339 time `seconds` after T0. */
export const at = (seconds: number): string =>
  new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');

export interface SetOptions {
  name?: string;
  namespace?: string;
  replicas?: number;
  start?: number;
  templates?: string[];
  spec?: Partial<StatefulSetSpec>;
  status?: StatefulSet['status'];
}

export function makeSet(options: SetOptions = {}): StatefulSet {
  const name = options.name ?? 'web';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: at(0),
    },
    spec: {
      replicas: options.replicas ?? 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...(options.start !== undefined ? { ordinals: { start: options.start } } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx' }] },
      },
      volumeClaimTemplates: (options.templates ?? ['data']).map((template) => ({
        metadata: { name: template },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      })),
      ...options.spec,
    },
    status: options.status ?? {
      observedGeneration: 1,
      replicas: options.replicas ?? 3,
      readyReplicas: options.replicas ?? 3,
      currentReplicas: options.replicas ?? 3,
      updatedReplicas: options.replicas ?? 3,
      availableReplicas: options.replicas ?? 3,
      currentRevision: `${name}-rev1`,
      updateRevision: `${name}-rev1`,
    },
  };
}

export interface PodOptions {
  set?: string;
  /** Seconds after T0 the pod was created. */
  created?: number;
  /** Seconds after T0 the pod became Ready; null = not Ready. */
  readyAt?: number | null;
  /** When not Ready, since when (seconds after T0); defaults to the creation time. */
  notReadySince?: number;
  revision?: string;
  node?: string;
  indexLabel?: boolean;
  owned?: boolean;
  waiting?: string;
  restarts?: number;
  terminating?: boolean;
  name?: string;
}

export function makePod(ordinal: number, options: PodOptions = {}): Pod {
  const set = options.set ?? 'web';
  const name = options.name ?? `${set}-${ordinal}`;
  const created = options.created ?? ordinal * 10;
  const readyAt = options.readyAt === undefined ? created + 5 : options.readyAt;
  const ready = readyAt !== null;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: at(created),
      ...(options.terminating ? { deletionTimestamp: at(created + 100) } : {}),
      labels: {
        app: set,
        'controller-revision-hash': options.revision ?? `${set}-rev1`,
        'statefulset.kubernetes.io/pod-name': name,
        ...(options.indexLabel === false ? {} : { 'apps.kubernetes.io/pod-index': String(ordinal) }),
      },
      ownerReferences:
        options.owned === false
          ? []
          : [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set, uid: `uid-${set}`, controller: true }],
    },
    spec: { nodeName: options.node ?? 'node-a', containers: [{ name: 'main', image: 'nginx' }] },
    status: {
      phase: 'Running',
      podIP: `10.0.0.${ordinal + 10}`,
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: at(ready ? readyAt : (options.notReadySince ?? created)),
        },
      ],
      containerStatuses: [
        {
          name: 'main',
          ready,
          restartCount: options.restarts ?? 0,
          state: options.waiting
            ? { waiting: { reason: options.waiting } }
            : { running: { startedAt: at(created + 1) } },
        },
      ],
    },
  };
}

export function makeClaim(
  name: string,
  options: { phase?: string; volume?: string; capacity?: string } = {},
): PersistentVolumeClaim {
  const phase = options.phase ?? 'Bound';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: at(0) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'standard',
      ...(phase === 'Bound' ? { volumeName: options.volume ?? `pv-${name}` } : {}),
    },
    status:
      phase === 'Bound'
        ? { phase, accessModes: ['ReadWriteOnce'], capacity: { storage: options.capacity ?? '1Gi' } }
        : { phase },
  };
}

export function makeVolume(
  name: string,
  claim: string,
  options: { reclaim?: string; phase?: string } = {},
): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: at(0) },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: options.reclaim ?? 'Delete',
      storageClassName: 'standard',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: claim },
    },
    status: { phase: options.phase ?? 'Bound' },
  };
}

/** A healthy set of `replicas` pods with one bound claim per template each, plus overrides. */
export function makeSnapshot(overrides: Partial<StatefulSetSnapshot> = {}): StatefulSetSnapshot {
  const statefulSet = overrides.statefulSet ?? makeSet();
  const name = statefulSet.metadata!.name!;
  const start = statefulSet.spec?.ordinals?.start ?? 0;
  const replicas = statefulSet.spec?.replicas ?? 1;
  const templates = (statefulSet.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata!.name!);
  const ordinals = Array.from({ length: replicas }, (_, i) => start + i);
  const claims =
    overrides.claims ?? ordinals.flatMap((o) => templates.map((t) => makeClaim(`${t}-${name}-${o}`)));
  const volumes =
    overrides.volumes ??
    new Map(
      claims
        .filter((c) => c.spec?.volumeName)
        .map((c) => [c.spec!.volumeName!, makeVolume(c.spec!.volumeName!, c.metadata!.name!)] as const),
    );
  return {
    statefulSet,
    pods: overrides.pods ?? ordinals.map((o, i) => makePod(o, { set: name, created: i * 10 })),
    claims,
    volumes,
    service: overrides.service ?? {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: name } },
    },
    endpointSlices: overrides.endpointSlices ?? [],
    events: overrides.events ?? [],
    storageClasses: overrides.storageClasses ?? [],
    nodes: overrides.nodes ?? [],
    revisions: overrides.revisions ?? [],
    unreadable: overrides.unreadable ?? [],
    now: overrides.now ?? new Date(T0 + 3600_000),
  };
}
