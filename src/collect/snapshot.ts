// The only place a StatefulSetSnapshot is read from a live cluster. The number of requests is
// fixed — it does not grow with replicas: the StatefulSet's GET together with the reads that do
// not depend on it (PVs, Warning events, storage classes, nodes), then, in one parallel round,
// what its spec selects (pods and claims by selector, the Service and its EndpointSlices); plus
// one list of claim events when a claim is not Bound.
// Reads that are optional for the report (PVs, events, nodes…) degrade into `unreadable`
// entries instead of failing the command.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ClusterGateway, Listed, ListOptions } from '../kube/gateway.ts';
import { selectorToString, statusOfError } from '../kube/gateway.ts';
import type {
  EndpointSlice,
  KubeEvent,
  LabelSelector,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
  StorageClass,
} from '../kube/types.ts';
import type { StatefulSetSnapshot, Unreadable } from '../report/snapshot.ts';
import { volumesOfSet } from '../report/volumes.ts';

export interface CollectedSnapshot {
  snapshot: StatefulSetSnapshot;
  /** List resourceVersions, so a watch can start exactly after what was read. */
  resourceVersions: { pods: string; claims: string };
  /** The selectors used, for watches over the same objects. */
  podSelector: string;
  claimSelector: string | undefined;
}

/** Classifies a failed optional read for the `unreadable` list. */
export function unreadableFrom(resource: string, error: unknown): Unreadable {
  const status = statusOfError(error);
  const message = error instanceof Error ? error.message : String(error);
  const forbidden =
    status === 403 || (status === undefined && error instanceof StsError && error.exitCode === ExitCode.AUTH);
  return { resource, reason: forbidden ? 'forbidden' : status === 404 ? 'not-found' : 'error', message };
}

/** Runs an optional read; on failure records why and yields `fallback`. */
async function optional<T>(
  resource: string,
  read: () => Promise<T>,
  fallback: T,
  unreadable: Unreadable[],
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    // 401 means the credentials are wrong altogether: that is not "optional", say it.
    if (statusOfError(error) === 401) throw error;
    unreadable.push(unreadableFrom(resource, error));
    return fallback;
  }
}

/**
 * The selector to list a set's claims with. The controller copies `matchLabels` (only) onto the
 * claims it creates, so listing by them finds every generated claim; without matchLabels all
 * claims of the namespace are read (still one request) and matched by exact name later.
 */
export function claimSelectorFor(selector: LabelSelector | undefined): string | undefined {
  const labels = selector?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return selectorToString({ matchLabels: labels });
}

export function podSelectorFor(set: StatefulSet): string {
  const selector = selectorToString(set.spec?.selector);
  if (!selector) {
    throw new StsError(`statefulset "${set.metadata?.name}" has no selector`, {
      exitCode: ExitCode.SERVER,
      hint: 'the object is invalid; check it with `kubectl get statefulset -o yaml`',
    });
  }
  return selector;
}

const EMPTY = <T>(): Listed<T> => ({ items: [], resourceVersion: '' });

export interface CollectOptions {
  now: () => Date;
}

/**
 * What explains a set beyond its own objects, none of it selectable by the set's labels: the
 * scope's Warning events, every PV (to find those bound to, or still naming, its claims),
 * StorageClasses and Nodes. Optional reads: a failure is recorded in `unreadable`.
 */
function readContext(
  gateway: ClusterGateway,
  scope: string | undefined,
  unreadable: Unreadable[],
): Promise<[Listed<KubeEvent>, Listed<PersistentVolume>, Listed<StorageClass>, Listed<Node>]> {
  return Promise.all([
    // Warnings only: Normal events (Scheduled, Pulled, SuccessfulCreate…) are ~10 per replica
    // and explain nothing; at 1,000 replicas they would dominate the time and memory.
    optional(
      'events',
      () => gateway.listEvents(scope, { fieldSelector: 'type=Warning' }),
      EMPTY<KubeEvent>(),
      unreadable,
    ),
    optional(
      'persistentvolumes',
      () => gateway.listPersistentVolumes(),
      EMPTY<PersistentVolume>(),
      unreadable,
    ),
    optional('storageclasses', () => gateway.listStorageClasses(), EMPTY<StorageClass>(), unreadable),
    optional('nodes', () => gateway.listNodes(), EMPTY<Node>(), unreadable),
  ]);
}

/**
 * A claim that is not Bound is explained by Normal events too (WaitForFirstConsumer,
 * ExternalProvisioning): read the claims' events then — one more request, at most.
 */
async function claimEventsWhenPending(
  gateway: ClusterGateway,
  scope: string | undefined,
  claims: PersistentVolumeClaim[],
  unreadable: Unreadable[],
): Promise<KubeEvent[]> {
  if (claims.every((claim) => claim.status?.phase === 'Bound')) return [];
  const claimEvents = await optional(
    'events',
    () =>
      gateway.listEvents(scope, { fieldSelector: 'involvedObject.kind=PersistentVolumeClaim,type=Normal' }),
    EMPTY<KubeEvent>(),
    unreadable,
  );
  return claimEvents.items;
}

export async function collectStatusSnapshot(
  gateway: ClusterGateway,
  namespace: string,
  name: string,
  options: CollectOptions,
): Promise<CollectedSnapshot> {
  const unreadable: Unreadable[] = [];
  // Reads that do not depend on the StatefulSet start with its GET instead of after it: on a
  // cluster with thousands of PVs the PV list is the longest read, and it overlaps the rest.
  // The GET goes out first: the second round waits on it, so its answer should be the first
  // one back rather than queue behind the parsing of a PV list.
  const statefulSetRead = gateway.getStatefulSet(namespace, name);
  const independent = readContext(gateway, namespace, unreadable);
  // Handled here as well as awaited below: should they fail (401) before the StatefulSet's GET
  // settles, or while it fails, the StatefulSet's error is the one to report.
  independent.catch(() => undefined);
  const statefulSet = await statefulSetRead;
  const podSelector = podSelectorFor(statefulSet);
  const claimSelector = claimSelectorFor(statefulSet.spec?.selector);
  const serviceName = statefulSet.spec?.serviceName;

  const [[pods, claims, service, endpointSlices], [events, volumes, storageClasses, nodes]] =
    await Promise.all([
      Promise.all([
        gateway.listPods(namespace, { labelSelector: podSelector }),
        gateway.listPersistentVolumeClaims(namespace, claimSelector ? { labelSelector: claimSelector } : {}),
        serviceName
          ? optional('services', () => gateway.getService(namespace, serviceName), undefined, unreadable)
          : Promise.resolve(undefined),
        serviceName
          ? optional(
              'endpointslices',
              () =>
                gateway.listEndpointSlices(namespace, {
                  labelSelector: `kubernetes.io/service-name=${serviceName}`,
                }),
              EMPTY<EndpointSlice>(),
              unreadable,
            )
          : Promise.resolve(EMPTY<EndpointSlice>()),
      ]),
      independent,
    ]);

  const eventItems = [
    ...events.items,
    ...(await claimEventsWhenPending(gateway, namespace, claims.items, unreadable)),
  ];

  // The namespace of the GET, for a server that leaves metadata.namespace out.
  const volumeMap = volumesOfSet(
    { ...statefulSet, metadata: { ...statefulSet.metadata, namespace, name } },
    claims.items,
    volumes.items,
  );

  return {
    snapshot: {
      statefulSet,
      pods: pods.items,
      claims: claims.items,
      volumes: volumeMap,
      service,
      endpointSlices: endpointSlices.items,
      events: eventItems,
      storageClasses: storageClasses.items,
      nodes: nodes.items,
      revisions: [],
      unreadable,
      now: options.now(),
    },
    resourceVersions: { pods: pods.resourceVersion, claims: claims.resourceVersion },
    podSelector,
    claimSelector,
  };
}

export interface CollectedOverview {
  statefulSets: StatefulSet[];
  pods: Pod[];
  claims: PersistentVolumeClaim[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  events: KubeEvent[];
  volumes: PersistentVolume[];
  storageClasses: StorageClass[];
  nodes: Node[];
  unreadable: Unreadable[];
  now: Date;
}

/**
 * For `status` without NAME: everything `status NAME` reads, as lists for the whole namespace
 * (or cluster), so that each set's health and findings are the ones `status NAME` shows. Nine
 * requests in one parallel round (a tenth when a claim is not Bound), however many sets and
 * pods there are.
 */
export async function collectOverview(
  gateway: ClusterGateway,
  namespace: string | undefined,
  options: CollectOptions & { selection?: ListOptions },
): Promise<CollectedOverview> {
  const unreadable: Unreadable[] = [];
  const [statefulSets, pods, claims, services, endpointSlices, [events, volumes, storageClasses, nodes]] =
    await Promise.all([
      // -l / --field-selector choose the sets, on the server; the rest is read for the scope.
      gateway.listStatefulSets(namespace, options.selection),
      gateway.listPods(namespace),
      gateway.listPersistentVolumeClaims(namespace),
      optional('services', () => gateway.listServices(namespace), EMPTY<Service>(), unreadable),
      optional(
        'endpointslices',
        () => gateway.listEndpointSlices(namespace),
        EMPTY<EndpointSlice>(),
        unreadable,
      ),
      readContext(gateway, namespace, unreadable),
    ]);
  return {
    statefulSets: statefulSets.items,
    pods: pods.items,
    claims: claims.items,
    services: services.items,
    endpointSlices: endpointSlices.items,
    events: [
      ...events.items,
      ...(await claimEventsWhenPending(gateway, namespace, claims.items, unreadable)),
    ],
    volumes: volumes.items,
    storageClasses: storageClasses.items,
    nodes: nodes.items,
    unreadable,
    now: options.now(),
  };
}
