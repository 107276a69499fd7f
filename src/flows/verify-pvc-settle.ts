// --all: between two pods, the set must be whole again — every ordinal that served before Ready
// again, and staying Ready for a settle period — before the next pod is even planned. A pod that
// turns Ready and falls over a second later (a crash on start, a failing probe) must not be the
// reason the next eviction leaves the set short.
import { selectorToString } from '../kube/gateway.ts';
import type { StatefulSet } from '../kube/types.ts';
import { formatDuration } from '../core/duration.ts';
import { FlowAborted, FlowTimedOut } from './verify-pvc-errors.ts';
import { notServingPods } from './verify-pvc-safety.ts';
import type { VerifyPvcDeps, VerifyPvcOptions } from './verify-pvc-types.ts';
import { watchPodList } from './verify-pvc-wait.ts';

/**
 * Resolves once every pod in `required` has been Ready (not terminating) for `settleMs` without
 * a break, as seen through a watch on the set's pods and confirmed by a fresh read at the end.
 * Rejects with FlowTimedOut at `deadline`, FlowAborted on the signal.
 */
export async function waitUntilSettled(
  deps: VerifyPvcDeps,
  options: VerifyPvcOptions,
  statefulSet: StatefulSet,
  required: string[],
  settleMs: number,
  deadline: number,
): Promise<void> {
  const { clock, signal } = deps;
  if (signal?.aborted) throw new FlowAborted();
  const selector = selectorToString(statefulSet.spec?.selector);
  let readySince: number | null = null;
  let lastMissing: { pod: string; state: string }[] = [];
  let check: (() => void) | undefined;
  const list = await watchPodList(
    deps.gateway,
    clock,
    options.namespace,
    selector ? { labelSelector: selector } : {},
    (pods) => {
      lastMissing = notServingPods(statefulSet, pods.values(), required, clock.now());
      if (lastMissing.length > 0) readySince = null;
      else readySince ??= clock.now().getTime();
      check?.();
    },
    options.watchIdleMs,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let timer: { cancel(): void } | undefined;
      let confirming = false;
      const finish = (error?: Error): void => {
        timer?.cancel();
        deadlineTimer.cancel();
        check = undefined;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => finish(new FlowAborted());
      const deadlineTimer = clock.setTimeout(
        () =>
          finish(
            new FlowTimedOut(
              `the set did not settle before the next pod within --timeout (every pod Ready for ${formatDuration(settleMs)}): ${lastMissing.map((m) => `${m.pod} ${m.state}`).join('; ') || 'it kept changing'}`,
            ),
          ),
        Math.max(0, deadline - clock.now().getTime()),
      );
      check = (): void => {
        timer?.cancel();
        if (readySince === null || confirming) return;
        const since = readySince;
        timer = clock.setTimeout(
          () => {
            // Settled as far as the watch tells; read the state once more before believing it.
            confirming = true;
            list
              .refresh()
              .catch(() => undefined)
              .then(() => {
                confirming = false;
                if (readySince !== null && readySince <= since) finish();
                else check?.();
              });
          },
          Math.max(0, since + settleMs - clock.now().getTime()),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return finish(new FlowAborted());
      check();
    });
  } finally {
    list.stop();
  }
}
