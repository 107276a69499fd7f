// The one seam between the plugin and a Kubernetes API server. Commands and flows receive a
// ClusterGateway; only src/kube/ knows how it is implemented (HTTP via @kubernetes/client-node
// auth). Tests pass either a real gateway pointed at the simulator or an in-memory fake.
import type {
  ConfigMap,
  EndpointSlice,
  KubeEvent,
  LabelSelector,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  Service,
  StatefulSet,
  StorageClass,
  WatchEvent,
} from './types.ts';

/** A list answer keeps the collection's resourceVersion so a watch can start exactly after it. */
export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

export interface ListOptions {
  /** Label selector, in the API's string form (`app=web,tier in (db)`). */
  labelSelector?: string;
  /** Field selector (`metadata.name=web-0`). */
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion; the server sends only newer changes. */
  resourceVersion?: string;
  /** Server-side timeout for the watch request, in seconds. */
  timeoutSeconds?: number;
  /** Abort the watch from outside (Ctrl-C, flow timeout). */
  signal?: AbortSignal;
}

export interface Watch {
  /** Resolves when the stream ends (server closed it, timeout, or stop()); rejects on transport errors. */
  done: Promise<void>;
  stop(): void;
}

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string;
  /** argv, passed to the container runtime as-is: no shell interpolation happens here. */
  command: string[];
  stdin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Process exit code reported by the kubelet (0 on success). */
  exitCode: number;
}

export interface AccessCheck {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface AccessAnswer extends AccessCheck {
  allowed: boolean;
  reason?: string;
}

export type EventSink<T> = (event: WatchEvent<T>) => void;

/** Namespace argument: a name, or `undefined` for all namespaces. */
export type NamespaceScope = string | undefined;

export interface ClusterGateway {
  /** The server the gateway talks to, for messages (`https://127.0.0.1:6443`). */
  readonly server: string;

  getStatefulSet(namespace: string, name: string): Promise<StatefulSet>;
  listStatefulSets(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<StatefulSet>>;

  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  listPods(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<Pod>>;
  watchPods(namespace: NamespaceScope, options: WatchOptions, onEvent: EventSink<Pod>): Watch;
  watchStatefulSets(namespace: NamespaceScope, options: WatchOptions, onEvent: EventSink<StatefulSet>): Watch;
  watchPersistentVolumeClaims(
    namespace: NamespaceScope,
    options: WatchOptions,
    onEvent: EventSink<PersistentVolumeClaim>,
  ): Watch;

  listPersistentVolumeClaims(
    namespace: NamespaceScope,
    options?: ListOptions,
  ): Promise<Listed<PersistentVolumeClaim>>;
  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  /**
   * Sets (a string) or removes (null) annotations of a claim with a JSON merge patch; nothing
   * else of the claim is touched. Returns the claim as stored.
   */
  annotatePersistentVolumeClaim(
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<PersistentVolumeClaim>;
  getPersistentVolume(name: string): Promise<PersistentVolume | undefined>;
  listPersistentVolumes(options?: ListOptions): Promise<Listed<PersistentVolume>>;
  listStorageClasses(): Promise<Listed<StorageClass>>;

  getService(namespace: string, name: string): Promise<Service | undefined>;
  listServices(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<Service>>;
  listEndpointSlices(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<EndpointSlice>>;
  listEvents(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<KubeEvent>>;
  listNodes(options?: ListOptions): Promise<Listed<Node>>;
  listPodDisruptionBudgets(
    namespace: NamespaceScope,
    options?: ListOptions,
  ): Promise<Listed<PodDisruptionBudget>>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getNamespace(name: string): Promise<{ metadata?: { name?: string } } | undefined>;
  /** Every namespace (completion of -n). */
  listNamespaces(): Promise<Listed<{ metadata?: { name?: string } }>>;

  /**
   * Evict through the Eviction API so PodDisruptionBudgets are honoured. `uid` is sent as
   * `deleteOptions.preconditions.uid`, so only that incarnation is evicted (409 Conflict if the
   * pod was re-created meanwhile). A budget's refusal is a 429 whose Status carries a
   * `DisruptionBudget` cause; any other 429 is the server throttling requests.
   */
  evictPod(namespace: string, name: string, options?: { uid?: string }): Promise<void>;
  /** Plain delete; `uid` makes it a precondition so only that incarnation is deleted. */
  deletePod(
    namespace: string,
    name: string,
    options?: { uid?: string; gracePeriodSeconds?: number },
  ): Promise<void>;

  exec(options: ExecOptions): Promise<ExecResult>;

  /** SelfSubjectAccessReview for each check, in parallel. */
  checkAccess(checks: AccessCheck[]): Promise<AccessAnswer[]>;
}

/**
 * The HTTP status an API read failed with (a KubeApiError's, or any error a gateway throws with a
 * numeric `status`); undefined for failures that never got an answer (connection, timeout).
 */
export function statusOfError(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Renders a LabelSelector in the API's query form; `undefined` means "selects nothing". */
export function selectorToString(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) parts.push(`${key}=${value}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
      default:
        throw new Error(`unsupported label selector operator "${req.operator}"`);
    }
  }
  return parts.join(',');
}
