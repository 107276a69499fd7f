// verify-pvc: the check people do by hand (write a file into the volume, delete the pod, read the
// file back from its replacement) as one guarded sequence of steps. The flow never prints; it
// emits typed events and returns a report. It deletes at most the pods it names (one at a time,
// each through the Eviction API unless --force-delete) and never writes to a PVC or PV.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExitCodeValue } from '../cli/errors.ts';
import type { Watch } from '../kube/gateway.ts';
import type { Pod } from '../kube/types.ts';
import {
  FlowAborted,
  FlowTimedOut,
  apiFailureOf,
  errorMessage,
  refusal,
  throwIfAborted,
} from './verify-pvc-errors.ts';
import {
  markerContent,
  markerPathIn,
  pathInVolume,
  readMarker,
  removeMarker,
  writeMarker,
} from './verify-pvc-markers.ts';
import type { MarkerTarget } from './verify-pvc-markers.ts';
import { checkStatefulSet, planPod, preflight, readStatefulSet } from './verify-pvc-preflight.ts';
import type {
  ClaimResult,
  MarkerCleanup,
  PlannedClaim,
  PodPlan,
  PodVerifyReport,
  RunResult,
  VerifyEvent,
  VerifyPlan,
  VerifyPvcDeps,
  VerifyPvcOptions,
  VerifyReport,
  VerifyTimings,
} from './verify-pvc-types.ts';
import { trackPod } from './verify-pvc-wait.ts';
import type { PodTracker } from './verify-pvc-wait.ts';

export { claimNameFor, rolloutInProgress } from './verify-pvc-preflight.ts';
export type * from './verify-pvc-types.ts';
export { systemClock } from './verify-pvc-types.ts';

const DEFAULT_CLEANUP_TIMEOUT_MS = 60_000;
const READ_ATTEMPTS = 3;
const RETRY_DELAY_MS = 250;
/** --all: pause before watching the set again when the server closed the previous watch. */
const WATCH_RESUME_DELAY_MS = 200;

/** The exit code a run's result maps to. */
export function exitCodeFor(result: RunResult): ExitCodeValue {
  switch (result) {
    case 'PASS':
    case 'DRY-RUN':
      return ExitCode.OK;
    case 'FAIL':
      return ExitCode.VERIFY_FAILED;
    case 'TIMEOUT':
      return ExitCode.TIMEOUT;
    case 'INTERRUPTED':
      return ExitCode.INTERRUPTED;
    default:
      return ExitCode.ABORTED;
  }
}

interface Marker {
  claim: PlannedClaim;
  path: string;
  content: string;
}

function delay(deps: VerifyPvcDeps, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FlowAborted());
    const onAbort = (): void => {
      timer.cancel();
      reject(new FlowAborted());
    };
    const timer = deps.clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retries an idempotent read on transport/server errors, so one dropped request is not a verdict. */
async function withRetry<T>(
  deps: VerifyPvcDeps,
  signal: AbortSignal | undefined,
  read: () => Promise<T>,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    throwIfAborted(signal);
    try {
      return await read();
    } catch (error) {
      throwIfAborted(signal);
      const code = apiFailureOf(error).code;
      if (code !== undefined && code < 500 && code !== 429) throw error;
      lastError = error;
      if (attempt < READ_ATTEMPTS) await delay(deps, RETRY_DELAY_MS * attempt, signal);
    }
  }
  throw lastError;
}

function emptyClaimResult(claim: PlannedClaim, path: string): ClaimResult {
  return {
    claim: claim.claim,
    template: claim.template,
    result: 'NOT-CHECKED',
    uidBefore: claim.uid,
    uidAfter: null,
    volumeBefore: claim.volume,
    volumeAfter: null,
    markerSurvived: null,
    container: claim.container,
    mountPath: claim.mountPath,
    subPath: claim.subPath,
    markerPath: path,
    evidence: [],
  };
}

function msBetween(from: Date | null, to: Date | null): number | null {
  return from && to ? to.getTime() - from.getTime() : null;
}

/** Why an eviction or delete was refused, in the API's own words. */
function removalRefusal(plan: PodPlan, error: unknown): StsError {
  const failure = apiFailureOf(error);
  if (plan.removal === 'eviction' && failure.code === 429)
    return refusal(
      `eviction of pod ${plan.pod} refused: ${failure.message}`,
      'a PodDisruptionBudget forbids it now; nothing was deleted (wait for more healthy replicas, or use --force-delete to bypass the budget)',
    );
  if (failure.code === 409)
    return refusal(
      `pod ${plan.pod} changed before it could be removed: ${failure.message}`,
      'nothing was deleted; retry once the pod is stable',
    );
  if (failure.code === 403)
    return refusal(
      `not allowed to ${plan.removal === 'eviction' ? 'evict' : 'delete'} pod ${plan.pod}: ${failure.message}`,
      'nothing was deleted; ask for the missing permission',
    );
  return refusal(
    `could not ${plan.removal === 'eviction' ? 'evict' : 'delete'} pod ${plan.pod}: ${failure.message}`,
    'nothing was deleted; retry, or re-run with --debug',
  );
}

class PodRun {
  readonly markers: Marker[] = [];
  readonly claimResults: ClaimResult[];
  tracker: PodTracker | undefined;
  removedAt: Date | null = null;
  newPod: Pod | undefined;
  readonly startedAt: Date;
  private readonly deps: VerifyPvcDeps;
  private readonly options: VerifyPvcOptions;
  private readonly plan: PodPlan;

  constructor(deps: VerifyPvcDeps, options: VerifyPvcOptions, plan: PodPlan) {
    this.deps = deps;
    this.options = options;
    this.plan = plan;
    this.startedAt = deps.clock.now();
    this.claimResults = plan.claims.map((claim) => emptyClaimResult(claim, ''));
  }

  private emit(event: VerifyEvent): void {
    this.deps.onEvent?.(event);
  }

  private phase(phase: Extract<VerifyEvent, { type: 'phase' }>['phase']): void {
    this.emit({ type: 'phase', phase, pod: this.plan.pod, at: this.deps.clock.now() });
  }

  private target(claim: PlannedClaim): MarkerTarget {
    return { namespace: this.plan.namespace, pod: this.plan.pod, container: claim.container };
  }

  async writeMarkers(signal: AbortSignal | undefined): Promise<void> {
    const { gateway, clock } = this.deps;
    this.phase('write-markers');
    for (const [index, claim] of this.plan.claims.entries()) {
      throwIfAborted(signal);
      const id = this.deps.newMarkerId();
      const path = markerPathIn(claim.markerDir, id);
      const content = markerContent({
        id,
        pod: this.plan.pod,
        podUid: this.plan.podUid,
        claim: claim.claim,
        claimUid: claim.uid,
        writtenAt: clock.now(),
      });
      // Recorded before the write so an interruption mid-exec still triggers its removal.
      this.markers.push({ claim, path, content });
      this.claimResults[index]!.markerPath = path;
      const written = await writeMarker(gateway, this.target(claim), path, content, signal);
      if (written.exitCode !== 0)
        throw refusal(
          `could not write the marker ${path} in container ${claim.container}: ${written.stderr.trim() || `exit ${written.exitCode}`}`,
          'is the volume writable by the container user? choose another directory with --path',
        );
      const reading = await withRetry(this.deps, signal, () =>
        readMarker(gateway, this.target(claim), path, signal),
      );
      if (!reading.found || reading.content !== content)
        throw refusal(
          `the marker ${path} did not read back as written (${reading.found ? 'content differs' : reading.detail})`,
          'the volume does not keep what is written to it even before the pod is removed; nothing was deleted',
        );
      this.emit({ type: 'marker-written', pod: this.plan.pod, claim: claim.claim, path, at: clock.now() });
    }
  }

  async removePod(signal: AbortSignal | undefined): Promise<void> {
    const { gateway, clock } = this.deps;
    throwIfAborted(signal);
    // Watch first, then remove: every transition after this point is seen, none is polled for.
    // The watch often reports the old pod terminating before the eviction call returns; hold that
    // back so progress reads in cause-and-effect order.
    const early: VerifyEvent[] = [];
    this.tracker = await trackPod(
      gateway,
      clock,
      this.plan.namespace,
      this.plan.pod,
      this.plan.podUid,
      (event) => {
        if (!this.removedAt && event.type === 'pod-terminating') {
          early.push(event);
          return;
        }
        this.emit(event);
        if (event.type === 'pod-gone') this.phase('wait-created');
        if (event.type === 'pod-created') this.phase('wait-ready');
      },
    );
    throwIfAborted(signal);
    // Both calls carry the checked uid as a precondition; this check only gives a clearer message
    // when the watch has already seen that incarnation go.
    if (this.tracker.state.goneAt)
      throw refusal(
        `pod ${this.plan.pod} was replaced or deleted by someone else since pre-flight (uid ${this.plan.podUid} is gone)`,
        'nothing was deleted; retry once the pod is stable',
      );
    this.phase('remove-pod');
    try {
      if (this.plan.removal === 'eviction')
        await gateway.evictPod(this.plan.namespace, this.plan.pod, { uid: this.plan.podUid });
      else await gateway.deletePod(this.plan.namespace, this.plan.pod, { uid: this.plan.podUid });
    } catch (error) {
      throw removalRefusal(this.plan, error);
    }
    this.removedAt = clock.now();
    this.emit({
      type: 'pod-removed',
      pod: this.plan.pod,
      uid: this.plan.podUid,
      how: this.plan.removal,
      at: this.removedAt,
    });
    for (const event of early.splice(0)) this.emit(event);
  }

  async waitForReplacement(signal: AbortSignal | undefined): Promise<void> {
    const tracker = this.tracker!;
    if (!tracker.state.goneAt) this.phase('wait-gone');
    const elapsed = this.deps.clock.now().getTime() - this.removedAt!.getTime();
    this.newPod = await tracker.untilReady(Math.max(0, this.options.timeoutMs - elapsed), signal);
  }

  async verify(signal: AbortSignal | undefined): Promise<void> {
    const { gateway, clock } = this.deps;
    this.phase('verify');
    const newPod = this.newPod!;
    for (const [index, marker] of this.markers.entries()) {
      const { claim } = marker;
      const result = this.claimResults[index]!;
      const pvc = await withRetry(this.deps, signal, () =>
        gateway.getPersistentVolumeClaim(this.plan.namespace, claim.claim),
      );
      result.uidAfter = pvc?.metadata?.uid ?? null;
      result.volumeAfter = pvc?.spec?.volumeName ?? null;
      const evidence = result.evidence;
      evidence.push(...claim.problems);
      evidence.push(
        pvc
          ? `PVC uid ${claim.uid ?? 'none'} → ${result.uidAfter} (${result.uidAfter === claim.uid ? 'same' : 'CHANGED: the claim was replaced'})`
          : `PVC ${claim.claim} no longer exists`,
      );
      if (pvc)
        evidence.push(
          `volume ${claim.volume ?? 'none'} → ${result.volumeAfter ?? 'none'} (${result.volumeAfter === claim.volume ? 'same' : 'CHANGED: bound to another PersistentVolume'})`,
        );
      const podVolume = newPod.spec?.volumes?.find((volume) => volume.name === claim.template);
      const mountsClaim = podVolume?.persistentVolumeClaim?.claimName === claim.claim;
      if (!mountsClaim && claim.problems.length === 0)
        evidence.push(`the re-created pod's volume "${claim.template}" is not the claim ${claim.claim}`);
      const reading = await withRetry(this.deps, signal, () =>
        readMarker(gateway, this.target(claim), marker.path, signal),
      );
      result.markerSurvived = reading.found && reading.content === marker.content;
      evidence.push(
        result.markerSurvived
          ? `marker ${marker.path} read back intact from pod uid ${newPod.metadata?.uid}`
          : reading.found
            ? `marker ${marker.path} has different content in the re-created pod`
            : `marker ${marker.path} is missing in the re-created pod (${reading.detail})`,
      );
      const pass =
        claim.problems.length === 0 &&
        mountsClaim &&
        claim.uid !== null &&
        result.uidAfter === claim.uid &&
        claim.volume !== null &&
        result.volumeAfter === claim.volume &&
        result.markerSurvived;
      result.result = pass ? 'PASS' : 'FAIL';
      this.emit({ type: 'claim-verified', pod: this.plan.pod, claim: result, at: clock.now() });
    }
  }

  /** Where a marker sits when nobody can reach it through a pod. */
  private whereIs(marker: Marker, volume: string | null = marker.claim.volume): string {
    const inVolume = pathInVolume(marker.claim, marker.path);
    if (marker.claim.podVolumeSource !== 'persistentVolumeClaim')
      return `${marker.claim.podVolumeSource} volume "${marker.claim.template}" of pod ${this.plan.pod} at ${inVolume}`;
    return volume
      ? `PersistentVolume ${volume} (claim ${marker.claim.claim}) at ${inVolume}`
      : `claim ${marker.claim.claim} at ${inVolume}`;
  }

  async cleanup(result: RunResult, cleanupSignal: AbortSignal | undefined): Promise<MarkerCleanup[]> {
    if (this.markers.length === 0) return [];
    this.phase('cleanup');
    const outcomes: MarkerCleanup[] = [];
    const record = (outcome: MarkerCleanup): void => {
      outcomes.push(outcome);
      this.emit({ type: 'marker-cleanup', pod: this.plan.pod, marker: outcome, at: this.deps.clock.now() });
    };
    const waitMs = result === 'TIMEOUT' ? 0 : (this.options.cleanupTimeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS);
    for (const [index, marker] of this.markers.entries()) {
      const base = { claim: marker.claim.claim, path: marker.path };
      const claimResult = this.claimResults[index]!;
      if (this.options.keepMarker) {
        record({ ...base, status: 'kept', where: this.whereIs(marker) });
        continue;
      }
      if (cleanupSignal?.aborted) {
        record({ ...base, status: 'left', where: this.whereIs(marker), reason: 'cleanup was interrupted' });
        continue;
      }
      if (this.removedAt && marker.claim.podVolumeSource !== 'persistentVolumeClaim') {
        // Not persistent storage: it went away with the old pod.
        record({ ...base, status: 'absent' });
        continue;
      }
      const rebound =
        claimResult.uidAfter !== null &&
        (claimResult.uidAfter !== claimResult.uidBefore ||
          claimResult.volumeAfter !== claimResult.volumeBefore);
      if (rebound) {
        record({
          ...base,
          status: 'left',
          where: this.whereIs(marker, claimResult.volumeBefore),
          reason: 'the claim now refers to another volume, so no pod mounts the one holding the marker',
        });
        continue;
      }
      const target = this.target(marker.claim);
      if (this.removedAt && this.tracker) {
        // The volume is in whichever incarnation of the pod runs now; wait for one that runs.
        const pod = await this.tracker
          .untilRunning(marker.claim.container, waitMs, cleanupSignal)
          .catch(() => undefined);
        if (!pod) {
          record({
            ...base,
            status: 'left',
            where: this.whereIs(marker),
            reason: cleanupSignal?.aborted
              ? 'cleanup was interrupted'
              : `no running pod ${this.plan.pod} mounts the volume${waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)}s)` : ''}`,
          });
          continue;
        }
      }
      try {
        const removal = await removeMarker(this.deps.gateway, target, marker.path, cleanupSignal);
        if (removal.status === 'failed')
          record({ ...base, status: 'left', where: this.whereIs(marker), reason: removal.detail });
        else record({ ...base, status: removal.status });
      } catch (error) {
        record({ ...base, status: 'left', where: this.whereIs(marker), reason: errorMessage(error) });
      }
    }
    return outcomes;
  }

  timings(): VerifyTimings {
    const state = this.tracker?.state;
    return {
      goneMs: msBetween(this.removedAt, state?.goneAt ?? null),
      recreateMs: msBetween(this.removedAt, state?.createdAt ?? null),
      readyMs: msBetween(this.removedAt, state?.readyAt ?? null),
      readyObservedAt: state?.readyAt ? state.readyAt.toISOString() : null,
      totalMs: this.deps.clock.now().getTime() - this.startedAt.getTime(),
    };
  }

  report(
    result: RunResult,
    reason: string | null,
    hint: string | null,
    cleanup: MarkerCleanup[],
  ): PodVerifyReport {
    return {
      result,
      reason,
      hint,
      namespace: this.plan.namespace,
      statefulSet: this.plan.statefulSet,
      pod: this.plan.pod,
      ordinal: this.plan.ordinal,
      podUidBefore: this.plan.podUid,
      podUidAfter: this.newPod?.metadata?.uid ?? this.tracker?.state.current?.metadata?.uid ?? null,
      removal: this.plan.removal,
      removed: this.removedAt !== null,
      claims: this.claimResults,
      timings: this.timings(),
      cleanup,
    };
  }
}

function classify(
  error: unknown,
  signal: AbortSignal | undefined,
  removed: boolean,
): { result: RunResult; reason: string; hint: string | null } {
  if (error instanceof FlowAborted || signal?.aborted)
    return {
      result: 'INTERRUPTED',
      reason: removed ? 'interrupted after the pod was removed' : 'interrupted before the pod was removed',
      hint: removed ? 'the StatefulSet controller re-creates the pod on its own' : 'nothing was deleted',
    };
  if (error instanceof FlowTimedOut)
    return {
      result: 'TIMEOUT',
      reason: error.message,
      hint: 'check the pod with kubectl describe pod; raise --timeout if it is just slow',
    };
  // The flow's own refusals are ABORTED StsErrors; anything else is the API failing under us.
  if (error instanceof StsError && error.exitCode === ExitCode.ABORTED)
    return { result: 'ABORTED', reason: error.message, hint: error.hint ?? null };
  return {
    result: 'ABORTED',
    reason: `API error: ${errorMessage(error)}`,
    hint: removed ? 'the pod was removed; the StatefulSet controller re-creates it' : 'nothing was deleted',
  };
}

function failureSummary(claims: ClaimResult[]): string {
  const failed = claims.filter((claim) => claim.result === 'FAIL');
  return failed
    .map((claim) => {
      const why =
        claim.uidAfter !== claim.uidBefore
          ? 'the claim was replaced'
          : claim.volumeAfter !== claim.volumeBefore
            ? 'the claim is bound to another volume'
            : !claim.markerSurvived
              ? 'the marker did not survive'
              : 'the volume is not the claim';
      return `${claim.claim}: ${why}`;
    })
    .join('; ');
}

export async function verifyPod(
  deps: VerifyPvcDeps,
  options: VerifyPvcOptions,
  plan: PodPlan,
): Promise<PodVerifyReport> {
  const run = new PodRun(deps, options, plan);
  let result: RunResult;
  let reason: string | null = null;
  let hint: string | null = null;
  try {
    await run.writeMarkers(deps.signal);
    await run.removePod(deps.signal);
    await run.waitForReplacement(deps.signal);
    await run.verify(deps.signal);
    const failed = run.claimResults.some((claim) => claim.result !== 'PASS');
    result = failed ? 'FAIL' : 'PASS';
    if (failed) {
      reason = `persistence check failed for ${failureSummary(run.claimResults)}`;
      hint = 'see the evidence per claim';
    }
  } catch (error) {
    ({ result, reason, hint } = classify(error, deps.signal, run.removedAt !== null));
  }
  let cleanup: MarkerCleanup[];
  try {
    cleanup = await run.cleanup(result, deps.cleanupSignal);
  } finally {
    run.tracker?.stop();
  }
  return run.report(result, reason, hint, cleanup);
}

/** Resolves at the set's next change after `resourceVersion`, when the watch ends, or after `timeoutMs`. */
function nextSetChange(
  deps: VerifyPvcDeps,
  options: VerifyPvcOptions,
  resourceVersion: string | undefined,
  timeoutMs: number,
): Promise<'changed' | 'ended' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    let finished = false;
    let watch: Watch | undefined;
    const finish = (outcome: 'changed' | 'ended' | 'timeout' | Error): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      controller.abort();
      watch?.stop();
      deps.signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => finish(new FlowAborted());
    const timer = deps.clock.setTimeout(() => finish('timeout'), timeoutMs);
    if (deps.signal?.aborted) return finish(new FlowAborted());
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      watch = deps.gateway.watchStatefulSets(
        options.namespace,
        { fieldSelector: `metadata.name=${options.statefulSet}`, resourceVersion, signal: controller.signal },
        () => finish('changed'),
      );
      watch.done.then(
        () => finish('ended'),
        () => finish('ended'),
      );
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * --all: after one pod is back, the set must be at rest again before the next is touched (its
 * status lags the pod by a moment). Re-checks on every change of the set, seen through a watch.
 */
async function replanWhenSettled(
  deps: VerifyPvcDeps,
  options: VerifyPvcOptions,
  ordinal: number,
): Promise<PodPlan> {
  const deadline = deps.clock.now().getTime() + options.timeoutMs;
  for (;;) {
    throwIfAborted(deps.signal);
    const statefulSet = await readStatefulSet(deps.gateway, options);
    try {
      checkStatefulSet(statefulSet, { ...options, all: false, ordinal });
      return await planPod(deps.gateway, options, statefulSet, ordinal, deps.signal);
    } catch (error) {
      const refused = error instanceof StsError && error.exitCode === ExitCode.ABORTED;
      const remaining = deadline - deps.clock.now().getTime();
      if (!refused || remaining <= 0) throw error;
      const outcome = await nextSetChange(deps, options, statefulSet.metadata?.resourceVersion, remaining);
      // A watch the server closed at once must not turn this into a busy loop.
      if (outcome === 'ended') await delay(deps, WATCH_RESUME_DELAY_MS, deps.signal);
    }
  }
}

function emptyTimings(): VerifyTimings {
  return { goneMs: null, recreateMs: null, readyMs: null, readyObservedAt: null, totalMs: 0 };
}

function summarise(
  plan: VerifyPlan,
  runs: PodVerifyReport[],
  stop?: { result: RunResult; reason: string; hint: string | null; at: PodPlan },
): VerifyReport {
  const decisive = runs.find((run) => run.result !== 'PASS') ?? runs[runs.length - 1];
  // With --all, a pod that could not even start is the one the top-level fields are about.
  const unstarted = stop?.at ?? (decisive ? undefined : plan.pods[0]!);
  return {
    result: stop?.result ?? decisive?.result ?? 'PASS',
    reason: stop?.reason ?? decisive?.reason ?? null,
    hint: stop?.hint ?? decisive?.hint ?? null,
    namespace: plan.namespace,
    statefulSet: plan.statefulSet,
    pod: unstarted?.pod ?? decisive!.pod,
    ordinal: unstarted?.ordinal ?? decisive!.ordinal,
    claims: unstarted ? unstarted.claims.map((claim) => emptyClaimResult(claim, '')) : decisive!.claims,
    timings: unstarted ? emptyTimings() : decisive!.timings,
    cleanup: runs.flatMap((run) => run.cleanup),
    runs,
    plan,
  };
}

/**
 * The whole command: pre-flight, plan, confirmation, then each pod in turn. Refusals before
 * anything was written come back as a thrown StsError (exit ABORTED, or INTERRUPTED); once markers
 * exist the outcome is always a report, with cleanup done.
 */
export async function runVerifyPvc(options: VerifyPvcOptions, deps: VerifyPvcDeps): Promise<VerifyReport> {
  const emit = (event: VerifyEvent): void => deps.onEvent?.(event);
  const interrupted = (): StsError =>
    new StsError('interrupted before anything was changed', {
      exitCode: ExitCode.INTERRUPTED,
      hint: 'nothing was written or deleted',
    });
  emit({ type: 'phase', phase: 'preflight', at: deps.clock.now() });
  let plan: VerifyPlan;
  try {
    plan = await preflight(
      deps.gateway,
      options,
      (message) => emit({ type: 'warning', message, at: deps.clock.now() }),
      deps.signal,
    );
  } catch (error) {
    if (error instanceof FlowAborted || deps.signal?.aborted) throw interrupted();
    throw error;
  }
  emit({ type: 'plan', plan, at: deps.clock.now() });
  if (options.dryRun) {
    return {
      ...summarise(plan, []),
      result: 'DRY-RUN',
      reason: 'dry run: stopped after the plan',
      hint: 'run again without --dry-run to verify',
    };
  }
  emit({ type: 'phase', phase: 'confirm', at: deps.clock.now() });
  const confirmed = await deps.confirm(plan);
  if (deps.signal?.aborted) throw interrupted();
  if (!confirmed) throw refusal('the plan was not confirmed', 'nothing was written or deleted');

  const runs: PodVerifyReport[] = [];
  for (const [index, planned] of plan.pods.entries()) {
    let podPlan = planned;
    if (index > 0) {
      try {
        podPlan = await replanWhenSettled(deps, options, planned.ordinal);
      } catch (error) {
        return summarise(plan, runs, { ...classify(error, deps.signal, false), at: planned });
      }
    }
    const run = await verifyPod(deps, options, podPlan);
    runs.push(run);
    if (run.result !== 'PASS') break;
  }
  return summarise(plan, runs);
}
