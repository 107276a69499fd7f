// The three incidents of issue 12, replayed as a new user met them: each state built with real
// kubectl on the simulator, then `kubectl sts verify-pvc` run as a user runs it. Before the fix
// the first evicted the last Ready replica, the second let a claim's data be destroyed, the third
// wrote a marker into the data directory before the budget refused the eviction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { loadScenario } from '../sim/scenarios/index.ts';
import { errorLines, kubectl, markerFiles, podUid, verifyPvc } from './command.ts';
import { claimSet } from './manifests.ts';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({
    speed: 20,
    manifests: [loadScenario('todo-db').manifests, claimSet('web'), claimSet('guarded')].join('\n---\n'),
  });
  for (const name of ['todo-db', 'web', 'guarded']) await waitForSettledSet(sim, 'default', name, 30_000);
}, 90_000);

afterAll(async () => {
  await sim?.stop();
});

describe('issue 12: the incidents, replayed', () => {
  it('1. does not evict the last Ready replica of todo-db (the other one Pending on cordoned nodes)', async () => {
    await kubectl(sim, 'cordon', 'sim-worker', 'sim-worker2');
    try {
      await kubectl(sim, 'delete', 'pod', 'todo-db-1', '--wait=false');
      await expect
        .poll(() => kubectl(sim, 'get', 'pod', 'todo-db-1', '-o', 'jsonpath={.status.phase}'), {
          timeout: 10_000,
        })
        .toBe('Pending');
      const uid = await podUid(sim, 'todo-db-0');

      const dryRun = await verifyPvc(sim, ['todo-db', '--ordinal', '0', '--dry-run']);
      expect(dryRun.code).toBe(ExitCode.ABORTED);
      const run = await verifyPvc(sim, ['todo-db', '--ordinal', '0', '--yes', '--timeout', '15s']);
      expect(run.code).toBe(ExitCode.ABORTED);
      expect(errorLines(run)).toHaveLength(1);
      expect(errorLines(run)[0]).toMatch(/todo-db-1 .*Pending/);
      expect(errorLines(run)[0]).toMatch(/--allow-degraded/);
      expect(await podUid(sim, 'todo-db-0')).toBe(uid);
      expect(await markerFiles(sim, 'todo-db-0', 'db', '/var/lib/postgresql/data')).toEqual([]);
    } finally {
      await kubectl(sim, 'uncordon', 'sim-worker', 'sim-worker2');
    }
    await waitForSettledSet(sim, 'default', 'todo-db', 30_000);
  });

  it('2. refuses a claim that is being deleted, and its data survives', async () => {
    const claimUid = await kubectl(sim, 'get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.uid}');
    const volume = await kubectl(sim, 'get', 'pvc', 'data-web-1', '-o', 'jsonpath={.spec.volumeName}');
    await kubectl(sim, 'delete', 'pvc', 'data-web-1', '--wait=false');
    expect(
      await kubectl(sim, 'get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.deletionTimestamp}'),
    ).not.toBe('');
    const uid = await podUid(sim, 'web-1');

    const dryRun = await verifyPvc(sim, ['web', '--ordinal', '1', '--dry-run']);
    expect(dryRun.code).toBe(ExitCode.ABORTED);
    expect(errorLines(dryRun)[0]).toMatch(/claim data-web-1 .*being deleted/);
    const run = await verifyPvc(sim, ['web', '--ordinal', '1', '--yes']);
    expect(run.code).toBe(ExitCode.ABORTED);
    expect(errorLines(run)).toHaveLength(1);
    expect(errorLines(run)[0]).toMatch(/claim data-web-1 .*being deleted/);

    expect(await podUid(sim, 'web-1')).toBe(uid);
    expect(await kubectl(sim, 'get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.uid}')).toBe(claimUid);
    expect(await kubectl(sim, 'get', 'pv', volume, '-o', 'jsonpath={.status.phase}')).toBe('Bound');
    expect(await markerFiles(sim, 'web-1', 'main', '/data')).toEqual([]);
  });

  it('3. refuses a budget with maxUnavailable: 0 before writing anything, without suggesting a bypass', async () => {
    await kubectl(sim, 'create', 'pdb', 'guarded', '--selector=app=guarded', '--max-unavailable=0');
    try {
      await expect
        .poll(() => kubectl(sim, 'get', 'pdb', 'guarded', '-o', 'jsonpath={.status.observedGeneration}'))
        .toBe('1');
      const uid = await podUid(sim, 'guarded-1');
      const run = await verifyPvc(sim, ['guarded', '--yes']);
      expect(run.code).toBe(ExitCode.ABORTED);
      expect(errorLines(run)).toHaveLength(1);
      expect(errorLines(run)[0]).toMatch(/PodDisruptionBudget guarded/);
      expect(errorLines(run)[0]).toMatch(/maxUnavailable: 0/);
      expect(run.stderr).not.toMatch(/--force-delete|wait for more healthy/);
      expect(await podUid(sim, 'guarded-1')).toBe(uid);
      expect(await markerFiles(sim, 'guarded-1', 'main', '/data')).toEqual([]);
      expect(sim.requestLog.count({ resource: 'pods', subresource: 'eviction' })).toBe(0);
    } finally {
      await kubectl(sim, 'delete', 'pdb', 'guarded');
    }
  });
});
