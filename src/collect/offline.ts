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
import { checkDumpObject } from './dump-schema.ts';
import type { StatefulSetSnapshot, Unreadable } from '../report/snapshot.ts';

/** Objects read from a dump, by kind, with the files they came from. */
export interface OfflineDump {
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
  const files = info.isDirectory() ? await dumpFilesUnder(path) : [path];
  if (files.length === 0) {
    throw usageError(
      `no .yaml, .yml or .json files in "${path}"`,
      'point -f at a dump file or a directory of them',
    );
  }
  const objects: KubeObject[] = [];
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
    objects.push(...parseDump(text, file));
  }
  return groupObjects(objects, files);
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
  const documents: unknown[] = [];
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return [];
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
  const objects: KubeObject[] = [];
  const visit = (value: unknown, kindFromList?: string) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, kindFromList);
      return;
    }
    if (typeof value !== 'object') {
      throw usageError(
        `"${source}" holds something that is not a Kubernetes object`,
        'pass a `kubectl get -o yaml` dump',
      );
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
        object.kind && object.kind !== 'List' ? object.kind.slice(0, -'List'.length) : undefined;
      visit(object.items, itemKind);
      return;
    }
    if (!object.kind && kindFromList) object.kind = kindFromList;
    if (!object.kind) return;
    checkDumpObject(object as unknown as Record<string, unknown>, source);
    objects.push(object);
  };
  for (const document of documents) visit(document);
  return objects;
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
    for (const document of parseAllDocuments(text)) {
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

export function groupObjects(objects: KubeObject[], sources: string[]): OfflineDump {
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
  };
  for (const object of unique.values()) {
    dump.kinds.add(object.kind!);
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

const KIND_RESOURCES: [kind: string, resource: string][] = [
  ['Pod', 'pods'],
  ['PersistentVolumeClaim', 'persistentvolumeclaims'],
  ['PersistentVolume', 'persistentvolumes'],
  ['Service', 'services'],
  ['EndpointSlice', 'endpointslices'],
  ['Event', 'events'],
  ['StorageClass', 'storageclasses'],
  ['Node', 'nodes'],
  ['ControllerRevision', 'controllerrevisions'],
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

function snapshotOf(set: StatefulSet, dump: OfflineDump, now: Date): StatefulSetSnapshot {
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
  const unreadable: Unreadable[] = KIND_RESOURCES.filter(([kind]) => !dump.kinds.has(kind)).map(
    ([, resource]) => ({
      resource,
      reason: 'offline',
      message: `${resource} are not in the dump`,
    }),
  );
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
  };
}

/** One snapshot per StatefulSet in the dump that matches the options, ordered by namespace and name. */
export function snapshotsFromDump(dump: OfflineDump, options: OfflineOptions = {}): StatefulSetSnapshot[] {
  const now = options.now ?? dumpTakenAt(dump) ?? new Date(0);
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
  return sets.map((set) => snapshotOf(set, dump, now));
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
