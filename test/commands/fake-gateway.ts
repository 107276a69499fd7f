// An in-memory ClusterGateway for the collection and watch logic: fixed objects, recorded
// calls, watches driven by the test (emit events, end streams, fail with 410).
import type { ClusterGateway, EventSink, Listed, Watch, WatchOptions } from '../../src/kube/gateway.ts';
import type {
  KubeObject,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StatefulSet,
  WatchEvent,
} from '../../src/kube/types.ts';

export interface FakeWatch {
  resource: string;
  options: WatchOptions;
  emit(event: WatchEvent<KubeObject>): void;
  /** Ends the stream as a server timeout does. */
  end(): void;
  /** Ends the stream with an error carrying `status` (410 for Gone). */
  fail(status: number, message?: string): void;
  stopped: boolean;
}

export interface FakeState {
  statefulSet: StatefulSet | undefined;
  pods: Pod[];
  claims: PersistentVolumeClaim[];
  volumes: PersistentVolume[];
  /** Method names that reject with a 403-like error. */
  forbidden: Set<string>;
}

export interface FakeGateway {
  gateway: ClusterGateway;
  state: FakeState;
  calls: string[];
  watches: FakeWatch[];
  /** Resolves when `count` watches have been opened in total. */
  watchesOpened(count: number): Promise<void>;
}

class FakeApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function fakeGateway(initial: Partial<FakeState>): FakeGateway {
  const state: FakeState = {
    statefulSet: initial.statefulSet,
    pods: initial.pods ?? [],
    claims: initial.claims ?? [],
    volumes: initial.volumes ?? [],
    forbidden: initial.forbidden ?? new Set(),
  };
  const calls: string[] = [];
  const watches: FakeWatch[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const version = 100;
  const listed = <T>(items: T[]): Listed<T> => ({ items, resourceVersion: String(version) });

  const guard = (method: string) => {
    calls.push(method);
    if (state.forbidden.has(method)) throw new FakeApiError(403, `forbidden: cannot ${method}`);
  };

  const openWatch = <T>(resource: string, options: WatchOptions, sink: EventSink<T>): Watch => {
    calls.push(`watch ${resource}`);
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const watch: FakeWatch = {
      resource,
      options,
      stopped: false,
      emit: (event) => sink(event as unknown as WatchEvent<T>),
      end: () => settle.resolve(),
      fail: (status, message = 'too old resource version') =>
        settle.reject(new FakeApiError(status, message)),
    };
    const stop = () => {
      watch.stopped = true;
      settle.resolve();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    watches.push(watch);
    for (const waiter of waiters.filter((w) => watches.length >= w.count)) waiter.resolve();
    return { done, stop };
  };

  const implemented: Partial<ClusterGateway> = {
    server: 'fake://',
    async getStatefulSet(_ns, name) {
      guard('getStatefulSet');
      if (!state.statefulSet) throw new FakeApiError(404, `statefulsets.apps "${name}" not found`);
      return state.statefulSet;
    },
    async listStatefulSets() {
      guard('listStatefulSets');
      return listed(state.statefulSet ? [state.statefulSet] : []);
    },
    async listPods() {
      guard('listPods');
      return listed(state.pods);
    },
    async listPersistentVolumeClaims() {
      guard('listPersistentVolumeClaims');
      return listed(state.claims);
    },
    async listPersistentVolumes() {
      guard('listPersistentVolumes');
      return listed(state.volumes);
    },
    async getPersistentVolume(name) {
      guard('getPersistentVolume');
      return state.volumes.find((v) => v.metadata?.name === name);
    },
    async getService() {
      guard('getService');
      return undefined;
    },
    async listServices() {
      guard('listServices');
      return listed([]);
    },
    async listEndpointSlices() {
      guard('listEndpointSlices');
      return listed([]);
    },
    async listEvents(_ns, options) {
      guard(options?.fieldSelector ? `listEvents ${options.fieldSelector}` : 'listEvents');
      return listed([]);
    },
    async listStorageClasses() {
      guard('listStorageClasses');
      return listed([]);
    },
    async listNodes() {
      guard('listNodes');
      return listed([]);
    },
    watchPods: (_ns, options, sink) => openWatch('pods', options, sink),
    watchStatefulSets: (_ns, options, sink) => openWatch('statefulsets', options, sink),
    watchPersistentVolumeClaims: (_ns, options, sink) => openWatch('persistentvolumeclaims', options, sink),
  };
  const gateway = new Proxy(implemented, {
    get(target, property) {
      if (property in target) return target[property as keyof ClusterGateway];
      throw new Error(`fake gateway: ${String(property)} is not implemented`);
    },
  }) as ClusterGateway;

  return {
    gateway,
    state,
    calls,
    watches,
    watchesOpened: (count) =>
      new Promise((resolve) => {
        if (watches.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}

export function bumpVersion<T extends KubeObject>(object: T, resourceVersion: string): T {
  return { ...object, metadata: { ...object.metadata, resourceVersion } };
}
