// The stuck and degraded states of issue 14, each built on the simulator with real kubectl and
// read by the built plugin as a user runs it (bin/run.js → dist/, so `npm run build` first, as
// `npm test` does): the finding, HEALTH/--problems agreeing, and --wait ending stuck (exit 12).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import { startSimCluster, type SimCluster } from '../sim/index.ts';
import { runCli } from '../commands/run-cli.ts';

const run = promisify(execFile);

const set = (
  name: string,
  options: { replicas: number; policy?: string; extra?: string; image?: string },
) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {clusterIP: None, selector: {app: ${name}}, ports: [{name: http, port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${name}
  replicas: ${options.replicas}
  podManagementPolicy: ${options.policy ?? 'OrderedReady'}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${options.extra ?? ''}      containers:
      - name: app
        image: ${options.image ?? 'nginx:1.27'}
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
`;

let sim: SimCluster;
const env = () => ({ KUBECONFIG: sim.kubeconfigPath });
const kubectl = async (...args: string[]) =>
  (await run('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args])).stdout;
const store = {
  set: (name: string) => sim.store.get<StatefulSet>('statefulsets', 'default', name),
  pod: (name: string) => sim.store.get<Pod>('pods', 'default', name),
};
async function until(what: string, probe: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const ready = (name: string) => () => {
  const s = store.set(name);
  return s !== undefined && s.status?.readyReplicas === s.spec?.replicas;
};
const json = async (args: string[]) => {
  const result = await runCli([...args, '-o', 'json'], env());
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as {
    diagnostics: { code: string; severity: string; message: string; advice: string; blocking?: boolean }[];
  };
};

beforeAll(async () => {
  sim = await startSimCluster({
    speed: 20,
    manifests:
      set('vault', { replicas: 2, policy: 'Parallel', extra: '      nodeSelector: {disktype: nvme}\n' }) +
      set('db', { replicas: 2 }) +
      set('cache', { replicas: 4 }) +
      set('web', { replicas: 2 }),
  });
  await until('db, cache and web Ready', () => ready('db')() && ready('cache')() && ready('web')(), 60_000);
}, 90_000);
afterAll(() => sim?.stop());

describe('issue 14 states through the built plugin', () => {
  it("Parallel, nodeSelector no node matches: PodUnschedulable with the scheduler's words; --wait is stuck (12)", async () => {
    await until('vault pods unschedulable', () =>
      [0, 1].every((o) =>
        store.pod(`vault-${o}`)?.status?.conditions?.some((c) => c.reason === 'Unschedulable'),
      ),
    );
    const report = await json(['status', 'vault']);
    const finding = report.diagnostics.find((d) => d.code === 'PodUnschedulable');
    expect(finding?.message).toMatch(
      /^vault-0, vault-1 cannot be scheduled: 0\/3 nodes are available: 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 node\(s\) didn't match Pod's node affinity\/selector\. preemption: /,
    );
    expect(report.diagnostics.map((d) => d.code)).not.toContain('ClaimWaitingForFirstConsumer');
    const gate = await runCli(
      ['status', 'vault', '--wait', '--stuck-after', '2s', '--timeout', '60s'],
      env(),
    );
    expect(gate.code).toBe(ExitCode.ROLLOUT_STUCK);
    expect(gate.stderr).toMatch(
      /^error: rollout of statefulset\/vault in default is stuck: PodUnschedulable: /m,
    );
  });

  it('a claim deleted while its pod runs: an error, listed by --problems, and --wait does not pass it', async () => {
    await kubectl('delete', 'pvc', 'data-db-1', '--wait=false');
    await until('data-db-1 Terminating', () =>
      Boolean(sim.store.get('persistentvolumeclaims', 'default', 'data-db-1')),
    );
    const report = await json(['status', 'db']);
    const finding = report.diagnostics.find((d) => d.code === 'ClaimDeletedWhileInUse');
    expect(finding).toMatchObject({ severity: 'error', blocking: true });
    expect(finding?.message).toContain('the next restart of pod db-1 loses this claim');
    expect(finding?.advice).toContain('persistentVolumeReclaimPolicy');
    const problems = await runCli(['status', '--problems', '--no-headers'], env());
    expect(problems.stdout).toMatch(
      /^db\s+2\/2\s+2\/2\s+current\s+2\/2 Bound\s+Degraded\s+claim data-db-1 has been deleted while in use/m,
    );
    const gate = await runCli(['status', 'db', '--wait', '--stuck-after', '2s', '--timeout', '60s'], env());
    expect(gate.code).toBe(ExitCode.ROLLOUT_STUCK);
    expect(gate.stderr).toContain('ClaimDeletedWhileInUse');
  });

  it('a routine scale-down keeps claims: Healthy, not a problem, "+2 retained", no Missing rows', async () => {
    await kubectl('scale', 'statefulset/cache', '--replicas=2');
    await until('cache scaled down', () => !store.pod('cache-2') && !store.pod('cache-3'));
    const list = await runCli(['status', '--no-headers'], env());
    expect(list.stdout).toMatch(/^cache\s+2\/2\s+2\/2\s+current\s+2\/2 Bound \+2 retained\s+Healthy\s+-$/m);
    const problems = await runCli(['status', '--problems', '--no-headers'], env());
    expect(problems.stdout).not.toMatch(/^cache/m);
    const table = await runCli(['status', 'cache'], env());
    expect(table.stdout).not.toMatch(/^cache-[23]\s/m);
    expect(table.stdout).toContain(
      'Retained claims (whenScaled: Retain): 2 claim(s) kept for ordinals 2-3, 2Gi in all',
    );
    expect(table.stdout).toContain('A scale-up to 4 replicas re-attaches them, data and all');
    expect(table.stdout).toContain('Diagnostics: none');
  });

  it('an image tag the registry does not have: ImagePullFailed quoting it, then the delete', async () => {
    await kubectl('set', 'image', 'statefulset/web', 'app=nginx:1.27.99-typo');
    await until('web-1 in image pull back-off', () =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(
        store.pod('web-1')?.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
      ),
    );
    const report = await json(['status', 'web']);
    const finding = report.diagnostics.find((d) => d.code === 'ImagePullFailed');
    expect(finding?.message).toContain(
      'web-1 cannot start: the image "nginx:1.27.99-typo" of container app cannot be pulled',
    );
    expect(finding?.advice).toContain('`kubectl delete pod web-1 -n default`');
  });

  it('dns --probe with no running pod says so, not "can-i create pods/exec"', async () => {
    const result = await runCli(['dns', 'vault', '--probe', '-o', 'json'], env());
    const report = JSON.parse(result.stdout) as {
      diagnostics: { code: string; evidence: string[]; advice: string }[];
    };
    const finding = report.diagnostics.find((d) => d.code === 'ProbeNoRunningPod');
    expect(finding?.evidence[0]).toMatch(/^vault-0: not scheduled \(Unschedulable: 0\/3 nodes are available/);
    expect(report.diagnostics.map((d) => d.code)).not.toContain('ProbeFailed');
    expect(finding?.advice).not.toContain('can-i');
  });
});
