// `kubectl sts status NAME --wait`: a rollout gate for CI. It re-reads the set whenever the set or
// its pods change (watch events) and at a steady resync interval (minReadySeconds elapses without
// any event), and ends as soon as one of these holds:
//   complete – every expected ordinal exists, is Ready and available, and runs the revision it
//              should end on (src/report/rollout.ts), with the latest spec observed, and no
//              blocking finding holds in the same evaluation;
//   stuck    – a blocking finding (one that needs someone to act: a crash-looping pod, a claim
//              nothing provisions, OnDelete pods waiting for deletion…) has persisted for
//              `stuckAfterMs`;
//   timeout  – `timeoutMs` passed first.
// Clock and gateway are passed in, so tests drive time and events.
import { ExitCode, StsError } from '../cli/errors.ts';
import { selectorToString, type ClusterGateway, type Watch } from '../kube/gateway.ts';
import { blockingFindings, diagnose } from '../report/diagnostics/index.ts';
import { buildRolloutProgress, type RolloutProgress } from '../report/rollout.ts';
import type { Diagnostic, StatefulSetSnapshot } from '../report/snapshot.ts';
import { formatDuration } from '../core/duration.ts';

export interface GateClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: GateClock = {
  now: () => new Date(),
  setTimeout(fn, ms) {
    // Node fires over-long timers at once (TimeoutOverflowWarning); cap them at ~24 days.
    const timer = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    return { cancel: () => clearTimeout(timer) };
  },
};

export type GateOutcome = 'complete' | 'stuck' | 'timeout';

export interface GateEvaluation {
  snapshot: StatefulSetSnapshot;
  progress: RolloutProgress;
  diagnostics: Diagnostic[];
  /** Blocking findings, each with how long it has persisted (ms). */
  blocking: { diagnostic: Diagnostic; persistedMs: number }[];
}

export type GateEvent =
  | { type: 'evaluated'; evaluation: GateEvaluation; elapsedMs: number }
  | { type: 'watch-error'; resource: 'statefulsets' | 'pods'; message: string };

export interface RolloutGateOptions {
  gateway: Pick<ClusterGateway, 'watchStatefulSets' | 'watchPods'>;
  namespace: string;
  name: string;
  /** Reads a fresh snapshot of the set (the live collector, or a test double). */
  collect: () => Promise<StatefulSetSnapshot>;
  clock: GateClock;
  /** Infinity waits without limit. */
  timeoutMs: number;
  /** How long a blocking finding must persist before the rollout counts as stuck. */
  stuckAfterMs?: number;
  /** Re-read at least this often, even without watch events. */
  resyncMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: GateEvent) => void;
}

export interface RolloutGateResult {
  outcome: GateOutcome;
  /** The last evaluation; undefined only when the timeout hit before the set could be read once. */
  evaluation: GateEvaluation | undefined;
  elapsedMs: number;
}

export const DEFAULT_STUCK_AFTER_MS = 30_000;
export const DEFAULT_RESYNC_MS = 5_000;

function findingKey(diagnostic: Diagnostic): string {
  return `${diagnostic.code}:${diagnostic.ordinals.join(',')}`;
}

export function waitForRollout(options: RolloutGateOptions): Promise<RolloutGateResult> {
  const { clock, gateway, namespace, name } = options;
  const stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
  const startedAt = clock.now().getTime();
  const elapsed = () => clock.now().getTime() - startedAt;

  return new Promise<RolloutGateResult>((resolve, reject) => {
    let finished = false;
    let evaluating = false;
    let again = false;
    let last: GateEvaluation | undefined;
    const firstSeen = new Map<string, number>();
    const timers: { cancel(): void }[] = [];
    const watches: Watch[] = [];
    let podSelector: string | undefined;

    const cleanup = () => {
      finished = true;
      for (const timer of timers) timer.cancel();
      for (const watch of watches) watch.stop();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const finish = (outcome: GateOutcome) => {
      if (finished) return;
      cleanup();
      resolve({ outcome, evaluation: last, elapsedMs: elapsed() });
    };
    const fail = (error: unknown) => {
      if (finished) return;
      cleanup();
      reject(error);
    };
    const onAbort = () =>
      fail(new StsError('interrupted while waiting for the rollout', { exitCode: ExitCode.INTERRUPTED }));

    const after = (ms: number, fn: () => void) => {
      if (!finished) timers.push(clock.setTimeout(fn, Math.max(0, ms)));
    };

    const evaluateOnce = async () => {
      const snapshot = await options.collect();
      if (finished) return;
      const progress = buildRolloutProgress(snapshot.statefulSet, snapshot.pods, snapshot.now);
      const diagnostics = diagnose(snapshot);
      const now = clock.now().getTime();
      const blockingNow = blockingFindings(diagnostics);
      const keys = new Set(blockingNow.map(findingKey));
      // A finding that cleared and came back starts its persistence again.
      for (const key of [...firstSeen.keys()]) if (!keys.has(key)) firstSeen.delete(key);
      for (const diagnostic of blockingNow) {
        const key = findingKey(diagnostic);
        if (!firstSeen.has(key)) {
          firstSeen.set(key, now);
          after(stuckAfterMs, () => void evaluate());
        }
      }
      last = {
        snapshot,
        progress,
        diagnostics,
        blocking: blockingNow.map((diagnostic) => ({
          diagnostic,
          persistedMs: now - (firstSeen.get(findingKey(diagnostic)) ?? now),
        })),
      };
      options.onEvent?.({ type: 'evaluated', evaluation: last, elapsedMs: elapsed() });
      // A blocking finding vetoes completeness: a crash-looping pod without a readiness probe is
      // Ready for a moment between back-offs, and a read landing then must not pass the gate.
      if (progress.complete && blockingNow.length === 0) return finish('complete');
      if (last.blocking.some((b) => b.persistedMs >= stuckAfterMs)) return finish('stuck');
      if (elapsed() >= options.timeoutMs) return finish('timeout');
      if (podSelector === undefined) startWatches(snapshot);
    };

    const evaluate = async (): Promise<void> => {
      if (finished) return;
      if (evaluating) {
        again = true;
        return;
      }
      evaluating = true;
      try {
        do {
          again = false;
          await evaluateOnce();
        } while (again && !finished);
      } catch (error) {
        fail(error);
      } finally {
        evaluating = false;
      }
    };

    const startWatches = (snapshot: StatefulSetSnapshot) => {
      podSelector = selectorToString(snapshot.statefulSet.spec?.selector) ?? '';
      const watchOne = (resource: 'statefulsets' | 'pods') => {
        if (finished) return;
        const onEvent = () => void evaluate();
        let watch: Watch;
        try {
          watch =
            resource === 'statefulsets'
              ? gateway.watchStatefulSets(namespace, { fieldSelector: `metadata.name=${name}` }, onEvent)
              : gateway.watchPods(namespace, { labelSelector: podSelector }, onEvent);
        } catch (error) {
          options.onEvent?.({ type: 'watch-error', resource, message: (error as Error).message });
          return;
        }
        watches.push(watch);
        // Watches are only a speed-up: the resync keeps the gate going if one ends or fails.
        watch.done.then(
          () => after(resyncMs, () => watchOne(resource)),
          (error: unknown) => {
            options.onEvent?.({ type: 'watch-error', resource, message: (error as Error).message });
            after(resyncMs, () => watchOne(resource));
          },
        );
      };
      watchOne('statefulsets');
      watchOne('pods');
    };

    const resync = () => {
      if (finished) return;
      void evaluate();
      after(resyncMs, resync);
    };

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort);
    if (Number.isFinite(options.timeoutMs)) after(options.timeoutMs, () => finish('timeout'));
    after(resyncMs, resync);
    void evaluate();
  });
}

/** The exit code the gate's outcome maps to (README "Exit codes"). */
export function exitCodeFor(outcome: GateOutcome): number {
  return outcome === 'complete'
    ? ExitCode.OK
    : outcome === 'stuck'
      ? ExitCode.ROLLOUT_STUCK
      : ExitCode.TIMEOUT;
}

/** The error a finished gate ends the command with, or undefined when the rollout completed. */
export function gateError(result: RolloutGateResult, target: string): StsError | undefined {
  if (result.outcome === 'complete') return undefined;
  if (result.outcome === 'stuck') {
    const first = result.evaluation?.blocking[0]?.diagnostic;
    return new StsError(
      `rollout of ${target} is stuck: ${first ? `${first.code}: ${first.message}` : 'no progress possible'}`,
      {
        exitCode: ExitCode.ROLLOUT_STUCK,
        hint: first?.advice ?? 'see the diagnostics above',
      },
    );
  }
  const waiting = result.evaluation && waitingFor(result.evaluation)[0];
  return new StsError(
    `timed out after ${formatDuration(result.elapsedMs)} waiting for the rollout of ${target}${waiting ? `: still waiting for ${waiting}` : ''}`,
    { exitCode: ExitCode.TIMEOUT, hint: 'see the diagnostics above, or raise --timeout' },
  );
}

/** What the gate still waits for: the rollout's own steps, or, once those are done, blocking findings. */
function waitingFor(evaluation: GateEvaluation): string[] {
  const { progress, blocking } = evaluation;
  if (!progress.complete) return progress.waitingFor;
  if (blocking.length === 0) return [];
  const findings = blocking.map(({ diagnostic }) =>
    diagnostic.ordinals.length > 0
      ? `${diagnostic.code} (ordinals ${diagnostic.ordinals.join(', ')})`
      : diagnostic.code,
  );
  return [`blocking findings to clear: ${findings.join(', ')}`];
}

/** One progress line for stderr, or undefined when nothing is left to wait for. */
export function describeGateProgress(evaluation: GateEvaluation): string | undefined {
  const waiting = waitingFor(evaluation);
  return waiting.length > 0 ? `waiting for ${waiting.join('; ')}` : undefined;
}
