// Annotations that steer the simulated kubelet for one pod. Put them on a pod template (every pod
// of the workload behaves so) or on a live pod (`kubectl annotate pod web-1 …`): the kubelet reads
// them from the pod each time it syncs it, so changing one takes effect at once.
import type { Pod } from '../../../src/kube/types.ts';
import { parseDuration } from './runtime.ts';

export const SIM_PREFIX = 'sim.kubectl-sts.dev/';

export const simAnnotations = {
  /** Duration from a container's start to Ready (`2s`, `500ms`); default: at once without a readiness probe. */
  readyAfter: `${SIM_PREFIX}ready-after`,
  /** `fail`: readiness probes fail, the pod runs but never becomes Ready; `pass` (default). */
  readiness: `${SIM_PREFIX}readiness`,
  /** `true` (every app container) or a comma-separated list of container names (init containers too) that exit with code 1 after running briefly, then CrashLoopBackOff. */
  crash: `${SIM_PREFIX}crash`,
  /**
   * `fail`: every image pull fails (ErrImagePull, then ImagePullBackOff); `pass`: images outside
   * the simulated registries' catalogue (controllers/images.ts) pull as if they existed.
   */
  imagePull: `${SIM_PREFIX}image-pull`,
  /** Duration each init container runs before it completes. */
  initDuration: `${SIM_PREFIX}init-duration`,
  /** Duration containers take to exit after SIGTERM; `grace` waits the whole grace period. */
  stopAfter: `${SIM_PREFIX}stop-after`,
  /** Duration of an image pull (default from the scenario's timing). */
  pullDuration: `${SIM_PREFIX}pull-duration`,
  /** `Evicted` (or another reason): the kubelet fails the pod (phase Failed), as node-pressure eviction does. */
  fail: `${SIM_PREFIX}fail`,
} as const;

export interface PodBehaviour {
  readyAfterMs: number | undefined;
  readinessFails: boolean;
  /** Whether an app container crashes (`true` or its name). */
  crashes: (container: string) => boolean;
  /** Whether a container named in the list crashes (init containers crash only when named). */
  crashesByName: (container: string) => boolean;
  imagePullFails: boolean;
  /** Images outside the catalogue are taken to exist. */
  imagePullPasses: boolean;
  initDurationMs: number | undefined;
  stopAfterMs: number | 'grace' | undefined;
  pullDurationMs: number | undefined;
  failReason: string | undefined;
}

export function behaviourOf(pod: Pod): PodBehaviour {
  const annotations = pod.metadata?.annotations ?? {};
  const crash = annotations[simAnnotations.crash]?.trim();
  const crashing = new Set(
    (crash ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
  const stopAfter = annotations[simAnnotations.stopAfter]?.trim();
  return {
    readyAfterMs: parseDuration(annotations[simAnnotations.readyAfter]),
    readinessFails: annotations[simAnnotations.readiness]?.trim() === 'fail',
    crashes: (container) => crash === 'true' || crashing.has(container),
    crashesByName: (container) => crashing.has(container),
    imagePullFails: annotations[simAnnotations.imagePull]?.trim() === 'fail',
    imagePullPasses: annotations[simAnnotations.imagePull]?.trim() === 'pass',
    initDurationMs: parseDuration(annotations[simAnnotations.initDuration]),
    stopAfterMs: stopAfter === 'grace' ? 'grace' : parseDuration(stopAfter),
    pullDurationMs: parseDuration(annotations[simAnnotations.pullDuration]),
    failReason: annotations[simAnnotations.fail]?.trim() || undefined,
  };
}
