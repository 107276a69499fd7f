// The pre-flight proof as a table: objects in, the first refusal (or none) and what the plan
// shows out. Each row is a state a cluster can be in; the sim tests build the same states with
// kubectl, these cover the combinations.
import { describe, expect, it } from 'vitest';
import { assessPod } from '../../src/flows/verify-pvc-safety.ts';
import type { SafetyInput } from '../../src/flows/verify-pvc-safety.ts';
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  StatefulSet,
} from '../../src/kube/types.ts';
import { placementFor, toleratesTaint } from '../../src/report/placement.ts';
import { claimHazards } from '../../src/report/volumes.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

function set(replicas = 3, policy: 'OrderedReady' | 'Parallel' = 'OrderedReady'): StatefulSet {
  return {
    metadata: { name: 'db', namespace: 'ns', uid: 'set-uid' },
    spec: { replicas, podManagementPolicy: policy, selector: { matchLabels: { app: 'db' } } },
  };
}

function pod(
  ordinal: number,
  state: 'ready' | 'unready' | 'pending' | 'terminating' = 'ready',
  node = 'n1',
): Pod {
  return {
    metadata: {
      name: `db-${ordinal}`,
      namespace: 'ns',
      uid: `pod-${ordinal}`,
      labels: { app: 'db' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-uid', controller: true },
      ],
      ...(state === 'terminating' ? { deletionTimestamp: '2026-03-01T11:59:00Z' } : {}),
    },
    spec: { nodeName: state === 'pending' ? undefined : node, containers: [{ name: 'main' }] },
    status: {
      phase: state === 'pending' ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'main',
          ready: state === 'ready',
          restartCount: 0,
          state: { running: { startedAt: '2026-03-01T10:00:00Z' } },
        },
      ],
    },
  };
}

function claim(extra: Partial<NonNullable<PersistentVolumeClaim['metadata']>> = {}): PersistentVolumeClaim {
  return {
    metadata: {
      name: 'data-db-2',
      namespace: 'ns',
      uid: 'claim-uid',
      creationTimestamp: '2026-03-01T09:00:00Z',
      ...extra,
    },
    spec: { volumeName: 'pv-2' },
    status: { phase: 'Bound' },
  };
}

function volume(
  options: { policy?: string; phase?: string; deleting?: boolean; claimUid?: string; zone?: string } = {},
): PersistentVolume {
  return {
    metadata: { name: 'pv-2', ...(options.deleting ? { deletionTimestamp: '2026-03-01T11:00:00Z' } : {}) },
    spec: {
      persistentVolumeReclaimPolicy: options.policy ?? 'Delete',
      claimRef: { name: 'data-db-2', namespace: 'ns', uid: options.claimUid ?? 'claim-uid' },
      ...(options.zone
        ? {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: 'topology.kubernetes.io/zone', operator: 'In', values: [options.zone] },
                    ],
                  },
                ],
              },
            },
          }
        : {}),
    },
    status: { phase: options.phase ?? 'Bound' },
  };
}

function node(
  name: string,
  options: {
    zone?: string;
    cordoned?: boolean;
    ready?: string;
    taints?: { key: string; value?: string; effect: string }[];
  } = {},
): Node {
  return {
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': options.zone ?? 'a' },
    },
    spec: { unschedulable: options.cordoned, taints: options.taints },
    status: { conditions: [{ type: 'Ready', status: options.ready ?? 'True' }] },
  };
}

function budget(
  spec: PodDisruptionBudget['spec'],
  status: PodDisruptionBudget['status'],
  generation = 1,
  name = 'pdb',
): PodDisruptionBudget {
  return {
    metadata: { name, namespace: 'ns', generation },
    spec: { selector: { matchLabels: { app: 'db' } }, ...spec },
    status: { observedGeneration: 1, ...status },
  };
}

function input(overrides: Partial<SafetyInput> = {}): SafetyInput {
  const target = overrides.pod ?? pod(2);
  return {
    statefulSet: set(),
    namespace: 'ns',
    pod: target,
    ordinal: 2,
    setPods: [pod(0), pod(1), target],
    claims: [{ claim: claim(), volume: volume() }],
    budgets: [],
    nodes: [node('n1'), node('n2')],
    removal: 'eviction',
    allowDegraded: false,
    now: NOW,
    ...overrides,
  };
}

const refusalOf = (overrides: Partial<SafetyInput>): string | undefined =>
  assessPod(input(overrides)).refusal?.message;

describe('a healthy set is safe to check', () => {
  it('with every fact the plan shows', () => {
    const verdict = assessPod(input());
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.safety).toMatchObject({
      replicas: 3,
      othersReady: ['db-0', 'db-1'],
      othersNotReady: [],
      readyWhileAway: 2,
      degraded: false,
      budgets: [],
      placement: { fits: ['n1', 'n2'], pinnedBy: [] },
      warnings: [],
    });
  });
});

describe('data: the claim must outlive the pod', () => {
  it.each([
    [
      'a claim being deleted, volume Delete',
      { claims: [{ claim: claim({ deletionTimestamp: '2026-03-01T11:58:00Z' }), volume: volume() }] },
      /^claim data-db-2 is being deleted .*removing the pod deletes the claim, and its volume pv-2 with it \(reclaim policy Delete\): the data would be destroyed$/,
    ],
    [
      'a claim being deleted, volume Retain',
      {
        claims: [
          {
            claim: claim({ deletionTimestamp: '2026-03-01T11:58:00Z' }),
            volume: volume({ policy: 'Retain' }),
          },
        ],
      },
      /removing the pod deletes the claim; its volume pv-2 would be left Released \(reclaim policy Retain\)$/,
    ],
    [
      'a volume being deleted',
      { claims: [{ claim: claim(), volume: volume({ deleting: true }) }] },
      /^volume pv-2 of claim data-db-2 is being deleted/,
    ],
    [
      'a Released volume',
      { claims: [{ claim: claim(), volume: volume({ phase: 'Released' }) }] },
      /is Released, not Bound$/,
    ],
    [
      'a Failed volume',
      { claims: [{ claim: claim(), volume: volume({ phase: 'Failed' }) }] },
      /is Failed, not Bound$/,
    ],
    [
      'a volume naming another incarnation of the claim',
      { claims: [{ claim: claim(), volume: volume({ claimUid: 'old-uid' }) }] },
      /^volume pv-2 names claim ns\/data-db-2 \(uid old-uid\), not data-db-2 \(uid claim-uid\)$/,
    ],
    [
      'a claim owned by the pod (the garbage collector deletes it with the pod)',
      {
        claims: [
          {
            claim: claim({
              ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'db-2', uid: 'pod-2' }],
            }),
            volume: volume(),
          },
        ],
      },
      /^claim data-db-2 is owned by pod db-2: the garbage collector deletes the claim, and its volume pv-2 with it \(reclaim policy Delete\), once that pod is deleted$/,
    ],
    [
      'a claim created after the containers started (re-created under the running pod)',
      { claims: [{ claim: claim({ creationTimestamp: '2026-03-01T11:00:00Z' }), volume: volume() }] },
      /^claim data-db-2 was created at 2026-03-01T11:00:00Z, after the containers of db-2 started: the pod still uses the volume it mounted before/,
    ],
  ])('refuses %s', (_name, overrides, expected) => {
    expect(refusalOf(overrides)).toMatch(expected);
  });

  it('advises Retain to keep the data of a claim being deleted, and never to go on', () => {
    const verdict = assessPod(
      input({ claims: [{ claim: claim({ deletionTimestamp: 'x' }), volume: volume() }] }),
    );
    expect(verdict.refusal?.hint).toBe(
      `verify-pvc will not remove db-2: back up what you need from it while it runs (kubectl describe pvc data-db-2 -n ns shows the claim); to keep the data once the pod goes, first set the volume's reclaim policy to Retain: kubectl patch pv pv-2 -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'`,
    );
    // --allow-degraded is about availability, never about data.
    expect(
      assessPod(
        input({
          allowDegraded: true,
          claims: [{ claim: claim({ deletionTimestamp: 'x' }), volume: volume() }],
        }),
      ).refusal,
    ).toBeDefined();
  });

  it('judges the claim alone when its volume cannot be read', () => {
    expect(claimHazards(claim({ deletionTimestamp: 'x' }), undefined).map((h) => h.code)).toEqual([
      'ClaimTerminating',
    ]);
    expect(claimHazards(claim(), undefined)).toEqual([]);
  });
});

describe('availability: replicas - 1 must stay Ready', () => {
  it.each([
    ['missing', [pod(0), pod(2)], 'db-1 is missing (not created)'],
    ['Pending', [pod(0), pod(1, 'pending'), pod(2)], 'db-1 is Pending'],
    ['not Ready', [pod(0), pod(1, 'unready'), pod(2)], 'db-1 is Running but not Ready'],
    [
      'terminating',
      [pod(0), pod(1, 'terminating'), pod(2)],
      'db-1 is Terminating since 2026-03-01T11:59:00Z',
    ],
  ])('refuses when another ordinal is %s', (_name, setPods, state) => {
    const verdict = assessPod(input({ setPods }));
    expect(verdict.refusal?.message).toBe(
      `removing db-2 would leave 1 of 3 replicas Ready, fewer than 2: ${state}`,
    );
    expect(verdict.refusal?.hint).toContain('--allow-degraded');
  });

  it('with --allow-degraded goes on, and says what may happen', () => {
    const verdict = assessPod(
      input({ setPods: [pod(0), pod(1), pod(2)], ordinal: 0, pod: pod(0), allowDegraded: true }),
    );
    expect(verdict.refusal).toBeUndefined();
    const degraded = assessPod(
      input({ setPods: [pod(0), pod(1), pod(2, 'unready')], ordinal: 1, pod: pod(1), allowDegraded: true }),
    );
    expect(degraded.refusal).toBeUndefined();
    expect(degraded.safety).toMatchObject({ readyWhileAway: 1, degraded: true, othersReady: ['db-0'] });
    expect(degraded.safety.warnings[0]).toMatch(
      /^--allow-degraded: removing db-1 would leave 1 of 3 replicas Ready/,
    );
  });

  it('OrderedReady: refuses, even with --allow-degraded, when a lower ordinal would keep the pod from coming back', () => {
    const pods = [pod(0, 'unready'), pod(1), pod(2)];
    expect(refusalOf({ setPods: pods, allowDegraded: true })).toMatch(
      /^db-2 would not come back: under podManagementPolicy OrderedReady .* db-0 is Running but not Ready$/,
    );
    // Parallel re-creates every ordinal on its own.
    expect(
      refusalOf({ setPods: pods, allowDegraded: true, statefulSet: set(3, 'Parallel') }),
    ).toBeUndefined();
  });

  it('a single replica: allowed (replicas - 1 is 0), with the outage named', () => {
    const verdict = assessPod(input({ statefulSet: set(1), setPods: [pod(0)], pod: pod(0), ordinal: 0 }));
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.safety.warnings).toEqual([
      'db has 1 replica: it serves nothing while db-0 is away (until the re-created pod is Ready)',
    ]);
  });

  it('refuses a pod on a NotReady node (its eviction would never finish)', () => {
    expect(refusalOf({ nodes: [node('n1', { ready: 'Unknown' }), node('n2')] })).toMatch(
      /^db-2 runs on node n1, which is not Ready \(Ready=Unknown\): an evicted pod there stays Terminating/,
    );
  });
});

describe('budgets: read as the Eviction API reads them', () => {
  const allowing = budget(
    { maxUnavailable: 1 },
    { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
  );
  it.each([
    [
      'maxUnavailable: 0',
      budget(
        { maxUnavailable: 0 },
        { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 },
      ),
      /^PodDisruptionBudget pdb allows no disruption: maxUnavailable: 0 never lets a pod be evicted voluntarily$/,
      true,
    ],
    [
      'maxUnavailable: 0%',
      budget({ maxUnavailable: '0%' }, { disruptionsAllowed: 0, expectedPods: 3 }),
      /never lets a pod be evicted/,
      true,
    ],
    [
      'minAvailable: 100%',
      budget({ minAvailable: '100%' }, { disruptionsAllowed: 0, expectedPods: 3 }),
      /minAvailable: 100% of 3 pods never lets/,
      true,
    ],
    [
      'minAvailable equal to the pods',
      budget(
        { minAvailable: 3 },
        { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 },
      ),
      /minAvailable: 3 of 3 pods never lets/,
      true,
    ],
    [
      'too few healthy now',
      budget(
        { minAvailable: 3 },
        { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 4 },
      ),
      /allows no disruption now \(minAvailable: 3\): it needs 3 healthy pods and has 3; it allows one once more/,
      false,
    ],
    [
      'not processed yet',
      budget({ maxUnavailable: 1 }, { disruptionsAllowed: 1 }, 2),
      /has not been processed by the disruption controller yet \(status.observedGeneration 1, generation 2\)/,
      false,
    ],
  ])('refuses a budget with %s, saying why', (_name, pdb, expected, never) => {
    const verdict = assessPod(input({ budgets: [pdb] }));
    expect(verdict.refusal?.message).toMatch(expected);
    expect(verdict.refusal?.hint).not.toMatch(/--force-delete|--allow-degraded|bypass/);
    expect(verdict.refusal?.hint).toMatch(never ? /relaxes the budget/ : /retry/);
  });

  it('shows a budget that allows a disruption, and ignores budgets of other pods', () => {
    const other = {
      ...allowing,
      metadata: { name: 'other', namespace: 'ns' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } },
    };
    const verdict = assessPod(input({ budgets: [allowing, other] }));
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.safety.budgets).toEqual([
      expect.objectContaining({ name: 'pdb', disruptionsAllowed: 1, rule: 'maxUnavailable: 1' }),
    ]);
  });

  it('refuses two budgets covering the pod (the Eviction API cannot evict it)', () => {
    expect(
      refusalOf({
        budgets: [allowing, { ...allowing, metadata: { name: 'second', namespace: 'ns', generation: 1 } }],
      }),
    ).toBe(
      'db-2 is covered by 2 PodDisruptionBudgets (pdb, second), and the Eviction API refuses to evict a pod covered by more than one',
    );
  });

  it('--force-delete needs --allow-degraded to go past a budget at 0, and then says so', () => {
    const zero = budget({ maxUnavailable: 0 }, { disruptionsAllowed: 0, expectedPods: 3 });
    expect(refusalOf({ budgets: [zero], removal: 'delete' })).toMatch(/never lets a pod be evicted/);
    const forced = assessPod(input({ budgets: [zero], removal: 'delete', allowDegraded: true }));
    expect(forced.refusal).toBeUndefined();
    expect(forced.safety.warnings).toEqual([
      expect.stringMatching(
        /^--force-delete --allow-degraded: PodDisruptionBudget pdb allows no disruption.*; the pod is deleted anyway$/,
      ),
    ]);
  });

  it('budgets that cannot be read: the Eviction API still enforces them; --force-delete cannot prove anything', () => {
    const eviction = assessPod(input({ budgets: { unreadable: 'forbidden' } }));
    expect(eviction.refusal).toBeUndefined();
    expect(eviction.safety.warnings[0]).toMatch(
      /could not be read \(forbidden\); the Eviction API still enforces them/,
    );
    expect(refusalOf({ budgets: { unreadable: 'forbidden' }, removal: 'delete' })).toMatch(
      /^PodDisruptionBudgets could not be read \(forbidden\), and --force-delete does not consult them/,
    );
  });
});

describe('placement: the re-created pod must have somewhere to go', () => {
  const zonal = [{ claim: claim(), volume: volume({ zone: 'b' }) }];
  it.each([
    [
      'the only node in the volume zone is cordoned',
      [node('n1', { zone: 'b', cordoned: true }), node('n2', { zone: 'c' })],
      /volume pv-2 is pinned to topology.kubernetes.io\/zone in \(b\), and no node it could run on is available \(n1: cordoned\)$/,
    ],
    [
      'the other node in the zone is NotReady',
      [
        node('n1', { zone: 'b', cordoned: true }),
        node('n3', { zone: 'b', ready: 'False' }),
        node('n2', { zone: 'c' }),
      ],
      /\(n1: cordoned; n3: not Ready\)$/,
    ],
    [
      'it has a taint the pod does not tolerate',
      [
        node('n1', { zone: 'b', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
        node('n2', { zone: 'c' }),
      ],
      /\(n1: taint dedicated=gpu:NoSchedule not tolerated\)$/,
    ],
    [
      'no node is left in the zone',
      [node('n2', { zone: 'c' })],
      /pinned to topology.kubernetes.io\/zone in \(b\), and no node matches$/,
    ],
  ])('refuses when %s', (_name, nodes, expected) => {
    const podOnN1 = pod(2, 'ready', 'n1');
    expect(refusalOf({ claims: zonal, nodes, pod: podOnN1, setPods: [pod(0), pod(1), podOnN1] })).toMatch(
      expected,
    );
  });

  it('accepts a cordon or taint the pod tolerates, and names the node it can return to', () => {
    const tolerant = pod(2, 'ready', 'n1');
    tolerant.spec!.tolerations = [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'gpu' },
    ];
    const verdict = assessPod(
      input({
        claims: zonal,
        pod: tolerant,
        setPods: [pod(0), pod(1), tolerant],
        nodes: [
          node('n1', {
            zone: 'b',
            cordoned: true,
            taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }],
          }),
        ],
      }),
    );
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.safety.placement).toEqual({
      fits: ['n1'],
      pinnedBy: [{ volume: 'pv-2', terms: 'topology.kubernetes.io/zone in (b)' }],
    });
  });

  it('nodes that cannot be read: not checked, and said so', () => {
    const verdict = assessPod(input({ nodes: { unreadable: 'nodes is forbidden' } }));
    expect(verdict.refusal).toBeUndefined();
    expect(verdict.safety.placement).toEqual({ unreadable: 'nodes is forbidden' });
    expect(verdict.safety.warnings).toContain(
      'nodes could not be read (nodes is forbidden): where the re-created pod can be scheduled was not checked',
    );
  });

  it('honours nodeSelector and required node affinity', () => {
    const picky = pod(2);
    picky.spec!.nodeSelector = { disk: 'ssd' };
    const placement = placementFor(
      picky,
      [],
      [node('n1'), { ...node('n2'), metadata: { name: 'n2', labels: { disk: 'ssd' } } }],
    );
    expect(placement.fits).toEqual(['n2']);
  });
});

describe('toleratesTaint, as v1.Toleration.ToleratesTaint', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  it.each([
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', value: 'other' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ key: '', operator: 'Equal', value: 'v' }, false],
  ])('%j tolerates k=v:NoSchedule: %s', (toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});
