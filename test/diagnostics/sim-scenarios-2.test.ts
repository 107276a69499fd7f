// The rules the first scenario file left to hand-built tables, now against the real condition on
// the simulated cluster (test/sim/scenarios/diag-workload.yaml, diag-storage-2.yaml). Real kubectl
// makes the changes; findings are read the way `kubectl sts status NAME -o json` reads them — the
// plugin itself in a child process where the finding does not depend on elapsed time, and the same
// collector in-process on the simulated clock where it does (a stuck pod needs minutes to pass).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/report/snapshot.ts';
import { controllersFor } from '../sim/controllers/index.ts';
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
  return (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics;
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
    expect(failing.message).toContain('CrashLoopBackOff');
    expect(failing.blocking).toBe(true);
    expect(failing.advice).toContain('`kubectl logs worker-1 -n diag --previous`');
    await run.kubectl('annotate', 'pod', 'worker-1', 'sim.kubectl-sts.dev/crash-');
  });

  // Skipped until the simulated kubelet honours pod finalizers: after stopping the containers it
  // purges the pod object (test/sim/controllers/kubelet.ts, `store.purge('pods', …)` after the
  // grace-0 delete), where the API server keeps it with deletionTimestamp until they are removed.
  it.skip('a deleted pod held by a finalizer on a Ready node: PodStuckTerminating once well past its grace period', async () => {
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
