// The vocabulary of the verify-pvc flow: what it is asked to do, what it tells its caller while
// it runs (events), and what it concludes (the report). Kept apart from the steps so that the
// command, the renderers and the tests can share it without pulling in any logic.
import type { ClusterGateway } from '../kube/gateway.ts';
import type { BudgetState } from '../report/disruption.ts';

/** Time as the flow sees it; the command passes the wall clock, tests may pass a simulated one. */
export interface FlowClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: FlowClock = {
  now: () => new Date(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

export interface VerifyPvcOptions {
  namespace: string;
  statefulSet: string;
  /** Ordinal to verify; default the highest (the least disruptive one to lose for a moment). */
  ordinal?: number;
  /** Verify every ordinal, highest first, one at a time. */
  all?: boolean;
  /** Only use this container for exec and mount lookup. */
  container?: string;
  /**
   * Write the marker of the claim whose mount holds each directory there instead of at the mount
   * root; one directory per claim at most.
   */
  paths?: string[];
  /** Delete the pod (uid precondition) instead of evicting it; bypasses PodDisruptionBudgets. */
  forceDelete?: boolean;
  /**
   * Go on although the check takes the set below the availability its owner expects: fewer than
   * `replicas - 1` pods Ready while the pod is away, or (with forceDelete) a budget that allows
   * no disruption now.
   */
  allowDegraded?: boolean;
  /** --all: how long every ordinal must stay Ready before the next pod is touched. */
  settleMs?: number;
  /** The kubeconfig context, named in the plan. */
  context?: string;
  /**
   * A watch that delivers nothing (not even a bookmark) for this long is presumed stuck: the
   * state is read again and the watch restarted. Default 5 s.
   */
  watchIdleMs?: number;
  /**
   * After a removal request without a clear answer, how long the pod is watched for the request
   * landing late before it is sent again. Default 3 s.
   */
  removalGraceMs?: number;
  keepMarker?: boolean;
  /** Stop after the plan. */
  dryRun?: boolean;
  /** How long to wait for the pod to be re-created and Ready, per pod. */
  timeoutMs: number;
  /** How long cleanup may wait for a re-created pod to run so it can remove the markers. */
  cleanupTimeoutMs?: number;
}

export interface VerifyPvcDeps {
  gateway: ClusterGateway;
  clock: FlowClock;
  /** A fresh, unique, filename-safe id for each marker. */
  newMarkerId: () => string;
  /** Asked once, after the plan; false aborts without touching anything. */
  confirm: (plan: VerifyPlan) => Promise<boolean>;
  onEvent?: (event: VerifyEvent) => void;
  /** Aborting (Ctrl-C) stops the flow; cleanup still runs. */
  signal?: AbortSignal;
  /** Aborting this one (a second Ctrl-C) also gives up on cleanup. */
  cleanupSignal?: AbortSignal;
}

/** One claim of the pod, as found in pre-flight. */
export interface PlannedClaim {
  /** The volumeClaimTemplate's name, which is also the pod's volume name. */
  template: string;
  /** The PVC name: `<template>-<statefulset>-<ordinal>`. */
  claim: string;
  uid: string | null;
  /** The bound PV name. */
  volume: string | null;
  phase: string | null;
  /** What the pod's volume of that name really is: the claim, or something else (emptyDir…). */
  podVolumeSource: 'persistentVolumeClaim' | string;
  container: string;
  image: string | null;
  /** Where the volume is mounted in the container. */
  mountPath: string;
  subPath: string | null;
  /** Directory the marker goes into (the mount path, or --path). */
  markerDir: string;
  /** Warnings found in pre-flight that make a PASS impossible (the volume is not the claim). */
  problems: string[];
  /** The bound volume's reclaim policy and phase; null when unknown (not readable). */
  reclaimPolicy: string | null;
  volumePhase: string | null;
  /** The volume's node affinity, readable (`topology.kubernetes.io/zone in (zone-b)`), or null. */
  pinnedTo: string | null;
}

/** What pre-flight established about the pod's surroundings: availability, budgets, placement. */
export interface PodSafety {
  /** spec.replicas. */
  replicas: number;
  /** The other ordinals' pods that are Ready now. */
  othersReady: string[];
  /** The other ordinals that are not: missing, Pending, not Ready, terminating. */
  othersNotReady: { pod: string; state: string }[];
  /** How many replicas stay Ready while the pod is away. */
  readyWhileAway: number;
  /** Fewer than `replicas - 1` stay Ready (only ever true with --allow-degraded). */
  degraded: boolean;
  /** The budgets covering the pod, or why they could not be read. */
  budgets: BudgetState[] | { unreadable: string };
  /** Nodes the re-created pod could be scheduled on, or why nodes could not be read. */
  placement: { fits: string[]; pinnedBy: { volume: string; terms: string }[] } | { unreadable: string };
  /** What pre-flight could not prove, or what --allow-degraded lets happen, in words. */
  warnings: string[];
}

export interface PodPlan {
  namespace: string;
  statefulSet: string;
  pod: string;
  ordinal: number;
  podUid: string;
  node: string | null;
  removal: 'eviction' | 'delete';
  claims: PlannedClaim[];
  safety: PodSafety;
}

export interface VerifyPlan {
  /** The kubeconfig context and the API server the plan acts on. */
  context: string | null;
  server: string;
  namespace: string;
  statefulSet: string;
  replicas: number;
  pods: PodPlan[];
  allowDegraded: boolean;
  /** --all: how long every ordinal must stay Ready between two pods; null for one pod. */
  settleMs: number | null;
  removal: 'eviction' | 'delete';
  keepMarker: boolean;
  dryRun: boolean;
  timeoutMs: number;
}

export type VerifyPhase =
  | 'preflight'
  | 'confirm'
  | 'write-markers'
  | 'remove-pod'
  | 'wait-gone'
  | 'wait-created'
  | 'wait-ready'
  | 'verify'
  | 'cleanup-wait'
  | 'cleanup'
  | 'settle';

export type VerifyEvent =
  | { type: 'phase'; phase: VerifyPhase; pod?: string; at: Date }
  | { type: 'plan'; plan: VerifyPlan; at: Date }
  | { type: 'marker-written'; pod: string; claim: string; path: string; at: Date }
  | { type: 'pod-removed'; pod: string; uid: string; how: 'eviction' | 'delete'; at: Date }
  | { type: 'settled'; pods: string[]; settleMs: number; at: Date }
  | { type: 'pod-terminating'; pod: string; uid: string; at: Date }
  | { type: 'pod-gone'; pod: string; uid: string; at: Date }
  | { type: 'pod-created'; pod: string; uid: string; at: Date }
  | { type: 'pod-ready'; pod: string; uid: string; at: Date }
  | { type: 'claim-verified'; pod: string; claim: ClaimResult; at: Date }
  | { type: 'marker-cleanup'; pod: string; marker: MarkerCleanup; at: Date }
  | { type: 'warning'; message: string; at: Date };

export type Verdict = 'PASS' | 'FAIL';
export type RunResult = 'PASS' | 'FAIL' | 'ABORTED' | 'TIMEOUT' | 'INTERRUPTED' | 'DRY-RUN';

export interface ClaimResult {
  claim: string;
  template: string;
  result: Verdict | 'NOT-CHECKED';
  uidBefore: string | null;
  uidAfter: string | null;
  volumeBefore: string | null;
  volumeAfter: string | null;
  /** null when the run stopped before the marker could be read back. */
  markerSurvived: boolean | null;
  container: string;
  mountPath: string;
  subPath: string | null;
  /** The marker as the container sees it. */
  markerPath: string;
  /** Facts behind the verdict, one per line. */
  evidence: string[];
}

export interface MarkerCleanup {
  claim: string;
  path: string;
  /**
   * removed: deleted from the re-created (or original) pod; kept: --keep-marker; absent: the
   * volume no longer has it (it did not survive); left: could not be removed, see `where`.
   */
  status: 'removed' | 'kept' | 'absent' | 'left';
  /** For `left` and `kept`: where the file is (volume and path inside it). */
  where?: string;
  /** For `left` and `kept`: the pod and container it was written through. */
  pod?: string;
  container?: string;
  /** For `left`: commands (argv) that remove it later, best first. */
  remove?: string[][];
  reason?: string;
}

export interface VerifyTimings {
  /** Pod removal requested → old pod gone. */
  goneMs: number | null;
  /** Pod removal requested → new pod (same name, new uid) created. */
  recreateMs: number | null;
  /** Pod removal requested → new pod Ready. */
  readyMs: number | null;
  /** Wall-clock instant the tool saw the new pod Ready (ISO 8601): lets a benchmark measure watch latency. */
  readyObservedAt: string | null;
  /** Whole run for this pod, pre-flight to cleanup. */
  totalMs: number;
}

export interface PodVerifyReport {
  result: RunResult;
  /** Why the run did not reach PASS (refusal, PDB message, timeout…). */
  reason: string | null;
  /** What to do about it. */
  hint: string | null;
  namespace: string;
  statefulSet: string;
  pod: string;
  ordinal: number;
  podUidBefore: string;
  podUidAfter: string | null;
  removal: 'eviction' | 'delete';
  /** Whether the pod was actually evicted/deleted in this run. */
  removed: boolean;
  claims: ClaimResult[];
  timings: VerifyTimings;
  cleanup: MarkerCleanup[];
}

export interface VerifyReport {
  result: RunResult;
  reason: string | null;
  hint: string | null;
  namespace: string;
  statefulSet: string;
  /** Single-pod convenience fields mirror the only (or first failing) pod run. */
  pod: string;
  ordinal: number;
  claims: ClaimResult[];
  timings: VerifyTimings;
  cleanup: MarkerCleanup[];
  /** Every pod run, in the order they happened (one entry without --all). */
  runs: PodVerifyReport[];
  plan: VerifyPlan;
}
