// ClusterGateway over plain HTTP(S): one request per method, raw JSON, errors already mapped
// to StsError by the HttpClient. Watches stream newline-delimited events and re-establish from
// the last seen resourceVersion after a connection reset.
import { ExitCode } from '../cli/errors.ts';
import type {
  AccessAnswer,
  AccessCheck,
  ClusterGateway,
  EventSink,
  ExecOptions,
  ExecResult,
  ListOptions,
  Listed,
  NamespaceScope,
  Watch,
  WatchOptions,
} from './gateway.ts';
import { execOverWebSocket } from './exec.ts';
import { checkPathSegment } from './names.ts';
import { KubeApiError, isAbort, isKubeApiError } from './http.ts';
import type { HttpClient } from './http.ts';
import type {
  ApiStatus,
  ConfigMap,
  EndpointSlice,
  KubeEvent,
  KubeList,
  KubeObject,
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

/** Where a resource lives in the API: group-version prefix and plural name. */
interface ResourcePath {
  prefix: string;
  plural: string;
  namespaced: boolean;
}

const RESOURCES = {
  statefulsets: { prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  pods: { prefix: '/api/v1', plural: 'pods', namespaced: true },
  persistentvolumeclaims: { prefix: '/api/v1', plural: 'persistentvolumeclaims', namespaced: true },
  persistentvolumes: { prefix: '/api/v1', plural: 'persistentvolumes', namespaced: false },
  storageclasses: { prefix: '/apis/storage.k8s.io/v1', plural: 'storageclasses', namespaced: false },
  services: { prefix: '/api/v1', plural: 'services', namespaced: true },
  endpointslices: { prefix: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  events: { prefix: '/api/v1', plural: 'events', namespaced: true },
  nodes: { prefix: '/api/v1', plural: 'nodes', namespaced: false },
  poddisruptionbudgets: { prefix: '/apis/policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
  configmaps: { prefix: '/api/v1', plural: 'configmaps', namespaced: true },
  namespaces: { prefix: '/api/v1', plural: 'namespaces', namespaced: false },
} satisfies Record<string, ResourcePath>;

// Every name and namespace is checked again where it becomes a path segment, whoever passed it:
// `..` or `a/b` must never turn a request into another (a cluster-wide list for `-n ..`).
function collectionPath(resource: ResourcePath, namespace: NamespaceScope): string {
  if (resource.namespaced && namespace !== undefined) {
    checkPathSegment(namespace, { what: 'namespace', hint: 'give the name of a namespace' });
    return `${resource.prefix}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
  }
  return `${resource.prefix}/${resource.plural}`;
}

function objectPath(resource: ResourcePath, namespace: string | undefined, name: string): string {
  checkPathSegment(name, { what: 'resource name', hint: `give the name of one of the ${resource.plural}` });
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

export class HttpGateway implements ClusterGateway {
  readonly server: string;
  readonly http: HttpClient;

  constructor(client: HttpClient) {
    this.http = client;
    this.server = client.server;
  }

  private async list<T>(
    resource: ResourcePath,
    namespace: NamespaceScope,
    options?: ListOptions,
  ): Promise<Listed<T>> {
    let list: KubeList<T>;
    try {
      list = await this.http.json<KubeList<T>>('GET', collectionPath(resource, namespace), {
        query: {
          labelSelector: options?.labelSelector || undefined,
          fieldSelector: options?.fieldSelector || undefined,
        },
      });
    } catch (error) {
      // A list never 404s for a missing namespace (it is just empty): the API itself is missing.
      if (isKubeApiError(error, 404)) {
        throw new KubeApiError(`the API server does not serve ${resource.plural} (${resource.prefix})`, {
          exitCode: ExitCode.SERVER,
          status: 404,
          apiStatus: error.apiStatus,
          hint: 'the cluster may be too old for this command; check with `kubectl api-resources`',
        });
      }
      throw error;
    }
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  private async get<T>(
    resource: ResourcePath,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    return this.http.jsonOrUndefined<T>('GET', objectPath(resource, namespace, name));
  }

  async getStatefulSet(namespace: string, name: string): Promise<StatefulSet> {
    try {
      return await this.http.json<StatefulSet>('GET', objectPath(RESOURCES.statefulsets, namespace, name), {
        notFoundHint: `list the StatefulSets with \`kubectl sts status -n ${namespace}\``,
      });
    } catch (error) {
      if (isKubeApiError(error, 404)) throw await this.explainMissingNamespace(namespace, error);
      throw error;
    }
  }

  /** A get in a missing namespace answers like a missing object; one more request tells them apart. */
  private async explainMissingNamespace(namespace: string, original: KubeApiError): Promise<KubeApiError> {
    try {
      const found = await this.getNamespace(namespace);
      if (found) return original;
    } catch {
      return original;
    }
    return new KubeApiError(`namespace "${namespace}" does not exist`, {
      exitCode: ExitCode.NOT_FOUND,
      status: 404,
      apiStatus: original.apiStatus,
      hint: 'check -n/--namespace or the namespace of the context; list namespaces with `kubectl get namespaces`',
    });
  }

  listStatefulSets(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<StatefulSet>> {
    return this.list(RESOURCES.statefulsets, namespace, options);
  }

  getPod(namespace: string, name: string): Promise<Pod | undefined> {
    return this.get(RESOURCES.pods, namespace, name);
  }

  listPods(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<Pod>> {
    return this.list(RESOURCES.pods, namespace, options);
  }

  watchPods(namespace: NamespaceScope, options: WatchOptions, onEvent: EventSink<Pod>): Watch {
    return this.watch(RESOURCES.pods, namespace, options, onEvent);
  }

  watchStatefulSets(
    namespace: NamespaceScope,
    options: WatchOptions,
    onEvent: EventSink<StatefulSet>,
  ): Watch {
    return this.watch(RESOURCES.statefulsets, namespace, options, onEvent);
  }

  watchPersistentVolumeClaims(
    namespace: NamespaceScope,
    options: WatchOptions,
    onEvent: EventSink<PersistentVolumeClaim>,
  ): Watch {
    return this.watch(RESOURCES.persistentvolumeclaims, namespace, options, onEvent);
  }

  listPersistentVolumeClaims(
    namespace: NamespaceScope,
    options?: ListOptions,
  ): Promise<Listed<PersistentVolumeClaim>> {
    return this.list(RESOURCES.persistentvolumeclaims, namespace, options);
  }

  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.get(RESOURCES.persistentvolumeclaims, namespace, name);
  }

  annotatePersistentVolumeClaim(
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<PersistentVolumeClaim> {
    return this.http.json<PersistentVolumeClaim>(
      'PATCH',
      objectPath(RESOURCES.persistentvolumeclaims, namespace, name),
      { body: { metadata: { annotations } }, contentType: 'application/merge-patch+json' },
    );
  }

  getPersistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return this.get(RESOURCES.persistentvolumes, undefined, name);
  }

  listPersistentVolumes(options?: ListOptions): Promise<Listed<PersistentVolume>> {
    return this.list(RESOURCES.persistentvolumes, undefined, options);
  }

  listStorageClasses(): Promise<Listed<StorageClass>> {
    return this.list(RESOURCES.storageclasses, undefined);
  }

  getService(namespace: string, name: string): Promise<Service | undefined> {
    return this.get(RESOURCES.services, namespace, name);
  }

  listServices(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<Service>> {
    return this.list(RESOURCES.services, namespace, options);
  }

  listEndpointSlices(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<EndpointSlice>> {
    return this.list(RESOURCES.endpointslices, namespace, options);
  }

  listEvents(namespace: NamespaceScope, options?: ListOptions): Promise<Listed<KubeEvent>> {
    return this.list(RESOURCES.events, namespace, options);
  }

  listNodes(options?: ListOptions): Promise<Listed<Node>> {
    return this.list(RESOURCES.nodes, undefined, options);
  }

  listPodDisruptionBudgets(
    namespace: NamespaceScope,
    options?: ListOptions,
  ): Promise<Listed<PodDisruptionBudget>> {
    return this.list(RESOURCES.poddisruptionbudgets, namespace, options);
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get(RESOURCES.configmaps, namespace, name);
  }

  getNamespace(name: string): Promise<{ metadata?: { name?: string } } | undefined> {
    return this.get(RESOURCES.namespaces, undefined, name);
  }

  listNamespaces(): Promise<Listed<{ metadata?: { name?: string } }>> {
    return this.list(RESOURCES.namespaces, undefined);
  }

  async evictPod(namespace: string, name: string, options: { uid?: string } = {}): Promise<void> {
    const body: Record<string, unknown> = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
    };
    if (options.uid) body.deleteOptions = { preconditions: { uid: options.uid } };
    try {
      await this.http.json('POST', `${objectPath(RESOURCES.pods, namespace, name)}/eviction`, { body });
    } catch (error) {
      // A PodDisruptionBudget refuses with 429 and names itself in a DisruptionBudget cause
      // (pkg/registry/core/pod/storage/eviction.go); a 429 without one is the server throttling
      // requests (API Priority and Fairness), which says nothing about budgets.
      const budget = isKubeApiError(error, 429)
        ? error.apiStatus?.details?.causes?.find((cause) => cause.reason === 'DisruptionBudget')
        : undefined;
      if (isKubeApiError(error, 429) && budget) {
        const message = error.apiStatus?.message ?? 'a PodDisruptionBudget allows no disruption now';
        throw new KubeApiError(
          `eviction of pod "${name}" refused: ${message}${budget.message ? ` (${budget.message})` : ''}`,
          {
            exitCode: ExitCode.ABORTED,
            status: 429,
            apiStatus: error.apiStatus,
            hint: `wait until the pods covered by the PodDisruptionBudget are ready (kubectl get pdb -n ${namespace})`,
          },
        );
      }
      throw error;
    }
  }

  async deletePod(
    namespace: string,
    name: string,
    options: { uid?: string; gracePeriodSeconds?: number } = {},
  ): Promise<void> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.uid) body.preconditions = { uid: options.uid };
    await this.http.json('DELETE', objectPath(RESOURCES.pods, namespace, name), { body });
  }

  exec(options: ExecOptions): Promise<ExecResult> {
    return execOverWebSocket(this.http, options);
  }

  checkAccess(checks: AccessCheck[]): Promise<AccessAnswer[]> {
    return Promise.all(
      checks.map(async (check) => {
        const review = await this.http.json<{ status?: { allowed?: boolean; reason?: string } }>(
          'POST',
          '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb: check.verb,
                  resource: check.resource,
                  group: check.group ?? '',
                  subresource: check.subresource,
                  namespace: check.namespace,
                  name: check.name,
                },
              },
            },
          },
        );
        const answer: AccessAnswer = { ...check, allowed: review.status?.allowed === true };
        if (review.status?.reason) answer.reason = review.status.reason;
        return answer;
      }),
    );
  }

  /**
   * Streams watch events until the server ends the watch, stop() or the signal. ERROR events are
   * passed to onEvent and then end the watch with a KubeApiError (status 410 when the
   * resourceVersion is too old: the caller must re-list). A connection reset re-establishes the
   * watch from the last resourceVersion seen, a bounded number of times in a row.
   */
  private watch<T extends KubeObject>(
    resource: ResourcePath,
    namespace: NamespaceScope,
    options: WatchOptions,
    onEvent: EventSink<T>,
  ): Watch {
    const controller = new AbortController();
    const outer = options.signal;
    const onOuterAbort = (): void => controller.abort();
    if (outer?.aborted) controller.abort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const path = collectionPath(resource, namespace);
    let resourceVersion = options.resourceVersion;

    const run = async (): Promise<void> => {
      let resets = 0;
      while (!controller.signal.aborted) {
        const query = {
          watch: 'true',
          allowWatchBookmarks: 'true',
          resourceVersion,
          timeoutSeconds: options.timeoutSeconds,
          labelSelector: options.labelSelector || undefined,
          fieldSelector: options.fieldSelector || undefined,
        };
        let response;
        try {
          response = await this.http.openStream(path, query, controller.signal);
        } catch (error) {
          if (controller.signal.aborted || isAbort(error)) return;
          throw error;
        }
        try {
          for await (const event of readEvents<T>(response)) {
            resets = 0;
            if (event.type === 'ERROR') {
              onEvent(event);
              throw watchError(event.object as unknown as ApiStatus);
            }
            const version = event.object?.metadata?.resourceVersion;
            if (version) resourceVersion = version;
            onEvent(event);
          }
          return;
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof KubeApiError) throw error;
          if (++resets >= 4) throw this.http.transportError('GET', this.http.url(path, query), error, resets);
        }
      }
    };

    const done = run().finally(() => outer?.removeEventListener('abort', onOuterAbort));
    return { done, stop: () => controller.abort() };
  }
}

function watchError(status: ApiStatus | undefined): KubeApiError {
  const code = status?.code ?? 500;
  if (code === 410) {
    return new KubeApiError(status?.message ?? 'the watch resourceVersion is too old', {
      exitCode: ExitCode.SERVER,
      status: 410,
      apiStatus: status,
      hint: 'list again and watch from the new resourceVersion',
    });
  }
  return new KubeApiError(`the watch failed: ${status?.message ?? 'unknown error'}`, {
    exitCode: ExitCode.SERVER,
    status: code,
    apiStatus: status,
    hint: 're-run the command; use --debug to see the requests',
  });
}

/** Splits a watch response into events; one JSON object per line. */
async function* readEvents<T>(stream: AsyncIterable<Buffer | string>): AsyncGenerator<WatchEvent<T>> {
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as WatchEvent<T>;
      newline = buffered.indexOf('\n');
    }
  }
  const rest = buffered.trim();
  if (rest) yield JSON.parse(rest) as WatchEvent<T>;
}
