import { describe, expect, it } from 'vitest';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import type { EventSink, Watch } from '../../src/kube/gateway.ts';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import {
  describeGateProgress,
  exitCodeFor,
  gateError,
  waitForRollout,
  type GateClock,
  type RolloutGateOptions,
} from '../../src/flows/rollout-gate.ts';
import type { StatefulSetSnapshot } from '../../src/report/snapshot.ts';
import { ago, healthyPods, NOW, pod, snapshot, statefulSet } from './builders.ts';

/** Simulated time: timers run only when the test advances the clock. */
class FakeClock implements GateClock {
  private current = NOW.getTime();
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];

  now(): Date {
    return new Date(this.current);
  }

  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.current + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Advances in small steps, running due timers and letting promises settle in between. */
  async advance(ms: number, step = 500): Promise<void> {
    const end = this.current + ms;
    while (this.current < end) {
      this.current = Math.min(end, this.current + step);
      for (const timer of this.timers.filter((t) => !t.cancelled && t.at <= this.current)) {
        timer.cancelled = true;
        timer.fn();
      }
      await flush();
    }
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A cluster the test edits; watches deliver a change notice to the gate. */
class FakeCluster {
  set: StatefulSet;
  pods: Pod[];
  readonly sinks: EventSink<unknown>[] = [];
  reads = 0;
  watchesStopped = 0;

  private readonly clock: FakeClock;

  constructor(set: StatefulSet, clock: FakeClock) {
    this.set = set;
    this.clock = clock;
    this.pods = healthyPods(set);
  }

  collect = async (): Promise<StatefulSetSnapshot> => {
    this.reads += 1;
    return snapshot(this.set, { pods: this.pods, now: this.clock.now() });
  };

  private watch = (_ns: unknown, _options: unknown, sink: EventSink<never>): Watch => {
    this.sinks.push(sink as EventSink<unknown>);
    return { done: new Promise(() => {}), stop: () => void (this.watchesStopped += 1) };
  };

  gateway = { watchPods: this.watch, watchStatefulSets: this.watch };

  /** Apply a change and notify the watches, as the API server would. */
  async change(edit: (cluster: this) => void): Promise<void> {
    edit(this);
    for (const sink of this.sinks) sink({ type: 'MODIFIED', object: {} });
    await flush();
  }
}

function gate(cluster: FakeCluster, clock: FakeClock, extra: Partial<RolloutGateOptions> = {}) {
  return waitForRollout({
    gateway: cluster.gateway,
    namespace: 'shop',
    name: 'web',
    collect: cluster.collect,
    clock,
    timeoutMs: 300_000,
    stuckAfterMs: 30_000,
    resyncMs: 5_000,
    ...extra,
  });
}

/**
 * A Ready pod whose container crash loops: it exited with code 1 after its previous start, waited
 * `backOffSeconds`, and has been running again for `startedAgo` seconds (times relative to NOW).
 */
function crashLoopingButReady(
  set: StatefulSet,
  ordinal: number,
  { startedAgo, backOffSeconds }: { startedAgo: number; backOffSeconds: number },
): Pod {
  const crashing = pod(set, ordinal, { restarts: 3 });
  crashing.status!.containerStatuses = [
    {
      ...crashing.status!.containerStatuses![0]!,
      state: { running: { startedAt: ago(startedAgo) } },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          finishedAt: ago(startedAgo + backOffSeconds),
        },
      },
    },
  ];
  return crashing;
}

/** A set mid-update: web-2 already on r2, web-0 and web-1 still on r1. */
function midUpdate(clock: FakeClock) {
  const set = statefulSet({ currentRevision: 'r1', updateRevision: 'r2' });
  const cluster = new FakeCluster(set, clock);
  cluster.pods = [
    pod(set, 0, { revision: 'r1' }),
    pod(set, 1, { revision: 'r1' }),
    pod(set, 2, { revision: 'r2' }),
  ];
  return cluster;
}

describe('rollout gate (--wait)', () => {
  it('completes as soon as watch events show every ordinal updated and Ready', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    const result = gate(cluster, clock);
    await flush();
    await cluster.change(
      (c) => (c.pods = c.pods.map((p, i) => (i === 1 ? pod(c.set, 1, { revision: 'r2' }) : p))),
    );
    await cluster.change(
      (c) => (c.pods = c.pods.map((p, i) => (i === 0 ? pod(c.set, 0, { revision: 'r2' }) : p))),
    );
    const outcome = await result;
    expect(outcome.outcome).toBe('complete');
    expect(outcome.elapsedMs).toBe(0);
    expect(outcome.evaluation?.progress.pendingOrdinals).toEqual([]);
    expect(cluster.watchesStopped).toBe(2);
    expect(exitCodeFor(outcome.outcome)).toBe(ExitCode.OK);
  });

  it('waits for minReadySeconds through the resync, without any event', async () => {
    const clock = new FakeClock();
    const set = statefulSet({ minReadySeconds: 20 });
    const cluster = new FakeCluster(set, clock);
    cluster.pods = [pod(set, 0), pod(set, 1), pod(set, 2, { readySince: 0 })];
    const result = gate(cluster, clock);
    await flush();
    await clock.advance(25_000);
    const outcome = await result;
    expect(outcome.outcome).toBe('complete');
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(20_000);
    expect(outcome.elapsedMs).toBeLessThanOrEqual(25_000);
  });

  it('reports stuck with the diagnostics once a blocking finding has persisted', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    cluster.pods[2] = pod(cluster.set, 2, { revision: 'r2', ready: false, waiting: 'CrashLoopBackOff' });
    const result = gate(cluster, clock);
    await flush();
    await clock.advance(31_000);
    const outcome = await result;
    expect(outcome.outcome).toBe('stuck');
    expect(exitCodeFor(outcome.outcome)).toBe(ExitCode.ROLLOUT_STUCK);
    const trap = outcome.evaluation!.blocking.find((b) => b.diagnostic.code === 'ForcedRollbackTrap');
    expect(trap?.diagnostic.advice).toContain('kubectl delete pod web-2 -n shop');
    expect(trap!.persistedMs).toBeGreaterThanOrEqual(30_000);
  });

  it('does not call a rollout stuck when the blocking finding clears in time', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    cluster.pods[2] = pod(cluster.set, 2, { revision: 'r2', ready: false, waiting: 'ImagePullBackOff' });
    const result = gate(cluster, clock);
    await flush();
    await clock.advance(20_000);
    await cluster.change(
      (c) => (c.pods = c.pods.map((p) => pod(c.set, Number(p.metadata!.name!.slice(4)), { revision: 'r2' }))),
    );
    const outcome = await result;
    expect(outcome.outcome).toBe('complete');
  });

  it('does not pass a complete rollout while a blocking finding holds in the same read', async () => {
    // Parallel: web-0 is crash looping but, without a readiness probe, Ready for a moment between
    // back-offs (it started 1 s ago after waiting 40 s), so the rollout itself looks complete.
    const clock = new FakeClock();
    const set = statefulSet({ policy: 'Parallel' });
    const cluster = new FakeCluster(set, clock);
    cluster.pods[0] = crashLoopingButReady(set, 0, { startedAgo: 1, backOffSeconds: 40 });
    const outcome = await gate(cluster, clock, { stuckAfterMs: 0 });
    expect(outcome.evaluation!.progress.complete).toBe(true);
    expect(outcome.outcome).toBe('stuck');
    expect(outcome.evaluation!.blocking.map((b) => [b.diagnostic.code, b.diagnostic.ordinals])).toEqual([
      ['PodFailing', [0]],
    ]);
    expect(exitCodeFor(outcome.outcome)).toBe(ExitCode.ROLLOUT_STUCK);
    expect(describeGateProgress(outcome.evaluation!)).toBe(
      'waiting for blocking findings to clear: PodFailing (ordinals 0)',
    );
  });

  it('a complete rollout held by a blocking finding passes once the finding clears', async () => {
    // The container keeps running past the back-off it last waited: no longer crash looping.
    const clock = new FakeClock();
    const set = statefulSet({ policy: 'Parallel' });
    const cluster = new FakeCluster(set, clock);
    cluster.pods[0] = crashLoopingButReady(set, 0, { startedAgo: 1, backOffSeconds: 20 });
    const result = gate(cluster, clock, { stuckAfterMs: 60_000 });
    let ended = false;
    void result.then(() => (ended = true));
    await flush();
    await clock.advance(15_000);
    expect(ended).toBe(false);
    await clock.advance(15_000);
    const outcome = await result;
    expect(outcome.outcome).toBe('complete');
    expect(outcome.evaluation!.blocking).toEqual([]);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(19_000);
    expect(outcome.elapsedMs).toBeLessThanOrEqual(25_000);
  });

  it('times out cleanly when the rollout neither completes nor blocks', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    cluster.pods[1] = pod(cluster.set, 1, { revision: 'r1', ready: false, readySince: 0, createdAgo: 0 });
    const result = gate(cluster, clock, { timeoutMs: 60_000 });
    await flush();
    await clock.advance(61_000);
    const outcome = await result;
    expect(outcome.outcome).toBe('timeout');
    expect(exitCodeFor(outcome.outcome)).toBe(ExitCode.TIMEOUT);
    expect(outcome.elapsedMs).toBe(60_000);
    expect(cluster.watchesStopped).toBe(2);
  });

  it('OnDelete pods waiting for manual deletion are stuck, not a timeout', async () => {
    const clock = new FakeClock();
    const set = statefulSet({ strategy: 'OnDelete', currentRevision: 'r1', updateRevision: 'r2' });
    const cluster = new FakeCluster(set, clock);
    cluster.pods = healthyPods(set).map((p, i) => pod(set, i, { revision: 'r1' }));
    const result = gate(cluster, clock, { stuckAfterMs: 0 });
    const outcome = await result;
    expect(outcome.outcome).toBe('stuck');
    expect(outcome.evaluation!.blocking.map((b) => b.diagnostic.code)).toEqual(['OnDeletePendingDeletion']);
  });

  it('stops with INTERRUPTED when aborted', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    const controller = new AbortController();
    const result = gate(cluster, clock, { signal: controller.signal });
    await flush();
    controller.abort();
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StsError);
    expect((error as StsError).exitCode).toBe(ExitCode.INTERRUPTED);
  });

  it('passes a read error through (a deleted set is not a timeout)', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    const missing = new StsError('statefulsets.apps "web" not found', { exitCode: ExitCode.NOT_FOUND });
    const result = gate(cluster, clock, { collect: () => Promise.reject(missing) });
    await expect(result).rejects.toBe(missing);
  });
});

describe('what the command prints when the gate ends', () => {
  it('no error for a complete rollout', async () => {
    const clock = new FakeClock();
    const result = await gate(new FakeCluster(statefulSet(), clock), clock);
    expect(gateError(result, 'statefulset/web in shop')).toBeUndefined();
    expect(describeGateProgress(result.evaluation!)).toBeUndefined();
  });

  it('stuck: names the first blocking finding, its advice as the hint', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    cluster.pods[2] = pod(cluster.set, 2, { revision: 'r2', ready: false, waiting: 'CrashLoopBackOff' });
    const result = await gate(cluster, clock, { stuckAfterMs: 0 });
    const error = gateError(result, 'statefulset/web in shop')!;
    expect(error.exitCode).toBe(ExitCode.ROLLOUT_STUCK);
    expect(error.message).toMatch(
      /^rollout of statefulset\/web in shop is stuck: ForcedRollbackTrap: web-2 is failing/,
    );
    expect(error.hint).toContain('`kubectl delete pod web-2 -n shop`');
  });

  it('timeout: says how long and what it was still waiting for', async () => {
    const clock = new FakeClock();
    const cluster = midUpdate(clock);
    cluster.pods[1] = pod(cluster.set, 1, { revision: 'r1', ready: false, readySince: 0, createdAgo: 0 });
    const result = gate(cluster, clock, { timeoutMs: 90_000 });
    await flush();
    await clock.advance(91_000);
    const ended = await result;
    const error = gateError(ended, 'statefulset/web in shop')!;
    expect(error.exitCode).toBe(ExitCode.TIMEOUT);
    expect(error.message).toBe(
      'timed out after 1m30s waiting for the rollout of statefulset/web in shop: still waiting for pods to become Ready: ordinals 1',
    );
    expect(describeGateProgress(ended.evaluation!)).toBe(
      'waiting for pods to become Ready: ordinals 1; pods to be updated to r2: ordinals 0, 1',
    );
  });
});
