// How verify-pvc reads on a terminal: the plan before anything happens, one progress line per
// event (or the spinner's text), and the verdict with its evidence, timings and cleanup. Colour
// only ever repeats what the words already say.
import type {
  ClaimResult,
  MarkerCleanup,
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
import { forTerminal } from './terminal.ts';

export interface VerifyRenderOptions {
  color: boolean;
  noHeaders: boolean;
  wide: boolean;
}

/** Milliseconds as `850ms`, `3.2s`, `2m5s`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
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

export const renderPlan = forTerminal(function renderPlan(
  plan: VerifyPlan,
  options: VerifyRenderOptions,
): string {
  const lines: string[] = [];
  const podNames = plan.pods.map((pod) => pod.pod).join(', then ');
  const removal =
    plan.removal === 'eviction'
      ? 'evict it through the Eviction API (PodDisruptionBudgets are respected)'
      : 'DELETE it with a uid precondition (--force-delete: PodDisruptionBudgets are NOT consulted)';
  lines.push(
    `verify-pvc plan for StatefulSet ${plan.statefulSet} in namespace ${plan.namespace}${plan.dryRun ? ' (dry run: nothing will be done)' : ''}:`,
  );
  lines.push(`  pods, one at a time: ${podNames}`);
  lines.push('  for each pod:');
  lines.push('    1. write a marker file into each claim volume below (through exec) and read it back');
  lines.push(`    2. ${removal}`);
  lines.push(
    `    3. wait up to ${formatMs(plan.timeoutMs)} for it to be re-created under the same name and Ready`,
  );
  lines.push('    4. check each claim kept its uid, its PersistentVolume and the marker');
  lines.push(
    plan.keepMarker
      ? '    5. leave the markers in place (--keep-marker)'
      : '    5. remove the markers (also if a step fails or you press Ctrl-C)',
  );
  lines.push('  no PersistentVolumeClaim or PersistentVolume is ever deleted or changed.');
  lines.push('');
  const headers = ['pod', 'uid', 'claim', 'volume', 'container', 'marker directory'];
  const rows = plan.pods.flatMap((pod) =>
    pod.claims.map((claim) => [
      pod.pod,
      pod.podUid,
      claim.claim,
      claim.volume ?? `<${claim.podVolumeSource}>`,
      claim.container,
      claim.subPath ? `${claim.markerDir} (subPath ${claim.subPath})` : claim.markerDir,
    ]),
  );
  lines.push(renderTable(headers, rows, { noHeaders: options.noHeaders }).trimEnd());
  const problems = plan.pods.flatMap((pod) => pod.claims.flatMap((claim) => claim.problems));
  for (const problem of problems)
    lines.push(painted(`warning: ${problem}; expect FAIL`, 'yellow', options.color));
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
  cleanup: 'removing markers',
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
      return `marker kept (--keep-marker): ${marker.where ?? marker.path}`;
    default:
      return `marker NOT removed: ${marker.where ?? marker.path} (${marker.reason ?? 'unknown reason'})`;
  }
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
