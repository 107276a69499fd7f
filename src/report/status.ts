// The status report: everything `kubectl sts status NAME` shows, as one plain object that the
// table, JSON and YAML renderers all draw from. Pure: snapshot and clock in, report out.
import type { PersistentVolumeClaim, Pod } from '../kube/types.ts';
import { diagnose } from './diagnostics/index.ts';
import {
  claimNameFor,
  desiredReplicas,
  expectedOrdinals,
  isExpectedOrdinal,
  ordinalFromClaimName,
  ordinalStart,
  podNameFor,
  podsByOrdinal,
} from './ordinals.ts';
import { createdBeforePredecessorReady, isPodReady, podDisplayStatus, rankReadiness } from './readiness.ts';
import type { Diagnostic, StatefulSetSnapshot, Unreadable } from './snapshot.ts';
import { volumeStatusFor, volumesUnreadable } from './volumes.ts';
import type { VolumeStatus } from './volumes.ts';

export type { VolumeStatus } from './volumes.ts';

export interface StatusOptions {
  /** Cluster DNS domain for stable names (`cluster.local`). */
  clusterDomain: string;
  /** The clock reading ages are computed at; defaults to the snapshot's. */
  now?: Date;
  /** The diagnostics engine; replaceable so that rendering tests do not depend on its rules. */
  diagnose?: (snapshot: StatefulSetSnapshot) => Diagnostic[];
}

export interface StatefulSetSummary {
  name: string;
  namespace: string;
  /** The StatefulSet's own labels (what -l, -L and --show-labels look at). */
  labels: Record<string, string>;
  serviceName: string | null;
  podManagementPolicy: string;
  updateStrategy: { type: string; partition: number | null; maxUnavailable: number | string | null };
  ordinalsStart: number;
  pvcRetentionPolicy: { whenDeleted: string; whenScaled: string };
  minReadySeconds: number;
  volumeClaimTemplates: string[];
  replicas: { desired: number; current: number; ready: number; updated: number; available: number };
  revisions: { current: string | null; update: string | null };
  generation: { observed: number | null; current: number | null };
  createdAt: string | null;
}

/** Which of the set's revisions a pod runs. */
export type RevisionState = 'current' | 'update' | 'other';

export interface PodStatusRow {
  ordinal: number;
  name: string;
  /** Inside start … start + replicas − 1; false for leftovers found outside the range. */
  expected: boolean;
  exists: boolean;
  /** Pod phase (`Running`, `Pending`…); null when the pod does not exist. */
  phase: string | null;
  /** kubectl's STATUS (`Running`, `Init:0/1`, `CrashLoopBackOff`, `Terminating`…); `Missing` when absent. */
  status: string;
  ready: boolean;
  readyContainers: string | null;
  /** 1 for the pod that became Ready first; null while not Ready. */
  readyOrder: number | null;
  readySince: string | null;
  /** Seconds after the pod ranked just before it became Ready. */
  readyAfterPreviousSeconds: number | null;
  /** Seconds after the previous ordinal (ordinal − 1) became Ready; negative when it became Ready later (Parallel). Null unless both are Ready. */
  readyAfterPredecessorSeconds: number | null;
  restarts: number;
  createdAt: string | null;
  ageSeconds: number | null;
  node: string | null;
  podIP: string | null;
  revision: { hash: string | null; state: RevisionState | null };
  dns: string;
  /** OrderedReady only: the pod was created before its predecessor was Ready. */
  createdBeforePredecessorReady: boolean;
  volumes: VolumeStatus[];
}

export interface StatusReport {
  statefulSet: StatefulSetSummary;
  pods: PodStatusRow[];
  diagnostics: Diagnostic[];
  unreadable: Unreadable[];
  clusterDomain: string;
  generatedAt: string;
}

const REVISION_LABEL = 'controller-revision-hash';

function secondsBetween(from: string | undefined, now: Date): number | null {
  const start = Date.parse(from ?? '');
  return Number.isNaN(start) ? null : Math.max(0, Math.floor((now.getTime() - start) / 1000));
}

/** Whole seconds from `earlier` to `later` (RFC 3339), or null when either is unknown. */
function secondsAfter(earlier: string | undefined, later: string | undefined): number | null {
  const from = Date.parse(earlier ?? '');
  const to = Date.parse(later ?? '');
  return Number.isNaN(from) || Number.isNaN(to) ? null : Math.round((to - from) / 1000);
}

function revisionOf(
  pod: Pod | undefined,
  current: string | null,
  update: string | null,
): PodStatusRow['revision'] {
  const hash = pod?.metadata?.labels?.[REVISION_LABEL] ?? null;
  if (!hash) return { hash: null, state: null };
  const state: RevisionState = hash === current ? 'current' : hash === update ? 'update' : 'other';
  return { hash, state };
}

export function summarizeStatefulSet(snapshot: StatefulSetSnapshot): StatefulSetSummary {
  const set = snapshot.statefulSet;
  const spec = set.spec ?? {};
  const status = set.status ?? {};
  const strategyType = spec.updateStrategy?.type ?? 'RollingUpdate';
  const rolling = spec.updateStrategy?.rollingUpdate;
  return {
    name: set.metadata?.name ?? '',
    namespace: set.metadata?.namespace ?? 'default',
    labels: { ...set.metadata?.labels },
    serviceName: spec.serviceName || null,
    podManagementPolicy: spec.podManagementPolicy ?? 'OrderedReady',
    updateStrategy: {
      type: strategyType,
      partition: strategyType === 'RollingUpdate' ? (rolling?.partition ?? 0) : null,
      maxUnavailable: strategyType === 'RollingUpdate' ? (rolling?.maxUnavailable ?? null) : null,
    },
    ordinalsStart: ordinalStart(set),
    pvcRetentionPolicy: {
      whenDeleted: spec.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain',
      whenScaled: spec.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain',
    },
    minReadySeconds: spec.minReadySeconds ?? 0,
    volumeClaimTemplates: (spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? ''),
    replicas: {
      desired: desiredReplicas(set),
      current: status.currentReplicas ?? 0,
      ready: status.readyReplicas ?? 0,
      updated: status.updatedReplicas ?? 0,
      available: status.availableReplicas ?? 0,
    },
    revisions: { current: status.currentRevision ?? null, update: status.updateRevision ?? null },
    generation: { observed: status.observedGeneration ?? null, current: set.metadata?.generation ?? null },
    createdAt: set.metadata?.creationTimestamp ?? null,
  };
}

export function buildStatusReport(snapshot: StatefulSetSnapshot, options: StatusOptions): StatusReport {
  const now = options.now ?? snapshot.now;
  const summary = summarizeStatefulSet(snapshot);
  const setName = summary.name;
  const namespace = summary.namespace;
  const templates = summary.volumeClaimTemplates;

  const claimsByName = new Map<string, PersistentVolumeClaim>();
  for (const claim of snapshot.claims) {
    const name = claim.metadata?.name;
    if (name && (claim.metadata?.namespace ?? namespace) === namespace) claimsByName.set(name, claim);
  }

  const pods = podsByOrdinal(snapshot.pods, snapshot.statefulSet);
  const ordinals = new Set<number>(expectedOrdinals(snapshot.statefulSet));
  for (const ordinal of pods.keys()) ordinals.add(ordinal);
  for (const claimName of claimsByName.keys()) {
    for (const template of templates) {
      const ordinal = ordinalFromClaimName(claimName, template, setName);
      if (ordinal !== undefined) ordinals.add(ordinal);
    }
  }

  const ranks = rankReadiness([...pods].map(([ordinal, pod]) => ({ ordinal, pod })));
  const pvUnreadable = volumesUnreadable(snapshot.unreadable);
  const orderedReady = summary.podManagementPolicy === 'OrderedReady';
  const serviceDomain = `${summary.serviceName ?? setName}.${namespace}.svc.${options.clusterDomain}`;

  const rows = [...ordinals]
    .sort((a, b) => a - b)
    .map((ordinal): PodStatusRow => {
      const pod = pods.get(ordinal);
      const name = pod?.metadata?.name ?? podNameFor(setName, ordinal);
      const display = pod ? podDisplayStatus(pod) : undefined;
      const rank = ranks.get(ordinal);
      const createdAt = pod?.metadata?.creationTimestamp ?? null;
      const predecessor = pods.get(ordinal - 1);
      return {
        ordinal,
        name,
        expected: isExpectedOrdinal(snapshot.statefulSet, ordinal),
        exists: pod !== undefined,
        phase: pod ? (pod.status?.phase ?? 'Pending') : null,
        status: display?.status ?? 'Missing',
        ready: isPodReady(pod),
        readyContainers: display ? `${display.readyContainers}/${display.totalContainers}` : null,
        readyOrder: rank?.order ?? null,
        readySince: rank?.since ?? null,
        readyAfterPreviousSeconds: rank?.afterPreviousSeconds ?? null,
        readyAfterPredecessorSeconds: secondsAfter(ranks.get(ordinal - 1)?.since, rank?.since),
        restarts: display?.restarts ?? 0,
        createdAt,
        ageSeconds: createdAt ? secondsBetween(createdAt, now) : null,
        node: pod?.spec?.nodeName ?? null,
        podIP: pod?.status?.podIP ?? null,
        revision: revisionOf(pod, summary.revisions.current, summary.revisions.update),
        dns: `${name}.${serviceDomain}`,
        createdBeforePredecessorReady:
          orderedReady && pod !== undefined && ordinal > summary.ordinalsStart
            ? createdBeforePredecessorReady(pod, predecessor)
            : false,
        volumes: templates.map((template) => {
          const claimName = claimNameFor(template, setName, ordinal);
          return volumeStatusFor(
            template,
            claimName,
            claimsByName.get(claimName),
            snapshot.volumes,
            pvUnreadable,
          );
        }),
      };
    });

  return {
    statefulSet: summary,
    pods: rows,
    diagnostics: (options.diagnose ?? diagnose)(snapshot),
    unreadable: snapshot.unreadable,
    clusterDomain: options.clusterDomain,
    generatedAt: now.toISOString(),
  };
}
