// Request bodies in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), which kubectl
// ≥ 1.32 sends for typed requests (`create namespace`, `create service`, `create pdb`, `auth can-i`,
// evictions). Only the kinds
// kubectl sends this way are described; anything else gets 415, as from a server without them.
import { ApiError } from './errors.ts';
import type { Json } from './json.ts';

// `int0`/`bool0`: Go fields that are not pointers, so protobuf carries 0/false for "unset" and
// the JSON the API server returns leaves them out. `intOrString`: intstr.IntOrString.
type FieldType =
  | 'string'
  | 'int'
  | 'int0'
  | 'bool'
  | 'bool0'
  | 'bytes'
  | 'strings'
  | 'map'
  | 'mapBytes'
  | 'time'
  | 'intOrString'
  | 'message'
  | 'messages';
type Schema = Record<number, [string, FieldType, Schema?]>;

const OWNER_REFERENCE: Schema = {
  1: ['kind', 'string'],
  3: ['name', 'string'],
  4: ['uid', 'string'],
  5: ['apiVersion', 'string'],
  6: ['controller', 'bool'],
  7: ['blockOwnerDeletion', 'bool'],
};

const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int'],
  8: ['creationTimestamp', 'time'],
  9: ['deletionTimestamp', 'time'],
  10: ['deletionGracePeriodSeconds', 'int'],
  11: ['labels', 'map'],
  12: ['annotations', 'map'],
  13: ['ownerReferences', 'messages', OWNER_REFERENCE],
  14: ['finalizers', 'strings'],
};

const DELETE_OPTIONS: Schema = {
  1: ['gracePeriodSeconds', 'int'],
  2: ['preconditions', 'message', { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] }],
  3: ['orphanDependents', 'bool'],
  4: ['propagationPolicy', 'string'],
  5: ['dryRun', 'strings'],
};

const RESOURCE_ATTRIBUTES: Schema = {
  1: ['namespace', 'string'],
  2: ['verb', 'string'],
  3: ['group', 'string'],
  4: ['version', 'string'],
  5: ['resource', 'string'],
  6: ['subresource', 'string'],
  7: ['name', 'string'],
};

const SERVICE_PORT: Schema = {
  1: ['name', 'string'],
  2: ['protocol', 'string'],
  3: ['port', 'int'],
  4: ['targetPort', 'intOrString'],
  5: ['nodePort', 'int0'],
  6: ['appProtocol', 'string'],
};

const SERVICE_SPEC: Schema = {
  1: ['ports', 'messages', SERVICE_PORT],
  2: ['selector', 'map'],
  3: ['clusterIP', 'string'],
  4: ['type', 'string'],
  5: ['externalIPs', 'strings'],
  7: ['sessionAffinity', 'string'],
  8: ['loadBalancerIP', 'string'],
  9: ['loadBalancerSourceRanges', 'strings'],
  10: ['externalName', 'string'],
  11: ['externalTrafficPolicy', 'string'],
  12: ['healthCheckNodePort', 'int0'],
  13: ['publishNotReadyAddresses', 'bool0'],
  17: ['ipFamilyPolicy', 'string'],
  18: ['clusterIPs', 'strings'],
  19: ['ipFamilies', 'strings'],
  20: ['allocateLoadBalancerNodePorts', 'bool'],
  21: ['loadBalancerClass', 'string'],
  22: ['internalTrafficPolicy', 'string'],
  23: ['trafficDistribution', 'string'],
};

const LABEL_SELECTOR: Schema = {
  1: ['matchLabels', 'map'],
  2: [
    'matchExpressions',
    'messages',
    { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] },
  ],
};

const KINDS: Record<string, Schema> = {
  // `kubectl create pdb`; status (3) is the server's to write.
  PodDisruptionBudget: {
    1: ['metadata', 'message', OBJECT_META],
    2: [
      'spec',
      'message',
      {
        1: ['minAvailable', 'intOrString'],
        2: ['selector', 'message', LABEL_SELECTOR],
        3: ['maxUnavailable', 'intOrString'],
        4: ['unhealthyPodEvictionPolicy', 'string'],
      },
    ],
  },
  // Status (3) is the server's to write; a create carries it empty.
  Service: { 1: ['metadata', 'message', OBJECT_META], 2: ['spec', 'message', SERVICE_SPEC] },
  Namespace: {
    1: ['metadata', 'message', OBJECT_META],
    2: ['spec', 'message', { 1: ['finalizers', 'strings'] }],
    3: ['status', 'message', { 1: ['phase', 'string'] }],
  },
  SelfSubjectAccessReview: {
    1: ['metadata', 'message', OBJECT_META],
    2: [
      'spec',
      'message',
      {
        1: ['resourceAttributes', 'message', RESOURCE_ATTRIBUTES],
        2: ['nonResourceAttributes', 'message', { 1: ['path', 'string'], 2: ['verb', 'string'] }],
      },
    ],
  },
  Eviction: { 1: ['metadata', 'message', OBJECT_META], 2: ['deleteOptions', 'message', DELETE_OPTIONS] },
  DeleteOptions: DELETE_OPTIONS,
  ConfigMap: {
    1: ['metadata', 'message', OBJECT_META],
    2: ['data', 'map'],
    3: ['binaryData', 'mapBytes'],
    4: ['immutable', 'bool'],
  },
  Secret: {
    1: ['metadata', 'message', OBJECT_META],
    2: ['data', 'mapBytes'],
    3: ['type', 'string'],
    4: ['stringData', 'map'],
    5: ['immutable', 'bool'],
  },
};

interface Field {
  number: number;
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readVarint(buffer: Buffer, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (offset >= buffer.length) throw unsupported('truncated protobuf');
    const byte = buffer[offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, offset];
    shift += 7n;
  }
}

function fields(buffer: Buffer): Field[] {
  const result: Field[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, next] = readVarint(buffer, offset);
    offset = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(buffer, offset);
      offset = after;
      result.push({ number, wire, varint: value });
    } else if (wire === 2) {
      const [length, after] = readVarint(buffer, offset);
      offset = after + Number(length);
      result.push({ number, wire, bytes: buffer.subarray(after, offset) });
    } else if (wire === 1) {
      offset += 8;
    } else if (wire === 5) {
      offset += 4;
    } else {
      throw unsupported(`unsupported protobuf wire type ${wire}`);
    }
  }
  return result;
}

function decodeMessage(buffer: Buffer, schema: Schema): Json {
  const object: Json = {};
  for (const field of fields(buffer)) {
    const spec = schema[field.number];
    if (!spec) continue;
    const [name, type, sub] = spec;
    switch (type) {
      case 'string':
        object[name] = field.bytes?.toString('utf8') ?? '';
        break;
      case 'bytes':
        object[name] = (field.bytes ?? Buffer.alloc(0)).toString('base64');
        break;
      case 'int': {
        const value = field.varint ?? 0n;
        object[name] = Number(BigInt.asIntN(64, value));
        break;
      }
      case 'int0': {
        const value = Number(BigInt.asIntN(64, field.varint ?? 0n));
        if (value !== 0) object[name] = value;
        break;
      }
      case 'bool':
        object[name] = (field.varint ?? 0n) !== 0n;
        break;
      case 'bool0':
        if ((field.varint ?? 0n) !== 0n) object[name] = true;
        break;
      case 'intOrString': {
        const value = decodeMessage(field.bytes ?? Buffer.alloc(0), {
          1: ['type', 'int'],
          2: ['intVal', 'int'],
          3: ['strVal', 'string'],
        });
        object[name] = value.type === 1 ? (value.strVal ?? '') : (value.intVal ?? 0);
        break;
      }
      case 'strings':
        (object[name] ??= []).push(field.bytes?.toString('utf8') ?? '');
        break;
      case 'map':
      case 'mapBytes': {
        const entry = decodeMessage(field.bytes ?? Buffer.alloc(0), {
          1: ['key', 'string'],
          2: ['value', type === 'map' ? 'string' : 'bytes'],
        });
        (object[name] ??= {})[entry.key ?? ''] = entry.value ?? '';
        break;
      }
      case 'time': {
        const time = decodeMessage(field.bytes ?? Buffer.alloc(0), { 1: ['seconds', 'int'] });
        if (time.seconds)
          object[name] = new Date(time.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        break;
      }
      case 'message':
        object[name] = decodeMessage(field.bytes ?? Buffer.alloc(0), sub!);
        break;
      case 'messages':
        (object[name] ??= []).push(decodeMessage(field.bytes ?? Buffer.alloc(0), sub!));
        break;
    }
  }
  return object;
}

/** Drops what Go's protobuf encoding writes for unset non-pointer fields (empty strings, zero generation). */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value === null || typeof value !== 'object') return value;
  const result: Json = {};
  for (const [key, child] of Object.entries(value as Json)) {
    const pruned = prune(child);
    if (pruned === '' || (key === 'generation' && pruned === 0)) continue;
    if (
      pruned !== null &&
      typeof pruned === 'object' &&
      !Array.isArray(pruned) &&
      Object.keys(pruned).length === 0
    ) {
      continue;
    }
    result[key] = pruned;
  }
  return result;
}

function unsupported(detail: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - ${detail}`,
  );
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a `k8s\0`-prefixed runtime.Unknown envelope into the JSON object it carries. */
export function decodeKubernetesProtobuf(buffer: Buffer): Json {
  if (!buffer.subarray(0, 4).equals(MAGIC)) throw unsupported('missing the k8s protobuf prefix');
  const envelope = decodeMessage(buffer.subarray(4), {
    1: ['typeMeta', 'message', { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }],
    2: ['raw', 'bytes'],
  });
  const kind: string = envelope.typeMeta?.kind ?? '';
  const schema = KINDS[kind];
  if (!schema)
    throw unsupported(`protobuf bodies of kind ${JSON.stringify(kind)} are not simulated; send JSON`);
  const object = prune(decodeMessage(Buffer.from(envelope.raw ?? '', 'base64'), schema)) as Json;
  return { apiVersion: envelope.typeMeta.apiVersion, kind, ...object };
}
