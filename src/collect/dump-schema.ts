// The shape of the objects a dump may hold, as far as the report reads them. A live API server
// only sends well-typed objects; a dump is a file anyone may have edited, truncated or crafted,
// so each object is checked (and normalised the way Go's decoder reads it) before any report
// code sees it: a field of the wrong type is one usage error naming the object and the field,
// the way `kubectl apply -f` refuses it, never an internal error later.
import { usageError } from '../cli/errors.ts';

type Scalar = 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string' | 'quantity' | 'any';
type Schema = Scalar | { list: Schema } | { map: Schema } | { fields: Record<string, Schema>; other?: 'any' };

const str: Schema = 'string';
const int: Schema = 'integer';
const bool: Schema = 'boolean';
const intOrStr: Schema = 'int-or-string';
const quantity: Schema = 'quantity';
const any: Schema = 'any';
const list = (of: Schema): Schema => ({ list: of });
const map = (of: Schema): Schema => ({ map: of });
const obj = (fields: Record<string, Schema>): Schema => ({ fields });

const objectMeta = obj({
  name: str,
  generateName: str,
  namespace: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: str,
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int,
  labels: map(str),
  annotations: map(str),
  ownerReferences: list(
    obj({ apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool }),
  ),
  finalizers: list(str),
});

const labelSelector = obj({
  matchLabels: map(str),
  matchExpressions: list(obj({ key: str, operator: str, values: list(str) })),
});

const condition = obj({
  type: str,
  status: str,
  reason: str,
  message: str,
  lastTransitionTime: str,
  lastProbeTime: str,
  lastHeartbeatTime: str,
});

const probe = obj({
  exec: obj({ command: list(str) }),
  httpGet: obj({ path: str, port: intOrStr }),
  tcpSocket: obj({ port: intOrStr }),
  initialDelaySeconds: int,
  periodSeconds: int,
  failureThreshold: int,
});

const resources = obj({ requests: map(quantity), limits: map(quantity) });

const container = obj({
  name: str,
  image: str,
  command: list(str),
  args: list(str),
  ports: list(obj({ name: str, containerPort: int, protocol: str })),
  volumeMounts: list(obj({ name: str, mountPath: str, subPath: str, subPathExpr: str, readOnly: bool })),
  readinessProbe: probe,
  livenessProbe: probe,
  startupProbe: probe,
  restartPolicy: str,
  env: list(obj({ name: str, value: str, valueFrom: any })),
  resources,
});

const podSpec = obj({
  nodeName: str,
  hostname: str,
  subdomain: str,
  containers: list(container),
  initContainers: list(container),
  volumes: list(
    obj({
      name: str,
      persistentVolumeClaim: obj({ claimName: str, readOnly: bool }),
      configMap: obj({ name: str }),
      secret: obj({ secretName: str }),
      hostPath: obj({ path: str }),
    }),
  ),
  restartPolicy: str,
  terminationGracePeriodSeconds: int,
  nodeSelector: map(str),
  serviceAccountName: str,
  dnsPolicy: str,
  schedulerName: str,
  tolerations: list(obj({ key: str, operator: str, value: str, effect: str })),
});

const containerState = obj({
  waiting: obj({ reason: str, message: str }),
  running: obj({ startedAt: str }),
  terminated: obj({ exitCode: int, reason: str, message: str, startedAt: str, finishedAt: str }),
});

const containerStatus = obj({
  name: str,
  ready: bool,
  started: bool,
  restartCount: int,
  image: str,
  imageID: str,
  containerID: str,
  state: containerState,
  lastState: containerState,
});

const claimSpec = obj({
  accessModes: list(str),
  resources,
  storageClassName: str,
  volumeName: str,
  volumeMode: str,
  selector: labelSelector,
});

const claimStatus = obj({
  phase: str,
  accessModes: list(str),
  capacity: map(quantity),
  conditions: list(condition),
  allocatedResources: map(quantity),
});

const objectReference = obj({ kind: str, namespace: str, name: str, uid: str, apiVersion: str });

const KINDS: Record<string, Record<string, Schema>> = {
  StatefulSet: {
    spec: obj({
      replicas: int,
      selector: labelSelector,
      serviceName: str,
      template: obj({ metadata: objectMeta, spec: podSpec }),
      volumeClaimTemplates: list(
        obj({ apiVersion: str, kind: str, metadata: objectMeta, spec: claimSpec, status: claimStatus }),
      ),
      podManagementPolicy: str,
      updateStrategy: obj({
        type: str,
        rollingUpdate: obj({ partition: int, maxUnavailable: intOrStr }),
      }),
      revisionHistoryLimit: int,
      minReadySeconds: int,
      persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: str, whenScaled: str }),
      ordinals: obj({ start: int }),
    }),
    status: obj({
      observedGeneration: int,
      replicas: int,
      readyReplicas: int,
      currentReplicas: int,
      updatedReplicas: int,
      availableReplicas: int,
      currentRevision: str,
      updateRevision: str,
      collisionCount: int,
      conditions: list(condition),
    }),
  },
  Pod: {
    spec: podSpec,
    status: obj({
      phase: str,
      conditions: list(condition),
      podIP: str,
      podIPs: list(obj({ ip: str })),
      hostIP: str,
      startTime: str,
      reason: str,
      message: str,
      containerStatuses: list(containerStatus),
      initContainerStatuses: list(containerStatus),
      qosClass: str,
    }),
  },
  PersistentVolumeClaim: { spec: claimSpec, status: claimStatus },
  PersistentVolume: {
    spec: obj({
      capacity: map(quantity),
      accessModes: list(str),
      persistentVolumeReclaimPolicy: str,
      storageClassName: str,
      claimRef: obj({ kind: str, namespace: str, name: str, uid: str, resourceVersion: str }),
      hostPath: obj({ path: str, type: str }),
      csi: obj({ driver: str, volumeHandle: str }),
      local: obj({ path: str }),
      nodeAffinity: obj({
        required: obj({
          nodeSelectorTerms: list(
            obj({
              matchExpressions: list(obj({ key: str, operator: str, values: list(str) })),
              matchFields: list(obj({ key: str, operator: str, values: list(str) })),
            }),
          ),
        }),
      }),
      volumeMode: str,
    }),
    status: obj({ phase: str, reason: str, message: str }),
  },
  StorageClass: {
    provisioner: str,
    reclaimPolicy: str,
    volumeBindingMode: str,
    allowVolumeExpansion: bool,
    parameters: map(str),
  },
  Service: {
    spec: obj({
      clusterIP: str,
      clusterIPs: list(str),
      type: str,
      selector: map(str),
      ports: list(obj({ name: str, port: int, targetPort: intOrStr, protocol: str, nodePort: int })),
      publishNotReadyAddresses: bool,
    }),
  },
  EndpointSlice: {
    addressType: str,
    endpoints: list(
      obj({
        addresses: list(str),
        conditions: obj({ ready: bool, serving: bool, terminating: bool }),
        hostname: str,
        nodeName: str,
        zone: str,
        targetRef: objectReference,
      }),
    ),
    ports: list(obj({ name: str, port: int, protocol: str })),
  },
  Event: {
    involvedObject: objectReference,
    regarding: objectReference,
    reason: str,
    message: str,
    note: str,
    type: str,
    count: int,
    deprecatedCount: int,
    firstTimestamp: str,
    lastTimestamp: str,
    deprecatedLastTimestamp: str,
    eventTime: str,
    series: obj({ count: int, lastObservedTime: str }),
    source: obj({ component: str, host: str }),
    reportingComponent: str,
    reportingController: str,
  },
  Node: {
    spec: obj({ unschedulable: bool, taints: list(obj({ key: str, value: str, effect: str })) }),
    status: obj({
      conditions: list(condition),
      addresses: list(obj({ type: str, address: str })),
    }),
  },
  ControllerRevision: { revision: int, data: any },
};

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fraction';
  return `a ${typeof value}`;
}

function expected(schema: Schema): string {
  if (typeof schema !== 'string') {
    if ('list' in schema) return 'a list';
    return 'a mapping';
  }
  switch (schema) {
    case 'integer':
      return 'an integer';
    case 'int-or-string':
      return 'an integer or a string';
    case 'quantity':
      return 'a quantity (such as 1Gi)';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${schema}`;
  }
}

/** The value Go's decoder leaves for a JSON null inside a list. */
function zeroOf(schema: Schema): unknown {
  if (typeof schema !== 'string') return 'list' in schema ? [] : {};
  switch (schema) {
    case 'string':
    case 'quantity':
      return '';
    case 'integer':
    case 'number':
    case 'int-or-string':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

class ShapeError extends Error {
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`);
    this.path = path;
    this.problem = problem;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` against `schema`; returns the value to keep (a quantity written as a number
 * becomes a string, as kubectl prints it). A null field is removed by the caller.
 */
function check(value: unknown, schema: Schema, path: string): unknown {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'any':
        return value;
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'integer':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        break;
      case 'number':
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        break;
      case 'boolean':
        if (typeof value === 'boolean') return value;
        break;
      case 'int-or-string':
        if (typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value)))
          return value;
        break;
      case 'quantity':
        if (typeof value === 'string') return value;
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        break;
    }
    throw new ShapeError(path, `must be ${expected(schema)}, not ${typeName(value)}`);
  }
  if ('list' in schema) {
    if (!Array.isArray(value)) throw new ShapeError(path, `must be a list, not ${typeName(value)}`);
    for (let index = 0; index < value.length; index++) {
      const item = value[index] as unknown;
      value[index] = item === null ? zeroOf(schema.list) : check(item, schema.list, `${path}[${index}]`);
    }
    return value;
  }
  if (!isRecord(value)) throw new ShapeError(path, `must be a mapping, not ${typeName(value)}`);
  if ('map' in schema) {
    for (const key of Object.keys(value)) {
      if (value[key] === null) delete value[key];
      else value[key] = check(value[key], schema.map, `${path}.${key}`);
    }
    return value;
  }
  checkFields(value, schema.fields, path);
  return value;
}

function checkFields(value: Record<string, unknown>, fields: Record<string, Schema>, path: string): void {
  for (const key of Object.keys(value)) {
    const field = fields[key];
    if (!field) continue;
    if (value[key] === null) delete value[key];
    else value[key] = check(value[key], field, path ? `${path}.${key}` : key);
  }
}

/** Kinds whose shape is checked; other kinds in a dump are not read. */
export function isCheckedKind(kind: string): boolean {
  return kind in KINDS;
}

/**
 * Checks and normalises one object from `source` in place. Throws a usage error such as
 * `"dump.yaml": StatefulSet shop/db: spec.replicas must be an integer, not a string`.
 */
export function checkDumpObject(object: Record<string, unknown>, source: string): void {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  try {
    checkFields(object, { apiVersion: str, kind: str, metadata: objectMeta }, '');
    const fields = KINDS[kind];
    if (fields) checkFields(object, fields, '');
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = [metadata.namespace, metadata.name].filter((part) => typeof part === 'string').join('/');
    throw usageError(
      `"${source}": ${kind || 'an object'}${name ? ` ${name}` : ''}: ${error.path} ${error.problem}`,
      'pass the output of `kubectl get … -o yaml` or `-o json`; this object is not what the API server sends',
    );
  }
}
