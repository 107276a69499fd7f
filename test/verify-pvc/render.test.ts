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
  it('says eviction respects PodDisruptionBudgets and lists each claim with its mount', async () => {
    const { report } = await reportFor({}, { dryRun: true });
    const text = renderPlan(report.plan, plain);
    expect(text).toMatch(/^verify-pvc plan for StatefulSet web in namespace default \(dry run/);
    expect(text).toContain('evict it through the Eviction API (PodDisruptionBudgets are respected)');
    expect(text).toContain('no PersistentVolumeClaim or PersistentVolume is ever deleted or changed.');
    expect(text).toMatch(/^POD +UID +CLAIM +VOLUME +CONTAINER +MARKER DIRECTORY$/m);
    expect(text).toMatch(/^web-1 +pod-\d+ +data-web-1 +pv-pvc-\d+ +main +\/data$/m);
  });

  it('says plainly that --force-delete bypasses budgets, and warns about a volume that is not the claim', async () => {
    const { report } = await reportFor({ emptyDirFor: ['data'] }, { dryRun: true, forceDelete: true });
    const text = renderPlan(report.plan, plain);
    expect(text).toContain(
      'DELETE it with a uid precondition (--force-delete: PodDisruptionBudgets are NOT consulted)',
    );
    expect(text).toContain('warning: pod volume "data" is a emptyDir, not the claim data-web-1; expect FAIL');
  });

  it('shows subPath next to the marker directory', async () => {
    const { report } = await reportFor(
      { templates: [{ name: 'data', mountPath: '/var/lib/db', subPath: 'pgdata' }] },
      { dryRun: true },
    );
    expect(renderPlan(report.plan, plain)).toMatch(/\/var\/lib\/db \(subPath pgdata\)$/m);
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
      /marker NOT removed: PersistentVolume pv-pvc-\d+ \(claim data-web-1\) at \/\.kubectl-sts-verify-pvc-test\d+ \(the claim now refers to another volume/,
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
    expect(text).toMatch(/^RESULT: ABORTED \(eviction of pod web-2 refused: /m);
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
