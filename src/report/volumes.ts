// Per-ordinal storage: for each volumeClaimTemplate, the claim the controller creates for that
// ordinal (matched by exact name), what it is bound to, and the PV's details when readable.
import type { PersistentVolume, PersistentVolumeClaim, StatefulSet } from '../kube/types.ts';
import { ordinalFromClaimName } from './ordinals.ts';
import type { Unreadable } from './snapshot.ts';

export interface VolumeStatus {
  /** The volumeClaimTemplate's name. */
  template: string;
  /** `<template>-<set>-<ordinal>`. */
  claim: string;
  claimExists: boolean;
  /** PVC phase (`Bound`, `Pending`, `Lost`); null when the claim does not exist. */
  phase: string | null;
  /** The claim is being deleted (deletionTimestamp set; kept by the pvc-protection finalizer while a pod uses it). */
  claimTerminating: boolean;
  /** Name of the bound PersistentVolume (from the claim, so it is known even when PVs are not readable). */
  volume: string | null;
  /** Actual capacity from the claim's status (e.g. `1Gi`), else null. */
  capacity: string | null;
  /** What the claim requests (`spec.resources.requests.storage`). */
  requested: string | null;
  /** Access modes, abbreviated as kubectl prints them (RWO, ROX, RWX, RWOP). */
  accessModes: string[];
  storageClass: string | null;
  /** `read` when the PV was read, `not-readable` when reading PVs failed (e.g. forbidden), `missing` when the PV does not exist, null when there is no bound PV. */
  volumeDetails: 'read' | 'not-readable' | 'missing' | null;
  reclaimPolicy: string | null;
  volumePhase: string | null;
  /** The PV is being deleted (deletionTimestamp set). */
  volumeTerminating: boolean;
}

const ACCESS_MODE_SHORT: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

export function shortAccessModes(modes: string[] | undefined): string[] {
  return (modes ?? []).map((mode) => ACCESS_MODE_SHORT[mode] ?? mode);
}

/**
 * A set's volumes out of a cluster-wide list (a cluster can hold thousands of PVs): those bound
 * to its claims, and those whose claimRef still names one of its claims after the claim was
 * deleted (Released/Failed volumes hold the old data a scale-up would not get back by itself).
 */
export function volumesOfSet(
  statefulSet: StatefulSet,
  claims: PersistentVolumeClaim[],
  volumes: PersistentVolume[],
): Map<string, PersistentVolume> {
  const namespace = statefulSet.metadata?.namespace ?? 'default';
  const name = statefulSet.metadata?.name ?? '';
  const boundNames = new Set(claims.map((claim) => claim.spec?.volumeName).filter(Boolean));
  const templates = (statefulSet.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '');
  const namesOneOfItsClaims = (volume: PersistentVolume): boolean => {
    const ref = volume.spec?.claimRef;
    if (!ref?.name || (ref.namespace ?? namespace) !== namespace) return false;
    return templates.some((template) => ordinalFromClaimName(ref.name!, template, name) !== undefined);
  };
  const found = new Map<string, PersistentVolume>();
  for (const volume of volumes) {
    const volumeName = volume.metadata?.name;
    if (volumeName && (boundNames.has(volumeName) || namesOneOfItsClaims(volume)))
      found.set(volumeName, volume);
  }
  return found;
}

export function volumesUnreadable(unreadable: Unreadable[]): boolean {
  return unreadable.some((entry) => entry.resource === 'persistentvolumes');
}

export function volumeStatusFor(
  template: string,
  claimName: string,
  claim: PersistentVolumeClaim | undefined,
  volumes: Map<string, PersistentVolume>,
  pvUnreadable: boolean,
): VolumeStatus {
  const volumeName = claim?.spec?.volumeName || null;
  const pv = volumeName ? volumes.get(volumeName) : undefined;
  let volumeDetails: VolumeStatus['volumeDetails'] = null;
  if (volumeName) volumeDetails = pv ? 'read' : pvUnreadable ? 'not-readable' : 'missing';
  return {
    template,
    claim: claimName,
    claimExists: claim !== undefined,
    phase: claim ? (claim.status?.phase ?? 'Pending') : null,
    claimTerminating: Boolean(claim?.metadata?.deletionTimestamp),
    volume: volumeName,
    capacity: claim?.status?.capacity?.storage ?? pv?.spec?.capacity?.storage ?? null,
    requested: claim?.spec?.resources?.requests?.storage ?? null,
    accessModes: shortAccessModes(claim?.status?.accessModes ?? claim?.spec?.accessModes),
    storageClass: claim?.spec?.storageClassName ?? pv?.spec?.storageClassName ?? null,
    volumeDetails,
    reclaimPolicy: pv?.spec?.persistentVolumeReclaimPolicy ?? null,
    volumePhase: pv?.status?.phase ?? null,
    volumeTerminating: Boolean(pv?.metadata?.deletionTimestamp),
  };
}

export type ClaimHazardCode =
  | 'ClaimTerminating'
  | 'ClaimOwnedByPod'
  | 'ClaimLost'
  | 'VolumeTerminating'
  | 'VolumeReleased'
  | 'VolumeFailed'
  | 'VolumeBoundToAnotherClaim';

export interface ClaimHazard {
  code: ClaimHazardCode;
  /** One sentence: what is wrong and what it means for the data. */
  message: string;
}

/**
 * Why the data of `claim` may not outlive the pod that uses it, or why the claim is no longer
 * backed by the volume it names — one definition for `status` and for verify-pvc's refusal.
 *
 * A claim with a deletionTimestamp is held only by the pvc-protection finalizer, and only while
 * a pod uses it: the moment its pod is deleted the claim goes, and with it a volume whose reclaim
 * policy is Delete. `volume` is the PV the claim is bound to, undefined when unknown (not
 * readable): then only the claim's own state is judged. Empty when nothing is wrong.
 */
export function claimHazards(
  claim: PersistentVolumeClaim,
  volume: PersistentVolume | undefined,
): ClaimHazard[] {
  const name = claim.metadata?.name ?? '';
  const pvName = claim.spec?.volumeName || volume?.metadata?.name;
  const policy = volume?.spec?.persistentVolumeReclaimPolicy;
  const hazards: ClaimHazard[] = [];
  if (claim.metadata?.deletionTimestamp) {
    const fate =
      policy === 'Delete'
        ? `, and its volume ${pvName} with it (reclaim policy Delete): the data would be destroyed`
        : pvName
          ? `; its volume ${pvName} would be left ${policy ? `Released (reclaim policy ${policy})` : 'without its claim'}`
          : '';
    hazards.push({
      code: 'ClaimTerminating',
      message: `claim ${name} is being deleted (since ${claim.metadata.deletionTimestamp}); it stays only while a pod uses it, so removing the pod deletes the claim${fate}`,
    });
  }
  // persistentVolumeClaimRetentionPolicy whenScaled: Delete makes a condemned pod the claim's
  // owner; a claim owned by a pod is deleted by the garbage collector once that pod is.
  const podOwner = claim.metadata?.ownerReferences?.find((ref) => ref.kind === 'Pod');
  if (podOwner)
    hazards.push({
      code: 'ClaimOwnedByPod',
      message: `claim ${name} is owned by pod ${podOwner.name}: the garbage collector deletes the claim${
        policy === 'Delete' ? `, and its volume ${pvName} with it (reclaim policy Delete),` : ''
      } once that pod is deleted`,
    });
  if (claim.status?.phase === 'Lost')
    hazards.push({
      code: 'ClaimLost',
      message: `claim ${name} is Lost: its volume ${pvName ?? ''} no longer exists`.trimEnd(),
    });
  if (!volume) return hazards;
  if (volume.metadata?.deletionTimestamp)
    hazards.push({
      code: 'VolumeTerminating',
      message: `volume ${pvName} of claim ${name} is being deleted (since ${volume.metadata.deletionTimestamp})`,
    });
  const phase = volume.status?.phase;
  if (phase === 'Released' || phase === 'Failed')
    hazards.push({
      code: phase === 'Released' ? 'VolumeReleased' : 'VolumeFailed',
      message: `volume ${pvName} of claim ${name} is ${phase}${volume.status?.message ? ` (${volume.status.message})` : ''}, not Bound`,
    });
  const ref = volume.spec?.claimRef;
  const namespace = claim.metadata?.namespace;
  const elsewhere =
    ref !== undefined &&
    (ref.name !== name ||
      (ref.namespace !== undefined && namespace !== undefined && ref.namespace !== namespace) ||
      (ref.uid !== undefined && claim.metadata?.uid !== undefined && ref.uid !== claim.metadata.uid));
  if (elsewhere)
    hazards.push({
      code: 'VolumeBoundToAnotherClaim',
      message: `volume ${pvName} names claim ${ref.namespace ?? namespace}/${ref.name}${ref.uid ? ` (uid ${ref.uid})` : ''}, not ${name}${claim.metadata?.uid ? ` (uid ${claim.metadata.uid})` : ''}`,
    });
  return hazards;
}
