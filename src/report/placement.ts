// Where a pod could be scheduled right now, judged from the objects alone: the filters of the
// default scheduler that a pod re-created under the same name meets first — NodeUnschedulable
// (cordon), TaintToleration, the node's Ready condition, NodeAffinity (nodeSelector and required
// node affinity) and VolumeBinding's node affinity of the volumes the pod's claims are bound to
// (a zonal disk, a local volume). Resource fit and inter-pod affinity are not modelled.
import type { Node, PersistentVolume, Pod } from '../kube/types.ts';

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** The taint `kubectl cordon` stands for: a pod tolerating it may land on a cordoned node. */
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** v1.Toleration.ToleratesTaint: effect, then key (an empty key with Exists matches all), then value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator || 'Equal';
  if (toleration.key !== taint.key && !(!toleration.key && operator === 'Exists')) return false;
  if (operator === 'Exists') return true;
  return operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? '');
}

export function podTolerations(pod: Pod): Toleration[] {
  return (pod.spec?.tolerations ?? []) as Toleration[];
}

/** `key=value:Effect`, as kubectl describe shows a taint. */
export function formatTaint(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

function requirementMatches(requirement: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const have = Number.parseInt(value ?? '', 10);
      const limit = Number.parseInt(values[0] ?? '', 10);
      if (Number.isNaN(have) || Number.isNaN(limit)) return false;
      return requirement.operator === 'Gt' ? have > limit : have < limit;
    }
    default:
      return false;
  }
}

/** One term: every expression and field requirement holds (an empty term matches nothing). */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    expressions.every((r) =>
      requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined),
    ) &&
    fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata?.name : undefined))
  );
}

/** Terms are ORed; no terms at all means no constraint. */
export function nodeSelectorTermsMatch(terms: NodeSelectorTerm[] | undefined, node: Node): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => termMatches(term, node));
}

/** `kubernetes.io/hostname in (sim-worker)`, terms joined by `or`. */
export function describeNodeSelectorTerms(terms: NodeSelectorTerm[]): string {
  const requirement = (r: NodeSelectorRequirement): string => {
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        return `${r.key} ${r.operator === 'In' ? 'in' : 'not in'} (${(r.values ?? []).join(', ')})`;
      case 'Exists':
        return r.key;
      case 'DoesNotExist':
        return `!${r.key}`;
      case 'Gt':
        return `${r.key} > ${r.values?.[0] ?? ''}`;
      case 'Lt':
        return `${r.key} < ${r.values?.[0] ?? ''}`;
      default:
        return `${r.key} ${r.operator}`;
    }
  };
  return terms
    .map((term) =>
      [...(term.matchExpressions ?? []), ...(term.matchFields ?? [])].map(requirement).join(', '),
    )
    .join(' or ');
}

export function volumeNodeTerms(volume: PersistentVolume): NodeSelectorTerm[] {
  return (volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as NodeSelectorTerm[];
}

function podAffinityTerms(pod: Pod): NodeSelectorTerm[] | undefined {
  const affinity = pod.spec?.affinity as
    | {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
        };
      }
    | undefined;
  return affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
}

export interface NodeFit {
  node: string;
  /** Why the pod cannot land there; empty when it can. */
  reasons: string[];
  /** The node lies inside every bound volume's node affinity (so only the other reasons keep the pod off it). */
  volumesReachable: boolean;
}

export interface Placement {
  /** Nodes where the pod could be scheduled now. */
  fits: string[];
  /** Every node, with its reasons. */
  nodes: NodeFit[];
  /** Bound volumes that constrain the nodes (with their affinity, readable). */
  pinnedBy: { volume: string; terms: string }[];
}

/**
 * Which nodes could take `pod` if it were created again now with the same spec and claims,
 * bound to `volumes`.
 */
export function placementFor(pod: Pod, volumes: PersistentVolume[], nodes: Node[]): Placement {
  const tolerations = podTolerations(pod);
  const tolerated = (taint: Taint): boolean => tolerations.some((t) => toleratesTaint(t, taint));
  const pinned = volumes.filter((v) => volumeNodeTerms(v).length > 0);
  const affinity = podAffinityTerms(pod);
  const selector = Object.entries(pod.spec?.nodeSelector ?? {});
  const verdicts = nodes.map((node): NodeFit => {
    const reasons: string[] = [];
    const name = node.metadata?.name ?? '';
    const volumesReachable = pinned.every((v) => nodeSelectorTermsMatch(volumeNodeTerms(v), node));
    if (!volumesReachable) {
      const outside = pinned.filter((v) => !nodeSelectorTermsMatch(volumeNodeTerms(v), node));
      reasons.push(`outside the node affinity of volume ${outside.map((v) => v.metadata?.name).join(', ')}`);
    }
    if (node.spec?.unschedulable && !tolerated(UNSCHEDULABLE_TAINT)) reasons.push('cordoned');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (ready !== 'True') reasons.push(ready === 'False' ? 'not Ready' : 'not Ready (Unknown)');
    for (const taint of (node.spec?.taints ?? []) as Taint[]) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      // The node lifecycle controller's own taints for the states named above say nothing new.
      if (taint.key === UNSCHEDULABLE_TAINT.key && node.spec?.unschedulable) continue;
      if (/^node\.kubernetes\.io\/(not-ready|unreachable)$/.test(taint.key) && ready !== 'True') continue;
      if (!tolerated(taint)) reasons.push(`taint ${formatTaint(taint)} not tolerated`);
    }
    const labels = node.metadata?.labels ?? {};
    if (selector.some(([key, value]) => labels[key] !== value) || !nodeSelectorTermsMatch(affinity, node))
      reasons.push("does not match the pod's nodeSelector or node affinity");
    return { node: name, reasons, volumesReachable };
  });
  return {
    fits: verdicts.filter((v) => v.reasons.length === 0).map((v) => v.node),
    nodes: verdicts,
    pinnedBy: pinned.map((v) => ({
      volume: v.metadata?.name ?? '',
      terms: describeNodeSelectorTerms(volumeNodeTerms(v)),
    })),
  };
}
