// Removing the pod, and knowing whether it was removed. An eviction is one POST, but its answer
// can be lost (a proxy, a reset connection, --request-timeout): then nothing may be said before
// the pod has been read again. A 429 is a PodDisruptionBudget only when its Status carries the
// DisruptionBudget cause; any other 429 is throttling, which is waited out, never called a budget.
import { ExitCode, StsError } from '../cli/errors.ts';
import { formatDuration } from '../core/duration.ts';
import type { ApiStatus } from '../kube/types.ts';
import { FlowAborted, apiFailureOf, refusal, sleep, throwIfAborted } from './verify-pvc-errors.ts';
import type { FlowClock, PodPlan, VerifyPvcDeps } from './verify-pvc-types.ts';
import type { PodTracker } from './verify-pvc-wait.ts';

/** 429s (throttling, a budget still being processed) waited out before giving up. */
const MAX_WAITS = 5;
/** Longest single wait for a Retry-After, so a bad header cannot stall the run. */
const MAX_WAIT_MS = 10_000;
/** How long a pod whose eviction had no answer is watched for the eviction landing late. */
export const LATE_EVICTION_GRACE_MS = 3_000;

/** Whether the pod was removed, as far as the run can tell. */
export type RemovalState = 'not-sent' | 'unknown' | 'done';

function statusOf(error: unknown): ApiStatus | undefined {
  for (let current: unknown = error; current && typeof current === 'object';) {
    const record = current as { apiStatus?: ApiStatus; cause?: unknown };
    if (record.apiStatus) return record.apiStatus;
    current = record.cause;
  }
  return undefined;
}

function budgetCause(error: unknown): string | undefined {
  const cause = statusOf(error)?.details?.causes?.find((c) => c.reason === 'DisruptionBudget');
  return cause ? (cause.message ?? '') : undefined;
}

function clockTime(clock: FlowClock): string {
  return clock.now().toISOString().slice(11, 19);
}

/** A refusal whose outcome is known: the pod was not removed. */
function knownRefusal(plan: PodPlan, error: unknown): StsError {
  const failure = apiFailureOf(error);
  const verb = plan.removal === 'eviction' ? 'evict' : 'delete';
  if (failure.code === 409)
    return refusal(
      `pod ${plan.pod} changed before it could be removed: ${failure.message}`,
      'nothing was deleted; retry once the pod is stable',
    );
  if (failure.code === 403)
    return refusal(
      `not allowed to ${verb} pod ${plan.pod}: ${failure.message}`,
      'nothing was deleted; ask for the missing permission',
    );
  if (failure.code === 404)
    return refusal(
      `pod ${plan.pod} was deleted by someone else before it could be ${verb}ed`,
      'nothing was deleted by verify-pvc; retry once the pod is back and Ready',
    );
  return refusal(
    `could not ${verb} pod ${plan.pod}: ${failure.message}`,
    'nothing was deleted; retry, or re-run with --debug',
  );
}

/** A failure after which the pod may or may not have been removed (no answer, 5xx, 408). */
function outcomeUnknown(error: unknown): boolean {
  if (error instanceof FlowAborted) return false;
  if (error instanceof StsError && error.exitCode === ExitCode.INTERRUPTED) return false;
  const code = apiFailureOf(error).code;
  return code === undefined || code >= 500 || code === 408;
}

export interface RemovalResult {
  /** When the request that removed the pod was sent (timings are measured from here). */
  sentAt: Date;
}

/**
 * Evicts (or deletes) the planned incarnation. Resolves once the pod is known to be removed.
 * Throws a refusal (exit ABORTED) when it is known not to be; `onUnknown` is told the moment
 * the outcome becomes uncertain, so a caller that is stopped then still says the truth.
 */
export async function removePod(
  deps: VerifyPvcDeps & { removalGraceMs?: number },
  plan: PodPlan,
  tracker: PodTracker,
  signal: AbortSignal | undefined,
  onUnknown: () => void,
  warn: (message: string) => void,
): Promise<RemovalResult> {
  const { gateway, clock } = deps;
  let waits = 0;
  let unanswered = 0;
  let firstSentAt: Date | undefined;
  for (;;) {
    throwIfAborted(signal);
    const sentAt = clock.now();
    firstSentAt ??= sentAt;
    try {
      if (plan.removal === 'eviction') await gateway.evictPod(plan.namespace, plan.pod, { uid: plan.podUid });
      else await gateway.deletePod(plan.namespace, plan.pod, { uid: plan.podUid });
      return { sentAt: unanswered > 0 ? firstSentAt : sentAt };
    } catch (error) {
      throwIfAborted(signal);
      const failure = apiFailureOf(error);
      if (unanswered > 0 && (failure.code === 404 || failure.code === 409)) {
        // An earlier request without an answer may be what removed it; the pod says.
        await tracker.refresh().catch(() => undefined);
        if (tracker.state.terminatingAt || tracker.state.goneAt) return { sentAt: firstSentAt };
      }
      if (failure.code === 429) {
        const budget = plan.removal === 'eviction' ? budgetCause(error) : undefined;
        const processing = budget !== undefined && /still being processed/i.test(budget);
        if (budget !== undefined && !processing)
          throw refusal(
            `eviction of pod ${plan.pod} refused by its PodDisruptionBudget: ${budget || failure.message}`,
            `nothing was deleted; the budget allows no disruption now (kubectl get pdb -n ${plan.namespace} shows ALLOWED DISRUPTIONS); retry once it does`,
          );
        if (++waits > MAX_WAITS)
          throw refusal(
            processing
              ? `eviction of pod ${plan.pod} refused ${waits - 1} times: ${budget}`
              : `the API server kept throttling the eviction of pod ${plan.pod} (429 Too Many Requests, ${waits - 1} tries): ${failure.message}`,
            'nothing was deleted; retry in a while',
          );
        const retryAfter = statusOf(error)?.details?.retryAfterSeconds;
        const waitMs = Math.min(
          MAX_WAIT_MS,
          retryAfter && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** (waits - 1),
        );
        warn(
          processing
            ? `the PodDisruptionBudget of ${plan.pod} is still being processed by the server; retrying the eviction in ${formatDuration(waitMs)}`
            : `the API server is throttling requests (429); retrying the eviction of ${plan.pod} in ${formatDuration(waitMs)}`,
        );
        await sleep(clock, waitMs, signal);
        continue;
      }
      if (!outcomeUnknown(error)) {
        if (unanswered === 0) throw knownRefusal(plan, error);
        await tracker.refresh().catch(() => undefined);
        if (tracker.state.terminatingAt || tracker.state.goneAt) return { sentAt: firstSentAt };
        throw knownRefusal(plan, error);
      }
      // No answer, or one that does not say whether the pod was removed: read the pod.
      onUnknown();
      unanswered += 1;
      const verb = plan.removal === 'eviction' ? 'eviction' : 'deletion';
      await tracker.refresh().catch(() => undefined);
      if (tracker.state.terminatingAt || tracker.state.goneAt) {
        warn(`the ${verb} of ${plan.pod} got no clear answer (${failure.message}), but the pod was removed`);
        return { sentAt: firstSentAt };
      }
      // A request delayed on its way may still land: give it a moment, watching.
      if (await tracker.untilLeaving(deps.removalGraceMs ?? LATE_EVICTION_GRACE_MS, signal)) {
        warn(`the ${verb} of ${plan.pod} got no clear answer (${failure.message}), but the pod was removed`);
        return { sentAt: firstSentAt };
      }
      if (unanswered >= 2)
        throw refusal(
          `could not ${plan.removal === 'eviction' ? 'evict' : 'delete'} pod ${plan.pod}: no clear answer twice (${failure.message})`,
          `pod ${plan.pod} (uid ${plan.podUid}) was still running, not terminating, when read at ${clockTime(clock)}; nothing was deleted as far as the cluster shows; check the connection and retry`,
        );
      warn(
        `the ${verb} of ${plan.pod} got no clear answer (${failure.message}); the pod is unchanged, sending it again`,
      );
    }
  }
}
