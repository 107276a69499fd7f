// Installs the simulated cluster's controllers on a store: StatefulSet, scheduler + kubelet + node
// lifecycle, PersistentVolume binding and provisioning, EndpointSlice, garbage collector.
import type { Pod } from '../../../src/kube/types.ts';
import type { SimClock, Store } from '../contract.ts';
import { simAnnotations } from './annotations.ts';
import { installEndpointSliceController } from './endpointslice.ts';
import { installGarbageCollector } from './gc.ts';
import { installResizeController } from './resize.ts';
import { installKubelet } from './kubelet.ts';
import type { ControllerContext, SimTiming } from './runtime.ts';
import { EventRecorder, WorkQueue, defaultTiming } from './runtime.ts';
import { installStatefulSetController } from './statefulset.ts';
import { installStorageControllers } from './storage.ts';

export { simAnnotations } from './annotations.ts';
export type { SimTiming } from './runtime.ts';
export { defaultTiming, parseDuration } from './runtime.ts';

export interface ControllerOptions {
  clusterDomain: string;
  /** Simulated durations (image pulls, init containers, readiness, provisioning…); defaults in `defaultTiming`. */
  timing?: Partial<SimTiming>;
  /** Where controller failures are reported (default: stderr). */
  onError?: (error: unknown, key: string) => void;
  /** The Kubernetes minor version the controllers' messages follow (default 32). */
  kubernetesMinor?: number;
}

export interface RunningControllers {
  stop(): void;
  /** Resolves once every queued reconcile has run (timers on the clock may still be pending). */
  settle(): Promise<void>;
  /** Simulates a kubelet that stops (false) or resumes (true) posting status for a node. */
  setNodeReady(node: string, ready: boolean): void;
  /** Makes a pod's readiness probe fail (true) or pass again (false), as `kubectl annotate` would. */
  setReadinessFailing(namespace: string, pod: string, failing: boolean): void;
  /** Makes a pod's containers crash (true) or run normally (false). */
  setCrashing(namespace: string, pod: string, crashing: boolean): void;
  readonly timing: SimTiming;
}

const installed = new WeakMap<Store, RunningControllers>();

/**
 * The controllers running on a store, for tests that got their cluster from startSimCluster
 * (`controllersFor(cluster.store)?.setNodeReady('sim-worker', false)`).
 */
export function controllersFor(store: Store): RunningControllers | undefined {
  return installed.get(store);
}

export function installControllers(
  store: Store,
  clock: SimClock,
  options: ControllerOptions,
): RunningControllers {
  const timing: SimTiming = { ...defaultTiming, ...(options.timing ?? {}) };
  const onError =
    options.onError ??
    ((error: unknown, key: string) => {
      console.error(`sim controllers: ${key} failed:`, error);
    });
  const ctx: ControllerContext = {
    store,
    clock,
    queue: new WorkQueue(onError),
    recorder: new EventRecorder(store, clock),
    clusterDomain: options.clusterDomain,
    timing,
    kubernetesMinor: options.kubernetesMinor ?? 32,
    disposers: [],
    timers: new Set(),
  };
  installGarbageCollector(ctx);
  installStorageControllers(ctx);
  installStatefulSetController(ctx);
  const resize = installResizeController(ctx);
  const kubelet = installKubelet(ctx, { onMount: resize.finishOnMount });
  installEndpointSliceController(ctx);

  const annotate = (namespace: string, pod: string, key: string, value: string | undefined): void => {
    store.mutate<Pod>('pods', namespace, pod, (draft) => {
      const meta = (draft.metadata ??= {});
      const annotations = { ...(meta.annotations ?? {}) };
      if (value === undefined) delete annotations[key];
      else annotations[key] = value;
      meta.annotations = annotations;
    });
  };

  const running: RunningControllers = {
    timing,
    stop() {
      if (installed.get(store) === running) installed.delete(store);
      ctx.queue.stop();
      for (const dispose of ctx.disposers.splice(0)) dispose();
      for (const timer of [...ctx.timers]) timer.cancel();
    },
    settle: () => ctx.queue.settle(),
    setNodeReady: (node, ready) => kubelet.setNodeReady(node, ready),
    setReadinessFailing: (namespace, pod, failing) =>
      annotate(namespace, pod, simAnnotations.readiness, failing ? 'fail' : undefined),
    setCrashing: (namespace, pod, crashing) =>
      annotate(namespace, pod, simAnnotations.crash, crashing ? 'true' : undefined),
  };
  installed.set(store, running);
  return running;
}
