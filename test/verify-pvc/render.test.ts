import { afterEach, describe, expect, it } from 'vitest';
import type { VerifyEvent, VerifyReport } from '../../src/flows/verify-pvc.ts';
import { eventLine, formatMs, renderPlan, renderVerifyReport } from '../../src/render/verify-pvc.ts';
import { FakeCluster } from './fake-cluster.ts';
import type { FakeOptions } from './fake-cluster.ts';
import { runAgainst } from './harness.ts';

// eslint-disable-next-line no-control-regex -- matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const plain = { color: false, noHeaders: false, wide: false };
const coloured = { color: true, noHeaders: false, wide: false };

const clusters: FakeCluster[] = [];
afterEach(() => {
  for (const fake of clusters.splice(0)) fake.close();
});

async function reportFor(
  options: FakeOptions,
  flow: Parameters<typeof runAgainst>[1] = {},
): Promise<{ report: VerifyReport; events: VerifyEvent[] }> {
  const fake = new FakeCluster(options);
  clusters.push(fake);
  const { report, events } = await runAgainst(fake, flow);
  return { report: report!, events };
}

describe('formatMs', () => {
  it('is formatDuration, with - for a step that did not happen', () => {
    expect([null, 850, 3_240].map(formatMs)).toEqual(['-', '850ms', '3.2s']);
  });
});

describe('the plan', () => {
  it('names where it acts: cluster, set, pod, node, each claim with its volume and mount', async () => {
    const { report } = await reportFor({}, { dryRun: true, context: 'prod-eu' });
    const text = renderPlan(report.plan, plain);
    expect(text).toMatch(/^verify-pvc plan \(dry run: nothing will be done\):$/m);
    expect(text).toContain('  cluster:     context prod-eu, server https://fake.invalid\n');
    expect(text).toContain('  StatefulSet: default/web, 2 replicas\n');
    expect(text).toMatch(/^ {2}web-1 \(ordinal 1\) on node node-1$/m);
    expect(text).toMatch(/^ {4}pod uid: +pod-\d+$/m);
    expect(text).toMatch(/^ {4}claim data-web-1 → volume pv-pvc-\d+$/m);
    expect(text).toContain('      volume:      Bound, reclaim policy Delete\n');
    expect(text).toContain('      mounted at:  /data in container main\n');
    expect(text).toContain('    while away:    1 of 2 replicas stays Ready (web-0)\n');
    expect(text).toContain('    budgets:       no PodDisruptionBudget covers it\n');
    expect(text).toContain('    can return to: node node-1 (the only one it can run on now)\n');
    expect(text).toContain('evict the pod with the Eviction API (PodDisruptionBudgets respected)');
    expect(text).toContain('no PersistentVolumeClaim or PersistentVolume is deleted');
  });

  it('names each budget with what it allows now, and the settle period of --all', async () => {
    const budget = {
      metadata: { name: 'web-pdb', namespace: 'default', generation: 1 },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
      status: {
        observedGeneration: 1,
        disruptionsAllowed: 1,
        currentHealthy: 3,
        desiredHealthy: 2,
        expectedPods: 3,
      },
    };
    const { report } = await reportFor(
      { replicas: 3, budgets: [budget] },
      { dryRun: true, all: true, settleMs: 12_000 },
    );
    const text = renderPlan(report.plan, plain);
    expect(text).toContain(
      '    budgets:       PodDisruptionBudget web-pdb (maxUnavailable: 1): 1 disruption allowed now\n',
    );
    expect(text).toContain('  pods:        web-2, then web-1, then web-0 (one at a time)\n');
    expect(text).toContain('    6. before the next pod: wait until every pod has been Ready for 12s,');
  });

  it('fits 80 columns for ordinary names', async () => {
    const { report } = await reportFor(
      { templates: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] },
      {
        dryRun: true,
        context: 'kind-kind',
      },
    );
    report.plan.server = 'https://127.0.0.1:6443';
    for (const pod of report.plan.pods) {
      pod.podUid = '2ec5ba4f-06ee-40fd-878d-f54bd6e9630d';
      for (const claim of pod.claims) claim.volume = 'pvc-f7ee43ce-7dfd-45a5-a14f-3ba4561f9d6c';
    }
    for (const removal of ['eviction', 'delete'] as const) {
      const text = renderPlan({ ...report.plan, removal }, plain);
      const long = text.split('\n').filter((line) => line.length > 80 && !line.startsWith('warning: '));
      expect(long).toEqual([]);
    }
  });

  it('says plainly that --force-delete bypasses budgets, and warns about a volume that is not the claim', async () => {
    const { report } = await reportFor({ emptyDirFor: ['data'] }, { dryRun: true, forceDelete: true });
    const text = renderPlan(report.plan, plain);
    expect(text).toContain('DELETE the pod (uid precondition): --force-delete, budgets NOT consulted');
    expect(text).toContain('warning: pod volume "data" is a emptyDir, not the claim data-web-1; expect FAIL');
  });

  it('says what --allow-degraded lets happen', async () => {
    const { report } = await reportFor(
      { replicas: 3, notReady: [2] },
      { dryRun: true, allowDegraded: true, ordinal: 1 },
    );
    const text = renderPlan(report.plan, plain);
    expect(text).toContain(
      '    while away:    1 of 3 replicas stays Ready (web-0) -- FEWER THAN THE SET EXPECTS',
    );
    expect(text).toMatch(
      /^warning: --allow-degraded: removing web-1 would leave 1 of 3 replicas Ready, fewer than 2: web-2 is Running but not Ready\. While web-1 is away only 1 replica\(s\) serve, a quorum-based database may stop accepting writes/m,
    );
  });

  it('shows subPath next to the mount path', async () => {
    const { report } = await reportFor(
      { templates: [{ name: 'data', mountPath: '/var/lib/db', subPath: 'pgdata' }] },
      { dryRun: true },
    );
    expect(renderPlan(report.plan, plain)).toContain(
      'mounted at:  /var/lib/db (subPath pgdata) in container main',
    );
  });
});

describe('the report', () => {
  it('shows PASS per claim with same uid/volume, the marker, timings and cleanup', async () => {
    const { report } = await reportFor({});
    const text = renderVerifyReport(report, plain);
    expect(text).toMatch(
      /^web-1 \(ordinal 1\): PASS; re-created \S+ and Ready \S+ after eviction, \S+ in all$/m,
    );
    expect(text).toMatch(/^ {2}CLAIM +RESULT +PVC UID +VOLUME +MARKER$/m);
    expect(text).toMatch(/^ {2}data-web-1 +PASS +pvc-\d+ \(same\) +pv-pvc-\d+ \(same\) +survived$/m);
    expect(text).toMatch(/^ {4}marker removed: \/data\/\.kubectl-sts-verify-pvc-test\d+$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('RESULT: PASS');
  });

  it('shows what changed when the claim was replaced, and where the left marker is', async () => {
    const { report } = await reportFor({ onPodGone: (c) => c.replaceClaim('data-web-1') });
    const text = renderVerifyReport(report, { ...plain, wide: true });
    expect(text).toMatch(
      /data-web-1 +FAIL +pvc-\d+ → pvc-\d+ \(CHANGED\) +pv-pvc-\d+ → pv-pvc-\d+ \(CHANGED\) +LOST +main +\/data\//,
    );
    expect(text).toMatch(/- PVC uid pvc-\d+ → pvc-\d+ \(CHANGED: the claim was replaced\)/);
    expect(text).toMatch(
      /marker NOT removed: \/data\/\.kubectl-sts-verify-pvc-test\d+ in container main of web-1 \(the claim now refers to another volume.*\); PersistentVolume pv-pvc-\d+ \(claim data-web-1\) at \/\.kubectl-sts-verify-pvc-test\d+$/m,
    );
    // The claim that held the record is gone: only the way through the pod is offered.
    expect(text).toMatch(
      /^ {6}remove it with:\n {8}kubectl exec web-1 -n default -c main -- rm \/data\/\.kubectl-sts-verify-pvc-test\d+$/m,
    );
    expect(text).toMatch(
      /^RESULT: FAIL \(persistence check failed for data-web-1: the claim was replaced\)$/m,
    );
  });

  it('says a dry run did nothing', async () => {
    const { report } = await reportFor({}, { dryRun: true });
    expect(renderVerifyReport(report, plain)).toBe(
      'dry run: stopped after the plan; nothing was written or deleted\n',
    );
  });

  it('uses colour only to repeat what the words say', async () => {
    const { report } = await reportFor({ emptyDirFor: ['data'] });
    const withColour = renderVerifyReport(report, coloured);
    expect(withColour).toMatch(ANSI);
    expect(withColour.replace(ANSI, '')).toBe(renderVerifyReport(report, plain));
    expect(renderVerifyReport(report, plain)).not.toMatch(ANSI);
  });

  it('lists the pods --all did not reach after a failure', async () => {
    const { report } = await reportFor({ replicas: 3, pdbBlocks: true }, { all: true });
    const text = renderVerifyReport(report, plain);
    expect(text).toContain('not verified (stopped after web-2): web-1, web-0');
    expect(text).toMatch(/^RESULT: ABORTED \(eviction of pod web-2 refused by its PodDisruptionBudget: /m);
  });
});

describe('progress lines', () => {
  it('describe every event of a run in words, one line each', async () => {
    const { events } = await reportFor({});
    const lines = events.map((event) => eventLine(event));
    for (const [index, line] of lines.entries()) {
      if (events[index]!.type === 'plan') expect(line).toBeUndefined();
      else expect(line).toMatch(/^\S.*\S$/);
    }
    expect(lines).toContain('web-1: old pod gone');
    expect(lines.some((line) => /^web-1: evicted \(uid pod-\d+\)$/.test(line ?? ''))).toBe(true);
    expect(lines.some((line) => /^web-1: re-created \(uid pod-\d+\)$/.test(line ?? ''))).toBe(true);
    expect(lines).toContain('web-1: Ready');
    expect(lines).toContain('web-1: data-web-1 PASS');
  });

  it('says a forced delete bypassed budgets', () => {
    const line = eventLine({ type: 'pod-removed', pod: 'web-1', uid: 'u1', how: 'delete', at: new Date() });
    expect(line).toBe('web-1: deleted with --force-delete (uid u1; PodDisruptionBudgets were not consulted)');
  });
});
