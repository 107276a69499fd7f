import { describe, expect, it } from 'vitest';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import {
  buildRolloutProgress,
  kubectlRolloutVerdict,
  type RolloutProgress,
} from '../../src/report/rollout.ts';
import { NOW, pod, statefulSet } from './builders.ts';

interface Case {
  name: string;
  set: StatefulSet;
  pods: (set: StatefulSet) => Pod[];
  expect: Partial<RolloutProgress>;
  kubectlDone?: boolean;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const onRevisions = (set: StatefulSet, revisionOf: (ordinal: number) => string, ordinals: number[]) =>
  ordinals.map((o) => pod(set, o, { revision: revisionOf(o) }));

const cases: Case[] = [
  {
    name: 'a healthy set on one revision is complete',
    set: statefulSet(),
    pods: (set) => range(0, 2).map((o) => pod(set, o)),
    expect: {
      complete: true,
      waitingFor: [],
      pendingOrdinals: [],
      nextToReplace: [],
      updateOrdinals: [0, 1, 2],
    },
    kubectlDone: true,
  },
  {
    name: 'the partition counts from ordinals.start: start 2, partition 5 holds ordinals 2-6 (kubernetes#128529)',
    set: (() => {
      const set = statefulSet({
        replicas: 9,
        start: 2,
        partition: 5,
        currentRevision: 'r1',
        updateRevision: 'r2',
      });
      set.status!.updatedReplicas = 4;
      set.status!.currentReplicas = 5;
      return set;
    })(),
    pods: (set) => onRevisions(set, (o) => (o >= 7 ? 'r2' : 'r1'), range(2, 10)),
    expect: {
      complete: true,
      heldBackOrdinals: [2, 3, 4, 5, 6],
      updateOrdinals: [7, 8, 9, 10],
      pendingOrdinals: [],
    },
    kubectlDone: true,
  },
  {
    name: 'a partitioned rollout in progress replaces the highest pending ordinal next',
    set: statefulSet({ replicas: 9, start: 2, partition: 5, currentRevision: 'r1', updateRevision: 'r2' }),
    pods: (set) => onRevisions(set, (o) => (o >= 9 ? 'r2' : 'r1'), range(2, 10)),
    expect: { complete: false, pendingOrdinals: [7, 8], nextToReplace: [8] },
  },
  {
    name: 'maxUnavailable 2 lets the controller replace two ordinals at once',
    set: (() => {
      const set = statefulSet({ replicas: 4, currentRevision: 'r1', updateRevision: 'r2' });
      set.spec!.updateStrategy!.rollingUpdate!.maxUnavailable = 2;
      return set;
    })(),
    pods: (set) => onRevisions(set, () => 'r1', range(0, 3)),
    expect: { complete: false, pendingOrdinals: [0, 1, 2, 3], nextToReplace: [2, 3], maxUnavailable: 2 },
  },
  {
    name: 'OnDelete waits for manual deletion of every pod on an old revision; kubectl refuses',
    set: statefulSet({ strategy: 'OnDelete', currentRevision: 'r1', updateRevision: 'r2' }),
    pods: (set) => onRevisions(set, (o) => (o === 2 ? 'r2' : 'r1'), range(0, 2)),
    expect: { complete: false, updateOrdinals: [], pendingOrdinals: [0, 1], nextToReplace: [0, 1] },
    kubectlDone: true,
  },
  {
    name: 'OnDelete with every pod updated is complete although currentRevision is stale (kubernetes#73492)',
    set: statefulSet({ strategy: 'OnDelete', currentRevision: 'r1', updateRevision: 'r2' }),
    pods: (set) => onRevisions(set, () => 'r2', range(0, 2)),
    expect: { complete: true, currentRevisionDrift: true },
  },
  {
    name: 'a pod Ready for less than minReadySeconds is not yet available; kubectl already says done',
    set: statefulSet({ minReadySeconds: 60 }),
    pods: (set) => [pod(set, 0), pod(set, 1), pod(set, 2, { readySince: 10 })],
    expect: { complete: false, notAvailableOrdinals: [2], notReadyOrdinals: [] },
    kubectlDone: true,
  },
  {
    name: 'a spec the controller has not observed is not complete',
    set: statefulSet({ generation: 4, observedGeneration: 3 }),
    pods: (set) => range(0, 2).map((o) => pod(set, o)),
    expect: { complete: false, generationObserved: false },
    kubectlDone: false,
  },
  {
    name: 'a scale-down in progress lists the pods still to be removed',
    set: statefulSet({ replicas: 2 }),
    pods: (set) => range(0, 3).map((o) => pod(set, o)),
    expect: { complete: false, condemnedOrdinals: [2, 3] },
  },
  {
    name: 'a scale-up in progress lists missing ordinals without counting them as replaceable',
    set: statefulSet({ replicas: 4 }),
    pods: (set) => range(0, 1).map((o) => pod(set, o)),
    expect: { complete: false, missingOrdinals: [2, 3], pendingOrdinals: [2, 3], nextToReplace: [] },
  },
  {
    name: 'a pod of another set with a similar name is not counted (web-api-0 is not web-0)',
    set: statefulSet({ replicas: 1 }),
    pods: (set) => {
      const other = pod(set, 0);
      other.metadata!.name = 'web-api-0';
      delete other.metadata!.labels!['apps.kubernetes.io/pod-index'];
      return [pod(set, 0), other];
    },
    expect: { complete: true, condemnedOrdinals: [] },
  },
];

describe('rollout progress', () => {
  it.each(cases)('$name', ({ set, pods, expect: expected, kubectlDone }) => {
    const progress = buildRolloutProgress(set, pods(set), NOW);
    expect(progress).toMatchObject(expected);
    if (kubectlDone !== undefined) expect(progress.kubectl.done).toBe(kubectlDone);
  });

  it('reports the revision each ordinal runs and which it should end on', () => {
    const set = statefulSet({ replicas: 3, partition: 1, currentRevision: 'r1', updateRevision: 'r2' });
    const progress = buildRolloutProgress(
      set,
      onRevisions(set, (o) => (o === 0 ? 'r1' : 'r2'), range(0, 2)),
      NOW,
    );
    expect(progress.ordinals.map((o) => [o.ordinal, o.revision, o.role, o.target, o.upToDate])).toEqual([
      [0, 'r1', 'current', 'current', true],
      [1, 'r2', 'update', 'update', true],
      [2, 'r2', 'update', 'update', true],
    ]);
  });
});

describe('what kubectl rollout status would conclude', () => {
  it.each([
    {
      name: 'OnDelete is an error',
      set: statefulSet({ strategy: 'OnDelete' }),
      message: 'rollout status is only available for RollingUpdate strategy type',
    },
    {
      name: 'partition counted without ordinals.start',
      set: (() => {
        const set = statefulSet({ replicas: 5, partition: 2, updateRevision: 'r2' });
        set.status!.updatedReplicas = 2;
        return set;
      })(),
      message: 'Waiting for partitioned roll out to finish: 2 out of 3 new pods have been updated...',
    },
    {
      name: 'no rollingUpdate block compares the revisions',
      set: (() => {
        const set = statefulSet({ currentRevision: 'r1', updateRevision: 'r2' });
        delete set.spec!.updateStrategy!.rollingUpdate;
        return set;
      })(),
      message: 'waiting for statefulset rolling update to complete 3 pods at revision r2...',
    },
  ])('$name', ({ set, message }) => {
    expect(kubectlRolloutVerdict(set).message).toBe(message);
  });
});
