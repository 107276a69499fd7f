// Follows one pod name through its replacement by WATCHING it (list once for a resourceVersion,
// then a watch from there; a closed or expired watch is resumed with a fresh list), so every
// transition is seen when it happens: old incarnation terminating → gone → new uid created →
// Ready. No polling loop.
import type { ClusterGateway, Watch } from '../kube/gateway.ts';
import type { Pod, WatchEvent } from '../kube/types.ts';
import { FlowAborted, FlowTimedOut } from './verify-pvc-errors.ts';
import type { FlowClock, VerifyEvent } from './verify-pvc-types.ts';

export interface ReplacementState {
  terminatingAt: Date | null;
  goneAt: Date | null;
  createdAt: Date | null;
  readyAt: Date | null;
  /** The newest incarnation seen that is not the old one. */
  current: Pod | null;
}

export function podIsReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function containerIsRunning(pod: Pod, container: string): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return pod.status?.containerStatuses?.some((s) => s.name === container && s.state?.running) ?? false;
}

export interface PodTracker {
  readonly state: ReplacementState;
  /** Resolves when a new incarnation is Ready; rejects with FlowTimedOut or FlowAborted. */
  untilReady(timeoutMs: number, signal: AbortSignal | undefined): Promise<Pod>;
  /** Resolves with the current incarnation once `container` runs in it, or undefined after `timeoutMs`. */
  untilRunning(
    container: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Pod | undefined>;
  stop(): void;
}

interface Waiter {
  test: () => Pod | undefined;
  resolve: (pod: Pod | undefined) => void;
}

const RESUME_DELAY_MS = 200;

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
): Promise<PodTracker> {
  const state: ReplacementState = {
    terminatingAt: null,
    goneAt: null,
    createdAt: null,
    readyAt: null,
    current: null,
  };
  let latest: Pod | undefined;
  let stopped = false;
  let watch: Watch | undefined;
  const controller = new AbortController();
  const waiters = new Set<Waiter>();
  const fieldSelector = `metadata.name=${name}`;

  const notify = (): void => {
    for (const waiter of [...waiters]) {
      const pod = waiter.test();
      if (pod) {
        waiters.delete(waiter);
        waiter.resolve(pod);
      }
    }
  };

  const markGone = (): void => {
    if (state.goneAt) return;
    state.goneAt = clock.now();
    emit({ type: 'pod-gone', pod: name, uid: oldUid, at: state.goneAt });
  };

  const observe = (type: WatchEvent<Pod>['type'], pod: Pod | undefined): void => {
    const uid = pod?.metadata?.uid;
    if (!pod || !uid) {
      // The list came back empty: whichever incarnation we knew is gone.
      latest = undefined;
      markGone();
      return;
    }
    if (uid === oldUid) {
      if (type === 'DELETED') {
        latest = undefined;
        markGone();
      } else {
        latest = pod;
        if (pod.metadata?.deletionTimestamp && !state.terminatingAt) {
          state.terminatingAt = clock.now();
          emit({ type: 'pod-terminating', pod: name, uid, at: state.terminatingAt });
        }
      }
      return;
    }
    // A different uid under the same name can only exist once the old one is gone.
    markGone();
    if (type === 'DELETED') {
      if (state.current?.metadata?.uid === uid) latest = undefined;
      return;
    }
    latest = pod;
    if (state.current?.metadata?.uid !== uid) {
      state.current = pod;
      state.createdAt ??= clock.now();
      state.readyAt = null;
      emit({ type: 'pod-created', pod: name, uid, at: clock.now() });
    }
    state.current = pod;
    if (podIsReady(pod) && !state.readyAt) {
      state.readyAt = clock.now();
      emit({ type: 'pod-ready', pod: name, uid, at: state.readyAt });
    }
  };

  const relistAndWatch = async (): Promise<void> => {
    if (stopped) return;
    const listed = await gateway.listPods(namespace, { fieldSelector });
    const pod = listed.items.find((item) => item.metadata?.name === name);
    observe(pod ? 'ADDED' : 'DELETED', pod);
    notify();
    if (stopped) return;
    let expired = false;
    watch = gateway.watchPods(
      namespace,
      { fieldSelector, resourceVersion: listed.resourceVersion, signal: controller.signal },
      (event) => {
        if (stopped) return;
        if (event.type === 'ERROR') {
          // 410 Gone (resourceVersion too old) and friends: start over from a fresh list.
          expired = true;
          watch?.stop();
          return;
        }
        if (event.type === 'BOOKMARK') return;
        if (event.object?.metadata?.name !== name) return;
        observe(event.type, event.object);
        notify();
      },
    );
    const current = watch;
    current.done.then(
      () => resume(expired ? 0 : RESUME_DELAY_MS),
      () => resume(RESUME_DELAY_MS),
    );
  };

  const resume = (delayMs: number): void => {
    if (stopped) return;
    clock.setTimeout(() => {
      relistAndWatch().catch(() => resume(RESUME_DELAY_MS * 5));
    }, delayMs);
  };

  await relistAndWatch();

  const waitFor = (
    test: () => Pod | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onTimeout: () => Error | undefined,
  ): Promise<Pod | undefined> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new FlowAborted());
      const immediate = test();
      if (immediate) return resolve(immediate);
      const finish = (): void => {
        waiters.delete(waiter);
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        test,
        resolve: (pod) => {
          finish();
          resolve(pod);
        },
      };
      const onAbort = (): void => {
        finish();
        reject(new FlowAborted());
      };
      const timer = clock.setTimeout(() => {
        finish();
        const error = onTimeout();
        if (error) reject(error);
        else resolve(undefined);
      }, timeoutMs);
      waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  return {
    state,
    untilReady: async (timeoutMs, signal) =>
      (await waitFor(
        () => (state.readyAt && state.current && podIsReady(state.current) ? state.current : undefined),
        timeoutMs,
        signal,
        () => new FlowTimedOut(describeStuck(name, state, timeoutMs)),
      )) as Pod,
    untilRunning: (container, timeoutMs, signal) =>
      waitFor(
        () => (latest && containerIsRunning(latest, container) ? latest : undefined),
        timeoutMs,
        signal,
        () => undefined,
      ),
    stop: () => {
      stopped = true;
      controller.abort();
      watch?.stop();
      for (const waiter of [...waiters]) waiter.resolve(undefined);
      waiters.clear();
    },
  };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

function describeStuck(name: string, state: ReplacementState, timeoutMs: number): string {
  if (!state.goneAt) return `the old pod ${name} was not gone within ${seconds(timeoutMs)}`;
  if (!state.current) return `pod ${name} was not re-created within ${seconds(timeoutMs)}`;
  const pod = state.current;
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason);
  const detail = waiting
    ? `container ${waiting.name} waiting: ${waiting.state?.waiting?.reason}`
    : `phase ${pod.status?.phase ?? 'unknown'}`;
  return `the re-created pod ${name} did not become Ready within ${seconds(timeoutMs)} (${detail})`;
}
