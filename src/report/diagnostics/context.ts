// What every rule reads: the snapshot plus a few derived views computed once.
import type { PersistentVolumeClaim, Pod, StatefulSet } from '../../kube/types.ts';
import { buildRolloutProgress, type RolloutProgress } from '../rollout.ts';
import type { Diagnostic, StatefulSetSnapshot } from '../snapshot.ts';
import type { KubeEvent } from '../../kube/types.ts';
import { claimName, eventTime, formatEvent, podsByOrdinal, setName, setNamespace } from './facts.ts';

export interface RuleContext {
  snapshot: StatefulSetSnapshot;
  set: StatefulSet;
  name: string;
  namespace: string;
  now: Date;
  minReadySeconds: number;
  pods: Map<number, Pod>;
  claims: Map<string, PersistentVolumeClaim>;
  templates: string[];
  progress: RolloutProgress;
  /** Events by `Kind/name` of the object they are about, newest first. */
  eventIndex: Map<string, KubeEvent[]>;
  /**
   * Whether the set's pods and claims were read. A kind that was not (a dump without it, a
   * forbidden list) is unknown, not empty: no finding is concluded from its absence.
   */
  podsKnown: boolean;
  claimsKnown: boolean;
}

export type Rule = (context: RuleContext) => Diagnostic[];

export function buildContext(snapshot: StatefulSetSnapshot): RuleContext {
  const set = snapshot.statefulSet;
  return {
    snapshot,
    set,
    name: setName(set),
    namespace: setNamespace(set),
    now: snapshot.now,
    minReadySeconds: set.spec?.minReadySeconds ?? 0,
    pods: podsByOrdinal(snapshot.pods, set),
    claims: new Map(snapshot.claims.map((c) => [c.metadata?.name ?? '', c])),
    templates: (set.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '').filter(Boolean),
    progress: buildRolloutProgress(set, snapshot.pods, snapshot.now),
    eventIndex: indexEvents(snapshot.events),
    podsKnown: !snapshot.unreadable.some((u) => u.resource === 'pods'),
    claimsKnown: !snapshot.unreadable.some((u) => u.resource === 'persistentvolumeclaims'),
  };
}

function indexEvents(events: KubeEvent[]): Map<string, KubeEvent[]> {
  const index = new Map<string, KubeEvent[]>();
  for (const event of events) {
    const key = `${event.involvedObject?.kind}/${event.involvedObject?.name}`;
    const list = index.get(key) ?? [];
    list.push(event);
    index.set(key, list);
  }
  for (const list of index.values())
    list.sort((a, b) => (eventTime(b)?.getTime() ?? 0) - (eventTime(a)?.getTime() ?? 0));
  return index;
}

/** Events about one object, newest first. */
export function eventsAbout(context: RuleContext, kind: string, name: string): KubeEvent[] {
  return context.eventIndex.get(`${kind}/${name}`) ?? [];
}

/** The claims an ordinal uses, one per volumeClaimTemplate (absent ones left out). */
export function claimsOf(context: RuleContext, ordinal: number): PersistentVolumeClaim[] {
  return context.templates
    .map((template) => context.claims.get(claimName(template, context.set, ordinal)))
    .filter((c): c is PersistentVolumeClaim => c !== undefined);
}

/** Evidence lines from events about one object: warnings first, at most `limit`. */
export function eventEvidence(context: RuleContext, kind: string, name: string, limit = 3): string[] {
  const events = eventsAbout(context, kind, name);
  const ordered = [
    ...events.filter((e) => e.type === 'Warning'),
    ...events.filter((e) => e.type !== 'Warning'),
  ];
  return ordered.slice(0, limit).map((e) => formatEvent(e, context.now));
}

export function warningEvents(context: RuleContext, kind: string, name: string, reasons?: string[]) {
  return eventsAbout(context, kind, name).filter(
    (e) => e.type === 'Warning' && (!reasons || reasons.includes(e.reason ?? '')),
  );
}

export function unreadable(context: RuleContext, resource: string): boolean {
  return context.snapshot.unreadable.some((u) => u.resource === resource);
}

/** `-n ns` argument for commands in advice. */
export function ns(context: RuleContext): string {
  return `-n ${context.namespace}`;
}

export function ordinalList(ordinals: number[]): string {
  if (ordinals.length === 0) return 'none';
  // Runs of consecutive ordinals read better as ranges: 3-7, 9.
  const parts: string[] = [];
  let runStart = ordinals[0]!;
  let previous = runStart;
  for (const ordinal of [...ordinals.slice(1), Number.NaN]) {
    if (ordinal === previous + 1) {
      previous = ordinal;
      continue;
    }
    parts.push(
      runStart === previous
        ? `${runStart}`
        : previous === runStart + 1
          ? `${runStart}, ${previous}`
          : `${runStart}-${previous}`,
    );
    runStart = ordinal;
    previous = ordinal;
  }
  return parts.join(', ');
}

/** `ordinal 3` or `ordinals 3-7, 9`. */
export function ordinalsPhrase(ordinals: number[]): string {
  return ordinals.length === 1 ? `ordinal ${ordinals[0]}` : `ordinals ${ordinalList(ordinals)}`;
}
