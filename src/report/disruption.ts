// PodDisruptionBudgets as the Eviction API reads them (pkg/registry/core/pod/storage/eviction.go):
// which budgets cover a pod (a non-empty selector matching its labels), and whether a budget lets
// one more pod go now — from the status the disruption controller wrote, not recomputed, because
// that status is what the API server checks. A budget that refuses says why: one that can never
// allow a voluntary eviction (maxUnavailable: 0) needs a different answer than one that will
// once more of its pods are healthy.
import type { Pod, PodDisruptionBudget } from '../kube/types.ts';
import { selectorMatches } from './selector.ts';

/** The budgets whose selector matches the pod (an empty or missing selector matches nothing). */
export function budgetsCovering(pod: Pod, budgets: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  const namespace = pod.metadata?.namespace;
  return budgets.filter(
    (budget) =>
      (namespace === undefined ||
        budget.metadata?.namespace === undefined ||
        budget.metadata.namespace === namespace) &&
      selectorMatches(budget.spec?.selector, pod.metadata?.labels),
  );
}

export interface BudgetState {
  name: string;
  /** `maxUnavailable: 0`, `minAvailable: 2`, `minAvailable: 100%`. */
  rule: string;
  /** status.disruptionsAllowed as the disruption controller last wrote it. */
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  /** The controller has not processed the latest spec: the Eviction API refuses until it has. */
  stale: boolean;
  /**
   * Why it lets no pod go now, or undefined when it allows at least one disruption. `never`:
   * its spec forbids every voluntary disruption at the current size.
   */
  refusal?: { never: boolean; reason: string };
}

function ruleOf(budget: PodDisruptionBudget): string {
  const spec = budget.spec ?? {};
  if (spec.maxUnavailable !== undefined) return `maxUnavailable: ${spec.maxUnavailable}`;
  if (spec.minAvailable !== undefined) return `minAvailable: ${spec.minAvailable}`;
  return 'no minAvailable or maxUnavailable';
}

/** 0, "0" and "0%" all forbid any unavailability. */
function isZero(value: number | string): boolean {
  return typeof value === 'number' ? value === 0 : /^0+%?$/.test(value.trim());
}

function neverAllows(budget: PodDisruptionBudget, expectedPods: number): boolean {
  const spec = budget.spec ?? {};
  if (spec.maxUnavailable !== undefined) return isZero(spec.maxUnavailable);
  if (spec.minAvailable === undefined) return false;
  if (typeof spec.minAvailable === 'string') {
    const percent = /^(\d+)%$/.exec(spec.minAvailable.trim());
    if (percent) return Number(percent[1]) >= 100;
    const number = Number(spec.minAvailable);
    return Number.isInteger(number) && expectedPods > 0 && number >= expectedPods;
  }
  return expectedPods > 0 && spec.minAvailable >= expectedPods;
}

export function budgetState(budget: PodDisruptionBudget): BudgetState {
  const name = budget.metadata?.name ?? '';
  const status = budget.status ?? {};
  const observed = status.observedGeneration ?? 0;
  const generation = budget.metadata?.generation ?? 0;
  const state: BudgetState = {
    name,
    rule: ruleOf(budget),
    disruptionsAllowed: status.disruptionsAllowed ?? 0,
    currentHealthy: status.currentHealthy ?? 0,
    desiredHealthy: status.desiredHealthy ?? 0,
    expectedPods: status.expectedPods ?? 0,
    stale: observed < generation,
  };
  if (state.stale) {
    state.refusal = {
      never: false,
      reason: `PodDisruptionBudget ${name} has not been processed by the disruption controller yet (status.observedGeneration ${observed}, generation ${generation}), and until it is the Eviction API refuses every eviction it covers`,
    };
  } else if (state.disruptionsAllowed <= 0) {
    state.refusal = neverAllows(budget, state.expectedPods)
      ? {
          never: true,
          reason: `PodDisruptionBudget ${name} allows no disruption: ${state.rule}${state.expectedPods > 0 && !/^maxUnavailable/.test(state.rule) ? ` of ${state.expectedPods} pods` : ''} never lets a pod be evicted voluntarily`,
        }
      : {
          never: false,
          reason: `PodDisruptionBudget ${name} allows no disruption now (${state.rule}): it needs ${state.desiredHealthy} healthy pods and has ${state.currentHealthy}; it allows one once more of its pods are healthy`,
        };
  }
  return state;
}
