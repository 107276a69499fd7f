import { Args, Flags } from '@oclif/core';
import { StsCommand } from '../cli/base.ts';
import { usageError } from '../cli/errors.ts';
import {
  allNamespacesFlag,
  clusterDomainFlag,
  connectionFlags,
  debugFlag,
  listFlags,
  parseClusterDomain,
  reportOutputFlags,
  toConnectionOptions,
  fromCommandLineOnly,
} from '../cli/flags.ts';
import { outputError, sortedItems, toListOptions, toOutputOptions } from '../cli/output.ts';
import type { ListFlags, ListOptions, OutputFlags, OutputOptions } from '../cli/output.ts';
import { collectDnsInputs } from '../collect/dns.ts';
import { connect } from '../kube/connect.ts';
import { checkNamespaceFlag, checkObjectName } from '../kube/names.ts';
import type { ClusterGateway } from '../kube/gateway.ts';
import { renderDns, renderDnsList } from '../render/dns.ts';
import { labelColumns } from '../render/label-columns.ts';
import { documentRenderer } from '../render/output.ts';
import { buildDnsReport } from '../report/dns.ts';
import type { DnsReport } from '../report/dns.ts';

const POD_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface DnsRequest {
  name: string | undefined;
  namespace: string | undefined;
  allNamespaces: boolean;
  /** --cluster-domain; undefined means detect. */
  clusterDomain: string | undefined;
  probe: boolean;
  from: string | undefined;
  output: OutputOptions;
  /** Without NAME: selection (-l, --field-selector), order (--sort-by), label columns. */
  list: ListOptions;
}

export interface DnsList {
  items: DnsReport[];
}

export default class Dns extends StsCommand {
  static override summary =
    "Show a StatefulSet's stable DNS names and prove, or explain, whether they resolve.";
  static override description = [
    "With NAME: the governing Service's name, SRV names for its named ports, and one row per ordinal with the pod's FQDN, IP, readiness and whether DNS publishes the name (with the reason when not), followed by diagnostics.",
    "The cluster domain comes from --cluster-domain, else from a running pod's /etc/resolv.conf, else from CoreDNS's ConfigMap, else cluster.local; the output says which.",
    '--probe resolves every name from inside a pod of the set (or --from POD) with getent or nslookup and compares the answers with the pod IPs.',
    'Without NAME: every StatefulSet in the namespace (all namespaces with -A).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> dns todo-db',
    '<%= config.bin %> dns todo-db --probe',
    '<%= config.bin %> dns todo-db --probe --from debug-pod',
    '<%= config.bin %> dns todo-db -o json | jq ".records[] | {pod, fqdn, published}"',
    '<%= config.bin %> dns -A',
    '<%= config.bin %> dns -A -l app=db -o custom-columns=SET:.statefulSet.name,NAMES:.records[*].fqdn',
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
    probe: Flags.boolean({
      description: 'Resolve each name from inside a running pod of the set with getent or nslookup.',
      default: false,
    }),
    from: Flags.string({
      description:
        'Probe from this pod (in the StatefulSet namespace) instead of a pod of the set; implies --probe.',
    }),
    ...debugFlag,
  };

  async run(): Promise<DnsReport | DnsList> {
    const { args, flags } = await this.parse(Dns);
    const request = dnsRequestFrom(args, flags);
    const connection = await connect(toConnectionOptions(flags));
    try {
      const namespace = request.allNamespaces ? undefined : (request.namespace ?? connection.namespace);
      return await showDns(connection.gateway, namespace, request);
    } finally {
      connection.close();
    }
  }
}

/** Collects, builds and prints; returns what was shown. `namespace` undefined means all namespaces. */
export async function showDns(
  gateway: ClusterGateway,
  namespace: string | undefined,
  request: DnsRequest,
  out: (text: string) => void = (text) => void process.stdout.write(text),
  err: (text: string) => void = (text) => void process.stderr.write(text),
): Promise<DnsReport | DnsList> {
  const { labelSelector, fieldSelector } = request.list;
  const inputs = await collectDnsInputs(gateway, namespace, request.name, {
    clusterDomain: request.clusterDomain,
    probe: request.probe,
    from: request.from,
    selection: { labelSelector, fieldSelector },
  });
  const reports = inputs.map(buildDnsReport);
  const { output } = request;
  const render = { wide: output.format === 'wide', noHeaders: output.noHeaders, color: output.color };
  const renderDocument = await documentRenderer<DnsReport>(output);
  const print = (text: () => string) => {
    try {
      out(text());
    } catch (error) {
      throw outputError(error);
    }
  };
  if (request.name !== undefined) {
    const report = reports[0]!;
    if (renderDocument)
      print(() => renderDocument({ document: report, nameOf: () => report.statefulSet.name }));
    else out(renderDns(report, render));
    return report;
  }
  const list: DnsList = { items: sortedItems(reports, request.list) };
  if (renderDocument)
    print(() =>
      renderDocument({ document: list, items: list.items, nameOf: (item) => item!.statefulSet.name }),
    );
  else if (list.items.length === 0)
    err(`No StatefulSets found${namespace ? ` in ${namespace} namespace` : ''}.\n`);
  else
    out(
      renderDnsList(list.items, {
        ...render,
        allNamespaces: request.allNamespaces,
        extraColumns: labelColumns(request.list),
      }),
    );
  return list;
}

export function dnsRequestFrom(
  args: { name?: string },
  flags: {
    namespace?: string;
    'all-namespaces'?: boolean;
    'cluster-domain'?: string;
    probe?: boolean;
    from?: string;
  } & OutputFlags &
    ListFlags,
  stream?: { isTTY?: boolean },
  env?: NodeJS.ProcessEnv,
): DnsRequest {
  const allNamespaces = flags['all-namespaces'] ?? false;
  checkObjectName(args.name);
  checkNamespaceFlag(flags.namespace);
  if (args.name !== undefined && allNamespaces) {
    throw usageError(
      'a StatefulSet NAME cannot be combined with --all-namespaces',
      'use -n NAMESPACE to say where the StatefulSet is',
    );
  }
  let clusterDomain: string | undefined;
  if (flags['cluster-domain'] !== undefined) {
    clusterDomain = parseClusterDomain(flags['cluster-domain']);
  }
  if (flags.from !== undefined && !POD_NAME.test(flags.from)) {
    throw usageError(`invalid --from "${flags.from}"`, 'give the name of a pod in the StatefulSet namespace');
  }
  if (flags.from !== undefined && allNamespaces) {
    throw usageError(
      '--from cannot be combined with --all-namespaces',
      'probe one namespace at a time with -n NAMESPACE',
    );
  }
  return {
    name: args.name,
    namespace: flags.namespace,
    allNamespaces,
    clusterDomain,
    probe: (flags.probe ?? false) || flags.from !== undefined,
    from: flags.from,
    output: toOutputOptions(flags, stream, env),
    list: toListOptions(flags, args.name, 'dns'),
  };
}
