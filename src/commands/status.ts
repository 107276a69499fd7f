import { Args, Flags } from '@oclif/core';
import { StsCommand } from '../cli/base.ts';
import { spinnerFits } from '../cli/terminal.ts';
import { parseClusterDomain, parseDuration, fromCommandLineOnly } from '../cli/flags.ts';
import { usageError } from '../cli/errors.ts';
import {
  allNamespacesFlag,
  clusterDomainFlag,
  connectionFlags,
  debugFlag,
  listFlags,
  reportOutputFlags,
  toConnectionOptions,
} from '../cli/flags.ts';
import { outputError, sortedItems, toListOptions, toOutputOptions } from '../cli/output.ts';
import type { ListFlags, ListOptions, OutputFlags, OutputOptions } from '../cli/output.ts';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from '../core/selectors.ts';
import { collectOverview, collectStatusSnapshot } from '../collect/snapshot.ts';
import { watchStatus } from '../collect/watch.ts';
import { describeGateProgress, gateError, systemClock, waitForRollout } from '../flows/rollout-gate.ts';
import { connect } from '../kube/connect.ts';
import { checkNamespaceFlag, checkObjectName } from '../kube/names.ts';
import type { ClusterGateway } from '../kube/gateway.ts';
import { documentRenderer } from '../render/output.ts';
import type { PrintableDocument } from '../render/output.ts';
import { labelColumns } from '../render/label-columns.ts';
import { terminalSafe } from '../render/terminal.ts';
import { hasProblems } from '../report/diagnostics/index.ts';
import { buildOverview, healthOf } from '../report/overview.ts';
import type { OverviewReport, StatefulSetHealth } from '../report/overview.ts';
import type { StatefulSet } from '../kube/types.ts';
import { buildStatusReport } from '../report/status.ts';
import type { StatusReport } from '../report/status.ts';
import type { SnapshotSource, StatefulSetSnapshot } from '../report/snapshot.ts';

/** Everything the command needs, parsed and checked, independent of oclif. */
export interface StatusRequest {
  name: string | undefined;
  namespace: string | undefined;
  allNamespaces: boolean;
  clusterDomain: string;
  watch: boolean;
  output: OutputOptions;
  /** Offline: read this dump (file or directory) instead of the API. */
  filename: string | undefined;
  /** Rollout gate: wait until complete, stuck or timeout. */
  wait: boolean;
  /** --timeout for --wait, in ms (0: no limit). */
  timeoutMs: number;
  /** --stuck-after for --wait, in ms. */
  stuckAfterMs: number;
  /** Without NAME: list only sets with warning or error findings. */
  problems: boolean;
  /** Without NAME: selection (-l, --field-selector), order (--sort-by), label columns. */
  list: ListOptions;
}

export default class Status extends StsCommand {
  static override summary = 'Show per-ordinal status of a StatefulSet, or a health line per StatefulSet.';
  static override description =
    "With NAME: a summary of the StatefulSet (strategy, partition, ordinals, retention, revisions), one row per ordinal (readiness and the order pods became Ready, revision, node, DNS name, and each volumeClaimTemplate's claim and volume), and diagnostics.\n\nWithout NAME: one health line per StatefulSet in the namespace (or in all namespaces with -A).";
  static override examples = [
    '<%= config.bin %> status todo-db',
    '<%= config.bin %> status todo-db -o wide',
    '<%= config.bin %> status todo-db -o json | jq ".pods[] | {name, readyOrder}"',
    '<%= config.bin %> status todo-db --watch',
    '<%= config.bin %> status -A',
    '<%= config.bin %> status todo-db --wait --timeout 5m',
    '<%= config.bin %> status todo-db -f support-dump.yaml',
    '<%= config.bin %> status -A --problems',
    '<%= config.bin %> status -A -l tier=data --sort-by .replicas.desired -L app',
    '<%= config.bin %> status todo-db -o jsonpath=\'{range .pods[*]}{.name}{"\\t"}{.readyOrder}{"\\n"}{end}\'',
    '<%= config.bin %> status -o custom-columns=NAME:.name,READY:.replicas.ready,HEALTH:.health',
  ];
  static override args = {
    name: Args.string({
      description: 'StatefulSet name (omit to list every StatefulSet).',
      required: false,
      ...fromCommandLineOnly,
    }),
  };
  static override flags = {
    ...connectionFlags,
    ...allNamespacesFlag,
    ...reportOutputFlags,
    ...listFlags,
    ...clusterDomainFlag,
    watch: Flags.boolean({
      char: 'w',
      description: 'Keep the view live from watch events (one line per change when not on a terminal).',
      default: false,
    }),
    filename: Flags.string({
      helpGroup: 'DIAGNOSTICS',
      char: 'f',
      description:
        'Read a saved dump (`kubectl get sts,pods,pvc,pv,svc,endpointslices,events -o yaml`, JSON, or a directory of such files) instead of the cluster.',
    }),
    wait: Flags.boolean({
      helpGroup: 'DIAGNOSTICS',
      description:
        'Rollout gate: wait until the update is complete (exit 0), stuck (exit 12, with diagnostics) or --timeout passes (exit 13).',
      default: false,
    }),
    // No oclif defaults for these two: given without --wait they would do nothing, silently, so
    // statusRequestFrom must see whether they were given (it applies the defaults).
    timeout: Flags.string({
      helpGroup: 'DIAGNOSTICS',
      description: 'With --wait: how long to wait (default 5m; 90s, 1m30s; 0 waits forever).',
    }),
    'stuck-after': Flags.string({
      helpGroup: 'DIAGNOSTICS',
      description:
        'With --wait: how long a blocking finding must persist before the rollout counts as stuck (default 30s).',
    }),
    problems: Flags.boolean({
      helpGroup: 'DIAGNOSTICS',
      description: 'Without NAME: list only StatefulSets with warning or error findings.',
      default: false,
    }),
    ...debugFlag,
  };

  async run(): Promise<StatusReport | OverviewReport | undefined> {
    const { args, flags } = await this.parse(Status);
    const request = statusRequestFrom(args, flags);
    if (request.filename !== undefined) return await this.showOffline(request.filename, request);
    const connection = await connect(toConnectionOptions(flags));
    try {
      const namespace = request.namespace ?? connection.namespace;
      if (request.name === undefined)
        return await this.showOverview(
          connection.gateway,
          request.allNamespaces ? undefined : namespace,
          request,
        );
      if (request.watch) return await this.watch(connection.gateway, namespace, request.name, request);
      if (request.wait)
        return await this.waitForRollout(connection.gateway, namespace, request.name, request);
      return await this.showStatus(connection.gateway, namespace, request.name, request);
    } finally {
      connection.close();
    }
  }

  protected async showStatus(
    gateway: ClusterGateway,
    namespace: string,
    name: string,
    request: StatusRequest,
  ): Promise<StatusReport> {
    const { snapshot } = await collectStatusSnapshot(gateway, namespace, name, { now: () => new Date() });
    const report = buildStatusReport(snapshot, { clusterDomain: request.clusterDomain });
    process.stdout.write(await formatReport(report, request.output));
    return report;
  }

  /** `scope` is a namespace, or undefined for all namespaces. */
  protected async showOverview(
    gateway: ClusterGateway,
    scope: string | undefined,
    request: StatusRequest,
  ): Promise<OverviewReport> {
    const { labelSelector, fieldSelector } = request.list;
    const collected = await collectOverview(gateway, scope, {
      now: () => new Date(),
      selection: { labelSelector, fieldSelector },
    });
    const overview = buildOverview(collected, { clusterDomain: request.clusterDomain });
    return this.printOverview(overview, scope, request);
  }

  protected async printOverview(
    overview: OverviewReport,
    scope: string | undefined,
    request: StatusRequest,
  ): Promise<OverviewReport> {
    const printed = await formatOverview(overview, scope, request);
    process.stdout.write(printed.stdout);
    process.stderr.write(printed.stderr);
    return printed.result;
  }

  /** `-f dump.yaml`: the same report and diagnostics from a saved dump, with no API access. */
  protected async showOffline(path: string, request: StatusRequest): Promise<StatusReport | OverviewReport> {
    const printed = await offlineOutput(path, request);
    process.stdout.write(printed.stdout);
    process.stderr.write(printed.stderr);
    return printed.result;
  }

  /** `--wait`: the rollout gate; prints the final report, then fails with ROLLOUT_STUCK or TIMEOUT. */
  protected async waitForRollout(
    gateway: ClusterGateway,
    namespace: string,
    name: string,
    request: StatusRequest,
  ): Promise<StatusReport | undefined> {
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    // Machine formats get the final document only: no progress lines beside it.
    const quiet = request.output.format !== 'table' && request.output.format !== 'wide';
    let lastLine: string | undefined;
    // On a terminal the current wait is a spinner line; elsewhere (CI logs) one line per change.
    // ora (and its dependencies) load only when a spinner will actually spin.
    const spinner =
      !quiet && spinnerFits(process.stderr)
        ? (await import('ora')).default({ stream: process.stderr, discardStdin: false })
        : undefined;
    try {
      const result = await waitForRollout({
        gateway,
        namespace,
        name,
        collect: async () =>
          (await collectStatusSnapshot(gateway, namespace, name, { now: () => new Date() })).snapshot,
        clock: systemClock,
        timeoutMs: request.timeoutMs > 0 ? request.timeoutMs : Number.POSITIVE_INFINITY,
        stuckAfterMs: request.stuckAfterMs,
        signal: controller.signal,
        onEvent: (event) => {
          if (quiet || event.type !== 'evaluated') return;
          const progress = describeGateProgress(event.evaluation);
          const line = progress === undefined ? undefined : terminalSafe(progress);
          if (spinner) {
            spinner.text = line ?? 'rollout complete';
            if (!spinner.isSpinning) spinner.start();
          } else if (line && line !== lastLine) process.stderr.write(`${line}\n`);
          lastLine = line;
        },
      });
      spinner?.stop();
      const snapshot =
        result.evaluation?.snapshot ??
        (await collectStatusSnapshot(gateway, namespace, name, { now: () => new Date() })).snapshot;
      const report = buildStatusReport(snapshot, { clusterDomain: request.clusterDomain });
      process.stdout.write(await formatReport(report, request.output));
      const failure = gateError(result, `statefulset/${name} in ${namespace}`);
      if (failure) throw failure;
      if (!quiet) process.stderr.write(`rollout of statefulset/${name} complete\n`);
      return report;
    } finally {
      spinner?.stop();
      process.removeListener('SIGINT', onInterrupt);
    }
  }

  protected async watch(
    gateway: ClusterGateway,
    namespace: string,
    name: string,
    request: StatusRequest,
  ): Promise<StatusReport | undefined> {
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once('SIGINT', onInterrupt);
    process.once('SIGTERM', onInterrupt);
    const tty = Boolean(process.stdout.isTTY);
    let last: StatusReport | undefined;
    // Snapshots arrive in a synchronous callback: load the renderers this format needs first.
    const { format } = request.output;
    const documentFormat = format !== 'table' && format !== 'wide';
    const render = await reportFormatter(request.output);
    const { describeChanges } =
      documentFormat || tty ? { describeChanges: undefined } : await import('../render/status.ts');
    let failure: unknown;
    try {
      await watchStatus(gateway, {
        namespace,
        name,
        now: () => new Date(),
        signal: controller.signal,
        onSnapshot: (snapshot) => {
          const report = buildStatusReport(snapshot, { clusterDomain: request.clusterDomain });
          if (documentFormat) {
            // One document per change (YAML documents separated by ---), as kubectl get -w.
            let text: string;
            try {
              text = render(report);
            } catch (error) {
              failure = error;
              controller.abort();
              return;
            }
            process.stdout.write(format === 'yaml' ? `---\n${text}` : text);
          } else if (tty || !describeChanges) {
            // Redraw in place: clear the screen and draw the whole view again.
            process.stdout.write(`\x1b[H\x1b[2J${render(report)}`);
          } else {
            const lines = describeChanges(last, report, new Date());
            if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
          }
          last = report;
        },
        onResync: (reason) => {
          if (!documentFormat) process.stderr.write(`${terminalSafe(`watch: ${reason}; listing again`)}\n`);
        },
      });
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      process.removeListener('SIGTERM', onInterrupt);
    }
    if (failure !== undefined) throw outputError(failure);
    // The last report shown; undefined when interrupted before the first one.
    return last;
  }
}

/** What a command prints, kept apart from printing it (the corpus compares it with files). */
export interface Printed<T> {
  stdout: string;
  stderr: string;
  result: T;
}

/** The list in the requested format (`--problems` applied); an empty list is a note on stderr. */
export async function formatOverview(
  overview: OverviewReport,
  scope: string | undefined,
  request: StatusRequest,
): Promise<Printed<OverviewReport>> {
  const items = request.problems
    ? overview.items.filter((item) => hasProblems(item.diagnostics))
    : overview.items;
  overview = { ...overview, items: sortedItems(items, request.list) };
  const { output } = request;
  const render = await documentRenderer<StatefulSetHealth>(output);
  if (render)
    return {
      stdout: renderOrFail(render, {
        document: overview,
        items: overview.items,
        nameOf: (item) => item!.name,
      }),
      stderr: '',
      result: overview,
    };
  const { renderOverview, overviewNotes } = await import('../render/status.ts');
  if (overview.items.length === 0)
    return {
      stdout: '',
      stderr: `${overview.source ? overviewNotes(overview) : ''}No StatefulSets ${
        request.problems ? 'with problems ' : ''
      }found${scope ? ` in ${scope} namespace` : ''}.\n`,
      result: overview,
    };
  const stdout = renderOverview(overview, {
    wide: output.format === 'wide',
    noHeaders: output.noHeaders,
    color: output.color,
    allNamespaces: request.allNamespaces,
    extraColumns: labelColumns(request.list),
  });
  return { stdout, stderr: overviewNotes(overview), result: overview };
}

/** `status [NAME] -f dump`: the report or the list of a saved dump, with no API access. */
export async function offlineOutput(
  path: string,
  request: StatusRequest,
): Promise<Printed<StatusReport | OverviewReport>> {
  // Only -f reads dumps: the YAML/JSON dump reader loads here, not on every run.
  const { readDump, snapshotFromDump, snapshotsFromDump, sourceOf } = await import('../collect/offline.ts');
  const dump = await readDump(path);
  const options = { clusterDomain: request.clusterDomain };
  if (request.name !== undefined) {
    const report = buildStatusReport(
      snapshotFromDump(dump, request.name, { namespace: request.namespace }),
      options,
    );
    return { stdout: await formatReport(report, request.output), stderr: '', result: report };
  }
  const scope = request.allNamespaces ? undefined : request.namespace;
  const snapshots = snapshotsFromDump(dump, { namespace: scope }).filter((snapshot) =>
    selectedOffline(snapshot.statefulSet, request.list),
  );
  const overview = offlineOverview(
    snapshots.map((snapshot) => healthOf(buildStatusReport(snapshot, options))),
    snapshots,
    sourceOf(dump),
  );
  // A dump of several namespaces is listed as `-A` lists them: a set's name alone is ambiguous.
  const namespaces = new Set(overview.items.map((item) => item.namespace));
  return formatOverview(overview, scope, {
    ...request,
    allNamespaces: request.allNamespaces || namespaces.size > 1,
  });
}

/** The list of a dump's sets: what the dump lacks said once, not once per set. */
function offlineOverview(
  items: OverviewReport['items'],
  snapshots: StatefulSetSnapshot[],
  source: SnapshotSource,
): OverviewReport {
  const seen = new Set<string>();
  const unreadable = snapshots
    .flatMap((snapshot) => snapshot.unreadable)
    .filter((entry) => !seen.has(entry.message) && seen.add(entry.message));
  return { source, items, unreadable, generatedAt: (snapshots[0]?.now ?? new Date(0)).toISOString() };
}

/** Renders one report in the requested format. */
export async function formatReport(report: StatusReport, output: OutputOptions): Promise<string> {
  return (await reportFormatter(output))(report);
}

/**
 * The renderer for one output format, loaded on demand: `-o json` never loads yaml or
 * cli-table3, the table view never loads yaml (start-up time is most of a short command's run).
 * A template that fails on the report throws the usage error kubectl's words describe.
 */
export async function reportFormatter(output: OutputOptions): Promise<(report: StatusReport) => string> {
  const render = await documentRenderer<never>(output);
  if (render)
    return (report) => renderOrFail(render, { document: report, nameOf: () => report.statefulSet.name });
  const { renderStatus } = await import('../render/status.ts');
  return (report) =>
    renderStatus(report, {
      wide: output.format === 'wide',
      noHeaders: output.noHeaders,
      color: output.color,
    });
}

function renderOrFail<Item>(
  render: (printable: PrintableDocument<Item>) => string,
  printable: PrintableDocument<Item>,
): string {
  try {
    return render(printable);
  } catch (error) {
    throw outputError(error);
  }
}

/** -l / --field-selector on a set read from a dump, where no API server applies them. */
function selectedOffline(set: StatefulSet, list: ListOptions): boolean {
  const { labelSelector, fieldSelector } = list;
  if (
    labelSelector !== undefined &&
    !matchesLabelSelector(parseLabelSelector(labelSelector), set.metadata?.labels)
  )
    return false;
  if (fieldSelector === undefined) return true;
  try {
    return matchesFieldSelector(parseFieldSelector(fieldSelector), {
      'metadata.name': set.metadata?.name ?? '',
      'metadata.namespace': set.metadata?.namespace ?? 'default',
    });
  } catch (error) {
    throw usageError(
      (error as Error).message,
      'StatefulSets can be selected by metadata.name and metadata.namespace',
    );
  }
}

export function statusRequestFrom(
  args: { name?: string },
  flags: {
    namespace?: string;
    'all-namespaces'?: boolean;
    'cluster-domain'?: string;
    watch?: boolean;
    filename?: string;
    wait?: boolean;
    timeout?: string;
    'stuck-after'?: string;
    problems?: boolean;
  } & OutputFlags &
    ListFlags,
): StatusRequest {
  const allNamespaces = flags['all-namespaces'] ?? false;
  checkObjectName(args.name);
  checkNamespaceFlag(flags.namespace);
  if (args.name !== undefined && allNamespaces)
    throw usageError(
      'a StatefulSet NAME cannot be combined with --all-namespaces',
      'use -n NAMESPACE to say where the StatefulSet is',
    );
  if (flags.watch && args.name === undefined)
    throw usageError('--watch needs a StatefulSet NAME', 'run `kubectl sts status NAME --watch`');
  const clusterDomain = parseClusterDomain(flags['cluster-domain'] ?? 'cluster.local');
  const wait = flags.wait ?? false;
  const problems = flags.problems ?? false;
  if (wait && args.name === undefined)
    throw usageError('--wait needs a StatefulSet NAME', 'run `kubectl sts status NAME --wait`');
  if (wait && (flags.watch || flags.filename !== undefined))
    throw usageError(
      '--wait cannot be combined with --watch or -f',
      'use --wait alone against a live cluster',
    );
  for (const flag of ['timeout', 'stuck-after'] as const) {
    if (flags[flag] !== undefined && !wait)
      throw usageError(
        `--${flag} only applies to --wait`,
        flag === 'timeout'
          ? 'add --wait to gate on the rollout, or use --request-timeout to limit each API request'
          : 'add --wait to gate on the rollout',
      );
  }
  if (problems && args.name !== undefined)
    throw usageError(
      '--problems lists StatefulSets; it takes no NAME',
      'run `kubectl sts status -A --problems`',
    );
  if (flags.watch && flags.filename !== undefined)
    throw usageError('--watch cannot read a dump (-f)', 'drop --watch to read the dump once');
  return {
    name: args.name,
    namespace: flags.namespace,
    allNamespaces,
    clusterDomain,
    watch: flags.watch ?? false,
    output: toOutputOptions(flags),
    filename: flags.filename,
    wait,
    timeoutMs: parseDuration(flags.timeout ?? '5m', '--timeout'),
    stuckAfterMs: parseDuration(flags['stuck-after'] ?? '30s', '--stuck-after'),
    problems,
    list: toListOptions(flags, args.name, 'status'),
  };
}
