// Static PersistentVolume matching, shared by the PV controller (binding) and the scheduler
// (WaitForFirstConsumer with volumes nobody provisions, e.g. kubernetes.io/no-provisioner).
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../../src/kube/types.ts';
import type { Store } from '../contract.ts';
import { matchesSelector } from './runtime.ts';

/** Quantities as PVCs use them, in bytes, for "big enough" comparisons. */
export function quantityBytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^(\d+(?:\.\d+)?)([KMGTPE]i?|[km])?$/.exec(quantity.trim());
  if (!match) return 0;
  const factors: Record<string, number> = {
    '': 1,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    m: 1e-3,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(match[1]) * (factors[match[2] ?? ''] ?? 1);
}

/** The smallest Available volume that satisfies the claim (and, given a node, is reachable from it). */
export function findStaticVolume(
  store: Store,
  claim: PersistentVolumeClaim,
  className: string,
  node: Node | undefined,
): PersistentVolume | undefined {
  const wanted = quantityBytes(claim.spec?.resources?.requests?.storage);
  const modes = claim.spec?.accessModes ?? [];
  const candidates = store.list<PersistentVolume>('persistentvolumes').filter((volume) => {
    if (volume.metadata?.deletionTimestamp) return false;
    const ref = volume.spec?.claimRef;
    if (
      ref &&
      !(
        ref.namespace === claim.metadata?.namespace &&
        ref.name === claim.metadata?.name &&
        (!ref.uid || ref.uid === claim.metadata?.uid)
      )
    )
      return false;
    if (!ref && volume.status?.phase !== 'Available' && volume.status?.phase !== 'Pending') return false;
    if ((volume.spec?.storageClassName ?? '') !== className) return false;
    if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
    if (!modes.every((mode) => volume.spec?.accessModes?.includes(mode))) return false;
    if (quantityBytes(volume.spec?.capacity?.storage) < wanted) return false;
    if (claim.spec?.selector && !matchesSelector(claim.spec.selector, volume.metadata?.labels)) return false;
    if (node) {
      const terms = (volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as {
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }[];
      if (
        terms.length > 0 &&
        !terms.some((t) =>
          matchesSelector({ matchExpressions: t.matchExpressions ?? [] }, node.metadata?.labels),
        )
      )
        return false;
    }
    return true;
  });
  // The smallest volume that fits, as the real matcher prefers; pre-bound volumes first.
  candidates.sort(
    (a, b) =>
      Number(Boolean(b.spec?.claimRef)) - Number(Boolean(a.spec?.claimRef)) ||
      quantityBytes(a.spec?.capacity?.storage) - quantityBytes(b.spec?.capacity?.storage),
  );
  return candidates[0];
}
