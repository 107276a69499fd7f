// The DNS report of one StatefulSet: the governing Service's name, SRV names, one row per
// ordinal with its stable name and whether DNS publishes it, the probe's answers when names
// were resolved from inside the cluster, and every finding as a diagnostic.
import { orderFindings } from './diagnostics/order.ts';
import { dnsRecordFindings, governingServiceFindings, isHeadless, podPublication } from './identity.ts';
import type { IdentityInput } from './identity.ts';
import { expectedOrdinals, podNameFor, podsByOrdinal } from './ordinals.ts';
import type { Diagnostic } from './snapshot.ts';
import { isPodReady } from './readiness.ts';

export type ClusterDomainSource = 'flag' | 'resolv.conf' | 'coredns' | 'default';

export interface ClusterDomainInfo {
  domain: string;
  source: ClusterDomainSource;
  /** Where exactly it came from, for people (`/etc/resolv.conf of pod default/web-0`). */
  detail: string;
}

export type ResolverTool = 'getent' | 'nslookup';

export interface ProbeProblem {
  code: 'ProbeNoShell' | 'ProbeNoResolverTool' | 'ProbeFailed' | 'ProbeNoRunningPod';
  message: string;
  /** Facts behind it (ProbeNoRunningPod: each pod's state). */
  evidence?: string[];
}

/** What resolving names from inside a pod gave; produced by the collector, interpreted here. */
export interface ProbeOutcome {
  /** `namespace/pod` the names were resolved from; empty when there was no pod to probe from. */
  from: string;
  container: string | undefined;
  tool: ResolverTool | undefined;
  problem?: ProbeProblem;
  /** Addresses per name asked; an empty list means the name did not resolve. */
  answers: Record<string, string[]>;
}

export interface DnsInput extends IdentityInput {
  clusterDomain: ClusterDomainInfo;
  probe?: ProbeOutcome;
}

export interface Resolution {
  addresses: string[];
  /** Whether the answer is exactly what the cluster state says it should be. */
  matches: boolean;
  /**
   * `hosts-file` when getent answered the probe pod's own name: the kubelet writes it into the
   * pod's /etc/hosts, so it resolves there whatever DNS publishes.
   */
  source: 'dns' | 'hosts-file';
}

export interface DnsRecord {
  ordinal: number;
  pod: string;
  fqdn: string;
  /** Forms that resolve from pods of the same namespace through the search list. */
  shortNames: string[];
  podIP: string | null;
  exists: boolean;
  ready: boolean;
  published: boolean;
  /** Why the name is not published; null when it is. */
  reason: string | null;
  resolved?: Resolution;
  /**
   * With --probe through getent from a pod of the same namespace: how each short name resolved
   * (they depend on the probe pod's search list, so this proves they work for its neighbours).
   */
  shortResolved?: (Resolution & { name: string })[];
}

export interface SrvName {
  name: string;
  portName: string;
  port: number;
  protocol: string;
}

export interface DnsReport {
  /** The set, with its own labels (what -l, -L and --show-labels look at). */
  statefulSet: { name: string; namespace: string; labels: Record<string, string> };
  service: {
    name: string;
    namespace: string;
    fqdn: string;
    exists: boolean;
    headless: boolean;
    clusterIP: string | null;
    publishNotReadyAddresses: boolean;
    resolved?: Resolution;
  };
  clusterDomain: string;
  clusterDomainSource: ClusterDomainSource;
  clusterDomainDetail: string;
  srv: SrvName[];
  records: DnsRecord[];
  probe?: {
    from: string | null;
    container: string | null;
    tool: ResolverTool | null;
    problem: ProbeProblem | null;
  };
  diagnostics: Diagnostic[];
}

export function buildDnsReport(input: DnsInput): DnsReport {
  const set = input.statefulSet;
  const name = set.metadata?.name ?? '';
  const namespace = set.metadata?.namespace ?? 'default';
  const serviceName = set.spec?.serviceName ?? '';
  const domain = input.clusterDomain.domain;
  // Without a serviceName there is no name to show at all (the pods get no subdomain).
  const serviceFqdn = serviceName ? `${serviceName}.${namespace}.svc.${domain}` : '';
  const service = input.service;

  const pods = podsByOrdinal(input.pods, set);
  const ordinals = [...new Set([...expectedOrdinals(set), ...pods.keys()])].sort((a, b) => a - b);

  const records: DnsRecord[] = ordinals.map((ordinal) => {
    const pod = pods.get(ordinal);
    const podName = pod?.metadata?.name ?? podNameFor(name, ordinal);
    const publication = podPublication(input, pod);
    const fqdn = serviceName ? `${podName}.${serviceFqdn}` : '';
    const record: DnsRecord = {
      ordinal,
      pod: podName,
      fqdn,
      shortNames: serviceName ? [`${podName}.${serviceName}`, `${podName}.${serviceName}.${namespace}`] : [],
      podIP: pod?.status?.podIP ?? null,
      exists: pod !== undefined,
      ready: isPodReady(pod),
      published: publication.published,
      reason: publication.reason ?? null,
    };
    const answer = input.probe?.answers[fqdn];
    if (answer) {
      const ownName =
        input.probe?.tool === 'getent' &&
        input.probe.from === `${namespace}/${podName}` &&
        pod?.spec?.subdomain;
      const expected = (publication.published || ownName) && record.podIP ? [record.podIP] : [];
      record.resolved = {
        addresses: answer,
        matches: sameSet(answer, expected),
        source: ownName ? 'hosts-file' : 'dns',
      };
    }
    if (probesShortNames(input, namespace)) {
      const expected = publication.published && record.podIP ? [record.podIP] : [];
      record.shortResolved = record.shortNames
        .filter((short) => input.probe!.answers[short] !== undefined)
        .map((short) => {
          const addresses = input.probe!.answers[short]!;
          return { name: short, addresses, matches: sameSet(addresses, expected), source: 'dns' as const };
        });
    }
    return record;
  });

  const serviceIPs = service
    ? isHeadless(service)
      ? records.filter((r) => r.published && r.podIP).map((r) => r.podIP!)
      : service.spec?.clusterIP
        ? [service.spec.clusterIP]
        : []
    : [];
  const serviceAnswer = input.probe?.answers[serviceFqdn];

  const report: DnsReport = {
    statefulSet: { name, namespace, labels: { ...set.metadata?.labels } },
    service: {
      name: serviceName,
      namespace,
      fqdn: serviceFqdn,
      exists: service !== undefined,
      headless: service ? isHeadless(service) : false,
      clusterIP: service?.spec?.clusterIP ?? null,
      publishNotReadyAddresses: service?.spec?.publishNotReadyAddresses === true,
      ...(serviceAnswer
        ? {
            resolved: {
              addresses: serviceAnswer,
              matches: sameSet(serviceAnswer, serviceIPs),
              source: 'dns' as const,
            },
          }
        : {}),
    },
    clusterDomain: domain,
    clusterDomainSource: input.clusterDomain.source,
    clusterDomainDetail: input.clusterDomain.detail,
    srv: (service?.spec?.ports ?? [])
      .filter((port) => port.name)
      .map((port) => {
        const protocol = (port.protocol ?? 'TCP').toLowerCase();
        return {
          name: `_${port.name}._${protocol}.${serviceFqdn}`,
          portName: port.name!,
          port: port.port,
          protocol,
        };
      }),
    records,
    diagnostics: [],
  };
  if (input.probe) {
    report.probe = {
      from: input.probe.from || null,
      container: input.probe.container ?? null,
      tool: input.probe.tool ?? null,
      problem: input.probe.problem ?? null,
    };
  }

  const findings = [
    ...unreadableFindings(input),
    ...governingServiceFindings(input),
    ...dnsRecordFindings(input),
    ...probeFindings(report, input),
  ];
  report.diagnostics = orderFindings(findings);
  return report;
}

/** Reads the report had to do without: say so, since every verdict depending on them is unknown. */
function unreadableFindings(input: DnsInput): Diagnostic[] {
  const namespace = input.statefulSet.metadata?.namespace ?? 'default';
  const missing = [
    ...(input.serviceUnreadable ? ['services'] : []),
    ...(input.endpointSlicesUnreadable ? ['endpointslices'] : []),
  ];
  if (missing.length === 0) return [];
  return [
    {
      code: 'IdentityUnreadable',
      severity: 'warning',
      message: `could not read ${missing.join(' and ')} (forbidden): whether the names are published is unknown`,
      ordinals: [],
      evidence: missing.map((resource) => `list/get ${resource} in ${namespace}: 403 Forbidden`),
      advice: `ask for read access: \`kubectl auth can-i get ${missing[0]} -n ${namespace}\``,
    },
  ];
}

/**
 * Short names are worth checking only through getent (busybox nslookup never applies the search
 * list to names with a dot) and from a pod whose search list starts with the set's namespace.
 */
export function probesShortNames(input: Pick<DnsInput, 'probe'>, namespace: string): boolean {
  const probe = input.probe;
  return (
    probe !== undefined && !probe.problem && probe.tool === 'getent' && probe.from.startsWith(`${namespace}/`)
  );
}

function sameSet(actual: string[], expected: string[]): boolean {
  const a = [...new Set(actual)].sort();
  const b = [...new Set(expected)].sort();
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

const PROBE_POD_ADVICE = (namespace: string) =>
  `probe from a pod that has one: \`kubectl run dns-probe --image=busybox:1.36 --restart=Never -n ${namespace} -- sleep 3600\`, then add \`--from dns-probe\``;

function probeFindings(report: DnsReport, input: DnsInput): Diagnostic[] {
  const probe = input.probe;
  if (!probe) return [];
  const namespace = report.statefulSet.namespace;
  if (probe.problem?.code === 'ProbeNoRunningPod') {
    return [
      {
        code: probe.problem.code,
        severity: 'warning',
        message: probe.problem.message,
        ordinals: [],
        evidence: probe.problem.evidence ?? [],
        advice: `the names above are checked against the API only. To resolve them from inside the cluster, probe from any running pod of the namespace with \`--from <pod>\`, or ${PROBE_POD_ADVICE(namespace).replace(/^probe from a pod that has one: /, 'start one: ')}`,
      },
    ];
  }
  if (probe.problem) {
    return [
      {
        code: probe.problem.code,
        severity: 'warning',
        message: probe.problem.message,
        ordinals: [],
        evidence: [`probe pod: ${probe.from}${probe.container ? ` (container ${probe.container})` : ''}`],
        advice:
          probe.problem.code === 'ProbeFailed'
            ? `check that you may exec into the pod: \`kubectl auth can-i create pods/exec -n ${namespace}\``
            : PROBE_POD_ADVICE(namespace),
      },
    ];
  }
  const findings: Diagnostic[] = [];
  const shortWrong = report.records.filter(
    (record) => record.resolved?.matches && record.shortResolved?.some((short) => !short.matches),
  );
  if (shortWrong.length > 0) {
    const [pod] = probe.from.split('/').slice(1);
    findings.push({
      code: 'ShortNameMismatch',
      severity: 'warning',
      message: `short names resolve differently from the full names in ${probe.from}: pods relying on the search list (\`<pod>.<service>\`) will not find their peers`,
      ordinals: shortWrong.map((record) => record.ordinal),
      evidence: shortWrong.flatMap((record) =>
        record
          .shortResolved!.filter((short) => !short.matches)
          .map(
            (short) =>
              `${short.name}: resolved ${short.addresses.join(', ') || 'not found'}, while ${record.fqdn} resolves ${record.resolved!.addresses.join(', ') || 'not found'}`,
          ),
      ),
      advice: `check the search list the pods get: \`kubectl exec ${pod} -n ${namespace} -- cat /etc/resolv.conf\` (dnsPolicy Default or a dnsConfig without \`${namespace}.svc.${report.clusterDomain}\` drops it)`,
    });
  }
  const wrong = report.records.filter((record) => record.resolved && !record.resolved.matches);
  if (wrong.length === 0) return findings;
  const unresolvedPublished = wrong.filter((r) => r.published && r.resolved!.addresses.length === 0);
  const domainAdvice =
    unresolvedPublished.length > 0 && report.clusterDomainSource !== 'flag'
      ? `; if the cluster does not use ${report.clusterDomain}, pass the right one with --cluster-domain`
      : '';
  return [
    {
      code: 'ProbeMismatch',
      severity: 'error',
      message: `${wrong.length} name(s) resolved from ${probe.from} differ from what the cluster state publishes`,
      ordinals: wrong.map((record) => record.ordinal),
      evidence: wrong.map((record) => {
        const expected =
          (record.published || record.resolved!.source === 'hosts-file') && record.podIP
            ? record.podIP
            : 'no answer';
        const got =
          record.resolved!.addresses.length > 0 ? record.resolved!.addresses.join(', ') : 'not found';
        return `${record.fqdn}: expected ${expected}, resolved ${got}`;
      }),
      advice: `DNS answers lag the EndpointSlices by a few seconds: re-run the probe; if it persists, check CoreDNS (\`kubectl -n kube-system logs -l k8s-app=kube-dns\`)${domainAdvice}`,
    },
    ...findings,
  ];
}
