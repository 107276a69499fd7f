// How a status report looks on a terminal: a summary block, the per-ordinal table and a
// diagnostics footer; plus the one-line-per-set overview and the watch's change lines.
import type { OverviewReport, StatefulSetHealth } from '../report/overview.ts';
import type { Diagnostic } from '../report/snapshot.ts';
import type { PodStatusRow, StatusReport, VolumeStatus } from '../report/status.ts';
import { paint } from './colour.ts';
import type { Colour } from './colour.ts';
import { humanDuration } from '../core/duration.ts';
import { renderTable } from './table.ts';
import type { ExtraColumns } from './label-columns.ts';
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

const ROLLOUT_TEXT: Record<StatusReport['rollout']['state'], string> = {
  current: 'every pod on it',
  updating: 'rollout in progress',
  pending: 'spec change not yet observed',
};

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
      `${r.desired} desired | ${r.current} current | ${r.ready} ready | ${r.updated ?? 'unreported'} updated | ${r.available} available`,
    ],
    ['Revision', `${revisions} (${ROLLOUT_TEXT[report.rollout.state]})`],
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
  if (volume.claimExists === null) return '<unknown>';
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
      volume.volume ?? (volume.claimExists === null ? '-' : NONE),
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
  // Pods not read (a dump without them): nothing but the name and what the set itself says.
  const unknown = (row: PodStatusRow, text: string) => (row.exists === null ? '-' : text);
  const rows = report.pods.map((row) => [
    row.name,
    row.readyContainers ?? '-',
    painted(row.status, statusColour(row.status), color),
    unknown(row, String(row.restarts)),
    row.ageSeconds === null ? '-' : humanDuration(row.ageSeconds),
    // Pods Ready within the same second share a rank: `=1` says their order is not known.
    row.readyOrder === null ? '-' : `${row.readyOrderTied ? '=' : ''}${row.readyOrder}`,
    ...(wide ? [row.readySince ?? '-', readyAfterText(row), row.podIP ?? NONE] : []),
    unknown(row, row.node ?? NONE),
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

/**
 * `offline: dump.yaml, objects as of 2026-03-02T11:00:00Z` (a dump is never mistaken for the
 * cluster now), then a note per file of the dump that held no objects.
 */
export function offlineHeader(source: StatusReport['source']): string | undefined {
  if (!source) return undefined;
  return [
    `offline: ${source.path}, objects as of ${source.asOf ?? 'an unknown time (no timestamps in the dump)'}`,
    ...(source.skipped ?? []).map((entry) => `Note: skipped ${entry.file}: ${entry.reason}`),
  ].join('\n');
}

/**
 * Unreadable kinds: a line each for what could not be read; what a dump lacks said once, in two
 * lines (the kinds, by namespace, then what could therefore not be checked).
 */
export function unreadableLines(unreadable: StatusReport['unreadable']): string[] {
  const lines = unreadable
    .filter((entry) => entry.reason !== 'offline')
    .map((entry) => `Note: could not read ${entry.resource} (${entry.reason}): ${entry.message}`);
  const offline = unreadable.filter((entry) => entry.reason === 'offline');
  if (offline.length === 0) return lines;
  for (const entry of offline) if (entry.why) lines.push(`Note: ${entry.why}`);
  const byScope = new Map<string, string[]>();
  for (const entry of offline.filter((e) => !e.why)) {
    const scope = entry.namespace ? `namespace ${entry.namespace}` : '';
    const kinds = byScope.get(scope) ?? [];
    if (!kinds.includes(entry.resource)) kinds.push(entry.resource);
    byScope.set(scope, kinds);
  }
  const missing = [...byScope]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
    .map(([scope, kinds]) => `${kinds.join(', ')}${scope ? ` of ${scope}` : ''}`);
  const unchecked = [...new Set(offline.map((entry) => entry.unchecked ?? entry.resource))];
  if (missing.length > 0) lines.push(`Note: not in the dump (unknown, not none): ${missing.join('; ')}`);
  lines.push(`Note: not checked: ${unchecked.join('; ')}`);
  return lines;
}

/** Claims a scale-down left (whenScaled: Retain): information, with the explicit choice to discard them. */
function retainedLines(report: StatusReport): string[] {
  const retained = report.retainedClaims;
  if (!retained) return [];
  const set = report.statefulSet;
  const ordinals = retained.ordinals;
  const range =
    ordinals.length === 1
      ? `ordinal ${ordinals[0]}`
      : ordinals.every((o, i) => i === 0 || o === ordinals[i - 1]! + 1)
        ? `ordinals ${ordinals[0]}-${ordinals[ordinals.length - 1]}`
        : `ordinals ${ordinals.join(', ')}`;
  const total = retained.totalCapacity ? `, ${retained.totalCapacity} in all` : '';
  const lines = [
    `Retained claims (whenScaled: ${retained.whenScaled}): ${retained.claims.length} claim(s) kept for ${range}${total}`,
  ];
  for (const claim of retained.claims) {
    const details = [
      claim.phase ?? 'unknown phase',
      claim.capacity ?? 'unknown size',
      claim.volume ? `volume ${claim.volume}` : 'no volume',
      ...(claim.reclaimPolicy ? [`reclaim ${claim.reclaimPolicy}`] : []),
      ...(claim.podExists ? ['its pod is still being removed'] : []),
      ...(claim.goesWithPod ? ['deleted with its pod (whenScaled: Delete)'] : []),
    ];
    lines.push(`  ${claim.claim}: ${details.join(', ')}`);
  }
  const kept = retained.claims.filter((c) => !c.goesWithPod);
  if (kept.length > 0) {
    lines.push(
      `  A scale-up to ${retained.reattachedAtReplicas} replicas re-attaches them, data and all; nothing to do to keep them.`,
    );
    const going = kept.some((c) => c.reclaimPolicy === 'Delete')
      ? ' and their reclaimPolicy Delete volumes'
      : kept.some((c) => c.reclaimPolicy === null)
        ? ' and, where reclaimPolicy is Delete, their volumes'
        : '';
    lines.push(
      `  To discard that data instead (destroys ${kept.length} claim(s)${going}): kubectl delete pvc ${kept.map((c) => c.claim).join(' ')} -n ${set.namespace}`,
    );
  }
  return lines;
}

function diagnosticsLines(report: StatusReport, color: boolean): string[] {
  const lines: string[] = unreadableLines(report.unreadable);
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
  const offline = offlineHeader(report.source);
  const head = [
    ...(offline ? [offline] : []),
    ...summary.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
  ].join('\n');
  const table = report.pods.length > 0 ? renderPodTable(report, options) : 'No pods expected (replicas 0).\n';
  const retained = retainedLines(report);
  const middle = retained.length > 0 ? `${table}\n${retained.join('\n')}\n` : table;
  return `${head}\n\n${middle}\n${diagnosticsLines(report, options.color).join('\n')}\n`;
});

function healthCell(item: StatefulSetHealth, color: boolean): string {
  const colour: Colour | undefined =
    item.health === 'Degraded' ? 'red' : item.health === 'Healthy' ? 'green' : 'yellow';
  return paint(item.health, colour, color);
}

/** `2/2 Bound`, `2/2 Bound +2 retained` (claims kept by a scale-down), `<unknown>` when not read. */
function claimsCell(item: StatefulSetHealth): string {
  if (!item.claims) return '<unknown>';
  const retained = item.claims.retained > 0 ? ` +${item.claims.retained} retained` : '';
  return `${item.claims.bound}/${item.claims.total} Bound${retained}`;
}

/** `status` without NAME: one line per StatefulSet. */
export const renderOverview = forTerminal(function renderOverview(
  overview: OverviewReport,
  options: StatusRenderOptions & { allNamespaces: boolean; extraColumns?: ExtraColumns },
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
    ...(options.extraColumns?.headers ?? []),
  ];
  const rows = overview.items.map((item) => [
    ...(options.allNamespaces ? [item.namespace] : []),
    item.name,
    `${item.replicas.ready}/${item.replicas.desired}`,
    `${item.replicas.updated ?? '?'}/${item.replicas.desired}`,
    item.revision,
    claimsCell(item),
    healthCell(item, options.color),
    item.finding ?? '-',
    ...(options.extraColumns?.cells(item.labels) ?? []),
  ]);
  return renderTable(headers, rows, { noHeaders: options.noHeaders });
});

/**
 * What the list says beside its rows (where a dump came from, what it lacks, what could not be
 * read): on stderr, so that the rows on stdout stay one line per set for scripts.
 */
export const overviewNotes = forTerminal(function overviewNotes(overview: OverviewReport): string {
  const lines = [offlineHeader(overview.source), ...unreadableLines(overview.unreadable)].filter(
    (line): line is string => line !== undefined,
  );
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
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
  return `statefulset/${set.name} ready ${r.ready}/${r.desired} updated ${r.updated ?? '?'}/${r.desired} ${revision}`;
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
