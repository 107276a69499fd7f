// Two storage failures the regular storage controllers never produce, for tests that need the real
// condition (install them on a running cluster: `installStorageFailures(cluster.store, cluster.clock)`):
//
// - A CSI driver whose CreateVolume fails. StorageClasses naming `failingProvisioner` get an
//   external-provisioner that runs but cannot create volumes: each attempt records `Provisioning`
//   then a Warning `ProvisioningFailed` with external-provisioner's wording
//   (`failed to provision volume with StorageClass "<class>": rpc error: code = <code> desc = <msg>`),
//   retried every 15 s. The class parameters `sim.kubectl-sts.dev/error-code` and
//   `sim.kubectl-sts.dev/error` choose the gRPC code and message (default: ResourceExhausted, quota).
// - Reclaim policy Recycle on a volume no recycler supports (anything but nfs and hostPath, e.g. a
//   local volume): once its claim is deleted and the volume Released, the PV controller marks it
//   Failed with `No recycler plugin found for the volume!` and a Warning `VolumeFailedRecycle`
//   (pkg/controller/volume/persistentvolume, recycleVolumeOperation).
import { randomUUID } from 'node:crypto';
import type {
  KubeObject,
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from '../../../src/kube/types.ts';
import type { SimClock, Store } from '../contract.ts';
import { EventRecorder, rfc3339 } from './runtime.ts';

export const failingProvisioner = 'failing.csi.sim.kubectl-sts.dev';
const provisionerAnnotation = 'volume.kubernetes.io/storage-provisioner';
const retryMs = 15_000;

export interface StorageFailures {
  stop(): void;
}

export function installStorageFailures(store: Store, clock: SimClock): StorageFailures {
  const recorder = new EventRecorder(store, clock);
  const identity = `${failingProvisioner}_failing-csi-controller-0_${randomUUID()}`;
  const attempts = new Map<string, { cancel(): void }>(); // claim uid → next attempt
  let stopped = false;

  const event = (
    kind: string,
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ) => recorder.record({ kind, apiVersion: 'v1', object }, type, reason, message, { component });

  function attemptProvisioning(namespace: string, name: string, uid: string): void {
    attempts.delete(uid);
    if (stopped) return;
    const claim = store.get<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name);
    if (!claim || claim.metadata?.uid !== uid || claim.spec?.volumeName || claim.metadata?.deletionTimestamp)
      return;
    if (claim.metadata?.annotations?.[provisionerAnnotation] !== failingProvisioner) return;
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = store.get<StorageClass>('storageclasses', undefined, className);
    const parameters = storageClass?.parameters ?? {};
    const code = parameters['sim.kubectl-sts.dev/error-code'] ?? 'ResourceExhausted';
    const detail = parameters['sim.kubectl-sts.dev/error'] ?? 'volume quota exceeded for the project';
    event(
      'PersistentVolumeClaim',
      claim,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${namespace}/${name}"`,
      identity,
    );
    event(
      'PersistentVolumeClaim',
      claim,
      'Warning',
      'ProvisioningFailed',
      `failed to provision volume with StorageClass "${className}": rpc error: code = ${code} desc = ${detail}`,
      identity,
    );
    attempts.set(
      uid,
      clock.setTimeout(() => attemptProvisioning(namespace, name, uid), retryMs),
    );
  }

  function reclaim(name: string): void {
    if (stopped) return;
    const volume = store.get<PersistentVolume>('persistentvolumes', undefined, name);
    if (!volume || volume.metadata?.deletionTimestamp) return;
    if (volume.spec?.persistentVolumeReclaimPolicy !== 'Recycle' || volume.status?.phase !== 'Released')
      return;
    if (volume.spec.nfs || volume.spec.hostPath) return;
    const message = 'No recycler plugin found for the volume!';
    store.updateStatus('persistentvolumes', {
      ...volume,
      status: { phase: 'Failed', message, ...({ lastPhaseTransitionTime: rfc3339(clock.now()) } as object) },
    });
    event(
      'PersistentVolume',
      volume,
      'Warning',
      'VolumeFailedRecycle',
      message,
      'persistentvolume-controller',
    );
  }

  const unsubscribe = [
    store.subscribe('persistentvolumeclaims', (change) => {
      const claim = change.object as PersistentVolumeClaim;
      const uid = claim.metadata?.uid ?? '';
      if (change.type === 'DELETED' || attempts.has(uid)) return;
      if (claim.metadata?.annotations?.[provisionerAnnotation] !== failingProvisioner) return;
      // Deferred: handlers run inside the store's write.
      attempts.set(
        uid,
        clock.setTimeout(
          () => attemptProvisioning(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', uid),
          0,
        ),
      );
    }),
    store.subscribe('persistentvolumes', (change) => {
      if (change.type === 'DELETED') return;
      const name = change.object.metadata?.name ?? '';
      clock.setTimeout(() => reclaim(name), 0);
    }),
  ];

  // Claims the provisioner annotation already names when installed on a running cluster.
  for (const claim of store.list<PersistentVolumeClaim>('persistentvolumeclaims')) {
    const uid = claim.metadata?.uid ?? '';
    if (claim.metadata?.annotations?.[provisionerAnnotation] === failingProvisioner && !attempts.has(uid))
      attempts.set(
        uid,
        clock.setTimeout(
          () => attemptProvisioning(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', uid),
          0,
        ),
      );
  }

  return {
    stop() {
      stopped = true;
      for (const off of unsubscribe) off();
      for (const attempt of attempts.values()) attempt.cancel();
      attempts.clear();
    },
  };
}
