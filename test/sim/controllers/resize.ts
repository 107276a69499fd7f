// Volume expansion as the external-resizer and the kubelet do it. Raising a bound claim's
// request (`kubectl patch pvc … requests.storage`) on a class with allowVolumeExpansion:
// the resizer marks the claim Resizing, grows the volume (PV capacity), and hands the
// filesystem to the kubelet (FileSystemResizePending; status.capacity keeps the old size).
// Drivers that expand online finish while the volume stays mounted; with the StorageClass
// parameter `sim.kubectl-sts.dev/online-expansion: "false"` the filesystem grows only when a
// pod next mounts the claim (a restart), as for drivers without online expansion.
import type {
  Condition,
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from '../../../src/kube/types.ts';
import { quantityBytes } from './volumes.ts';
import type { ControllerContext } from './runtime.ts';
import { after, onResource, peek, rfc3339 } from './runtime.ts';

export const ONLINE_EXPANSION_PARAMETER = 'sim.kubectl-sts.dev/online-expansion';
const FILESYSTEM_PENDING_MESSAGE =
  'Waiting for user to (re-)start a pod to finish file system resize of volume on node.';
/** How long the resizer takes to grow the volume, and the kubelet an online filesystem. */
const CONTROLLER_RESIZE_MS = 2_000;
const ONLINE_NODE_RESIZE_MS = 3_000;

export interface ResizeControls {
  /** The kubelet mounts `claim` for a new pod: a pending filesystem expansion completes. */
  finishOnMount(namespace: string, claim: string, node: string): void;
}

function setCondition(
  claim: PersistentVolumeClaim,
  type: string,
  message: string | undefined,
  now: string,
): void {
  const status = (claim.status ??= {});
  const conditions = (status.conditions ?? []).filter((c) => c.type !== type);
  const next: Condition = { type, status: 'True', lastProbeTime: null, lastTransitionTime: now };
  if (message) next.message = message;
  status.conditions = [...conditions, next];
}

function dropConditions(claim: PersistentVolumeClaim, types: string[]): void {
  if (!claim.status?.conditions) return;
  claim.status.conditions = claim.status.conditions.filter((c) => !types.includes(c.type));
  if (claim.status.conditions.length === 0) delete claim.status.conditions;
}

export function installResizeController(ctx: ControllerContext): ResizeControls {
  const { store, clock, queue, recorder } = ctx;
  const inProgress = new Set<string>();

  const classOf = (claim: PersistentVolumeClaim): StorageClass | undefined => {
    const name = claim.spec?.storageClassName;
    return name ? peek<StorageClass>(store, 'storageclasses', undefined, name) : undefined;
  };
  const event = (
    claim: PersistentVolumeClaim,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ) =>
    recorder.record(
      { kind: 'PersistentVolumeClaim', apiVersion: 'v1', object: claim },
      type,
      reason,
      message,
      { component },
    );

  const wantsExpansion = (claim: PersistentVolumeClaim): boolean => {
    if (claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) return false;
    const requested = quantityBytes(claim.spec?.resources?.requests?.storage);
    const capacity = quantityBytes(claim.status?.capacity?.storage);
    return requested > capacity && capacity > 0;
  };

  function sync(namespace: string, name: string): void {
    const claim = peek<PersistentVolumeClaim>(store, 'persistentvolumeclaims', namespace, name);
    const key = `${namespace}/${name}`;
    if (!claim || !wantsExpansion(claim) || inProgress.has(key)) return;
    const storageClass = classOf(claim);
    // No resizer acts on a class that does not allow expansion (the claim just waits).
    if (storageClass?.allowVolumeExpansion !== true) return;
    if (claim.status?.conditions?.some((c) => c.type === 'FileSystemResizePending')) return;
    inProgress.add(key);
    const requested = claim.spec!.resources!.requests!.storage!;
    const pvName = claim.spec!.volumeName!;
    const resizer = 'external-resizer';
    const marked = store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name, (draft) => {
      setCondition(draft, 'Resizing', undefined, rfc3339(clock.now()));
      (draft.status as Record<string, unknown>).allocatedResourceStatuses = {
        storage: 'ControllerResizeInProgress',
      };
    });
    if (marked) event(marked, 'Normal', 'Resizing', `External resizer is resizing volume ${pvName}`, resizer);
    after(ctx, CONTROLLER_RESIZE_MS, () =>
      queue.enqueue(`resize:${key}`, () => {
        store.mutate<PersistentVolume>('persistentvolumes', undefined, pvName, (draft) => {
          (draft.spec ??= {}).capacity = { ...(draft.spec.capacity ?? {}), storage: requested };
        });
        const pending = store.mutate<PersistentVolumeClaim>(
          'persistentvolumeclaims',
          namespace,
          name,
          (draft) => {
            dropConditions(draft, ['Resizing']);
            setCondition(draft, 'FileSystemResizePending', FILESYSTEM_PENDING_MESSAGE, rfc3339(clock.now()));
            const status = draft.status as Record<string, unknown>;
            status.allocatedResources = { storage: requested };
            status.allocatedResourceStatuses = { storage: 'NodeResizePending' };
          },
        );
        inProgress.delete(key);
        if (!pending) return;
        event(
          pending,
          'Normal',
          'FileSystemResizeRequired',
          'Require file system resize of volume on node',
          resizer,
        );
        const online = storageClass.parameters?.[ONLINE_EXPANSION_PARAMETER] !== 'false';
        if (online)
          after(ctx, ONLINE_NODE_RESIZE_MS, () =>
            queue.enqueue(`resize-node:${key}`, () => finish(namespace, name, undefined)),
          );
      }),
    );
  }

  /** The kubelet grew the filesystem: capacity reaches the request, the conditions go. */
  function finish(namespace: string, name: string, node: string | undefined): void {
    const claim = peek<PersistentVolumeClaim>(store, 'persistentvolumeclaims', namespace, name);
    if (!claim?.status?.conditions?.some((c) => c.type === 'FileSystemResizePending')) return;
    const done = store.mutate<PersistentVolumeClaim>('persistentvolumeclaims', namespace, name, (draft) => {
      const status = (draft.status ??= {});
      status.capacity = {
        ...(status.capacity ?? {}),
        storage: draft.spec?.resources?.requests?.storage ?? '',
      };
      dropConditions(draft, ['FileSystemResizePending']);
      delete (status as Record<string, unknown>).allocatedResourceStatuses;
    });
    if (done)
      event(
        done,
        'Normal',
        'FileSystemResizeSuccessful',
        `MountVolume.NodeExpandVolume succeeded for volume "${claim.spec?.volumeName}"${node ? ` ${node}` : ''}`,
        'kubelet',
      );
  }

  for (const claim of store.list<PersistentVolumeClaim>('persistentvolumeclaims'))
    queue.enqueue(`resize:${claim.metadata?.namespace}/${claim.metadata?.name}`, () =>
      sync(claim.metadata?.namespace ?? '', claim.metadata?.name ?? ''),
    );
  onResource(ctx, 'persistentvolumeclaims', (change) => {
    if (change.type === 'DELETED') return;
    const namespace = change.object.metadata?.namespace ?? '';
    const name = change.object.metadata?.name ?? '';
    queue.enqueue(`resize-check:${namespace}/${name}`, () => sync(namespace, name));
  });

  return {
    finishOnMount(namespace, claim, node) {
      queue.enqueue(`resize-mount:${namespace}/${claim}`, () => finish(namespace, claim, node));
    },
  };
}
