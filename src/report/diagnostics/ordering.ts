// What the controller waits on under OrderedReady, and the forced-rollback trap.
//
// Under OrderedReady the controller walks the ordinals upwards and stops at the first pod that
// is missing, terminating or not (Running, Ready and available): it creates nothing above it,
// removes nothing during a scale-down and updates nothing during a rollout until that pod is
// healthy. A pod broken by a bad revision is never healthy, so reverting the template does not
// help: the controller never gets as far as replacing it (kubernetes#67250).
import type { Pod } from '../../kube/types.ts';
import type { Diagnostic, Severity } from '../snapshot.ts';
import { claimsOf, eventEvidence, ns, ordinalsPhrase, type RuleContext } from './context.ts';
import { imagePullOnUpdateRevision, reportedUnschedulable } from './pods.ts';
import {
  describePodState,
  failureOf,
  isHealthy,
  isOrderedReady,
  isTerminating,
  nodeReady,
  podName,
  podRevision,
} from './facts.ts';

interface WaitReason {
  why: string;
  severity: Severity;
  evidence: string[];
  advice: string;
}

function scheduledCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
}

function waitReason(context: RuleContext, ordinal: number, pod: Pod | undefined): WaitReason {
  const name = podName(context.set, ordinal);
  const describe = `kubectl describe pod ${name} ${ns(context)}`;
  if (!pod) {
    const failures = eventEvidence(context, 'StatefulSet', context.name).filter((line) =>
      / FailedCreate /.test(line),
    );
    return {
      why: `${name} has not been created`,
      severity: failures.length ? 'error' : 'info',
      evidence: failures,
      advice: failures.length
        ? `the controller cannot create ${name}; fix the cause in the events (\`kubectl describe statefulset ${context.name} ${ns(context)}\`)`
        : 'the controller creates it on its next pass; if it stays missing run ' +
          `\`kubectl describe statefulset ${context.name} ${ns(context)}\``,
    };
  }
  const state = describePodState(pod, context.minReadySeconds, context.now);
  const evidence = [`${name}: ${state}`];
  if (isTerminating(pod)) {
    const node = context.snapshot.nodes.find((n) => n.metadata?.name === pod.spec?.nodeName);
    const lost = node && nodeReady(node) !== 'True';
    return {
      why: `${name} is terminating${lost ? ` on node ${pod.spec?.nodeName}, which is not Ready` : ''}`,
      severity: lost ? 'error' : 'warning',
      evidence: [...evidence, ...eventEvidence(context, 'Pod', name)],
      advice: lost
        ? 'see PodStuckTerminatingOnLostNode'
        : `the controller recreates ${name} once it is gone; if it hangs check its finalizers: \`kubectl get pod ${name} ${ns(context)} -o jsonpath='{.metadata.finalizers}'\``,
    };
  }
  const failure = failureOf(pod, context.now);
  if (failure) {
    return {
      why: `${name} is failing (${failure})`,
      severity: 'error',
      evidence: [...evidence, ...eventEvidence(context, 'Pod', name)],
      advice: imagePullOnUpdateRevision(context, pod)
        ? `see ImagePullFailed for ${name}`
        : `fix the cause (\`kubectl logs ${name} ${ns(context)} --previous\`), then delete the pod so it is recreated: \`kubectl delete pod ${name} ${ns(context)}\``,
    };
  }
  if (pod.status?.phase === 'Pending' || !pod.status?.phase) {
    const scheduled = scheduledCondition(pod);
    // A WaitForFirstConsumer claim is Pending *because* the pod is not scheduled; only the
    // scheduler's "unbound immediate PersistentVolumeClaims" puts the blame on the claim.
    const unschedulable =
      scheduled?.status === 'False' &&
      !/unbound immediate PersistentVolumeClaims/i.test(scheduled.message ?? '');
    const pendingClaims = claimsOf(context, ordinal).filter((c) => c.status?.phase !== 'Bound');
    if (pendingClaims.length && !unschedulable) {
      const claimNames = pendingClaims.map((c) => c.metadata?.name ?? '');
      return {
        why: `${name} is Pending because its claim ${claimNames.join(', ')} is not Bound`,
        severity: 'error',
        evidence: [
          ...evidence,
          ...claimNames.map((c) => `claim ${c}: ${context.claims.get(c)?.status?.phase ?? 'Pending'}`),
          ...claimNames.flatMap((c) => eventEvidence(context, 'PersistentVolumeClaim', c, 2)),
        ],
        advice: `see the storage finding for ${claimNames.join(', ')}; \`kubectl describe pvc ${claimNames[0]} ${ns(context)}\``,
      };
    }
    if (unschedulable) {
      return {
        why: `${name} is Pending: it cannot be scheduled`,
        severity: 'error',
        evidence: [...evidence, ...eventEvidence(context, 'Pod', name)],
        advice: reportedUnschedulable(pod)
          ? `see PodUnschedulable for ${name}`
          : `free capacity or relax its constraints (resources, nodeSelector, affinity, taints); \`${describe}\``,
      };
    }
    return {
      why: `${name} is Pending (starting)`,
      severity: 'info',
      evidence: [...evidence, ...eventEvidence(context, 'Pod', name)],
      advice: `usually transient; if it lasts, \`${describe}\``,
    };
  }
  return {
    why: `${name} is not healthy yet (${state})`,
    severity: 'info',
    evidence: [...evidence, ...eventEvidence(context, 'Pod', name)],
    advice: `usually transient while it starts; if it lasts, \`${describe}\``,
  };
}

/** The first ordinal the controller is stuck on, walking upwards, or undefined when all are healthy. */
export function firstUnhealthyOrdinal(context: RuleContext): number | undefined {
  for (const state of context.progress.ordinals) {
    const pod = context.pods.get(state.ordinal);
    if (!pod || !isHealthy(pod, context.minReadySeconds, context.now)) return state.ordinal;
  }
  return undefined;
}

export const orderedReadyBlocked = (context: RuleContext): Diagnostic[] => {
  if (!isOrderedReady(context.set) || !context.podsKnown) return [];
  const blocker = firstUnhealthyOrdinal(context);
  if (blocker === undefined) return [];
  const { progress } = context;
  const heldBack = progress.ordinals
    .filter((o) => o.ordinal > blocker && (!o.exists || !o.upToDate))
    .map((o) => o.ordinal);
  const condemned = progress.condemnedOrdinals;
  if (heldBack.length === 0 && condemned.length === 0) return [];
  const reason = waitReason(context, blocker, context.pods.get(blocker));
  const notCreated = heldBack.filter((o) => !context.pods.has(o));
  const notUpdated = heldBack.filter((o) => context.pods.has(o));
  const held: string[] = [];
  if (notCreated.length) held.push(`creation of ${ordinalsPhrase(notCreated)}`);
  if (notUpdated.length) held.push(`update of ${ordinalsPhrase(notUpdated)}`);
  if (condemned.length) held.push(`removal of ${ordinalsPhrase(condemned)}`);
  return [
    {
      code: 'OrderedReadyBlocked',
      severity: reason.severity,
      message: `OrderedReady: the controller waits on ordinal ${blocker} (${reason.why}), holding back ${held.join(' and ')}`,
      ordinals: [...new Set([blocker, ...heldBack, ...condemned])].sort((a, b) => a - b),
      evidence: reason.evidence,
      advice: reason.advice,
      blocking: reason.severity === 'error',
    },
  ];
};

export const forcedRollbackTrap = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  const findings: Diagnostic[] = [];
  if (!context.podsKnown) return findings;
  for (const state of progress.ordinals) {
    const pod = context.pods.get(state.ordinal);
    if (!pod || isTerminating(pod)) continue;
    const failure = failureOf(pod, context.now);
    // An image the current template cannot pull is ImagePullFailed's (which says what to fix).
    if (!failure || imagePullOnUpdateRevision(context, pod)) continue;
    const name = state.pod;
    const revision = podRevision(pod) ?? 'unknown';
    const deleteCommand = `kubectl delete pod ${name} ${ns(context)}`;
    const evidence = [
      `${name}: ${failure}`,
      `${name} runs revision ${revision}; currentRevision ${progress.currentRevision ?? 'unset'}, updateRevision ${progress.updateRevision ?? 'unset'}`,
      ...eventEvidence(context, 'Pod', name),
    ];
    if (!isOrderedReady(context.set) || progress.strategy === 'OnDelete') {
      // Parallel + RollingUpdate replaces a pod on an old revision even when it is unhealthy.
      const replacedAnyway =
        progress.strategy === 'RollingUpdate' && state.target === 'update' && !state.upToDate;
      findings.push({
        code: 'PodFailing',
        severity: 'error',
        message: `${name} is failing on revision ${revision}: ${failure}`,
        ordinals: [state.ordinal],
        evidence,
        advice:
          progress.strategy === 'OnDelete'
            ? `fix the template, then \`${deleteCommand}\` (OnDelete: only deleted pods pick up a new template)`
            : replacedAnyway
              ? `the rolling update replaces it with revision ${progress.updateRevision}; if that one fails too, read \`kubectl logs ${name} ${ns(context)} --previous\``
              : `read \`kubectl logs ${name} ${ns(context)} --previous\` and fix the template; the controller replaces the pod on the next update`,
        blocking: !replacedAnyway,
      });
      continue;
    }
    const onUpdate = state.role === 'update';
    findings.push({
      code: 'ForcedRollbackTrap',
      severity: 'error',
      message: onUpdate
        ? `${name} is failing on the update revision ${revision}; the controller waits for it to become Ready before doing anything else, so reverting the template will not replace it (kubernetes#67250)`
        : `${name} is failing on revision ${revision}, which is not the update revision ${progress.updateRevision ?? ''}; the controller will not replace it until it is Ready, which it never becomes (kubernetes#67250)`,
      ordinals: [state.ordinal],
      evidence,
      advice: onUpdate
        ? progress.currentRevision === progress.updateRevision
          ? // The set has never run another revision (an initial rollout): nothing to undo to.
            `fix the template (\`kubectl edit statefulset/${context.name} ${ns(context)}\`; it has no earlier revision to undo to), then delete the failing pod so it is recreated from the fixed one: \`${deleteCommand}\``
          : `fix or revert the template (\`kubectl rollout undo statefulset/${context.name} ${ns(context)}\`), then delete the failing pod so it is recreated from the good revision: \`${deleteCommand}\``
        : `the template is already fixed; delete the failing pod so it is recreated from revision ${progress.updateRevision ?? 'the update revision'}: \`${deleteCommand}\``,
      blocking: true,
    });
  }
  return findings;
};
