// Small readings of API objects that several rules share. They follow the StatefulSet
// controller's own definitions (pkg/controller/statefulset) so that "ready", "available" and
// "terminating" mean here what they mean to the controller deciding what to do next.
import type {
  KubeEvent,
  Node,
  PersistentVolumeClaim,
  Pod,
  StatefulSet,
  StorageClass,
} from '../../kube/types.ts';
import { claimNameFor, podNameFor } from '../ordinals.ts';
import { readyCondition } from '../readiness.ts';
import { humanDuration } from '../../core/duration.ts';

export const REVISION_LABEL = 'controller-revision-hash';
const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

// Which pod or claim is which ordinal is decided in one place (src/report/ordinals.ts), so
// diagnostics and the status table can never disagree about it.
export { desiredReplicas, expectedOrdinals, ordinalFromClaimName, podsByOrdinal } from '../ordinals.ts';

export function setName(set: StatefulSet): string {
  return set.metadata?.name ?? '';
}

export function setNamespace(set: StatefulSet): string {
  return set.metadata?.namespace ?? 'default';
}

export function isOrderedReady(set: StatefulSet): boolean {
  return (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
}

export function podName(set: StatefulSet, ordinal: number): string {
  return podNameFor(setName(set), ordinal);
}

export function claimName(template: string, set: StatefulSet, ordinal: number): string {
  return claimNameFor(template, setName(set), ordinal);
}

export function podRevision(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[REVISION_LABEL];
}

export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && readyCondition(pod).ready;
}

/** Ready for at least minReadySeconds (the controller's "available"). */
export function isAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isRunningAndReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(readyCondition(pod).since);
  if (since === undefined) return false;
  return since.getTime() + minReadySeconds * 1000 <= now.getTime();
}

/** The controller's "healthy": running, ready (and available), not terminating. */
export function isHealthy(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return !isTerminating(pod) && isAvailable(pod, minReadySeconds, now);
}

const FAILING_WAIT_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

/** Not-ready pods older than this, running but never becoming Ready, count as failing. */
export const NOT_READY_FAILING_MS = 5 * 60_000;

/** Restarts after which a container that keeps exiting with an error is crash looping. */
const CRASH_LOOP_RESTARTS = 2;
/** The kubelet's restart back-off starts at 10 s and is capped at 5 minutes. */
const BACK_OFF_MIN_MS = 10_000;
const BACK_OFF_MAX_MS = 5 * 60_000;

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

/**
 * Between back-offs a crash-looping container runs for a moment (Ready, without a readiness
 * probe) or has just exited; its waiting reason is then not CrashLoopBackOff, yet it is failing.
 */
function crashLoopOf(status: ContainerStatus, now: Date): string | undefined {
  const restarts = status.restartCount ?? 0;
  if (restarts < CRASH_LOOP_RESTARTS) return undefined;
  const exited = status.state?.terminated;
  const last = status.lastState?.terminated;
  let exitCode: number | undefined;
  if (exited && exited.exitCode !== 0) exitCode = exited.exitCode;
  else if (status.state?.running && last && last.exitCode !== 0) {
    // Still in the loop while it has run for less than the back-off it last waited: a container
    // that recovered by itself (its dependency came back) is cleared as soon as that has passed.
    const started = parseTime(status.state.running.startedAt);
    const finished = parseTime(last.finishedAt);
    const waited = started && finished ? started.getTime() - finished.getTime() : BACK_OFF_MIN_MS;
    const window = Math.min(Math.max(waited, BACK_OFF_MIN_MS), BACK_OFF_MAX_MS);
    if (started && now.getTime() - started.getTime() < window) exitCode = last.exitCode;
  }
  if (exitCode === undefined) return undefined;
  return `container ${status.name} is crash looping (${restarts} restarts, last exit code ${exitCode}); between back-offs it runs only briefly`;
}

/**
 * Why a pod is failing (a container crash-looping, an image that cannot be pulled, or
 * running but not Ready for a long time), or undefined when it is not failing.
 */
export function failureOf(pod: Pod, now: Date): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const reason = status.state?.waiting?.reason;
    if (reason && FAILING_WAIT_REASONS.has(reason)) {
      const message = status.state?.waiting?.message;
      const last = status.lastState?.terminated;
      const detail = message
        ? `: ${message}`
        : last?.exitCode !== undefined
          ? ` (last exit code ${last.exitCode})`
          : '';
      return `container ${status.name} is ${reason}${detail}`;
    }
  }
  for (const status of statuses) {
    const looping = crashLoopOf(status, now);
    if (looping) return looping;
  }
  if (pod.status?.phase === 'Failed')
    return `pod phase is Failed${pod.status.reason ? ` (${pod.status.reason})` : ''}`;
  if (pod.status?.phase === 'Running' && !readyCondition(pod).ready && !isTerminating(pod)) {
    const since = parseTime(readyCondition(pod).since) ?? parseTime(pod.status.startTime);
    if (since && now.getTime() - since.getTime() >= NOT_READY_FAILING_MS) {
      const restarts = (pod.status.containerStatuses ?? []).reduce(
        (sum, s) => sum + (s.restartCount ?? 0),
        0,
      );
      return `Running but not Ready for ${humanDuration((now.getTime() - since.getTime()) / 1000)}${
        restarts > 0 ? ` (${restarts} restarts)` : ''
      }`;
    }
  }
  return undefined;
}

/** One phrase saying what a pod is doing when it is not healthy. */
export function describePodState(pod: Pod, minReadySeconds: number, now: Date): string {
  if (isTerminating(pod)) return `Terminating since ${pod.metadata?.deletionTimestamp}`;
  const failure = failureOf(pod, now);
  if (failure) return failure;
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Pending') {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      return `Pending, not scheduled (${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''})`;
    }
    const waiting = (pod.status?.containerStatuses ?? []).find((s) => s.state?.waiting?.reason);
    return `Pending${waiting ? ` (${waiting.state?.waiting?.reason})` : ''}`;
  }
  if (phase !== 'Running') return `phase ${phase}`;
  if (!readyCondition(pod).ready) return 'Running but not Ready';
  if (!isAvailable(pod, minReadySeconds, now)) {
    const since = parseTime(readyCondition(pod).since);
    const left = since ? minReadySeconds * 1000 - (now.getTime() - since.getTime()) : minReadySeconds * 1000;
    return `Ready but not yet available (minReadySeconds ${minReadySeconds}, ${humanDuration(Math.max(0, left) / 1000)} to go)`;
  }
  return 'healthy';
}

export function nodeReady(node: Node): 'True' | 'False' | 'Unknown' {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' ? 'True' : status === 'False' ? 'False' : 'Unknown';
}

export function defaultStorageClass(classes: StorageClass[]): StorageClass | undefined {
  return classes.find((c) =>
    DEFAULT_CLASS_ANNOTATIONS.some((key) => c.metadata?.annotations?.[key] === 'true'),
  );
}

/** The class a claim uses: its own, or (when unset, not "") the cluster default. */
export function claimClassName(claim: PersistentVolumeClaim, classes: StorageClass[]): string | undefined {
  const own = claim.spec?.storageClassName;
  if (own !== undefined && own !== null) return own === '' ? undefined : own;
  const legacy = claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (legacy) return legacy;
  return defaultStorageClass(classes)?.metadata?.name;
}

export function parseTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
};

/** A resource quantity (`10Gi`, `500M`, `1e9`) in base units; undefined when unparseable. */
export function parseQuantity(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?)$/.exec(
    value.trim(),
  );
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return base * (QUANTITY_SUFFIX[match[3] ?? ''] ?? 1);
}

export function eventTime(event: KubeEvent): Date | undefined {
  return parseTime(event.lastTimestamp) ?? parseTime(event.eventTime) ?? parseTime(event.firstTimestamp);
}

/** `Warning FailedScheduling on pod/web-0 (x3, last seen 2m ago): 0/3 nodes are available…` */
export function formatEvent(event: KubeEvent, now: Date): string {
  const seen = eventTime(event);
  const kind = (event.involvedObject?.kind ?? 'object').toLowerCase();
  const count = event.count && event.count > 1 ? `x${event.count}, ` : '';
  const when = seen
    ? `last seen ${humanDuration((now.getTime() - seen.getTime()) / 1000)} ago`
    : 'time unknown';
  return `event ${event.type ?? 'Normal'} ${event.reason ?? ''} on ${kind}/${event.involvedObject?.name ?? '?'} (${count}${when}): ${(event.message ?? '').trim()}`;
}

/** Why the scheduler cannot place a pod, in its own words, or undefined while it is placed or placeable. */
export interface Unschedulable {
  /** The scheduler's message (`0/3 nodes are available: …`). */
  message: string;
  /** The per-node reasons of the message, each with its node count (`2 node(s) were unschedulable`). */
  reasons: string[];
  since: string | undefined;
}

/**
 * A pod the scheduler has tried and failed to place: PodScheduled=False with reason
 * Unschedulable (what `kubectl describe pod` shows under Conditions). A pod that is bound, being
 * deleted or not yet tried has none.
 */
export function unschedulableOf(pod: Pod): Unschedulable | undefined {
  if (pod.spec?.nodeName || isTerminating(pod)) return undefined;
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (condition?.status !== 'False' || (condition.reason ?? 'Unschedulable') !== 'Unschedulable')
    return undefined;
  const message = (condition.message ?? '').trim();
  return { message, reasons: schedulerReasons(message), since: condition.lastTransitionTime };
}

/**
 * The node reasons of a scheduler FitError: `0/3 nodes are available: 1 node(s) had untolerated
 * taint {…}, 2 node(s) were unschedulable. preemption: …` → the two counted reasons. The
 * counted parts are sorted strings joined by ", "; a reason may itself hold a comma (`had taint
 * {k: v}, that the pod didn't tolerate` before 1.25), so parts split only before a count.
 */
export function schedulerReasons(message: string): string[] {
  const match = /nodes are available:\s*(.*?)(?:\.\s+(?:[^.]*preemption:.*)?)?\.?$/s.exec(message);
  if (!match) return message ? [message] : [];
  return match[1]!
    .split(/,\s+(?=\d+\s)/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** A container that cannot start because its image cannot be pulled. */
export interface ImagePullFailure {
  container: string;
  init: boolean;
  image: string;
  /** ErrImagePull, ImagePullBackOff, InvalidImageName or ErrImageNeverPull. */
  reason: string;
  /** The runtime's last word on it (waiting message or the kubelet's Failed event). */
  detail: string | undefined;
  cause: 'not-found' | 'unauthorized' | 'unreachable' | 'rate-limited' | 'invalid' | 'never-pull' | 'unknown';
}

/** Whether an event is about the container (its involvedObject.fieldPath), or about the pod as a whole. */
function fieldPathNames(event: KubeEvent, container: string): boolean {
  const fieldPath = (event.involvedObject as { fieldPath?: string } | undefined)?.fieldPath;
  return !fieldPath || fieldPath.includes(`{${container}}`);
}

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** Classifies a pull error as containerd and the registries word it. */
export function pullCause(reason: string, text: string): ImagePullFailure['cause'] {
  if (reason === 'InvalidImageName') return 'invalid';
  if (reason === 'ErrImageNeverPull') return 'never-pull';
  if (/toomanyrequests|rate limit/i.test(text)) return 'rate-limited';
  if (/unauthorized|authentication required|authorization failed|401|403 forbidden|denied/i.test(text))
    return /pull access denied|repository does not exist/i.test(text) ? 'not-found' : 'unauthorized';
  if (/not found|manifest unknown|NotFound|name unknown/i.test(text)) return 'not-found';
  if (
    /i\/o timeout|dial tcp|no such host|connection refused|TLS handshake|x509|network is unreachable|deadline exceeded/i.test(
      text,
    )
  )
    return 'unreachable';
  return 'unknown';
}

/**
 * The first container of the pod whose image cannot be pulled, with the most telling message:
 * the waiting message of ErrImagePull carries the registry's answer; during ImagePullBackOff it
 * is only `Back-off pulling image`, so the kubelet's last `Failed to pull image` event is used.
 */
export function imagePullFailureOf(pod: Pod, events: KubeEvent[]): ImagePullFailure | undefined {
  const specs = [
    ...(pod.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
    ...(pod.spec?.containers ?? []).map((c) => ({ c, init: false })),
  ];
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ s, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((s) => ({ s, init: false })),
  ];
  for (const { s, init } of statuses) {
    const waiting = s.state?.waiting;
    if (!waiting?.reason || !PULL_REASONS.has(waiting.reason)) continue;
    const image =
      specs.find((spec) => spec.c.name === s.name && spec.init === init)?.c.image ?? s.image ?? '';
    const pulled = events.find(
      (e) =>
        e.reason === 'Failed' && /^Failed to pull image/.test(e.message ?? '') && fieldPathNames(e, s.name),
    );
    // Newer kubelets append the last error to the back-off message (`Back-off pulling image "x": ErrImagePull: …`).
    const backOff = /^Back-off pulling image "[^"]*"(?::\s*(?:ErrImagePull:\s*)?(.+))?$/s.exec(
      waiting.message ?? '',
    );
    const waitingText = backOff ? backOff[1] : waiting.message || undefined;
    const detail = waitingText ?? pulled?.message?.trim() ?? waiting.message;
    return {
      container: s.name,
      init,
      image,
      reason: waiting.reason,
      detail,
      cause: pullCause(waiting.reason, detail ?? ''),
    };
  }
  return undefined;
}
