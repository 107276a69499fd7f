// Which pod is ordinal N is decided once (podsByOrdinal in src/report/ordinals.ts). The status
// table, the diagnostics and the dns report must therefore name the same pod for every ordinal,
// also in the odd cases where a second, wrong answer is easy to write.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/kube/types.ts';
import { buildContext } from '../../src/report/diagnostics/context.ts';
import { buildDnsReport } from '../../src/report/dns.ts';
import { podsByOrdinal } from '../../src/report/ordinals.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { makePod, makeSet, makeSnapshot } from './objects.ts';

const set = makeSet({ replicas: 3 });

function unowned(pod: Pod): Pod {
  return { ...pod, metadata: { ...pod.metadata, ownerReferences: [] } };
}

/** An unowned copy of ordinal N's pod under another uid (a dump merging two reads). */
function stray(ordinal: number): Pod {
  const pod = unowned(makePod(ordinal));
  return { ...pod, metadata: { ...pod.metadata, uid: 'stray' } };
}

function fromEarlierSet(pod: Pod): Pod {
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      uid: `${pod.metadata?.uid}-old`,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web-deleted', controller: true },
      ],
    },
  };
}

function ownedByOther(pod: Pod): Pod {
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'x', controller: true },
      ],
    },
  };
}

const cases: { case: string; pods: Pod[]; want: Record<number, string | undefined> }[] = [
  {
    case: 'an unowned pod with an ordinal name counts (dumps without owner references)',
    pods: [makePod(0), unowned(makePod(1)), makePod(2)],
    want: { 0: 'uid-web-0', 1: 'uid-web-1', 2: 'uid-web-2' },
  },
  {
    case: 'an owned pod wins over an unowned one with the same ordinal (unowned first)',
    pods: [stray(1), makePod(1)],
    want: { 1: 'uid-web-1' },
  },
  {
    case: 'an owned pod wins over an unowned one with the same ordinal (unowned last)',
    pods: [makePod(1), stray(1)],
    want: { 1: 'uid-web-1' },
  },
  {
    case: 'a pod left by an earlier set of the same name is not this set’s',
    pods: [makePod(0), fromEarlierSet(makePod(1))],
    want: { 0: 'uid-web-0', 1: undefined },
  },
  {
    case: 'a pod another controller owns is never the set’s, even when its name fits',
    pods: [ownedByOther(makePod(0))],
    want: { 0: undefined },
  },
  {
    case: 'the name decides the ordinal, not a disagreeing pod-index label',
    pods: [makePod(2, { name: 'web-1' })],
    want: { 1: 'uid-web-1', 2: undefined },
  },
  {
    case: 'a name with a leading zero or extra words is no ordinal',
    pods: [makePod(1, { name: 'web-01' }), makePod(2, { name: 'web-2-debug' })],
    want: { 1: undefined, 2: undefined },
  },
];

describe('the status table, the diagnostics and dns agree on which pod is ordinal N', () => {
  it.each(cases)('$case', ({ pods, want }) => {
    const snapshot = makeSnapshot({ statefulSet: set, pods });
    const assigned = podsByOrdinal(pods, set);
    const table = new Map(
      buildStatusReport(snapshot, { clusterDomain: 'cluster.local' })
        .pods.filter((row) => row.exists)
        .map((row) => [row.ordinal, row.name]),
    );
    const diagnostics = buildContext(snapshot).pods;
    const dns = new Map(
      buildDnsReport({
        statefulSet: set,
        pods,
        service: undefined,
        endpointSlices: [],
        clusterDomain: { domain: 'cluster.local', source: 'default', detail: 'default' },
      })
        .records.filter((record) => record.exists)
        .map((record) => [record.ordinal, record.pod]),
    );
    for (const [ordinal, uid] of Object.entries(want)) {
      const n = Number(ordinal);
      expect(assigned.get(n)?.metadata?.uid, `podsByOrdinal ${n}`).toBe(uid);
      expect(diagnostics.get(n)?.metadata?.uid, `diagnostics ${n}`).toBe(uid);
      const name = assigned.get(n)?.metadata?.name;
      expect(table.get(n), `status table ${n}`).toBe(name);
      expect(dns.get(n), `dns ${n}`).toBe(name);
    }
  });
});
