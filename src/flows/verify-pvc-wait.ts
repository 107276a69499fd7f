// Following pods by WATCHING them (list once for a resourceVersion, then a watch from there), so
// every transition is seen when it happens: old incarnation terminating → gone → new uid created
// → Ready. No polling loop — but a watch is not trusted blindly: one that is closed, expired, or
// stays open while delivering nothing (not even a bookmark) for `idleMs` is replaced by a fresh
// list and a new watch, and no deadline is declared missed before the state has been read again.
import type { ClusterGateway, ListOptions, Watch } from '../kube/gateway.ts';
import type { Pod } from '../kube/types.ts';
import { formatDuration } from '../core/duration.ts';
import { isPodReady } from '../report/readiness.ts';
import { FlowAborted, FlowTimedOut } from './verify-pvc-errors.ts';
import type { FlowClock, VerifyEvent } from './verify-pvc-types.ts';

export const DEFAULT_WATCH_IDLE_MS = 5_000;
const RESUME_DELAY_MS = 200;
const RELIST_RETRY_MS = 1_000;

export function containerIsRunning(pod: Pod, container: string): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return pod.status?.containerStatuses?.some((s) => s.name === container && s.state?.running) ?? false;
}

/** A set of pods kept current from a list and a watch. */
export interface PodListWatch {
  /** The pods as last seen, by name. */
  readonly pods: ReadonlyMap<string, Pod>;
  /** Reads the state again now (a fresh list) and restarts the watch from it. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Lists the pods `options` select and watches them, calling `onChange` after every change the
 * view takes in. The first list's failure is thrown; later failures are retried.
 */
export async function watchPodList(
  gateway: ClusterGateway,
  clock: FlowClock,
  namespace: string,
  options: ListOptions,
  onChange: (pods: ReadonlyMap<string, Pod>) => void,
  idleMs = DEFAULT_WATCH_IDLE_MS,
): Promise<PodListWatch> {
  const pods = new Map<string, Pod>();
  let stopped = false;
  let generation = 0;
  let watch: Watch | undefined;
  let controller: AbortController | undefined;
  let idle: { cancel(): void } | undefined;
  let retry: { cancel(): void } | undefined;

  const touch = (mine: number): void => {
    idle?.cancel();
    if (stopped || mine !== generation) return;
    idle = clock.setTimeout(() => {
      // Open but silent for too long: a real API server sends bookmarks, changes would have come.
      if (!stopped && mine === generation) restart(0);
    }, idleMs);
  };

  const listAndWatch = async (): Promise<void> => {
    const mine = ++generation;
    controller?.abort();
    watch?.stop();
    const listed = await gateway.listPods(namespace, options);
    if (stopped || mine !== generation) return;
    pods.clear();
    for (const pod of listed.items) if (pod.metadata?.name) pods.set(pod.metadata.name, pod);
    onChange(pods);
    if (stopped || mine !== generation) return;
    let expired = false;
    controller = new AbortController();
    const current = gateway.watchPods(
      namespace,
      { ...options, resourceVersion: listed.resourceVersion, signal: controller.signal },
      (event) => {
        if (stopped || mine !== generation) return;
        touch(mine);
        if (event.type === 'ERROR') {
          // 410 Gone (resourceVersion too old) and friends: start over from a fresh list.
          expired = true;
          current.stop();
          return;
        }
        if (event.type === 'BOOKMARK') return;
        const name = event.object?.metadata?.name;
        if (!name) return;
        if (event.type === 'DELETED') pods.delete(name);
        else pods.set(name, event.object);
        onChange(pods);
      },
    );
    watch = current;
    touch(mine);
    current.done.then(
      () => mine === generation && restart(expired ? 0 : RESUME_DELAY_MS),
      () => mine === generation && restart(RESUME_DELAY_MS),
    );
  };

  const restart = (delayMs: number): void => {
    if (stopped) return;
    idle?.cancel();
    retry?.cancel();
    retry = clock.setTimeout(() => {
      listAndWatch().catch(() => restart(RELIST_RETRY_MS));
    }, delayMs);
  };

  await listAndWatch();
  return {
    pods,
    refresh: async () => {
      if (stopped) return;
      retry?.cancel();
      await listAndWatch();
    },
    stop() {
      stopped = true;
      generation += 1;
      idle?.cancel();
      retry?.cancel();
      controller?.abort();
      watch?.stop();
    },
  };
}

export interface ReplacementState {
  terminatingAt: Date | null;
  goneAt: Date | null;
  createdAt: Date | null;
  readyAt: Date | null;
  /** The newest incarnation seen that is not the old one. */
  current: Pod | null;
}

export interface PodTracker {
  readonly state: ReplacementState;
  /**
   * Resolves when a new incarnation is Ready; rejects with FlowTimedOut (saying `limitMs`, the
   * whole allowance, default `timeoutMs`) or FlowAborted.
   */
  untilReady(timeoutMs: number, signal: AbortSignal | undefined, limitMs?: number): Promise<Pod>;
  /** Resolves with the current incarnation once `container` runs in it, or undefined after `timeoutMs`. */
  untilRunning(
    container: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Pod | undefined>;
  /** Resolves when the old incarnation is terminating or gone, or false after `timeoutMs`. */
  untilLeaving(timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean>;
  /** Reads the pod again now (its state is then current). */
  refresh(): Promise<void>;
  stop(): void;
}

interface Waiter {
  /** Re-evaluated after every change; settles the wait once it returns something. */
  test: () => unknown;
  resolve: (value: unknown) => void;
}

/**
 * Starts tracking `name`. `oldUid` is the incarnation about to be removed; everything with
 * another uid is its replacement. Call before removing the pod so nothing is missed.
 */
export async function trackPod(
  gateway: ClusterGateway,
  clock: FlowClock,
  namespace: string,
  name: string,
  oldUid: string,
  emit: (event: VerifyEvent) => void,
  idleMs = DEFAULT_WATCH_IDLE_MS,
): Promise<PodTracker> {
  const state: ReplacementState = {
    terminatingAt: null,
    goneAt: null,
    createdAt: null,
    readyAt: null,
    current: null,
  };
  let latest: Pod | undefined;
  const waiters = new Set<Waiter>();

  const notify = (): void => {
    for (const waiter of [...waiters]) {
      const value = waiter.test();
      if (value !== undefined) {
        waiters.delete(waiter);
        waiter.resolve(value);
      }
    }
  };

  const markGone = (): void => {
    if (state.goneAt) return;
    state.goneAt = clock.now();
    emit({ type: 'pod-gone', pod: name, uid: oldUid, at: state.goneAt });
  };

  const observe = (pod: Pod | undefined): void => {
    const uid = pod?.metadata?.uid;
    latest = pod;
    if (!pod || !uid) {
      // Whichever incarnation we knew is gone.
      markGone();
      return;
    }
    if (uid === oldUid) {
      if (pod.metadata?.deletionTimestamp && !state.terminatingAt) {
        state.terminatingAt = clock.now();
        emit({ type: 'pod-terminating', pod: name, uid, at: state.terminatingAt });
      }
      return;
    }
    // A different uid under the same name can only exist once the old one is gone.
    markGone();
    if (state.current?.metadata?.uid !== uid) {
      state.createdAt ??= clock.now();
      state.readyAt = null;
      emit({ type: 'pod-created', pod: name, uid, at: clock.now() });
    }
    state.current = pod;
    if (isPodReady(pod) && !state.readyAt) {
      state.readyAt = clock.now();
      emit({ type: 'pod-ready', pod: name, uid, at: state.readyAt });
    }
  };

  const list = await watchPodList(
    gateway,
    clock,
    namespace,
    { fieldSelector: `metadata.name=${name}` },
    (pods) => {
      observe(pods.get(name));
      notify();
    },
    idleMs,
  );

  const waitFor = <T>(
    test: () => T | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onTimeout: () => Error | undefined,
  ): Promise<T | undefined> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new FlowAborted());
      const immediate = test();
      if (immediate !== undefined) return resolve(immediate);
      let done = false;
      const finish = (): void => {
        done = true;
        waiters.delete(waiter);
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        test,
        resolve: (value) => {
          finish();
          resolve(value as T | undefined);
        },
      };
      const onAbort = (): void => {
        finish();
        reject(new FlowAborted());
      };
      const timer = clock.setTimeout(() => {
        // Never declare a deadline missed on the watch's word alone: read the state once more.
        list
          .refresh()
          .catch(() => undefined)
          .then(() => {
            if (done) return;
            const late = test();
            finish();
            if (late !== undefined) return resolve(late);
            const error = onTimeout();
            if (error) reject(error);
            else resolve(undefined);
          });
      }, timeoutMs);
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  return {
    state,
    untilReady: async (timeoutMs, signal, limitMs = timeoutMs) =>
      (await waitFor(
        () => (state.readyAt && state.current && isPodReady(state.current) ? state.current : undefined),
        timeoutMs,
        signal,
        () => new FlowTimedOut(describeStuck(name, state, limitMs)),
      )) as Pod,
    untilRunning: (container, timeoutMs, signal) =>
      waitFor(
        () => (latest && containerIsRunning(latest, container) ? latest : undefined),
        timeoutMs,
        signal,
        () => undefined,
      ),
    untilLeaving: async (timeoutMs, signal) =>
      (await waitFor(
        () => (state.terminatingAt || state.goneAt ? true : undefined),
        timeoutMs,
        signal,
        () => undefined,
      )) !== undefined,
    refresh: () => list.refresh(),
    stop: () => {
      list.stop();
      for (const waiter of [...waiters]) waiter.resolve(undefined);
      waiters.clear();
    },
  };
}

function describeStuck(name: string, state: ReplacementState, timeoutMs: number): string {
  const within = formatDuration(timeoutMs);
  if (!state.goneAt) return `the old pod ${name} was not gone within ${within}`;
  if (!state.current) return `pod ${name} was not re-created within ${within}`;
  const pod = state.current;
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const detail = waiting
    ? `container ${waiting.name} waiting: ${waiting.state?.waiting?.reason}`
    : scheduled
      ? `phase ${pod.status?.phase ?? 'unknown'}, not scheduled: ${scheduled.message ?? scheduled.reason ?? ''}`.trim()
      : `phase ${pod.status?.phase ?? 'unknown'}`;
  return `the re-created pod ${name} did not become Ready within ${within} (${detail})`;
}
