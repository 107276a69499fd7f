// Every pre-flight refusal of verify-pvc, each with its state built by real kubectl on the
// simulator, checked as a user sees it (one `error:` line, exit 11) and for what it must not have
// done: no marker in the volume (kubectl exec ls), no record on the claim, no eviction, the pod
// the same incarnation (uid unchanged). Then what --allow-degraded lets through and what it does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { errorLines, kubectl, markerFiles, podUid, verifyPvc } from './command.ts';
import type { CommandRun } from './command.ts';
import { claimSet } from './manifests.ts';

const ZONAL_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: zonal}
provisioner: ebs.csi.aws.com
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
`;

const SETS = ['zonal', 'pooled', 'lagging', 'degraded', 'rolling'];
let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({
    speed: 20,
    manifests: [
      ZONAL_CLASS,
      claimSet('zonal', { storageClass: 'zonal' }),
      // Two sets under one budget: the other one's pod is not Ready.
      claimSet('pooled', { replicas: 3, labels: { tier: 'db' } }),
      claimSet('lagging', { replicas: 1, labels: { tier: 'db' } }),
      claimSet('degraded', { replicas: 3 }),
      claimSet('rolling', { replicas: 3 }),
    ].join('\n---\n'),
  });
  for (const name of SETS) await waitForSettledSet(sim, 'default', name, 30_000);
}, 90_000);

afterAll(async () => {
  await sim?.stop();
});

const nodeOf = (pod: string): Promise<string> =>
  kubectl(sim, 'get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName}');

/** What a refusal must leave as it was: pod incarnation, volume content, claim annotations, no eviction. */
async function expectUntouched(pod: string, uid: string, evictionsBefore: number): Promise<void> {
  expect(await podUid(sim, pod)).toBe(uid);
  expect(await markerFiles(sim, pod, 'main', '/data')).toEqual([]);
  expect(sim.requestLog.count({ resource: 'pods', subresource: 'eviction' })).toBe(evictionsBefore);
  const claim = `data-${pod}`;
  expect(await kubectl(sim, 'get', 'pvc', claim, '-o', 'jsonpath={.metadata.annotations}')).not.toContain(
    'verify-pvc.kubectl-sts.dev/',
  );
}

async function refused(args: string[], pod: string): Promise<{ run: CommandRun; line: string }> {
  const uid = await podUid(sim, pod);
  const evictions = sim.requestLog.count({ resource: 'pods', subresource: 'eviction' });
  const run = await verifyPvc(sim, args);
  expect(run.code, run.stderr).toBe(ExitCode.ABORTED);
  expect(errorLines(run)).toHaveLength(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stdout).toBe('');
  await expectUntouched(pod, uid, evictions);
  return { run, line: errorLines(run)[0]! };
}

describe('verify-pvc refuses before writing or evicting anything', () => {
  it('when the only node the zonal volume allows is cordoned', async () => {
    const node = await nodeOf('zonal-1');
    const zone = await kubectl(
      sim,
      'get',
      'node',
      node,
      '-o',
      "jsonpath={.metadata.labels['topology\\.kubernetes\\.io/zone']}",
    );
    const plan = await verifyPvc(sim, ['zonal', '--dry-run']);
    expect(plan.stdout).toContain(`      pinned to:   topology.kubernetes.io/zone in (${zone})\n`);
    expect(plan.stdout).toContain(`    can return to: node ${node} (the only one it can run on now)\n`);

    await kubectl(sim, 'cordon', node);
    try {
      const { line } = await refused(['zonal', '--yes'], 'zonal-1');
      expect(line).toMatch(
        new RegExp(
          `^error: the re-created pod zonal-1 could not be scheduled: volume pvc-\\S+ is pinned to topology\\.kubernetes\\.io/zone in \\(${zone}\\), and no node it could run on is available \\(${node}: cordoned\\); nothing was touched; make a node schedulable again \\(kubectl uncordon ${node}\\)`,
        ),
      );
    } finally {
      await kubectl(sim, 'uncordon', node);
    }
  });

  it('when that node has a taint the pod does not tolerate', async () => {
    const node = await nodeOf('zonal-1');
    await kubectl(sim, 'taint', 'node', node, 'dedicated=batch:NoSchedule');
    try {
      const { line } = await refused(['zonal', '--yes'], 'zonal-1');
      expect(line).toContain(`(${node}: taint dedicated=batch:NoSchedule not tolerated)`);
    } finally {
      await kubectl(sim, 'taint', 'node', node, 'dedicated=batch:NoSchedule-');
    }
  });

  it('when a budget has too few healthy pods now, saying it will allow one later', async () => {
    await kubectl(sim, 'annotate', 'pod', 'lagging-0', 'sim.kubectl-sts.dev/readiness=fail');
    await kubectl(sim, 'create', 'pdb', 'tier-db', '--selector=tier=db', '--min-available=3');
    try {
      await expect
        .poll(() => kubectl(sim, 'get', 'pdb', 'tier-db', '-o', 'jsonpath={.status.currentHealthy}'), {
          timeout: 10_000,
        })
        .toBe('3');
      const { line } = await refused(['pooled', '--yes'], 'pooled-2');
      expect(line).toBe(
        'error: PodDisruptionBudget tier-db allows no disruption now (minAvailable: 3): it needs 3 healthy pods and has 3; it allows one once more of its pods are healthy; nothing was touched; wait until ALLOWED DISRUPTIONS is at least 1 (kubectl get pdb tier-db -n default), then retry',
      );
    } finally {
      await kubectl(sim, 'delete', 'pdb', 'tier-db');
      await kubectl(sim, 'annotate', 'pod', 'lagging-0', 'sim.kubectl-sts.dev/readiness-');
    }
  });

  it('when another ordinal is not Ready, naming it and --allow-degraded', async () => {
    await kubectl(sim, 'annotate', 'pod', 'degraded-0', 'sim.kubectl-sts.dev/readiness=fail');
    await expect
      .poll(() =>
        kubectl(
          sim,
          'get',
          'pod',
          'degraded-0',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ),
      )
      .toBe('False');
    const { line } = await refused(['degraded', '--yes'], 'degraded-2');
    expect(line).toBe(
      'error: removing degraded-2 would leave 1 of 3 replicas Ready, fewer than 2: degraded-0 is Running but not Ready; nothing was touched; get degraded-0 Ready first (kubectl describe pod degraded-0 -n default), or accept fewer Ready replicas during the check with --allow-degraded',
    );
  });

  it('--allow-degraded does not remove a pod that OrderedReady would not re-create', async () => {
    // degraded-0 is still not Ready: the controller stops there and never re-creates degraded-2.
    const { line } = await refused(['degraded', '--yes', '--allow-degraded'], 'degraded-2');
    expect(line).toBe(
      'error: degraded-2 would not come back: under podManagementPolicy OrderedReady the controller re-creates it only once every lower ordinal is Running and Ready, and degraded-0 is Running but not Ready; nothing was touched; get degraded-0 Ready first (kubectl describe pod degraded-0 -n default)',
    );
  });

  it('--allow-degraded does not get past a budget that allows nothing now', async () => {
    // Now the highest ordinal is the one down; degraded-1 is checked.
    await kubectl(sim, 'annotate', 'pod', 'degraded-0', 'sim.kubectl-sts.dev/readiness-');
    await kubectl(sim, 'annotate', 'pod', 'degraded-2', 'sim.kubectl-sts.dev/readiness=fail');
    await expect
      .poll(() =>
        kubectl(
          sim,
          'get',
          'pods',
          '-l',
          'app=degraded',
          '-o',
          'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
        ),
      )
      .toBe('True True False');
    await kubectl(sim, 'create', 'pdb', 'degraded', '--selector=app=degraded', '--max-unavailable=1');
    try {
      await expect
        .poll(() => kubectl(sim, 'get', 'pdb', 'degraded', '-o', 'jsonpath={.status.currentHealthy}'))
        .toBe('2');
      const { line } = await refused(
        ['degraded', '--ordinal', '1', '--yes', '--allow-degraded'],
        'degraded-1',
      );
      expect(line).toMatch(
        /^error: PodDisruptionBudget degraded allows no disruption now \(maxUnavailable: 1\): it needs 2 healthy pods and has 2;/,
      );
    } finally {
      await kubectl(sim, 'delete', 'pdb', 'degraded');
    }
  });

  it('when a claim is owned by its pod (the garbage collector would delete it)', async () => {
    const uid = await podUid(sim, 'zonal-0');
    const owner = JSON.stringify({
      metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'zonal-0', uid }] },
    });
    await kubectl(sim, 'patch', 'pvc', 'data-zonal-0', '--type', 'merge', '-p', owner);
    try {
      const { line } = await refused(['zonal', '--ordinal', '0', '--yes'], 'zonal-0');
      expect(line).toMatch(
        /^error: claim data-zonal-0 is owned by pod zonal-0: the garbage collector deletes the claim, and its volume pvc-\S+ with it \(reclaim policy Delete\), once that pod is deleted; nothing was touched;/,
      );
    } finally {
      await kubectl(
        sim,
        'patch',
        'pvc',
        'data-zonal-0',
        '--type',
        'json',
        '-p',
        '[{"op":"remove","path":"/metadata/ownerReferences"}]',
      );
    }
  });

  it('when a rollout is in progress', async () => {
    await kubectl(
      sim,
      'patch',
      'sts',
      'rolling',
      '--type',
      'merge',
      '-p',
      '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":3}}}}',
    );
    await kubectl(sim, 'set', 'env', 'sts/rolling', 'VERSION=2');
    await expect
      .poll(() => kubectl(sim, 'get', 'sts', 'rolling', '-o', 'jsonpath={.status.updateRevision}'))
      .not.toBe(await kubectl(sim, 'get', 'sts', 'rolling', '-o', 'jsonpath={.status.currentRevision}'));
    const { line } = await refused(['rolling', '--yes'], 'rolling-2');
    expect(line).toMatch(
      /^error: StatefulSet rolling is mid-rollout: currentRevision \S+ differs from updateRevision \S+; wait for kubectl rollout status statefulset\/rolling -n default to finish, then retry$/,
    );
  });
});

describe('--allow-degraded', () => {
  it('runs the check on a degraded set, saying plainly in the plan what may happen', async () => {
    // degraded-2 is still not Ready (the earlier test); degraded-1 goes, degraded-0 serves alone.
    const run = await verifyPvc(sim, ['degraded', '--ordinal', '1', '--yes', '--allow-degraded']);
    expect(run.code, run.stderr).toBe(ExitCode.OK);
    expect(run.stdout).toContain(
      '    while away:    1 of 3 replicas stays Ready (degraded-0) -- FEWER THAN THE SET EXPECTS',
    );
    expect(run.stdout).toMatch(
      /^warning: --allow-degraded: removing degraded-1 would leave 1 of 3 replicas Ready, fewer than 2: degraded-2 is Running but not Ready\. While degraded-1 is away only 1 replica\(s\) serve/m,
    );
    expect(run.stdout).toMatch(/^RESULT: PASS$/m);
    await kubectl(sim, 'annotate', 'pod', 'degraded-2', 'sim.kubectl-sts.dev/readiness-');
    await waitForSettledSet(sim, 'default', 'degraded', 30_000);
  });
});
