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
import type { RolloutState } from './rollout.ts';
import type { Diagnostic, Severity, SnapshotSource, StatefulSetSnapshot, Unreadable } from './snapshot.ts';
import { buildStatusReport } from './status.ts';
import type { StatusOptions, StatusReport } from './status.ts';
import { volumesOfSet } from './volumes.ts';

/**
 * Healthy: nothing to do. Progressing: pods starting, claims binding or a rollout under way.
 * Warning: settled, but a finding needs attention. Degraded: an error finding, a failing pod or a
 * lost claim. A set `--problems` lists (a warning or an error finding) is never Healthy.
 */
export type Health = 'Healthy' | 'Progressing' | 'Warning' | 'Degraded';

export interface StatefulSetHealth {
  namespace: string;
  name: string;
  /** The StatefulSet's own labels. */
  labels: Record<string, string>;
  /** `ready` from the pods, or from status.readyReplicas when pods were not read; `updated` null when unknown. */
  replicas: { desired: number; ready: number; updated: number | null };
  /** The rollout's state, the same one `status NAME` reports (report.rollout). */
  revision: RolloutState;
  /**
   * Claims of the set's ordinals (`bound` of `total`), plus those kept for ordinals outside the
   * range; null when claims were not read.
   */
  claims: { bound: number; total: number; retained: number } | null;
  health: Health;
  /** The most important thing to know, or null when healthy. */
  finding: string | null;
  diagnostics: Diagnostic[];
}

export interface OverviewReport {
  /** Where the objects came from: absent for a live cluster. */
  source?: SnapshotSource;
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

/** Health of one set, judged from its status report: the same findings, rows and rollout state. */
export function healthOf(report: StatusReport): StatefulSetHealth {
  const set = report.statefulSet;
  const expected = report.pods.filter((row) => row.expected);
  const claims = expected.flatMap((row) => row.volumes);
  // Most severe first; the engine's rule order breaks ties (a rolling update before a note).
  // ClockSkew is about this machine's clock, not the set: never a set's FINDING.
  const sorted = report.diagnostics
    .filter((finding) => finding.code !== 'ClockSkew')
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) => SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity] || a.index - b.index,
    )
    .map(({ finding }) => finding);
  const top = sorted[0];
  const failing = expected.find((row) => row.exists === true && FAILING_STATUS.test(row.status));
  const lostClaim = claims.find((volume) => volume.phase === 'Lost');
  const ready = report.podsKnown ? expected.filter((row) => row.ready).length : set.replicas.ready;
  const notReady = report.podsKnown ? expected.filter((row) => !row.ready) : [];
  const pendingClaim = claims.find((volume) => volume.claimExists === true && volume.phase !== 'Bound');
  const revision = report.rollout.state;
  const progressing = ready < set.replicas.desired || pendingClaim !== undefined || revision !== 'current';

  let health: Health = 'Healthy';
  let finding: string | null = top?.message ?? null;
  if (top?.severity === 'error' || failing || lostClaim) {
    health = 'Degraded';
    if (top?.severity !== 'error')
      finding = failing ? `${failing.name} is ${failing.status}` : `claim ${lostClaim!.claim} is Lost`;
  } else if (progressing) {
    health = 'Progressing';
    if (!top) {
      if (notReady.length > 0)
        finding = `${notReady.length} of ${expected.length} not ready: ${notReady
          .slice(0, 3)
          .map((row) => `${row.name} (${row.status})`)
          .join(', ')}${notReady.length > 3 ? ', …' : ''}`;
      else if (!report.podsKnown && ready < set.replicas.desired)
        finding = `${ready} of ${set.replicas.desired} ready (status.readyReplicas; pods not read)`;
      else if (pendingClaim) finding = `claim ${pendingClaim.claim} is ${pendingClaim.phase}`;
      else if (revision === 'pending')
        finding = `controller has not observed generation ${set.generation.current} yet (observed ${set.generation.observed ?? 'never'})`;
      else
        finding = `rolling out ${set.revisions.update ?? 'a new revision'}${
          report.rollout.updated !== null ? `: ${report.rollout.updated}/${set.replicas.desired} updated` : ''
        }`;
    }
  } else if (top?.severity === 'warning') {
    health = 'Warning';
  }
  return {
    namespace: set.namespace,
    name: set.name,
    labels: set.labels,
    replicas: { desired: set.replicas.desired, ready, updated: report.rollout.updated },
    revision,
    claims: claims.some((volume) => volume.claimExists === null)
      ? null
      : {
          bound: claims.filter((volume) => volume.phase === 'Bound').length,
          total: claims.length,
          retained: report.retainedClaims?.claims.length ?? 0,
        },
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

  // A list the caller did not pass was not read: unknown, not empty (no ServiceMissing from it).
  const notPassed: Unreadable[] = (
    [
      ['services', input.services],
      ['endpointslices', input.endpointSlices],
      ['events', input.events],
      ['persistentvolumes', input.volumes],
    ] as const
  )
    .filter(
      ([resource, list]) => list === undefined && !input.unreadable.some((u) => u.resource === resource),
    )
    .map(([resource]) => ({ resource, reason: 'error', message: `${resource} were not read` }));
  const unreadable = [...input.unreadable, ...notPassed];
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
        unreadable,
        now: input.now,
      };
      return healthOf(buildStatusReport(snapshot, { ...options, now: input.now }));
    });
  return { items, unreadable: input.unreadable, generatedAt: input.now.toISOString() };
}
