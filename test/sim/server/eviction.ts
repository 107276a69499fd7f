// pods/eviction and the disruption controller's PodDisruptionBudget status, as the apiserver's
// eviction REST handler and pkg/controller/disruption compute them.
import type { SimClock, Store } from '../contract.ts';
import { ApiError, badRequest } from './errors.ts';
import type { Json } from './json.ts';
import { formatTimestamp, stableEqual } from './json.ts';
import { matchesLabels, selectorFromLabelSelector } from './selectors.ts';

function isReady(pod: Json): boolean {
  return (pod.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
}

function isActive(pod: Json): boolean {
  return (
    !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed'
  );
}

function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) return Number(value) || 0;
  return Math.ceil((Number(match[1]) * total) / 100);
}

export interface BudgetStatus {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

export function podsOfBudget(store: Store, pdb: Json): Json[] {
  const selector = selectorFromLabelSelector(pdb.spec?.selector);
  if (!pdb.spec?.selector) return [];
  return store
    .list<Json>('pods', pdb.metadata.namespace)
    .filter((pod) => matchesLabels(selector, pod.metadata?.labels));
}

export function budgetStatus(store: Store, pdb: Json): BudgetStatus {
  const pods = podsOfBudget(store, pdb).filter(isActive);
  const expectedPods = pods.length;
  const currentHealthy = pods.filter(isReady).length;
  let desiredHealthy = 0;
  if (pdb.spec?.minAvailable !== undefined) desiredHealthy = scaled(pdb.spec.minAvailable, expectedPods);
  else if (pdb.spec?.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - scaled(pdb.spec.maxUnavailable, expectedPods));
  }
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

function writeStatus(store: Store, clock: SimClock, pdb: Json, status: BudgetStatus): void {
  store.mutate<Json>('poddisruptionbudgets', pdb.metadata.namespace, pdb.metadata.name, (draft) => {
    const next = {
      ...(draft.status ?? {}),
      ...status,
      observedGeneration: draft.metadata.generation ?? 1,
    };
    const allowed = status.disruptionsAllowed > 0;
    const existing = (draft.status?.conditions ?? []).find((c: Json) => c.type === 'DisruptionAllowed');
    const condition = {
      type: 'DisruptionAllowed',
      status: allowed ? 'True' : 'False',
      reason: allowed ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: draft.metadata.generation ?? 1,
      lastTransitionTime:
        existing && existing.status === (allowed ? 'True' : 'False')
          ? existing.lastTransitionTime
          : formatTimestamp(clock.now()),
    };
    next.conditions = [condition];
    if (!stableEqual(draft.status, next)) draft.status = next;
  });
}

/** Keeps every PodDisruptionBudget's status current as pods come and go. */
export function installDisruptionController(store: Store, clock: SimClock): { stop(): void } {
  const dirty = new Set<string>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const namespaces = [...dirty];
    dirty.clear();
    for (const namespace of namespaces) {
      for (const pdb of store.list<Json>('poddisruptionbudgets', namespace))
        writeStatus(store, clock, pdb, budgetStatus(store, pdb));
    }
  };
  const mark = (namespace: string | undefined): void => {
    if (!namespace || store.list('poddisruptionbudgets', namespace).length === 0) return;
    dirty.add(namespace);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };
  const offPods = store.subscribe('pods', (event) => mark(event.object.metadata?.namespace));
  const offBudgets = store.subscribe('poddisruptionbudgets', (event) => {
    if (
      event.type !== 'DELETED' &&
      !stableEqual(event.previous?.['spec' as never], (event.object as Json).spec)
    ) {
      mark(event.object.metadata?.namespace);
    } else if (event.type === 'ADDED') mark(event.object.metadata?.namespace);
  });
  return {
    stop() {
      offPods();
      offBudgets();
    },
  };
}

/** POST pods/<name>/eviction: deletes the pod unless a PodDisruptionBudget forbids it (429). */
export function evictPod(
  store: Store,
  clock: SimClock,
  namespace: string,
  name: string,
  body: Json | undefined,
  dryRun: boolean,
): Json {
  if (body && body.kind !== undefined && body.kind !== 'Eviction')
    throw badRequest(`invalid object type: ${body.kind}`);
  if (body?.metadata?.name !== undefined && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = store.get<Json>('pods', namespace, name);
  if (!pod) throw new ApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
  const deleteOptions: Json = body?.deleteOptions ?? {};
  const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  if (!isActive(pod)) {
    if (!dryRun) store.delete('pods', namespace, name, deleteOptions);
    return success;
  }
  const budgets = store
    .list<Json>('poddisruptionbudgets', namespace)
    .filter(
      (pdb) =>
        pdb.spec?.selector &&
        matchesLabels(selectorFromLabelSelector(pdb.spec.selector), pod.metadata?.labels),
    );
  if (budgets.length > 1) {
    throw new ApiError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const pdb = budgets[0];
  if (pdb) {
    const status = budgetStatus(store, pdb);
    const healthy = isReady(pod);
    const allowed = healthy ? status.disruptionsAllowed > 0 : status.currentHealthy >= status.desiredHealthy;
    if (!allowed) {
      throw new ApiError(
        429,
        'TooManyRequests',
        "Cannot evict pod as it would violate the pod's disruption budget.",
        {
          causes: [
            {
              reason: 'DisruptionBudget',
              message: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
            },
          ],
        },
      );
    }
    if (!dryRun && healthy) {
      writeStatus(store, clock, pdb, { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 });
    }
  }
  if (!dryRun) store.delete('pods', namespace, name, deleteOptions);
  return success;
}
