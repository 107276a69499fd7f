// The StatefulSet controller, following pkg/controller/statefulset (stateful_set_control.go,
// stateful_set_utils.go, stateful_pod_control.go): revisions, ordered or parallel pod management,
// PVCs from volumeClaimTemplates before the pod, retention-policy owner references, rolling
// updates with partition (and maxUnavailable), OnDelete, and status as the real controller counts it.
import type {
  ControllerRevision,
  OwnerReference,
  PersistentVolumeClaim,
  Pod,
  StatefulSet,
  StatefulSetStatus,
  Volume,
} from '../../../src/kube/types.ts';
import type { ControllerContext } from './runtime.ts';
import { after, clone, controllerRef, keyOf, matchesSelector, onResource, peek } from './runtime.ts';
import { newRevision, revisionHashLabel, sameRevisionData, templateOf } from './revisions.ts';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';
export const revisionLabel = 'controller-revision-hash';

const source = { component: 'statefulset-controller' };

export function ordinalOf(podName: string | undefined, setName: string): number {
  if (!podName) return -1;
  const match = /^(.*)-([0-9]+)$/.exec(podName);
  if (!match || match[1] !== setName) return -1;
  const ordinal = Number(match[2]);
  return Number.isSafeInteger(ordinal) && ordinal <= 2 ** 31 - 1 ? ordinal : -1;
}

export function claimNameFor(templateName: string, setName: string, ordinal: number): string {
  return `${templateName}-${setName}-${ordinal}`;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

/** Milliseconds until the pod counts as available, 0 when it already does, undefined when not ready. */
function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const since = ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : now;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[revisionLabel];
}

interface RetentionPolicy {
  whenDeleted: string;
  whenScaled: string;
}

function retentionPolicy(set: StatefulSet): RetentionPolicy {
  return {
    whenDeleted: set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain',
    whenScaled: set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain',
  };
}

function refTo(owner: Pod | StatefulSet, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner references a claim should carry under the set's retention policy (pod may not exist yet). */
function desiredClaimOwners(set: StatefulSet, pod: Pod | undefined, scaledDown: boolean): OwnerReference[] {
  const policy = retentionPolicy(set);
  const refs: OwnerReference[] = [];
  if (policy.whenScaled === 'Delete' && scaledDown && pod?.metadata?.uid) refs.push(refTo(pod, 'v1', 'Pod'));
  if (policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && scaledDown)) {
    refs.push(refTo(set, 'apps/v1', 'StatefulSet'));
  }
  return refs;
}

export function installStatefulSetController(ctx: ControllerContext): void {
  const { store, clock, queue, recorder } = ctx;
  /** set key → names of pods whose controller reference points at it (the informer index). */
  const podsBySet = new Map<string, Set<string>>();

  const enqueue = (namespace: string | undefined, name: string): void => {
    queue.enqueue(`statefulset:${namespace ?? ''}/${name}`, () => sync(namespace ?? '', name));
  };

  /** set key → simulated time of the pending minReadySeconds wake-up. */
  const wakeUps = new Map<string, number>();
  /** namespace → names of pods without a controller, candidates for adoption (ClaimPods). */
  const orphans = new Map<string, Set<string>>();

  const indexPod = (pod: Pod, present: boolean): void => {
    const ref = controllerRef(pod);
    const namespace = pod.metadata?.namespace ?? '';
    if (!ref) {
      let names = orphans.get(namespace);
      if (!names) orphans.set(namespace, (names = new Set()));
      if (present && !pod.metadata?.deletionTimestamp) {
        names.add(pod.metadata?.name ?? '');
        for (const set of store.list<StatefulSet>('statefulsets', namespace)) {
          if (matchesSelector(set.spec?.selector, pod.metadata?.labels))
            enqueue(namespace, set.metadata?.name ?? '');
        }
      } else names.delete(pod.metadata?.name ?? '');
      return;
    }
    orphans.get(namespace)?.delete(pod.metadata?.name ?? '');
    if (ref.kind !== 'StatefulSet') return;
    const key = `${pod.metadata?.namespace ?? ''}/${ref.name}`;
    let names = podsBySet.get(key);
    if (!names) podsBySet.set(key, (names = new Set()));
    if (present) names.add(pod.metadata?.name ?? '');
    else names.delete(pod.metadata?.name ?? '');
    enqueue(pod.metadata?.namespace, ref.name);
  };

  for (const pod of store.list<Pod>('pods')) indexPod(pod, true);
  for (const set of store.list<StatefulSet>('statefulsets'))
    enqueue(set.metadata?.namespace, set.metadata?.name ?? '');

  onResource(ctx, 'statefulsets', (event) =>
    enqueue(event.object.metadata?.namespace, event.object.metadata?.name ?? ''),
  );
  onResource(ctx, 'pods', (event) => {
    if (event.previous && event.type === 'MODIFIED') {
      const before = controllerRef(event.previous);
      if (before && before.uid !== controllerRef(event.object)?.uid) indexPod(event.previous, false);
    }
    indexPod(event.object as Pod, event.type !== 'DELETED');
  });
  onResource(ctx, 'persistentvolumeclaims', (event) => {
    // A claim that finished deleting may unblock a pod waiting to be re-created with it.
    if (event.type !== 'DELETED') return;
    const namespace = event.object.metadata?.namespace;
    for (const set of store.list<StatefulSet>('statefulsets', namespace))
      enqueue(namespace, set.metadata?.name ?? '');
  });

  function podsOf(set: StatefulSet): Pod[] {
    const names = podsBySet.get(keyOf(set)) ?? new Set<string>();
    const pods: Pod[] = [];
    for (const name of names) {
      const pod = peek<Pod>(store, 'pods', set.metadata?.namespace, name);
      if (!pod) continue;
      if (controllerRef(pod)?.uid !== set.metadata?.uid) continue;
      if (ordinalOf(pod.metadata?.name, set.metadata?.name ?? '') < 0) continue;
      if (!matchesSelector(set.spec?.selector, pod.metadata?.labels)) continue;
      pods.push(pod);
    }
    return pods;
  }

  function revisionsOf(set: StatefulSet): ControllerRevision[] {
    return store
      .list<ControllerRevision>('controllerrevisions', set.metadata?.namespace)
      .filter((rev) => controllerRef(rev)?.uid === set.metadata?.uid)
      .sort(
        (a, b) =>
          (a.revision ?? 0) - (b.revision ?? 0) ||
          (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
      );
  }

  /** getStatefulSetRevisions: find or create the update revision, find the current one. */
  function resolveRevisions(set: StatefulSet): {
    current: ControllerRevision;
    update: ControllerRevision;
    collisionCount: number;
    revisions: ControllerRevision[];
  } {
    // Adopt orphaned revisions that match the selector (left behind by an orphaning delete).
    for (const revision of store.list<ControllerRevision>('controllerrevisions', set.metadata?.namespace)) {
      if (controllerRef(revision) || !matchesSelector(set.spec?.selector, revision.metadata?.labels))
        continue;
      store.mutate<ControllerRevision>(
        'controllerrevisions',
        revision.metadata?.namespace,
        revision.metadata?.name ?? '',
        (draft) => {
          const meta = (draft.metadata ??= {});
          meta.ownerReferences = [...(meta.ownerReferences ?? []), refTo(set, 'apps/v1', 'StatefulSet')];
        },
      );
    }
    let revisions = revisionsOf(set);
    let collisionCount = set.status?.collisionCount ?? 0;
    const next = (revisions.at(-1)?.revision ?? 0) + 1;
    let update = newRevision(set, next, collisionCount);
    const equal = revisions.filter((rev) => sameRevisionData(rev, update));
    const latest = revisions.at(-1);
    if (equal.length > 0 && latest && equal.at(-1) === latest) {
      update = latest;
    } else if (equal.length > 0) {
      // Rolling back to an earlier template: that revision becomes the newest.
      const target = equal.at(-1) as ControllerRevision;
      update =
        store.mutate<ControllerRevision>(
          'controllerrevisions',
          target.metadata?.namespace,
          target.metadata?.name ?? '',
          (draft) => {
            draft.revision = next;
          },
        ) ?? target;
    } else {
      for (;;) {
        const existing = store.get<ControllerRevision>(
          'controllerrevisions',
          set.metadata?.namespace,
          update.metadata?.name ?? '',
        );
        if (!existing) {
          update = store.create('controllerrevisions', update);
          break;
        }
        if (sameRevisionData(existing, update) && controllerRef(existing)?.uid === set.metadata?.uid) {
          update = existing;
          break;
        }
        collisionCount++;
        update = newRevision(set, next, collisionCount);
      }
    }
    revisions = revisionsOf(set);
    const current = revisions.find((rev) => rev.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount, revisions };
  }

  function withTemplate(set: StatefulSet, revision: ControllerRevision): StatefulSet {
    const copy = clone(set);
    copy.spec = { ...(copy.spec ?? {}), template: templateOf(revision) };
    return copy;
  }

  function newPod(set: StatefulSet, ordinal: number, revisionName: string): Pod {
    const template = clone(set.spec?.template ?? {});
    const name = `${set.metadata?.name}-${ordinal}`;
    const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((claim) => ({
      name: claim.metadata?.name ?? '',
      persistentVolumeClaim: {
        claimName: claimNameFor(claim.metadata?.name ?? '', set.metadata?.name ?? '', ordinal),
      },
    }));
    const claimNames = new Set(claimVolumes.map((v) => v.name));
    const spec = template.spec ?? { containers: [] };
    spec.volumes = [...claimVolumes, ...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name))];
    spec.hostname = name;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${set.metadata?.name}-`,
        namespace: set.metadata?.namespace,
        labels: {
          ...(template.metadata?.labels ?? {}),
          [revisionLabel]: revisionName,
          [podNameLabel]: name,
          [podIndexLabel]: String(ordinal),
        },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ...(template.metadata?.finalizers ? { finalizers: template.metadata.finalizers } : {}),
        ownerReferences: [refTo(set, 'apps/v1', 'StatefulSet')],
      } as Pod['metadata'],
      spec,
    };
  }

  function newVersionedPod(
    set: StatefulSet,
    currentSet: StatefulSet,
    updateSet: StatefulSet,
    current: string,
    update: string,
    ordinal: number,
  ): Pod {
    const start = set.spec?.ordinals?.start ?? 0;
    const strategy = set.spec?.updateStrategy;
    const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = strategy?.rollingUpdate?.partition;
    const useCurrent =
      (rolling &&
        strategy?.rollingUpdate === undefined &&
        ordinal < start + (set.status?.currentReplicas ?? 0)) ||
      (strategy?.rollingUpdate !== undefined && ordinal < start + (partition ?? 0));
    return useCurrent ? newPod(currentSet, ordinal, current) : newPod(updateSet, ordinal, update);
  }

  function createClaims(set: StatefulSet, pod: Pod): boolean {
    const ordinal = ordinalOf(pod.metadata?.name, set.metadata?.name ?? '');
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimNameFor(template.metadata?.name ?? '', set.metadata?.name ?? '', ordinal);
      const existing = store.get<PersistentVolumeClaim>(
        'persistentvolumeclaims',
        set.metadata?.namespace,
        name,
      );
      if (existing) {
        // A claim still being deleted cannot be reused; wait for it to go (PodClaimIsStale).
        if (existing.metadata?.deletionTimestamp) return false;
        continue;
      }
      const labels = { ...(template.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
      const owners = desiredClaimOwners(set, undefined, false);
      const claim: PersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: set.metadata?.namespace,
          labels,
          ...(template.metadata?.annotations ? { annotations: clone(template.metadata.annotations) } : {}),
          ...(owners.length > 0 ? { ownerReferences: owners } : {}),
        },
        spec: clone(template.spec ?? {}),
      };
      try {
        store.create('persistentvolumeclaims', claim);
        recorder.record(
          { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
          'Normal',
          'SuccessfulCreate',
          `create Claim ${name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`,
          source,
        );
      } catch (error) {
        recorder.record(
          { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
          'Warning',
          'FailedCreate',
          `create Claim ${name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(error)}`,
          source,
        );
        return false;
      }
    }
    return true;
  }

  function createPod(set: StatefulSet, pod: Pod): boolean {
    if (!createClaims(set, pod)) return false;
    try {
      store.create('pods', pod);
    } catch (error) {
      recorder.record(
        { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
        'Warning',
        'FailedCreate',
        `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(error)}`,
        source,
      );
      return false;
    }
    recorder.record(
      { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
      'Normal',
      'SuccessfulCreate',
      `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`,
      source,
    );
    return true;
  }

  function deletePod(set: StatefulSet, pod: Pod): void {
    try {
      store.delete('pods', pod.metadata?.namespace, pod.metadata?.name ?? '');
    } catch (error) {
      if ((error as { code?: number }).code === 404) return;
      recorder.record(
        { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
        'Warning',
        'FailedDelete',
        `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(error)}`,
        source,
      );
      return;
    }
    recorder.record(
      { kind: 'StatefulSet', apiVersion: 'apps/v1', object: set },
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`,
      source,
    );
  }

  /** Brings each claim's owner references in line with the retention policy (ClaimsMatchRetentionPolicy). */
  function reconcileClaimOwners(set: StatefulSet, pod: Pod, scaledDown: boolean): void {
    const ordinal = ordinalOf(pod.metadata?.name, set.metadata?.name ?? '');
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimNameFor(template.metadata?.name ?? '', set.metadata?.name ?? '', ordinal);
      const claim = store.get<PersistentVolumeClaim>('persistentvolumeclaims', set.metadata?.namespace, name);
      if (!claim || claim.metadata?.deletionTimestamp) continue;
      const ours = (ref: OwnerReference): boolean =>
        (ref.kind === 'StatefulSet' && ref.name === set.metadata?.name) ||
        (ref.kind === 'Pod' && ref.name === pod.metadata?.name);
      const refs = claim.metadata?.ownerReferences ?? [];
      // A reference to an older incarnation (UID mismatch) is left for the garbage collector.
      const stale = refs.some(
        (ref) => ours(ref) && ref.uid !== (ref.kind === 'Pod' ? pod.metadata?.uid : set.metadata?.uid),
      );
      if (stale) continue;
      const desired = [...refs.filter((ref) => !ours(ref)), ...desiredClaimOwners(set, pod, scaledDown)];
      const same =
        desired.length === refs.length &&
        desired.every((ref) =>
          refs.some((have) => have.uid === ref.uid && have.controller === ref.controller),
        );
      if (same) continue;
      store.mutate<PersistentVolumeClaim>(
        'persistentvolumeclaims',
        claim.metadata?.namespace,
        name,
        (draft) => {
          if (desired.length > 0) (draft.metadata ??= {}).ownerReferences = desired;
          else delete draft.metadata?.ownerReferences;
        },
      );
    }
  }

  function computeStatus(
    set: StatefulSet,
    pods: Pod[],
    current: ControllerRevision,
    update: ControllerRevision,
    collisionCount: number,
  ): StatefulSetStatus {
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const now = clock.now().getTime();
    let replicas = 0;
    let ready = 0;
    let available = 0;
    let currentReplicas = 0;
    let updated = 0;
    for (const pod of pods) {
      replicas++;
      if (isRunningAndReady(pod)) {
        ready++;
        if (msUntilAvailable(pod, minReadySeconds, now) === 0) available++;
      }
      if (!isTerminating(pod)) {
        if (revisionOf(pod) === current.metadata?.name) currentReplicas++;
        if (revisionOf(pod) === update.metadata?.name) updated++;
      }
    }
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation ?? 1,
      replicas,
      readyReplicas: ready,
      currentReplicas,
      updatedReplicas: updated,
      currentRevision: current.metadata?.name,
      updateRevision: update.metadata?.name,
      collisionCount,
      availableReplicas: available,
    };
    const desired = set.spec?.replicas ?? 1;
    // completeRollingUpdate
    if (
      (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
      updated === desired &&
      ready === desired &&
      replicas === desired
    ) {
      status.currentReplicas = updated;
      status.currentRevision = status.updateRevision;
    }
    return status;
  }

  function writeStatus(set: StatefulSet, status: StatefulSetStatus): void {
    const have = set.status ?? {};
    const fields: (keyof StatefulSetStatus)[] = [
      'observedGeneration',
      'replicas',
      'readyReplicas',
      'currentReplicas',
      'updatedReplicas',
      'currentRevision',
      'updateRevision',
      'collisionCount',
      'availableReplicas',
    ];
    const normalised = (s: StatefulSetStatus, field: keyof StatefulSetStatus): unknown =>
      s[field] ?? (typeof status[field] === 'number' ? 0 : undefined);
    if (fields.every((field) => normalised(have, field) === normalised(status, field))) return;
    const fresh = store.get<StatefulSet>('statefulsets', set.metadata?.namespace, set.metadata?.name ?? '');
    if (!fresh) return;
    const next = clone(fresh);
    // readyReplicas, currentReplicas and updatedReplicas are omitempty on the wire.
    const wire: StatefulSetStatus = {
      ...(fresh.status?.conditions ? { conditions: fresh.status.conditions } : {}),
    };
    for (const field of fields) {
      const value = status[field];
      if (value === undefined) continue;
      if (
        value === 0 &&
        (field === 'readyReplicas' || field === 'currentReplicas' || field === 'updatedReplicas')
      )
        continue;
      (wire as Record<string, unknown>)[field] = value;
    }
    next.status = wire;
    store.updateStatus('statefulsets', next);
  }

  function truncateHistory(
    set: StatefulSet,
    pods: Pod[],
    revisions: ControllerRevision[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): void {
    const live = new Set<string>([current.metadata?.name ?? '', update.metadata?.name ?? '']);
    for (const pod of pods) {
      const revision = revisionOf(pod);
      if (revision) live.add(revision);
    }
    const history = revisions.filter((rev) => !live.has(rev.metadata?.name ?? ''));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    for (const rev of history.slice(0, Math.max(0, history.length - limit))) {
      try {
        store.delete('controllerrevisions', rev.metadata?.namespace, rev.metadata?.name ?? '');
      } catch {
        // already gone
      }
    }
  }

  /** Adopts pods that match the selector and carry one of the set's names but have no controller. */
  function adoptOrphans(set: StatefulSet): void {
    const namespace = set.metadata?.namespace ?? '';
    for (const name of [...(orphans.get(namespace) ?? [])]) {
      if (ordinalOf(name, set.metadata?.name ?? '') < 0) continue;
      const pod = peek<Pod>(store, 'pods', namespace, name);
      if (!pod || controllerRef(pod) || pod.metadata?.deletionTimestamp) continue;
      if (!matchesSelector(set.spec?.selector, pod.metadata?.labels)) continue;
      store.mutate<Pod>('pods', namespace, name, (draft) => {
        const meta = (draft.metadata ??= {});
        meta.ownerReferences = [...(meta.ownerReferences ?? []), refTo(set, 'apps/v1', 'StatefulSet')];
      });
    }
  }

  function sync(namespace: string, name: string): void {
    const set = store.get<StatefulSet>('statefulsets', namespace, name);
    if (!set) {
      podsBySet.delete(`${namespace}/${name}`);
      return;
    }
    const { current, update, collisionCount, revisions } = resolveRevisions(set);
    if (!set.metadata?.deletionTimestamp) adoptOrphans(set);
    const pods = podsOf(set);
    if (!set.metadata?.deletionTimestamp) updatePods(set, pods, current, update);
    const after = podsOf(set);
    writeStatus(set, computeStatus(set, after, current, update, collisionCount));
    truncateHistory(set, after, revisionsOf(set).length ? revisionsOf(set) : revisions, current, update);
  }

  function updatePods(
    set: StatefulSet,
    pods: Pod[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): void {
    const setName = set.metadata?.name ?? '';
    const start = set.spec?.ordinals?.start ?? 0;
    const count = set.spec?.replicas ?? 1;
    const currentSet = withTemplate(set, current);
    const updateSet = withTemplate(set, update);
    const currentName = current.metadata?.name ?? '';
    const updateName = update.metadata?.name ?? '';
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const now = clock.now().getTime();
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

    const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(count).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(pod.metadata?.name, setName);
      if (ordinal >= start && ordinal < start + count) replicas[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(b.metadata?.name, setName) - ordinalOf(a.metadata?.name, setName));

    let firstUnhealthy: Pod | undefined;
    for (const pod of replicas) if (pod && !isHealthy(pod) && !firstUnhealthy) firstUnhealthy = pod;
    for (let i = condemned.length - 1; i >= 0; i--) {
      const pod = condemned[i] as Pod;
      if (!isHealthy(pod) && !firstUnhealthy) firstUnhealthy = pod;
    }

    const requeueWhenAvailable = (pod: Pod): void => {
      const wait = msUntilAvailable(pod, minReadySeconds, now);
      if (wait === undefined || wait <= 0) return;
      // One pending wake-up per set is enough when it is the earliest needed.
      const key = keyOf(set);
      const at = now + wait + 1;
      const pending = wakeUps.get(key);
      if (pending !== undefined && pending <= at && pending > now) return;
      wakeUps.set(key, at);
      after(ctx, wait + 1, () => {
        if (wakeUps.get(key) === at) wakeUps.delete(key);
        enqueue(namespace, setName);
      });
    };
    const namespace = set.metadata?.namespace;

    // processReplica for each live ordinal.
    let missing = false;
    for (let index = 0; index < count; index++) {
      const ordinal = start + index;
      const pod = replicas[index];
      if (!pod) {
        missing = true;
        createPod(set, newVersionedPod(set, currentSet, updateSet, currentName, updateName, ordinal));
        if (monotonic) return;
        continue;
      }
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') {
        // A new pod is created on a later sync, once this one is gone from the store.
        if (!isTerminating(pod)) deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (phase === 'Pending' || phase === undefined) createClaims(set, pod);
      if (isTerminating(pod) && monotonic) return;
      if (!isRunningAndReady(pod) && monotonic) return;
      if (monotonic && msUntilAvailable(pod, minReadySeconds, now) !== 0) {
        requeueWhenAvailable(pod);
        return;
      }
      if (!monotonic) requeueWhenAvailable(pod);
      reconcileClaimOwners(updateSet, pod, false);
    }

    for (const pod of condemned) reconcileClaimOwners(updateSet, pod, true);

    // processCondemned, highest ordinal first.
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && pod !== firstUnhealthy) {
        if (!isRunningAndReady(pod)) return;
        if (msUntilAvailable(pod, minReadySeconds, now) !== 0) {
          requeueWhenAvailable(pod);
          return;
        }
      }
      deletePod(set, pod);
      if (monotonic) return;
    }

    const strategy = set.spec?.updateStrategy;
    // A pod created this round is not healthy yet, which blocks any rolling update.
    if (missing || strategy?.type === 'OnDelete') return;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    const live = replicas as Pod[];

    if (strategy?.rollingUpdate?.maxUnavailable !== undefined) {
      const maxUnavailable = scaledMaxUnavailable(strategy.rollingUpdate.maxUnavailable, count);
      const unavailable = live.filter((pod) => !isHealthy(pod)).length;
      let budget = maxUnavailable - unavailable;
      for (let index = live.length - 1; index >= partition && budget > 0; index--) {
        const pod = live[index] as Pod;
        if (revisionOf(pod) !== updateName && !isTerminating(pod)) {
          deletePod(set, pod);
          budget--;
        }
      }
      return;
    }

    for (let index = live.length - 1; index >= partition; index--) {
      const pod = live[index] as Pod;
      if (revisionOf(pod) !== updateName && !isTerminating(pod)) {
        deletePod(set, pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }
}

function scaledMaxUnavailable(value: number | string, replicas: number): number {
  let result: number;
  if (typeof value === 'number') result = value;
  else if (value.endsWith('%')) result = Math.floor((Number(value.slice(0, -1)) * replicas) / 100);
  else result = Number(value);
  return Number.isFinite(result) && result >= 1 ? result : 1;
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

export { revisionHashLabel };
