// The status report: everything `kubectl sts status NAME` shows, as one plain object that the
// table, JSON and YAML renderers all draw from. Pure: snapshot and clock in, report out.
import type { PersistentVolumeClaim, Pod } from '../kube/types.ts';
import { diagnose } from './diagnostics/index.ts';
import { parseQuantity } from './diagnostics/facts.ts';
import {
  claimNameFor,
  desiredReplicas,
  expectedOrdinals,
  isExpectedOrdinal,
  ordinalStart,
  podNameFor,
  podsByOrdinal,
} from './ordinals.ts';
import { createdBeforePredecessorReady, isPodReady, podDisplayStatus, rankReadiness } from './readiness.ts';
import { summarizeRollout, type RolloutSummary } from './rollout.ts';
import type { Diagnostic, SnapshotSource, StatefulSetSnapshot, Unreadable } from './snapshot.ts';
import { claimsOutsideRange, formatBytes, volumeStatusFor, volumesUnreadable } from './volumes.ts';
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
  /**
   * The status counters as the controller wrote them. `updated` is null when the status has no
   * updatedReplicas (controllers before the fix of kubernetes#52653 left it out).
   */
  replicas: { desired: number; current: number; ready: number; updated: number | null; available: number };
  revisions: { current: string | null; update: string | null };
  generation: { observed: number | null; current: number | null };
  createdAt: string | null;
}

/** Which of the set's revisions a pod runs. */
export type RevisionState = 'current' | 'update' | 'other';

export interface PodStatusRow {
  ordinal: number;
  name: string;
  /** Inside start … start + replicas − 1; false for a pod still there outside the range (scale-down). */
  expected: boolean;
  /** Whether the pod exists; null when pods were not read (a dump without them). */
  exists: boolean | null;
  /** Pod phase (`Running`, `Pending`…); null when the pod does not exist. */
  phase: string | null;
  /** kubectl's STATUS (`Running`, `Init:0/1`, `CrashLoopBackOff`, `Terminating`…); `Missing` when absent, `<unknown>` when pods were not read. */
  status: string;
  ready: boolean;
  readyContainers: string | null;
  /** 1 for the pod that became Ready first; null while not Ready. Pods Ready in the same second share it. */
  readyOrder: number | null;
  /** Another pod became Ready in the same second: their order is not known. */
  readyOrderTied: boolean;
  readySince: string | null;
  /** Seconds after the pod ranked just before it became Ready. */
  readyAfterPreviousSeconds: number | null;
  /** Seconds after the previous ordinal (ordinal − 1) became Ready; negative when it became Ready later (Parallel). Null unless both are Ready. */
  readyAfterPredecessorSeconds: number | null;
  restarts: number;
  createdAt: string | null;
  /** Negative when the creation timestamp is ahead of the clock (skew), shown as `<invalid>` as kubectl does. */
  ageSeconds: number | null;
  node: string | null;
  podIP: string | null;
  revision: { hash: string | null; state: RevisionState | null };
  dns: string;
  /** OrderedReady only: the pod was created before its predecessor was Ready. */
  createdBeforePredecessorReady: boolean;
  volumes: VolumeStatus[];
}

/** One claim kept for an ordinal the set no longer has. */
export interface RetainedClaim {
  claim: string;
  ordinal: number;
  template: string;
  phase: string | null;
  capacity: string | null;
  volume: string | null;
  reclaimPolicy: string | null;
  /** A pod of that ordinal still exists (the scale-down is still removing it). */
  podExists: boolean;
  /** whenScaled: Delete has marked it for removal with its pod (an owner reference to the pod). */
  goesWithPod: boolean;
}

/**
 * Claims a scale-down left for ordinals outside the range: under whenScaled: Retain (the
 * default) the policy keeping data the owner chose to keep, not a fault. A scale-up to
 * `reattachedAtReplicas` re-attaches all of them, with their data.
 */
export interface RetainedClaims {
  whenScaled: string;
  ordinals: number[];
  claims: RetainedClaim[];
  /** Sum of their capacities (`20Gi`); null when a size is unknown. */
  totalCapacity: string | null;
  reattachedAtReplicas: number;
}

export interface StatusReport {
  /** Where the objects came from: absent for a live cluster. */
  source?: SnapshotSource;
  statefulSet: StatefulSetSummary;
  /** False when pods were not read: rows then carry only what the set itself says. */
  podsKnown: boolean;
  /** Where the rollout stands (from the pods, else the status counters): the list's REVISION too. */
  rollout: RolloutSummary;
  pods: PodStatusRow[];
  /** Claims kept for ordinals outside the range; null when there are none (or claims were not read). */
  retainedClaims: RetainedClaims | null;
  diagnostics: Diagnostic[];
  unreadable: Unreadable[];
  clusterDomain: string;
  generatedAt: string;
}

const REVISION_LABEL = 'controller-revision-hash';

/** Whole seconds since `from`; negative when `from` is ahead of the clock (never clamped: that hides skew). */
function secondsBetween(from: string | undefined, now: Date): number | null {
  const start = Date.parse(from ?? '');
  return Number.isNaN(start) ? null : Math.floor((now.getTime() - start) / 1000);
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
      updated: status.updatedReplicas ?? null,
      available: status.availableReplicas ?? 0,
    },
    revisions: { current: status.currentRevision ?? null, update: status.updateRevision ?? null },
    generation: { observed: status.observedGeneration ?? null, current: set.metadata?.generation ?? null },
    createdAt: set.metadata?.creationTimestamp ?? null,
  };
}

function retainedClaimsOf(
  snapshot: StatefulSetSnapshot,
  pods: Map<number, Pod>,
  claimsKnown: boolean,
): RetainedClaims | null {
  if (!claimsKnown) return null;
  const set = snapshot.statefulSet;
  const outside = claimsOutsideRange(set, snapshot.claims);
  if (outside.length === 0) return null;
  const setName = set.metadata?.name ?? '';
  const claims = outside.map(({ ordinal, template, claim }): RetainedClaim => {
    const volume = claim.spec?.volumeName || null;
    const pv = volume ? snapshot.volumes.get(volume) : undefined;
    return {
      claim: claim.metadata?.name ?? '',
      ordinal,
      template,
      phase: claim.status?.phase ?? null,
      capacity: claim.status?.capacity?.storage ?? claim.spec?.resources?.requests?.storage ?? null,
      volume,
      reclaimPolicy: pv?.spec?.persistentVolumeReclaimPolicy ?? null,
      podExists: pods.has(ordinal),
      goesWithPod: (claim.metadata?.ownerReferences ?? []).some(
        (ref) => ref.kind === 'Pod' && ref.name === podNameFor(setName, ordinal),
      ),
    };
  });
  const bytes = claims.map((c) => parseQuantity(c.capacity ?? undefined));
  const ordinals = [...new Set(claims.map((c) => c.ordinal))].sort((a, b) => a - b);
  return {
    whenScaled: set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain',
    ordinals,
    claims,
    totalCapacity: bytes.every((b) => b !== undefined)
      ? formatBytes(bytes.reduce((sum, b) => sum! + b!, 0)!)
      : null,
    reattachedAtReplicas: Math.max(...ordinals) - ordinalStart(set) + 1,
  };
}

export function buildStatusReport(snapshot: StatefulSetSnapshot, options: StatusOptions): StatusReport {
  const now = options.now ?? snapshot.now;
  const summary = summarizeStatefulSet(snapshot);
  const setName = summary.name;
  const namespace = summary.namespace;
  const templates = summary.volumeClaimTemplates;
  const podsKnown = !snapshot.unreadable.some((u) => u.resource === 'pods');
  const claimsKnown = !snapshot.unreadable.some((u) => u.resource === 'persistentvolumeclaims');

  const claimsByName = new Map<string, PersistentVolumeClaim>();
  for (const claim of snapshot.claims) {
    const name = claim.metadata?.name;
    if (name && (claim.metadata?.namespace ?? namespace) === namespace) claimsByName.set(name, claim);
  }

  // One row per ordinal the set has, plus pods still there outside the range (a scale-down in
  // progress). Claims kept for ordinals the set no longer has are not pods: they are listed in
  // retainedClaims, never as rows.
  const pods = podsByOrdinal(snapshot.pods, snapshot.statefulSet);
  const ordinals = new Set<number>(expectedOrdinals(snapshot.statefulSet));
  for (const ordinal of pods.keys()) ordinals.add(ordinal);

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
        exists: podsKnown ? pod !== undefined : null,
        phase: pod ? (pod.status?.phase ?? 'Pending') : null,
        status: display?.status ?? (podsKnown ? 'Missing' : '<unknown>'),
        ready: isPodReady(pod),
        readyContainers: display ? `${display.readyContainers}/${display.totalContainers}` : null,
        readyOrder: rank?.order ?? null,
        readyOrderTied: rank?.tied ?? false,
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
            claimsKnown,
          );
        }),
      };
    });

  return {
    ...(snapshot.source ? { source: snapshot.source } : {}),
    statefulSet: summary,
    podsKnown,
    rollout: summarizeRollout(snapshot.statefulSet, podsKnown ? snapshot.pods : undefined, now),
    pods: rows,
    retainedClaims: retainedClaimsOf(snapshot, pods, claimsKnown),
    diagnostics: (options.diagnose ?? diagnose)(snapshot),
    unreadable: snapshot.unreadable,
    clusterDomain: options.clusterDomain,
    generatedAt: now.toISOString(),
  };
}
