// The simulator's etcd and registry in one: an in-memory object store with the apiserver's
// write semantics (defaults, validation, resourceVersion, generation, conflicts, graceful delete,
// finalizers) and an ordered change feed for controllers and watches.
//
// Stored objects are deep-frozen and shared: list() hands them out without copying (10,000 pods
// must stay cheap), get() and every write return private copies.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../src/kube/types.ts';
import type { DeleteOptions, ResourceName, SimClock, Store, StoreEvent } from './contract.ts';
import { admitServiceAccountToken, applyDefaults } from './server/defaults.ts';
import type { DefaultingContext } from './server/defaults.ts';
import {
  ApiError,
  STALE_OBJECT,
  alreadyExists,
  conflict,
  expired,
  invalid,
  namespaceNotFound,
  notFound,
} from './server/errors.ts';
import type { Json } from './server/json.ts';
import { deepFreeze, formatTimestamp, stableEqual } from './server/json.ts';
import { RESOURCES, apiVersionOf, resourceInfo } from './server/resources.ts';
import { validateCreate, validateUpdate } from './server/validation.ts';

export interface StoreOptions {
  /** How many past changes watches can resume from before they get 410 Expired (default 50,000). */
  historySize?: number;
  /** Require namespaced objects to live in an existing namespace, as the apiserver does (default true). */
  requireNamespace?: boolean;
}

/** A change as it entered the history, with the resourceVersion it was written at. */
export interface HistoryEntry extends StoreEvent {
  rv: number;
}

type Table = Map<string, Map<string, Json>>;

const STORED_RESOURCES = RESOURCES.filter((info) => info.resource !== 'selfsubjectaccessreviews').map(
  (info) => info.resource as ResourceName,
);

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class MemoryStore implements Store {
  readonly #clock: SimClock;
  readonly #tables = new Map<ResourceName, Table>();
  readonly #sortedCache = new Map<string, { items: Json[]; index: Map<string, number> }>();
  readonly #subscribers = new Map<ResourceName, Set<(event: StoreEvent) => void>>();
  readonly #history: (HistoryEntry | undefined)[];
  #historyNext = 0;
  #historyCount = 0;
  #rv = 1000;
  readonly #firstRv = 1000;
  readonly #requireNamespace: boolean;
  readonly #pending: StoreEvent[] = [];
  #dispatching = false;
  #nextServiceIP = 1;

  constructor(clock: SimClock, options: StoreOptions = {}) {
    this.#clock = clock;
    this.#history = new Array(options.historySize ?? 50_000);
    this.#requireNamespace = options.requireNamespace ?? true;
    for (const resource of STORED_RESOURCES) this.#tables.set(resource, new Map());
  }

  // ---- reads ---------------------------------------------------------------------------------

  get<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    const stored = this.#find(resource, namespace, name);
    return stored ? (structuredClone(stored) as T) : undefined;
  }

  /** The stored (frozen) object itself, without a copy. */
  peek<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.#find(resource, namespace, name) as T | undefined;
  }

  list<T extends KubeObject>(resource: ResourceName, namespace?: string): T[] {
    const key = `${resource}/${namespace ?? '*'}`;
    let sorted = this.#sortedCache.get(key);
    if (!sorted) {
      const table = this.#table(resource);
      const namespaces =
        namespace === undefined ? [...table.keys()].sort() : [this.#nsKey(resource, namespace)];
      sorted = { items: [], index: new Map() };
      for (const ns of namespaces) {
        const objects = table.get(ns);
        if (!objects) continue;
        const names = [...objects.keys()].sort();
        for (const name of names) {
          sorted.index.set(`${ns}/${name}`, sorted.items.length);
          sorted.items.push(objects.get(name)!);
        }
      }
      this.#sortedCache.set(key, sorted);
    }
    return sorted.items.slice() as T[];
  }

  resourceVersion(): string {
    return String(this.#rv);
  }

  // ---- writes --------------------------------------------------------------------------------

  create<T extends KubeObject>(resource: ResourceName, object: T): T {
    const info = resourceInfo(resource);
    const draft = structuredClone(object) as Json;
    draft.metadata = { ...(draft.metadata ?? {}) };
    const meta = draft.metadata;
    const namespace = this.#namespaceFor(resource, meta.namespace);
    if (info.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    if (info.namespaced && this.#requireNamespace) {
      const ns = this.#find('namespaces', undefined, namespace!);
      if (!ns) throw namespaceNotFound(namespace!);
      if (ns.metadata.deletionTimestamp) {
        throw new ApiError(
          403,
          'Forbidden',
          `${info.resource} "${meta.name ?? meta.generateName}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          {
            name: meta.name,
            kind: info.resource,
            causes: [
              {
                reason: 'NamespaceTerminating',
                message: `namespace ${namespace} is being terminated`,
                field: 'metadata.namespace',
              },
            ],
          },
        );
      }
    }
    if (!meta.name && meta.generateName)
      meta.name = this.#generateName(resource, namespace, meta.generateName);
    draft.apiVersion = apiVersionOf(info);
    draft.kind = info.kind;
    applyDefaults(resource, draft, this.#defaulting());
    if (resource === 'pods') admitServiceAccountToken(draft);
    const causes = validateCreate(resource, draft);
    if (causes.length > 0) throw invalid(info, meta.name ?? '', causes);
    if (this.#find(resource, namespace, meta.name)) throw alreadyExists(info, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = formatTimestamp(this.#clock.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (info.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    return this.#commit(resource, 'ADDED', draft, undefined) as T;
  }

  update<T extends KubeObject>(resource: ResourceName, object: T): T {
    return this.#replace(resource, object as Json, 'main');
  }

  updateStatus<T extends KubeObject>(resource: ResourceName, object: T): T {
    return this.#replace(resource, object as Json, 'status');
  }

  mutate<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    fn: (draft: T) => void,
  ): T | undefined {
    const existing = this.#find(resource, namespace, name);
    if (!existing) return undefined;
    const draft = structuredClone(existing) as Json;
    fn(draft as T);
    return this.#write(resource, existing, draft) as T;
  }

  delete<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): T {
    const info = resourceInfo(resource);
    const existing = this.#find(resource, namespace, name);
    if (!existing) throw notFound(info, name);
    const meta = existing.metadata;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        info,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        info,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    if (options.propagationPolicy === 'Orphan') this.#orphanDependents(existing);
    if (resource === 'namespaces') return this.#deleteNamespace(existing) as T;
    const finalizers: string[] = meta.finalizers ?? [];
    if (resource === 'pods') {
      let grace = options.gracePeriodSeconds ?? existing.spec?.terminationGracePeriodSeconds ?? 30;
      const phase = existing.status?.phase;
      if (!existing.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (grace <= 0 && finalizers.length === 0) return this.#remove(resource, existing) as T;
      if (meta.deletionTimestamp && grace >= (meta.deletionGracePeriodSeconds ?? 0))
        return structuredClone(existing) as T;
      const draft = structuredClone(existing) as Json;
      draft.metadata.deletionGracePeriodSeconds = Math.max(grace, 0);
      draft.metadata.deletionTimestamp = formatTimestamp(
        new Date(this.#clock.now().getTime() + Math.max(grace, 0) * 1000),
      );
      return this.#write(resource, existing, draft) as T;
    }
    // Foreground: the object waits, with the foregroundDeletion finalizer, until the garbage
    // collector has deleted its blocking dependents and removed the finalizer.
    // With no dependents the collector would drop the finalizer at once; the store skips that step.
    const foreground =
      options.propagationPolicy === 'Foreground' &&
      !finalizers.includes('foregroundDeletion') &&
      this.#hasDependents(existing);
    if (finalizers.length === 0 && !foreground) return this.#remove(resource, existing) as T;
    if (meta.deletionTimestamp && !foreground) return structuredClone(existing) as T;
    const draft = structuredClone(existing) as Json;
    draft.metadata.deletionTimestamp ??= formatTimestamp(this.#clock.now());
    draft.metadata.deletionGracePeriodSeconds ??= 0;
    if (foreground) draft.metadata.finalizers = [...finalizers, 'foregroundDeletion'];
    return this.#write(resource, existing, draft) as T;
  }

  purge(resource: ResourceName, namespace: string | undefined, name: string): void {
    const existing = this.#find(resource, namespace, name);
    if (existing) this.#remove(resource, existing);
  }

  subscribe(resource: ResourceName, handler: (event: StoreEvent) => void): () => void {
    let set = this.#subscribers.get(resource);
    if (!set) {
      set = new Set();
      this.#subscribers.set(resource, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  // ---- history for watches ---------------------------------------------------------------------

  /**
   * Changes of a resource after `resourceVersion`, oldest first; throws 410 Expired when the
   * history no longer reaches back that far (etcd's compaction, as seen by a watch).
   */
  changesSince(resource: ResourceName, resourceVersion: number): HistoryEntry[] {
    const oldest = this.#oldestRetained();
    if (resourceVersion < oldest - 1) {
      throw expired(`too old resource version: ${resourceVersion} (${oldest - 1})`);
    }
    const result: HistoryEntry[] = [];
    const size = this.#history.length;
    for (let i = 0; i < this.#historyCount; i++) {
      const entry = this.#history[(this.#historyNext - this.#historyCount + i + size) % size]!;
      if (entry.rv > resourceVersion && entry.resource === resource) result.push(entry);
    }
    return result;
  }

  /** The oldest resourceVersion a watch can still start after. */
  #oldestRetained(): number {
    if (this.#historyCount < this.#history.length) return this.#firstRv + 1;
    return this.#history[this.#historyNext % this.#history.length]!.rv;
  }

  // ---- internals -----------------------------------------------------------------------------

  #table(resource: ResourceName): Table {
    const table = this.#tables.get(resource);
    if (!table) throw new Error(`unknown resource ${resource}`);
    return table;
  }

  #nsKey(resource: ResourceName, namespace: string | undefined): string {
    return resourceInfo(resource).namespaced ? (namespace ?? 'default') : '';
  }

  #namespaceFor(resource: ResourceName, namespace: string | undefined): string | undefined {
    return resourceInfo(resource).namespaced ? namespace || 'default' : undefined;
  }

  #find(resource: ResourceName, namespace: string | undefined, name: string): Json | undefined {
    return this.#table(resource).get(this.#nsKey(resource, namespace))?.get(name);
  }

  #defaulting(): DefaultingContext {
    return {
      defaultStorageClass: () =>
        this.list<Json>('storageclasses').find(
          (sc) => sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
        )?.metadata?.name,
      allocateClusterIP: () => {
        // Like the real allocator, never hand out an address a Service already holds (the
        // bootstrap's `kubernetes` and `kube-dns` Services set theirs explicitly).
        const inUse = new Set(
          this.list<Json>('services').map((svc) => (svc.spec as { clusterIP?: string })?.clusterIP),
        );
        for (;;) {
          const n = this.#nextServiceIP++;
          // Spread addresses over 10.96.0.0/16 the way the allocator's random pick looks, but stay deterministic.
          const offset = n === 1 ? 1 : 1 + ((n * 7919) % 65000);
          const ip = `10.96.${Math.floor(offset / 256)}.${offset % 256 || 1}`;
          if (!inUse.has(ip)) return ip;
        }
      },
    };
  }

  #generateName(resource: ResourceName, namespace: string | undefined, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++)
        suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      const name = `${prefix.slice(0, 58)}${suffix}`;
      if (!this.#find(resource, namespace, name)) return name;
    }
  }

  #replace<T>(resource: ResourceName, object: Json, part: 'main' | 'status'): T {
    const info = resourceInfo(resource);
    const name = object.metadata?.name;
    const existing = name ? this.#find(resource, object.metadata?.namespace, name) : undefined;
    if (!existing) throw notFound(info, name ?? '');
    const wanted = object.metadata?.resourceVersion;
    if (wanted && wanted !== existing.metadata.resourceVersion) throw conflict(info, name, STALE_OBJECT);
    let draft: Json;
    if (part === 'status') {
      draft = structuredClone(existing) as Json;
      draft.status = structuredClone(object.status);
    } else {
      draft = structuredClone(object) as Json;
      draft.metadata = { ...draft.metadata };
      // Only a delete sets these; an update can neither set nor clear them.
      if (existing.metadata.deletionTimestamp) {
        draft.metadata.deletionTimestamp = existing.metadata.deletionTimestamp;
        draft.metadata.deletionGracePeriodSeconds = existing.metadata.deletionGracePeriodSeconds;
      } else {
        delete draft.metadata.deletionTimestamp;
        delete draft.metadata.deletionGracePeriodSeconds;
      }
      if (draft.metadata.uid && draft.metadata.uid !== existing.metadata.uid) {
        throw conflict(
          info,
          name,
          `Precondition failed: UID in precondition: ${draft.metadata.uid}, UID in object meta: ${existing.metadata.uid}`,
        );
      }
      draft.apiVersion = existing.apiVersion;
      draft.kind = existing.kind;
      if (info.hasStatus) draft.status = structuredClone(existing.status);
      applyDefaults(resource, draft, this.#defaulting());
      const causes = validateUpdate(resource, existing, draft);
      if (causes.length > 0) throw invalid(info, name, causes);
    }
    return this.#write(resource, existing, draft) as T;
  }

  /** Commits a changed object: keeps identity fields, bumps generation and resourceVersion. */
  #write(resource: ResourceName, existing: Json, draft: Json): Json {
    const info = resourceInfo(resource);
    const meta = draft.metadata ?? {};
    draft.metadata = meta;
    meta.name = existing.metadata.name;
    if (info.namespaced) meta.namespace = existing.metadata.namespace;
    meta.uid = existing.metadata.uid;
    meta.creationTimestamp = existing.metadata.creationTimestamp;
    if (existing.metadata.deletionTimestamp) {
      // Once set, only a delete may shorten it; writes cannot clear it.
      meta.deletionTimestamp ??= existing.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds ??= existing.metadata.deletionGracePeriodSeconds;
    }
    if (info.tracksGeneration) {
      const specChanged = !stableEqual(existing.spec, draft.spec);
      // The apiserver also bumps generation when a graceful delete starts (rest.BeforeDelete).
      const deletionStarted = !existing.metadata.deletionTimestamp && !!meta.deletionTimestamp;
      meta.generation = (existing.metadata.generation ?? 1) + (specChanged || deletionStarted ? 1 : 0);
    } else if (existing.metadata.generation !== undefined) {
      meta.generation = existing.metadata.generation;
    }
    meta.resourceVersion = existing.metadata.resourceVersion;
    if (stableEqual(existing, draft)) return structuredClone(existing);
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0) {
      const finalizable = resource !== 'pods' || meta.deletionGracePeriodSeconds === 0;
      if (finalizable) return this.#remove(resource, draft);
    }
    return this.#commit(resource, 'MODIFIED', draft, existing);
  }

  #commit(resource: ResourceName, type: 'ADDED' | 'MODIFIED', draft: Json, previous: Json | undefined): Json {
    this.#rv++;
    draft.metadata.resourceVersion = String(this.#rv);
    const frozen = deepFreeze(draft);
    this.#store(resource, frozen);
    this.#emit({ type, resource, object: frozen, ...(previous ? { previous } : {}) });
    return structuredClone(frozen);
  }

  #store(resource: ResourceName, object: Json): void {
    const table = this.#table(resource);
    const ns = this.#nsKey(resource, object.metadata.namespace);
    let objects = table.get(ns);
    if (!objects) {
      objects = new Map();
      table.set(ns, objects);
    }
    const isNew = !objects.has(object.metadata.name);
    objects.set(object.metadata.name, object);
    if (isNew) {
      this.#invalidate(resource, ns);
      return;
    }
    // A replaced object keeps its place in the sorted lists; patch them instead of re-sorting.
    const key = `${ns}/${object.metadata.name}`;
    for (const cacheKey of [`${resource}/${ns}`, `${resource}/*`]) {
      const cached = this.#sortedCache.get(cacheKey);
      const position = cached?.index.get(key);
      if (cached && position !== undefined) cached.items[position] = object;
    }
  }

  #invalidate(resource: ResourceName, ns: string): void {
    this.#sortedCache.delete(`${resource}/${ns}`);
    this.#sortedCache.delete(`${resource}/*`);
  }

  #remove(resource: ResourceName, existing: Json): Json {
    const table = this.#table(resource);
    const ns = this.#nsKey(resource, existing.metadata.namespace);
    table.get(ns)?.delete(existing.metadata.name);
    this.#invalidate(resource, ns);
    this.#rv++;
    const gone = structuredClone(existing) as Json;
    gone.metadata.resourceVersion = String(this.#rv);
    deepFreeze(gone);
    this.#emit({ type: 'DELETED', resource, object: gone, previous: existing });
    if (resource !== 'namespaces' && resourceInfo(resource).namespaced) this.#finishNamespaceIfEmpty(ns);
    return structuredClone(gone);
  }

  #emit(event: StoreEvent): void {
    const entry: HistoryEntry = { ...event, rv: this.#rv };
    this.#history[this.#historyNext] = entry;
    this.#historyNext = (this.#historyNext + 1) % this.#history.length;
    this.#historyCount = Math.min(this.#historyCount + 1, this.#history.length);
    this.#pending.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      // Handlers may write; their events queue up behind this one so every subscriber sees changes in order.
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        for (const handler of [...(this.#subscribers.get(next.resource) ?? [])]) {
          try {
            handler(next);
          } catch (error) {
            console.error(`sim store: a ${next.resource} subscriber failed:`, error);
          }
        }
      }
    } finally {
      this.#dispatching = false;
    }
  }

  #hasDependents(owner: Json): boolean {
    const uid = owner.metadata.uid;
    return STORED_RESOURCES.some((resource) =>
      this.list<Json>(
        resource,
        resourceInfo(resource).namespaced ? owner.metadata.namespace : undefined,
      ).some((object) => (object.metadata.ownerReferences ?? []).some((ref: Json) => ref.uid === uid)),
    );
  }

  #orphanDependents(owner: Json): void {
    const uid = owner.metadata.uid;
    for (const resource of STORED_RESOURCES) {
      for (const object of this.list<Json>(
        resource,
        resourceInfo(resource).namespaced ? owner.metadata.namespace : undefined,
      )) {
        if ((object.metadata.ownerReferences ?? []).some((ref: Json) => ref.uid === uid)) {
          this.mutate<Json>(resource, object.metadata.namespace, object.metadata.name, (draft) => {
            draft.metadata.ownerReferences = draft.metadata.ownerReferences.filter(
              (ref: Json) => ref.uid !== uid,
            );
            if (draft.metadata.ownerReferences.length === 0) delete draft.metadata.ownerReferences;
          });
        }
      }
    }
  }

  /** Namespace deletion: Terminating, its content deleted, then the namespace itself once empty. */
  #deleteNamespace(existing: Json): Json {
    const name = existing.metadata.name;
    let result: Json = structuredClone(existing);
    if (!existing.metadata.deletionTimestamp) {
      const draft = structuredClone(existing) as Json;
      draft.metadata.deletionTimestamp = formatTimestamp(this.#clock.now());
      draft.metadata.deletionGracePeriodSeconds = 0;
      draft.status = { ...(draft.status ?? {}), phase: 'Terminating' };
      result = this.#commit('namespaces', 'MODIFIED', draft, existing);
    }
    for (const resource of STORED_RESOURCES) {
      if (!resourceInfo(resource).namespaced) continue;
      for (const object of this.list<Json>(resource, name)) {
        if (object.metadata.deletionTimestamp) continue;
        try {
          this.delete(resource, name, object.metadata.name);
        } catch {
          // Already gone: a controller reacted to an earlier deletion.
        }
      }
    }
    this.#finishNamespaceIfEmpty(name);
    return result;
  }

  #finishNamespaceIfEmpty(namespace: string): void {
    const ns = this.#find('namespaces', undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    for (const resource of STORED_RESOURCES) {
      if (resourceInfo(resource).namespaced && (this.#table(resource).get(namespace)?.size ?? 0) > 0) return;
    }
    this.#remove('namespaces', ns);
  }
}
