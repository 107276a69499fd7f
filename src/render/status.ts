// How a status report looks on a terminal: a summary block, the per-ordinal table and a
// diagnostics footer; plus the one-line-per-set overview and the watch's change lines.
import type { OverviewReport, StatefulSetHealth } from '../report/overview.ts';
import type { Diagnostic } from '../report/snapshot.ts';
import type { PodStatusRow, StatusReport, VolumeStatus } from '../report/status.ts';
import { paint } from './colour.ts';
import type { Colour } from './colour.ts';
import { humanDuration } from './duration.ts';
import { renderTable } from './table.ts';
import { forTerminal } from './terminal.ts';

export interface StatusRenderOptions {
  wide: boolean;
  noHeaders: boolean;
  color: boolean;
}

const NONE = '<none>';

function statusColour(status: string): Colour | undefined {
  if (status === 'Running' || status === 'Completed') return undefined;
  if (/BackOff|Err|Error|Failed|Unknown|OOMKilled|Missing/.test(status)) return 'red';
  return 'yellow';
}

function painted(text: string, colour: Colour | undefined, enabled: boolean): string {
  return colour ? paint(text, colour, enabled) : text;
}

function summaryLines(report: StatusReport): [string, string][] {
  const set = report.statefulSet;
  const strategy = set.updateStrategy;
  const strategyText =
    strategy.type === 'RollingUpdate'
      ? `RollingUpdate (partition ${strategy.partition ?? 0}, maxUnavailable ${strategy.maxUnavailable ?? 1})`
      : strategy.type;
  const r = set.replicas;
  const revisions =
    set.revisions.current === set.revisions.update
      ? (set.revisions.current ?? NONE)
      : `current ${set.revisions.current ?? NONE}, update ${set.revisions.update ?? NONE}`;
  const generation =
    set.generation.observed === set.generation.current
      ? `${set.generation.current ?? NONE} (observed)`
      : `${set.generation.current ?? NONE} (observed ${set.generation.observed ?? 'never'})`;
  return [
    ['Name', set.name],
    ['Namespace', set.namespace],
    ['Service', set.serviceName ?? NONE],
    ['Pod management', set.podManagementPolicy],
    ['Update strategy', strategyText],
    ['Ordinals', `start ${set.ordinalsStart}`],
    [
      'PVC retention',
      `whenDeleted ${set.pvcRetentionPolicy.whenDeleted}, whenScaled ${set.pvcRetentionPolicy.whenScaled}`,
    ],
    ['Min ready seconds', String(set.minReadySeconds)],
    [
      'Replicas',
      `${r.desired} desired | ${r.current} current | ${r.ready} ready | ${r.updated} updated | ${r.available} available`,
    ],
    ['Revision', revisions],
    ['Generation', generation],
  ];
}

function readyAfterText(row: PodStatusRow): string {
  return row.readyAfterPreviousSeconds === null ? '-' : `+${humanDuration(row.readyAfterPreviousSeconds)}`;
}

function notesFor(row: PodStatusRow): string[] {
  const notes: string[] = [];
  if (!row.expected) notes.push('outside range');
  if (row.createdBeforePredecessorReady) notes.push('created before predecessor was Ready');
  // PVs that could not be read are explained once under the table, not on every row.
  for (const volume of row.volumes)
    if (volume.volumeDetails === 'missing') notes.push(`PV ${volume.volume} not found`);
  return notes;
}

/** The claim's STATUS as `kubectl get pvc` prints it: Terminating while being deleted. */
function claimPhase(volume: VolumeStatus): string {
  if (volume.claimTerminating) return 'Terminating';
  return volume.phase ?? 'Missing';
}

function volumeHeaders(templates: string[], wide: boolean): string[] {
  // With one template the columns need no prefix; with several, each is named after its template.
  const prefix = (template: string) => (templates.length > 1 ? `${template} ` : '');
  return templates.flatMap((template) => [
    `${prefix(template)}PVC`,
    `${prefix(template)}PVC STATUS`,
    `${prefix(template)}VOLUME`,
    ...(wide
      ? [
          `${prefix(template)}CAPACITY`,
          `${prefix(template)}ACCESS MODES`,
          `${prefix(template)}STORAGECLASS`,
          `${prefix(template)}RECLAIM POLICY`,
          `${prefix(template)}PV STATUS`,
        ]
      : []),
  ]);
}

function volumeCells(volumes: VolumeStatus[], wide: boolean, color: boolean): string[] {
  return volumes.flatMap((volume) => {
    const text = claimPhase(volume);
    const phase = painted(text, text === 'Bound' ? undefined : 'yellow', color);
    const pvUnknown = volume.volume
      ? volume.volumeDetails === 'not-readable'
        ? '<not readable>'
        : NONE
      : NONE;
    return [
      volume.claim,
      phase,
      volume.volume ?? NONE,
      ...(wide
        ? [
            volume.capacity ?? NONE,
            volume.accessModes.join(',') || NONE,
            volume.storageClass ?? NONE,
            volume.reclaimPolicy ?? pvUnknown,
            volume.volumeTerminating ? 'Terminating' : (volume.volumePhase ?? pvUnknown),
          ]
        : []),
    ];
  });
}

/** The per-ordinal table. */
export const renderPodTable = forTerminal(function renderPodTable(
  report: StatusReport,
  options: StatusRenderOptions,
): string {
  const { wide, color } = options;
  const templates = report.statefulSet.volumeClaimTemplates;
  const anyNotes = report.pods.some((row) => notesFor(row).length > 0);
  const headers = [
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    'ORDER',
    ...(wide ? ['READY SINCE', 'READY AFTER', 'IP'] : []),
    'NODE',
    'REVISION',
    ...(wide ? ['HASH'] : []),
    'DNS',
    ...volumeHeaders(templates, wide),
    ...(anyNotes ? ['NOTES'] : []),
  ];
  const rows = report.pods.map((row) => [
    row.name,
    row.readyContainers ?? '-',
    painted(row.status, statusColour(row.status), color),
    String(row.restarts),
    row.ageSeconds === null ? '-' : humanDuration(row.ageSeconds),
    row.readyOrder === null ? '-' : String(row.readyOrder),
    ...(wide ? [row.readySince ?? '-', readyAfterText(row), row.podIP ?? NONE] : []),
    row.node ?? NONE,
    row.revision.state ?? '-',
    ...(wide ? [row.revision.hash ?? NONE] : []),
    row.dns,
    ...volumeCells(row.volumes, wide, color),
    ...(anyNotes ? [notesFor(row).join('; ')] : []),
  ]);
  return renderTable(headers, rows, { noHeaders: options.noHeaders });
});

const SEVERITY_COLOUR: Record<Diagnostic['severity'], Colour> = {
  error: 'red',
  warning: 'yellow',
  info: 'dim',
};

function diagnosticsLines(report: StatusReport, color: boolean): string[] {
  const lines: string[] = [];
  for (const entry of report.unreadable)
    lines.push(`Note: could not read ${entry.resource} (${entry.reason}): ${entry.message}`);
  if (report.diagnostics.length === 0) {
    lines.push('Diagnostics: none');
    return lines;
  }
  lines.push('Diagnostics:');
  for (const finding of report.diagnostics) {
    const ordinals = finding.ordinals.length > 0 ? ` [ordinals ${finding.ordinals.join(',')}]` : '';
    lines.push(
      `  ${paint(finding.severity.toUpperCase(), SEVERITY_COLOUR[finding.severity], color)} ${finding.code}${ordinals}: ${finding.message}`,
    );
    for (const fact of finding.evidence) lines.push(`      - ${fact}`);
    if (finding.advice) lines.push(`      fix: ${finding.advice}`);
  }
  return lines;
}

/** The whole `status NAME` view: summary, pod table, diagnostics. */
export const renderStatus = forTerminal(function renderStatus(
  report: StatusReport,
  options: StatusRenderOptions,
): string {
  const summary = summaryLines(report);
  const width = Math.max(...summary.map(([label]) => label.length)) + 2;
  const head = summary.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join('\n');
  const table = report.pods.length > 0 ? renderPodTable(report, options) : 'No pods expected (replicas 0).\n';
  return `${head}\n\n${table}\n${diagnosticsLines(report, options.color).join('\n')}\n`;
});

function healthCell(item: StatefulSetHealth, color: boolean): string {
  const colour: Colour | undefined =
    item.health === 'Degraded' ? 'red' : item.health === 'Progressing' ? 'yellow' : 'green';
  return paint(item.health, colour, color);
}

/** `status` without NAME: one line per StatefulSet. */
export const renderOverview = forTerminal(function renderOverview(
  overview: OverviewReport,
  options: StatusRenderOptions & { allNamespaces: boolean },
): string {
  const headers = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'UPDATED',
    'REVISION',
    'PVCS',
    'HEALTH',
    'FINDING',
  ];
  const rows = overview.items.map((item) => [
    ...(options.allNamespaces ? [item.namespace] : []),
    item.name,
    `${item.replicas.ready}/${item.replicas.desired}`,
    `${item.replicas.updated}/${item.replicas.desired}`,
    item.revision,
    `${item.claims.bound}/${item.claims.total} Bound`,
    healthCell(item, options.color),
    item.finding ?? '-',
  ]);
  return renderTable(headers, rows, { noHeaders: options.noHeaders });
});

/** `12:00:01` in the local time zone, as kubectl prints event times. */
export function clockTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function podLine(row: PodStatusRow): string {
  const ready = row.ready ? `Ready (order ${row.readyOrder ?? '?'})` : 'NotReady';
  const claims = row.volumes.map((volume) => `${volume.claim} ${claimPhase(volume)}`).join(', ');
  const base = row.exists
    ? `${row.name} ${row.status} ${row.readyContainers} ${ready}`
    : `${row.name} ${row.status}`;
  return claims ? `${base} [${claims}]` : base;
}

function setLine(report: StatusReport): string {
  const set = report.statefulSet;
  const r = set.replicas;
  const revision = set.revisions.current === set.revisions.update ? 'revision current' : 'rolling out';
  return `statefulset/${set.name} ready ${r.ready}/${r.desired} updated ${r.updated}/${r.desired} ${revision}`;
}

/**
 * The lines a non-TTY watch prints when the report changes from `previous` to `next`: one per
 * pod (or claim) whose line changed, one when the set's counters changed, one per new finding.
 */
export const describeChanges = forTerminal(function describeChanges(
  previous: StatusReport | undefined,
  next: StatusReport,
  time: Date,
): string[] {
  const stamp = clockTime(time);
  const lines: string[] = [];
  if (!previous || setLine(previous) !== setLine(next)) lines.push(`${stamp} ${setLine(next)}`);
  const before = new Map((previous?.pods ?? []).map((row) => [row.ordinal, podLine(row)]));
  const after = new Set<number>();
  for (const row of next.pods) {
    after.add(row.ordinal);
    const line = podLine(row);
    if (before.get(row.ordinal) !== line) lines.push(`${stamp} ${line}`);
  }
  for (const row of previous?.pods ?? [])
    if (!after.has(row.ordinal)) lines.push(`${stamp} ${row.name} gone`);
  const known = new Set((previous?.diagnostics ?? []).map((d) => `${d.code}:${d.message}`));
  for (const finding of next.diagnostics)
    if (!known.has(`${finding.code}:${finding.message}`))
      lines.push(`${stamp} ${finding.severity} ${finding.code}: ${finding.message}`);
  return lines;
});
