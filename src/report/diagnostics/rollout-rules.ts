// Findings about rollout progress, read from the pods (src/report/rollout.ts) rather than from
// the status counters.
import type { Diagnostic } from '../snapshot.ts';
import { ns, ordinalList, ordinalsPhrase, type RuleContext } from './context.ts';

export const partitionHolding = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  // Progress is read from the pods: without them nothing is concluded.
  if (!context.podsKnown) return [];
  if (progress.strategy !== 'RollingUpdate' || progress.partition === 0) return [];
  const behind = progress.ordinals.filter(
    (o) => o.target === 'current' && o.exists && o.role !== 'update' && o.role !== 'unknown',
  );
  if (behind.length === 0) return [];
  const held = progress.heldBackOrdinals;
  const evidence = [
    `spec.updateStrategy.rollingUpdate.partition: ${progress.partition}`,
    `ordinals kept on ${progress.currentRevision ?? 'the current revision'}: ${ordinalList(held)}`,
    `ordinals updated to ${progress.updateRevision ?? 'the update revision'}: ${ordinalList(progress.updateOrdinals)}`,
  ];
  if (progress.startOrdinal !== 0) {
    evidence.push(
      `ordinals.start is ${progress.startOrdinal}: the controller compares the partition with the replica index (ordinal - start), so ordinals below ${progress.startOrdinal + progress.partition} are held, not ordinals below ${progress.partition} as the API documentation suggests (kubernetes#128529)`,
    );
  }
  // One step down from where the partition actually bites (a partition above replicas holds all).
  const lowerTo = Math.max(0, Math.min(progress.partition, progress.replicas) - 1);
  return [
    {
      code: 'RolloutPartitioned',
      severity: 'info',
      message: `the partition (${progress.partition}) keeps ${ordinalsPhrase(behind.map((o) => o.ordinal))} on the old revision`,
      ordinals: behind.map((o) => o.ordinal),
      evidence,
      advice: `to continue the rollout lower the partition, e.g. \`kubectl patch statefulset ${context.name} ${ns(context)} -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":${lowerTo}}}}}'\``,
    },
  ];
};

export const onDeletePending = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (!context.podsKnown) return [];
  if (progress.strategy !== 'OnDelete' || progress.nextToReplace.length === 0) return [];
  const ordinals = progress.nextToReplace;
  const highest = ordinals[ordinals.length - 1]!;
  return [
    {
      code: 'OnDeletePendingDeletion',
      severity: 'warning',
      message: `updateStrategy is OnDelete: the pods of ${ordinalsPhrase(ordinals)} still run an old revision and are replaced only when you delete them`,
      ordinals,
      evidence: progress.ordinals
        .filter((o) => ordinals.includes(o.ordinal))
        .map(
          (o) =>
            `${o.pod} runs ${o.revision ?? 'an unknown revision'}, update revision is ${progress.updateRevision ?? 'unset'}`,
        ),
      advice: `delete them one at a time, highest first, waiting for each to be Ready: \`kubectl delete pod ${context.name}-${highest} ${ns(context)}\``,
      blocking: true,
    },
  ];
};

export const minReadySecondsPending = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (!context.podsKnown) return [];
  if (progress.notAvailableOrdinals.length === 0) return [];
  return [
    {
      code: 'MinReadySecondsPending',
      severity: 'info',
      message: `the pods of ${ordinalsPhrase(progress.notAvailableOrdinals)} are Ready but not yet available: minReadySeconds is ${progress.minReadySeconds}s`,
      ordinals: progress.notAvailableOrdinals,
      evidence: [
        `spec.minReadySeconds: ${progress.minReadySeconds}`,
        `status.availableReplicas: ${context.set.status?.availableReplicas ?? 'unset'} of ${progress.replicas}`,
      ],
      advice: 'wait; the controller continues once each pod has been Ready for minReadySeconds',
    },
  ];
};

export const generationNotObserved = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (progress.generationObserved) return [];
  return [
    {
      code: 'GenerationNotObserved',
      severity: 'warning',
      message: `the controller has not yet observed the latest spec (generation ${progress.generation}, observedGeneration ${progress.observedGeneration ?? 'unset'}); status and revisions describe the previous spec`,
      ordinals: [],
      evidence: [
        `metadata.generation: ${progress.generation}`,
        `status.observedGeneration: ${progress.observedGeneration ?? 'unset'}`,
      ],
      advice:
        'normally resolves within seconds; if it persists the StatefulSet controller (kube-controller-manager) is not running or cannot update the set',
    },
  ];
};

export const currentRevisionDrift = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (!context.podsKnown) return [];
  if (!progress.currentRevisionDrift) return [];
  return [
    {
      code: 'CurrentRevisionDrift',
      severity: 'info',
      message: `status.currentRevision (${progress.currentRevision}) is stale: every pod runs the update revision ${progress.updateRevision}`,
      ordinals: [],
      evidence: [
        `status.currentRevision: ${progress.currentRevision}`,
        `status.updateRevision: ${progress.updateRevision}`,
        `the controller advances currentRevision only when a RollingUpdate without partition completes; under ${
          progress.strategy === 'OnDelete' ? 'OnDelete' : `a partition (${progress.partition})`
        } it never does (kubernetes#73492)`,
      ],
      advice:
        'nothing to fix: trust the per-ordinal revisions; tools comparing currentRevision with updateRevision (kubectl rollout status without partition, kube-state-metrics) report a rollout that has in fact finished',
    },
  ];
};

export const kubectlRolloutStatusMisleading = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (!context.podsKnown) return [];
  if (!progress.kubectl.done || progress.kubectl.error || progress.complete) return [];
  return [
    {
      code: 'KubectlRolloutStatusMisleading',
      severity: 'info',
      message: `\`kubectl rollout status\` would report "${progress.kubectl.message}", but the rollout is not complete`,
      ordinals: [
        ...new Set([
          ...progress.pendingOrdinals,
          ...progress.notReadyOrdinals,
          ...progress.notAvailableOrdinals,
          ...progress.missingOrdinals,
        ]),
      ].sort((a, b) => a - b),
      evidence: progress.waitingFor.map((w) => `still waiting for ${w}`),
      advice: `use \`kubectl sts status ${context.name} ${ns(context)} --wait\` as the rollout gate instead`,
    },
  ];
};

export const rollingUpdateInProgress = (context: RuleContext): Diagnostic[] => {
  const { progress } = context;
  if (!context.podsKnown) return [];
  if (progress.strategy !== 'RollingUpdate' || !progress.generationObserved) return [];
  const replaceable = progress.ordinals.filter((o) => o.target === 'update' && o.exists && !o.upToDate);
  if (replaceable.length === 0) return [];
  const updated = progress.ordinals.filter((o) => o.target === 'update' && o.upToDate).length;
  const unhealthy = progress.ordinals.find((o) => !o.exists || !o.available || o.terminating);
  const next = progress.nextToReplace;
  const waitFor = unhealthy
    ? `ordinal ${unhealthy.ordinal} to be ${unhealthy.exists ? 'healthy' : 'created'}`
    : '';
  const step = !unhealthy
    ? `the controller replaces ${ordinalsPhrase(next)} next`
    : next.includes(unhealthy.ordinal)
      ? `the controller waits for ${waitFor} first`
      : `the controller waits for ${waitFor} before replacing ${ordinalsPhrase(next)}`;
  const revisionMap = progress.ordinals.map((o) => {
    const runs = o.exists ? `${o.revision ?? 'unknown revision'} (${o.role})` : 'not created';
    const fate =
      o.target === 'current'
        ? 'held by the partition'
        : o.upToDate
          ? 'up to date'
          : `to be updated to ${progress.updateRevision}`;
    return `${o.pod}: ${runs}, ${fate}`;
  });
  return [
    {
      code: 'RollingUpdateInProgress',
      severity: 'info',
      message: `rolling update to ${progress.updateRevision}: ${updated} of ${progress.updateOrdinals.length} ordinals updated; ${step}`,
      ordinals: replaceable.map((o) => o.ordinal),
      evidence: revisionMap,
      advice: `follow it with \`kubectl sts status ${context.name} ${ns(context)} --wait\``,
    },
  ];
};
