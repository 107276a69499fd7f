// The EndpointSlice controller (pkg/controller/endpointslice): one IPv4 slice per Service with a
// selector, endpoints for pods with an IP, hostname when the pod's subdomain names the Service,
// ready/serving/terminating conditions and publishNotReadyAddresses. The legacy Endpoints object
// is kept too, as the endpoints controller still writes it.
import type {
  Container,
  Endpoint,
  EndpointSlice,
  KubeObject,
  Node,
  Pod,
  Service,
} from '../../../src/kube/types.ts';
import type { ControllerContext } from './runtime.ts';
import { matchesLabelMap, onResource, peek, randomSuffix, rfc3339 } from './runtime.ts';
import { canonicalJson } from './revisions.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const managedBy = 'endpointslice-controller.k8s.io';
export const maxEndpointsPerSlice = 100;
/** The endpoints controller keeps at most this many addresses in a legacy Endpoints object. */
export const maxEndpointsAddresses = 1000;

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function resolvePort(
  targetPort: number | string | undefined,
  port: number,
  containers: Container[],
): number | undefined {
  if (targetPort === undefined) return port;
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  for (const container of containers) {
    const match = container.ports?.find((p) => p.name === targetPort);
    if (match) return match.containerPort;
  }
  return undefined;
}

interface EndpointsObject extends KubeObject {
  subsets?: unknown[];
}

export function installEndpointSliceController(ctx: ControllerContext): void {
  const { store, queue } = ctx;

  const enqueue = (namespace: string | undefined, name: string): void => {
    queue.enqueue(`endpointslice:${namespace ?? ''}/${name}`, () => sync(namespace ?? '', name));
  };
  const enqueueServicesFor = (pod: Pod): void => {
    for (const service of store.list<Service>('services', pod.metadata?.namespace)) {
      if (matchesLabelMap(service.spec?.selector, pod.metadata?.labels))
        enqueue(service.metadata?.namespace, service.metadata?.name ?? '');
    }
  };

  for (const service of store.list<Service>('services'))
    enqueue(service.metadata?.namespace, service.metadata?.name ?? '');
  onResource(ctx, 'services', (event) =>
    enqueue(event.object.metadata?.namespace, event.object.metadata?.name ?? ''),
  );
  onResource(ctx, 'pods', (event) => {
    enqueueServicesFor(event.object as Pod);
    if (event.previous) enqueueServicesFor(event.previous as Pod);
  });
  onResource(ctx, 'endpointslices', (event) => {
    const service = event.object.metadata?.labels?.[serviceNameLabel];
    if (service && event.object.metadata?.labels?.[managedByLabel] === managedBy)
      enqueue(event.object.metadata?.namespace, service);
  });

  function sync(namespace: string, name: string): void {
    const service = store.get<Service>('services', namespace, name);
    const existing = store
      .list<EndpointSlice>('endpointslices', namespace)
      .filter(
        (slice) =>
          slice.metadata?.labels?.[serviceNameLabel] === name &&
          slice.metadata?.labels?.[managedByLabel] === managedBy,
      );
    if (
      !service ||
      !service.spec?.selector ||
      Object.keys(service.spec.selector).length === 0 ||
      service.metadata?.deletionTimestamp
    ) {
      // Without a selector the Service's endpoints are managed by hand; ours, if any, go.
      for (const slice of existing) remove('endpointslices', namespace, slice.metadata?.name ?? '');
      // Endpoints of a selector-less Service belong to the user until the Service goes.
      if (!service) remove('endpoints', namespace, name);
      return;
    }
    const publishNotReady = service.spec.publishNotReadyAddresses === true;
    const pods = store
      .list<Pod>('pods', namespace)
      .filter((pod) => matchesLabelMap(service.spec?.selector, pod.metadata?.labels))
      .filter((pod) => pod.status?.podIP && !['Succeeded', 'Failed'].includes(pod.status.phase ?? ''))
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const zones = new Map<string, string | undefined>();
    const zoneOf = (nodeName: string | undefined): string | undefined => {
      if (!nodeName) return undefined;
      if (!zones.has(nodeName))
        zones.set(
          nodeName,
          peek<Node>(store, 'nodes', undefined, nodeName)?.metadata?.labels?.['topology.kubernetes.io/zone'],
        );
      return zones.get(nodeName);
    };
    const endpoints: Endpoint[] = pods.map((pod) => {
      const terminating = pod.metadata?.deletionTimestamp !== undefined;
      const ready = isReady(pod);
      const endpoint: Endpoint = {
        addresses: [pod.status?.podIP ?? ''],
        conditions: {
          ready: publishNotReady || (ready && !terminating),
          // serving follows readiness alone; publishNotReadyAddresses only forces ready.
          serving: ready,
          terminating,
        },
      };
      if (pod.spec?.hostname && pod.spec.subdomain === name) endpoint.hostname = pod.spec.hostname;
      if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
      endpoint.targetRef = { kind: 'Pod', namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
      const zone = zoneOf(pod.spec?.nodeName);
      if (zone) endpoint.zone = zone;
      return endpoint;
    });
    const containers = pods[0]?.spec?.containers ?? [];
    const ports = (service.spec.ports ?? []).flatMap((port) => {
      const resolved = resolvePort(port.targetPort, port.port, containers);
      if (resolved === undefined) return [];
      return [{ name: port.name ?? '', port: resolved, protocol: port.protocol ?? 'TCP' }];
    });
    const labels: Record<string, string> = {
      ...(service.metadata?.labels ?? {}),
      [serviceNameLabel]: name,
      [managedByLabel]: managedBy,
    };
    if (service.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const sliceFor = (chunk: Endpoint[]): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        namespace,
        labels,
        annotations: {
          'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(ctx.clock.now()),
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            name,
            uid: service.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      endpoints: chunk.length > 0 ? chunk : null,
      ports: ports.length > 0 ? ports : null,
    });
    // As the real controller (--max-endpoints-per-slice, default 100), large Services span slices.
    const chunks: Endpoint[][] = [];
    for (let i = 0; i < endpoints.length; i += maxEndpointsPerSlice)
      chunks.push(endpoints.slice(i, i + maxEndpointsPerSlice));
    if (chunks.length === 0) chunks.push([]);
    const current = [...existing].sort((a, b) =>
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
    for (const slice of current.slice(chunks.length))
      remove('endpointslices', namespace, slice.metadata?.name ?? '');
    chunks.forEach((chunk, index) => {
      const desired = sliceFor(chunk);
      const have = current[index];
      if (!have) {
        desired.metadata = {
          ...desired.metadata,
          name: `${name}-${randomSuffix()}`,
          ...({ generateName: `${name}-` } as object),
        };
        store.create('endpointslices', desired);
        return;
      }
      if (
        canonicalJson([have.endpoints ?? null, have.ports ?? null, have.metadata?.labels]) ===
        canonicalJson([desired.endpoints, desired.ports, desired.metadata?.labels])
      ) {
        return;
      }
      store.mutate<EndpointSlice>('endpointslices', namespace, have.metadata?.name ?? '', (draft) => {
        draft.endpoints = desired.endpoints;
        draft.ports = desired.ports;
        const meta = (draft.metadata ??= {});
        meta.labels = labels;
        meta.annotations = { ...(meta.annotations ?? {}), ...(desired.metadata?.annotations ?? {}) };
      });
    });
    syncEndpoints(service, pods, publishNotReady);
  }

  function syncEndpoints(service: Service, pods: Pod[], publishNotReady: boolean): void {
    const namespace = service.metadata?.namespace ?? '';
    const name = service.metadata?.name ?? '';
    const address = (pod: Pod): Record<string, unknown> => ({
      ip: pod.status?.podIP,
      ...(pod.spec?.hostname && pod.spec.subdomain === name ? { hostname: pod.spec.hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    });
    const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp || publishNotReady);
    const truncated = live.length > maxEndpointsAddresses;
    // Over capacity, ready addresses are kept first, as the real controller does.
    const ordered = [
      ...live.filter((pod) => publishNotReady || isReady(pod)),
      ...live.filter((pod) => !(publishNotReady || isReady(pod))),
    ].slice(0, maxEndpointsAddresses);
    const ready = ordered.filter((pod) => publishNotReady || isReady(pod)).map(address);
    const notReady = ordered.filter((pod) => !(publishNotReady || isReady(pod))).map(address);
    const containers = pods[0]?.spec?.containers ?? [];
    const ports = (service.spec?.ports ?? []).flatMap((port) => {
      const resolved = resolvePort(port.targetPort, port.port, containers);
      return resolved === undefined
        ? []
        : [{ ...(port.name ? { name: port.name } : {}), port: resolved, protocol: port.protocol ?? 'TCP' }];
    });
    const subsets =
      ready.length + notReady.length === 0
        ? []
        : [
            {
              ...(ready.length ? { addresses: ready } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ...(ports.length ? { ports } : {}),
            },
          ];
    const current = store.get<EndpointsObject>('endpoints', namespace, name);
    const annotations: Record<string, string> = truncated
      ? { 'endpoints.kubernetes.io/over-capacity': 'truncated' }
      : {};
    const labels = {
      ...(service.metadata?.labels ?? {}),
      ...(service.spec?.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}),
    };
    if (!current) {
      try {
        store.create<EndpointsObject>('endpoints', {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name, namespace, labels, ...(truncated ? { annotations } : {}) },
          subsets,
        });
      } catch {
        // A user-managed Endpoints object with this name already exists.
      }
      return;
    }
    const overCapacity =
      current.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'] === 'truncated';
    if (canonicalJson(current.subsets ?? []) === canonicalJson(subsets) && overCapacity === truncated) return;
    store.mutate<EndpointsObject>('endpoints', namespace, name, (draft) => {
      draft.subsets = subsets;
      const meta = (draft.metadata ??= {});
      const kept = { ...(meta.annotations ?? {}) };
      delete kept['endpoints.kubernetes.io/over-capacity'];
      meta.annotations = { ...kept, ...annotations };
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    });
  }

  function remove(resource: 'endpointslices' | 'endpoints', namespace: string, name: string): void {
    try {
      store.delete(resource, namespace, name);
    } catch {
      // already gone
    }
  }
}
