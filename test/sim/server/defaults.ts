// Server-side defaults, as the apiserver's defaulting functions and admission plugins fill them
// in (SetDefaults_*, DefaultStorageClass, StorageObjectInUseProtection, DefaultTolerationSeconds,
// ServiceAccount). Only what a `kubectl get -o yaml` on a kind cluster shows.
import type { ResourceName } from '../contract.ts';
import type { Json } from './json.ts';

export interface DefaultingContext {
  /** Name of the StorageClass annotated as default, if any. */
  defaultStorageClass(): string | undefined;
  allocateClusterIP(): string;
}

function setDefault(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function imagePullPolicyFor(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon === -1 ? undefined : lastSegment.slice(colon + 1);
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Json | undefined): void {
  if (!probe) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (probe.httpGet) setDefault(probe.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(container: Json): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'imagePullPolicy', imagePullPolicyFor(container.image));
  setDefault(container, 'resources', {});
  for (const port of container.ports ?? []) setDefault(port, 'protocol', 'TCP');
  for (const env of container.env ?? []) {
    if (env.valueFrom?.fieldRef) setDefault(env.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(container.readinessProbe);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.startupProbe);
}

function defaultVolume(volume: Json): void {
  if (volume.configMap) setDefault(volume.configMap, 'defaultMode', 420);
  if (volume.secret) setDefault(volume.secret, 'defaultMode', 420);
  if (volume.downwardAPI) setDefault(volume.downwardAPI, 'defaultMode', 420);
  if (volume.projected) setDefault(volume.projected, 'defaultMode', 420);
  if (volume.hostPath) setDefault(volume.hostPath, 'type', '');
}

export function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const container of spec.containers ?? []) defaultContainer(container);
  for (const container of spec.initContainers ?? []) defaultContainer(container);
  for (const volume of spec.volumes ?? []) defaultVolume(volume);
}

function qosClassOf(spec: Json): string {
  const containers: Json[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const requests = container.resources?.requests ?? {};
    const limits = container.resources?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) anySet = true;
    for (const resource of ['cpu', 'memory']) {
      const limit = limits[resource];
      const request = requests[resource] ?? limit;
      if (limit === undefined || String(limit) !== String(request)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultPod(pod: Json): void {
  pod.spec ??= {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  spec.tolerations ??= [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!spec.tolerations.some((t: Json) => t.key === key)) {
      spec.tolerations.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
    }
  }
  pod.status ??= {};
  setDefault(pod.status, 'phase', 'Pending');
  setDefault(pod.status, 'qosClass', qosClassOf(spec));
}

function defaultClaimSpec(spec: Json, context: DefaultingContext | undefined): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
  if (context && !('storageClassName' in spec)) {
    const storageClass = context.defaultStorageClass();
    if (storageClass) spec.storageClassName = storageClass;
  }
  setDefault(spec, 'resources', {});
}

/**
 * The protection finalizers: set on create by the StorageObjectInUseProtection admission plugin,
 * and put back by the pvc/pv-protection controllers on an object that is not being deleted. Never
 * on a Terminating one: removing the finalizers of a stuck claim is how an admin lets it go.
 */
function addFinalizer(object: Json, finalizer: string): void {
  if (object.metadata.deletionTimestamp) return;
  object.metadata.finalizers ??= [];
  if (!object.metadata.finalizers.includes(finalizer)) object.metadata.finalizers.push(finalizer);
}

function defaultStatefulSet(sts: Json): void {
  sts.spec ??= {};
  const spec = sts.spec;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  spec.updateStrategy ??= {};
  setDefault(spec.updateStrategy, 'type', 'RollingUpdate');
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    setDefault(spec.updateStrategy.rollingUpdate, 'partition', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  setDefault(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain');
  setDefault(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain');
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
  for (const template of spec.volumeClaimTemplates ?? []) {
    setDefault(template, 'apiVersion', 'v1');
    setDefault(template, 'kind', 'PersistentVolumeClaim');
    template.metadata ??= {};
    template.spec ??= {};
    // Templates get no default class here: the claim created from them does, at admission.
    setDefault(template.spec, 'volumeMode', 'Filesystem');
    template.status ??= { phase: 'Pending' };
  }
}

function defaultService(svc: Json, context: DefaultingContext | undefined): void {
  svc.spec ??= {};
  const spec = svc.spec;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      spec.clusterIP = context ? context.allocateClusterIP() : '10.96.0.1';
    }
    setDefault(spec, 'clusterIPs', [spec.clusterIP]);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  for (const port of spec.ports ?? []) {
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port.port);
  }
  svc.status ??= { loadBalancer: {} };
}

/** Fills server-side defaults in place on a new object (create) or a replaced one (update). */
export function applyDefaults(resource: ResourceName, object: Json, context?: DefaultingContext): void {
  object.metadata ??= {};
  switch (resource) {
    case 'pods':
      defaultPod(object);
      break;
    case 'statefulsets':
      defaultStatefulSet(object);
      break;
    case 'services':
      defaultService(object, context);
      break;
    case 'persistentvolumeclaims':
      object.spec ??= {};
      defaultClaimSpec(object.spec, context);
      object.status ??= {};
      setDefault(object.status, 'phase', 'Pending');
      if (context) addFinalizer(object, 'kubernetes.io/pvc-protection');
      break;
    case 'persistentvolumes':
      object.spec ??= {};
      setDefault(object.spec, 'persistentVolumeReclaimPolicy', 'Retain');
      setDefault(object.spec, 'volumeMode', 'Filesystem');
      object.status ??= {};
      setDefault(object.status, 'phase', 'Pending');
      if (context) addFinalizer(object, 'kubernetes.io/pv-protection');
      break;
    case 'storageclasses':
      setDefault(object, 'reclaimPolicy', 'Delete');
      setDefault(object, 'volumeBindingMode', 'Immediate');
      break;
    case 'namespaces':
      object.metadata.labels ??= {};
      object.metadata.labels['kubernetes.io/metadata.name'] = object.metadata.name;
      object.spec ??= {};
      setDefault(object.spec, 'finalizers', ['kubernetes']);
      object.status ??= {};
      setDefault(object.status, 'phase', 'Active');
      break;
    case 'secrets':
      setDefault(object, 'type', 'Opaque');
      if (object.stringData) {
        object.data ??= {};
        for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) {
          object.data[key] = Buffer.from(value).toString('base64');
        }
        delete object.stringData;
      }
      break;
    case 'poddisruptionbudgets':
      object.status ??= {};
      setDefault(object.status, 'disruptionsAllowed', 0);
      setDefault(object.status, 'currentHealthy', 0);
      setDefault(object.status, 'desiredHealthy', 0);
      setDefault(object.status, 'expectedPods', 0);
      break;
    case 'endpointslices':
      for (const port of object.ports ?? []) setDefault(port, 'protocol', 'TCP');
      break;
    default:
      break;
  }
}

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The ServiceAccount admission plugin on pod create: a projected `kube-api-access-xxxxx` volume
 * (token, cluster CA, namespace) mounted read-only in every container, unless the pod opts out.
 */
export function admitServiceAccountToken(pod: Json): void {
  const spec = pod.spec;
  if (!spec || spec.automountServiceAccountToken === false) return;
  const containers: Json[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (containers.some((c) => (c.volumeMounts ?? []).some((m: Json) => m.mountPath === TOKEN_MOUNT_PATH)))
    return;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  const name = `kube-api-access-${suffix}`;
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          {
            downwardAPI: {
              items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }],
            },
          },
        ],
      },
    },
  ];
  for (const container of containers) {
    container.volumeMounts = [
      ...(container.volumeMounts ?? []),
      { name, mountPath: TOKEN_MOUNT_PATH, readOnly: true },
    ];
  }
}
