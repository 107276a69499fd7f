// ControllerRevision history for StatefulSets, after pkg/controller/history and
// stateful_set_utils.go: a revision stores a patch that replaces the pod template, its name is
// `<set>-<hash>` where the hash covers the template and the collision count.
import type { ControllerRevision, PodTemplateSpec, StatefulSet } from '../../../src/kube/types.ts';

export const revisionHashLabel = 'controller.kubernetes.io/hash';

/** JSON with object keys sorted, so equal templates give equal bytes regardless of key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The apimachinery `rand.SafeEncodeString` alphabet: no vowels, no look-alike digits. */
function safeEncode(text: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (const char of text) out += alphabet[char.charCodeAt(0) % alphabet.length];
  return out;
}

export function templateHash(template: PodTemplateSpec | undefined, collisionCount: number): string {
  const raw = canonicalJson(template ?? {}) + (collisionCount > 0 ? String(collisionCount) : '');
  return safeEncode(String(fnv32a(raw)));
}

export function revisionData(set: StatefulSet): unknown {
  return { spec: { template: { ...(set.spec?.template ?? {}), $patch: 'replace' } } };
}

/** The template a revision restores (the `$patch: replace` directive stripped). */
export function templateOf(revision: ControllerRevision): PodTemplateSpec {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _directive, ...template } = data?.spec?.template ?? {};
  return template as PodTemplateSpec;
}

export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const hash = templateHash(set.spec?.template, collisionCount);
  const annotations = { ...(set.metadata?.annotations ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${set.metadata?.name}-${hash}`,
      namespace: set.metadata?.namespace,
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          name: set.metadata?.name ?? '',
          uid: set.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: revisionData(set),
    revision,
  };
}

export function sameRevisionData(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}
