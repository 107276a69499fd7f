// Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` answers, with the
// columns and cell formats of kubernetes pkg/printers/internalversion, so `kubectl get` (and
// `-o wide`, whose extra columns have priority 1) prints what it prints against a real cluster.
import type { ResourceName } from '../contract.ts';
import type { Json } from './json.ts';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 1 = shown only with -o wide. */
  priority: number;
}

interface Printer {
  columns: Column[];
  cells(object: Json, now: Date): unknown[];
}

function col(name: string, type: Column['type'] = 'string', priority = 0, format = ''): Column {
  return { name, type, format, description: `${name} column`, priority };
}

const NAME = { ...col('Name', 'string', 0, 'name'), description: 'Name must be unique within a namespace.' };
const AGE = {
  ...col('Age'),
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** Go's duration.HumanDuration: `5m2s`, `3h`, `12d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  return humanDuration(now.getTime() - new Date(timestamp).getTime());
}

function mapSelectorString(selector: Record<string, string> | undefined): string {
  const parts = Object.entries(selector ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '<none>' : parts.sort().join(',');
}

/** The STATUS column of `kubectl get pods`, computed as printPod does. */
export function podStatusReason(pod: Json): string {
  const status = pod.status ?? {};
  let reason: string = status.reason || status.phase || '';
  const initStatuses: Json[] = status.initContainerStatuses ?? [];
  const initContainers: Json[] = pod.spec?.initContainers ?? [];
  let initializing = false;
  initStatuses.forEach((container, i) => {
    if (initializing) return;
    const state = container.state ?? {};
    const restartable = initContainers[i]?.restartPolicy === 'Always';
    if (state.terminated && state.terminated.exitCode === 0) return;
    if (restartable && container.started) return;
    if (state.terminated) {
      if (!state.terminated.reason) {
        reason = state.terminated.signal
          ? `Init:Signal:${state.terminated.signal}`
          : `Init:ExitCode:${state.terminated.exitCode}`;
      } else {
        reason = `Init:${state.terminated.reason}`;
      }
      initializing = true;
    } else if (state.waiting && state.waiting.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
      initializing = true;
    }
  });
  if (!initializing || isPodInitializedConditionTrue(status)) {
    let hasRunning = false;
    const statuses: Json[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const state = statuses[i]!.state ?? {};
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated?.reason) reason = state.terminated.reason;
      else if (state.terminated && !state.terminated.reason) {
        reason = state.terminated.signal
          ? `Signal:${state.terminated.signal}`
          : `ExitCode:${state.terminated.exitCode}`;
      } else if (statuses[i]!.ready && state.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True')
        ? 'Running'
        : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !isPodPhaseTerminal(status.phase)) reason = 'Terminating';
  return reason;
}

function isPodInitializedConditionTrue(status: Json): boolean {
  return (status.conditions ?? []).some((c: Json) => c.type === 'Initialized' && c.status === 'True');
}

function isPodPhaseTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function podRestarts(pod: Json, now: Date): string {
  let restarts = 0;
  let lastRestart: number | undefined;
  const statuses: Json[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const container of statuses) {
    restarts += container.restartCount ?? 0;
    const finished = container.lastState?.terminated?.finishedAt;
    if (finished) {
      const time = new Date(finished).getTime();
      if (lastRestart === undefined || time > lastRestart) lastRestart = time;
    }
  }
  if (restarts > 0 && lastRestart !== undefined)
    return `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return String(restarts);
}

function podReady(pod: Json): string {
  const statuses: Json[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  const ready = statuses.filter((c) => c.ready).length;
  const sidecars = (pod.spec?.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always');
  const readySidecars = (pod.status?.initContainerStatuses ?? []).filter(
    (c: Json) => c.ready && sidecars.some((s: Json) => s.name === c.name),
  ).length;
  return `${ready + readySidecars}/${total + sidecars.length}`;
}

function readinessGates(pod: Json): string {
  const gates: Json[] = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const trueCount = gates.filter((g) =>
    (pod.status?.conditions ?? []).some((c: Json) => c.type === g.conditionType && c.status === 'True'),
  ).length;
  return `${trueCount}/${gates.length}`;
}

function accessModes(modes: string[] | undefined): string {
  const short: Record<string, string> = {
    ReadWriteOnce: 'RWO',
    ReadOnlyMany: 'ROX',
    ReadWriteMany: 'RWX',
    ReadWriteOncePod: 'RWOP',
  };
  return (modes ?? []).map((m) => short[m] ?? m).join(',');
}

function containersAndImages(spec: Json | undefined): [string, string] {
  const containers: Json[] = spec?.containers ?? [];
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

function servicePorts(ports: Json[] | undefined): string {
  if (!ports || ports.length === 0) return '<none>';
  return ports
    .map((p) =>
      p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIP(svc: Json): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  const external: string[] = svc.spec?.externalIPs ?? [];
  if (type === 'ClusterIP' || type === 'NodePort') return external.length > 0 ? external.join(',') : '<none>';
  if (type === 'ExternalName') return svc.spec?.externalName ?? '<none>';
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i: Json) => i.ip || i.hostname);
  const all = [...ingress, ...external];
  return all.length > 0 ? all.join(',') : '<pending>';
}

function nodeStatus(node: Json): string {
  const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: Json): string {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  const kubernetesRole = node.metadata?.labels?.['kubernetes.io/role'];
  if (kubernetesRole) roles.push(kubernetesRole);
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function nodeAddress(node: Json, type: string): string {
  return (node.status?.addresses ?? []).find((a: Json) => a.type === type)?.address ?? '<none>';
}

function intOrPercent(value: unknown): string {
  return value === undefined || value === null ? 'N/A' : String(value);
}

function eventObject(event: Json): string {
  const kind = String(event.involvedObject?.kind ?? '').toLowerCase();
  return `${kind}/${event.involvedObject?.name ?? ''}`;
}

function eventLastSeen(event: Json, now: Date): string {
  const last =
    event.series?.lastObservedTime ??
    event.lastTimestamp ??
    event.eventTime ??
    event.metadata?.creationTimestamp;
  return age(last, now);
}

const PRINTERS: Partial<Record<ResourceName, Printer>> = {
  pods: {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    cells: (pod, now) => [
      pod.metadata.name,
      podReady(pod),
      podStatusReason(pod),
      podRestarts(pod, now),
      age(pod.metadata.creationTimestamp, now),
      pod.status?.podIP || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ],
  },
  statefulsets: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (sts, now) => [
      sts.metadata.name,
      `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 1}`,
      age(sts.metadata.creationTimestamp, now),
      ...containersAndImages(sts.spec?.template?.spec),
    ],
  },
  persistentvolumeclaims: {
    columns: [
      NAME,
      col('Status'),
      col('Volume'),
      col('Capacity'),
      col('Access Modes'),
      col('StorageClass'),
      col('VolumeAttributesClass'),
      AGE,
      col('VolumeMode', 'string', 1),
    ],
    cells: (pvc, now) => {
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
      const bound = !!pvc.spec?.volumeName;
      return [
        pvc.metadata.name,
        phase,
        pvc.spec?.volumeName ?? '',
        bound ? (pvc.status?.capacity?.storage ?? '') : '',
        bound ? accessModes(pvc.status?.accessModes) : '',
        pvc.spec?.storageClassName ?? '',
        pvc.spec?.volumeAttributesClassName ?? '<unset>',
        age(pvc.metadata.creationTimestamp, now),
        pvc.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  persistentvolumes: {
    columns: [
      NAME,
      col('Capacity'),
      col('Access Modes'),
      col('Reclaim Policy'),
      col('Status'),
      col('Claim'),
      col('StorageClass'),
      col('VolumeAttributesClass'),
      col('Reason'),
      AGE,
      col('VolumeMode', 'string', 1),
    ],
    cells: (pv, now) => {
      const ref = pv.spec?.claimRef;
      const phase = pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
      return [
        pv.metadata.name,
        pv.spec?.capacity?.storage ?? '',
        accessModes(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        phase,
        ref ? `${ref.namespace}/${ref.name}` : '',
        pv.spec?.storageClassName ?? '',
        pv.spec?.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        age(pv.metadata.creationTimestamp, now),
        pv.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  services: {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', 1),
    ],
    cells: (svc, now) => [
      svc.metadata.name,
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIP || '<none>',
      externalIP(svc),
      servicePorts(svc.spec?.ports),
      age(svc.metadata.creationTimestamp, now),
      mapSelectorString(svc.spec?.selector),
    ],
  },
  endpointslices: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (slice, now) => {
      const ports: Json[] = slice.ports ?? [];
      const portText =
        ports.length === 0
          ? '<unset>'
          : ports.map((p) => (p.port === undefined ? '<unset>' : String(p.port))).join(',');
      const addresses: string[] = (slice.endpoints ?? []).flatMap((e: Json) => e.addresses ?? []);
      let endpoints = '<none>';
      if (addresses.length > 0) {
        endpoints = addresses.slice(0, 3).join(',');
        if (addresses.length > 3) endpoints += ` + ${addresses.length - 3} more...`;
      }
      return [
        slice.metadata.name,
        slice.addressType ?? '',
        portText,
        endpoints,
        age(slice.metadata.creationTimestamp, now),
      ];
    },
  },
  endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (ep, now) => {
      const list: string[] = [];
      for (const subset of ep.subsets ?? []) {
        for (const address of subset.addresses ?? []) {
          for (const port of subset.ports ?? [{}])
            list.push(port.port ? `${address.ip}:${port.port}` : address.ip);
        }
      }
      let text = list.length === 0 ? '<none>' : list.slice(0, 3).join(',');
      if (list.length > 3) text += ` + ${list.length - 3} more...`;
      return [ep.metadata.name, text, age(ep.metadata.creationTimestamp, now)];
    },
  },
  events: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'string', 1),
      { ...NAME, priority: 1 },
    ],
    cells: (event, now) => {
      const source = event.source?.component
        ? event.source.host
          ? `${event.source.component}, ${event.source.host}`
          : event.source.component
        : (event.reportingComponent ?? '');
      return [
        eventLastSeen(event, now),
        event.type ?? '',
        event.reason ?? '',
        eventObject(event),
        event.involvedObject?.fieldPath ?? '',
        source,
        String(event.message ?? '').trim(),
        age(event.firstTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp, now),
        String(event.count ?? 1),
        event.metadata.name,
      ];
    },
  },
  nodes: {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: (node, now) => [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      node.status?.nodeInfo?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      node.status?.nodeInfo?.osImage || '<unknown>',
      node.status?.nodeInfo?.kernelVersion || '<unknown>',
      node.status?.nodeInfo?.containerRuntimeVersion || '<unknown>',
    ],
  },
  namespaces: {
    columns: [NAME, col('Status'), AGE],
    cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)],
  },
  storageclasses: {
    columns: [
      NAME,
      col('Provisioner'),
      col('ReclaimPolicy'),
      col('VolumeBindingMode'),
      col('AllowVolumeExpansion'),
      AGE,
    ],
    cells: (sc, now) => [
      sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'
        ? `${sc.metadata.name} (default)`
        : sc.metadata.name,
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      String(sc.allowVolumeExpansion ?? false),
      age(sc.metadata.creationTimestamp, now),
    ],
  },
  controllerrevisions: {
    columns: [NAME, col('Controller'), col('Revision', 'integer'), AGE],
    cells: (cr, now) => {
      const owner = (cr.metadata.ownerReferences ?? []).find((r: Json) => r.controller);
      const controller = owner
        ? `${String(owner.kind).toLowerCase()}.${String(owner.apiVersion).split('/')[0]}/${owner.name}`
        : '<none>';
      return [cr.metadata.name, controller, cr.revision ?? 0, age(cr.metadata.creationTimestamp, now)];
    },
  },
  poddisruptionbudgets: {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
    cells: (pdb, now) => [
      pdb.metadata.name,
      intOrPercent(pdb.spec?.minAvailable),
      intOrPercent(pdb.spec?.maxUnavailable),
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb.metadata.creationTimestamp, now),
    ],
  },
  configmaps: {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (cm, now) => [
      cm.metadata.name,
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      age(cm.metadata.creationTimestamp, now),
    ],
  },
  secrets: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (secret, now) => [
      secret.metadata.name,
      secret.type ?? 'Opaque',
      Object.keys(secret.data ?? {}).length,
      age(secret.metadata.creationTimestamp, now),
    ],
  },
  leases: {
    columns: [NAME, col('Holder'), AGE],
    cells: (lease, now) => [
      lease.metadata.name,
      lease.spec?.holderIdentity ?? '',
      age(lease.metadata.creationTimestamp, now),
    ],
  },
  serviceaccounts: {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (sa, now) => [
      sa.metadata.name,
      (sa.secrets ?? []).length,
      age(sa.metadata.creationTimestamp, now),
    ],
  },
};

const DEFAULT_PRINTER: Printer = {
  columns: [NAME, { ...AGE, name: 'Created At', type: 'date' }],
  cells: (object) => [object.metadata?.name, object.metadata?.creationTimestamp],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function partialMetadata(object: Json): Json {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function tableRow(resource: ResourceName, object: Json, now: Date, include: IncludeObject): Json {
  const printer = PRINTERS[resource] ?? DEFAULT_PRINTER;
  const row: Json = { cells: printer.cells(object, now) };
  if (include === 'Object') row.object = object;
  else if (include === 'Metadata') row.object = partialMetadata(object);
  return row;
}

export function toTable(
  resource: ResourceName,
  objects: Json[],
  now: Date,
  include: IncludeObject,
  listMeta: Json,
  withColumns = true,
): Json {
  const printer = PRINTERS[resource] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? printer.columns : null,
    rows: objects.map((object) => tableRow(resource, object, now, include)),
  };
}

/** Accept asks for a Table (kubectl get's human output). */
export function wantsTable(accept: string | undefined): boolean {
  // The first acceptable type wins; a Table in a type the simulator cannot write (protobuf) is
  // skipped for the next one, which kubectl always offers as JSON.
  const types = (accept ?? '').split(',').map((t) => t.trim());
  const first = types.find((t) => t.startsWith('application/json') || t === '*/*' || t === '');
  return first !== undefined && first.includes('as=Table');
}
