// The rules the first scenario file left to hand-built tables, now against the real condition on
// the simulated cluster (test/sim/scenarios/diag-workload.yaml, diag-storage-2.yaml). Real kubectl
// makes the changes; findings are read the way `kubectl sts status NAME -o json` reads them — the
// plugin itself in a child process where the finding does not depend on elapsed time, and the same
// collector in-process on the simulated clock where it does (a stuck pod needs minutes to pass).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRollout } from '../../src/flows/rollout-gate.ts';
import type { Diagnostic } from '../../src/report/snapshot.ts';
import { groupObjects, parseDump, snapshotFromDump } from '../../src/collect/offline.ts';
import type { PersistentVolume, PersistentVolumeClaim } from '../../src/kube/types.ts';
import { diagnose } from '../../src/report/diagnostics/index.ts';
import { controllersFor } from '../sim/controllers/index.ts';
import { installStorageFailures, type StorageFailures } from '../sim/controllers/storage-failures.ts';
import {
  podNamed,
  readyCount,
  startScenario,
  until,
  waitingReason,
  type ScenarioRun,
} from './sim-helpers.ts';

const exec = promisify(execFile);
const devBin = fileURLToPath(new URL('../../bin/dev.js', import.meta.url));

function find(findings: Diagnostic[], code: string): Diagnostic {
  const finding = findings.find((d) => d.code === code);
  expect(finding, `${code} not among: ${findings.map((d) => d.code).join(', ')}`).toBeDefined();
  return finding!;
}

/** `kubectl sts status NAME -o json` run as a user runs it; returns its diagnostics[]. */
async function statusDiagnostics(run: ScenarioRun, name: string): Promise<Diagnostic[]> {
  const { stdout } = await exec(
    process.execPath,
    [devBin, 'status', name, '-n', run.namespace, '--kubeconfig', run.sim.kubeconfigPath, '-o', 'json'],
    { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  // The scenarios serve simulated time (startScenario), ahead of the wall clock the command reads
  // by: it rightly notes the skew, which is not what these tests are about.
  return (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter(
    (d) => d.code !== 'ClockSkew',
  );
}

describe('workload (diag-workload)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-workload');
    for (const name of ['web', 'worker', 'nameless']) {
      await until(`${name} ready`, () => readyCount(run.set(name)) === run.set(name).spec?.replicas);
    }
  });
  afterAll(() => run.stop());

  it('healthy sets report nothing, through the real command', async () => {
    expect(await statusDiagnostics(run, 'web')).toEqual([]);
    expect(await statusDiagnostics(run, 'worker')).toEqual([]);
  });

  it('a set without spec.serviceName: ServiceNameUnset, set-wide, with the re-create advice', async () => {
    const findings = await statusDiagnostics(run, 'nameless');
    expect(findings.map((d) => d.code)).toEqual(['ServiceNameUnset']);
    const [finding] = findings;
    expect(finding!.severity).toBe('warning');
    expect(finding!.ordinals).toEqual([]);
    expect(finding!.advice).toContain('`kubectl delete statefulset nameless --cascade=orphan -n diag`');
  });

  it('Parallel: a crash-looping pod is PodFailing (no forced-rollback trap), with the logs command', async () => {
    await run.kubectl('annotate', 'pod', 'worker-1', 'sim.kubectl-sts.dev/crash=true');
    await until(
      'worker-1 crash looping',
      () => waitingReason(podNamed(run, 'worker-1')) === 'CrashLoopBackOff',
    );
    // Between back-offs the container runs for a moment and the pod looks healthy; read again then.
    const findings = await until('PodFailing reported', async () => {
      const found = await statusDiagnostics(run, 'worker');
      return found.some((d) => d.code === 'PodFailing') && found;
    });
    expect(findings.map((d) => d.code)).not.toContain('ForcedRollbackTrap');
    const failing = find(findings, 'PodFailing');
    expect(failing.ordinals).toEqual([1]);
    expect(failing.message).toMatch(
      /container app is (CrashLoopBackOff|crash looping \(\d+ restarts, last exit code 1\))/,
    );
    expect(failing.blocking).toBe(true);
    expect(failing.advice).toContain('`kubectl logs worker-1 -n diag --previous`');
    // Between back-offs the container runs for a moment (Ready: no readiness probe) or has just
    // exited; it is crash looping all the same. Read it again and again across several back-offs.
    await until(
      'two restarts',
      () => (podNamed(run, 'worker-1')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    const states = new Set<string>();
    const readFrom = run.sim.clock.now().getTime();
    while (run.sim.clock.now().getTime() - readFrom < 60_000) {
      const state = podNamed(run, 'worker-1')?.status?.containerStatuses?.[0]?.state ?? {};
      states.add(Object.keys(state).join());
      const codes = (await run.diagnose('worker')).map((d) => d.code);
      expect(codes).toContain('PodFailing');
    }
    expect([...states]).toContain('running');
    await run.kubectl('annotate', 'pod', 'worker-1', 'sim.kubectl-sts.dev/crash-');
  });

  // An evaluation that lands while the crash-looping container runs between back-offs (Ready, no
  // readiness probe) looks complete, but the same evaluation holds a blocking PodFailing: it vetoes
  // 'complete' (exit 0) and the gate ends stuck.
  it('the --wait gate does not pass a set whose pod is crash looping between back-offs', async () => {
    // worker-1 recovers at its next restart after the previous case; start from a healthy set.
    await until('worker healthy', async () => (await run.diagnose('worker')).length === 0);
    await run.kubectl('annotate', 'pod', 'worker-0', 'sim.kubectl-sts.dev/crash=true');
    await until(
      'two restarts',
      () => (podNamed(run, 'worker-0')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    const gated = await waitForRollout({
      gateway: run.connection.gateway,
      namespace: run.namespace,
      name: 'worker',
      collect: () => run.snapshot('worker'),
      clock: { now: () => run.sim.clock.now(), setTimeout: (fn, ms) => run.sim.clock.setTimeout(fn, ms) },
      timeoutMs: 5 * 60_000,
      stuckAfterMs: 30_000,
      resyncMs: 5_000,
    });
    await run.kubectl('annotate', 'pod', 'worker-0', 'sim.kubectl-sts.dev/crash-');
    expect(gated.outcome).toBe('stuck');
    expect(gated.evaluation!.blocking.map((b) => [b.diagnostic.code, b.diagnostic.ordinals])).toEqual([
      ['PodFailing', [0]],
    ]);
  });

  // The simulated kubelet stops the containers and makes its grace-0 delete; the finalizer keeps
  // the pod object Terminating until it is removed, then the store deletes it, as the API server does.
  it('a deleted pod held by a finalizer on a Ready node: PodStuckTerminating once well past its grace period', async () => {
    await run.kubectl('patch', 'pod', 'web-2', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}');
    await run.kubectl('delete', 'pod', 'web-2', '--wait=false');
    const deleted = run.sim.clock.now().getTime();
    // Within the grace period + 2 minutes nothing is reported: terminating is normal.
    await until('web-2 terminating', () => podNamed(run, 'web-2')?.metadata?.deletionTimestamp);
    expect((await run.diagnose('web')).map((d) => d.code)).not.toContain('PodStuckTerminating');
    await until('grace period + 2 minutes', () => run.sim.clock.now().getTime() - deleted > 135_000);
    expect(podNamed(run, 'web-2')?.metadata?.deletionTimestamp).toBeDefined();

    const findings = await run.diagnose('web');
    const stuck = find(findings, 'PodStuckTerminating');
    expect(stuck.ordinals).toEqual([2]);
    expect(stuck.evidence).toContain('finalizers: example.com/hold');
    expect(stuck.evidence.join('\n')).toMatch(/node sim-worker\d*: Ready=True/);
    expect(stuck.advice).toContain("the pod's finalizers (`kubectl get pod web-2 -n diag -o yaml`)");
    expect(findings.map((d) => d.code)).not.toContain('PodStuckTerminatingOnLostNode');

    await run.kubectl(
      'patch',
      'pod',
      'web-2',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    );
    await until('web-2 recreated and ready', () => {
      const pod = podNamed(run, 'web-2');
      return pod && !pod.metadata?.deletionTimestamp && readyCount(run.set('web')) === 3;
    });
  });

  it('a node whose kubelet stops reporting: PodOnNotReadyNode for exactly the pods on it', async () => {
    const node = podNamed(run, 'web-1')!.spec!.nodeName!;
    controllersFor(run.sim.store)!.setNodeReady(node, false);
    const onNode = run
      .pods()
      .filter((p) => p.metadata?.labels?.app === 'web' && p.spec?.nodeName === node)
      .map((p) => Number(p.metadata!.name!.split('-').pop()))
      .sort((a, b) => a - b);
    const findings = await statusDiagnostics(run, 'web');
    const notReady = findings.filter((d) => d.code === 'PodOnNotReadyNode');
    expect(notReady.flatMap((d) => d.ordinals)).toEqual(onNode);
    const web1 = notReady.find((d) => d.ordinals.includes(1))!;
    expect(web1.message).toContain(`web-1 runs on node ${node}, which is not Ready`);
    expect(web1.evidence[0]).toMatch(new RegExp(`^node ${node}: Ready=Unknown`));
    expect(web1.advice).toBe(`check the node: \`kubectl describe node ${node}\``);
    controllersFor(run.sim.store)!.setNodeReady(node, true);
    await until('web ready again', async () => (await run.diagnose('web')).length === 0);
  });

  it('OrderedReady: a crash-looping revision reverted is a forced-rollback trap at every read, and stuck for the gate', async () => {
    const good = run.set('web').status?.updateRevision;
    await run.kubectl(
      'patch',
      'statefulset',
      'web',
      '--type',
      'merge',
      '-p',
      '{"spec":{"template":{"metadata":{"annotations":{"sim.kubectl-sts.dev/crash":"true"}}}}}',
    );
    await until(
      'web-2 crash looping',
      () => (podNamed(run, 'web-2')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
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
    // Across back-offs (the container runs, exits, waits) the trap on web-2 never drops out.
    const readFrom = run.sim.clock.now().getTime();
    while (run.sim.clock.now().getTime() - readFrom < 60_000) {
      const trap = (await run.diagnose('web')).find(
        (d) => d.code === 'ForcedRollbackTrap' && d.ordinals[0] === 2,
      );
      const state = Object.keys(podNamed(run, 'web-2')?.status?.containerStatuses?.[0]?.state ?? {});
      expect(trap, `ForcedRollbackTrap on web-2 while its container is ${state.join()}`).toBeDefined();
      expect(trap?.message).toContain(`not the update revision ${good}`);
      expect(trap?.advice).toContain('`kubectl delete pod web-2 -n diag`');
    }
    const gated = await waitForRollout({
      gateway: run.connection.gateway,
      namespace: run.namespace,
      name: 'web',
      collect: () => run.snapshot('web'),
      clock: { now: () => run.sim.clock.now(), setTimeout: (fn, ms) => run.sim.clock.setTimeout(fn, ms) },
      timeoutMs: 5 * 60_000,
      stuckAfterMs: 30_000,
      resyncMs: 5_000,
    });
    expect(gated.outcome).toBe('stuck');
    expect(gated.evaluation!.blocking.map((b) => b.diagnostic.code)).toContain('ForcedRollbackTrap');
  });

  it('a controller that is not running while the spec changes: GenerationNotObserved', async () => {
    controllersFor(run.sim.store)!.stop();
    await run.kubectl('scale', 'statefulset/worker', '--replicas=3');
    const set = run.set('worker');
    expect(set.metadata?.generation).toBeGreaterThan(set.status?.observedGeneration ?? 0);
    const findings = await statusDiagnostics(run, 'worker');
    const finding = find(findings, 'GenerationNotObserved');
    expect(finding.ordinals).toEqual([]);
    expect(finding.message).toContain(
      `generation ${set.metadata?.generation}, observedGeneration ${set.status?.observedGeneration}`,
    );
  });
});

describe('storage after the fact (diag-storage-2)', () => {
  let run: ScenarioRun;
  let failures: StorageFailures;
  beforeAll(async () => {
    run = await startScenario('diag-storage-2');
    failures = installStorageFailures(run.sim.store, run.sim.clock);
  });
  afterAll(async () => {
    failures.stop();
    await run.stop();
  });

  const claim = (name: string) =>
    run.sim.store.get<PersistentVolumeClaim>('persistentvolumeclaims', 'diag', name);
  const volumeClaimedBy = (name: string) =>
    run.sim.store
      .list<PersistentVolume>('persistentvolumes')
      .find((v) => v.spec?.claimRef?.name === name && v.spec.claimRef.namespace === 'diag');

  it('healthy sets with claims report nothing', async () => {
    for (const name of ['lost', 'cache', 'vault']) {
      await until(`${name} ready`, () => readyCount(run.set(name)) === run.set(name).spec?.replicas);
      expect(await statusDiagnostics(run, name)).toEqual([]);
    }
  });

  it('a provisioner that refuses to create the volume: ClaimProvisioningFailed quoting its error', async () => {
    const findings = await until('quota diagnosed', async () => {
      const found = await statusDiagnostics(run, 'quota');
      return found.some((d) => d.code === 'ClaimProvisioningFailed') && found;
    });
    const failed = find(findings, 'ClaimProvisioningFailed');
    expect(failed.ordinals).toEqual([0]);
    expect(failed.message).toBe(
      'claim data-quota-0 is Pending: the provisioner failing.csi.sim.kubectl-sts.dev failed to create a volume: failed to provision volume with StorageClass "quota": rpc error: code = ResourceExhausted desc = disk quota exceeded: 0 of 100Gi left in project shop',
    );
    expect(failed.evidence.join('\n')).toMatch(
      /event Warning ProvisioningFailed on persistentvolumeclaim\/data-quota-0/i,
    );
    expect(failed.advice).toContain('`kubectl describe pvc data-quota-0 -n diag`');
    expect(failed.blocking).toBe(true);
    expect(findings.map((d) => d.code)).not.toContain('ClaimProvisionerNotResponding');
    expect(find(findings, 'OrderedReadyBlocked').ordinals).toEqual([0, 1]);
  });

  it('storageClassName "" with no pre-created volume: ClaimPending, asking for a volume without class', async () => {
    const findings = await until('bare diagnosed', async () => {
      const found = await statusDiagnostics(run, 'bare');
      return found.some((d) => d.code === 'ClaimPending') && found;
    });
    const pending = find(findings, 'ClaimPending');
    expect(pending.ordinals).toEqual([0]);
    expect(pending.severity).toBe('error');
    expect(pending.message).toContain('storageClassName "" asks for a pre-created volume without class');
    expect(pending.evidence).toContain('storageClassName: "" (no class)');
    expect(pending.advice).toContain('create a PersistentVolume without storageClassName');
    expect(findings.map((d) => d.code)).not.toContain('ClaimNoStorageClass');
  });

  it('a bound volume deleted from under its claim: ClaimLost with the recovery commands', async () => {
    const volume = claim('data-lost-0')!.spec!.volumeName!;
    await run.kubectl('delete', 'pv', volume, '--wait=false');
    // pv-protection holds a volume in use; an administrator forcing it removes the finalizer
    // (`kubectl patch pv … remove /metadata/finalizers`). The simulated API server re-adds
    // protection finalizers on every update (real admission adds them on create only), so the
    // test removes the object as the API server then would.
    run.sim.store.purge('persistentvolumes', undefined, volume);
    await until('data-lost-0 Lost', () => claim('data-lost-0')?.status?.phase === 'Lost');
    const lost = find(await statusDiagnostics(run, 'lost'), 'ClaimLost');
    expect(lost.ordinals).toEqual([0]);
    expect(lost.message).toBe(
      `claim data-lost-0 is Lost: its volume ${volume} no longer exists; the data is gone`,
    );
    expect(lost.evidence.join('\n')).toContain('ClaimLost');
    expect(lost.advice).toContain(
      '`kubectl delete pvc data-lost-0 -n diag` then `kubectl delete pod lost-0 -n diag`',
    );
  });

  it('a scale-down with whenScaled: Delete on a Retain class leaves the volume Released, shown live', async () => {
    const volume = volumeClaimedBy('data-cache-1')!.metadata!.name!;
    await run.kubectl('scale', 'statefulset/cache', '--replicas=1');
    await until('data-cache-1 deleted', () => !claim('data-cache-1'));
    await until('its volume Released', () => volumeClaimedBy('data-cache-1')?.status?.phase === 'Released');
    const findings = await statusDiagnostics(run, 'cache');
    const released = find(findings, 'VolumeReleased');
    expect(released.ordinals).toEqual([1]);
    expect(released.message).toContain(`volume ${volume} is Released: claim data-cache-1 was deleted`);
    expect(released.evidence).toContain('reclaimPolicy: Retain');
    expect(released.advice).toContain(
      `\`kubectl patch pv ${volume} --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"}]'\``,
    );
    expect(findings.map((d) => d.code)).not.toContain('LeftoverClaims');
  });

  it('a Recycle local volume whose claim is deleted fails to reclaim: VolumeFailed with the reason', async () => {
    expect(claim('data-vault-0')?.spec?.volumeName).toBe('vault-disk');
    await run.kubectl('scale', 'statefulset/vault', '--replicas=0');
    await until('vault-disk Failed', () => volumeClaimedBy('data-vault-0')?.status?.phase === 'Failed');
    const failed = find(await statusDiagnostics(run, 'vault'), 'VolumeFailed');
    expect(failed.ordinals).toEqual([0]);
    expect(failed.message).toBe(
      'volume vault-disk (formerly claim data-vault-0) is Failed: automatic reclamation did not work',
    );
    expect(failed.evidence[0]).toBe('volume vault-disk: Failed (No recycler plugin found for the volume!)');
    expect(failed.advice).toContain('`kubectl delete pv vault-disk`');
    // The same findings from the dump a support engineer receives (`status -f`).
    const dump = await run.kubectl(
      'get',
      'sts,pods,pvc,pv,svc,endpointslices,events,storageclasses',
      '-o',
      'yaml',
    );
    const grouped = groupObjects(parseDump(dump, 'dump'), ['dump']);
    const offline = (name: string) =>
      diagnose(snapshotFromDump(grouped, name)).map((d) => [d.code, d.ordinals]);
    expect(offline('vault')).toContainEqual(['VolumeFailed', [0]]);
    expect(offline('quota')).toContainEqual(['ClaimProvisioningFailed', [0]]);
    expect(offline('bare')).toContainEqual(['ClaimPending', [0]]);
    expect(offline('lost')).toContainEqual(['ClaimLost', [0]]);
    expect(offline('cache')).toContainEqual(['VolumeReleased', [1]]);
  });
});

describe('governing Service in status diagnostics (diag-identity), through the real command', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-identity');
  });
  afterAll(() => run.stop());

  it('not headless: the cluster IP real kubectl shows, and the replace command', async () => {
    const clusterIP = await run.kubectl('get', 'service', 'api', '-o', 'jsonpath={.spec.clusterIP}');
    const finding = find(await statusDiagnostics(run, 'api'), 'ServiceNotHeadless');
    expect(finding.ordinals).toEqual([]);
    expect(finding.message).toContain(`the governing Service api is not headless (clusterIP ${clusterIP})`);
    expect(finding.advice).toContain('`kubectl get service api -n diag -o yaml > svc.yaml`');
  });

  it('a selector that misses the pods: names the label, advises editing the Service', async () => {
    const finding = find(await statusDiagnostics(run, 'queue'), 'ServiceSelectorMismatch');
    expect(finding.ordinals).toEqual([]);
    expect(finding.message).toContain('app=rabbit not on the pod template');
    expect(finding.advice).toBe(
      'make the Service selector a subset of the pod labels: `kubectl edit service queue -n diag`',
    );
  });

  it('a missing Service: the create command; once created headless with the right selector, nothing', async () => {
    const finding = find(await statusDiagnostics(run, 'ghost'), 'ServiceMissing');
    expect(finding.ordinals).toEqual([]);
    expect(finding.advice).toContain('`kubectl create service clusterip ghost --clusterip=None -n diag`');
    // What that command and a selector edit give (`kubectl create service` sends protobuf, which
    // the simulated API server does not take).
    run.sim.applyManifests(`
apiVersion: v1
kind: Service
metadata: {name: ghost, namespace: diag}
spec:
  clusterIP: None
  selector: {app: ghost}
  ports: [{name: http, port: 80}]
`);
    await until('ghost ready', () => readyCount(run.set('ghost')) === run.set('ghost').spec?.replicas);
    const codes = (await statusDiagnostics(run, 'ghost')).map((d) => d.code);
    expect(codes.filter((c) => c.startsWith('Service'))).toEqual([]);
  });
});
