// Discovery documents: legacy (/api, /apis, /api/v1, /apis/<g>/<v>), aggregated (apidiscovery
// v2 and v2beta1, which kubectl ≥ 1.30 asks for first), /version and a minimal OpenAPI v3 that
// tells kubectl the server validates fields itself (so `kubectl apply` needs no client schema).
import type { Json } from './json.ts';
import type { ResourceInfo } from './resources.ts';
import { GROUP_ORDER, RESOURCES } from './resources.ts';

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export function versionInfo(version: ServerVersion): Json {
  return {
    major: version.major,
    minor: version.minor,
    gitVersion: version.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function groupsServed(): string[] {
  const served = new Set(RESOURCES.map((info) => info.group));
  return GROUP_ORDER.filter((group) => served.has(group));
}

function resourcesOf(group: string): ResourceInfo[] {
  return RESOURCES.filter((info) => info.group === group);
}

function versionOf(group: string): string {
  return resourcesOf(group)[0]?.version ?? 'v1';
}

function groupVersion(group: string): string {
  return group ? `${group}/${versionOf(group)}` : versionOf(group);
}

export function legacyApiVersions(serverAddress: string): Json {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string): Json {
  const version = { groupVersion: groupVersion(group), version: versionOf(group) };
  return { name: group, versions: [version], preferredVersion: version };
}

export function apiGroupList(): Json {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsServed()
      .filter((group) => group !== '')
      .map(apiGroup),
  };
}

export function apiGroupDocument(group: string): Json | undefined {
  if (!groupsServed().includes(group) || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

export function apiResourceList(group: string, version: string): Json | undefined {
  const infos = resourcesOf(group).filter((info) => info.version === version);
  if (infos.length === 0) return undefined;
  const resources: Json[] = [];
  for (const info of infos) {
    const entry: Json = {
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.verbs,
    };
    if (info.shortNames) entry.shortNames = info.shortNames;
    if (info.categories) entry.categories = info.categories;
    entry.storageVersionHash = Buffer.from(`${info.group}/${info.resource}`).toString('base64').slice(0, 11);
    resources.push(entry);
    for (const sub of info.subresources) {
      const subEntry: Json = {
        name: `${info.resource}/${sub.name}`,
        singularName: '',
        namespaced: info.namespaced,
        kind: sub.kind || info.kind,
        verbs: sub.verbs,
      };
      if (sub.group !== undefined) subEntry.group = sub.group;
      if (sub.version !== undefined) subEntry.version = sub.version;
      resources.push(subEntry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group), resources };
}

function discoveryResource(info: ResourceInfo): Json {
  const entry: Json = {
    resource: info.resource,
    responseKind: { group: '', version: '', kind: info.kind },
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: info.verbs,
  };
  if (info.shortNames) entry.shortNames = info.shortNames;
  if (info.categories) entry.categories = info.categories;
  if (info.subresources.length > 0) {
    entry.subresources = info.subresources.map((sub) => ({
      subresource: sub.name,
      responseKind: { group: sub.group ?? '', version: sub.version ?? '', kind: sub.kind || info.kind },
      verbs: sub.verbs,
    }));
  }
  return entry;
}

/** `/api` or `/apis` as an APIGroupDiscoveryList (apidiscovery.k8s.io v2 or v2beta1). */
export function aggregatedDiscovery(legacy: boolean, apiVersion: 'v2' | 'v2beta1'): Json {
  const groups = groupsServed().filter((group) => (legacy ? group === '' : group !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: versionOf(group),
          resources: resourcesOf(group).map(discoveryResource),
          freshness: 'Current',
        },
      ],
    })),
  };
}

/** Picks the aggregated discovery version from an Accept header, if the client asks for it. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList') || !part.includes('g=apidiscovery.k8s.io')) continue;
    if (/\bv=v2beta1\b/.test(part)) return 'v2beta1';
    if (/\bv=v2\b/.test(part)) return 'v2';
  }
  return undefined;
}

// ---- OpenAPI v3 ---------------------------------------------------------------------------------

function openApiPath(group: string): string {
  return group ? `apis/${group}/${versionOf(group)}` : 'api/v1';
}

export function openApiRoot(): Json {
  const paths: Json = {};
  for (const group of groupsServed()) {
    paths[openApiPath(group)] = {
      serverRelativeURL: `/openapi/v3/${openApiPath(group)}?hash=SIM${group || 'core'}`,
    };
  }
  // kubectl checks an unknown group-version (say apps/v1beta1) against the CRD API before it
  // reports "no matches for kind"; without this entry it would fail on /openapi/v2 instead.
  paths[CRD_PATH] = { serverRelativeURL: `/openapi/v3/${CRD_PATH}?hash=SIMcrd` };
  return { paths };
}

const CRD_PATH = 'apis/apiextensions.k8s.io/v1';

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({
  name,
  in: 'query',
  description: `${name} query parameter`,
  schema: { type: 'string', uniqueItems: true },
}));

/** One group-version's OpenAPI v3 document: paths with their query parameters, no schemas. */
export function openApiGroupVersion(path: string, version: ServerVersion): Json | undefined {
  if (path === CRD_PATH) return crdDocument(version);
  const group = groupsServed().find((g) => openApiPath(g) === path);
  if (group === undefined) return undefined;
  const paths: Json = {};
  for (const info of resourcesOf(group)) {
    const gvk = { group: info.group, version: info.version, kind: info.kind };
    const prefix = `/${openApiPath(group)}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.resource}`;
    const operation = (action: string): Json => ({
      operationId: `${action}${info.kind}`,
      parameters: action === 'patch' || action === 'create' || action === 'update' ? QUERY_PARAMS : [],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[prefix] = { get: operation('list'), post: operation('post') };
    if (!info.verbs.includes('get')) {
      paths[prefix] = { post: operation('post') };
      paths[prefix].post.parameters = QUERY_PARAMS;
    } else {
      paths[prefix].post.parameters = QUERY_PARAMS;
      paths[`${prefix}/{name}`] = {
        get: operation('get'),
        put: operation('put'),
        patch: operation('patch'),
        delete: operation('delete'),
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: version.gitVersion },
    paths,
    // No schemas: kubectl then builds strategic-merge patches from its compiled-in types.
    components: { schemas: {} },
  };
}

function crdDocument(version: ServerVersion): Json {
  const gvk = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: version.gitVersion },
    paths: {
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}': {
        patch: {
          operationId: 'patchCustomResourceDefinition',
          parameters: QUERY_PARAMS,
          responses: { '200': { description: 'OK' } },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': gvk,
        },
      },
    },
    components: { schemas: {} },
  };
}

function protoString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

/**
 * An OpenAPI v2 document without definitions, protobuf-encoded as kubectl asks for it. kubectl
 * falls back to it for kinds the server does not serve (apps/v1beta1) and then reports the
 * missing mapping, exactly as against a real server.
 */
export function openApiV2Protobuf(version: ServerVersion): Buffer {
  const info = Buffer.concat([protoString(1, 'Kubernetes'), protoString(2, version.gitVersion)]);
  return Buffer.concat([protoString(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info]);
}
