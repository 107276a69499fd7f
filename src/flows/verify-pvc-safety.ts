// The proof pre-flight owes before anything is written or evicted: removing this pod cannot
// lose a claim's data, cannot take the set below the availability its owner expects, and the
// pod can come back. Pure: the objects read in pre-flight in, a refusal (the first reason, in the
// order data > availability > budgets > placement) and the facts the plan shows out.
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  StatefulSet,
} from '../kube/types.ts';
import { describePodState } from '../report/diagnostics/facts.ts';
import { budgetState, budgetsCovering } from '../report/disruption.ts';
import { expectedOrdinals, ordinalFromPodName, podNameFor, podsByOrdinal } from '../report/ordinals.ts';
import { placementFor } from '../report/placement.ts';
import type { NodeFit } from '../report/placement.ts';
import { isPodReady } from '../report/readiness.ts';
import { claimHazards } from '../report/volumes.ts';
import type { ClaimHazard } from '../report/volumes.ts';
import type { PodSafety } from './verify-pvc-types.ts';

export type Readable<T> = T | { unreadable: string };

export function isUnreadable<T>(value: Readable<T>): value is { unreadable: string } {
  return typeof value === 'object' && value !== null && 'unreadable' in value;
}

export interface SafetyInput {
  statefulSet: StatefulSet;
  namespace: string;
  /** The pod to be removed, as pre-flight just read it. */
  pod: Pod;
  ordinal: number;
  /** The set's pods (listed by its selector). */
  setPods: Pod[];
  /** The pod's claims and the volumes they are bound to (undefined: not bound, or not readable). */
  claims: { claim: PersistentVolumeClaim; volume: PersistentVolume | undefined }[];
  budgets: Readable<PodDisruptionBudget[]>;
  nodes: Readable<Node[]>;
  removal: 'eviction' | 'delete';
  allowDegraded: boolean;
  now: Date;
}

export interface Refusal {
  message: string;
  hint: string;
}

export interface SafetyVerdict {
  safety: PodSafety;
  /** The first reason not to go on, or undefined when it is safe (or --allow-degraded accepts it). */
  refusal?: Refusal;
}

/** When the pod's containers first started (its volumes were mounted before), if known. */
function containersStartedAt(pod: Pod): number | undefined {
  const times = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .flatMap((status) => [
      status.state?.running?.startedAt,
      status.state?.terminated?.startedAt,
      status.lastState?.terminated?.startedAt,
    ])
    .map((time) => (time ? Date.parse(time) : Number.NaN))
    .filter((time) => !Number.isNaN(time));
  return times.length > 0 ? Math.min(...times) : undefined;
}

function hazardHint(
  hazard: ClaimHazard,
  claim: PersistentVolumeClaim,
  volume: PersistentVolume | undefined,
  namespace: string,
  pod: string,
): string {
  const name = claim.metadata?.name ?? '';
  const pv = claim.spec?.volumeName || volume?.metadata?.name;
  if (hazard.code === 'ClaimTerminating') {
    const keep =
      pv && volume?.spec?.persistentVolumeReclaimPolicy !== 'Retain'
        ? `; to keep the data once the pod goes, first set the volume's reclaim policy to Retain: kubectl patch pv ${pv} -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'`
        : '';
    return `verify-pvc will not remove ${pod}: back up what you need from it while it runs (kubectl describe pvc ${name} -n ${namespace} shows the claim)${keep}`;
  }
  if (hazard.code === 'ClaimOwnedByPod')
    return `nothing was touched; a claim that must outlive its pod needs no pod among its ownerReferences (kubectl get pvc ${name} -n ${namespace} -o yaml; see the set's persistentVolumeClaimRetentionPolicy)`;
  return `nothing was touched; inspect the binding: kubectl describe pvc ${name} -n ${namespace}${pv ? `; kubectl describe pv ${pv}` : ''}`;
}

/**
 * The pods among `names` (pod names of the set's ordinals) that are not serving now — missing,
 * terminating or not Ready — with what each is doing. Serving means what a Service's endpoints
 * go by: Ready and not terminating.
 */
export function notServingPods(
  statefulSet: StatefulSet,
  pods: Iterable<Pod>,
  names: string[],
  now: Date,
): { pod: string; state: string }[] {
  const setName = statefulSet.metadata?.name ?? '';
  const minReadySeconds = statefulSet.spec?.minReadySeconds ?? 0;
  const byName = new Map(
    [...podsByOrdinal([...pods], statefulSet)].map(([ordinal, pod]) => [podNameFor(setName, ordinal), pod]),
  );
  const found: { pod: string; state: string }[] = [];
  for (const name of names) {
    const pod = byName.get(name);
    if (!pod) found.push({ pod: name, state: 'missing (not created)' });
    else if (pod.metadata?.deletionTimestamp)
      found.push({ pod: name, state: `Terminating since ${pod.metadata.deletionTimestamp}` });
    else if (!isPodReady(pod)) found.push({ pod: name, state: describePodState(pod, minReadySeconds, now) });
  }
  return found;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** At most `limit` items, then "and N more". */
function some(items: string[], limit = 4): string {
  return items.length <= limit
    ? items.join('; ')
    : `${items.slice(0, limit).join('; ')}; and ${items.length - limit} more`;
}

function placementRefusal(
  pod: string,
  nodes: NodeFit[],
  pinnedBy: { volume: string; terms: string }[],
): Refusal {
  const reachable = nodes.filter((n) => n.volumesReachable);
  const pinned = pinnedBy.map((p) => `volume ${p.volume} is pinned to ${p.terms}`).join(', ');
  if (pinnedBy.length > 0 && reachable.length === 0)
    return {
      message: `the re-created pod ${pod} could not be scheduled: ${pinned}, and no node matches`,
      hint: `the nodes its volume needs are gone; bring one back (kubectl get nodes --show-labels), then retry`,
    };
  const candidates = pinnedBy.length > 0 ? reachable : nodes;
  const reasons = candidates.map((n) => `${n.node}: ${n.reasons.join(', ')}`);
  const cordoned = candidates.filter((n) => n.reasons.includes('cordoned')).map((n) => n.node);
  const fix =
    cordoned.length > 0
      ? `make a node schedulable again (kubectl uncordon ${cordoned.join(' ')}) or wait until one is, then retry`
      : 'wait until one of these nodes can take the pod (Ready, and no taint it does not tolerate), then retry';
  return {
    message: `the re-created pod ${pod} could not be scheduled${pinnedBy.length > 0 ? `: ${pinned}` : ''}, and no node it could run on is available (${some(reasons)})`,
    hint: `nothing was touched; ${fix}`,
  };
}

export function assessPod(input: SafetyInput): SafetyVerdict {
  const { statefulSet, namespace, pod, ordinal, now } = input;
  const setName = statefulSet.metadata?.name ?? '';
  const podName = pod.metadata?.name ?? podNameFor(setName, ordinal);
  const replicas = statefulSet.spec?.replicas ?? 1;
  const warnings: string[] = [];
  let refusal: Refusal | undefined;
  const refuse = (next: Refusal): void => {
    refusal ??= next;
  };

  // 1. Data: a claim that goes with its pod, or a claim that is not what the pod mounts.
  const startedAt = containersStartedAt(pod);
  for (const { claim, volume } of input.claims) {
    const [hazard] = claimHazards(claim, volume);
    if (hazard)
      refuse({ message: hazard.message, hint: hazardHint(hazard, claim, volume, namespace, podName) });
    const created = Date.parse(claim.metadata?.creationTimestamp ?? '');
    // Timestamps have one-second resolution: only a claim created a whole second after the
    // containers started cannot be the one they mounted.
    if (startedAt !== undefined && !Number.isNaN(created) && created - startedAt >= 1000)
      refuse({
        message: `claim ${claim.metadata?.name} was created at ${claim.metadata?.creationTimestamp}, after the containers of ${podName} started: the pod still uses the volume it mounted before, not ${claim.spec?.volumeName ?? 'the claim'}`,
        hint: `nothing was touched; copy what you need out of ${podName} first: once it is re-created it mounts the new claim's volume`,
      });
  }

  // 2. The pod's own node: an evicted pod on a node that does not answer stays Terminating.
  const nodeName = pod.spec?.nodeName;
  if (nodeName && !isUnreadable(input.nodes)) {
    const node = input.nodes.find((n) => n.metadata?.name === nodeName);
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    if (node && ready !== 'True')
      refuse({
        message: `${podName} runs on node ${nodeName}, which is not Ready (Ready=${ready ?? 'Unknown'}): an evicted pod there stays Terminating and is not re-created until the node answers`,
        hint: `nothing was touched; wait until ${nodeName} is Ready (kubectl get node ${nodeName}), then retry`,
      });
  }

  // 3. Availability: every other ordinal must be serving, so that replicas - 1 stay Ready.
  const others = expectedOrdinals(statefulSet)
    .filter((other) => other !== ordinal)
    .map((other) => podNameFor(setName, other));
  const othersNotReady = notServingPods(statefulSet, input.setPods, others, now);
  const othersReady = others.filter((name) => !othersNotReady.some((o) => o.pod === name));
  const readyWhileAway = othersReady.length;
  const degraded = readyWhileAway < replicas - 1;
  if (degraded) {
    const which = some(othersNotReady.map((o) => `${o.pod} is ${o.state}`));
    const summary = `removing ${podName} would leave ${readyWhileAway} of ${plural(replicas, 'replica')} Ready, fewer than ${replicas - 1}: ${which}`;
    if (!input.allowDegraded)
      refuse({
        message: summary,
        hint: `nothing was touched; get ${othersNotReady.map((o) => o.pod).join(', ')} Ready first (kubectl describe pod ${othersNotReady[0]!.pod} -n ${namespace}), or accept fewer Ready replicas during the check with --allow-degraded`,
      });
    else
      warnings.push(
        `--allow-degraded: ${summary}. While ${podName} is away ${readyWhileAway === 0 ? `${setName} has no Ready replica: clients get no answer from it` : `only ${readyWhileAway} replica(s) serve`}, a quorum-based database may stop accepting writes, and if ${podName} cannot come back it stays that way until someone fixes it`,
      );
  }
  // OrderedReady: the controller re-creates a missing ordinal only once every lower one is
  // Running and Ready (it stops at the first that is not); a pod removed above such a one does
  // not come back until someone fixes it, whatever --allow-degraded says.
  if ((statefulSet.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady') {
    const blocking = othersNotReady.filter(
      (other) => (ordinalFromPodName(other.pod, setName) ?? ordinal) < ordinal,
    );
    if (blocking.length > 0)
      refuse({
        message: `${podName} would not come back: under podManagementPolicy OrderedReady the controller re-creates it only once every lower ordinal is Running and Ready, and ${some(blocking.map((o) => `${o.pod} is ${o.state}`))}`,
        hint: `nothing was touched; get ${blocking.map((o) => o.pod).join(', ')} Ready first (kubectl describe pod ${blocking[0]!.pod} -n ${namespace})`,
      });
  }
  if (replicas === 1)
    warnings.push(
      `${setName} has 1 replica: it serves nothing while ${podName} is away (until the re-created pod is Ready)`,
    );

  // 4. Budgets, read as the Eviction API reads them.
  let budgets: PodSafety['budgets'];
  if (isUnreadable(input.budgets)) {
    budgets = input.budgets;
    if (input.removal === 'eviction')
      warnings.push(
        `PodDisruptionBudgets could not be read (${input.budgets.unreadable}); the Eviction API still enforces them, and refuses before anything is deleted`,
      );
    else if (!input.allowDegraded)
      refuse({
        message: `PodDisruptionBudgets could not be read (${input.budgets.unreadable}), and --force-delete does not consult them: nothing shows that deleting ${podName} stays within the budget its owner set`,
        hint: `nothing was touched; ask for list on poddisruptionbudgets.policy in namespace ${namespace}, or evict instead (leave out --force-delete)`,
      });
    else
      warnings.push(
        `--allow-degraded: PodDisruptionBudgets could not be read (${input.budgets.unreadable}) and --force-delete ignores them`,
      );
  } else {
    const covering = budgetsCovering(pod, input.budgets);
    const states = covering.map(budgetState);
    budgets = states;
    if (covering.length > 1 && input.removal === 'eviction')
      refuse({
        message: `${podName} is covered by ${covering.length} PodDisruptionBudgets (${states.map((s) => s.name).join(', ')}), and the Eviction API refuses to evict a pod covered by more than one`,
        hint: `nothing was touched; have the budgets' owner narrow their selectors so that one budget covers ${podName}`,
      });
    for (const state of states) {
      if (!state.refusal) continue;
      const hint = state.stale
        ? `nothing was touched; retry in a moment (kubectl get pdb ${state.name} -n ${namespace} -o yaml shows status.observedGeneration)`
        : state.refusal.never
          ? `nothing was touched; the budget's owner has ruled out voluntary evictions of these pods: verify-pvc can check them only if the owner relaxes the budget for the check (e.g. maxUnavailable: 1)`
          : `nothing was touched; wait until ALLOWED DISRUPTIONS is at least 1 (kubectl get pdb ${state.name} -n ${namespace}), then retry`;
      if (input.removal === 'delete' && input.allowDegraded)
        warnings.push(`--force-delete --allow-degraded: ${state.refusal.reason}; the pod is deleted anyway`);
      else refuse({ message: state.refusal.reason, hint });
    }
  }

  // 5. Placement: the re-created pod must have somewhere to go.
  let placement: PodSafety['placement'];
  if (isUnreadable(input.nodes)) {
    placement = input.nodes;
    warnings.push(
      `nodes could not be read (${input.nodes.unreadable}): where the re-created pod can be scheduled was not checked`,
    );
  } else {
    const volumes = input.claims.map((c) => c.volume).filter((v): v is PersistentVolume => v !== undefined);
    const found = placementFor(pod, volumes, input.nodes);
    placement = { fits: found.fits, pinnedBy: found.pinnedBy };
    if (found.fits.length === 0 && input.nodes.length > 0)
      refuse(placementRefusal(podName, found.nodes, found.pinnedBy));
  }

  return {
    safety: {
      replicas,
      othersReady,
      othersNotReady,
      readyWhileAway,
      degraded,
      budgets,
      placement,
      warnings,
    },
    refusal,
  };
}
