// Rollout progress computed from the pods themselves, the way the StatefulSet controller sees
// them, rather than from the status counters `kubectl rollout status` trusts. Differences that
// matter in practice:
// - the partition is applied to the replica *index*, not the ordinal: with `ordinals.start: 2`
//   and `partition: 5`, ordinals 2..6 stay on the old revision (kubernetes#128529);
// - OnDelete never completes by itself (kubectl errors out), pods wait for manual deletion;
// - with minReadySeconds a Ready pod is not yet available, and the controller waits for it;
// - status.currentRevision is never advanced under OnDelete or a partition, so it can name a
//   revision no pod runs any more (kubernetes#73492).
import type { Pod, StatefulSet } from '../kube/types.ts';
import {
  desiredReplicas,
  expectedOrdinals,
  isAvailable,
  isOrderedReady,
  isRunningAndReady,
  isTerminating,
  podName,
  podRevision,
  podsByOrdinal,
} from './diagnostics/facts.ts';
import { ordinalStart } from './ordinals.ts';

export type RevisionRole = 'update' | 'current' | 'other' | 'unknown' | 'missing';

export interface OrdinalRevision {
  ordinal: number;
  pod: string;
  exists: boolean;
  /** The pod's controller-revision-hash label. */
  revision: string | undefined;
  /** Which of the set's revisions the pod runs. */
  role: RevisionRole;
  /** The revision this ordinal ends on under the current strategy and partition. */
  target: 'update' | 'current';
  /** The pod exists and runs the revision it should end on. */
  upToDate: boolean;
  ready: boolean;
  available: boolean;
  terminating: boolean;
}

export interface KubectlVerdict {
  /** Whether `kubectl rollout status` would report the rollout finished. */
  done: boolean;
  /** What it would print (or the error it would return). */
  message: string;
  error: boolean;
}

export interface RolloutProgress {
  strategy: 'RollingUpdate' | 'OnDelete';
  podManagementPolicy: 'OrderedReady' | 'Parallel';
  startOrdinal: number;
  replicas: number;
  /** RollingUpdate partition (0 when unset or OnDelete). */
  partition: number;
  maxUnavailable: number;
  minReadySeconds: number;
  generation: number | undefined;
  observedGeneration: number | undefined;
  /** The controller has seen the latest spec. */
  generationObserved: boolean;
  currentRevision: string | undefined;
  updateRevision: string | undefined;
  /** Every expected ordinal, ascending. */
  ordinals: OrdinalRevision[];
  /** Ordinals the partition keeps on the current revision. */
  heldBackOrdinals: number[];
  /** Ordinals a template change reaches automatically (empty under OnDelete). */
  updateOrdinals: number[];
  /** Ordinals that should run the update revision and do not yet (or do not exist). */
  pendingOrdinals: number[];
  /** The ordinal(s) replaced next: by the controller (RollingUpdate) or by you (OnDelete). */
  nextToReplace: number[];
  missingOrdinals: number[];
  notReadyOrdinals: number[];
  /** Ready but not yet for minReadySeconds. */
  notAvailableOrdinals: number[];
  /** Pods that still exist outside the expected range (scale-down in progress). */
  condemnedOrdinals: number[];
  /** status.currentRevision names a revision no expected pod runs (kubernetes#73492). */
  currentRevisionDrift: boolean;
  complete: boolean;
  /** What the rollout still waits for, one phrase each; empty when complete. */
  waitingFor: string[];
  kubectl: KubectlVerdict;
}

function maxUnavailableOf(set: StatefulSet, replicas: number): number {
  const raw = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (raw === undefined) return 1;
  if (typeof raw === 'number') return Math.max(1, raw);
  const percent = /^(\d+)%$/.exec(raw);
  if (percent) return Math.max(1, Math.ceil((Number(percent[1]) * replicas) / 100));
  return /^\d+$/.test(raw) ? Math.max(1, Number(raw)) : 1;
}

function roleOf(revision: string | undefined, set: StatefulSet): RevisionRole {
  const { currentRevision, updateRevision } = set.status ?? {};
  if (revision === undefined || (!currentRevision && !updateRevision)) return 'unknown';
  if (revision === updateRevision) return 'update';
  if (revision === currentRevision) return 'current';
  return 'other';
}

export function buildRolloutProgress(set: StatefulSet, pods: Pod[], now: Date): RolloutProgress {
  const strategy = set.spec?.updateStrategy?.type === 'OnDelete' ? 'OnDelete' : 'RollingUpdate';
  const start = ordinalStart(set);
  const replicas = desiredReplicas(set);
  const partition =
    strategy === 'RollingUpdate' ? Math.max(0, set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const minReadySeconds = set.spec?.minReadySeconds ?? 0;
  const generation = set.metadata?.generation;
  const observedGeneration = set.status?.observedGeneration;
  const generationObserved =
    generation === undefined || (observedGeneration !== undefined && observedGeneration >= generation);
  const { currentRevision, updateRevision } = set.status ?? {};
  const byOrdinal = podsByOrdinal(pods, set);
  // The controller compares the partition with the replica index (ordinal - start).
  const firstUpdated = start + partition;

  const ordinals: OrdinalRevision[] = expectedOrdinals(set).map((ordinal) => {
    const pod = byOrdinal.get(ordinal);
    const revision = pod ? podRevision(pod) : undefined;
    const role = pod ? roleOf(revision, set) : 'missing';
    const target = strategy === 'RollingUpdate' && ordinal < firstUpdated ? 'current' : 'update';
    const upToDate =
      pod !== undefined &&
      (target === 'current' || role === 'update' || (role === 'unknown' && updateRevision === undefined));
    return {
      ordinal,
      pod: podName(set, ordinal),
      exists: pod !== undefined,
      revision,
      role,
      target,
      upToDate,
      ready: pod ? isRunningAndReady(pod) : false,
      available: pod ? isAvailable(pod, minReadySeconds, now) : false,
      terminating: pod ? isTerminating(pod) : false,
    };
  });

  const heldBackOrdinals = ordinals.filter((o) => o.target === 'current').map((o) => o.ordinal);
  const updateOrdinals =
    strategy === 'OnDelete' ? [] : ordinals.filter((o) => o.target === 'update').map((o) => o.ordinal);
  const pending = ordinals.filter((o) => o.target === 'update' && !o.upToDate);
  const pendingOrdinals = pending.map((o) => o.ordinal);
  const missingOrdinals = ordinals.filter((o) => !o.exists).map((o) => o.ordinal);
  const notReadyOrdinals = ordinals.filter((o) => o.exists && !o.ready).map((o) => o.ordinal);
  const notAvailableOrdinals = ordinals.filter((o) => o.ready && !o.available).map((o) => o.ordinal);
  const expected = new Set(ordinals.map((o) => o.ordinal));
  const condemnedOrdinals = [...byOrdinal.keys()]
    .filter((ordinal) => !expected.has(ordinal))
    .sort((a, b) => a - b);

  const maxUnavailable = maxUnavailableOf(set, replicas);
  // Existing pods on an old revision; missing ones are simply created at the update revision.
  const replaceable = pending.filter((o) => o.exists);
  const nextToReplace =
    strategy === 'OnDelete'
      ? replaceable.map((o) => o.ordinal)
      : replaceable
          .map((o) => o.ordinal)
          .sort((a, b) => b - a)
          .slice(0, maxUnavailable)
          .sort((a, b) => a - b);

  const everyPodOnUpdate =
    ordinals.length > 0 && ordinals.every((o) => o.exists && o.revision !== undefined && o.role === 'update');
  const currentRevisionDrift =
    everyPodOnUpdate && currentRevision !== undefined && currentRevision !== updateRevision;

  const waitingFor: string[] = [];
  if (!generationObserved) {
    waitingFor.push(
      `the controller to observe generation ${generation} (observedGeneration ${observedGeneration ?? 'unset'})`,
    );
  }
  if (updateRevision === undefined && ordinals.length > 0)
    waitingFor.push('status.updateRevision to be reported');
  if (missingOrdinals.length) waitingFor.push(`pods to be created: ordinals ${missingOrdinals.join(', ')}`);
  if (condemnedOrdinals.length)
    waitingFor.push(`pods to be removed: ordinals ${condemnedOrdinals.join(', ')}`);
  const terminating = ordinals.filter((o) => o.terminating).map((o) => o.ordinal);
  if (terminating.length)
    waitingFor.push(`terminating pods to be replaced: ordinals ${terminating.join(', ')}`);
  if (notReadyOrdinals.length)
    waitingFor.push(`pods to become Ready: ordinals ${notReadyOrdinals.join(', ')}`);
  if (notAvailableOrdinals.length) {
    waitingFor.push(
      `pods to stay Ready for minReadySeconds (${minReadySeconds}s): ordinals ${notAvailableOrdinals.join(', ')}`,
    );
  }
  const pendingExisting = replaceable.map((o) => o.ordinal);
  if (pendingExisting.length) {
    waitingFor.push(
      strategy === 'OnDelete'
        ? `manual deletion of pods on an old revision (OnDelete): ordinals ${pendingExisting.join(', ')}`
        : `pods to be updated to ${updateRevision}: ordinals ${pendingExisting.join(', ')}`,
    );
  }

  return {
    strategy,
    podManagementPolicy: isOrderedReady(set) ? 'OrderedReady' : 'Parallel',
    startOrdinal: start,
    replicas,
    partition,
    maxUnavailable,
    minReadySeconds,
    generation,
    observedGeneration,
    generationObserved,
    currentRevision,
    updateRevision,
    ordinals,
    heldBackOrdinals,
    updateOrdinals,
    pendingOrdinals,
    nextToReplace,
    missingOrdinals,
    notReadyOrdinals,
    notAvailableOrdinals,
    condemnedOrdinals,
    currentRevisionDrift,
    complete: waitingFor.length === 0,
    waitingFor,
    kubectl: kubectlRolloutVerdict(set),
  };
}

/**
 * What `kubectl rollout status statefulset/NAME` concludes from the status counters alone
 * (kubectl's StatefulSetStatusViewer), so the report can say when it would be wrong.
 */
export function kubectlRolloutVerdict(set: StatefulSet): KubectlVerdict {
  const spec = set.spec ?? {};
  const status = set.status ?? {};
  if (spec.updateStrategy?.type !== undefined && spec.updateStrategy.type !== 'RollingUpdate') {
    return {
      done: true,
      error: true,
      message: 'rollout status is only available for RollingUpdate strategy type',
    };
  }
  const generation = set.metadata?.generation ?? 0;
  if (!status.observedGeneration || generation > status.observedGeneration) {
    return { done: false, error: false, message: 'Waiting for statefulset spec update to be observed...' };
  }
  const replicas = spec.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < replicas) {
    return { done: false, error: false, message: `Waiting for ${replicas - ready} pods to be ready...` };
  }
  const partition = spec.updateStrategy?.rollingUpdate?.partition;
  if (spec.updateStrategy?.rollingUpdate) {
    const updated = status.updatedReplicas ?? 0;
    if (partition !== undefined && updated < replicas - partition) {
      return {
        done: false,
        error: false,
        message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
      };
    }
    return {
      done: true,
      error: false,
      message: `partitioned roll out complete: ${updated} new pods have been updated...`,
    };
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      done: false,
      error: false,
      message: `waiting for statefulset rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision}...`,
    };
  }
  return {
    done: true,
    error: false,
    message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision}...`,
  };
}

/** Where a set's rollout stands, in the one sense `status NAME` and the list both use. */
export type RolloutState = 'current' | 'updating' | 'pending';

export interface RolloutSummary {
  /**
   * `pending` while the controller has not observed the latest spec; `updating` while an ordinal
   * the update reaches (partition respected) does not run the update revision yet, missing pods
   * included; `current` otherwise.
   */
  state: RolloutState;
  /** Pods on the update revision (from the pods), else the status counter; null when neither says. */
  updated: number | null;
  /** What it was judged from: the pods, or (pods not read) the status counters. */
  from: 'pods' | 'status';
}

/**
 * The single definition of "rollout complete". From the pods when they were read
 * (buildRolloutProgress); otherwise from the status counters, where a status without
 * updatedReplicas (controllers before the fix of kubernetes#52653) is judged by the revisions
 * alone instead of reading as 0 updated.
 */
export function summarizeRollout(set: StatefulSet, pods: Pod[] | undefined, now: Date): RolloutSummary {
  if (pods !== undefined) {
    const progress = buildRolloutProgress(set, pods, now);
    const updated = progress.ordinals.filter(
      (o) =>
        o.exists && (o.role === 'update' || (o.role === 'unknown' && progress.updateRevision === undefined)),
    ).length;
    const state: RolloutState = !progress.generationObserved
      ? 'pending'
      : progress.pendingOrdinals.length > 0
        ? 'updating'
        : 'current';
    return { state, updated, from: 'pods' };
  }
  const status = set.status ?? {};
  const generation = set.metadata?.generation;
  const observed = status.observedGeneration;
  const replicas = desiredReplicas(set);
  const partition =
    set.spec?.updateStrategy?.type === 'OnDelete'
      ? 0
      : (set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
  const sameRevision =
    status.updateRevision === undefined || status.currentRevision === status.updateRevision;
  const updated =
    status.updatedReplicas ??
    (sameRevision && status.updateRevision !== undefined ? (status.currentReplicas ?? null) : null);
  let state: RolloutState = 'current';
  if (generation !== undefined && (observed === undefined || observed < generation)) state = 'pending';
  else if (status.updatedReplicas !== undefined) {
    if (status.updatedReplicas < Math.max(0, replicas - partition)) state = 'updating';
  } else if (!sameRevision) state = 'updating';
  return { state, updated, from: 'status' };
}
