// Pods that cannot run: the scheduler cannot place them, their image cannot be pulled, or they
// are pods of the set no ordinal accounts for. Each is a finding of its own, whatever the pod
// management policy: a Parallel set waits on them as surely as an OrderedReady one.
import type { Node, PersistentVolumeClaim, Pod, StorageClass } from '../../kube/types.ts';
import { podsOutsideOrdinals } from '../ordinals.ts';
import type { Diagnostic } from '../snapshot.ts';
import { claimsOf, eventEvidence, eventsAbout, ns, unreadable, type RuleContext } from './context.ts';
import {
  claimClassName,
  imagePullFailureOf,
  isOrderedReady,
  isTerminating,
  nodeReady,
  podRevision,
  unschedulableOf,
  type ImagePullFailure,
  type Unschedulable,
} from './facts.ts';

/** Volume conflicts have their own finding (VolumeNodeAffinityConflict), which names the volume. */
export const VOLUME_CONFLICT = /volume node affinity conflict|didn't match PersistentVolume's node affinity/i;
/** The scheduler blames an unbound claim: the claim's own finding explains why it is not bound. */
const UNBOUND_IMMEDIATE = /unbound immediate PersistentVolumeClaims/i;

function listNames(names: string[], limit = 4): string {
  return names.length <= limit
    ? names.join(', ')
    : `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}

/** What the nodes themselves say about the reasons (cordons, taints, readiness); empty when nodes were not read. */
function nodeFacts(context: RuleContext, reasons: string[]): string[] {
  const nodes = context.snapshot.nodes;
  if (unreadable(context, 'nodes') || nodes.length === 0) return [];
  const facts: string[] = [];
  const name = (n: Node) => n.metadata?.name ?? '?';
  const text = reasons.join(' ');
  if (/were unschedulable/.test(text)) {
    const cordoned = nodes.filter((n) => n.spec?.unschedulable).map(name);
    if (cordoned.length) facts.push(`cordoned (spec.unschedulable): ${listNames(cordoned)}`);
  }
  if (/taint/.test(text)) {
    const tainted = nodes.flatMap((n) =>
      (n.spec?.taints ?? [])
        .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
        .map((t) => `${name(n)} ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    );
    if (tainted.length) facts.push(`node taints: ${listNames(tainted)}`);
  }
  const notReady = nodes.filter((n) => nodeReady(n) !== 'True').map(name);
  if (notReady.length) facts.push(`nodes not Ready: ${listNames(notReady)}`);
  facts.push(`nodes in the cluster: ${nodes.length}`);
  return facts;
}

/** The pod's own constraints the reasons point at. */
function podFacts(pod: Pod, reasons: string[]): string[] {
  const text = reasons.join(' ');
  const facts: string[] = [];
  const selector = Object.entries(pod.spec?.nodeSelector ?? {});
  if (/affinity\/selector/.test(text)) {
    if (selector.length) facts.push(`nodeSelector: ${selector.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    const required = (
      pod.spec?.affinity as
        { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown } } | undefined
    )?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) facts.push(`required node affinity: ${JSON.stringify(required)}`);
  }
  if (/Insufficient/.test(text)) {
    const requests = (pod.spec?.containers ?? [])
      .map((c) => c.resources?.requests)
      .filter((r): r is Record<string, string> => r !== undefined)
      .flatMap((r) => Object.entries(r).map(([k, v]) => `${k} ${v}`));
    if (requests.length) facts.push(`requests (per container): ${requests.join(', ')}`);
  }
  return facts;
}

/** What to do, one clause per reason the scheduler gave. */
function schedulingAdvice(context: RuleContext, name: string, reasons: string[]): string {
  const text = reasons.join(' ');
  const steps: string[] = [];
  if (/were unschedulable/.test(text)) {
    const cordoned = context.snapshot.nodes
      .filter((n) => n.spec?.unschedulable)
      .map((n) => n.metadata?.name ?? '');
    steps.push(`uncordon nodes whose maintenance is over (\`kubectl uncordon ${cordoned[0] ?? '<node>'}\`)`);
  }
  // The control plane's own taint keeps workloads off it on purpose: no advice to remove it.
  const taints = [...text.matchAll(/taint \{([^:}]+)/g)].map((m) => m[1]!);
  const planeOnly =
    taints.length > 0 &&
    taints.every((key) => /^node-role\.kubernetes\.io\/(control-plane|master)$/.test(key));
  if (/taint/.test(text) && !planeOnly)
    steps.push(
      `give the pod template a toleration for the taint, or remove the taint from the nodes meant for it (\`kubectl taint node <node> ${taints.find((key) => !/^node-role/.test(key)) ?? '<key>'}-\`)`,
    );
  if (/affinity\/selector/.test(text))
    steps.push(
      'label a node to match the nodeSelector/affinity (`kubectl label node <node> key=value`) or correct spec.template.spec.nodeSelector/affinity',
    );
  if (/Insufficient|Too many pods/.test(text))
    steps.push("free capacity or add nodes, or lower the pod template's resource requests");
  if (/anti-affinity/.test(text))
    steps.push(
      'required pod anti-affinity allows one pod per topology domain: add nodes (or zones), or make the rule preferred',
    );
  if (/didn't find available persistent volumes/.test(text))
    steps.push('create a PersistentVolume on a node the pod can use (the class has no provisioner)');
  if (/no nodes available/.test(text)) steps.push('the cluster has no nodes: add one');
  if (/not-ready|unreachable|not ready/.test(text)) steps.push('bring the NotReady nodes back');
  steps.push(`details: \`kubectl describe pod ${name} ${ns(context)}\``);
  return steps.join('; ');
}

/** The claims of an ordinal that wait for their pod to be scheduled (WaitForFirstConsumer). */
function waitingForConsumer(context: RuleContext, ordinal: number): PersistentVolumeClaim[] {
  const classes = context.snapshot.storageClasses;
  return claimsOf(context, ordinal).filter((claim) => {
    if ((claim.status?.phase ?? 'Pending') !== 'Pending' || claim.spec?.volumeName) return false;
    const className = claimClassName(claim, classes);
    const storageClass: StorageClass | undefined = classes.find((c) => c.metadata?.name === className);
    return storageClass?.volumeBindingMode === 'WaitForFirstConsumer';
  });
}

/** Whether PodUnschedulable reports this pod (and so explains its WaitForFirstConsumer claims). */
export function reportedUnschedulable(pod: Pod | undefined): Unschedulable | undefined {
  if (!pod) return undefined;
  const unschedulable = unschedulableOf(pod);
  if (!unschedulable) return undefined;
  const text = unschedulable.reasons.join(' ') || unschedulable.message;
  if (VOLUME_CONFLICT.test(text) || UNBOUND_IMMEDIATE.test(text)) return undefined;
  return unschedulable;
}

/**
 * One finding per scheduler message: a Parallel set's pods usually share one (the same
 * nodeSelector, the same cordons), and the same sentence three times says nothing more.
 */
export const podUnschedulable = (context: RuleContext): Diagnostic[] => {
  if (!context.podsKnown) return [];
  const byMessage = new Map<string, { ordinal: number; pod: Pod; unschedulable: Unschedulable }[]>();
  for (const [ordinal, pod] of [...context.pods].sort((a, b) => a[0] - b[0])) {
    const unschedulable = reportedUnschedulable(pod);
    if (!unschedulable) continue;
    const group = byMessage.get(unschedulable.message) ?? [];
    group.push({ ordinal, pod, unschedulable });
    byMessage.set(unschedulable.message, group);
  }
  return [...byMessage.values()].map((group): Diagnostic => {
    const [first] = group as [(typeof group)[number]];
    const names = group.map((entry) => entry.pod.metadata?.name ?? '');
    const who =
      names.length <= 3
        ? names.join(', ')
        : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more pods`;
    const firstName = names[0]!;
    const waiting = group.flatMap(({ ordinal, pod }) => {
      const claims = waitingForConsumer(context, ordinal).map((c) => c.metadata?.name ?? '');
      const name = pod.metadata?.name ?? '';
      return claims.length
        ? [
            `claims ${claims.join(', ')} wait for ${name} to be scheduled (WaitForFirstConsumer): they bind once it is`,
          ]
        : [];
    });
    const since = first.unschedulable.since;
    return {
      code: 'PodUnschedulable',
      severity: 'error',
      message: `${who} cannot be scheduled: ${first.unschedulable.message || 'the scheduler gives no reason'}`,
      ordinals: group.map((entry) => entry.ordinal),
      evidence: [
        `${names.length > 1 ? `${names.length} pods` : firstName}: PodScheduled=False (Unschedulable)${since ? ` since ${since}` : ''}`,
        ...podFacts(first.pod, first.unschedulable.reasons),
        ...nodeFacts(context, first.unschedulable.reasons),
        ...waiting.slice(0, 3),
        ...(waiting.length > 3 ? [`… and the claims of ${waiting.length - 3} more pods`] : []),
        ...eventEvidence(context, 'Pod', firstName, 2),
      ],
      advice: schedulingAdvice(context, firstName, first.unschedulable.reasons),
      blocking: true,
    };
  });
};

const CAUSE_TEXT: Record<ImagePullFailure['cause'], string> = {
  'not-found': 'the registry has no such image or tag',
  unauthorized: "the registry refuses the node's credentials",
  unreachable: 'the node cannot reach the registry',
  'rate-limited': 'the registry is rate-limiting pulls',
  invalid: 'the image reference is not valid',
  'never-pull': 'imagePullPolicy is Never and the image is not on the node',
  unknown: 'the pull fails',
};

/**
 * A pod on the update revision whose image cannot be pulled: the template is at fault. (A pod
 * still on an older revision is the forced-rollback trap, reported as ForcedRollbackTrap.)
 */
export function imagePullOnUpdateRevision(context: RuleContext, pod: Pod): ImagePullFailure | undefined {
  if (isTerminating(pod)) return undefined;
  const revision = podRevision(pod);
  const update = context.progress.updateRevision;
  if (revision !== undefined && update !== undefined && revision !== update) return undefined;
  return imagePullFailureOf(pod, eventsAbout(context, 'Pod', pod.metadata?.name ?? ''));
}

export const imagePullFailed = (context: RuleContext): Diagnostic[] => {
  if (!context.podsKnown) return [];
  const findings: Diagnostic[] = [];
  const strategy = context.progress.strategy;
  for (const [ordinal, pod] of [...context.pods].sort((a, b) => a[0] - b[0])) {
    const failure = imagePullOnUpdateRevision(context, pod);
    if (!failure) continue;
    const name = pod.metadata?.name ?? '';
    const kind = failure.init ? 'init container' : 'container';
    const fixTemplate = `\`kubectl set image statefulset/${context.name} ${failure.container}=<image:tag> ${ns(context)}\` (or \`kubectl rollout undo statefulset/${context.name} ${ns(context)}\` when an earlier revision pulled fine)`;
    const recreate =
      strategy === 'OnDelete'
        ? `, then delete ${name} so it is recreated from the fixed template (OnDelete): \`kubectl delete pod ${name} ${ns(context)}\``
        : isOrderedReady(context.set)
          ? `, then delete ${name} so it is recreated from the fixed template: the controller never replaces a pod that is not Ready (kubernetes#67250): \`kubectl delete pod ${name} ${ns(context)}\``
          : '; the rolling update then replaces the pod';
    let advice: string;
    switch (failure.cause) {
      case 'unauthorized':
        advice = `give the pod credentials for the registry: an imagePullSecret in the pod template or its service account (\`kubectl get pod ${name} ${ns(context)} -o jsonpath='{.spec.imagePullSecrets}'\`); the kubelet retries on its own once they work`;
        break;
      case 'unreachable':
        advice = `check that node ${pod.spec?.nodeName ?? '(its node)'} can reach the registry (DNS, proxy, firewall); the kubelet retries with a back-off of up to 5 minutes`;
        break;
      case 'rate-limited':
        advice =
          'wait for the limit to reset, or pull with registry credentials (an imagePullSecret) or from a mirror';
        break;
      case 'never-pull':
        advice = `load the image onto the node or set imagePullPolicy: IfNotPresent: ${fixTemplate}${recreate}`;
        break;
      default:
        advice = `correct the image in the template: ${fixTemplate}${recreate}`;
    }
    findings.push({
      code: 'ImagePullFailed',
      severity: 'error',
      message: `${name} cannot start: the image "${failure.image}" of ${kind} ${failure.container} cannot be pulled (${failure.reason}): ${CAUSE_TEXT[failure.cause]}`,
      ordinals: [ordinal],
      evidence: [
        `${name} ${kind} ${failure.container}: ${failure.reason}${failure.detail ? `: ${failure.detail}` : ''}`,
        `${name} runs revision ${podRevision(pod) ?? 'unknown'} (update revision ${context.progress.updateRevision ?? 'unset'})`,
        ...eventEvidence(context, 'Pod', name, 2),
      ],
      advice,
      blocking: true,
    });
  }
  return findings;
};

/** Pods that name the set as their controller but that no ordinal accounts for. */
export const unaccountedPods = (context: RuleContext): Diagnostic[] => {
  if (!context.podsKnown) return [];
  return podsOutsideOrdinals(context.snapshot.pods, context.set).map(
    ({ pod, reason, ordinal }): Diagnostic => {
      const name = pod.metadata?.name ?? '';
      const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
      const evidence = [
        `${name}: controller StatefulSet/${owner?.name} uid ${owner?.uid ?? 'unset'}; this set's uid is ${context.set.metadata?.uid ?? 'unset'}`,
        `${name}: created ${pod.metadata?.creationTimestamp ?? 'at an unknown time'}, phase ${pod.status?.phase ?? 'unknown'}${isTerminating(pod) ? ', Terminating' : ''}`,
      ];
      if (reason === 'earlier-set') {
        return {
          code: 'PodFromEarlierSet',
          severity: 'error',
          message: `pod ${name} belongs to an earlier StatefulSet named ${context.name} (another uid)${
            ordinal !== undefined
              ? `: the controller cannot create its own ${name} (ordinal ${ordinal}) while it exists`
              : ''
          }`,
          ordinals: ordinal !== undefined ? [ordinal] : [],
          evidence: [...evidence, ...eventEvidence(context, 'StatefulSet', context.name, 2)],
          advice: `the garbage collector removes it once it sees its owner is gone; if it stays, check what it runs, then \`kubectl delete pod ${name} ${ns(context)}\` (its claims are kept)`,
          blocking: ordinal !== undefined,
        };
      }
      return {
        code: 'PodWithoutOrdinal',
        severity: 'warning',
        message: `pod ${name} is owned by this StatefulSet but its name carries no ordinal: the controller ignores it (it is never counted, updated or removed)`,
        ordinals: [],
        evidence,
        advice: `if nothing needs it, \`kubectl delete pod ${name} ${ns(context)}\`; a pod that should run beside the set belongs to a workload of its own`,
      };
    },
  );
};

/** Timestamps the snapshot holds that are later than its clock reading, with where each is. */
function timestampsAhead(context: RuleContext): { what: string; aheadMs: number }[] {
  const now = context.now.getTime();
  const found: { what: string; aheadMs: number }[] = [];
  const consider = (what: string, value: string | null | undefined) => {
    const time = Date.parse(value ?? '');
    if (!Number.isNaN(time) && time - now > 0) found.push({ what, aheadMs: time - now });
  };
  consider(`statefulset/${context.name} creationTimestamp`, context.set.metadata?.creationTimestamp);
  for (const pod of context.snapshot.pods) {
    const name = pod.metadata?.name;
    consider(`pod/${name} creationTimestamp`, pod.metadata?.creationTimestamp);
    for (const condition of pod.status?.conditions ?? [])
      consider(`pod/${name} ${condition.type} lastTransitionTime`, condition.lastTransitionTime);
  }
  for (const claim of context.snapshot.claims)
    consider(`pvc/${claim.metadata?.name} creationTimestamp`, claim.metadata?.creationTimestamp);
  return found.sort((a, b) => b.aheadMs - a.aheadMs);
}

/** Ages below this are rounding and request latency, not skew (kubectl prints `<invalid>` beyond -1s). */
const SKEW_TOLERANCE_MS = 2_000;

export const clockSkew = (context: RuleContext): Diagnostic[] => {
  const ahead = timestampsAhead(context);
  const worst = ahead[0];
  if (!worst || worst.aheadMs <= SKEW_TOLERANCE_MS) return [];
  const seconds = Math.round(worst.aheadMs / 1000);
  return [
    {
      code: 'ClockSkew',
      severity: 'info',
      message: `the cluster's timestamps are up to ${seconds}s ahead of this machine's clock: ages show as <invalid> (as in kubectl) and findings that depend on how long something has lasted may come late`,
      ordinals: [],
      evidence: [
        `this machine's clock: ${context.now.toISOString()}`,
        ...ahead.slice(0, 2).map((entry) => `${entry.what} is ${Math.round(entry.aheadMs / 1000)}s ahead`),
      ],
      advice: "synchronise the clocks (NTP) of this machine and of the cluster's control plane",
    },
  ];
};
