// How the DNS report looks on a terminal: a few summary lines (Service, cluster domain and
// where it came from, SRV names, probe), one row per ordinal, and the diagnostics footer.
// Without NAME, one table over every set and a footer naming the set of each finding.
import type { DnsRecord, DnsReport, Resolution } from '../report/dns.ts';
import type { Diagnostic } from '../report/snapshot.ts';
import { paint } from './colour.ts';
import type { Colour } from './colour.ts';
import { renderTable } from './table.ts';
import type { ExtraColumns } from './label-columns.ts';
import { forTerminal } from './terminal.ts';

export interface DnsRenderOptions {
  wide: boolean;
  noHeaders: boolean;
  color: boolean;
}

const SEVERITY_COLOUR: Record<Diagnostic['severity'], Colour> = {
  error: 'red',
  warning: 'yellow',
  info: 'dim',
};

function serviceLine(report: DnsReport): string {
  const service = report.service;
  if (!service.name) return '<none> (spec.serviceName is not set)';
  let state: string;
  if (!service.exists) state = 'missing';
  else if (service.headless)
    state = service.publishNotReadyAddresses ? 'headless, publishes not-ready pods' : 'headless';
  else state = `not headless: clusterIP ${service.clusterIP ?? 'unset'}`;
  const resolved = service.resolved ? `; resolves to ${resolutionText(service.resolved)}` : '';
  return `${service.fqdn} (${state})${resolved}`;
}

function resolutionText(resolution: Resolution, expected?: string | null): string {
  const answer = resolution.addresses.length > 0 ? resolution.addresses.join(', ') : 'not found';
  if (resolution.matches || expected === undefined) return answer;
  return `${answer} (expected ${expected ?? 'not found'})`;
}

function publishedCell(record: DnsRecord, color: boolean): string {
  return record.published ? 'yes' : paint(`no: ${record.reason ?? 'unknown'}`, 'yellow', color);
}

function resolvedCell(record: DnsRecord, color: boolean): string {
  if (!record.resolved) return '-';
  const expected = record.published || record.resolved.source === 'hosts-file' ? record.podIP : null;
  const text = `${resolutionText(record.resolved, expected)}${record.resolved.source === 'hosts-file' ? ' (own /etc/hosts)' : ''}`;
  return record.resolved.matches ? text : paint(text, 'red', color);
}

/** Short names, each with its probed answer when it differs from what the full name should give. */
function shortNamesCell(record: DnsRecord, color: boolean): string {
  if (record.shortNames.length === 0) return '<none>';
  return record.shortNames
    .map((name) => {
      const probed = record.shortResolved?.find((short) => short.name === name);
      if (!probed || probed.matches) return name;
      return paint(`${name} (resolved ${probed.addresses.join(' ') || 'not found'})`, 'red', color);
    })
    .join(', ');
}

/** The per-pod cells, the same in the single-set table and the list. */
function recordCells(record: DnsRecord, options: DnsRenderOptions, withProbe: boolean): string[] {
  return [
    record.exists ? record.pod : `${record.pod} (missing)`,
    record.fqdn || '<none>',
    ...(options.wide ? [shortNamesCell(record, options.color)] : []),
    record.podIP ?? '<none>',
    record.ready ? 'yes' : 'no',
    publishedCell(record, options.color),
    ...(withProbe ? [resolvedCell(record, options.color)] : []),
  ];
}

function diagnosticLines(diagnostics: { diagnostic: Diagnostic; set?: string }[], color: boolean): string[] {
  if (diagnostics.length === 0) return ['Diagnostics: none'];
  const lines = ['Diagnostics:'];
  for (const { diagnostic, set } of diagnostics) {
    const ordinals = diagnostic.ordinals.length > 0 ? ` [ordinals ${diagnostic.ordinals.join(',')}]` : '';
    const where = set ? ` ${set}` : '';
    lines.push(
      `  ${paint(diagnostic.severity.toUpperCase(), SEVERITY_COLOUR[diagnostic.severity], color)}${where} ${diagnostic.code}${ordinals}: ${diagnostic.message}`,
    );
    for (const fact of diagnostic.evidence) lines.push(`      - ${fact}`);
    if (diagnostic.advice) lines.push(`      fix: ${diagnostic.advice}`);
  }
  return lines;
}

function probed(report: DnsReport): boolean {
  return report.probe !== undefined && report.probe.problem === null;
}

/** `dns NAME`: summary lines, the per-ordinal table, diagnostics. */
export const renderDns = forTerminal(function renderDns(
  report: DnsReport,
  options: DnsRenderOptions,
): string {
  const summary: [string, string][] = [
    ['StatefulSet', `${report.statefulSet.namespace}/${report.statefulSet.name}`],
    ['Service', serviceLine(report)],
    ['Cluster domain', `${report.clusterDomain} (${report.clusterDomainDetail})`],
    ['SRV', report.srv.length > 0 ? report.srv.map((srv) => srv.name).join(', ') : '<none>'],
  ];
  if (report.probe) {
    summary.push([
      'Probe',
      report.probe.problem
        ? `not possible: ${report.probe.problem.message}`
        : `${report.probe.tool} in pod ${report.probe.from}${report.probe.container ? ` (container ${report.probe.container})` : ''}`,
    ]);
  }
  const width = Math.max(...summary.map(([label]) => label.length)) + 2;
  const head = summary.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join('\n');

  const withProbe = probed(report);
  const headers = ['pod', 'fqdn', ...(options.wide ? ['short names'] : []), 'ip', 'ready', 'published'];
  if (withProbe) headers.push('resolved');
  const rows = report.records.map((record) => recordCells(record, options, withProbe));
  const table =
    rows.length > 0
      ? renderTable(headers, rows, { noHeaders: options.noHeaders })
      : 'No pods expected (replicas 0).\n';
  const footer = diagnosticLines(
    report.diagnostics.map((diagnostic) => ({ diagnostic })),
    options.color,
  );
  return `${head}\n\n${table}\n${footer.join('\n')}\n`;
});

export interface DnsListRenderOptions extends DnsRenderOptions {
  allNamespaces: boolean;
  /** -L / --show-labels: the set's labels, on each of its rows. */
  extraColumns?: ExtraColumns;
}

/** `dns` without NAME: every set's names in one table. */
export const renderDnsList = forTerminal(function renderDnsList(
  reports: DnsReport[],
  options: DnsListRenderOptions,
): string {
  const first = reports[0];
  const head = first ? `Cluster domain: ${first.clusterDomain} (${first.clusterDomainDetail})\n\n` : '';
  const withProbe = reports.some(probed);
  const headers = [
    ...(options.allNamespaces ? ['namespace'] : []),
    'statefulset',
    'pod',
    'fqdn',
    ...(options.wide ? ['short names'] : []),
    'ip',
    'ready',
    'published',
    ...(withProbe ? ['resolved'] : []),
    ...(options.extraColumns?.headers ?? []),
  ];
  const rows: string[][] = [];
  for (const report of reports) {
    for (const record of report.records) {
      rows.push([
        ...(options.allNamespaces ? [report.statefulSet.namespace] : []),
        report.statefulSet.name,
        ...recordCells(record, options, withProbe),
        ...(options.extraColumns?.cells(report.statefulSet.labels) ?? []),
      ]);
    }
  }
  const table = renderTable(headers, rows, { noHeaders: options.noHeaders });
  const diagnostics = reports.flatMap((report) =>
    report.diagnostics.map((diagnostic) => ({
      diagnostic,
      set: `${report.statefulSet.namespace}/${report.statefulSet.name}`,
    })),
  );
  return `${head}${table}\n${diagnosticLines(diagnostics, options.color).join('\n')}\n`;
});
