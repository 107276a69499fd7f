// verify-pvc: the check people do by hand (write a file into the volume, delete the pod, read the
// file back from its replacement) as one guarded sequence of steps. The flow never prints; it
// emits typed events and returns a report. It deletes at most the pods it names (one at a time,
// each through the Eviction API unless --force-delete, each only after pre-flight proved it safe),
// never deletes a PVC or PV, and changes a claim only to keep a record (an annotation) of each
// marker file while that file exists.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExitCodeValue } from '../cli/errors.ts';
import type { Pod } from '../kube/types.ts';
import { encodeMarkerRecord, markerRecordKey } from '../report/marker-records.ts';
import {
  FlowAborted,
  FlowTimedOut,
  apiFailureOf,
  errorMessage,
  refusal,
  sleep,
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
import {
  checkStatefulSet,
  confirmStillSafe,
  planPod,
  preflight,
  readClusterView,
  readStatefulSet,
  settleFor,
} from './verify-pvc-preflight.ts';
import { removePod } from './verify-pvc-removal.ts';
import type { RemovalState } from './verify-pvc-removal.ts';
import { waitUntilSettled } from './verify-pvc-settle.ts';
import type {
  ClaimResult,
  MarkerCleanup,
  PlannedClaim,
  PodPlan,
  PodVerifyReport,
  RunResult,
  VerifyEvent,
  VerifyPhase,
  VerifyPlan,
  VerifyPvcDeps,
  VerifyPvcOptions,
  VerifyReport,
  VerifyTimings,
} from './verify-pvc-types.ts';
import { containerIsRunning, trackPod } from './verify-pvc-wait.ts';
import type { PodTracker } from './verify-pvc-wait.ts';
import { formatDuration } from '../core/duration.ts';
import { shellLine } from '../core/shell.ts';

export { claimNameFor, rolloutInProgress } from './verify-pvc-preflight.ts';
export type * from './verify-pvc-types.ts';
export { systemClock } from './verify-pvc-types.ts';

const DEFAULT_CLEANUP_TIMEOUT_MS = 60_000;
const READ_ATTEMPTS = 3;
const RETRY_DELAY_MS = 250;

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
  id: string;
  claim: PlannedClaim;
  path: string;
  content: string;
  writtenAt: Date;
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
      if (attempt < READ_ATTEMPTS) await sleep(deps.clock, RETRY_DELAY_MS * attempt, signal);
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

class PodRun {
  readonly markers: Marker[] = [];
  readonly claimResults: ClaimResult[];
  tracker: PodTracker | undefined;
  /** When the request that removed the pod was sent; null while it has not been sent. */
  removedAt: Date | null = null;
  removal: RemovalState = 'not-sent';
  newPod: Pod | undefined;
  readonly startedAt: Date;
  private readonly deps: VerifyPvcDeps;
  private readonly options: VerifyPvcOptions;
  private readonly plan: PodPlan;
  private lastPhase: VerifyPhase | undefined;

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

  private phase(phase: VerifyPhase): void {
    if (phase === this.lastPhase) return;
    this.lastPhase = phase;
    this.emit({ type: 'phase', phase, pod: this.plan.pod, at: this.deps.clock.now() });
  }

  private warn(message: string): void {
    this.emit({ type: 'warning', message, at: this.deps.clock.now() });
  }

  private target(claim: PlannedClaim): MarkerTarget {
    return { namespace: this.plan.namespace, pod: this.plan.pod, container: claim.container };
  }

  /** The claim's record of a marker (an annotation), set before the file exists and kept while it does. */
  private async record(marker: Marker, kept = false): Promise<void> {
    await this.deps.gateway.annotatePersistentVolumeClaim(this.plan.namespace, marker.claim.claim, {
      [markerRecordKey(marker.id)]: encodeMarkerRecord({
        id: marker.id,
        pod: this.plan.pod,
        container: marker.claim.container,
        path: marker.path,
        pathInVolume: pathInVolume(marker.claim, marker.path),
        writtenAt: marker.writtenAt.toISOString(),
        kept,
      }),
    });
  }

  private async forget(marker: Marker): Promise<void> {
    try {
      await this.deps.gateway.annotatePersistentVolumeClaim(this.plan.namespace, marker.claim.claim, {
        [markerRecordKey(marker.id)]: null,
      });
    } catch (error) {
      if (apiFailureOf(error).code === 404) return; // the claim is gone, and its record with it
      this.warn(
        `the record of the removed marker on claim ${marker.claim.claim} could not be removed (${errorMessage(error)}); \`${shellLine(this.cleanupCommand())}\` removes it`,
      );
    }
  }

  private cleanupCommand(): string[] {
    return ['kubectl', 'sts', 'verify-pvc', this.plan.statefulSet, '-n', this.plan.namespace, '--cleanup'];
  }

  async writeMarkers(signal: AbortSignal | undefined): Promise<void> {
    const { gateway, clock } = this.deps;
    this.phase('write-markers');
    for (const [index, claim] of this.plan.claims.entries()) {
      throwIfAborted(signal);
      const id = this.deps.newMarkerId();
      const path = markerPathIn(claim.markerDir, id);
      const writtenAt = clock.now();
      const content = markerContent({
        id,
        pod: this.plan.pod,
        podUid: this.plan.podUid,
        claim: claim.claim,
        claimUid: claim.uid,
        writtenAt,
      });
      const marker: Marker = { id, claim, path, content, writtenAt };
      // Known before anything is written, so an interruption mid-way still cleans up after it.
      this.markers.push(marker);
      this.claimResults[index]!.markerPath = path;
      if (claim.podVolumeSource === 'persistentVolumeClaim') {
        try {
          await this.record(marker);
        } catch (error) {
          throwIfAborted(signal);
          throw refusal(
            `could not record the marker on claim ${claim.claim} before writing it: ${errorMessage(error)}`,
            'nothing was written into the volume and nothing was deleted; check the permission to patch persistentvolumeclaims',
          );
        }
      }
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
    // While the removal request is out, what the watch sees is held back, then told after the
    // removal in the order it happened: cause before effect, and times that never go backwards.
    let holding = true;
    const held: VerifyEvent[] = [];
    const relay = (event: VerifyEvent): void => {
      if (event.type === 'pod-gone') this.phase('wait-created');
      if (event.type === 'pod-created') this.phase('wait-ready');
      this.emit(event);
    };
    this.tracker = await trackPod(
      gateway,
      clock,
      this.plan.namespace,
      this.plan.pod,
      this.plan.podUid,
      (event) => (holding ? held.push(event) : relay(event)),
      this.options.watchIdleMs,
    );
    throwIfAborted(signal);
    // Both calls carry the checked uid as a precondition; this check only gives a clearer message
    // when the watch has already seen that incarnation go.
    if (this.tracker.state.goneAt || this.tracker.state.terminatingAt)
      throw refusal(
        `pod ${this.plan.pod} was ${this.tracker.state.goneAt ? 'replaced or deleted' : 'put into deletion'} by someone else since pre-flight (uid ${this.plan.podUid})`,
        'nothing was deleted by verify-pvc; retry once the pod is stable',
      );
    held.length = 0;
    // The markers took a moment: look once more before the one step that cannot be undone.
    await confirmStillSafe(gateway, this.options, this.plan, clock.now());
    throwIfAborted(signal);
    this.phase('remove-pod');
    try {
      const { sentAt } = await removePod(
        { ...this.deps, removalGraceMs: this.options.removalGraceMs },
        this.plan,
        this.tracker,
        signal,
        () => (this.removal = 'unknown'),
        (message) => this.warn(message),
      );
      this.removedAt = sentAt;
      this.removal = 'done';
    } finally {
      if (this.removal === 'done')
        this.emit({
          type: 'pod-removed',
          pod: this.plan.pod,
          uid: this.plan.podUid,
          how: this.plan.removal,
          at: this.removedAt!,
        });
      holding = false;
      for (const event of held.splice(0)) relay(event);
    }
  }

  async waitForReplacement(signal: AbortSignal | undefined): Promise<void> {
    const tracker = this.tracker!;
    if (!tracker.state.goneAt) this.phase('wait-gone');
    else if (!tracker.state.current) this.phase('wait-created');
    else this.phase('wait-ready');
    const elapsed = this.deps.clock.now().getTime() - this.removedAt!.getTime();
    this.newPod = await tracker.untilReady(
      Math.max(0, this.options.timeoutMs - elapsed),
      signal,
      this.options.timeoutMs,
    );
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

  /** A marker left behind: where it is, through which pod and container, and how to remove it. */
  private left(marker: Marker, reason: string, recorded: boolean, volume?: string | null): MarkerCleanup {
    const exec = [
      'kubectl',
      'exec',
      this.plan.pod,
      '-n',
      this.plan.namespace,
      '-c',
      marker.claim.container,
      '--',
      'rm',
      marker.path,
    ];
    return {
      claim: marker.claim.claim,
      path: marker.path,
      status: 'left',
      where: this.whereIs(marker, volume ?? marker.claim.volume),
      pod: this.plan.pod,
      container: marker.claim.container,
      remove: recorded ? [this.cleanupCommand(), exec] : [exec],
      reason,
    };
  }

  async cleanup(result: RunResult, cleanupSignal: AbortSignal | undefined): Promise<MarkerCleanup[]> {
    if (this.markers.length === 0) return [];
    const outcomes: MarkerCleanup[] = [];
    const record = (outcome: MarkerCleanup): void => {
      outcomes.push(outcome);
      this.emit({ type: 'marker-cleanup', pod: this.plan.pod, marker: outcome, at: this.deps.clock.now() });
    };
    const waitMs = result === 'TIMEOUT' ? 0 : (this.options.cleanupTimeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS);
    const podMayHaveGone = this.removal !== 'not-sent';
    for (const [index, marker] of this.markers.entries()) {
      const base = { claim: marker.claim.claim, path: marker.path };
      const claimResult = this.claimResults[index]!;
      const persistent = marker.claim.podVolumeSource === 'persistentVolumeClaim';
      if (this.options.keepMarker) {
        this.phase('cleanup');
        if (persistent) await this.record(marker, true).catch(() => undefined);
        record({
          ...base,
          status: 'kept',
          where: this.whereIs(marker),
          pod: this.plan.pod,
          container: marker.claim.container,
        });
        continue;
      }
      if (cleanupSignal?.aborted) {
        record(this.left(marker, 'cleanup was interrupted', persistent));
        continue;
      }
      if (
        podMayHaveGone &&
        !persistent &&
        (this.tracker?.state.terminatingAt || this.tracker?.state.goneAt)
      ) {
        // Not persistent storage: it went away with the old pod.
        record({ ...base, status: 'absent' });
        continue;
      }
      const rebound =
        claimResult.uidAfter !== null &&
        (claimResult.uidAfter !== claimResult.uidBefore ||
          claimResult.volumeAfter !== claimResult.volumeBefore);
      if (rebound) {
        record(
          this.left(
            marker,
            'the claim now refers to another volume, so no pod mounts the one holding the marker',
            false,
            claimResult.volumeBefore,
          ),
        );
        continue;
      }
      if (podMayHaveGone && this.tracker) {
        // The volume is in whichever incarnation of the pod runs now; wait for one that runs.
        const running = this.tracker.state.current ?? undefined;
        if (!running || !containerIsRunning(running, marker.claim.container)) this.phase('cleanup-wait');
        const pod = await this.tracker
          .untilRunning(marker.claim.container, waitMs, cleanupSignal)
          .catch(() => undefined);
        if (!pod) {
          record(
            this.left(
              marker,
              cleanupSignal?.aborted
                ? 'cleanup was interrupted'
                : `no running pod ${this.plan.pod} mounts the volume${waitMs > 0 ? ` (waited ${formatDuration(waitMs)})` : ''}`,
              persistent,
            ),
          );
          continue;
        }
      }
      this.phase('cleanup');
      try {
        const removal = await removeMarker(
          this.deps.gateway,
          this.target(marker.claim),
          marker.path,
          cleanupSignal,
        );
        if (removal.status === 'failed') record(this.left(marker, removal.detail, persistent));
        else {
          if (persistent) await this.forget(marker);
          record({ ...base, status: removal.status });
        }
      } catch (error) {
        record(this.left(marker, errorMessage(error), persistent));
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

  /** Whether the pod is known to have left: our removal went through, or the watch saw it go. */
  removed(): boolean {
    return (
      this.removal === 'done' || Boolean(this.tracker?.state.terminatingAt || this.tracker?.state.goneAt)
    );
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
      removed: this.removed(),
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
  removal: RemovalState = removed ? 'done' : 'not-sent',
): { result: RunResult; reason: string; hint: string | null } {
  const unknown = !removed && removal === 'unknown';
  if (error instanceof FlowAborted || signal?.aborted)
    return {
      result: 'INTERRUPTED',
      reason: removed
        ? 'interrupted after the pod was removed'
        : unknown
          ? 'interrupted while the removal of the pod had no answer'
          : 'interrupted before the pod was removed',
      hint: removed
        ? 'the StatefulSet controller re-creates the pod on its own'
        : unknown
          ? 'the pod may have been removed; the StatefulSet controller re-creates it if so (kubectl get pods shows its uid)'
          : 'nothing was deleted',
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
    hint: removed
      ? 'the pod was removed; the StatefulSet controller re-creates it'
      : unknown
        ? 'the pod may have been removed (its removal had no answer); check with kubectl get pods'
        : 'nothing was deleted',
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
    ({ result, reason, hint } = classify(error, deps.signal, run.removed(), run.removal));
  }
  let cleanup: MarkerCleanup[];
  try {
    cleanup = await run.cleanup(result, deps.cleanupSignal);
  } finally {
    run.tracker?.stop();
  }
  return run.report(result, reason, hint, cleanup);
}

/**
 * --all: after one pod is back, the set must be whole and stay so for the settle period before
 * the next pod is planned; then the whole pre-flight runs again for it. A refusal then (a budget
 * whose status lags, a pod that fell over) is waited out until --timeout, settling again each time.
 */
async function replanWhenSettled(
  deps: VerifyPvcDeps,
  options: VerifyPvcOptions,
  plan: VerifyPlan,
  ordinal: number,
): Promise<PodPlan> {
  const deadline = deps.clock.now().getTime() + options.timeoutMs;
  const planned = plan.pods.find((pod) => pod.ordinal === ordinal)!;
  // Every ordinal that served when the run was planned must serve again (with --allow-degraded
  // the ones that did not are not waited for).
  const required = [...plan.pods.map((pod) => pod.pod), ...planned.safety.othersReady].filter(
    (name, index, all) => all.indexOf(name) === index,
  );
  let refused: StsError | undefined;
  for (;;) {
    throwIfAborted(deps.signal);
    const statefulSet = await readStatefulSet(deps.gateway, options);
    const settleMs = settleFor(statefulSet, options);
    deps.onEvent?.({ type: 'phase', phase: 'settle', pod: planned.pod, at: deps.clock.now() });
    try {
      await waitUntilSettled(deps, options, statefulSet, required, settleMs, deadline);
    } catch (error) {
      // Out of time after a refusal: the refusal is the reason, not the wait.
      if (error instanceof FlowTimedOut && refused) throw refused;
      throw error;
    }
    deps.onEvent?.({ type: 'settled', pods: required, settleMs, at: deps.clock.now() });
    try {
      const current = await readStatefulSet(deps.gateway, options);
      checkStatefulSet(current, { ...options, all: false, ordinal });
      const view = await readClusterView(deps.gateway, options, current);
      return await planPod(
        deps.gateway,
        options,
        view,
        ordinal,
        (message) => deps.onEvent?.({ type: 'warning', message, at: deps.clock.now() }),
        deps.signal,
        () => deps.clock.now(),
      );
    } catch (error) {
      if (!(error instanceof StsError && error.exitCode === ExitCode.ABORTED)) throw error;
      refused = error;
      if (deps.clock.now().getTime() >= deadline) throw error;
      deps.onEvent?.({
        type: 'warning',
        message: `${planned.pod} cannot be checked yet (${error.message}); waiting for the set to settle again`,
        at: deps.clock.now(),
      });
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
      () => deps.clock.now(),
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
        podPlan = await replanWhenSettled(deps, options, plan, planned.ordinal);
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
