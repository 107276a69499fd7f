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

/** canIgnorePDB: a pod that is finished, not yet running, or already going disrupts nothing more. */
function canIgnoreBudget(pod: Json): boolean {
  const phase = pod.status?.phase;
  return (
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    phase === 'Pending' ||
    Boolean(pod.metadata?.deletionTimestamp)
  );
}

/** intstr.GetScaledValueFromIntOrPercent with roundUp. */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) return Number(value) || 0;
  return Math.ceil((Number(match[1]) * total) / 100);
}

/** How long an approved eviction keeps a pod out of currentHealthy if it is not deleted (DeletionTimeout). */
const DELETION_TIMEOUT_MS = 2 * 60_000;

export interface BudgetStatus {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
  disruptedPods: Record<string, string>;
}

/** Whether a budget covers a pod: a nil or empty selector matches nothing, not everything. */
function budgetSelects(pdb: Json, pod: Json): boolean {
  const selector = pdb.spec?.selector;
  if (!selector) return false;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    return false;
  return matchesLabels(selectorFromLabelSelector(selector), pod.metadata?.labels);
}

/** getPodsForPdb: every pod of the budget's namespace it selects. */
export function podsOfBudget(store: Store, pdb: Json): Json[] {
  return store.list<Json>('pods', pdb.metadata.namespace).filter((pod) => budgetSelects(pdb, pod));
}

/** getExpectedScale: the summed spec.replicas of the StatefulSets controlling the pods. */
function expectedScale(store: Store, pods: Json[]): number {
  const scales = new Map<string, number>();
  for (const pod of pods) {
    const ref = (pod.metadata?.ownerReferences ?? []).find((r: Json) => r.controller);
    if (!ref || scales.has(ref.uid)) continue;
    if (ref.kind !== 'StatefulSet') continue; // other controllers are not simulated
    const set = store.get<Json>('statefulsets', pod.metadata.namespace, ref.name);
    if (set && set.metadata?.uid === ref.uid) scales.set(ref.uid, set.spec?.replicas ?? 1);
  }
  return [...scales.values()].reduce((sum, n) => sum + n, 0);
}

/** What the disruption controller writes into a budget's status (pkg/controller/disruption trySync). */
export function budgetStatus(store: Store, pdb: Json, now: Date): BudgetStatus {
  const pods = podsOfBudget(store, pdb);
  let expectedPods = 0;
  let desiredHealthy = 0;
  if (pdb.spec?.maxUnavailable !== undefined) {
    expectedPods = expectedScale(store, pods);
    desiredHealthy = Math.max(0, expectedPods - scaled(pdb.spec.maxUnavailable, expectedPods));
  } else if (pdb.spec?.minAvailable !== undefined) {
    if (typeof pdb.spec.minAvailable === 'number') {
      desiredHealthy = pdb.spec.minAvailable;
      expectedPods = pods.length;
    } else {
      expectedPods = expectedScale(store, pods);
      desiredHealthy = scaled(pdb.spec.minAvailable, expectedPods);
    }
  }
  // buildDisruptedPodMap: pods an eviction approved stay out of currentHealthy until they are
  // deleted, or DeletionTimeout has passed.
  const disruptedPods: Record<string, string> = {};
  const recorded: Record<string, string> = pdb.status?.disruptedPods ?? {};
  for (const pod of pods) {
    const since = recorded[pod.metadata.name];
    if (!since || pod.metadata?.deletionTimestamp) continue;
    if (Date.parse(since) + DELETION_TIMEOUT_MS > now.getTime()) disruptedPods[pod.metadata.name] = since;
  }
  const currentHealthy = pods.filter(
    (pod) => !pod.metadata?.deletionTimestamp && !disruptedPods[pod.metadata.name] && isReady(pod),
  ).length;
  const allowed = currentHealthy - desiredHealthy;
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed,
    disruptedPods,
  };
}

/** pdbhelper.UpdateDisruptionAllowedCondition */
function allowedCondition(draft: Json, clock: SimClock): Json {
  const allowed = (draft.status?.disruptionsAllowed ?? 0) > 0;
  const existing = (draft.status?.conditions ?? []).find((c: Json) => c.type === 'DisruptionAllowed');
  return {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    observedGeneration: draft.status?.observedGeneration ?? draft.metadata.generation ?? 1,
    lastTransitionTime:
      existing && existing.status === (allowed ? 'True' : 'False')
        ? existing.lastTransitionTime
        : formatTimestamp(clock.now()),
  };
}

function writeStatus(store: Store, clock: SimClock, pdb: Json, status: BudgetStatus): void {
  store.mutate<Json>('poddisruptionbudgets', pdb.metadata.namespace, pdb.metadata.name, (draft) => {
    const next: Json = {
      ...(draft.status ?? {}),
      currentHealthy: status.currentHealthy,
      desiredHealthy: status.desiredHealthy,
      expectedPods: status.expectedPods,
      disruptionsAllowed: status.disruptionsAllowed,
      observedGeneration: draft.metadata.generation ?? 1,
    };
    if (Object.keys(status.disruptedPods).length > 0) next.disruptedPods = status.disruptedPods;
    else delete next.disruptedPods;
    next.conditions = [allowedCondition({ ...draft, status: next }, clock)];
    if (!stableEqual(draft.status, next)) draft.status = next;
  });
}

/**
 * Keeps every PodDisruptionBudget's status current as pods, budgets and StatefulSets (whose
 * replicas are the expected count of maxUnavailable and percentage budgets) come and go.
 */
export function installDisruptionController(store: Store, clock: SimClock): { stop(): void } {
  const dirty = new Set<string>();
  let scheduled = false;
  let stopped = false;
  const rechecks = new Map<string, { cancel(): void }>();
  const flush = (): void => {
    scheduled = false;
    if (stopped) return;
    const namespaces = [...dirty];
    dirty.clear();
    for (const namespace of namespaces) {
      for (const pdb of store.list<Json>('poddisruptionbudgets', namespace)) {
        const status = budgetStatus(store, pdb, clock.now());
        writeStatus(store, clock, pdb, status);
        // A disrupted pod that was not deleted counts again after DeletionTimeout: look then.
        const first = Object.values(status.disruptedPods)
          .map((t) => Date.parse(t))
          .sort()[0];
        if (first !== undefined && !rechecks.has(namespace)) {
          rechecks.set(
            namespace,
            clock.setTimeout(
              () => {
                rechecks.delete(namespace);
                mark(namespace);
              },
              Math.max(0, first + DELETION_TIMEOUT_MS - clock.now().getTime()) + 1,
            ),
          );
        }
      }
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
  const offSets = store.subscribe('statefulsets', (event) => {
    const previous = (event.previous as Json | undefined)?.spec?.replicas;
    if (event.type !== 'MODIFIED' || previous !== (event.object as Json).spec?.replicas)
      mark(event.object.metadata?.namespace);
  });
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
      stopped = true;
      for (const recheck of rechecks.values()) recheck.cancel();
      offPods();
      offSets();
      offBudgets();
    },
  };
}

function tooManyRequests(cause: string, retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
      causes: [{ reason: 'DisruptionBudget', message: cause }],
    },
  );
}

/**
 * POST pods/<name>/eviction, as EvictionREST.Create: a pod that is finished, Pending or already
 * terminating is deleted without consulting budgets; otherwise its one budget must allow a
 * disruption in the status the disruption controller wrote (not recomputed here), and the
 * approval is recorded in status.disruptedPods. A refusal is a 429 whose Status carries a
 * DisruptionBudget cause, exactly as the apiserver writes it.
 */
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
  if (canIgnoreBudget(pod)) {
    if (!dryRun) store.delete('pods', namespace, name, deleteOptions);
    return success;
  }
  const budgets = store
    .list<Json>('poddisruptionbudgets', namespace)
    .filter((pdb) => budgetSelects(pdb, pod));
  if (budgets.length > 1) {
    throw new ApiError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const pdb = budgets[0];
  if (pdb) {
    const status = pdb.status ?? {};
    const desired = status.desiredHealthy ?? 0;
    // An unready pod counts for nothing: it may go while the budget is otherwise met.
    const unreadyAndMet = !isReady(pod) && (status.currentHealthy ?? 0) >= desired && desired > 0;
    if (!unreadyAndMet) {
      if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0))
        throw tooManyRequests(
          `The disruption budget ${pdb.metadata.name} is still being processed by the server.`,
          10,
        );
      if ((status.disruptionsAllowed ?? 0) <= 0)
        throw tooManyRequests(
          `The disruption budget ${pdb.metadata.name} needs ${desired} healthy pods and has ${status.currentHealthy ?? 0} currently`,
          0,
        );
      if (!dryRun) {
        store.mutate<Json>('poddisruptionbudgets', namespace, pdb.metadata.name, (draft) => {
          draft.status = {
            ...draft.status,
            disruptionsAllowed: (draft.status?.disruptionsAllowed ?? 0) - 1,
            disruptedPods: { ...(draft.status?.disruptedPods ?? {}), [name]: formatTimestamp(clock.now()) },
          };
          draft.status.conditions = [allowedCondition(draft, clock)];
        });
      }
    }
  }
  if (!dryRun) store.delete('pods', namespace, name, deleteOptions);
  return success;
}
