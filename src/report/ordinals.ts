// Which objects belong to which ordinal of a StatefulSet. Ordinals are read from the objects,
// never assumed to start at 0 (spec.ordinals.start), and claims are matched by their exact
// generated name so that `data-web-api-0` never counts for a set called `web`.
import type { Pod, StatefulSet } from '../kube/types.ts';

/** Label the StatefulSet controller puts on every pod since Kubernetes 1.28. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const DIGITS = /^(0|[1-9]\d*)$/;

/** The name the controller gives the pod of `ordinal`: `<set>-<ordinal>`. */
export function podNameFor(setName: string, ordinal: number): string {
  return `${setName}-${ordinal}`;
}

/** The name the controller gives the claim of `ordinal` for one volumeClaimTemplate. */
export function claimNameFor(templateName: string, setName: string, ordinal: number): string {
  return `${templateName}-${setName}-${ordinal}`;
}

/** `<prefix><digits>` → the number; anything else (extra words, signs, leading zeros) → undefined. */
function trailingOrdinal(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return DIGITS.test(rest) ? Number(rest) : undefined;
}

/** The ordinal encoded in a pod name `<set>-<n>`, or undefined when the name is not one the set would create. */
export function ordinalFromPodName(podName: string, setName: string): number | undefined {
  return trailingOrdinal(podName, `${setName}-`);
}

/** The ordinal of a claim named exactly `<template>-<set>-<n>`, else undefined. */
export function ordinalFromClaimName(
  claimName: string,
  templateName: string,
  setName: string,
): number | undefined {
  return trailingOrdinal(claimName, `${templateName}-${setName}-`);
}

/**
 * A pod's ordinal, by the StatefulSet controller's own rule (getParentNameAndOrdinal): the
 * trailing number of its name `<set>-<n>`. The `apps.kubernetes.io/pod-index` label is written
 * from that same number when the pod is created; a label that disagrees is not what the
 * controller goes by, so it is not what we go by either.
 */
export function podOrdinal(pod: Pod, setName: string): number | undefined {
  return ordinalFromPodName(pod.metadata?.name ?? '', setName);
}

/**
 * Whether a pod is the set's: controlled by it (owner reference to this StatefulSet, matching
 * uid when both are known) or, for dumps without owner references, named as the set names pods.
 * A pod owned by some other controller never counts, even when the name fits.
 */
export function podBelongsToSet(pod: Pod, set: StatefulSet): boolean {
  const setName = set.metadata?.name ?? '';
  const controller = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
  if (controller) {
    if (controller.kind !== 'StatefulSet' || controller.name !== setName) return false;
    const setUid = set.metadata?.uid;
    return !setUid || !controller.uid || controller.uid === setUid;
  }
  return ordinalFromPodName(pod.metadata?.name ?? '', setName) !== undefined;
}

/** `spec.ordinals.start`, 0 when unset. */
export function ordinalStart(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** `spec.replicas` with the API default of 1. */
export function desiredReplicas(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** The ordinals the set should have right now: start … start + replicas − 1. */
export function expectedOrdinals(set: StatefulSet): number[] {
  const start = ordinalStart(set);
  return Array.from({ length: desiredReplicas(set) }, (_, i) => start + i);
}

export function isExpectedOrdinal(set: StatefulSet, ordinal: number): boolean {
  const start = ordinalStart(set);
  return ordinal >= start && ordinal < start + desiredReplicas(set);
}

function controlledBy(pod: Pod): boolean {
  return pod.metadata?.ownerReferences?.some((ref) => ref.controller) ?? false;
}

/**
 * The set's pods by ordinal — the one assignment the table, the diagnostics, `dns` and
 * verify-pvc all use, so they can never disagree about which pod is ordinal N. Only pods that
 * belong to the set (podBelongsToSet: owned by this incarnation of it, or unowned and named as
 * it names pods) and whose name carries an ordinal count. Two candidates for one ordinal happen
 * only in dumps that merge several reads: a pod the set controls wins over one that only fits
 * by name, otherwise the first one read stays.
 */
export function podsByOrdinal(pods: readonly Pod[], set: StatefulSet): Map<number, Pod> {
  const setName = set.metadata?.name ?? '';
  const byOrdinal = new Map<number, Pod>();
  for (const pod of pods) {
    if (!podBelongsToSet(pod, set)) continue;
    const ordinal = podOrdinal(pod, setName);
    if (ordinal === undefined) continue;
    const existing = byOrdinal.get(ordinal);
    if (!existing || (!controlledBy(existing) && controlledBy(pod))) byOrdinal.set(ordinal, pod);
  }
  return byOrdinal;
}

/** Why a pod that names the set as its controller is assigned to no ordinal. */
export type UnaccountedReason = 'earlier-set' | 'no-ordinal';

export interface UnaccountedPod {
  pod: Pod;
  reason: UnaccountedReason;
  /** For `earlier-set`: the ordinal its name takes, which the controller cannot create while it exists. */
  ordinal: number | undefined;
}

/**
 * The sibling of podsByOrdinal: pods whose controller is a StatefulSet of this name that no
 * ordinal accounts for. A pod owned by an earlier set of the same name (another uid) keeps its
 * name: the controller cannot create its own pod of that ordinal while it exists. A pod owned by
 * this set whose name carries no ordinal is ignored by the controller (never counted, updated
 * or removed), as upstream's getParentNameAndOrdinal skips it.
 */
export function podsOutsideOrdinals(pods: readonly Pod[], set: StatefulSet): UnaccountedPod[] {
  const setName = set.metadata?.name ?? '';
  const setUid = set.metadata?.uid;
  const found: UnaccountedPod[] = [];
  for (const pod of pods) {
    const controller = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
    if (!controller || controller.kind !== 'StatefulSet' || controller.name !== setName) continue;
    const ordinal = podOrdinal(pod, setName);
    if (setUid && controller.uid && controller.uid !== setUid)
      found.push({ pod, reason: 'earlier-set', ordinal });
    else if (ordinal === undefined) found.push({ pod, reason: 'no-ordinal', ordinal });
  }
  return found;
}
