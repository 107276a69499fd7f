// The garbage collector: dependents whose every owner is gone are deleted (background
// propagation, what kubectl asks for by default); an owner deleting in the foreground waits for
// its blocking dependents. Orphaning is done by the store itself when the delete asks for it.
import type { KubeObject } from '../../../src/kube/types.ts';
import type { ResourceName } from '../contract.ts';
import type { ControllerContext } from './runtime.ts';
import { onResource } from './runtime.ts';

const resourceOfKind: Record<string, ResourceName> = {
  StatefulSet: 'statefulsets',
  Pod: 'pods',
  Service: 'services',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  PersistentVolume: 'persistentvolumes',
  ControllerRevision: 'controllerrevisions',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Node: 'nodes',
  Namespace: 'namespaces',
  EndpointSlice: 'endpointslices',
  PodDisruptionBudget: 'poddisruptionbudgets',
  ServiceAccount: 'serviceaccounts',
};

const clusterScoped = new Set<ResourceName>(['persistentvolumes', 'nodes', 'namespaces', 'storageclasses']);

const dependentResources: ResourceName[] = [
  'pods',
  'persistentvolumeclaims',
  'controllerrevisions',
  'endpointslices',
  'configmaps',
  'secrets',
  'services',
  'poddisruptionbudgets',
];

const ownerResources: ResourceName[] = [
  'statefulsets',
  'pods',
  'services',
  'persistentvolumeclaims',
  'configmaps',
  'secrets',
];

export function installGarbageCollector(ctx: ControllerContext): void {
  const { store, queue } = ctx;

  const ownerExists = (dependent: KubeObject, ref: { kind: string; name: string; uid: string }): boolean => {
    const resource = resourceOfKind[ref.kind];
    // Kinds this cluster does not serve are taken to exist: the real GC would not guess either.
    if (!resource) return true;
    const owner = store.get(
      resource,
      clusterScoped.has(resource) ? undefined : dependent.metadata?.namespace,
      ref.name,
    );
    return owner?.metadata?.uid === ref.uid;
  };

  const collect = (resource: ResourceName, dependent: KubeObject): void => {
    const refs = dependent.metadata?.ownerReferences ?? [];
    if (refs.length === 0 || dependent.metadata?.deletionTimestamp) return;
    if (refs.some((ref) => ownerExists(dependent, ref))) return;
    try {
      store.delete(resource, dependent.metadata?.namespace, dependent.metadata?.name ?? '', {
        propagationPolicy: 'Background',
      });
    } catch {
      // already gone
    }
  };

  const dependentsOf = (owner: KubeObject): [ResourceName, KubeObject][] => {
    const uid = owner.metadata?.uid;
    const found: [ResourceName, KubeObject][] = [];
    for (const resource of dependentResources) {
      for (const object of store.list(resource, owner.metadata?.namespace)) {
        if (object.metadata?.ownerReferences?.some((ref) => ref.uid === uid)) found.push([resource, object]);
      }
    }
    return found;
  };

  const finishForeground = (resource: ResourceName, owner: KubeObject): void => {
    const blocking = dependentsOf(owner).filter(([, object]) =>
      object.metadata?.ownerReferences?.some(
        (ref) => ref.uid === owner.metadata?.uid && ref.blockOwnerDeletion,
      ),
    );
    for (const [dependentResource, object] of blocking) {
      if (object.metadata?.deletionTimestamp) continue;
      try {
        store.delete(dependentResource, object.metadata?.namespace, object.metadata?.name ?? '', {
          propagationPolicy: 'Foreground',
        });
      } catch {
        // already gone
      }
    }
    if (blocking.length > 0) return;
    store.mutate(resource, owner.metadata?.namespace, owner.metadata?.name ?? '', (draft) => {
      if (draft.metadata)
        draft.metadata.finalizers = (draft.metadata.finalizers ?? []).filter(
          (f) => f !== 'foregroundDeletion',
        );
    });
  };

  for (const resource of ownerResources) {
    onResource(ctx, resource, (event) => {
      const owner = event.object;
      const key = `${resource}:${owner.metadata?.namespace ?? ''}/${owner.metadata?.name ?? ''}:${owner.metadata?.uid}`;
      if (event.type === 'DELETED') {
        queue.enqueue(`gc-owner:${key}`, () => {
          for (const [dependentResource, object] of dependentsOf(owner)) {
            const fresh = store.get(
              dependentResource,
              object.metadata?.namespace,
              object.metadata?.name ?? '',
            );
            if (fresh && fresh.metadata?.uid === object.metadata?.uid) collect(dependentResource, fresh);
          }
        });
      } else if (
        owner.metadata?.deletionTimestamp &&
        owner.metadata.finalizers?.includes('foregroundDeletion')
      ) {
        queue.enqueue(`gc-foreground:${key}`, () => {
          const fresh = store.get(resource, owner.metadata?.namespace, owner.metadata?.name ?? '');
          if (fresh && fresh.metadata?.uid === owner.metadata?.uid) finishForeground(resource, fresh);
        });
      }
    });
  }
  for (const resource of dependentResources) {
    onResource(ctx, resource, (event) => {
      if (event.type === 'DELETED') {
        // A dependent leaving may release an owner waiting in the foreground.
        for (const ref of event.object.metadata?.ownerReferences ?? []) {
          const ownerResource = resourceOfKind[ref.kind];
          if (!ownerResource) continue;
          const namespace = clusterScoped.has(ownerResource) ? undefined : event.object.metadata?.namespace;
          queue.enqueue(`gc-foreground:${ownerResource}:${namespace ?? ''}/${ref.name}:${ref.uid}`, () => {
            const owner = store.get(ownerResource, namespace, ref.name);
            if (
              owner?.metadata?.uid === ref.uid &&
              owner.metadata?.deletionTimestamp &&
              owner.metadata.finalizers?.includes('foregroundDeletion')
            ) {
              finishForeground(ownerResource, owner);
            }
          });
        }
        return;
      }
      if (event.type !== 'ADDED' || !event.object.metadata?.ownerReferences?.length) return;
      const object = event.object;
      queue.enqueue(
        `gc-dependent:${resource}:${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`,
        () => {
          const fresh = store.get(resource, object.metadata?.namespace, object.metadata?.name ?? '');
          if (fresh) collect(resource, fresh);
        },
      );
    });
  }
}
