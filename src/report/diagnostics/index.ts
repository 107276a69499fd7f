// The diagnostics engine: pure rules over one StatefulSet snapshot. Each finding says what is
// wrong, which ordinals it affects, the evidence (field values and events) and what to do.
import type { Diagnostic, StatefulSetSnapshot } from '../snapshot.ts';
import { buildContext, type Rule } from './context.ts';
import { governingService } from './identity.ts';
import { orderFindings } from './order.ts';
import { podsOnLostNodes } from './nodes.ts';
import { forcedRollbackTrap, orderedReadyBlocked } from './ordering.ts';
import {
  currentRevisionDrift,
  generationNotObserved,
  kubectlRolloutStatusMisleading,
  minReadySecondsPending,
  onDeletePending,
  partitionHolding,
  rollingUpdateInProgress,
} from './rollout-rules.ts';
import {
  claimDeletedWhileInUse,
  claimProblems,
  claimResizePending,
  leftoverClaims,
  releasedVolumes,
  volumeNodeAffinityConflict,
} from './storage.ts';
import { clockSkew, imagePullFailed, podUnschedulable, unaccountedPods } from './pods.ts';
import { leftoverMarkers } from './markers.ts';

export { orderFindings } from './order.ts';
export { DIAGNOSTIC_CODES, commandsOf, type DiagnosingCommand, type DiagnosticCodeInfo } from './codes.ts';

const RULES: Rule[] = [
  orderedReadyBlocked,
  podUnschedulable,
  imagePullFailed,
  forcedRollbackTrap,
  unaccountedPods,
  podsOnLostNodes,
  claimDeletedWhileInUse,
  // Before claimProblems: a resize under way explains a claim larger than its template.
  claimResizePending,
  claimProblems,
  volumeNodeAffinityConflict,
  releasedVolumes,
  leftoverClaims,
  governingService,
  generationNotObserved,
  onDeletePending,
  rollingUpdateInProgress,
  partitionHolding,
  minReadySecondsPending,
  currentRevisionDrift,
  kubectlRolloutStatusMisleading,
  clockSkew,
  leftoverMarkers,
];

/** Every finding about the set, most severe first, then by lowest ordinal. */
export function diagnose(snapshot: StatefulSetSnapshot): Diagnostic[] {
  const context = buildContext(snapshot);
  return orderFindings(RULES.flatMap((rule) => rule(context)));
}

/** Findings that stop the rollout until someone acts. */
export function blockingFindings(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.blocking === true);
}

/** What `status --problems` lists a set for: any warning or error (info alone is not a problem). */
export function hasProblems(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity !== 'info');
}
