// The contract between the simulator's API server (store, HTTP, watch) and its controllers
// (StatefulSet, kubelet, storage, EndpointSlice, exec). Controllers run in-process against the
// Store, exactly as real controllers run against the API server through informers.
import type { KubeObject } from '../../src/kube/types.ts';

/** A resource as the API names it: plural, lower-case (`pods`, `statefulsets`). */
export type ResourceName =
  | 'namespaces'
  | 'nodes'
  | 'pods'
  | 'services'
  | 'endpoints'
  | 'endpointslices'
  | 'persistentvolumeclaims'
  | 'persistentvolumes'
  | 'storageclasses'
  | 'statefulsets'
  | 'controllerrevisions'
  | 'poddisruptionbudgets'
  | 'configmaps'
  | 'secrets'
  | 'events'
  | 'serviceaccounts'
  | 'leases';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent<T extends KubeObject = KubeObject> {
  type: StoreEventType;
  resource: ResourceName;
  object: T;
  /** The object before this change (MODIFIED and DELETED only). */
  previous?: T;
}

export interface DeleteOptions {
  /** Pods: seconds before the kubelet may finalise; 0 deletes at once. Defaults to the pod's spec. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

/**
 * Thrown by the store for any API-level failure; the HTTP layer turns it into a Status object
 * (`statefulsets.apps "x" not found`, reason NotFound, code 404).
 */
export interface ApiErrorShape {
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

export interface Store {
  get<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
  ): T | undefined;
  /** All objects of a resource, in one namespace or (undefined) all. Returned objects must not be mutated. */
  list<T extends KubeObject>(resource: ResourceName, namespace?: string): T[];
  /** Creates with server-side defaults, uid, creationTimestamp, generation 1, a new resourceVersion. Throws ApiError (409 AlreadyExists, 422 Invalid). */
  create<T extends KubeObject>(resource: ResourceName, object: T): T;
  /** Replaces the whole object (spec and metadata). 409 Conflict when resourceVersion is set and stale. Bumps generation only when spec changed. */
  update<T extends KubeObject>(resource: ResourceName, object: T): T;
  /** Replaces only `.status` (the /status subresource). */
  updateStatus<T extends KubeObject>(resource: ResourceName, object: T): T;
  /** Read-modify-write without conflicts, for controllers: `fn` edits a private copy. Returns the stored result, or undefined when the object is gone. */
  mutate<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    fn: (draft: T) => void,
  ): T | undefined;
  /**
   * Deletes as the API server does: objects with finalizers, and pods with a grace period,
   * get deletionTimestamp and stay until finalised; others are removed at once.
   */
  delete<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): T;
  /** Removes an object for good, regardless of finalizers (the kubelet finalising a pod, GC). */
  purge(resource: ResourceName, namespace: string | undefined, name: string): void;
  /** In-process subscription to every change of a resource (all namespaces). Returns an unsubscribe function. */
  subscribe(resource: ResourceName, handler: (event: StoreEvent) => void): () => void;
  /** The current global resourceVersion. */
  resourceVersion(): string;
}

/** Simulated time: controllers schedule through it so a speed factor can make time pass fast. */
export interface SimClock {
  now(): Date;
  /** Runs `fn` after `ms` of simulated time. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  /** Simulated milliseconds per real millisecond (1 = real time). */
  readonly speed: number;
  /**
   * The API's timestamps in a JSON text as clients see them (see SimulatedClock.presentJson);
   * absent or identity when simulated time is served as it is.
   */
  presentJson?(text: string): string;
  /** The instant clients see for a simulated one (identity when timestamps are served as they are). */
  present?(date: Date): Date;
}

/** A process started by `pods/exec`; the API server streams its output over the WebSocket. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string | undefined;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ExecSession {
  /** Write stdin (when requested). `end()` closes stdin. */
  writeStdin(data: Buffer): void;
  endStdin(): void;
  onStdout(listener: (data: Buffer) => void): void;
  onStderr(listener: (data: Buffer) => void): void;
  /** Resolves with the exit code when the process ends. */
  exit: Promise<number>;
  kill(): void;
}

export interface ExecHandler {
  /** Throws ApiError (404 pod not found, 400 container not found / not running) before starting. */
  start(request: ExecRequest): ExecSession;
  /** The checks of `start` without starting anything: the API server's answer to a bad request. */
  check?(request: ExecRequest): void;
}
