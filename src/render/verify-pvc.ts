// How verify-pvc reads on a terminal: the plan before anything happens, one progress line per
// event (or the spinner's text), and the verdict with its evidence, timings and cleanup. Colour
// only ever repeats what the words already say.
import type {
  ClaimResult,
  MarkerCleanup,
  PodPlan,
  PodVerifyReport,
  RunResult,
  VerifyEvent,
  VerifyPhase,
  VerifyPlan,
  VerifyReport,
} from '../flows/verify-pvc.ts';
import { paint } from './colour.ts';
import type { Colour } from './colour.ts';
import { renderTable } from './table.ts';
import { formatDuration } from '../core/duration.ts';
import { shellLine } from '../core/shell.ts';
import type { CleanupReport, LeftoverMarker } from '../flows/verify-pvc-cleanup.ts';
import { forTerminal } from './terminal.ts';

export interface VerifyRenderOptions {
  color: boolean;
  noHeaders: boolean;
  wide: boolean;
}

/** A step's duration (formatDuration), `-` when it did not happen. */
export function formatMs(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

function resultColour(result: RunResult | ClaimResult['result']): Colour | undefined {
  if (result === 'PASS') return 'green';
  if (result === 'FAIL' || result === 'TIMEOUT') return 'red';
  if (result === 'ABORTED' || result === 'INTERRUPTED') return 'yellow';
  return undefined;
}

function painted(text: string, colour: Colour | undefined, enabled: boolean): string {
  return colour ? paint(text, colour, enabled) : text;
}

function budgetsLine(safety: PodPlan['safety']): string {
  if ('unreadable' in safety.budgets) return `not readable (${safety.budgets.unreadable})`;
  if (safety.budgets.length === 0) return 'no PodDisruptionBudget covers it';
  return safety.budgets
    .map(
      (budget) =>
        `PodDisruptionBudget ${budget.name} (${budget.rule}): ${budget.disruptionsAllowed} disruption${budget.disruptionsAllowed === 1 ? '' : 's'} allowed now`,
    )
    .join('; ');
}

function placementLine(safety: PodPlan['safety']): string {
  if ('unreadable' in safety.placement)
    return `not checked (nodes not readable: ${safety.placement.unreadable})`;
  const { fits } = safety.placement;
  const shown =
    fits.length <= 3 ? fits.join(', ') : `${fits.slice(0, 3).join(', ')} and ${fits.length - 3} more`;
  return fits.length === 1
    ? `node ${shown} (the only one it can run on now)`
    : `any of ${fits.length} nodes (${shown})`;
}

function availabilityLine(pod: PodPlan): string {
  const { safety } = pod;
  const ready = `${safety.readyWhileAway} of ${safety.replicas} replica${safety.replicas === 1 ? '' : 's'} stay${safety.readyWhileAway === 1 ? 's' : ''} Ready`;
  const names = safety.othersReady.length > 0 ? ` (${safety.othersReady.join(', ')})` : '';
  return `${ready}${names}${safety.degraded ? ' -- FEWER THAN THE SET EXPECTS (--allow-degraded)' : ''}`;
}

export const renderPlan = forTerminal(function renderPlan(
  plan: VerifyPlan,
  options: VerifyRenderOptions,
): string {
  const lines: string[] = [];
  const warn = (text: string): void => void lines.push(painted(`warning: ${text}`, 'yellow', options.color));
  lines.push(`verify-pvc plan${plan.dryRun ? ' (dry run: nothing will be done)' : ''}:`);
  lines.push(`  cluster:     ${plan.context ? `context ${plan.context}, ` : ''}server ${plan.server}`);
  lines.push(
    `  StatefulSet: ${plan.namespace}/${plan.statefulSet}, ${plan.replicas} replica${plan.replicas === 1 ? '' : 's'}`,
  );
  lines.push(
    `  pods:        ${plan.pods.map((pod) => pod.pod).join(', then ')}${plan.pods.length > 1 ? ' (one at a time)' : ''}`,
  );
  for (const pod of plan.pods) {
    lines.push('');
    lines.push(`  ${pod.pod} (ordinal ${pod.ordinal}) on node ${pod.node ?? '(none)'}`);
    lines.push(`    pod uid:       ${pod.podUid}`);
    for (const claim of pod.claims) {
      lines.push(`    claim ${claim.claim} → volume ${claim.volume ?? `<${claim.podVolumeSource}>`}`);
      const facts = [
        claim.phase ?? 'phase unknown',
        claim.reclaimPolicy ? `reclaim policy ${claim.reclaimPolicy}` : 'reclaim policy not readable',
      ];
      lines.push(`      volume:      ${facts.join(', ')}`);
      if (claim.pinnedTo) lines.push(`      pinned to:   ${claim.pinnedTo}`);
      lines.push(
        `      mounted at:  ${claim.mountPath}${claim.subPath ? ` (subPath ${claim.subPath})` : ''} in container ${claim.container}`,
      );
      lines.push(`      marker in:   ${claim.markerDir}`);
    }
    lines.push(`    while away:    ${availabilityLine(pod)}`);
    lines.push(`    budgets:       ${budgetsLine(pod.safety)}`);
    lines.push(`    can return to: ${placementLine(pod.safety)}`);
  }
  lines.push('');
  const removal =
    plan.removal === 'eviction'
      ? 'evict the pod with the Eviction API (PodDisruptionBudgets respected)'
      : 'DELETE the pod (uid precondition): --force-delete, budgets NOT consulted';
  lines.push(plan.pods.length > 1 ? '  for each pod, one at a time:' : '  steps:');
  lines.push('    1. record each marker on its claim (an annotation), write it into the volume');
  lines.push('       through exec, and read it back');
  lines.push(`    2. ${removal}`);
  lines.push(
    `    3. wait up to ${formatMs(plan.timeoutMs)} for it to be re-created under the same name and Ready`,
  );
  lines.push('    4. check each claim kept its uid, its PersistentVolume and the marker');
  lines.push(
    plan.keepMarker
      ? '    5. leave the markers and their records in place (--keep-marker)'
      : '    5. remove the markers and their records (also if a step fails or on Ctrl-C)',
  );
  if (plan.settleMs !== null)
    lines.push(
      `    6. before the next pod: wait until every pod has been Ready for ${formatMs(plan.settleMs)},`,
      '       then run these checks again',
    );
  lines.push('  no PersistentVolumeClaim or PersistentVolume is deleted; claims only get the');
  lines.push('  marker records, removed with the markers.');
  const problems = plan.pods.flatMap((pod) => pod.claims.flatMap((claim) => claim.problems));
  const warnings = plan.pods.flatMap((pod) => pod.safety.warnings);
  if (problems.length + warnings.length > 0) lines.push('');
  for (const problem of problems) warn(`${problem}; expect FAIL`);
  for (const warning of [...new Set(warnings)]) warn(warning);
  return `${lines.join('\n')}\n`;
});

const PHASE_TEXT: Record<VerifyPhase, string> = {
  preflight: 'checking the StatefulSet, pod, claims, mounts and permissions',
  confirm: 'waiting for confirmation',
  'write-markers': 'writing markers',
  'remove-pod': 'removing pod',
  'wait-gone': 'waiting for the old pod to go',
  'wait-created': 'waiting for the pod to be re-created',
  'wait-ready': 'waiting for the re-created pod to become Ready',
  verify: 'verifying claims and markers',
  'cleanup-wait': 'waiting for the pod to run again, to remove the markers from it',
  cleanup: 'removing markers',
  settle: 'waiting until every pod is Ready and stays Ready',
};

export const phaseText = forTerminal(function phaseText(phase: VerifyPhase, pod?: string): string {
  const text = PHASE_TEXT[phase];
  return pod && phase !== 'preflight' && phase !== 'confirm' ? `${pod}: ${text}` : text;
});

function cleanupLine(marker: MarkerCleanup): string {
  switch (marker.status) {
    case 'removed':
      return `marker removed: ${marker.path}`;
    case 'absent':
      return `marker already gone: ${marker.path}`;
    case 'kept':
      return `marker kept (--keep-marker): ${marker.path}${marker.container ? ` in container ${marker.container} of ${marker.pod}` : ''}; ${marker.where ?? ''}`;
    default:
      return `marker NOT removed: ${marker.path}${marker.container ? ` in container ${marker.container} of ${marker.pod}` : ''} (${marker.reason ?? 'unknown reason'}); ${marker.where ?? ''}`;
  }
}

/** How to remove a marker left behind, one command per line. */
function removalLines(marker: MarkerCleanup, indent: string): string[] {
  const commands = marker.remove ?? [];
  if (commands.length === 0) return [];
  return [
    `${indent}remove it with:`,
    ...commands.map((argv, index) => `${indent}  ${index > 0 ? 'or ' : ''}${shellLine(argv)}`),
  ];
}

/** A one-line description of a progress event, or undefined for events that only move the spinner. */
export const eventLine = forTerminal(function eventLine(event: VerifyEvent): string | undefined {
  switch (event.type) {
    case 'phase':
      return phaseText(event.phase, event.pod);
    case 'plan':
      return undefined;
    case 'marker-written':
      return `${event.pod}: marker written and read back: ${event.path} (${event.claim})`;
    case 'pod-removed':
      return event.how === 'eviction'
        ? `${event.pod}: evicted (uid ${event.uid})`
        : `${event.pod}: deleted with --force-delete (uid ${event.uid}; PodDisruptionBudgets were not consulted)`;
    case 'pod-terminating':
      return `${event.pod}: old pod terminating`;
    case 'pod-gone':
      return `${event.pod}: old pod gone`;
    case 'pod-created':
      return `${event.pod}: re-created (uid ${event.uid})`;
    case 'pod-ready':
      return `${event.pod}: Ready`;
    case 'claim-verified':
      return `${event.pod}: ${event.claim.claim} ${event.claim.result}`;
    case 'marker-cleanup':
      return `${event.pod}: ${cleanupLine(event.marker)}`;
    case 'settled':
      return `all of ${event.pods.join(', ')} Ready for ${formatMs(event.settleMs)}; checking the next pod`;
    case 'warning':
      return `warning: ${event.message}`;
  }
});

function sameOrChanged(before: string | null, after: string | null): string {
  if (after === null) return before === null ? '-' : `${before} (not re-checked)`;
  return before === after ? `${after} (same)` : `${before ?? '-'} → ${after} (CHANGED)`;
}

function markerText(claim: ClaimResult): string {
  if (claim.markerSurvived === null) return 'not checked';
  return claim.markerSurvived ? 'survived' : 'LOST';
}

function renderRun(run: PodVerifyReport, options: VerifyRenderOptions): string[] {
  const lines: string[] = [];
  const headers = options.wide
    ? ['claim', 'result', 'pvc uid', 'volume', 'marker', 'container', 'marker path']
    : ['claim', 'result', 'pvc uid', 'volume', 'marker'];
  const rows = run.claims.map((claim) => {
    const row = [
      claim.claim,
      painted(claim.result, resultColour(claim.result), options.color),
      sameOrChanged(claim.uidBefore, claim.uidAfter),
      sameOrChanged(claim.volumeBefore, claim.volumeAfter),
      markerText(claim),
    ];
    if (options.wide) row.push(claim.container, claim.markerPath || '-');
    return row;
  });
  const head = `${run.pod} (ordinal ${run.ordinal}): ${painted(run.result, resultColour(run.result), options.color)}`;
  const timing =
    run.timings.recreateMs !== null
      ? `; re-created ${formatMs(run.timings.recreateMs)} and Ready ${formatMs(run.timings.readyMs)} after ${run.removal === 'eviction' ? 'eviction' : 'deletion'}, ${formatMs(run.timings.totalMs)} in all`
      : `; ${formatMs(run.timings.totalMs)} in all`;
  lines.push(`${head}${timing}`);
  if (run.podUidAfter && run.podUidAfter !== run.podUidBefore)
    lines.push(`  pod uid ${run.podUidBefore} → ${run.podUidAfter}`);
  lines.push(
    ...renderTable(headers, rows, { noHeaders: options.noHeaders })
      .trimEnd()
      .split('\n')
      .map((line) => `  ${line}`),
  );
  const evidence = run.claims.filter((claim) => claim.evidence.length > 0);
  if (evidence.length > 0) {
    lines.push('  evidence:');
    for (const claim of evidence) {
      lines.push(`    ${claim.claim}:`);
      for (const fact of claim.evidence) lines.push(`      - ${fact}`);
    }
  }
  if (run.cleanup.length > 0) {
    lines.push('  cleanup:');
    for (const marker of run.cleanup) {
      const line = `    ${cleanupLine(marker)}`;
      lines.push(marker.status === 'left' ? painted(line, 'yellow', options.color) : line);
      if (marker.status === 'left') lines.push(...removalLines(marker, '      '));
    }
  }
  if (run.result !== 'PASS' && run.reason) lines.push(`  reason: ${run.reason}`);
  return lines;
}

export const renderVerifyReport = forTerminal(function renderVerifyReport(
  report: VerifyReport,
  options: VerifyRenderOptions,
): string {
  if (report.result === 'DRY-RUN') return 'dry run: stopped after the plan; nothing was written or deleted\n';
  const lines: string[] = [];
  for (const run of report.runs) {
    lines.push(...renderRun(run, options));
    lines.push('');
  }
  const notRun = report.plan.pods.filter((pod) => !report.runs.some((run) => run.pod === pod.pod));
  if (notRun.length > 0 && report.runs.length > 0)
    lines.push(
      `not verified (stopped after ${report.runs.at(-1)!.pod}): ${notRun.map((p) => p.pod).join(', ')}`,
      '',
    );
  const verdict = painted(report.result, resultColour(report.result), options.color);
  lines.push(
    `RESULT: ${verdict}${report.result === 'PASS' ? '' : report.reason ? ` (${report.reason})` : ''}`,
  );
  return `${lines.join('\n')}\n`;
});

function leftoverLine(marker: LeftoverMarker): string {
  const where = marker.path
    ? `${marker.path}${marker.container ? ` (container ${marker.container} of ${marker.pod})` : ''}`
    : marker.record;
  switch (marker.status) {
    case 'removed':
      return `removed: ${where}`;
    case 'absent':
      return `already gone: ${where}; record removed`;
    case 'dropped':
      return `record dropped: ${marker.reason ?? marker.record}`;
    case 'would-remove':
      return `would remove: ${where}`;
    default:
      return `NOT removed: ${where}${marker.pathInVolume ? ` (${marker.pathInVolume} in volume ${marker.volume ?? '?'})` : ''}: ${marker.reason ?? 'unknown reason'}`;
  }
}

/** `verify-pvc --cleanup`: one line per leftover marker, grouped by claim, then the result. */
export const renderCleanupReport = forTerminal(function renderCleanupReport(
  report: CleanupReport,
  options: VerifyRenderOptions,
): string {
  const lines: string[] = [];
  for (const marker of report.markers) {
    const line = `${marker.claim}: ${leftoverLine(marker)}`;
    lines.push(marker.status === 'left' ? painted(line, 'yellow', options.color) : line);
  }
  const removed = report.markers.filter((m) => m.status === 'removed' || m.status === 'absent').length;
  const summary: Record<CleanupReport['result'], string> = {
    CLEAN: `no leftover marker in the volumes of StatefulSet ${report.statefulSet}`,
    CLEANED: `${removed} leftover marker(s) removed`,
    INCOMPLETE: report.reason ?? 'some markers could not be removed',
    'DRY-RUN': 'dry run: nothing was removed',
  };
  if (lines.length > 0) lines.push('');
  lines.push(`RESULT: ${report.result} (${summary[report.result]})`);
  return `${lines.join('\n')}\n`;
});
