// Owned by the controllers work: installs the StatefulSet, kubelet, storage, EndpointSlice and
// garbage-collector controllers on a store. (Placeholder until that work lands.)
import type { SimClock, Store } from '../contract.ts';

export interface ControllerOptions {
  clusterDomain: string;
}

export interface RunningControllers {
  stop(): void;
}

export function installControllers(
  _store: Store,
  _clock: SimClock,
  _options: ControllerOptions,
): RunningControllers {
  return { stop() {} };
}
