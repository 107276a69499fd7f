// The simulator handles arbitrary API objects whose shape is only known at run time; this is the
// one place that admits it. Everything typed beyond this goes through src/kube/types.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Freezes an object graph so that shared references handed to readers cannot be changed. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

export function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Kubernetes timestamps: RFC 3339, second precision, UTC. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function stableEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

const serializedCache = new WeakMap<object, string>();

/** JSON of a frozen (stored) object, computed once: lists of 10,000 pods are mostly string joins. */
export function serializeFrozen(value: Json): string {
  if (!Object.isFrozen(value)) return JSON.stringify(value);
  let text = serializedCache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    serializedCache.set(value, text);
  }
  return text;
}
