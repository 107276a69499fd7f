// The simulated kube-apiserver's HTTP layer: routing, authentication, authorisation, fault
// injection, content negotiation (JSON, Table), the verbs, watch streams and subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ExecHandler, ResourceName, SimClock } from '../contract.ts';
import type { HistoryEntry, MemoryStore } from '../store.ts';
import type { Auth, Faults, Rbac, RequestAttributes, RequestLog, RequestLogEntry } from './control.ts';
import { applyDefaults } from './defaults.ts';
import {
  aggregatedDiscovery,
  aggregatedDiscoveryVersion,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  legacyApiVersions,
  openApiGroupVersion,
  openApiRoot,
  openApiV2Protobuf,
  versionInfo,
} from './discovery.ts';
import type { ServerVersion } from './discovery.ts';
import { evictPod } from './eviction.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  expired,
  invalid,
  isApiError,
  methodNotAllowed,
  notFound,
  pathNotFound,
  statusBody,
} from './errors.ts';
import type { Json } from './json.ts';
import { formatTimestamp, isPlainObject, serializeFrozen } from './json.ts';
import { PATCH_TYPES, applyPatch } from './patch.ts';
import { decodeKubernetesProtobuf } from './protobuf.ts';
import type { ResourceInfo } from './resources.ts';
import { apiVersionOf, findResource } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { FieldRequirement, LabelRequirement } from './selectors.ts';
import type { IncludeObject } from './table.ts';
import { tableRow, toTable, wantsTable } from './table.ts';
import { validateCreate, validateUpdate } from './validation.ts';

export interface ApiServerDeps {
  store: MemoryStore;
  clock: SimClock;
  auth: Auth;
  rbac: Rbac;
  faults: Faults;
  requestLog: RequestLog;
  version: ServerVersion;
  exec: () => ExecHandler;
  /** Real milliseconds between watch BOOKMARKs (default 5,000). */
  bookmarkIntervalMs?: number;
}

export interface ResourceRoute {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: string;
  attrs: RequestAttributes;
  dropWatchAfterMs?: number;
}

const BOOKMARK_INTERVAL_MS = 5_000;
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): number {
  const apiError = isApiError(error)
    ? error
    : new ApiError(
        500,
        'InternalError',
        `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
      );
  if (!isApiError(error)) console.error('sim apiserver: unexpected failure:', error);
  // As responsewriters.ErrorNegotiated: Retry-After only when the Status asks for a wait (a
  // budget's refusal carries none).
  const retryAfter = (apiError.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retryAfter !== undefined && retryAfter > 0 && !res.headersSent)
    res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, apiError.code, statusBody(apiError));
  return apiError.code;
}

/** Splits `/api/v1/...` or `/apis/<g>/<v>/...` into a resource route, or undefined. */
export function parseResourcePath(pathname: string): ResourceRoute | 'unknown-group' | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]!))
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = findResource(group, version, rest[0]!);
  if (!info || rest.length > 3) return 'unknown-group';
  if (namespace !== undefined && !info.namespaced) return 'unknown-group';
  const route: ResourceRoute = { info };
  if (namespace !== undefined) route.namespace = namespace;
  if (rest[1] !== undefined) route.name = rest[1];
  if (rest[2] !== undefined) route.subresource = rest[2];
  return route;
}

function verbFor(method: string, route: ResourceRoute, url: URL): string {
  const watch = ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.name === undefined) return watch ? 'watch' : 'list';
      return watch ? 'watch' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

export async function readBody(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/vnd.kubernetes.protobuf') && raw.length > 0)
    return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return (type.includes('yaml') ? parseYaml(text) : JSON.parse(text)) as Json;
  } catch (error) {
    throw badRequest(`the body of the request was in an unknown format: ${(error as Error).message}`);
  }
}

function listKind(info: ResourceInfo): string {
  return `${info.kind}List`;
}

function queryRecord(url: URL): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    record[key] = record[key] === undefined ? value : `${record[key]},${value}`;
  return record;
}

export class ApiServer {
  readonly #deps: ApiServerDeps;
  readonly #openResponses = new Set<ServerResponse>();
  readonly #streamStarted = new WeakMap<ServerResponse, () => void>();

  constructor(deps: ApiServerDeps) {
    this.#deps = deps;
  }

  /** Ends every open watch stream (used by stop()). */
  closeStreams(): void {
    for (const res of this.#openResponses) res.destroy();
    this.#openResponses.clear();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const attrs: RequestAttributes = { user: '', verb: method.toLowerCase(), group: '', resource: '' };
    let status = 0;
    const time = this.#deps.clock.now();
    let entry: RequestLogEntry | undefined;
    // Watches are logged when their stream opens (tests count them while they run) and get
    // their duration when it closes; other requests are logged once answered.
    const log = (): void => {
      if (entry) {
        entry.durationMs = performance.now() - started;
        return;
      }
      entry = {
        ...attrs,
        time,
        method,
        path: url.pathname,
        query: queryRecord(url),
        status: status || res.statusCode,
        durationMs: performance.now() - started,
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      };
      this.#deps.requestLog.record(entry);
    };
    const finish = (): void => log();
    this.#streamStarted.set(res, log);
    res.once('close', finish);
    this.#dispatch(req, res, url, attrs).then(
      (code) => {
        status = code;
      },
      (error: unknown) => {
        status = sendError(res, error);
      },
    );
  };

  async #dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    attrs: RequestAttributes,
  ): Promise<number> {
    const { auth, rbac, faults } = this.#deps;
    // Like kind's apiserver: requests without credentials are system:anonymous, who may read only
    // the public endpoints (system:public-info-viewer); a wrong token is always 401.
    const anonymous = auth.enabled && !req.headers.authorization && PUBLIC_PATHS.has(url.pathname);
    const user = anonymous ? 'system:anonymous' : auth.authenticate(req.headers.authorization);
    if (!user) {
      const error = new ApiError(401, 'Unauthorized', 'Unauthorized');
      return sendError(res, error);
    }
    attrs.user = user;
    const route = parseResourcePath(url.pathname);
    if (route && route !== 'unknown-group') {
      attrs.verb = verbFor(req.method ?? 'GET', route, url);
      attrs.group = route.info.group;
      attrs.resource = route.info.resource;
      if (route.subresource) attrs.subresource = route.subresource;
      if (route.namespace) attrs.namespace = route.namespace;
      if (route.name) attrs.name = route.name;
    }
    const fault = faults.decide(attrs);
    if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.error) {
      if (fault.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      return sendError(res, fault.error);
    }
    if (url.pathname === '/apis/apiextensions.k8s.io/v1/customresourcedefinitions' && req.method === 'GET') {
      // kubectl's field-validation check lists CRDs for a kind it cannot find; there are none.
      return this.#ok(res, {
        kind: 'CustomResourceDefinitionList',
        apiVersion: 'apiextensions.k8s.io/v1',
        metadata: { resourceVersion: this.#deps.store.resourceVersion() },
        items: [],
      });
    }
    if (route === 'unknown-group') return sendError(res, pathNotFound());
    if (!route) return this.#nonResource(req, res, url);
    if (!rbac.allowed(attrs)) return sendError(res, rbac.forbidden(attrs));
    const context: Context = { req, res, url, user, attrs };
    if (fault.dropWatchAfterMs !== undefined) context.dropWatchAfterMs = fault.dropWatchAfterMs;
    return this.#resource(context, route);
  }

  #nonResource(req: IncomingMessage, res: ServerResponse, url: URL): number {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const { version } = this.#deps;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, pathNotFound());
    if (path === '/version') return this.#ok(res, versionInfo(version));
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return 200;
    }
    if (path === '/api' || path === '/apis') {
      const aggregated = aggregatedDiscoveryVersion(req.headers.accept);
      if (aggregated) {
        const contentType = `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`;
        sendJson(res, 200, aggregatedDiscovery(path === '/api', aggregated), contentType);
        return 200;
      }
      return this.#ok(
        res,
        path === '/api' ? legacyApiVersions(req.headers.host ?? '127.0.0.1') : apiGroupList(),
      );
    }
    if (path === '/api/v1') return this.#ok(res, apiResourceList('', 'v1'));
    const groupMatch = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (groupMatch) {
      const doc = groupMatch[2]
        ? apiResourceList(groupMatch[1]!, groupMatch[2])
        : apiGroupDocument(groupMatch[1]!);
      return doc ? this.#ok(res, doc) : sendError(res, pathNotFound());
    }
    if (path === '/openapi/v2') {
      const accept = req.headers.accept ?? '';
      if (accept.includes('protobuf')) {
        const body = openApiV2Protobuf(version);
        res.writeHead(200, {
          'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
          'Content-Length': body.length,
        });
        res.end(body);
        return 200;
      }
      return this.#ok(res, {
        swagger: '2.0',
        info: { title: 'Kubernetes', version: version.gitVersion },
        paths: {},
        definitions: {},
      });
    }
    if (path === '/openapi/v3') return this.#ok(res, openApiRoot());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiGroupVersion(path.slice('/openapi/v3/'.length), version);
      return doc ? this.#ok(res, doc) : sendError(res, pathNotFound());
    }
    return sendError(res, pathNotFound());
  }

  #ok(res: ServerResponse, body: unknown, code = 200): number {
    this.#sendText(res, code, JSON.stringify(body));
    return code;
  }

  /** Every JSON body leaves through here or the list/watch writers: timestamps as clients see them. */
  #sendText(res: ServerResponse, code: number, text: string): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const shown = this.#present(text);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(shown) });
    res.end(shown);
  }

  #present(text: string): string {
    return this.#deps.clock.presentJson ? this.#deps.clock.presentJson(text) : text;
  }

  /** Table rows compute AGE from the timestamps: both as clients see them. */
  #tableInput(items: Json[]): { items: Json[]; now: Date } {
    const clock = this.#deps.clock;
    const now = clock.present ? clock.present(clock.now()) : clock.now();
    if (!clock.presentJson || now.getTime() === clock.now().getTime()) return { items, now: clock.now() };
    return { items: items.map((item) => JSON.parse(this.#present(serializeFrozen(item))) as Json), now };
  }

  async #resource(ctx: Context, route: ResourceRoute): Promise<number> {
    const { info } = route;
    const method = ctx.req.method ?? 'GET';
    if (info.resource === 'selfsubjectaccessreviews') {
      if (method !== 'POST') return sendError(ctx.res, methodNotAllowed());
      return this.#selfSubjectAccessReview(ctx, await readBody(ctx.req));
    }
    const resource = info.resource as ResourceName;
    if (route.subresource) return this.#subresource(ctx, route, resource);
    const verb = ctx.attrs.verb;
    switch (verb) {
      case 'list':
        return this.#list(ctx, route, resource);
      case 'watch':
        return this.#watch(ctx, route, resource);
      case 'get':
        return this.#get(ctx, route, resource);
      case 'create':
        if (route.name !== undefined) return sendError(ctx.res, methodNotAllowed());
        return this.#create(ctx, route, resource, await readBody(ctx.req));
      case 'update':
        if (route.name === undefined) return sendError(ctx.res, methodNotAllowed());
        return this.#update(ctx, route, resource, await readBody(ctx.req));
      case 'patch':
        if (route.name === undefined) return sendError(ctx.res, methodNotAllowed());
        return this.#patch(ctx, route, resource, await readBody(ctx.req));
      case 'delete':
        return this.#delete(ctx, route, resource, await readBody(ctx.req));
      case 'deletecollection':
        return this.#deleteCollection(ctx, route, resource, await readBody(ctx.req));
      default:
        return sendError(ctx.res, methodNotAllowed());
    }
  }

  #dryRun(ctx: Context): boolean {
    return ctx.url.searchParams.getAll('dryRun').includes('All');
  }

  #respondObject(ctx: Context, resource: ResourceName, object: Json, code = 200): number {
    if (wantsTable(ctx.req.headers.accept)) {
      const shown = this.#tableInput([object]);
      const table = toTable(resource, shown.items, shown.now, this.#includeObject(ctx), {
        resourceVersion: object.metadata?.resourceVersion,
      });
      return this.#ok(ctx.res, table, code);
    }
    return this.#ok(ctx.res, object, code);
  }

  #includeObject(ctx: Context): IncludeObject {
    const value = ctx.url.searchParams.get('includeObject');
    return value === 'None' || value === 'Object' ? value : 'Metadata';
  }

  #mustGet(route: ResourceRoute, resource: ResourceName): Json {
    const object = this.#deps.store.peek<Json>(resource, route.namespace, route.name!);
    if (!object) throw notFound(route.info, route.name!);
    return object;
  }

  #get(ctx: Context, route: ResourceRoute, resource: ResourceName): number {
    return this.#respondObject(ctx, resource, this.#mustGet(route, resource));
  }

  #selectors(
    ctx: Context,
    resource: ResourceName,
  ): { labels: LabelRequirement[]; fields: FieldRequirement[] } {
    return {
      labels: parseLabelSelector(ctx.url.searchParams.get('labelSelector')),
      fields: parseFieldSelector(resource, ctx.url.searchParams.get('fieldSelector')),
    };
  }

  #list(ctx: Context, route: ResourceRoute, resource: ResourceName): number {
    const { store } = this.#deps;
    const { labels, fields } = this.#selectors(ctx, resource);
    const resourceVersion = store.resourceVersion();
    let items = store.list<Json>(resource, route.namespace);
    if (labels.length > 0 || fields.length > 0) {
      items = items.filter(
        (item) => matchesLabels(labels, item.metadata?.labels) && matchesFields(fields, item),
      );
    }
    const listMeta: Json = { resourceVersion };
    const token = ctx.url.searchParams.get('continue');
    if (token) {
      const decoded = decodeContinue(token);
      try {
        store.changesSince(resource, decoded.rv);
      } catch {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      items = items.filter((item) => keyOf(item) > decoded.start);
    }
    const limit = Number(ctx.url.searchParams.get('limit') ?? '0');
    if (limit > 0 && items.length > limit) {
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      listMeta.continue = encodeContinue(Number(resourceVersion), keyOf(items[items.length - 1]!));
      listMeta.remainingItemCount = remaining;
    }
    if (wantsTable(ctx.req.headers.accept)) {
      const shown = this.#tableInput(items);
      return this.#ok(ctx.res, toTable(resource, shown.items, shown.now, this.#includeObject(ctx), listMeta));
    }
    const head = JSON.stringify({
      kind: listKind(route.info),
      apiVersion: apiVersionOf(route.info),
      metadata: listMeta,
    });
    const text = this.#present(`${head.slice(0, -1)},"items":[${items.map(serializeFrozen).join(',')}]}`);
    ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    ctx.res.end(text);
    return 200;
  }

  #checkBody(route: ResourceRoute, body: Json | undefined): Json {
    if (!isPlainObject(body)) throw badRequest('the body of the request was in an unknown format');
    const meta = (body.metadata ??= {});
    if (route.info.namespaced && route.namespace !== undefined) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== route.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = route.namespace;
    }
    if (route.name !== undefined && meta.name !== undefined && meta.name !== route.name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${route.name})`,
      );
    }
    if (route.name !== undefined) meta.name = route.name;
    if (body.kind !== undefined && body.kind !== route.info.kind && body.kind !== 'Scale') {
      throw badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(route.info)})`,
      );
    }
    return body;
  }

  #create(ctx: Context, route: ResourceRoute, resource: ResourceName, body: Json | undefined): number {
    const object = this.#checkBody(route, body);
    if (route.info.namespaced && route.namespace === undefined) throw pathNotFound();
    if (this.#dryRun(ctx)) {
      const draft = structuredClone(object);
      draft.apiVersion = apiVersionOf(route.info);
      draft.kind = route.info.kind;
      applyDefaults(resource, draft);
      const causes = validateCreate(resource, draft);
      if (causes.length > 0) throw invalid(route.info, draft.metadata?.name ?? '', causes);
      if (this.#deps.store.peek(resource, route.namespace, draft.metadata.name)) {
        throw alreadyExists(route.info, draft.metadata.name);
      }
      draft.metadata.creationTimestamp = formatTimestamp(this.#deps.clock.now());
      draft.metadata.uid = crypto.randomUUID();
      return this.#respondObject(ctx, resource, draft, 201);
    }
    const created = this.#deps.store.create<Json>(resource, object);
    return this.#respondObject(ctx, resource, created, 201);
  }

  #update(ctx: Context, route: ResourceRoute, resource: ResourceName, body: Json | undefined): number {
    const object = this.#checkBody(route, body);
    if (this.#dryRun(ctx)) return this.#dryRunUpdate(ctx, route, resource, object);
    return this.#respondObject(ctx, resource, this.#deps.store.update<Json>(resource, object));
  }

  #dryRunUpdate(ctx: Context, route: ResourceRoute, resource: ResourceName, object: Json): number {
    const existing = this.#mustGet(route, resource);
    const draft = structuredClone(object);
    applyDefaults(resource, draft);
    const causes = validateUpdate(resource, existing, draft);
    if (causes.length > 0) throw invalid(route.info, route.name!, causes);
    return this.#respondObject(ctx, resource, draft);
  }

  #patch(ctx: Context, route: ResourceRoute, resource: ResourceName, body: Json | undefined): number {
    const contentType = ctx.req.headers['content-type'] ?? '';
    const serverSideApply = contentType.startsWith(PATCH_TYPES.apply);
    const stored = this.#deps.store.peek<Json>(resource, route.namespace, route.name!);
    // Server-side apply, approximated: creates when absent, else merges strategically (no field ownership).
    if (serverSideApply && !stored)
      return this.#create(ctx, { ...route, name: undefined } as ResourceRoute, resource, body);
    const existing = structuredClone(this.#mustGet(route, resource));
    const patched = (
      serverSideApply
        ? applyPatch(PATCH_TYPES.strategic, existing, body)
        : applyPatch(contentType, existing, body)
    ) as Json;
    const object = this.#checkBody(route, patched);
    // A patch carries the stored resourceVersion unless it names one itself (optimistic locking).
    const wanted = isPlainObject(body) ? (body.metadata as Json | undefined)?.resourceVersion : undefined;
    object.metadata.resourceVersion = wanted ?? existing.metadata.resourceVersion;
    if (this.#dryRun(ctx)) return this.#dryRunUpdate(ctx, route, resource, object);
    return this.#respondObject(ctx, resource, this.#deps.store.update<Json>(resource, object));
  }

  #deleteOptions(ctx: Context, body: Json | undefined): Json {
    const options: Json = isPlainObject(body) ? { ...body } : {};
    const grace = ctx.url.searchParams.get('gracePeriodSeconds');
    if (grace !== null) options.gracePeriodSeconds = Number(grace);
    const propagation = ctx.url.searchParams.get('propagationPolicy');
    if (propagation) options.propagationPolicy = propagation;
    if (ctx.url.searchParams.get('orphanDependents') === 'true' || options.orphanDependents === true) {
      options.propagationPolicy ??= 'Orphan';
    }
    return options;
  }

  #delete(ctx: Context, route: ResourceRoute, resource: ResourceName, body: Json | undefined): number {
    const options = this.#deleteOptions(ctx, body);
    if (this.#dryRun(ctx)) return this.#respondObject(ctx, resource, this.#mustGet(route, resource));
    const result = this.#deps.store.delete<Json>(resource, route.namespace, route.name!, options);
    return this.#respondObject(ctx, resource, result);
  }

  #deleteCollection(
    ctx: Context,
    route: ResourceRoute,
    resource: ResourceName,
    body: Json | undefined,
  ): number {
    const { store } = this.#deps;
    const options = this.#deleteOptions(ctx, body);
    const { labels, fields } = this.#selectors(ctx, resource);
    const items = store
      .list<Json>(resource, route.namespace)
      .filter((item) => matchesLabels(labels, item.metadata?.labels) && matchesFields(fields, item));
    const results: Json[] = [];
    if (!this.#dryRun(ctx)) {
      for (const item of items) {
        try {
          results.push(store.delete<Json>(resource, item.metadata.namespace, item.metadata.name, options));
        } catch (error) {
          if (!isApiError(error) || error.code !== 404) throw error;
        }
      }
    }
    return this.#ok(ctx.res, {
      kind: listKind(route.info),
      apiVersion: apiVersionOf(route.info),
      metadata: { resourceVersion: store.resourceVersion() },
      items: this.#dryRun(ctx) ? items : results,
    });
  }

  // ---- watch -------------------------------------------------------------------------------------

  #watch(ctx: Context, route: ResourceRoute, resource: ResourceName): number {
    const { store, faults } = this.#deps;
    const { res, url } = ctx;
    const { labels, fields } = this.#selectors(ctx, resource);
    if (route.name !== undefined) fields.push({ field: 'metadata.name', operator: '=', value: route.name });
    const table = wantsTable(ctx.req.headers.accept);
    const include = this.#includeObject(ctx);
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
    const rvParam = url.searchParams.get('resourceVersion');
    const sendInitial = url.searchParams.get('sendInitialEvents') === 'true';
    const matches = (object: Json | undefined): boolean =>
      !!object &&
      (route.namespace === undefined || object.metadata?.namespace === route.namespace) &&
      matchesLabels(labels, object.metadata?.labels) &&
      matchesFields(fields, object);

    let backlog: HistoryEntry[] = [];
    let initial: Json[] = [];
    let expiredError: ApiError | undefined;
    if (!rvParam || rvParam === '0' || sendInitial) {
      initial = store.list<Json>(resource, route.namespace).filter(matches);
    }
    if (rvParam && rvParam !== '0') {
      try {
        backlog = store.changesSince(resource, Number(rvParam));
      } catch (error) {
        if (isApiError(error) && error.code === 410) expiredError = error as ApiError;
        else throw error;
      }
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    this.#streamStarted.get(res)?.();
    this.#openResponses.add(res);
    let firstTable = true;
    const write = (type: string, object: Json): void => {
      if (res.writableEnded || res.destroyed) return;
      let payload: Json = object;
      if (table && type !== 'ERROR' && type !== 'BOOKMARK') {
        const shown = this.#tableInput([object]);
        payload = toTable(
          resource,
          [],
          shown.now,
          include,
          { resourceVersion: object.metadata?.resourceVersion },
          firstTable,
        );
        payload.rows = [tableRow(resource, shown.items[0]!, shown.now, include)];
        firstTable = false;
      }
      res.write(`${this.#present(JSON.stringify({ type, object: payload }))}\n`);
    };
    if (expiredError) {
      write('ERROR', statusBody(expiredError));
      res.end();
      this.#openResponses.delete(res);
      return 200;
    }
    for (const object of initial) write('ADDED', object);
    if (sendInitial && bookmarks) {
      write('BOOKMARK', {
        kind: route.info.kind,
        apiVersion: apiVersionOf(route.info),
        metadata: {
          resourceVersion: store.resourceVersion(),
          annotations: { 'k8s.io/initial-events-end': 'true' },
        },
      });
    }
    const deliver = (entry: { type: string; object: Json; previous?: Json }): void => {
      const now = matches(entry.object);
      if (entry.type === 'ADDED') {
        if (now) write('ADDED', entry.object);
      } else if (entry.type === 'DELETED') {
        if (matches(entry.previous ?? entry.object)) write('DELETED', entry.object);
      } else {
        const before = matches(entry.previous);
        if (before && now) write('MODIFIED', entry.object);
        else if (!before && now) write('ADDED', entry.object);
        else if (before && !now) write('DELETED', entry.object);
      }
    };
    for (const entry of backlog) deliver(entry as unknown as { type: string; object: Json; previous?: Json });
    const unsubscribe = store.subscribe(resource, (event) =>
      deliver(event as unknown as { type: string; object: Json; previous?: Json }),
    );
    const timers: ReturnType<typeof setTimeout>[] = [];
    let bookmarkTimer: ReturnType<typeof setInterval> | undefined;
    const close = (): void => {
      unsubscribe();
      untrack();
      for (const timer of timers) clearTimeout(timer);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      this.#openResponses.delete(res);
      if (!res.writableEnded) res.end();
    };
    const untrack = faults.trackWatch(close);
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) timers.push(setTimeout(close, timeoutSeconds * 1000));
    if (ctx.dropWatchAfterMs !== undefined) timers.push(setTimeout(close, ctx.dropWatchAfterMs));
    if (bookmarks) {
      bookmarkTimer = setInterval(() => {
        write('BOOKMARK', {
          kind: route.info.kind,
          apiVersion: apiVersionOf(route.info),
          metadata: { resourceVersion: store.resourceVersion() },
        });
      }, this.#deps.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS);
    }
    res.once('close', close);
    return 200;
  }

  // ---- subresources --------------------------------------------------------------------------

  async #subresource(ctx: Context, route: ResourceRoute, resource: ResourceName): Promise<number> {
    const { store } = this.#deps;
    const method = ctx.req.method ?? 'GET';
    const sub = route.subresource!;
    const known = route.info.subresources.some((s) => s.name === sub);
    if (!known || route.name === undefined) return sendError(ctx.res, pathNotFound());
    if (sub === 'status') {
      if (method === 'GET') return this.#get(ctx, route, resource);
      const existing = structuredClone(this.#mustGet(route, resource));
      let object: Json;
      const body = await readBody(ctx.req);
      if (method === 'PUT') object = this.#checkBody(route, body);
      else if (method === 'PATCH') {
        object = applyPatch(ctx.req.headers['content-type'] ?? '', existing, body) as Json;
        object.metadata.resourceVersion =
          (body?.metadata as Json | undefined)?.resourceVersion ?? existing.metadata.resourceVersion;
      } else return sendError(ctx.res, methodNotAllowed());
      if (this.#dryRun(ctx)) return this.#ok(ctx.res, object);
      return this.#ok(ctx.res, store.updateStatus<Json>(resource, object));
    }
    if (sub === 'scale' && resource === 'statefulsets') return this.#scale(ctx, route, method);
    if (sub === 'eviction' && resource === 'pods') {
      if (method !== 'POST') return sendError(ctx.res, methodNotAllowed());
      const body = await readBody(ctx.req);
      const result = evictPod(store, this.#deps.clock, route.namespace!, route.name, body, this.#dryRun(ctx));
      return this.#ok(ctx.res, result, 201);
    }
    if (sub === 'exec' && resource === 'pods') {
      this.#mustGet(route, resource);
      return sendError(ctx.res, badRequest('Upgrade request required'));
    }
    if (sub === 'log' && resource === 'pods') {
      const pod = this.#mustGet(route, resource);
      const container = ctx.url.searchParams.get('container') ?? pod.spec?.containers?.[0]?.name;
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
      ctx.res.end(`simulated log of ${route.name}/${container}\n`);
      return 200;
    }
    if (sub === 'binding' && resource === 'pods' && method === 'POST') {
      const body = await readBody(ctx.req);
      const nodeName = (body?.target as Json | undefined)?.name;
      if (!nodeName) throw badRequest('binding target name is required');
      store.mutate<Json>('pods', route.namespace, route.name, (draft) => {
        draft.spec.nodeName = nodeName;
      });
      return this.#ok(
        ctx.res,
        { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
        201,
      );
    }
    return sendError(ctx.res, methodNotAllowed());
  }

  async #scale(ctx: Context, route: ResourceRoute, method: string): Promise<number> {
    const { store } = this.#deps;
    const sts = this.#mustGet(route, 'statefulsets');
    const toScale = (object: Json): Json => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: object.spec?.replicas ?? 0 },
      status: {
        replicas: object.status?.replicas ?? 0,
        selector: Object.entries(object.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    });
    if (method === 'GET') return this.#ok(ctx.res, toScale(sts));
    const body = await readBody(ctx.req);
    let scale: Json;
    if (method === 'PUT') scale = body ?? {};
    else if (method === 'PATCH')
      scale = applyPatch(ctx.req.headers['content-type'] ?? '', toScale(sts), body) as Json;
    else return sendError(ctx.res, methodNotAllowed());
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || replicas < 0) {
      throw invalid({ ...route.info, kind: 'Scale', group: 'autoscaling' }, route.name!, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
          field: 'spec.replicas',
        },
      ]);
    }
    const wanted = scale.metadata?.resourceVersion;
    const next = structuredClone(sts);
    next.spec.replicas = replicas;
    next.metadata.resourceVersion = wanted ?? sts.metadata.resourceVersion;
    if (this.#dryRun(ctx)) return this.#ok(ctx.res, toScale(next));
    return this.#ok(ctx.res, toScale(store.update<Json>('statefulsets', next)));
  }

  #selfSubjectAccessReview(ctx: Context, body: Json | undefined): number {
    const attributes = (body?.spec as Json | undefined)?.resourceAttributes as Json | undefined;
    const review: Json = {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: body?.spec ?? {},
      status: { allowed: true },
    };
    if (attributes) {
      const group = attributes.group ?? '';
      const resource = attributes.resource ?? '';
      const allowed = this.#deps.rbac.allowed({
        user: ctx.user,
        verb: attributes.verb ?? '',
        group,
        resource,
        ...(attributes.subresource ? { subresource: attributes.subresource } : {}),
        ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
        ...(attributes.name ? { name: attributes.name } : {}),
      });
      review.status = allowed
        ? {
            allowed: true,
            reason: `RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"`,
          }
        : { allowed: false };
    }
    return this.#ok(ctx.res, review, 201);
  }
}

function keyOf(object: Json): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      rv: number;
      start: string;
    };
    if (typeof decoded.rv !== 'number' || typeof decoded.start !== 'string') throw new Error('bad token');
    return decoded;
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
  }
}
