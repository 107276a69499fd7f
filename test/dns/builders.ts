// Small objects for DNS report tests: a set `web` in namespace `shop`, its headless Service,
// pods as the StatefulSet controller makes them and EndpointSlices as the EndpointSlice
// controller makes them.
import type { EndpointSlice, Pod, Service, StatefulSet } from '../../src/kube/types.ts';
import type { ClusterDomainInfo, DnsInput } from '../../src/report/dns.ts';

export const NS = 'shop';

export function set(replicas = 2, labels: Record<string, string> = { app: 'web' }): StatefulSet {
  return {
    metadata: { name: 'web', namespace: NS, uid: 'uid-web' },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } },
    },
  };
}

export function service(
  spec: Partial<NonNullable<Service['spec']>> = {},
  name = 'web',
  namespace = NS,
): Service {
  return {
    metadata: { name, namespace },
    spec: {
      clusterIP: 'None',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      ...spec,
    },
  };
}

export function pod(
  ordinal: number,
  options: {
    ready?: boolean;
    ip?: string | null;
    subdomain?: string;
    hostname?: string;
    name?: string;
    owner?: string;
  } = {},
): Pod {
  const name = options.name ?? `web-${ordinal}`;
  const ready = options.ready ?? true;
  return {
    metadata: {
      name,
      namespace: NS,
      labels: { app: 'web', 'apps.kubernetes.io/pod-index': String(ordinal) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          name: options.owner ?? 'web',
          uid: `uid-${options.owner ?? 'web'}`,
          controller: true,
        },
      ],
    },
    spec: {
      hostname: options.hostname ?? name,
      subdomain: options.subdomain ?? 'web',
      containers: [{ name: 'main', image: 'busybox:1.36' }],
    },
    status: {
      phase: 'Running',
      ...(options.ip === null ? {} : { podIP: options.ip ?? `10.244.0.${10 + ordinal}` }),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'main', ready, restartCount: 0, state: { running: {} } }],
    },
  };
}

/** The slice the EndpointSlice controller would write for these pods and this Service. */
export function slices(pods: Pod[], svc: Service = service()): EndpointSlice[] {
  return [
    {
      metadata: {
        name: 'web-x1',
        namespace: NS,
        labels: { 'kubernetes.io/service-name': svc.metadata!.name! },
      },
      addressType: 'IPv4',
      endpoints: pods
        .filter((p) => p.status?.podIP)
        .map((p) => {
          const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
          return {
            addresses: [p.status!.podIP!],
            conditions: {
              ready: ready || svc.spec?.publishNotReadyAddresses === true,
              serving: ready,
              terminating: false,
            },
            ...(p.spec?.hostname && p.spec.subdomain === svc.metadata?.name
              ? { hostname: p.spec.hostname }
              : {}),
            targetRef: { kind: 'Pod', namespace: NS, name: p.metadata!.name! },
          };
        }),
      ports: (svc.spec?.ports ?? []).map((p) => ({
        name: p.name ?? '',
        port: p.port,
        protocol: p.protocol ?? 'TCP',
      })),
    },
  ];
}

export const DEFAULT_DOMAIN: ClusterDomainInfo = {
  domain: 'cluster.local',
  source: 'default',
  detail: 'default',
};

export function healthyInput(overrides: Partial<DnsInput> = {}): DnsInput {
  const pods = [pod(0), pod(1)];
  return {
    statefulSet: set(),
    service: service(),
    pods,
    endpointSlices: slices(pods),
    clusterDomain: DEFAULT_DOMAIN,
    ...overrides,
  };
}
