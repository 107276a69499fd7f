// `kubectl sts status` without NAME: one line of health per StatefulSet, built from lists read
// once for the whole namespace (or cluster) and split per set in memory.
import type {
  EndpointSlice,
  KubeEvent,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
  StorageClass,
} from '../kube/types.ts';
import { selectorMatches } from './selector.ts';
import type { Diagnostic, Severity, StatefulSetSnapshot, Unreadable } from './snapshot.ts';
import { buildStatusReport } from './status.ts';
import type { StatusOptions, StatusReport } from './status.ts';
import { volumesOfSet } from './volumes.ts';

export type Health = 'Healthy' | 'Progressing' | 'Degraded';

export interface StatefulSetHealth {
  namespace: string;
  name: string;
  /** The StatefulSet's own labels. */
  labels: Record<string, string>;
  replicas: { desired: number; ready: number; updated: number };
  /** `current` when every pod runs the current revision, `updating` while a rollout is under way, `pending` while the controller has not seen the latest spec. */
  revision: 'current' | 'updating' | 'pending';
  claims: { bound: number; total: number };
  health: Health;
  /** The most important thing to know, or null when healthy. */
  finding: string | null;
  diagnostics: Diagnostic[];
}

export interface OverviewReport {
  items: StatefulSetHealth[];
  unreadable: Unreadable[];
  generatedAt: string;
}

export interface OverviewInput {
  statefulSets: StatefulSet[];
  pods: Pod[];
  claims: PersistentVolumeClaim[];
  /** Services of the namespace(s), to hand each set its governing Service. */
  services?: Service[];
  /** The rest of what `status NAME` reads, for the namespace(s) or the cluster; absent = not read. */
  endpointSlices?: EndpointSlice[];
  events?: KubeEvent[];
  volumes?: PersistentVolume[];
  storageClasses?: StorageClass[];
  nodes?: Node[];
  unreadable: Unreadable[];
  now: Date;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const FAILING_STATUS =
  /BackOff|Err|Error|Failed|Unknown|OOMKilled|Evicted|ContainerCannotRun|DeadlineExceeded|^Init:(?!\d)/;

/** Health of one set, judged from its status report. */
export function healthOf(report: StatusReport): StatefulSetHealth {
  const set = report.statefulSet;
  const expected = report.pods.filter((row) => row.expected);
  const claims = expected.flatMap((row) => row.volumes);
  const sorted = [...report.diagnostics].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
  );
  const failing = expected.find((row) => row.exists && FAILING_STATUS.test(row.status));
  const lostClaim = claims.find((volume) => volume.phase === 'Lost');
  const notReady = expected.filter((row) => !row.ready);
  const pendingClaim = claims.find((volume) => volume.claimExists && volume.phase !== 'Bound');
  const generationBehind =
    set.generation.observed !== null &&
    set.generation.current !== null &&
    set.generation.observed < set.generation.current;
  const updating =
    set.revisions.current !== set.revisions.update || set.replicas.updated < set.replicas.desired;
  const revision = generationBehind ? 'pending' : updating ? 'updating' : 'current';

  let health: Health = 'Healthy';
  let finding: string | null = null;
  if (sorted[0]?.severity === 'error' || failing || lostClaim) {
    health = 'Degraded';
    finding = sorted[0]?.severity === 'error' ? sorted[0].message : null;
    finding ??= failing ? `${failing.name} is ${failing.status}` : `claim ${lostClaim!.claim} is Lost`;
  } else if (notReady.length > 0 || pendingClaim || revision !== 'current') {
    health = 'Progressing';
    if (sorted[0]) finding = sorted[0].message;
    else if (notReady.length > 0)
      finding = `${notReady.length} of ${expected.length} not ready: ${notReady
        .slice(0, 3)
        .map((row) => `${row.name} (${row.status})`)
        .join(', ')}${notReady.length > 3 ? ', …' : ''}`;
    else if (pendingClaim) finding = `claim ${pendingClaim.claim} is ${pendingClaim.phase}`;
    else if (generationBehind)
      finding = `controller has not observed generation ${set.generation.current} yet (observed ${set.generation.observed})`;
    else
      finding = `rolling out ${set.revisions.update ?? 'a new revision'}: ${set.replicas.updated}/${set.replicas.desired} updated`;
  } else if (sorted[0]) {
    finding = sorted[0].message;
  }
  return {
    namespace: set.namespace,
    name: set.name,
    labels: set.labels,
    replicas: {
      desired: set.replicas.desired,
      ready: expected.filter((row) => row.ready).length,
      updated: set.replicas.updated,
    },
    revision,
    claims: { bound: claims.filter((volume) => volume.phase === 'Bound').length, total: claims.length },
    health,
    finding,
    diagnostics: report.diagnostics,
  };
}

export function buildOverview(input: OverviewInput, options: Omit<StatusOptions, 'now'>): OverviewReport {
  const key = (namespace: string | undefined, name: string | undefined) =>
    `${namespace ?? 'default'}/${name ?? ''}`;
  const podsByNamespace = new Map<string, Pod[]>();
  for (const pod of input.pods) {
    const namespace = pod.metadata?.namespace ?? 'default';
    const list = podsByNamespace.get(namespace) ?? [];
    list.push(pod);
    podsByNamespace.set(namespace, list);
  }
  const claimsByNamespace = new Map<string, PersistentVolumeClaim[]>();
  for (const claim of input.claims) {
    const namespace = claim.metadata?.namespace ?? 'default';
    const list = claimsByNamespace.get(namespace) ?? [];
    list.push(claim);
    claimsByNamespace.set(namespace, list);
  }
  const services = new Map(
    (input.services ?? []).map((svc) => [key(svc.metadata?.namespace, svc.metadata?.name), svc]),
  );

  const items = [...input.statefulSets]
    .sort((a, b) =>
      key(a.metadata?.namespace, a.metadata?.name).localeCompare(
        key(b.metadata?.namespace, b.metadata?.name),
      ),
    )
    .map((set) => {
      const namespace = set.metadata?.namespace ?? 'default';
      const claims = claimsByNamespace.get(namespace) ?? [];
      const serviceName = set.spec?.serviceName;
      const snapshot: StatefulSetSnapshot = {
        statefulSet: set,
        pods: (podsByNamespace.get(namespace) ?? []).filter((pod) =>
          selectorMatches(set.spec?.selector, pod.metadata?.labels),
        ),
        claims,
        volumes: volumesOfSet(set, claims, input.volumes ?? []),
        service: services.get(key(namespace, serviceName)),
        endpointSlices: (input.endpointSlices ?? []).filter(
          (slice) =>
            (slice.metadata?.namespace ?? 'default') === namespace &&
            serviceName !== undefined &&
            slice.metadata?.labels?.['kubernetes.io/service-name'] === serviceName,
        ),
        events: (input.events ?? []).filter(
          (event) =>
            (event.metadata?.namespace ?? event.involvedObject?.namespace ?? 'default') === namespace,
        ),
        storageClasses: input.storageClasses ?? [],
        nodes: input.nodes ?? [],
        revisions: [],
        unreadable: input.unreadable,
        now: input.now,
      };
      return healthOf(buildStatusReport(snapshot, { ...options, now: input.now }));
    });
  return { items, unreadable: input.unreadable, generatedAt: input.now.toISOString() };
}
