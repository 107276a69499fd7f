// The PersistentVolume controller, the external provisioners a cluster would run, and the
// pvc-protection / pv-protection controllers. Binding writes the same fields the real controllers
// write (spec.volumeName, claimRef with uid, bind-completed, bound-by-controller, storage-provisioner,
// selected-node), and events carry the real texts (ExternalProvisioning, WaitForFirstConsumer, …).
import { randomUUID } from 'node:crypto';
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from '../../../src/kube/types.ts';
import { noProvisioner, selectedNodeAnnotation } from './kubelet.ts';
import { findStaticVolume } from './volumes.ts';
export { quantityBytes } from './volumes.ts';
import type { ControllerContext } from './runtime.ts';
import { after, onResource, peek, rfc3339 } from './runtime.ts';

const pvcProtection = 'kubernetes.io/pvc-protection';
const pvProtection = 'kubernetes.io/pv-protection';
const csiFinalizer = 'external-provisioner.volume.kubernetes.io/finalizer';
const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
const betaProvisionerAnnotation = 'volume.beta.kubernetes.io/storage-provisioner';
const provisionerAnnotation = 'volume.kubernetes.io/storage-provisioner';
const controllerSource = { component: 'persistentvolume-controller' };

interface ProvisionerModel {
  /** How the provisioned volume is pinned: to a node (local volumes), a zone, or nowhere. */
  topology: 'node' | 'zone' | 'none';
  csi: boolean;
}

/** Provisioners the simulated cluster runs. Any other name behaves as a provisioner nobody runs. */
export const knownProvisioners: Record<string, ProvisionerModel> = {
  'rancher.io/local-path': { topology: 'node', csi: false },
  'hostpath.csi.k8s.io': { topology: 'node', csi: true },
  'ebs.csi.aws.com': { topology: 'zone', csi: true },
  'pd.csi.storage.gke.io': { topology: 'zone', csi: true },
  'disk.csi.azure.com': { topology: 'zone', csi: true },
  'csi.sim.kubectl-sts.dev': { topology: 'none', csi: true },
};

export function installStorageControllers(ctx: ControllerContext): void {
  const { store, clock, queue, recorder, timing } = ctx;
  const provisioning = new Set<string>(); // claim uid being provisioned
  const retrying = new Set<string>(); // claim uid with a periodic resync pending

  const enqueueClaim = (namespace: string | undefined, name: string): void => {
    queue.enqueue(`claim:${namespace ?? ''}/${name}`, () => syncClaim(namespace ?? '', name));
  };
  const enqueueVolume = (name: string): void => {
    queue.enqueue(`volume:${name}`, () => syncVolume(name));
  };

  for (const claim of store.list<PersistentVolumeClaim>('persistentvolumeclaims'))
    enqueueClaim(claim.metadata?.namespace, claim.metadata?.name ?? '');
  for (const volume of store.list<PersistentVolume>('persistentvolumes'))
    enqueueVolume(volume.metadata?.name ?? '');

  onResource(ctx, 'persistentvolumeclaims', (event) => {
    enqueueClaim(event.object.metadata?.namespace, event.object.metadata?.name ?? '');
    const volumeName = (event.object as PersistentVolumeClaim).spec?.volumeName;
    if (volumeName) enqueueVolume(volumeName);
    if (event.type === 'DELETED') {
      for (const volume of store.list<PersistentVolume>('persistentvolumes')) {
        if (volume.spec?.claimRef?.uid === event.object.metadata?.uid)
          enqueueVolume(volume.metadata?.name ?? '');
      }
    }
  });
  onResource(ctx, 'persistentvolumes', (event) => {
    enqueueVolume(event.object.metadata?.name ?? '');
    const ref = (event.object as PersistentVolume).spec?.claimRef;
    if (ref?.name) enqueueClaim(ref.namespace, ref.name);
    const freed =
      event.type === 'MODIFIED' &&
      !ref?.name &&
      event.previous &&
      (event.previous as PersistentVolume).spec?.claimRef;
    if ((event.type === 'ADDED' && !ref?.name) || freed) {
      // A new or freed volume may satisfy a pending claim (provisioned ones arrive already claimed).
      for (const claim of store.list<PersistentVolumeClaim>('persistentvolumeclaims')) {
        if (!claim.spec?.volumeName) enqueueClaim(claim.metadata?.namespace, claim.metadata?.name ?? '');
      }
    }
  });
  onResource(ctx, 'storageclasses', () => {
    for (const claim of store.list<PersistentVolumeClaim>('persistentvolumeclaims')) {
      if (!claim.spec?.volumeName) enqueueClaim(claim.metadata?.namespace, claim.metadata?.name ?? '');
    }
  });
  onResource(ctx, 'pods', (event) => {
    // pvc-protection waits for the pods using a claim to go.
    if (
      event.type !== 'DELETED' &&
      !['Succeeded', 'Failed'].includes((event.object as Pod).status?.phase ?? '')
    )
      return;
    for (const volume of (event.object as Pod).spec?.volumes ?? []) {
      if (volume.persistentVolumeClaim)
        enqueueClaim(event.object.metadata?.namespace, volume.persistentVolumeClaim.claimName);
    }
  });

  const claimEvent = (
    claim: PersistentVolumeClaim,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component = controllerSource.component,
  ): void =>
    recorder.record(
      { kind: 'PersistentVolumeClaim', apiVersion: 'v1', object: claim },
      type,
      reason,
      message,
      { component },
    );

  function defaultClass(): StorageClass | undefined {
    const defaults = store
      .list<StorageClass>('storageclasses')
      .filter((sc) => sc.metadata?.annotations?.[defaultClassAnnotation] === 'true')
      .sort((a, b) =>
        (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''),
      );
    return defaults[0];
  }

  function claimInUse(claim: PersistentVolumeClaim): boolean {
    return store
      .list<Pod>('pods', claim.metadata?.namespace)
      .some(
        (pod) =>
          !['Succeeded', 'Failed'].includes(pod.status?.phase ?? '') &&
          (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata?.name),
      );
  }

  function removeFinalizer(
    resource: 'persistentvolumeclaims' | 'persistentvolumes',
    namespace: string | undefined,
    name: string,
    finalizers: string[],
  ): void {
    store.mutate<PersistentVolumeClaim>(resource, namespace, name, (draft) => {
      const remaining = (draft.metadata?.finalizers ?? []).filter((f) => !finalizers.includes(f));
      if (draft.metadata) draft.metadata.finalizers = remaining;
    });
  }

  /** Re-runs a claim's sync later, as the real controller's periodic resync (every 15 s) does. */
  function resyncLater(claim: PersistentVolumeClaim): void {
    const uid = claim.metadata?.uid ?? '';
    if (retrying.has(uid)) return;
    retrying.add(uid);
    after(ctx, 15_000, () => {
      retrying.delete(uid);
      enqueueClaim(claim.metadata?.namespace, claim.metadata?.name ?? '');
    });
  }

  function syncClaim(namespace: string, name: string): void {
    const claim = peek<PersistentVolumeClaim>(store, 'persistentvolumeclaims', namespace, name);
    if (!claim) return;
    if (claim.metadata?.deletionTimestamp) {
      if (claim.metadata.finalizers?.includes(pvcProtection) && !claimInUse(claim)) {
        removeFinalizer('persistentvolumeclaims', namespace, name, [pvcProtection]);
      }
      return;
    }
    if (!claim.metadata?.finalizers?.includes(pvcProtection)) {
      store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name, (draft) => {
        (draft.metadata ??= {}).finalizers = [...(draft.metadata.finalizers ?? []), pvcProtection];
      });
      return;
    }
    if (claim.spec?.volumeName) {
      completeClaimBinding(claim);
      return;
    }
    if (claim.spec?.storageClassName === undefined || claim.spec.storageClassName === null) {
      // Retroactive default StorageClass assignment (GA in 1.28).
      const fallback = defaultClass();
      if (fallback) {
        store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name, (draft) => {
          (draft.spec ??= {}).storageClassName = fallback.metadata?.name;
        });
        return;
      }
    }
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = className
      ? store.get<StorageClass>('storageclasses', undefined, className)
      : undefined;
    const waitForConsumer = storageClass?.volumeBindingMode === 'WaitForFirstConsumer';
    const selectedNode = claim.metadata?.annotations?.[selectedNodeAnnotation];
    if (!(waitForConsumer && !selectedNode)) {
      const volume = findStaticVolume(
        store,
        claim,
        className,
        selectedNode ? peek<Node>(store, 'nodes', undefined, selectedNode) : undefined,
      );
      if (volume) {
        bind(claim, volume, true);
        return;
      }
    }
    if (!className) {
      claimEvent(
        claim,
        'Normal',
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
      );
      resyncLater(claim);
      return;
    }
    if (!storageClass) {
      claimEvent(
        claim,
        'Warning',
        'ProvisioningFailed',
        `storageclass.storage.k8s.io "${className}" not found`,
      );
      resyncLater(claim);
      return;
    }
    if (waitForConsumer && (!selectedNode || storageClass.provisioner === noProvisioner)) {
      claimEvent(
        claim,
        'Normal',
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      );
      return;
    }
    const provisioner = storageClass.provisioner ?? '';
    if (claim.metadata?.annotations?.[provisionerAnnotation] !== provisioner) {
      store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name, (draft) => {
        const meta = (draft.metadata ??= {});
        meta.annotations = {
          ...(meta.annotations ?? {}),
          [betaProvisionerAnnotation]: provisioner,
          [provisionerAnnotation]: provisioner,
        };
      });
      return;
    }
    claimEvent(
      claim,
      'Normal',
      'ExternalProvisioning',
      `waiting for a volume to be created, either by external provisioner "${provisioner}" or manually created by system administrator`,
    );
    const model = knownProvisioners[provisioner];
    if (!model) {
      resyncLater(claim);
      return;
    }
    const uid = claim.metadata?.uid ?? '';
    if (provisioning.has(uid)) return;
    provisioning.add(uid);
    const identity = `${provisioner}_${provisioner.split('/')[0]?.replace(/\./g, '-')}-provisioner-0_${randomUUID()}`;
    claimEvent(
      claim,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${namespace}/${name}"`,
      identity,
    );
    after(ctx, timing.provisionMs, () =>
      queue.enqueue(`provision:${uid}`, () => {
        provisioning.delete(uid);
        const fresh = store.get<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name);
        if (
          !fresh ||
          fresh.metadata?.uid !== uid ||
          fresh.spec?.volumeName ||
          fresh.metadata?.deletionTimestamp
        )
          return;
        const volume = provision(fresh, storageClass, model, selectedNode);
        claimEvent(
          fresh,
          'Normal',
          'ProvisioningSucceeded',
          `Successfully provisioned volume ${volume.metadata?.name}`,
          identity,
        );
        const stored = store.get<PersistentVolume>(
          'persistentvolumes',
          undefined,
          volume.metadata?.name ?? '',
        );
        if (stored) bind(fresh, stored, false);
      }),
    );
  }

  function provision(
    claim: PersistentVolumeClaim,
    storageClass: StorageClass,
    model: ProvisionerModel,
    selectedNode: string | undefined,
  ): PersistentVolume {
    const provisioner = storageClass.provisioner ?? '';
    const nodes = store.list<Node>('nodes');
    const node =
      nodes.find((n) => n.metadata?.name === selectedNode) ??
      nodes.find((n) => !n.spec?.taints?.length) ??
      nodes[0];
    const nodeName = node?.metadata?.name ?? '';
    const zone = node?.metadata?.labels?.['topology.kubernetes.io/zone'] ?? '';
    const name = `pvc-${claim.metadata?.uid}`;
    const annotations: Record<string, string> = { 'pv.kubernetes.io/provisioned-by': provisioner };
    const spec: NonNullable<PersistentVolume['spec']> = {
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        name: claim.metadata?.name,
        namespace: claim.metadata?.namespace,
        resourceVersion: claim.metadata?.resourceVersion,
        uid: claim.metadata?.uid,
      } as NonNullable<PersistentVolume['spec']>['claimRef'],
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata?.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
    };
    if (model.csi) {
      spec.csi = {
        driver: provisioner,
        volumeHandle: randomUUID(),
        ...({
          fsType: 'ext4',
          volumeAttributes: {
            'storage.kubernetes.io/csiProvisionerIdentity': `${clock.now().getTime()}-${provisioner}`,
          },
        } as object),
      } as NonNullable<PersistentVolume['spec']>['csi'];
    } else {
      annotations['local.path.provisioner/selected-node'] = nodeName;
      spec.hostPath = {
        path: `/var/local-path-provisioner/${name}_${claim.metadata?.namespace}_${claim.metadata?.name}`,
        type: 'DirectoryOrCreate',
      };
    }
    if (model.topology === 'node') {
      spec.nodeAffinity = {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] },
          ],
        },
      };
    } else if (model.topology === 'zone' && zone) {
      spec.nodeAffinity = {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] },
          ],
        },
      };
    }
    const volume: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations, finalizers: model.csi ? [csiFinalizer, pvProtection] : [pvProtection] },
      spec,
    };
    const created = store.create<PersistentVolume>('persistentvolumes', volume);
    return created;
  }

  function bind(claim: PersistentVolumeClaim, volume: PersistentVolume, boundByController: boolean): void {
    const now = rfc3339(clock.now());
    const boundVolume = store.mutate<PersistentVolume>(
      'persistentvolumes',
      undefined,
      volume.metadata?.name ?? '',
      (draft) => {
        const spec = (draft.spec ??= {});
        if (!spec.claimRef?.uid) {
          spec.claimRef = {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: claim.metadata?.name,
            namespace: claim.metadata?.namespace,
            resourceVersion: claim.metadata?.resourceVersion,
            uid: claim.metadata?.uid,
          } as typeof spec.claimRef;
          if (boundByController) {
            (draft.metadata ??= {}).annotations = {
              ...(draft.metadata.annotations ?? {}),
              'pv.kubernetes.io/bound-by-controller': 'yes',
            };
          }
        }
      },
    );
    if (!boundVolume) return;
    setVolumePhase(boundVolume.metadata?.name ?? '', 'Bound', now);
    store.mutate<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      claim.metadata?.namespace,
      claim.metadata?.name ?? '',
      (draft) => {
        const spec = (draft.spec ??= {});
        // bound-by-controller marks a claim whose volumeName the controller chose, not the user.
        const chosenByController = !spec.volumeName;
        spec.volumeName = boundVolume.metadata?.name;
        (draft.metadata ??= {}).annotations = {
          ...(draft.metadata.annotations ?? {}),
          'pv.kubernetes.io/bind-completed': 'yes',
          ...(chosenByController ? { 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
        };
      },
    );
    const updated = store.get<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      claim.metadata?.namespace,
      claim.metadata?.name ?? '',
    );
    if (updated) completeClaimBinding(updated);
  }

  function setVolumePhase(name: string, phase: string, now: string): void {
    const volume = store.get<PersistentVolume>('persistentvolumes', undefined, name);
    if (!volume || volume.status?.phase === phase) return;
    store.updateStatus('persistentvolumes', {
      ...volume,
      status: { phase, ...({ lastPhaseTransitionTime: now } as object) },
    });
  }

  function completeClaimBinding(claim: PersistentVolumeClaim): void {
    const volume = store.get<PersistentVolume>('persistentvolumes', undefined, claim.spec?.volumeName ?? '');
    if (!volume || (volume.spec?.claimRef?.uid && volume.spec.claimRef.uid !== claim.metadata?.uid)) {
      if (claim.status?.phase === 'Bound') {
        store.updateStatus('persistentvolumeclaims', {
          ...claim,
          status: { ...(claim.status ?? {}), phase: 'Lost' },
        });
        claimEvent(
          claim,
          'Warning',
          'ClaimLost',
          'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
        );
      }
      return;
    }
    if (!volume.spec?.claimRef?.uid) {
      // The user named the volume in the claim: the controller binds the volume back to it.
      bind(claim, volume, true);
      return;
    }
    if (claim.status?.phase === 'Bound') return;
    store.updateStatus('persistentvolumeclaims', {
      ...claim,
      status: { phase: 'Bound', accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity },
    });
  }

  function syncVolume(name: string): void {
    const volume = store.get<PersistentVolume>('persistentvolumes', undefined, name);
    if (!volume) return;
    const now = rfc3339(clock.now());
    if (volume.metadata?.deletionTimestamp) {
      // pv-protection lets go once no claim is bound to the volume; the CSI finalizer once the disk is gone.
      const ref = volume.spec?.claimRef;
      const claim = ref?.name
        ? store.get<PersistentVolumeClaim>('persistentvolumeclaims', ref.namespace, ref.name)
        : undefined;
      const bound =
        claim !== undefined && claim.metadata?.uid === ref?.uid && claim.spec?.volumeName === name;
      if (!bound) removeFinalizer('persistentvolumes', undefined, name, [pvProtection, csiFinalizer]);
      return;
    }
    if (!volume.metadata?.finalizers?.includes(pvProtection)) {
      store.mutate<PersistentVolume>('persistentvolumes', undefined, name, (draft) => {
        (draft.metadata ??= {}).finalizers = [...(draft.metadata.finalizers ?? []), pvProtection];
      });
      return;
    }
    const ref = volume.spec?.claimRef;
    if (!ref?.name) {
      setVolumePhase(name, 'Available', now);
      return;
    }
    const claim = store.get<PersistentVolumeClaim>('persistentvolumeclaims', ref.namespace, ref.name);
    if (claim && (!ref.uid || claim.metadata?.uid === ref.uid)) {
      if (claim.spec?.volumeName === name) setVolumePhase(name, 'Bound', now);
      return;
    }
    if (!ref.uid) return;
    // The claim is gone: reclaim.
    if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed')
      setVolumePhase(name, 'Released', now);
    if ((volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain') === 'Delete') {
      try {
        store.delete('persistentvolumes', undefined, name);
      } catch {
        // already gone
      }
    }
  }
}
