// Reads what the DNS report needs from a live cluster: the sets, their pods, governing
// Services and EndpointSlices; detects the cluster domain; and, with --probe, resolves the
// names from inside a pod through exec. Everything the report concludes happens in
// src/report/dns.ts; here only requests are made and answers shaped.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ClusterGateway, ListOptions } from '../kube/gateway.ts';
import { selectorToString, statusOfError } from '../kube/gateway.ts';
import type { ConfigMap, EndpointSlice, Pod, Service, StatefulSet } from '../kube/types.ts';
import { buildDnsReport } from '../report/dns.ts';
import type { ClusterDomainInfo, DnsInput, ProbeOutcome } from '../report/dns.ts';
import {
  clusterDomainFromCorefile,
  clusterDomainFromResolvConf,
  PROBE_SCRIPT,
  parseProbeOutput,
  probeInput,
} from '../report/dns-probe.ts';
import { podBelongsToSet, podOrdinal, podsByOrdinal } from '../report/ordinals.ts';
import { selectorMatches } from '../report/selector.ts';
import { podSelectorFor } from './snapshot.ts';
import { isPodReady, podDisplayStatus } from '../report/readiness.ts';

export interface DnsCollectOptions {
  /** --cluster-domain, when given. */
  clusterDomain?: string;
  probe: boolean;
  /** --from: the pod to probe from (in the set's namespace). */
  from?: string;
  /** Without a name: -l / --field-selector, applied by the API server to the StatefulSets. */
  selection?: ListOptions;
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
const EXEC_TIMEOUT_MS = 20_000;
/** Detection is a convenience: do not let a hanging exec hold the command up for long. */
const DETECT_TIMEOUT_MS = 5_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRunning(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    !pod.metadata?.deletionTimestamp &&
    (pod.status.containerStatuses ?? []).some((status) => status.state?.running)
  );
}

/** The container kubectl would exec into: the default-container annotation, else the first. */
export function defaultContainer(pod: Pod): string | undefined {
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (annotated && names.includes(annotated)) return annotated;
  return names[0];
}

/** Running containers of a pod, the default one first: a shell-less app may have a sidecar with tools. */
export function containersToTry(pod: Pod): string[] {
  const running = new Set(
    (pod.status?.containerStatuses ?? [])
      .filter((status) => status.state?.running)
      .map((status) => status.name),
  );
  const first = defaultContainer(pod);
  const names = (pod.spec?.containers ?? []).map((c) => c.name).filter((name) => running.has(name));
  return [...(first && running.has(first) ? [first] : []), ...names.filter((name) => name !== first)];
}

/** Running pods of a set, Ready ones and lower ordinals first: the best places to look from. */
function probeCandidates(set: StatefulSet, pods: Pod[]): Pod[] {
  const name = set.metadata?.name ?? '';
  return pods
    .filter((pod) => podBelongsToSet(pod, set) && isRunning(pod))
    .sort(
      (a, b) =>
        Number(isPodReady(b)) - Number(isPodReady(a)) ||
        (podOrdinal(a, name) ?? 0) - (podOrdinal(b, name) ?? 0),
    );
}

/** Reads one namespace's (or all namespaces') objects once, for every set in it. */
interface Scope {
  sets: StatefulSet[];
  /** Every pod that matters: the sets' pods and those their Services select. */
  pods: Pod[];
  services: Service[];
  slices: EndpointSlice[];
  slicesUnreadable: boolean;
  servicesUnreadable: boolean;
}

/** Runs a read the report can do without: a 403 yields `fallback` and calls `onForbidden`. */
async function unlessForbidden<T>(read: Promise<T>, fallback: T, onForbidden: () => void): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (statusOfError(error) !== 403) throw error;
    onForbidden();
    return fallback;
  }
}

async function readSingle(gateway: ClusterGateway, namespace: string, name: string): Promise<Scope> {
  const set = await gateway.getStatefulSet(namespace, name);
  const serviceName = set.spec?.serviceName;
  let slicesUnreadable = false;
  let servicesUnreadable = false;
  const [pods, service, slices] = await Promise.all([
    gateway.listPods(namespace, { labelSelector: podSelectorFor(set) }),
    serviceName
      ? unlessForbidden(
          gateway.getService(namespace, serviceName),
          undefined,
          () => (servicesUnreadable = true),
        )
      : Promise.resolve(undefined),
    serviceName
      ? unlessForbidden(
          gateway
            .listEndpointSlices(namespace, { labelSelector: `kubernetes.io/service-name=${serviceName}` })
            .then((listed) => listed.items),
          [] as EndpointSlice[],
          () => (slicesUnreadable = true),
        )
      : Promise.resolve([] as EndpointSlice[]),
  ]);
  // Pods the Service selects that are not the set's: one more request, by the Service selector,
  // rather than listing a namespace that may hold thousands of pods.
  const selector = service?.spec?.selector;
  const selected =
    selector && Object.keys(selector).length > 0
      ? (await gateway.listPods(namespace, { labelSelector: selectorToString({ matchLabels: selector }) }))
          .items
      : [];
  const byName = new Map<string, Pod>();
  for (const pod of [...pods.items, ...selected]) byName.set(pod.metadata?.name ?? '', pod);
  return {
    sets: [set],
    pods: [...byName.values()],
    services: service ? [service] : [],
    slices,
    slicesUnreadable,
    servicesUnreadable,
  };
}

async function readMany(
  gateway: ClusterGateway,
  namespace: string | undefined,
  selection: ListOptions | undefined,
): Promise<Scope> {
  let slicesUnreadable = false;
  let servicesUnreadable = false;
  const [sets, pods, services, slices] = await Promise.all([
    gateway.listStatefulSets(namespace, selection),
    gateway.listPods(namespace),
    unlessForbidden(
      gateway.listServices(namespace).then((listed) => listed.items),
      [] as Service[],
      () => (servicesUnreadable = true),
    ),
    unlessForbidden(
      gateway.listEndpointSlices(namespace).then((listed) => listed.items),
      [] as EndpointSlice[],
      () => (slicesUnreadable = true),
    ),
  ]);
  return { sets: sets.items, pods: pods.items, services, slices, slicesUnreadable, servicesUnreadable };
}

/** Services named `name` in namespaces other than `namespace` (best effort: empty when not listable). */
async function servicesElsewhere(
  gateway: ClusterGateway,
  namespace: string,
  name: string,
): Promise<Service[]> {
  try {
    const listed = await gateway.listServices(undefined, { fieldSelector: `metadata.name=${name}` });
    return listed.items.filter((service) => service.metadata?.namespace !== namespace);
  } catch {
    return [];
  }
}

function inputFor(scope: Scope, set: StatefulSet): Omit<DnsInput, 'clusterDomain'> {
  const namespace = set.metadata?.namespace ?? 'default';
  const serviceName = set.spec?.serviceName;
  const service = scope.services.find(
    (candidate) => candidate.metadata?.namespace === namespace && candidate.metadata?.name === serviceName,
  );
  const inNamespace = scope.pods.filter((pod) => pod.metadata?.namespace === namespace);
  const selector = service?.spec?.selector;
  return {
    statefulSet: set,
    service,
    serviceUnreadable: scope.servicesUnreadable,
    pods: inNamespace.filter((pod) => podBelongsToSet(pod, set)),
    endpointSlices: scope.slices.filter(
      (slice) =>
        slice.metadata?.namespace === namespace &&
        slice.metadata?.labels?.['kubernetes.io/service-name'] === serviceName,
    ),
    endpointSlicesUnreadable: scope.slicesUnreadable,
    podsSelectedByService:
      selector && Object.keys(selector).length > 0
        ? inNamespace.filter((pod) => selectorMatches({ matchLabels: selector }, pod.metadata?.labels))
        : undefined,
  };
}

/** containerd's words for an exec of a program the image does not have (no exit code: a failed start). */
const MISSING_EXECUTABLE = /executable file not found|exec: "[^"]*": stat [^:]*: no such file or directory/;

/**
 * The cluster domain: the flag; else the search line of a running pod's /etc/resolv.conf;
 * else the kubernetes zone of CoreDNS's Corefile; else cluster.local. Says where it came from.
 */
export async function detectClusterDomain(
  gateway: ClusterGateway,
  candidates: Pod[],
  flag: string | undefined,
): Promise<ClusterDomainInfo> {
  if (flag) return { domain: flag.replace(/\.$/, ''), source: 'flag', detail: '--cluster-domain' };
  const tried: string[] = [];
  pods: for (const pod of candidates.slice(0, 2)) {
    const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    // /etc/resolv.conf is the pod's, so any container with `cat` can show it.
    for (const container of containersToTry(pod).slice(0, 3)) {
      try {
        const result = await gateway.exec({
          namespace: pod.metadata?.namespace ?? 'default',
          pod: pod.metadata?.name ?? '',
          container,
          command: ['cat', '/etc/resolv.conf'],
          timeoutMs: DETECT_TIMEOUT_MS,
        });
        const domain =
          result.exitCode === 0
            ? clusterDomainFromResolvConf(result.stdout, pod.metadata?.namespace ?? 'default')
            : undefined;
        if (domain) {
          return { domain, source: 'resolv.conf', detail: `search line of /etc/resolv.conf in pod ${where}` };
        }
        tried.push(
          `pod ${where} container ${container}: ${result.exitCode === 0 ? 'no cluster search domain' : `exit code ${result.exitCode}`}`,
        );
        if (result.exitCode === 0) break;
      } catch (error) {
        // containerd fails the exec itself when the image lacks the program (distroless): that
        // is this container's doing; another container of the pod may have `cat`.
        if (MISSING_EXECUTABLE.test(messageOf(error))) {
          tried.push(`pod ${where} container ${container}: no cat in its image`);
          continue;
        }
        // Exec refused or timed out: likely the same for every pod (RBAC, API faults); move on.
        tried.push(`pod ${where}: ${messageOf(error)}`);
        break pods;
      }
    }
  }
  try {
    const configMap: ConfigMap | undefined = await gateway.getConfigMap('kube-system', 'coredns');
    const domain = configMap?.data?.Corefile ? clusterDomainFromCorefile(configMap.data.Corefile) : undefined;
    if (domain)
      return { domain, source: 'coredns', detail: 'kubernetes zone in ConfigMap kube-system/coredns' };
    tried.push(
      configMap
        ? 'ConfigMap kube-system/coredns: no kubernetes zone'
        : 'ConfigMap kube-system/coredns: not found',
    );
  } catch (error) {
    tried.push(
      `ConfigMap kube-system/coredns: ${statusOfError(error) === 403 ? 'forbidden' : messageOf(error)}`,
    );
  }
  if (candidates.length === 0) tried.unshift('no running pod to read /etc/resolv.conf from');
  return {
    domain: DEFAULT_CLUSTER_DOMAIN,
    source: 'default',
    detail: `default; not detected: ${tried.join('; ')}`,
  };
}

/** Resolves `names` inside `pod` and classifies what went wrong, if anything. */
export async function probeNames(gateway: ClusterGateway, pod: Pod, names: string[]): Promise<ProbeOutcome> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const podName = pod.metadata?.name ?? '';
  const from = `${namespace}/${podName}`;
  const containers = containersToTry(pod);
  if (!isRunning(pod) || containers.length === 0) {
    return {
      from,
      container: defaultContainer(pod),
      tool: undefined,
      answers: {},
      problem: {
        code: 'ProbeFailed',
        message: `pod ${from} is not running (${pod.status?.phase ?? 'unknown phase'}): names cannot be resolved from it`,
      },
    };
  }
  // The first container that can resolve wins; otherwise the default container's problem is
  // reported, naming every image tried.
  let first: ProbeOutcome | undefined;
  const images: string[] = [];
  for (const container of containers) {
    const image = pod.spec?.containers?.find((c) => c.name === container)?.image ?? 'unknown image';
    images.push(`${container}: ${image}`);
    const outcome = await probeContainer(gateway, pod, container, names);
    if (!outcome.problem) return outcome;
    first ??= outcome;
    if (outcome.problem.code === 'ProbeFailed') break;
  }
  if (images.length > 1 && first!.problem!.code !== 'ProbeFailed') {
    first!.problem = {
      code: first!.problem!.code,
      message: `no container of pod ${from} can resolve names (${images.join(', ')}): no shell, or neither getent nor nslookup`,
    };
  }
  return first!;
}

async function probeContainer(
  gateway: ClusterGateway,
  pod: Pod,
  container: string,
  names: string[],
): Promise<ProbeOutcome> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const podName = pod.metadata?.name ?? '';
  const from = `${namespace}/${podName}`;
  const image = pod.spec?.containers?.find((c) => c.name === container)?.image ?? 'unknown image';
  const outcome: ProbeOutcome = { from, container, tool: undefined, answers: {} };
  try {
    const result = await gateway.exec({
      namespace,
      pod: podName,
      container,
      command: ['sh', '-c', PROBE_SCRIPT],
      stdin: probeInput(names),
      timeoutMs: EXEC_TIMEOUT_MS,
    });
    if (
      result.exitCode === 126 ||
      result.exitCode === 127 ||
      /executable file not found/.test(result.stderr)
    ) {
      outcome.problem = {
        code: 'ProbeNoShell',
        message: `the image of pod ${from} (${image}) has no shell: names cannot be resolved from it`,
      };
      return outcome;
    }
    const parsed = parseProbeOutput(result.stdout);
    if (!parsed.tool) {
      outcome.problem = {
        code: 'ProbeNoResolverTool',
        message: `the image of pod ${from} (${image}) has neither getent nor nslookup: names cannot be resolved from it`,
      };
      return outcome;
    }
    outcome.tool = parsed.tool;
    outcome.answers = parsed.answers;
    return outcome;
  } catch (error) {
    // containerd reports a missing executable as a failed exec (an InternalError status), not
    // as an exit code: `OCI runtime exec failed: … exec: "sh": executable file not found in $PATH`.
    if (MISSING_EXECUTABLE.test(messageOf(error))) {
      outcome.problem = {
        code: 'ProbeNoShell',
        message: `the image of pod ${from} (${image}) has no shell: names cannot be resolved from it`,
      };
      return outcome;
    }
    outcome.problem = { code: 'ProbeFailed', message: `exec into pod ${from} failed: ${messageOf(error)}` };
    return outcome;
  }
}

/** No pod of the set runs: nothing to exec into. Says so, and why each pod is not running. */
function noRunningPod(set: StatefulSet, pods: Pod[]): ProbeOutcome {
  const own = [...podsByOrdinal(pods, set)].sort((a, b) => a[0] - b[0]).map(([, pod]) => pod);
  const states = own.slice(0, 5).map((pod) => {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const why =
      scheduled?.status === 'False'
        ? `not scheduled (${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''})`
        : podDisplayStatus(pod).status;
    return `${pod.metadata?.name}: ${why}`;
  });
  return {
    from: '',
    container: undefined,
    tool: undefined,
    answers: {},
    problem: {
      code: 'ProbeNoRunningPod',
      message: `no pod of ${set.metadata?.name} is running, so there is none to resolve names from`,
      evidence:
        own.length === 0
          ? [`${set.metadata?.name} has no pods`]
          : [...states, ...(own.length > 5 ? [`… and ${own.length - 5} more`] : [])],
    },
  };
}

/** Names worth resolving for one set: every ordinal's FQDN and the Service's. */
function namesOf(input: DnsInput, probePod: Pod): string[] {
  const report = buildDnsReport(input);
  // Short names prove something only from the set's namespace (its search list); asking costs nothing more.
  const shortNames =
    probePod.metadata?.namespace === report.statefulSet.namespace
      ? report.records.flatMap((record) => record.shortNames)
      : [];
  return [...report.records.map((record) => record.fqdn), report.service.fqdn, ...shortNames].filter(Boolean);
}

/**
 * Collects the inputs for one set (`name` given) or every set in `namespace` (undefined: all
 * namespaces). Throws StsError NOT_FOUND for a missing set or --from pod.
 */
export async function collectDnsInputs(
  gateway: ClusterGateway,
  namespace: string | undefined,
  name: string | undefined,
  options: DnsCollectOptions,
): Promise<DnsInput[]> {
  const scope =
    name !== undefined && namespace !== undefined
      ? await readSingle(gateway, namespace, name)
      : await readMany(gateway, namespace, options.selection);
  const partial = scope.sets.map((set) => inputFor(scope, set));

  for (const input of partial) {
    const set = input.statefulSet;
    const serviceName = set.spec?.serviceName;
    if (!input.service && !input.serviceUnreadable && serviceName) {
      input.servicesElsewhere = await servicesElsewhere(
        gateway,
        set.metadata?.namespace ?? 'default',
        serviceName,
      );
    }
  }

  let fromPod: Pod | undefined;
  if (options.from) {
    const fromNamespace = namespace ?? scope.sets[0]?.metadata?.namespace ?? 'default';
    fromPod = await gateway.getPod(fromNamespace, options.from);
    if (!fromPod) {
      throw new StsError(`pod "${options.from}" not found in namespace ${fromNamespace}`, {
        exitCode: ExitCode.NOT_FOUND,
        hint: `list pods with \`kubectl get pods -n ${fromNamespace}\``,
      });
    }
  }

  const candidates = [
    ...(fromPod ? [fromPod] : []),
    ...partial.flatMap((input) => probeCandidates(input.statefulSet, input.pods)),
  ];
  const clusterDomain = await detectClusterDomain(gateway, candidates, options.clusterDomain);
  const inputs: DnsInput[] = partial.map((input) => ({ ...input, clusterDomain }));
  if (!options.probe) return inputs;

  for (const input of inputs) {
    const pod = fromPod ?? probeCandidates(input.statefulSet, input.pods)[0];
    if (!pod) {
      input.probe = noRunningPod(input.statefulSet, input.pods);
      continue;
    }
    input.probe = await probeNames(gateway, pod, namesOf(input, pod));
  }
  return inputs;
}
