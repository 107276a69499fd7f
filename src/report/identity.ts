// Stable network identity: whether the governing Service and the EndpointSlices publish the
// per-pod DNS names a StatefulSet promises. Pure checks shared by `kubectl sts dns` and the
// diagnostics engine. "Published" follows CoreDNS's kubernetes plugin: a name exists when a
// served endpoint (ready, or any when publishNotReadyAddresses) of the Service carries it.
import type { Endpoint, EndpointSlice, Pod, Service, StatefulSet } from '../kube/types.ts';
import { podBelongsToSet, podsByOrdinal } from './ordinals.ts';
import type { Diagnostic } from './snapshot.ts';
import { isPodReady } from './readiness.ts';

export interface IdentityInput {
  statefulSet: StatefulSet;
  /** The Service named by spec.serviceName in the set's namespace; undefined when it does not exist. */
  service: Service | undefined;
  /** True when the Service could not be read (RBAC): no verdict about it is given. */
  serviceUnreadable?: boolean;
  /** The set's pods. */
  pods: Pod[];
  /** The governing Service's EndpointSlices (label kubernetes.io/service-name). */
  endpointSlices: EndpointSlice[];
  /** True when the EndpointSlices could not be read. */
  endpointSlicesUnreadable?: boolean;
  /** Services with the governing name in other namespaces (looked up only when it is missing). */
  servicesElsewhere?: Service[];
  /** Pods of the namespace the Service selector selects; pods not of this set are reported. */
  podsSelectedByService?: Pod[];
}

export interface Publication {
  published: boolean;
  /** Why the name is not published (undefined when it is). */
  reason?: string;
}

function nameOf(set: StatefulSet): string {
  return set.metadata?.name ?? '';
}

function namespaceOf(set: StatefulSet): string {
  return set.metadata?.namespace ?? 'default';
}

function nsFlag(set: StatefulSet): string {
  return `-n ${namespaceOf(set)}`;
}

/** Deprecated in 1.11, ignored by EndpointSlices (default since 1.21), removed in 1.24 (kubernetes#108020). */
export const TOLERATE_UNREADY_ANNOTATION = 'service.alpha.kubernetes.io/tolerate-unready-endpoints';

export function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === 'None';
}

/** Labels of the set's pod template that the Service selector asks for but does not get. */
export function selectorMismatch(service: Service, set: StatefulSet): [string, string][] {
  const labels = set.spec?.template?.metadata?.labels ?? {};
  return Object.entries(service.spec?.selector ?? {}).filter(([key, value]) => labels[key] !== value);
}

function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}

interface EndpointIndex {
  byPod: Map<string, Endpoint[]>;
  byAddress: Map<string, Endpoint[]>;
}

// Built once per slice list: looking endpoints up per pod must not scan every slice (1,000 replicas).
const indexes = new WeakMap<EndpointSlice[], EndpointIndex>();

function endpointIndex(slices: EndpointSlice[]): EndpointIndex {
  let index = indexes.get(slices);
  if (!index) {
    index = { byPod: new Map(), byAddress: new Map() };
    for (const endpoint of slices.flatMap((slice) => slice.endpoints ?? [])) {
      const ref = endpoint.targetRef;
      if (ref?.name !== undefined) {
        if ((ref.kind ?? 'Pod') !== 'Pod') continue;
        const list = index.byPod.get(ref.name) ?? [];
        list.push(endpoint);
        index.byPod.set(ref.name, list);
      } else {
        for (const address of endpoint.addresses) {
          const list = index.byAddress.get(address) ?? [];
          list.push(endpoint);
          index.byAddress.set(address, list);
        }
      }
    }
    indexes.set(slices, index);
  }
  return index;
}

/** Endpoints of the Service that stand for `pod` (by targetRef, else by address). */
function endpointsFor(pod: Pod, slices: EndpointSlice[]): Endpoint[] {
  const index = endpointIndex(slices);
  const name = pod.metadata?.name ?? '';
  const ip = pod.status?.podIP;
  return [...(index.byPod.get(name) ?? []), ...(ip ? (index.byAddress.get(ip) ?? []) : [])];
}

/** Whether DNS serves `<pod>.<service>` for this pod, and if not, the first reason why. */
export function podPublication(input: IdentityInput, pod: Pod | undefined): Publication {
  const { service, statefulSet } = input;
  const serviceName = statefulSet.spec?.serviceName ?? '';
  if (!serviceName) return { published: false, reason: 'the StatefulSet sets no serviceName' };
  if (input.serviceUnreadable) return { published: false, reason: 'the Service could not be read' };
  if (!service) return { published: false, reason: `Service ${serviceName} does not exist` };
  if (!pod) return { published: false, reason: 'the pod does not exist' };
  const podName = pod.metadata?.name ?? '';
  if (!pod.status?.podIP)
    return { published: false, reason: `no pod IP yet (${pod.status?.phase ?? 'Pending'})` };
  if (pod.spec?.subdomain !== serviceName) {
    return {
      published: false,
      reason: pod.spec?.subdomain
        ? `pod subdomain "${pod.spec.subdomain}" is not the Service name`
        : 'the pod has no subdomain',
    };
  }
  if ((pod.spec?.hostname ?? '') !== podName) {
    return {
      published: false,
      reason: `pod hostname "${pod.spec?.hostname ?? ''}" differs from the pod name`,
    };
  }
  if (input.endpointSlicesUnreadable)
    return { published: false, reason: 'the EndpointSlices could not be read' };
  const endpoints = endpointsFor(pod, input.endpointSlices);
  if (endpoints.length === 0) {
    if (!hasSelector(service) || selectorMismatch(service, statefulSet).length > 0) {
      return { published: false, reason: 'the Service selector does not select the pod' };
    }
    if (pod.metadata?.deletionTimestamp) return { published: false, reason: 'the pod is terminating' };
    return { published: false, reason: 'no endpoint for the pod in the EndpointSlices yet' };
  }
  const publishAll = service.spec?.publishNotReadyAddresses === true;
  const served = endpoints.filter((endpoint) => publishAll || endpoint.conditions?.ready !== false);
  if (served.length === 0) {
    if (pod.metadata?.deletionTimestamp) return { published: false, reason: 'the pod is terminating' };
    return {
      published: false,
      reason: isPodReady(pod)
        ? 'the endpoint is not ready yet'
        : 'not Ready, and publishNotReadyAddresses is false',
    };
  }
  if (!served.some((endpoint) => (endpoint.hostname ?? '').toLowerCase() === podName.toLowerCase())) {
    return { published: false, reason: 'the endpoint has no hostname' };
  }
  return { published: true };
}

/** The governing Service checks: missing (or in another namespace), not headless, selector. */
export function governingServiceFindings(input: IdentityInput): Diagnostic[] {
  const set = input.statefulSet;
  const serviceName = set.spec?.serviceName;
  const name = nameOf(set);
  const namespace = namespaceOf(set);
  if (!serviceName) {
    return [
      {
        code: 'ServiceNameUnset',
        severity: 'warning',
        message: `${name} sets no spec.serviceName: its pods get no subdomain, hence no per-pod DNS names`,
        ordinals: [],
        evidence: ['spec.serviceName: ""'],
        advice: `serviceName is immutable: recreate the StatefulSet with serviceName set to a headless Service (\`kubectl get statefulset ${name} ${nsFlag(set)} -o yaml\`, set spec.serviceName, then \`kubectl delete statefulset ${name} --cascade=orphan ${nsFlag(set)}\` and apply it)`,
      },
    ];
  }
  if (input.serviceUnreadable) return [];
  const service = input.service;
  if (!service) {
    const elsewhere = (input.servicesElsewhere ?? []).map((s) => s.metadata?.namespace ?? '').filter(Boolean);
    if (elsewhere.length > 0) {
      return [
        {
          code: 'ServiceInOtherNamespace',
          severity: 'error',
          message: `the governing Service ${serviceName} exists only in namespace ${elsewhere.join(', ')}; pods of ${namespace}/${name} are named under a Service of their own namespace, so they get no DNS names`,
          ordinals: [],
          evidence: [
            `spec.serviceName: ${serviceName}`,
            `service ${namespace}/${serviceName}: not found`,
            ...elsewhere.map((other) => `service ${other}/${serviceName}: exists`),
          ],
          advice: `create the headless Service in ${namespace}: \`kubectl get service ${serviceName} -n ${elsewhere[0]} -o yaml\`, change metadata.namespace to ${namespace}, drop clusterIP/clusterIPs except clusterIP: None, and apply`,
        },
      ];
    }
    return [
      {
        code: 'ServiceMissing',
        severity: 'error',
        message: `the governing Service ${serviceName} does not exist: pods get no stable DNS names (${name}-N.${serviceName})`,
        ordinals: [],
        evidence: [`spec.serviceName: ${serviceName}`, `service ${namespace}/${serviceName}: not found`],
        advice: `create a headless Service named ${serviceName} (clusterIP: None) selecting the pods: \`kubectl create service clusterip ${serviceName} --clusterip=None ${nsFlag(set)}\` and set its selector to the pod labels`,
      },
    ];
  }
  const findings: Diagnostic[] = [];
  if (!isHeadless(service)) {
    const clusterIP = service.spec?.clusterIP;
    findings.push({
      code: 'ServiceNotHeadless',
      severity: 'error',
      message: `the governing Service ${serviceName} is not headless (clusterIP ${clusterIP ?? 'unset'}): its name resolves to a virtual IP instead of the pods, and per-pod records are only guaranteed for headless Services (CoreDNS answers them anyway; other DNS providers may not)`,
      ordinals: [],
      evidence: [
        `service ${serviceName} spec.clusterIP: ${clusterIP ?? 'unset'}`,
        `type: ${service.spec?.type ?? 'ClusterIP'}`,
      ],
      advice: `clusterIP is immutable: recreate the Service with clusterIP: None (\`kubectl get service ${serviceName} ${nsFlag(set)} -o yaml > svc.yaml\`, set clusterIP: None and remove clusterIPs, then \`kubectl replace --force -f svc.yaml\`)`,
    });
  }
  const selector = service.spec?.selector ?? {};
  const labels = set.spec?.template?.metadata?.labels ?? {};
  const missing = selectorMismatch(service, set);
  if (!hasSelector(service) || missing.length > 0) {
    findings.push({
      code: 'ServiceSelectorMismatch',
      severity: 'error',
      message: !hasSelector(service)
        ? `the governing Service ${serviceName} has no selector: no endpoints, hence no DNS records, are published for the pods`
        : `the governing Service ${serviceName} does not select the set's pods (${missing.map(([k, v]) => `${k}=${v}`).join(', ')} not on the pod template): no DNS records are published for them`,
      ordinals: [],
      evidence: [
        `service selector: ${JSON.stringify(selector)}`,
        `pod template labels: ${JSON.stringify(labels)}`,
      ],
      advice: `make the Service selector a subset of the pod labels: \`kubectl edit service ${serviceName} ${nsFlag(set)}\``,
    });
  } else if (input.podsSelectedByService) {
    const strangers = input.podsSelectedByService.filter((pod) => !podBelongsToSet(pod, set));
    if (strangers.length > 0) {
      const names = strangers.map((pod) => pod.metadata?.name ?? '').sort();
      findings.push({
        code: 'ServiceSelectsOtherPods',
        severity: 'warning',
        message: `the governing Service ${serviceName} also selects ${names.length} pod(s) that are not ${name}'s: the Service name resolves to them too, and a pod of theirs with the same hostname would take over a name`,
        ordinals: [],
        evidence: [
          `service selector: ${JSON.stringify(selector)}`,
          `other pods: ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, … (${names.length} in all)` : ''}`,
        ],
        advice: `add a label only ${name}'s pod template carries to the Service selector: \`kubectl edit service ${serviceName} ${nsFlag(set)}\``,
      });
    }
  }
  const tolerate = service.metadata?.annotations?.[TOLERATE_UNREADY_ANNOTATION];
  if (tolerate !== undefined) {
    const publishes = service.spec?.publishNotReadyAddresses === true;
    findings.push({
      code: 'ServiceTolerateUnreadyAnnotation',
      severity: publishes ? 'info' : 'warning',
      message: publishes
        ? `the governing Service ${serviceName} still carries the annotation ${TOLERATE_UNREADY_ANNOTATION}, removed in Kubernetes 1.24; spec.publishNotReadyAddresses does its job`
        : `the governing Service ${serviceName} relies on the annotation ${TOLERATE_UNREADY_ANNOTATION}, which EndpointSlices ignore and Kubernetes 1.24 removed: pods that are not Ready get no DNS names, so peers cannot find each other while they start`,
      ordinals: [],
      evidence: [
        `service ${serviceName} annotation ${TOLERATE_UNREADY_ANNOTATION}: ${JSON.stringify(tolerate)}`,
        `spec.publishNotReadyAddresses: ${service.spec?.publishNotReadyAddresses ?? 'unset'}`,
      ],
      advice: publishes
        ? `remove the annotation: \`kubectl annotate service ${serviceName} ${TOLERATE_UNREADY_ANNOTATION}- ${nsFlag(set)}\``
        : `set the field that replaced it: \`kubectl patch service ${serviceName} ${nsFlag(set)} -p '{"spec":{"publishNotReadyAddresses":true}}'\`, then remove the annotation`,
    });
  }
  return findings;
}

/** Per-pod and port checks: hostname/subdomain, readiness vs publishNotReadyAddresses, endpoints, SRV. */
export function dnsRecordFindings(input: IdentityInput): Diagnostic[] {
  const set = input.statefulSet;
  const service = input.service;
  const serviceName = set.spec?.serviceName ?? '';
  if (!service) return [];
  const findings: Diagnostic[] = [];
  const own = [...podsByOrdinal(input.pods, set)]
    .map(([ordinal, pod]) => ({ pod, ordinal }))
    .sort((a, b) => a.ordinal - b.ordinal);

  const mismatched = own.filter(
    ({ pod }) => pod.spec?.subdomain !== serviceName || (pod.spec?.hostname ?? '') !== pod.metadata?.name,
  );
  if (mismatched.length > 0) {
    findings.push({
      code: 'PodHostnameMismatch',
      severity: 'error',
      message: `${mismatched.length} pod(s) do not carry hostname = pod name and subdomain = ${serviceName}: their endpoints get no hostname, so their names are not published`,
      ordinals: mismatched.map((entry) => entry.ordinal),
      evidence: mismatched.map(
        ({ pod }) =>
          `${pod.metadata?.name}: hostname ${JSON.stringify(pod.spec?.hostname ?? '')}, subdomain ${JSON.stringify(pod.spec?.subdomain ?? '')}`,
      ),
      advice: `the StatefulSet controller sets both; pods created otherwise keep wrong values: delete them so the controller re-creates them (\`kubectl delete pod ${mismatched[0]!.pod.metadata?.name} ${nsFlag(set)}\`)`,
    });
  }

  if (service.spec?.publishNotReadyAddresses !== true) {
    const notReady = own.filter(({ pod }) => !isPodReady(pod) && !pod.metadata?.deletionTimestamp);
    if (notReady.length > 0) {
      findings.push({
        code: 'PodsNotReadyUnpublished',
        severity: 'warning',
        message: `${notReady.length} pod(s) are not Ready and the Service does not publish not-ready addresses: their names will not resolve until they are Ready`,
        ordinals: notReady.map((entry) => entry.ordinal),
        evidence: [
          `service ${serviceName} publishNotReadyAddresses: false`,
          ...notReady.map(({ pod }) => `${pod.metadata?.name}: not Ready`),
        ],
        advice: `wait for readiness; if peers must find each other before they are Ready (cluster bootstrap), set publishNotReadyAddresses: true on the Service: \`kubectl patch service ${serviceName} ${nsFlag(set)} -p '{"spec":{"publishNotReadyAddresses":true}}'\``,
      });
    }
  }

  if (!input.endpointSlicesUnreadable) {
    const noHostname = own.filter(
      ({ pod }) =>
        !mismatched.some((entry) => entry.pod === pod) &&
        endpointsFor(pod, input.endpointSlices).some((endpoint) => !endpoint.hostname),
    );
    if (noHostname.length > 0) {
      findings.push({
        code: 'EndpointMissingHostname',
        severity: 'error',
        message: `${noHostname.length} endpoint(s) of Service ${serviceName} carry no hostname although the pods look right: DNS publishes them only under their dashed IP`,
        ordinals: noHostname.map((entry) => entry.ordinal),
        evidence: noHostname.map(({ pod }) => `${pod.metadata?.name}: endpoint without hostname`),
        advice: `EndpointSlices not managed by the EndpointSlice controller (custom or mirrored) must set hostname themselves: \`kubectl get endpointslices -l kubernetes.io/service-name=${serviceName} ${nsFlag(set)} -o yaml\``,
      });
    }
  }

  const ports = service.spec?.ports ?? [];
  const unnamed = ports.filter((port) => !port.name);
  if (ports.length === 0 || unnamed.length > 0) {
    findings.push({
      code: 'ServicePortUnnamed',
      severity: 'info',
      message:
        ports.length === 0
          ? `Service ${serviceName} declares no ports: there are no SRV records for the set`
          : `Service ${serviceName} has unnamed port(s) ${unnamed.map((p) => p.port).join(', ')}: SRV records exist only for named ports`,
      ordinals: [],
      evidence: ports.map(
        (port) => `port ${port.port}/${port.protocol ?? 'TCP'}: name ${JSON.stringify(port.name ?? '')}`,
      ),
      advice: `name the ports if clients discover them through SRV (_<port>._<proto>.${serviceName}…): \`kubectl edit service ${serviceName} ${nsFlag(set)}\``,
    });
  }
  return findings;
}
