// Hand-built API objects for the pure rule tests: a healthy set by default, with small
// overrides per case so each test states only what differs.
import type {
  KubeEvent,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
  StorageClass,
} from '../../src/kube/types.ts';
import type { StatefulSetSnapshot } from '../../src/report/snapshot.ts';

export const NOW = new Date('2026-01-10T12:00:00Z');
export const NS = 'shop';

export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString();
}

export interface SetOptions {
  name?: string;
  replicas?: number;
  start?: number;
  partition?: number;
  strategy?: 'RollingUpdate' | 'OnDelete';
  policy?: 'OrderedReady' | 'Parallel';
  minReadySeconds?: number;
  templates?: { name: string; size?: string; storageClassName?: string }[];
  whenScaled?: 'Retain' | 'Delete';
  currentRevision?: string;
  updateRevision?: string;
  generation?: number;
  observedGeneration?: number;
}

export function statefulSet(options: SetOptions = {}): StatefulSet {
  const name = options.name ?? 'web';
  const replicas = options.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS, generation: options.generation ?? 1, uid: `uid-${name}` },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      podManagementPolicy: options.policy ?? 'OrderedReady',
      updateStrategy:
        options.strategy === 'OnDelete'
          ? { type: 'OnDelete' }
          : { type: 'RollingUpdate', rollingUpdate: { partition: options.partition ?? 0 } },
      ...(options.start !== undefined ? { ordinals: { start: options.start } } : {}),
      ...(options.minReadySeconds !== undefined ? { minReadySeconds: options.minReadySeconds } : {}),
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: 'Retain',
        whenScaled: options.whenScaled ?? 'Retain',
      },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
      },
      volumeClaimTemplates: (options.templates ?? [{ name: 'data' }]).map((t) => ({
        metadata: { name: t.name },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: t.size ?? '1Gi' } },
          ...(t.storageClassName !== undefined ? { storageClassName: t.storageClassName } : {}),
        },
      })),
    },
    status: {
      observedGeneration: options.observedGeneration ?? options.generation ?? 1,
      replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      currentReplicas: replicas,
      updatedReplicas: replicas,
      currentRevision: options.currentRevision ?? `${name}-rev1`,
      updateRevision: options.updateRevision ?? options.currentRevision ?? `${name}-rev1`,
    },
  };
}

export interface PodOptions {
  revision?: string;
  ready?: boolean;
  readySince?: number;
  phase?: string;
  node?: string | null;
  waiting?: string;
  terminatingSince?: number;
  unschedulable?: string;
  restarts?: number;
  createdAgo?: number;
}

export function pod(set: StatefulSet, ordinal: number, options: PodOptions = {}): Pod {
  const name = `${set.metadata!.name}-${ordinal}`;
  const ready = options.ready ?? true;
  const phase = options.phase ?? (options.unschedulable ? 'Pending' : 'Running');
  const conditions = [
    options.unschedulable
      ? { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: options.unschedulable }
      : { type: 'PodScheduled', status: 'True' },
    { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ago(options.readySince ?? 3600) },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(options.createdAgo ?? 7200),
      labels: {
        ...set.spec!.template!.metadata!.labels,
        'controller-revision-hash': options.revision ?? set.status!.updateRevision!,
        'apps.kubernetes.io/pod-index': String(ordinal),
        'statefulset.kubernetes.io/pod-name': name,
      },
      ...(options.terminatingSince !== undefined
        ? { deletionTimestamp: ago(options.terminatingSince), deletionGracePeriodSeconds: 30 }
        : {}),
    },
    spec: {
      ...(options.node === null || options.unschedulable ? {} : { nodeName: options.node ?? 'node-a' }),
      containers: [{ name: 'app', image: 'nginx:1' }],
    },
    status: {
      phase,
      conditions,
      startTime: ago(options.createdAgo ?? 7200),
      containerStatuses: [
        {
          name: 'app',
          ready,
          restartCount: options.restarts ?? 0,
          state: options.waiting
            ? { waiting: { reason: options.waiting } }
            : { running: { startedAt: ago(7000) } },
        },
      ],
    },
  };
}

export function healthyPods(set: StatefulSet): Pod[] {
  const start = set.spec?.ordinals?.start ?? 0;
  return Array.from({ length: set.spec!.replicas! }, (_, i) => pod(set, start + i));
}

export interface ClaimOptions {
  phase?: string;
  size?: string;
  storageClassName?: string | null;
  volumeName?: string;
  createdAgo?: number;
  ownerPod?: string;
  annotations?: Record<string, string>;
}

export function claim(name: string, options: ClaimOptions = {}): PersistentVolumeClaim {
  const phase = options.phase ?? 'Bound';
  const size = options.size ?? '1Gi';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: ago(options.createdAgo ?? 7200),
      ...(options.ownerPod
        ? {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Pod', name: options.ownerPod, uid: `uid-${options.ownerPod}` },
            ],
          }
        : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(options.storageClassName === null
        ? {}
        : {
            storageClassName: options.storageClassName === undefined ? 'standard' : options.storageClassName,
          }),
      ...(phase === 'Bound' ? { volumeName: options.volumeName ?? `pv-${name}` } : {}),
    },
    status:
      phase === 'Bound' ? { phase, capacity: { storage: size }, accessModes: ['ReadWriteOnce'] } : { phase },
  };
}

export function claimsFor(set: StatefulSet): PersistentVolumeClaim[] {
  const start = set.spec?.ordinals?.start ?? 0;
  return (set.spec!.volumeClaimTemplates ?? []).flatMap((t) =>
    Array.from({ length: set.spec!.replicas! }, (_, i) =>
      claim(`${t.metadata!.name}-${set.metadata!.name}-${start + i}`, {
        size: t.spec?.resources?.requests?.storage,
      }),
    ),
  );
}

export function storageClass(
  name: string,
  extra: Partial<StorageClass> = {},
  isDefault = false,
): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name,
      ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    provisioner: 'rancher.io/local-path',
    volumeBindingMode: 'Immediate',
    ...extra,
  };
}

export function headlessService(
  set: StatefulSet,
  overrides: Partial<NonNullable<Service['spec']>> = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: set.spec!.serviceName!, namespace: NS },
    spec: { clusterIP: 'None', selector: { ...set.spec!.template!.metadata!.labels }, ...overrides },
  };
}

export function node(name: string, ready: 'True' | 'False' | 'Unknown' = 'True'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
          lastTransitionTime: ago(900),
        },
      ],
    },
  };
}

export function event(
  kind: string,
  name: string,
  reason: string,
  message: string,
  options: { type?: string; count?: number; lastSeen?: number } = {},
): KubeEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason}`, namespace: NS },
    involvedObject: { kind, name, namespace: NS },
    reason,
    message,
    type: options.type ?? 'Warning',
    count: options.count ?? 1,
    lastTimestamp: ago(options.lastSeen ?? 60),
  };
}

export function volume(
  name: string,
  claimName: string,
  phase = 'Bound',
  extra: Partial<PersistentVolume> = {},
): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'standard',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: claimName, uid: `uid-${claimName}` },
    },
    status: { phase },
    ...extra,
  };
}

/** A healthy snapshot of `set`, with any part replaced. */
export function snapshot(set: StatefulSet, parts: Partial<StatefulSetSnapshot> = {}): StatefulSetSnapshot {
  return {
    statefulSet: set,
    pods: healthyPods(set),
    claims: claimsFor(set),
    volumes: new Map(),
    service: headlessService(set),
    endpointSlices: [],
    events: [],
    storageClasses: [storageClass('standard', {}, true)],
    nodes: [node('node-a')],
    revisions: [],
    unreadable: [],
    now: NOW,
    ...parts,
  };
}

export function replacePod(pods: Pod[], replacement: Pod): Pod[] {
  return pods.map((p) => (p.metadata?.name === replacement.metadata?.name ? replacement : p));
}

export function withoutPod(pods: Pod[], name: string): Pod[] {
  return pods.filter((p) => p.metadata?.name !== name);
}
