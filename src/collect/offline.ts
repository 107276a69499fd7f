// Snapshots from a saved dump instead of an API server: the output of
// `kubectl get sts,pods,pvc,pv,svc,endpointslices,events -o yaml` (or -o json), a
// multi-document YAML file, or a directory of such files. Nothing here talks to a cluster, so a
// support engineer can read a customer's dump with the same report and diagnostics.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ExitCode, StsError, usageError } from '../cli/errors.ts';
import { MAX_FLOW_DEPTH, exceedsFlowDepth, yamlFailureReason } from '../cli/input-limits.ts';
import type {
  ControllerRevision,
  EndpointSlice,
  KubeEvent,
  KubeObject,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
  StorageClass,
} from '../kube/types.ts';
import { selectorMatches } from '../report/selector.ts';
import type { SnapshotSource, StatefulSetSnapshot, Unreadable } from '../report/snapshot.ts';
import { checkDumpObject } from './dump-schema.ts';

/** Objects read from a dump, by kind, with the files they came from. */
export interface OfflineDump {
  /** What was given to -f (a file or a directory). */
  path?: string;
  sources: string[];
  statefulSets: StatefulSet[];
  pods: Pod[];
  claims: PersistentVolumeClaim[];
  volumes: PersistentVolume[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  events: KubeEvent[];
  storageClasses: StorageClass[];
  nodes: Node[];
  revisions: ControllerRevision[];
  /** Kinds the dump holds (so a kind absent from the dump is reported as not readable, not as empty). */
  kinds: Set<string>;
  /**
   * Where each kind was read, by namespace ('' for cluster-scoped kinds). A kind is known in a
   * namespace when the dump holds one of its objects there, or an empty typed list of it for
   * that namespace (support bundles write one per namespace); anywhere else it is unknown, and
   * nothing is concluded from its absence.
   */
  presence: Map<string, Set<string>>;
  /** `Kind/namespace` read as a whole list of that namespace (a support bundle's per-namespace files). */
  listed: Set<string>;
  /** Files (or parts of files) that hold no Kubernetes objects, skipped, with why. */
  skipped: SkippedFile[];
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/** What one file gave: its objects, the typed lists it holds (by namespace), and what is not an object. */
interface ParsedFile {
  objects: KubeObject[];
  /** `Kind/namespace` of typed lists whose namespace is known (from the items or the bundle path). */
  listed: string[];
  /** Values that are not Kubernetes objects (a support bundle's error strings, stray scalars). */
  nonObjects: string[];
}

const DUMP_EXTENSIONS = /\.(ya?ml|json)$/i;

/** Reads a dump file, or every .yaml/.yml/.json file under a directory. */
export async function readDump(path: string): Promise<OfflineDump> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw usageError(`cannot read dump "${path}": no such file or directory`, 'check the path given to -f');
  }
  const directory = info.isDirectory();
  const files = directory ? await dumpFilesUnder(path) : [path];
  if (files.length === 0) {
    throw usageError(
      `no .yaml, .yml or .json files in "${path}"`,
      'point -f at a dump file or a directory of them',
    );
  }
  const objects: KubeObject[] = [];
  const listed: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw usageError(
        `cannot read dump "${file}": ${(error as Error).message}`,
        'check the path given to -f',
      );
    }
    let parsed: ParsedFile;
    try {
      parsed = parseDumpFile(text, file);
    } catch (error) {
      // In a directory (a support bundle holds logs and reports too) one bad file is skipped
      // with a note; a file named on the command line is the dump, so it is an error.
      if (!directory) throw error;
      skipped.push({ file, reason: (error as StsError).message.replace(/^"[^"]*" /, '') });
      continue;
    }
    if (parsed.nonObjects.length > 0) {
      if (!directory && parsed.objects.length === 0) {
        throw usageError(
          `"${file}" holds something that is not a Kubernetes object`,
          'pass a `kubectl get -o yaml` dump',
        );
      }
      skipped.push({ file, reason: nonObjectReason(file, parsed.nonObjects) });
    }
    objects.push(...parsed.objects);
    listed.push(...parsed.listed);
  }
  const dump = groupObjects(objects, files, listed);
  dump.skipped = skipped;
  dump.path = path;
  return dump;
}

/** Why a file's content was not read as objects, quoting a support bundle's collector errors. */
function nonObjectReason(file: string, values: string[]): string {
  const errorsFile = /-errors\.json$/i.test(file);
  const first = values[0]!.length > 160 ? `${values[0]!.slice(0, 157)}...` : values[0]!;
  const more = values.length > 1 ? ` (and ${values.length - 1} more)` : '';
  return errorsFile
    ? `not Kubernetes objects: the collector's errors, e.g. "${first}"${more}`
    : `not Kubernetes objects (${values.length} value(s), e.g. "${first}")`;
}

async function dumpFilesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await dumpFilesUnder(full)));
    else if (DUMP_EXTENSIONS.test(entry.name)) files.push(full);
  }
  return files;
}

/**
 * Every object in one file: JSON or (multi-document) YAML, with `List`/`XxxList` wrappers
 * flattened. Items of a typed list (`PodList` from the raw API) get their kind back.
 */
export function parseDump(text: string, source: string): KubeObject[] {
  const parsed = parseDumpFile(text, source);
  if (parsed.objects.length === 0 && parsed.nonObjects.length > 0) {
    throw usageError(
      `"${source}" holds something that is not a Kubernetes object`,
      'pass a `kubectl get -o yaml` dump',
    );
  }
  return parsed.objects;
}

/**
 * Kinds a troubleshoot.sh support bundle stores by path (`cluster-resources/pods/<namespace>.json`,
 * `cluster-resources/pvs.json`): its older versions write bare arrays of items without `kind`.
 */
const BUNDLE_DIRECTORIES: Record<string, string> = {
  pods: 'Pod',
  statefulsets: 'StatefulSet',
  pvcs: 'PersistentVolumeClaim',
  services: 'Service',
  events: 'Event',
  endpointslices: 'EndpointSlice',
};
const BUNDLE_FILES: Record<string, string> = {
  pvs: 'PersistentVolume',
  'storage-classes': 'StorageClass',
  nodes: 'Node',
};

function bundlePlace(source: string): { kind: string; namespace: string } | undefined {
  const path = source.replace(/\\/g, '/');
  const namespaced = /(?:^|\/)cluster-resources\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (namespaced && BUNDLE_DIRECTORIES[namespaced[1]!])
    return { kind: BUNDLE_DIRECTORIES[namespaced[1]!]!, namespace: namespaced[2]! };
  const clusterWide = /(?:^|\/)cluster-resources\/([^/]+)\.json$/.exec(path);
  if (clusterWide && BUNDLE_FILES[clusterWide[1]!])
    return { kind: BUNDLE_FILES[clusterWide[1]!]!, namespace: '' };
  return undefined;
}

function parseDumpFile(text: string, source: string): ParsedFile {
  const documents: unknown[] = [];
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  const result: ParsedFile = { objects: [], listed: [], nonObjects: [] };
  if (trimmed === '') return result;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      documents.push(JSON.parse(trimmed));
    } catch {
      // Not JSON after all; YAML is a superset for the shapes kubectl writes.
      documents.length = 0;
    }
  }
  if (documents.length === 0) documents.push(...parseYamlDocuments(text, source));
  for (const document of documents) checkDepth(document, source);
  const place = bundlePlace(source);
  const visit = (value: unknown, kindFromList?: string) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, kindFromList ?? place?.kind);
      return;
    }
    if (typeof value !== 'object') {
      result.nonObjects.push(String(value));
      return;
    }
    const object = value as KubeObject & { items?: unknown[] };
    if (object.kind !== undefined && typeof object.kind !== 'string') {
      throw usageError(
        `"${source}" holds an object whose kind is not a string`,
        'pass a `kubectl get -o yaml` dump',
      );
    }
    if (Array.isArray(object.items) && (object.kind === undefined || object.kind.endsWith('List'))) {
      const itemKind =
        object.kind && object.kind !== 'List' ? object.kind.slice(0, -'List'.length) : place?.kind;
      // A typed list read for one namespace says the kind is known there, even when empty.
      if (itemKind && place && itemKind === place.kind) result.listed.push(`${itemKind}/${place.namespace}`);
      visit(object.items, itemKind);
      return;
    }
    if (!object.kind && kindFromList) object.kind = kindFromList;
    if (!object.kind) return;
    checkDumpObject(object as unknown as Record<string, unknown>, source);
    result.objects.push(object);
  };
  for (const document of documents) visit(document);
  // A bare array in a bundle file (older troubleshoot.sh) is a list of that kind too.
  if (place && documents.some((d) => Array.isArray(d)))
    result.listed.push(`${place.kind}/${place.namespace}`);
  return result;
}

/**
 * How deep a dump's values may nest. Kubernetes objects go a few dozen levels deep; the limit
 * only keeps a crafted file (200,000 nested brackets) from exhausting the stack of the code that
 * walks the objects.
 */
const MAX_DEPTH = 512;

/** Every document of a YAML file, with YAML's own limits (aliases) turned into usage errors. */
function parseYamlDocuments(text: string, source: string): unknown[] {
  const invalid = (reason: string): StsError =>
    usageError(
      `"${source}" is not valid YAML or JSON: ${reason}`,
      'pass the output of `kubectl get … -o yaml` or `-o json`',
    );
  const documents: unknown[] = [];
  if (exceedsFlowDepth(text)) throw invalid(`values nested more than ${MAX_FLOW_DEPTH} levels deep`);
  try {
    // Duplicate keys are accepted as kubectl accepts them: the last one wins.
    for (const document of parseAllDocuments(text, { uniqueKeys: false })) {
      if (document.errors.length > 0) {
        throw invalid(document.errors[0]!.message.split('\n')[0]!.replace(/:$/, ''));
      }
      // maxAliasCount: an alias "bomb" (nested anchors, 9^9 copies) fails here, at once.
      documents.push(document.toJS({ maxAliasCount: 1000 }));
    }
  } catch (error) {
    if (error instanceof StsError) throw error;
    // The YAML library's own refusals (an alias bomb: "Excessive alias count …"), or the stack.
    throw invalid(yamlFailureReason(error));
  }
  return documents;
}

/** Walks a parsed document without recursion and refuses nesting deeper than MAX_DEPTH. */
function checkDepth(document: unknown, source: string): void {
  const stack: [unknown, number][] = [[document, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_DEPTH) {
      throw usageError(
        `"${source}" nests values more than ${MAX_DEPTH} levels deep; no Kubernetes object does`,
        'pass the output of `kubectl get … -o yaml` or `-o json`',
      );
    }
    for (const child of Object.values(value as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
}

/** Core/v1 shape for events.k8s.io/v1 events (`regarding`, `note`, `series`). */
function normalizeEvent(object: KubeObject): KubeEvent {
  const event = object as KubeEvent & {
    regarding?: KubeEvent['involvedObject'];
    note?: string;
    deprecatedCount?: number;
    deprecatedLastTimestamp?: string;
    series?: { count?: number; lastObservedTime?: string };
  };
  if (event.involvedObject || !event.regarding) return event;
  return {
    ...event,
    involvedObject: event.regarding,
    message: event.message ?? event.note,
    count: event.count ?? event.series?.count ?? event.deprecatedCount,
    lastTimestamp:
      event.lastTimestamp ?? event.series?.lastObservedTime ?? event.deprecatedLastTimestamp ?? null,
  };
}

function key(object: KubeObject): string {
  return `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

const CLUSTER_SCOPED = new Set(['PersistentVolume', 'StorageClass', 'Node']);

export function groupObjects(objects: KubeObject[], sources: string[], listed: string[] = []): OfflineDump {
  // The same object in two files (overlapping dumps): the later file wins.
  const unique = new Map<string, KubeObject>();
  for (const object of objects) unique.set(key(object), object);
  const dump: OfflineDump = {
    sources,
    statefulSets: [],
    pods: [],
    claims: [],
    volumes: [],
    services: [],
    endpointSlices: [],
    events: [],
    storageClasses: [],
    nodes: [],
    revisions: [],
    kinds: new Set(),
    presence: new Map(),
    listed: new Set(listed),
    skipped: [],
  };
  const present = (kind: string, namespace: string) => {
    let namespaces = dump.presence.get(kind);
    if (!namespaces) dump.presence.set(kind, (namespaces = new Set()));
    namespaces.add(CLUSTER_SCOPED.has(kind) ? '' : namespace);
  };
  for (const entry of listed) {
    const slash = entry.indexOf('/');
    present(entry.slice(0, slash), entry.slice(slash + 1));
    dump.kinds.add(entry.slice(0, slash));
  }
  for (const object of unique.values()) {
    dump.kinds.add(object.kind!);
    present(object.kind!, object.metadata?.namespace ?? 'default');
    switch (object.kind) {
      case 'StatefulSet':
        dump.statefulSets.push(object as StatefulSet);
        break;
      case 'Pod':
        dump.pods.push(object as Pod);
        break;
      case 'PersistentVolumeClaim':
        dump.claims.push(object as PersistentVolumeClaim);
        break;
      case 'PersistentVolume':
        dump.volumes.push(object as PersistentVolume);
        break;
      case 'Service':
        dump.services.push(object as Service);
        break;
      case 'EndpointSlice':
        dump.endpointSlices.push(object as EndpointSlice);
        break;
      case 'Event':
        dump.events.push(normalizeEvent(object));
        break;
      case 'StorageClass':
        dump.storageClasses.push(object as StorageClass);
        break;
      case 'Node':
        dump.nodes.push(object as Node);
        break;
      case 'ControllerRevision':
        dump.revisions.push(object as ControllerRevision);
        break;
      default:
        break;
    }
  }
  return dump;
}

/** The kinds findings rest on, and what cannot be checked without each. */
const KIND_RESOURCES: [kind: string, resource: string, unchecked: string][] = [
  ['Pod', 'pods', 'pod states, readiness order, rollout progress, pod findings'],
  ['PersistentVolumeClaim', 'persistentvolumeclaims', 'claims, storage findings'],
  ['PersistentVolume', 'persistentvolumes', 'volume details (reclaim policy, Released/Failed volumes)'],
  ['Service', 'services', 'the governing Service'],
  ['EndpointSlice', 'endpointslices', 'DNS publication'],
  ['Event', 'events', 'event evidence'],
  ['StorageClass', 'storageclasses', 'storage classes (default class, expansion)'],
  ['Node', 'nodes', 'nodes (lost, cordoned, tainted)'],
];

const TIMESTAMP_KEYS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastTimestamp',
  'firstTimestamp',
  'eventTime',
  'lastTransitionTime',
  'lastProbeTime',
  'lastHeartbeatTime',
  'startedAt',
  'finishedAt',
  'startTime',
]);

/** The newest timestamp anywhere in the dump: the moment it was taken, near enough. */
export function dumpTakenAt(dump: OfflineDump): Date | undefined {
  let latest = Number.NEGATIVE_INFINITY;
  const visit = (value: unknown, depth: number) => {
    if (depth > 12 || value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string' && TIMESTAMP_KEYS.has(k)) {
        const time = Date.parse(v);
        if (!Number.isNaN(time) && time > latest) latest = time;
      } else if (typeof v === 'object') visit(v, depth + 1);
    }
  };
  const all: unknown[] = [
    dump.statefulSets,
    dump.pods,
    dump.claims,
    dump.volumes,
    dump.events,
    dump.nodes,
    dump.services,
  ];
  visit(all, 0);
  return Number.isFinite(latest) ? new Date(latest) : undefined;
}

export interface OfflineOptions {
  /** Only sets in this namespace; undefined for all namespaces in the dump. */
  namespace?: string;
  /** Only this set. */
  name?: string;
  /** The clock to read the dump at; defaults to the newest timestamp in it. */
  now?: Date;
}

function involves(event: KubeEvent, namespace: string, names: Set<string>): boolean {
  const target = event.involvedObject;
  if (!target?.name) return false;
  if ((target.namespace ?? event.metadata?.namespace) !== namespace && target.kind !== 'PersistentVolume')
    return false;
  return names.has(`${target.kind}/${target.name}`);
}

/** Where the snapshots of a dump come from, computed once for all its sets. */
export function sourceOf(dump: OfflineDump): SnapshotSource {
  return {
    kind: 'offline',
    path: dump.path ?? (dump.sources.length === 1 ? dump.sources[0]! : dumpPath(dump)),
    asOf: dumpTakenAt(dump)?.toISOString().replace('.000Z', 'Z') ?? null,
    ...(dump.skipped.length > 0 ? { skipped: dump.skipped } : {}),
  };
}

function snapshotOf(
  set: StatefulSet,
  dump: OfflineDump,
  now: Date,
  source: SnapshotSource,
): StatefulSetSnapshot {
  const namespace = set.metadata?.namespace ?? 'default';
  const inNamespace = <T extends KubeObject>(objects: T[]) =>
    objects.filter((o) => (o.metadata?.namespace ?? 'default') === namespace);
  const pods = inNamespace(dump.pods).filter((p) => selectorMatches(set.spec?.selector, p.metadata?.labels));
  const claims = inNamespace(dump.claims);
  const volumes = new Map<string, PersistentVolume>();
  for (const volume of dump.volumes) {
    const boundTo = volume.spec?.claimRef;
    const referenced = claims.some((c) => c.spec?.volumeName === volume.metadata?.name);
    // Released volumes of deleted claims still name them in claimRef.
    if (referenced || boundTo?.namespace === namespace) {
      volumes.set(volume.metadata?.name ?? '', volume);
    }
  }
  const serviceName = set.spec?.serviceName;
  const service = serviceName
    ? inNamespace(dump.services).find((s) => s.metadata?.name === serviceName)
    : undefined;
  const endpointSlices = inNamespace(dump.endpointSlices).filter(
    (slice) =>
      serviceName !== undefined && slice.metadata?.labels?.['kubernetes.io/service-name'] === serviceName,
  );
  const names = new Set<string>([
    `StatefulSet/${set.metadata?.name}`,
    ...pods.map((p) => `Pod/${p.metadata?.name}`),
    ...claims.map((c) => `PersistentVolumeClaim/${c.metadata?.name}`),
    ...[...volumes.keys()].map((v) => `PersistentVolume/${v}`),
  ]);
  // Pods that are already gone still have events worth reading (FailedCreate, Killing…).
  const setPrefix = `${set.metadata?.name}-`;
  const events = dump.events.filter(
    (e) =>
      involves(e, namespace, names) ||
      (e.involvedObject?.kind === 'Pod' &&
        (e.involvedObject.namespace ?? e.metadata?.namespace) === namespace &&
        (e.involvedObject.name ?? '').startsWith(setPrefix) &&
        /^\d+$/.test((e.involvedObject.name ?? '').slice(setPrefix.length))),
  );
  const revisions = inNamespace(dump.revisions).filter((r) =>
    (r.metadata?.ownerReferences ?? []).some(
      (o) => o.kind === 'StatefulSet' && o.name === set.metadata?.name,
    ),
  );
  // Known per namespace: Services of other namespaces say nothing about this one's.
  const unreadable: Unreadable[] = KIND_RESOURCES.filter(([kind]) => {
    const namespaces = dump.presence.get(kind);
    return !namespaces || !namespaces.has(CLUSTER_SCOPED.has(kind) ? '' : namespace);
  }).map(([kind, resource, unchecked]) => ({
    resource,
    reason: 'offline',
    message: `${resource}${CLUSTER_SCOPED.has(kind) ? '' : ` of namespace ${namespace}`} are not in the dump: ${unchecked} not checked`,
    ...(CLUSTER_SCOPED.has(kind) ? {} : { namespace }),
    unchecked,
  }));
  // Pods of the namespace are in the dump, but none of this set's although its status counts
  // some: the dump was not taken of them (`kubectl get pods -l app=other`, objects from
  // elsewhere). Reading that as "not created" would contradict the set's own status.
  // A whole list of the namespace's pods (a bundle's pods/<namespace>.json) is not partial.
  const counted = set.status?.replicas ?? 0;
  if (
    pods.length === 0 &&
    counted > 0 &&
    !dump.listed.has(`Pod/${namespace}`) &&
    !unreadable.some((u) => u.resource === 'pods')
  ) {
    unreadable.unshift({
      resource: 'pods',
      reason: 'offline',
      message: `none of ${set.metadata?.name}'s pods are in the dump although its status counts ${counted}: they were not captured`,
      why: `none of ${set.metadata?.name}'s pods are in the dump although its status counts ${counted}: they were not captured, so its pods are unknown`,
      unchecked: KIND_RESOURCES[0]![2],
    });
  }
  return {
    statefulSet: set,
    pods,
    claims,
    volumes,
    service,
    endpointSlices,
    events,
    storageClasses: dump.storageClasses,
    nodes: dump.nodes,
    revisions,
    unreadable,
    now,
    source,
  };
}

/** The directory all the dump's files are under (what was given to -f). */
function dumpPath(dump: OfflineDump): string {
  const [first, ...rest] = dump.sources;
  if (!first) return '';
  let prefix = first;
  for (const other of rest) while (!other.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.replace(/[^/\\]*$/, '').replace(/[/\\]$/, '') || '.';
}

/** One snapshot per StatefulSet in the dump that matches the options, ordered by namespace and name. */
export function snapshotsFromDump(dump: OfflineDump, options: OfflineOptions = {}): StatefulSetSnapshot[] {
  const source = sourceOf(dump);
  const now = options.now ?? (source.asOf ? new Date(source.asOf) : new Date(0));
  const sets = dump.statefulSets
    .filter(
      (s) => options.namespace === undefined || (s.metadata?.namespace ?? 'default') === options.namespace,
    )
    .filter((s) => options.name === undefined || s.metadata?.name === options.name)
    .sort((a, b) =>
      `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
        `${b.metadata?.namespace}/${b.metadata?.name}`,
      ),
    );
  if (options.name !== undefined && sets.length === 0) {
    const present = dump.statefulSets.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`).sort();
    const where = options.namespace ? ` in namespace "${options.namespace}"` : '';
    throw new StsError(`statefulset "${options.name}" not found${where} in the dump`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: present.length
        ? `the dump holds: ${present.join(', ')} (use -n to pick the namespace)`
        : 'the dump holds no StatefulSets; include `sts` in the `kubectl get` that made it',
    });
  }
  return sets.map((set) => snapshotOf(set, dump, now, source));
}

/**
 * The snapshot of one named set. Without a namespace the whole dump is searched, and a name
 * found in several namespaces asks for -n rather than guessing.
 */
export function snapshotFromDump(
  dump: OfflineDump,
  name: string,
  options: Omit<OfflineOptions, 'name'> = {},
): StatefulSetSnapshot {
  const found = snapshotsFromDump(dump, { ...options, name });
  if (found.length > 1) {
    throw usageError(
      `statefulset "${name}" is in several namespaces of the dump (${found
        .map((s) => s.statefulSet.metadata?.namespace)
        .join(', ')})`,
      'pick one with -n',
    );
  }
  return found[0]!;
}
