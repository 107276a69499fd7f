// Shared machinery for the simulated controllers: a work queue that coalesces keys (as client-go's
// workqueue does), an event recorder that aggregates repeats (as client-go's EventCorrelator does),
// and small helpers over wire-format objects.
import { randomBytes } from 'node:crypto';
import type { KubeEvent, KubeObject, LabelSelector, OwnerReference } from '../../../src/kube/types.ts';
import type { ResourceName, SimClock, Store, StoreEvent } from '../contract.ts';

export type Reconcile = (namespace: string | undefined, name: string) => void;

/**
 * Coalescing work queue. Store handlers only enqueue; work runs later on the event loop, so a
 * controller never writes to the store from inside another write (as informers decouple them).
 */
export class WorkQueue {
  private readonly pending = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly onError: (error: unknown, key: string) => void;

  constructor(onError: (error: unknown, key: string) => void) {
    this.onError = onError;
  }

  enqueue(key: string, work: () => void): void {
    if (this.stopped) return;
    if (!this.pending.has(key)) this.pending.set(key, work);
    this.schedule();
  }

  /** Resolves once the queue is empty (timers scheduled on the clock may still be pending). */
  settle(): Promise<void> {
    if (this.pending.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.wakeIdle();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    // Bound one turn so the HTTP server keeps answering while large sets reconcile.
    let budget = 5000;
    while (this.pending.size > 0 && budget-- > 0 && !this.stopped) {
      const [key, work] = this.pending.entries().next().value as [string, () => void];
      this.pending.delete(key);
      try {
        work();
      } catch (error) {
        this.onError(error, key);
      }
    }
    if (this.pending.size > 0 && !this.stopped) this.schedule();
    else this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

export interface ControllerContext {
  store: Store;
  clock: SimClock;
  queue: WorkQueue;
  recorder: EventRecorder;
  clusterDomain: string;
  timing: SimTiming;
  /** The Kubernetes minor version simulated (messages that changed between versions follow it). */
  kubernetesMinor: number;
  /** Subscriptions to release on stop. */
  disposers: (() => void)[];
  /** Pending timers, cancelled on stop. */
  timers: Set<{ cancel(): void }>;
}

/** Simulated durations (milliseconds of simulated time). Annotations can override most per pod. */
export interface SimTiming {
  /** Scheduler latency before a pod is bound to a node. */
  scheduleMs: number;
  /** Image pull time per container. */
  imagePullMs: number;
  /** Time an init container runs before it completes. */
  initContainerMs: number;
  /** Time from a container's start to its readiness (when it has a readiness probe). */
  readyAfterMs: number;
  /** Time containers take to exit after SIGTERM (capped by the grace period). */
  stopAfterMs: number;
  /** Time a provisioner takes to create a volume. */
  provisionMs: number;
  /** Time a crashing container runs before it exits with an error. */
  crashAfterMs: number;
}

export const defaultTiming: SimTiming = {
  scheduleMs: 0,
  imagePullMs: 800,
  initContainerMs: 1000,
  readyAfterMs: 1000,
  stopAfterMs: 1000,
  provisionMs: 1000,
  crashAfterMs: 1000,
};

export function onResource(
  ctx: ControllerContext,
  resource: ResourceName,
  handler: (event: StoreEvent) => void,
): void {
  ctx.disposers.push(ctx.store.subscribe(resource, handler));
}

/** Schedules work after simulated time; cancelled when the controllers stop. */
export function after(ctx: ControllerContext, ms: number, work: () => void): { cancel(): void } {
  const handle = { cancel: () => {} };
  const timer = ctx.clock.setTimeout(
    () => {
      ctx.timers.delete(handle);
      work();
    },
    Math.max(0, ms),
  );
  handle.cancel = () => {
    ctx.timers.delete(handle);
    timer.cancel();
  };
  ctx.timers.add(handle);
  return handle;
}

/**
 * A read-only view of a stored object. The in-memory store can hand out its frozen object without
 * the defensive copy `get` makes, which matters when a 1,000-replica set reconciles; callers must
 * not mutate the result (it is frozen, so a mistake throws rather than corrupting the store).
 */
export function peek<T extends KubeObject>(
  store: Store,
  resource: ResourceName,
  namespace: string | undefined,
  name: string,
): T | undefined {
  const fast = (store as { peek?: (r: ResourceName, ns: string | undefined, n: string) => T | undefined })
    .peek;
  return fast ? fast.call(store, resource, namespace, name) : store.get<T>(resource, namespace, name);
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function rfc3339(date: Date): string {
  // The API serialises metav1.Time with second precision.
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function matchesSelector(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const value = have[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function matchesLabelMap(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return matchesSelector({ matchLabels: selector }, labels);
}

export function controllerRef(object: KubeObject): OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

export function ownerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Go-style durations as annotations carry them: `500ms`, `2s`, `1m30s`, `1.5s`; a bare number is seconds. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = trimmed;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  if (rest === '') return undefined;
  while (rest !== '') {
    const match = part.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2] as string] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** A random lower-case suffix as the API server's generateName produces (consonants and digits). */
export function randomSuffix(length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export interface EventSource {
  component: string;
  host?: string;
}

interface InvolvedObject {
  kind: string;
  apiVersion: string;
  object: KubeObject;
  fieldPath?: string;
}

/**
 * Records core/v1 Events as client-go's recorder does: name `<object>.<hex nanos>`, and an identical
 * event (same object, reason, message, source) within ten minutes bumps `count` instead.
 */
export class EventRecorder {
  private readonly store: Store;
  private readonly clock: SimClock;
  private readonly recent = new Map<string, { namespace: string; name: string; at: number }>();
  private sequence = 0;

  constructor(store: Store, clock: SimClock) {
    this.store = store;
    this.clock = clock;
  }

  record(
    involved: InvolvedObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: EventSource,
  ): void {
    const meta = involved.object.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const now = this.clock.now();
    const timestamp = rfc3339(now);
    const aggregateKey = [
      meta.uid,
      involved.fieldPath ?? '',
      reason,
      message,
      source.component,
      source.host ?? '',
    ].join('\u0000');
    const previous = this.recent.get(aggregateKey);
    if (previous && now.getTime() - previous.at < 600_000) {
      const updated = this.store.mutate<KubeEvent>('events', previous.namespace, previous.name, (draft) => {
        draft.count = (draft.count ?? 1) + 1;
        draft.lastTimestamp = timestamp;
      });
      if (updated) {
        previous.at = now.getTime();
        return;
      }
    }
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    const name = `${meta.name ?? 'unknown'}.${nanos.toString(16)}`;
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: involved.kind,
        namespace: meta.namespace,
        name: meta.name,
        uid: meta.uid,
        apiVersion: involved.apiVersion,
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
        ...(involved.fieldPath ? { fieldPath: involved.fieldPath } : {}),
      } as KubeEvent['involvedObject'],
      reason,
      message,
      type,
      source: source.host
        ? { component: source.component, host: source.host }
        : { component: source.component },
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
      eventTime: null,
      reportingComponent: source.component,
      ...({ reportingInstance: source.host ?? '' } as object),
    };
    try {
      this.store.create('events', event);
      this.recent.set(aggregateKey, { namespace, name, at: now.getTime() });
    } catch {
      // Events are best effort, as in a real cluster (the recorder drops on error).
    }
    if (this.recent.size > 20_000) this.recent.clear();
  }
}
