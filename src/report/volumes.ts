// Per-ordinal storage: for each volumeClaimTemplate, the claim the controller creates for that
// ordinal (matched by exact name), what it is bound to, and the PV's details when readable.
import type { Condition, PersistentVolume, PersistentVolumeClaim, StatefulSet } from '../kube/types.ts';
import { parseQuantity } from './diagnostics/facts.ts';
import { isExpectedOrdinal, ordinalFromClaimName } from './ordinals.ts';
import type { Unreadable } from './snapshot.ts';

export interface VolumeStatus {
  /** The volumeClaimTemplate's name. */
  template: string;
  /** `<template>-<set>-<ordinal>`. */
  claim: string;
  /** Whether the claim exists; null when claims were not read (a dump without them, a forbidden list). */
  claimExists: boolean | null;
  /** PVC phase (`Bound`, `Pending`, `Lost`); null when the claim does not exist or is unknown. */
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
  claimsKnown = true,
): VolumeStatus {
  const volumeName = claim?.spec?.volumeName || null;
  const pv = volumeName ? volumes.get(volumeName) : undefined;
  let volumeDetails: VolumeStatus['volumeDetails'] = null;
  if (volumeName) volumeDetails = pv ? 'read' : pvUnreadable ? 'not-readable' : 'missing';
  return {
    template,
    claim: claimName,
    claimExists: claim !== undefined ? true : claimsKnown ? false : null,
    phase: claim ? (claim.status?.phase ?? 'Pending') : null,
    claimTerminating: claimDeletionPending(claim),
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

/**
 * The claim has been deleted but still exists: deletionTimestamp is set, and the
 * kubernetes.io/pvc-protection finalizer holds it while a pod uses it. It goes as soon as no pod
 * does, so the next restart of that pod loses it (the controller then creates an empty claim of
 * the same name).
 */
export function claimDeletionPending(claim: PersistentVolumeClaim | undefined): boolean {
  return Boolean(claim?.metadata?.deletionTimestamp);
}

/** Where an expansion of a bound claim stands, read from its conditions and allocation status. */
export interface ClaimResize {
  /** What the claim asks for (spec) and what it has (status.capacity). */
  requested: string;
  capacity: string;
  /**
   * `filesystem`: the volume is expanded, its filesystem not yet (FileSystemResizePending);
   * `controller`: the resizer is expanding the volume (Resizing); `failed`: a resize error was
   * reported; `waiting`: nothing reports progress.
   */
  state: 'filesystem' | 'controller' | 'failed' | 'waiting';
  /** The condition (or allocatedResourceStatuses entry) that says so, as `Type: message`. */
  reason: string | undefined;
  since: string | undefined;
}

const RESIZE_ERRORS = new Set(['ControllerResizeError', 'NodeResizeError']);

/** The claim's expansion in progress (capacity below the request), or undefined when there is none. */
export function claimResizeOf(claim: PersistentVolumeClaim | undefined): ClaimResize | undefined {
  if (!claim || claim.status?.phase !== 'Bound') return undefined;
  const requested = claim.spec?.resources?.requests?.storage;
  const capacity = claim.status?.capacity?.storage;
  const wanted = parseQuantity(requested);
  const has = parseQuantity(capacity);
  if (wanted === undefined || has === undefined || has >= wanted) return undefined;
  const conditions = (claim.status?.conditions ?? []).filter((c) => c.status === 'True');
  const allocation = (claim.status as { allocatedResourceStatuses?: Record<string, string> } | undefined)
    ?.allocatedResourceStatuses?.storage;
  const describe = (c: Condition) => `${c.type}${c.message ? `: ${c.message}` : ''}`;
  const failed = conditions.find((c) => RESIZE_ERRORS.has(c.type));
  const base = { requested: requested!, capacity: capacity! };
  if (failed || /Infeasible$/.test(allocation ?? ''))
    return {
      ...base,
      state: 'failed',
      reason: failed ? describe(failed) : `allocatedResourceStatuses.storage: ${allocation}`,
      since: failed?.lastTransitionTime,
    };
  const filesystem = conditions.find((c) => c.type === 'FileSystemResizePending');
  if (filesystem || /^NodeResize/.test(allocation ?? ''))
    return {
      ...base,
      state: 'filesystem',
      reason: filesystem ? describe(filesystem) : `allocatedResourceStatuses.storage: ${allocation}`,
      since: filesystem?.lastTransitionTime,
    };
  const resizing = conditions.find((c) => c.type === 'Resizing');
  if (resizing || allocation === 'ControllerResizeInProgress')
    return {
      ...base,
      state: 'controller',
      reason: resizing ? describe(resizing) : `allocatedResourceStatuses.storage: ${allocation}`,
      since: resizing?.lastTransitionTime,
    };
  return { ...base, state: 'waiting', reason: undefined, since: undefined };
}

const BINARY_UNITS = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Bytes as a Kubernetes quantity: exact binary units when they divide (`20Gi`), else one decimal (`1.5Gi`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return String(Math.round(bytes));
  let unit = -1;
  let value = bytes;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${text}${BINARY_UNITS[unit]}`;
}

/** A claim of one of the set's templates whose ordinal lies outside start … start + replicas − 1. */
export interface ClaimOutsideRange {
  ordinal: number;
  template: string;
  claim: PersistentVolumeClaim;
}

/**
 * The set's claims for ordinals it no longer has: what a scale-down leaves when
 * persistentVolumeClaimRetentionPolicy.whenScaled is Retain (the default), and what a scale-up
 * back over those ordinals re-attaches, data and all. Matched by exact generated name.
 */
export function claimsOutsideRange(
  set: StatefulSet,
  claims: readonly PersistentVolumeClaim[],
): ClaimOutsideRange[] {
  const name = set.metadata?.name ?? '';
  const namespace = set.metadata?.namespace ?? 'default';
  const templates = (set.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '').filter(Boolean);
  const found: ClaimOutsideRange[] = [];
  for (const claim of claims) {
    if ((claim.metadata?.namespace ?? namespace) !== namespace) continue;
    for (const template of templates) {
      const ordinal = ordinalFromClaimName(claim.metadata?.name ?? '', template, name);
      if (ordinal !== undefined && !isExpectedOrdinal(set, ordinal)) found.push({ ordinal, template, claim });
    }
  }
  return found.sort((a, b) => a.ordinal - b.ordinal || a.template.localeCompare(b.template));
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
  if (claimDeletionPending(claim)) {
    const fate =
      policy === 'Delete'
        ? `, and its volume ${pvName} with it (reclaim policy Delete): the data would be destroyed`
        : pvName
          ? `; its volume ${pvName} would be left ${policy ? `Released (reclaim policy ${policy})` : 'without its claim'}`
          : '';
    hazards.push({
      code: 'ClaimTerminating',
      message: `claim ${name} is being deleted (since ${claim.metadata?.deletionTimestamp}); it stays only while a pod uses it, so removing the pod deletes the claim${fate}`,
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
