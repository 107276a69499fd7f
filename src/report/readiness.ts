// Pod readiness as the user sees it in kubectl (STATUS, READY, RESTARTS) and the order in
// which pods became Ready, which is what makes OrderedReady start-up visible.
import type { ContainerStatus, Pod } from '../kube/types.ts';

/** kubectl's STATUS column for a pod, its READY fraction and its RESTARTS. */
export interface PodDisplayStatus {
  /** `Running`, `Pending`, `Init:0/1`, `CrashLoopBackOff`, `Terminating`, `Completed`, … */
  status: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
}

function isRestartableInit(pod: Pod, name: string): boolean {
  return pod.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === 'Always';
}

function hasCondition(pod: Pod, type: string): boolean {
  return pod.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

function terminatedText(prefix: string, status: ContainerStatus): string | undefined {
  const terminated = status.state?.terminated;
  if (!terminated) return undefined;
  if (terminated.reason) return `${prefix}${terminated.reason}`;
  // kubectl shows Signal:N when a signal ended the container, else ExitCode:N.
  const signal = (terminated as { signal?: number }).signal;
  return signal ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

/** The STATUS kubectl prints for a pod, following the rules of kubectl's pod printer. */
export function podDisplayStatus(pod: Pod): PodDisplayStatus {
  const initSpecs = pod.spec?.initContainers ?? [];
  const statuses = pod.status?.containerStatuses ?? [];
  let status = pod.status?.reason || pod.status?.phase || 'Unknown';
  const totalContainers =
    (pod.spec?.containers ?? []).length + initSpecs.filter((c) => c.restartPolicy === 'Always').length;
  let readyContainers = statuses.filter((c) => c.ready && c.state?.running).length;
  let restarts = 0;
  let sidecarRestarts = 0;

  let initializing = false;
  for (const [index, init] of (pod.status?.initContainerStatuses ?? []).entries()) {
    restarts += init.restartCount ?? 0;
    const sidecar = isRestartableInit(pod, init.name);
    if (sidecar) sidecarRestarts += init.restartCount ?? 0;
    const terminated = init.state?.terminated;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && init.started) {
      if (init.ready) readyContainers += 1;
      continue;
    }
    initializing = true;
    const waiting = init.state?.waiting?.reason;
    if (terminated) status = terminatedText('Init:', init) ?? status;
    else if (waiting && waiting !== 'PodInitializing') status = `Init:${waiting}`;
    else status = `Init:${index}/${initSpecs.length}`;
    break;
  }

  if (!initializing || hasCondition(pod, 'Initialized')) {
    // Once initialised, restarts of finished init containers no longer count; sidecars' do.
    restarts = sidecarRestarts;
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      restarts += container.restartCount ?? 0;
      const waiting = container.state?.waiting?.reason;
      if (waiting) status = waiting;
      else if (container.state?.terminated) status = terminatedText('', container) ?? status;
      else if (container.ready && container.state?.running) hasRunning = true;
    }
    if (status === 'Completed' && hasRunning) status = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata?.deletionTimestamp) status = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { status, readyContainers, totalContainers, restarts };
}

/**
 * The pod's Ready condition: whether it is True and when it last changed. This is what "Ready"
 * means everywhere in the plugin (kubectl's READY column, the endpoints controller publishing a
 * name, a PDB counting a pod healthy); the controller's stricter "running and ready" adds the
 * phase (`isRunningAndReady` in diagnostics/facts.ts, built on this).
 */
export function readyCondition(pod: Pod): { ready: boolean; since: string | undefined } {
  const condition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return { ready: condition?.status === 'True', since: condition?.lastTransitionTime };
}

/** Whether the pod's Ready condition is True (see readyCondition); a missing pod is not Ready. */
export function isPodReady(pod: Pod | undefined): boolean {
  return pod !== undefined && readyCondition(pod).ready;
}

export interface ReadinessRank {
  /**
   * 1 for the pod that became Ready first. Pods that became Ready within the same second (the
   * resolution of API timestamps) share a rank: their order is not known, so none is claimed.
   */
  order: number;
  /** Another pod became Ready in the same second: the order between them is unknown. */
  tied: boolean;
  /** When it became Ready (RFC 3339), when known. */
  since: string | undefined;
  /** Seconds after the pod ranked just before it became Ready; null for the first or when unknown. */
  afterPreviousSeconds: number | null;
}

/**
 * Ranks the Ready pods by the Ready condition's lastTransitionTime. Ties (the same second) share
 * a rank (1, 1, 3); unknown times come last, unranked among themselves by anything but ordinal.
 * Pods that are not Ready get no rank.
 */
export function rankReadiness(pods: { ordinal: number; pod: Pod }[]): Map<number, ReadinessRank> {
  const ready = pods
    .map(({ ordinal, pod }) => {
      const { ready: isReady, since } = readyCondition(pod);
      const time = since ? Date.parse(since) : Number.NaN;
      return { ordinal, isReady, since, time: Number.isNaN(time) ? Number.POSITIVE_INFINITY : time };
    })
    .filter((entry) => entry.isReady)
    .sort((a, b) => a.time - b.time || a.ordinal - b.ordinal);
  const ranks = new Map<number, ReadinessRank>();
  const sameSecond = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) && Math.floor(a / 1000) === Math.floor(b / 1000);
  ready.forEach((entry, index) => {
    const previous = index > 0 ? ready[index - 1]! : undefined;
    const next = ready[index + 1];
    const gap =
      previous && Number.isFinite(previous.time) && Number.isFinite(entry.time)
        ? Math.round((entry.time - previous.time) / 1000)
        : null;
    const tiedWithPrevious = previous !== undefined && sameSecond(previous.time, entry.time);
    const order = tiedWithPrevious ? ranks.get(previous.ordinal)!.order : index + 1;
    const tied = tiedWithPrevious || (next !== undefined && sameSecond(next.time, entry.time));
    ranks.set(entry.ordinal, { order, tied, since: entry.since, afterPreviousSeconds: gap });
  });
  return ranks;
}

/**
 * Under OrderedReady the controller creates ordinal N only once N−1 is Running and Ready. Returns
 * true when the evidence says `pod` was created while its predecessor (the same incarnation,
 * created earlier) was not yet Ready: the predecessor became Ready after `pod` was created, or
 * has been not-Ready since before it. A predecessor re-created later (rolling updates go from
 * the highest ordinal down) proves nothing and is not flagged.
 */
export function createdBeforePredecessorReady(pod: Pod, predecessor: Pod | undefined): boolean {
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  const predecessorCreated = Date.parse(predecessor?.metadata?.creationTimestamp ?? '');
  if (!predecessor || Number.isNaN(created) || Number.isNaN(predecessorCreated)) return false;
  if (predecessorCreated > created) return false;
  const { ready, since } = readyCondition(predecessor);
  const changed = Date.parse(since ?? '');
  if (Number.isNaN(changed)) return false;
  return ready ? changed > created : changed <= created;
}
