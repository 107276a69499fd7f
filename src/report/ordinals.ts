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

/** A pod's ordinal: the pod-index label when present and valid, else the trailing number of its name. */
export function podOrdinal(pod: Pod, setName: string): number | undefined {
  const label = pod.metadata?.labels?.[POD_INDEX_LABEL];
  if (label !== undefined && DIGITS.test(label)) return Number(label);
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
