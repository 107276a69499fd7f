// Each rule against the real condition, produced on the simulated cluster from the scenarios in
// test/sim/scenarios/diag-*.yaml, read through the real gateway; real kubectl makes the changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupObjects, parseDump, snapshotFromDump } from '../../src/collect/offline.ts';
import { collectOverview } from '../../src/collect/snapshot.ts';
import { buildOverview, healthOf } from '../../src/report/overview.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { waitForRollout, type GateClock } from '../../src/flows/rollout-gate.ts';
import { diagnose } from '../../src/report/diagnostics/index.ts';
import type { Node, PersistentVolume } from '../../src/kube/types.ts';
import type { Diagnostic } from '../../src/report/snapshot.ts';
import {
  podNamed,
  readyCount,
  startScenario,
  until,
  rollOutUnpullableImage,
  type ScenarioRun,
} from './sim-helpers.ts';

function find(findings: Diagnostic[], code: string): Diagnostic {
  const finding = findings.find((d) => d.code === code);
  expect(finding, `${code} not among: ${findings.map((d) => d.code).join(', ')}`).toBeDefined();
  return finding!;
}

function gateClock(run: ScenarioRun): GateClock {
  return { now: () => run.sim.clock.now(), setTimeout: (fn, ms) => run.sim.clock.setTimeout(fn, ms) };
}

function gate(run: ScenarioRun, name: string) {
  return waitForRollout({
    gateway: run.connection.gateway,
    namespace: run.namespace,
    name,
    collect: () => run.snapshot(name),
    clock: gateClock(run),
    timeoutMs: 10 * 60_000,
    stuckAfterMs: 30_000,
    resyncMs: 5_000,
  });
}

describe('forced-rollback trap (diag-forced-rollback)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-forced-rollback');
  });
  afterAll(() => run.stop());

  it('a healthy set reports nothing', async () => {
    await until('3 ready replicas', () => readyCount(run.set('web')) === 3);
    expect(await run.diagnose('web')).toEqual([]);
  });

  it('after a broken revision is reverted, names the pod left failing and the exact delete command', async () => {
    const good = run.set('web').status?.updateRevision;
    await rollOutUnpullableImage(run, 'web', 'web-2');
    await run.kubectl(
      'patch',
      'statefulset',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/spec/template/metadata/annotations"}]',
    );
    await until('the revert observed', () => run.set('web').status?.updateRevision === good);

    const trap = find(await run.diagnose('web'), 'ForcedRollbackTrap');
    expect(trap.ordinals).toEqual([2]);
    expect(trap.message).toContain(`not the update revision ${good}`);
    expect(trap.advice).toContain('`kubectl delete pod web-2 -n diag`');
    // The same finding from a dump real kubectl writes (what a support engineer receives).
    const dumpText = await run.kubectl('get', 'sts,pods,pvc,pv,svc,endpointslices,events', '-o', 'yaml');
    const offline = diagnose(snapshotFromDump(groupObjects(parseDump(dumpText, 'dump'), ['dump']), 'web'));
    expect(offline.map((d) => [d.code, d.ordinals])).toContainEqual(['ForcedRollbackTrap', [2]]);
    if (process.env.UPDATE_SIM_DUMP === '1') {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(new URL('./fixtures/sim-forced-rollback-dump.yaml', import.meta.url), dumpText);
    }
  });

  it('the --wait gate reports it stuck, and complete once the advised command is run', async () => {
    const stuck = await gate(run, 'web');
    expect(stuck.outcome).toBe('stuck');
    expect(stuck.evaluation!.blocking.map((b) => b.diagnostic.code)).toContain('ForcedRollbackTrap');

    await run.kubectl('delete', 'pod', 'web-2', '--wait=false');
    const done = await gate(run, 'web');
    expect(done.outcome).toBe('complete');
    expect(done.evaluation!.diagnostics).toEqual([]);
  });
});

describe('storage (diag-storage)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-storage');
  });
  afterAll(() => run.stop());

  it('a StorageClass that does not exist: the claim finding, and OrderedReady holding back the rest', async () => {
    const findings = await until('gold diagnosed', async () => {
      const found = await run.diagnose('gold');
      return found.some((d) => d.code === 'ClaimStorageClassNotFound') && found;
    });
    const missing = find(findings, 'ClaimStorageClassNotFound');
    expect(missing.ordinals).toEqual([0]);
    expect(missing.message).toContain('"gold" does not exist');
    const blocked = find(findings, 'OrderedReadyBlocked');
    expect(blocked.ordinals).toEqual([0, 1, 2]);
    expect(blocked.message).toContain('claim data-gold-0 is not Bound');
    expect(blocked.advice).toContain('kubectl describe pvc data-gold-0 -n diag');
  });

  it('a provisioner nobody runs: reported once the claim has waited a minute', async () => {
    const findings = await until('slow diagnosed', async () => {
      const found = await run.diagnose('slow');
      return found.some((d) => d.code === 'ClaimProvisionerNotResponding' && d.severity === 'error') && found;
    });
    const finding = find(findings, 'ClaimProvisionerNotResponding');
    expect(finding.ordinals).toEqual([0]);
    expect(finding.message).toContain('example.com/nobody');
    expect(finding.evidence.join('\n')).toContain('ExternalProvisioning');
  });

  it("WaitForFirstConsumer while the pod cannot be scheduled: the scheduler's reason, the claim named once", async () => {
    const findings = await until('pinned diagnosed', async () => {
      const found = await run.diagnose('pinned');
      return found.some((d) => d.code === 'PodUnschedulable') && found;
    });
    const finding = find(findings, 'PodUnschedulable');
    expect(finding.ordinals).toEqual([0]);
    expect(finding.message).toMatch(/^pinned-0 cannot be scheduled: 0\/3 nodes are available: /);
    expect(finding.evidence.join('\n')).toContain('claims data-pinned-0 wait for pinned-0 to be scheduled');
    expect(finding.advice).toContain('kubectl describe pod pinned-0 -n diag');
    expect(finding.blocking).toBe(true);
    expect(findings.map((d) => d.code)).not.toContain('ClaimWaitingForFirstConsumer');
    const blocked = find(findings, 'OrderedReadyBlocked');
    expect(blocked.ordinals).toEqual([0, 1]);
    expect(blocked.message).toContain('pinned-0 is Pending: it cannot be scheduled');
    expect(blocked.advice).toBe('see PodUnschedulable for pinned-0');
  });

  it('no default StorageClass: a claim without storageClassName that nothing provisions', async () => {
    await run.kubectl('delete', 'storageclass', 'standard');
    run.sim.applyManifests(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: plain, namespace: diag}
spec:
  replicas: 1
  serviceName: plain
  selector: {matchLabels: {app: plain}}
  template:
    metadata: {labels: {app: plain}}
    spec: {containers: [{name: app, image: busybox:1.36}]}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`);
    const findings = await until('plain diagnosed', async () => {
      const found = await run.diagnose('plain');
      return found.some((d) => d.code === 'ClaimNoStorageClass') && found;
    });
    const finding = find(findings, 'ClaimNoStorageClass');
    expect(finding.ordinals).toEqual([0]);
    expect(finding.evidence.join('\n')).toContain('no storage class is set');
    expect(finding.advice).toContain('kubectl patch storageclass nobody-provisions');
  });
});

describe('rollout progress (diag-rollout)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-rollout');
    for (const name of ['shard', 'legacy', 'cache']) {
      await until(`${name} ready`, () => readyCount(run.set(name)) === run.set(name).spec?.replicas);
    }
  });
  afterAll(() => run.stop());

  it('partition 2 with ordinals.start 2 holds ordinals 2 and 3, and the gate counts that as complete', async () => {
    await run.kubectl('set', 'image', 'statefulset/shard', 'app=nginx:1.27');
    await until(
      '3 updated',
      () => run.set('shard').status?.updatedReplicas === 3 && readyCount(run.set('shard')) === 5,
    );
    const finding = find(await run.diagnose('shard'), 'RolloutPartitioned');
    expect(finding.ordinals).toEqual([2, 3]);
    expect(finding.evidence.join('\n')).toContain('ordinals below 4 are held');
    const result = await gate(run, 'shard');
    expect(result.outcome).toBe('complete');
    expect(result.evaluation!.progress.heldBackOrdinals).toEqual([2, 3]);
    expect(result.evaluation!.progress.updateOrdinals).toEqual([4, 5, 6]);
  });

  it('OnDelete: pods wait for deletion (stuck for the gate); after deleting them currentRevision is stale', async () => {
    await run.kubectl('set', 'image', 'statefulset/legacy', 'app=nginx:1.27');
    const pending = await until('OnDelete finding', async () => {
      const found = await run.diagnose('legacy');
      return found.find((d) => d.code === 'OnDeletePendingDeletion');
    });
    expect(pending.ordinals).toEqual([0, 1, 2]);
    expect(pending.advice).toContain('`kubectl delete pod legacy-2 -n diag`');
    expect((await gate(run, 'legacy')).outcome).toBe('stuck');
    // Real kubectl has no answer for OnDelete at all.
    await expect(run.kubectl('rollout', 'status', 'statefulset/legacy', '--timeout=1s')).rejects.toThrow(
      /rollout status is only available for RollingUpdate strategy type/,
    );

    await run.kubectl('delete', 'pod', 'legacy-0', 'legacy-1', 'legacy-2', '--wait=false');
    const done = await gate(run, 'legacy');
    expect(done.outcome).toBe('complete');
    expect(done.evaluation!.diagnostics.map((d) => d.code)).toEqual(['CurrentRevisionDrift']);
  });

  it('minReadySeconds: the first pod is Ready but not available, so the controller holds the second', async () => {
    const findings = await until('slowstart-0 ready', async () => {
      const found = await run.diagnose('slowstart');
      return found.some((d) => d.code === 'MinReadySecondsPending') && found;
    });
    expect(find(findings, 'MinReadySecondsPending').ordinals).toEqual([0]);
    const blocked = find(findings, 'OrderedReadyBlocked');
    expect(blocked.ordinals).toEqual([0, 1]);
    expect(blocked.severity).toBe('info');
    expect(podNamed(run, 'slowstart-1')).toBeUndefined();
  });

  it('real kubectl rollout status calls a rollout done during minReadySeconds; the gate does not', async () => {
    await until('warm ready', () => readyCount(run.set('warm')) === 2);
    const kubectlSays = await run.kubectl('rollout', 'status', 'statefulset/warm', '--timeout=1s');
    expect(kubectlSays).toContain('partitioned roll out complete');
    const finding = find(await run.diagnose('warm'), 'KubectlRolloutStatusMisleading');
    expect(finding.message).toContain('partitioned roll out complete');
    expect(finding.ordinals).toEqual([0, 1]);
    const result = await waitForRollout({
      gateway: run.connection.gateway,
      namespace: run.namespace,
      name: 'warm',
      collect: () => run.snapshot('warm'),
      clock: gateClock(run),
      timeoutMs: 60_000,
    });
    expect(result.outcome).toBe('timeout');
    expect(result.evaluation!.progress.notAvailableOrdinals).toEqual([0, 1]);
  });

  it('a scale-down under whenScaled: Retain keeps the claims: a report section, no finding, Healthy', async () => {
    await run.kubectl('scale', 'statefulset/cache', '--replicas=1');
    await until('cache scaled down', () => !podNamed(run, 'cache-1') && !podNamed(run, 'cache-2'));
    const snapshot = await run.snapshot('cache');
    expect(diagnose(snapshot)).toEqual([]);
    const report = buildStatusReport(snapshot, { clusterDomain: 'cluster.local' });
    expect(report.pods.map((row) => row.name)).toEqual(['cache-0']);
    expect(report.retainedClaims).toMatchObject({
      whenScaled: 'Retain',
      ordinals: [1, 2],
      totalCapacity: '4Gi',
      reattachedAtReplicas: 3,
    });
    expect(healthOf(report)).toMatchObject({
      health: 'Healthy',
      claims: { bound: 1, total: 1, retained: 2 },
    });
  });

  it('a deleted claim leaves its Retain volume Released: found in a dump kubectl writes', async () => {
    await run.kubectl('delete', 'pvc', 'data-cache-2', '--wait=false');
    await until('the volume Released', () =>
      run.sim.store
        .list<PersistentVolume>('persistentvolumes')
        .some((v) => v.spec?.claimRef?.name === 'data-cache-2' && v.status?.phase === 'Released'),
    );
    const dump = await run.kubectl('get', 'sts,pods,pvc,pv,svc,endpointslices,events', '-o', 'yaml');
    const findings = diagnose(snapshotFromDump(groupObjects(parseDump(dump, 'dump'), ['dump']), 'cache'));
    const released = find(findings, 'VolumeReleased');
    expect(released.ordinals).toEqual([2]);
    expect(released.evidence.join('\n')).toContain('reclaimPolicy: Retain');
    expect(released.advice).toMatch(
      /^to reattach the data to a new data-cache-2, .*kubectl patch pv \S+ --type json/,
    );
    expect(findings.map((d) => d.code)).not.toContain('LeftoverClaims');
  });

  it('the live overview (status -A --problems) finds the same Released volume, and counts the kept claim', async () => {
    const collected = await collectOverview(run.connection.gateway, run.namespace, {
      now: () => run.sim.clock.now(),
    });
    const cache = buildOverview(collected, { clusterDomain: 'cluster.local' }).items.find(
      (item) => item.name === 'cache',
    );
    const codes = cache?.diagnostics.map((finding) => finding.code) ?? [];
    expect(codes).toEqual(['VolumeReleased']);
    expect(cache).toMatchObject({ health: 'Warning', claims: { retained: 1 } });
  });

  it('a set recreated with a larger claim template: the existing claim is smaller and is not resized', async () => {
    await run.kubectl('delete', 'statefulset', 'cache', '--cascade=orphan');
    await until('cache gone', () => !run.sim.store.get('statefulsets', 'diag', 'cache'));
    run.sim.applyManifests(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache, namespace: diag}
spec:
  replicas: 1
  serviceName: cache
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: app, image: redis:7}]}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], storageClassName: keep, resources: {requests: {storage: 4Gi}}}
`);
    const finding = await until('size finding', async () =>
      (await run.diagnose('cache')).find((d) => d.code === 'ClaimSizeDiffers'),
    );
    expect(finding.ordinals).toEqual([0]);
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain('claim data-cache-0 requests 2Gi, the template data asks for 4Gi');
    expect(finding.advice).toContain('StorageClass keep does not allow expansion');
  });
});

describe('governing Service (diag-identity)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-identity');
  });
  afterAll(() => run.stop());

  it.each([
    { set: 'api', code: 'ServiceNotHeadless' },
    { set: 'queue', code: 'ServiceSelectorMismatch' },
    { set: 'ghost', code: 'ServiceMissing' },
  ])('$set: $code', async ({ set, code }) => {
    const finding = find(await run.diagnose(set), code);
    expect(finding.ordinals).toEqual([]);
    expect(finding.advice.length).toBeGreaterThan(0);
  });
});

describe('node loss (diag-node-lost)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-node-lost');
    await until('3 ready replicas', () => readyCount(run.set('web')) === 3);
  });
  afterAll(() => run.stop());

  it('a pod deleted on a node that stopped reporting stays Terminating, and is not replaced', async () => {
    const node = podNamed(run, 'web-1')!.spec!.nodeName!;
    stopKubelet(run, node);
    await run.kubectl('delete', 'pod', 'web-1', '--wait=false');
    await until('web-1 terminating', () => podNamed(run, 'web-1')?.metadata?.deletionTimestamp);
    // Let simulated time run well past the grace period: nothing finalises the pod.
    const deleted = run.sim.clock.now().getTime();
    await until('two grace periods', () => run.sim.clock.now().getTime() - deleted > 60_000);
    expect(podNamed(run, 'web-1')?.metadata?.deletionTimestamp).toBeDefined();

    const finding = find(await run.diagnose('web'), 'PodStuckTerminatingOnLostNode');
    expect(finding.ordinals).toEqual([1]);
    expect(finding.evidence.join('\n')).toContain(`node ${node}: Ready=Unknown (NodeStatusUnknown)`);
    expect(finding.advice).toContain(`confirm ${node} is really down`);
    expect(finding.advice).toContain(`\`kubectl delete node ${node}\``);
    expect(finding.advice).toContain('`kubectl delete pod web-1 -n diag --force --grace-period=0`');

    // Take the advice: the node is gone for good, so delete its Node object and the pod.
    const uid = podNamed(run, 'web-1')?.metadata?.uid;
    await run.kubectl('delete', 'node', node, '--wait=false');
    await run.kubectl('delete', 'pod', 'web-1', '--force', '--grace-period=0');
    await until('web-1 recreated', () => {
      const pod = podNamed(run, 'web-1');
      return pod && pod.metadata?.uid !== uid && !pod.metadata?.deletionTimestamp;
    });
  });

  it('the replacement cannot be scheduled: its local volume is pinned to the deleted node', async () => {
    const findings = await until('web-1 diagnosed', async () => {
      const found = await run.diagnose('web');
      return found.some((d) => d.code === 'VolumeNodeAffinityConflict') && found;
    });
    const conflict = find(findings, 'VolumeNodeAffinityConflict');
    expect(conflict.ordinals).toEqual([1]);
    expect(conflict.evidence.join('\n')).toContain('volume node affinity conflict');
    expect(conflict.advice).toContain('`kubectl delete pvc data-web-1 -n diag`');
  });
});

/** What a kubelet that stops posting status leaves behind: the node's conditions turn Unknown. */
function stopKubelet(run: ScenarioRun, node: string): void {
  const now = run.sim.clock
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  run.sim.store.mutate<Node>('nodes', undefined, node, (draft) => {
    for (const condition of draft.status?.conditions ?? []) {
      condition.status = 'Unknown';
      condition.reason = 'NodeStatusUnknown';
      condition.message = 'Kubelet stopped posting node status.';
      condition.lastTransitionTime = now;
    }
  });
}

describe('the seed example (todo-db scenario, kiamol manifests)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('todo-db', 'default');
  });
  afterAll(() => run.stop());

  it('a healthy set reports nothing, and the gate passes at once', async () => {
    await until('todo-db ready', () => readyCount(run.set('todo-db')) === run.set('todo-db').spec?.replicas);
    expect(await run.diagnose('todo-db')).toEqual([]);
    expect((await gate(run, 'todo-db')).outcome).toBe('complete');
  });
});
