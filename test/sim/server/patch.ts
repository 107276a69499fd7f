// The three patch types kubectl sends: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// strategic merge patch with the directives kubectl's apply/edit/scale produce. Merge keys follow
// the `patchMergeKey` tags of the core API types the simulator serves.
import { ApiError, badRequest } from './errors.ts';
import type { Json } from './json.ts';
import { deepCopy, isPlainObject } from './json.ts';

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  const result: Json = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

// ---- JSON patch ---------------------------------------------------------------------------------

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw badRequest(`the server rejected our request due to an error in our request`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: Json, path: string[]): { parent: Json | unknown[]; key: string } {
  let current: unknown = root;
  for (const part of path.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else current = undefined;
    if (current === undefined) throw jsonPatchError(`missing path`);
  }
  if (!Array.isArray(current) && !isPlainObject(current)) throw jsonPatchError('missing path');
  return { parent: current as Json | unknown[], key: path[path.length - 1]! };
}

function jsonPatchError(detail: string): ApiError {
  return new ApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${detail}`,
  );
}

function getAt(root: unknown, path: string[]): unknown {
  let current = root;
  for (const part of path) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations');
  let root = deepCopy(target) as Json;
  for (const op of operations as Json[]) {
    const path = decodePointer(op.path ?? '');
    const value = deepCopy(op.value);
    const set = (at: string[], v: unknown, insert: boolean): void => {
      if (at.length === 0) {
        root = v as Json;
        return;
      }
      const { parent, key } = parentOf(root, at);
      if (Array.isArray(parent)) {
        const index = key === '-' ? parent.length : Number(key);
        if (!(index >= 0 && index <= parent.length)) throw jsonPatchError(`index out of bounds: ${key}`);
        if (insert) parent.splice(index, 0, v);
        else parent[index] = v;
      } else {
        parent[key] = v;
      }
    };
    const remove = (at: string[]): unknown => {
      const { parent, key } = parentOf(root, at);
      if (Array.isArray(parent)) {
        const index = Number(key);
        if (!(index >= 0 && index < parent.length)) throw jsonPatchError(`index out of bounds: ${key}`);
        return parent.splice(index, 1)[0];
      }
      if (!(key in parent)) throw jsonPatchError(`unable to remove nonexistent key: ${key}: missing value`);
      const old = parent[key];
      delete parent[key];
      return old;
    };
    switch (op.op) {
      case 'add':
        set(path, value, true);
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace':
        if (getAt(root, path) === undefined)
          throw jsonPatchError(
            `replace operation does not apply: doc is missing key: ${op.path}: missing value`,
          );
        set(path, value, false);
        break;
      case 'move': {
        const moved = remove(decodePointer(op.from ?? ''));
        set(path, moved, true);
        break;
      }
      case 'copy':
        set(path, deepCopy(getAt(root, decodePointer(op.from ?? ''))), true);
        break;
      case 'test':
        if (JSON.stringify(getAt(root, path)) !== JSON.stringify(value)) {
          throw jsonPatchError(`testing value ${op.path} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return root;
}

// ---- strategic merge patch ---------------------------------------------------------------------

/** List fields merged by key (patchStrategy=merge with patchMergeKey) in the served API types. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  addresses: 'type',
  taints: 'key',
};

/** Primitive lists merged as sets (patchStrategy=merge without a key). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') {
    // Container ports merge on containerPort, Service ports on port.
    return items.some((item) => isPlainObject(item) && 'containerPort' in item) ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(
  field: string,
  original: unknown,
  patch: unknown[],
  order: unknown[] | undefined,
): unknown[] {
  if (patch.some((item) => isPlainObject(item) && item.$patch === 'replace')) {
    return patch
      .filter((item) => !(isPlainObject(item) && item.$patch === 'replace'))
      .map((item) => deepCopy(item));
  }
  const base = Array.isArray(original) ? original.map((item) => deepCopy(item)) : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    const result = [...base];
    for (const item of patch) if (!result.includes(item)) result.push(item);
    return result;
  }
  const key = mergeKeyFor(field, [...patch, ...base]);
  if (!key || patch.some((item) => !isPlainObject(item))) return patch.map((item) => deepCopy(item));
  let result = base as Json[];
  for (const item of patch as Json[]) {
    const index = result.findIndex((existing) => isPlainObject(existing) && existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index !== -1) result.splice(index, 1);
      continue;
    }
    if (index === -1) result.push(applyStrategicPatch(undefined, item) as Json);
    else result[index] = applyStrategicPatch(result[index], item) as Json;
  }
  if (order) {
    const position = (item: Json): number => {
      const at = order.findIndex((o) => isPlainObject(o) && o[key] === item[key]);
      return at === -1 ? Number.MAX_SAFE_INTEGER : at;
    };
    result = result
      .map((item, index) => ({ item, index }))
      .sort((a, b) => position(a.item) - position(b.item) || a.index - b.index)
      .map(({ item }) => item);
  }
  return result;
}

export function applyStrategicPatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const copy = deepCopy(patch);
    delete copy.$patch;
    return copy;
  }
  let result: Json = isPlainObject(target) ? { ...target } : {};
  if (Array.isArray(patch.$retainKeys)) {
    const retain = new Set(patch.$retainKeys as string[]);
    result = Object.fromEntries(Object.entries(result).filter(([key]) => retain.has(key)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[field]) && Array.isArray(value)) {
        result[field] = (result[field] as unknown[]).filter((item) => !value.includes(item));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      const order = patch[`$setElementOrder/${key}`] as unknown[] | undefined;
      result[key] = mergeList(key, result[key], value, order);
    } else if (isPlainObject(value)) {
      const merged = applyStrategicPatch(result[key], value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/')) continue;
    const field = key.slice('$setElementOrder/'.length);
    if (field in patch || !Array.isArray(result[field]) || !Array.isArray(value)) continue;
    result[field] = mergeList(field, result[field], [], value);
  }
  return result;
}

export function applyPatch(contentType: string, target: unknown, patch: unknown): unknown {
  const type = contentType.split(';')[0]!.trim();
  switch (type) {
    case PATCH_TYPES.merge:
      return applyMergePatch(target, patch);
    case PATCH_TYPES.strategic:
      return applyStrategicPatch(target, patch);
    case PATCH_TYPES.json:
      return applyJsonPatch(target, patch);
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
  }
}
