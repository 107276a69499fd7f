// What the simulated API server serves: one entry per resource, as discovery describes it.
// Names, short names, scopes and verbs follow a kind cluster of the 1.3x line.
import type { ResourceName } from '../contract.ts';

export interface ResourceInfo {
  resource: ResourceName | 'selfsubjectaccessreviews';
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources: SubresourceInfo[];
  /** Resources whose `.status` is written only through the status subresource. */
  hasStatus: boolean;
  /** Resources whose spec changes bump metadata.generation. */
  tracksGeneration: boolean;
}

export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS: SubresourceInfo = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };

function status(kind: string): SubresourceInfo {
  return { ...STATUS, kind };
}

export const RESOURCES: ResourceInfo[] = [
  {
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['no'],
    subresources: [
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      status('Node'),
    ],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      status('Pod'),
    ],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [
      { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      status('Service'),
    ],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ep'],
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['pvc'],
    subresources: [status('PersistentVolumeClaim')],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'persistentvolumes',
    singular: 'persistentvolume',
    kind: 'PersistentVolume',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['pv'],
    subresources: [status('PersistentVolume')],
    hasStatus: true,
    tracksGeneration: false,
  },
  {
    resource: 'storageclasses',
    singular: 'storageclass',
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    version: 'v1',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['sc'],
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [
      {
        name: 'scale',
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: ['get', 'patch', 'update'],
      },
      status('StatefulSet'),
    ],
    hasStatus: true,
    tracksGeneration: true,
  },
  {
    resource: 'controllerrevisions',
    singular: 'controllerrevision',
    kind: 'ControllerRevision',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    group: 'policy',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['pdb'],
    subresources: [status('PodDisruptionBudget')],
    hasStatus: true,
    tracksGeneration: true,
  },
  {
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['cm'],
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ev'],
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        kind: 'TokenRequest',
        group: 'authentication.k8s.io',
        version: 'v1',
        verbs: ['create'],
      },
    ],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
  {
    resource: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    group: 'authorization.k8s.io',
    version: 'v1',
    namespaced: false,
    verbs: ['create'],
    subresources: [],
    hasStatus: false,
    tracksGeneration: false,
  },
];

/** Groups in the order a kind cluster lists them (legacy core first, then named groups). */
export const GROUP_ORDER = [
  '',
  'apps',
  'authorization.k8s.io',
  'autoscaling',
  'policy',
  'storage.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
];

const byResource = new Map(RESOURCES.map((info) => [`${info.group}/${info.resource}`, info]));
const byStoreName = new Map(RESOURCES.map((info) => [info.resource, info]));

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  const info = byResource.get(`${group}/${resource}`);
  return info && info.version === version ? info : undefined;
}

export function resourceInfo(resource: ResourceName): ResourceInfo {
  const info = byStoreName.get(resource);
  if (!info) throw new Error(`unknown resource ${resource}`);
  return info;
}

/** `statefulsets.apps`, `pods`: how API error messages name a resource. */
export function qualifiedName(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
