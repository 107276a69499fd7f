import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { exitCodeFor } from '../../src/flows/verify-pvc.ts';
import type { VerifyEvent, VerifyPvcOptions } from '../../src/flows/verify-pvc.ts';
import { FakeCluster, apiError } from './fake-cluster.ts';
import type { FakeOptions } from './fake-cluster.ts';
import { runAgainst } from './harness.ts';

const clusters: FakeCluster[] = [];
function cluster(options: FakeOptions = {}): FakeCluster {
  const fake = new FakeCluster(options);
  clusters.push(fake);
  return fake;
}
afterEach(() => {
  for (const fake of clusters.splice(0)) fake.close();
});

const markerFiles = (fake: FakeCluster): string[] =>
  fake.leftovers().filter((entry) => entry.includes('.kubectl-sts-verify-pvc-'));

describe('verify-pvc on a healthy StatefulSet', () => {
  it('passes, evicting only the highest ordinal and leaving no marker behind', async () => {
    const fake = cluster();
    const before = fake.claims.get('data-web-1')!;
    const checkedUid = fake.pods.get('web-1')!.metadata!.uid;
    const { report, events } = await runAgainst(fake);
    expect(report?.result).toBe('PASS');
    expect(report?.pod).toBe('web-1');
    expect(report?.ordinal).toBe(1);
    expect(fake.deletedPods).toEqual(['web-1']);
    // The eviction itself is conditional on the incarnation that pre-flight checked.
    expect(fake.evictions).toEqual([{ name: 'web-1', uid: checkedUid }]);
    expect(fake.calls).toContain('evictPod');
    expect(fake.calls).not.toContain('deletePod');
    const claim = report!.claims[0]!;
    expect(claim).toMatchObject({
      claim: 'data-web-1',
      result: 'PASS',
      uidBefore: before.metadata!.uid,
      uidAfter: before.metadata!.uid,
      volumeBefore: before.spec!.volumeName,
      volumeAfter: before.spec!.volumeName,
      markerSurvived: true,
    });
    expect(report!.runs[0]!.podUidAfter).not.toBe(report!.runs[0]!.podUidBefore);
    expect(report!.timings.recreateMs).not.toBeNull();
    expect(report!.timings.readyMs).toBeGreaterThanOrEqual(report!.timings.recreateMs!);
    expect(report!.cleanup).toEqual([expect.objectContaining({ claim: 'data-web-1', status: 'removed' })]);
    expect(markerFiles(fake)).toEqual([]);
    expect(exitCodeFor(report!.result)).toBe(ExitCode.OK);
    // Cause before effect, even though the watch reports termination before the eviction call returns.
    expect(events.filter((e) => e.type.startsWith('pod-')).map((e) => e.type)).toEqual([
      'pod-removed',
      'pod-terminating',
      'pod-gone',
      'pod-created',
      'pod-ready',
    ]);
    const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual([
      'preflight',
      'confirm',
      'write-markers',
      'remove-pod',
      'wait-gone',
      'wait-created',
      'wait-ready',
      'verify',
      'cleanup',
    ]);
  });

  it('tells events in the order they happened, at times that never go backwards', async () => {
    // The watch sees the pod terminating before the eviction call returns: that is told after
    // the eviction, whose time is when it was sent.
    const fake = cluster({ stepMs: 0 });
    const { events } = await runAgainst(fake);
    const times = events.map((event) => event.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const removed = events.findIndex((e) => e.type === 'pod-removed');
    const terminating = events.findIndex((e) => e.type === 'pod-terminating');
    expect(removed).toBeGreaterThan(-1);
    expect(terminating).toBeGreaterThan(removed);
  });

  it.each([
    ['--ordinal 0', { ordinal: 0 }, 'web-0'],
    ['default (highest)', {}, 'web-2'],
  ])('targets the chosen pod: %s', async (_name, options, pod) => {
    const fake = cluster({ replicas: 3 });
    const { report } = await runAgainst(fake, options);
    expect(report?.result).toBe('PASS');
    expect(fake.deletedPods).toEqual([pod]);
  });

  it('--force-delete deletes with a uid precondition instead of evicting, and says so', async () => {
    const fake = cluster();
    const { report } = await runAgainst(fake, { forceDelete: true });
    expect(report?.result).toBe('PASS');
    expect(report?.plan.removal).toBe('delete');
    expect(report?.runs[0]?.removal).toBe('delete');
    expect(fake.calls).toContain('deletePod');
    expect(fake.calls).not.toContain('evictPod');
  });

  it('checks every claim template and honours subPath mounts', async () => {
    const fake = cluster({
      templates: [
        { name: 'data', mountPath: '/var/lib/postgresql/data', subPath: 'pgdata' },
        { name: 'logs', mountPath: '/logs' },
      ],
    });
    const seen: string[] = [];
    const { report } = await runAgainst(fake, { keepMarker: true });
    expect(report?.result).toBe('PASS');
    expect(report!.claims.map((c) => [c.claim, c.result])).toEqual([
      ['data-web-1', 'PASS'],
      ['logs-web-1', 'PASS'],
    ]);
    for (const entry of markerFiles(fake)) seen.push(entry.replace(/test\d+/, 'ID'));
    // The subPath marker lives under /pgdata inside the volume, as mounting the PV elsewhere would show.
    expect(seen.sort()).toEqual([
      `pv:${fake.claims.get('data-web-1')!.spec!.volumeName}:/pgdata/.kubectl-sts-verify-pvc-ID`,
      `pv:${fake.claims.get('logs-web-1')!.spec!.volumeName}:/.kubectl-sts-verify-pvc-ID`,
    ]);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['kept', 'kept']);
    expect(report!.cleanup[0]!.where).toMatch(
      /PersistentVolume pv-\S+ \(claim data-web-1\) at \/pgdata\/\.kubectl-sts/,
    );
  });

  it('--all verifies every ordinal highest first, each Ready again before the next is touched', async () => {
    const fake = cluster({ replicas: 3 });
    const { report, events } = await runAgainst(fake, { all: true, settleMs: 20 });
    expect(report?.result).toBe('PASS');
    expect(fake.deletedPods).toEqual(['web-2', 'web-1', 'web-0']);
    expect(report!.runs.map((r) => r.result)).toEqual(['PASS', 'PASS', 'PASS']);
    const order = events
      .filter((e) => e.type === 'pod-removed' || e.type === 'pod-ready')
      .map((e) => `${e.type} ${(e as { pod: string }).pod}`);
    expect(order).toEqual([
      'pod-removed web-2',
      'pod-ready web-2',
      'pod-removed web-1',
      'pod-ready web-1',
      'pod-removed web-0',
      'pod-ready web-0',
    ]);
  });

  it('--all waits until every pod has stayed Ready for the settle period, starting over when one falls', async () => {
    const fake = cluster({ replicas: 3 });
    const settleMs = 150;
    let readyAt = 0;
    const { report, events } = await runAgainst(
      fake,
      { all: true, settleMs },
      {
        onEvent: (event) => {
          if (event.type === 'pod-ready' && event.pod === 'web-2') {
            readyAt = Date.now();
            // Ready, then not Ready for a moment (a probe failing on start), then Ready again.
            setTimeout(() => fake.putPod(fake.podFor(2, false), 'MODIFIED'), 40);
            setTimeout(() => fake.putPod(fake.podFor(2, true), 'MODIFIED'), 80);
          }
        },
      },
    );
    expect(report?.result).toBe('PASS');
    expect(fake.deletedPods).toEqual(['web-2', 'web-1', 'web-0']);
    const next = events.find((e) => e.type === 'pod-removed' && e.pod === 'web-1')!;
    // Not before web-2 had been Ready again (at +80 ms) for the whole settle period.
    expect(next.at.getTime() - readyAt).toBeGreaterThanOrEqual(80 + settleMs);
    const settled = events.filter((e) => e.type === 'settled');
    expect(settled).toHaveLength(2);
    expect(settled[0]).toMatchObject({ pods: ['web-2', 'web-1', 'web-0'], settleMs });
  });

  it('--all stops with the reason when the set does not come to rest within --timeout', async () => {
    const fake = cluster({ replicas: 2 });
    const { report } = await runAgainst(
      fake,
      { all: true, timeoutMs: 300, settleMs: 20 },
      {
        onEvent: (event) => {
          if (event.type === 'pod-ready' && event.pod === 'web-1')
            fake.updateStatefulSet((set) => (set.status!.updateRevision = 'web-2'));
        },
      },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(/mid-rollout: currentRevision web-1 differs from updateRevision web-2/);
    expect(report?.runs.map((r) => [r.pod, r.result])).toEqual([['web-1', 'PASS']]);
    // The top-level fields describe the pod that could not be started, not the one that passed.
    expect(report).toMatchObject({ pod: 'web-0', ordinal: 0 });
    expect(report?.claims.map((c) => [c.claim, c.result])).toEqual([['data-web-0', 'NOT-CHECKED']]);
    expect(fake.deletedPods).toEqual(['web-1']);
  });

  it('--dry-run stops after the plan: nothing written, nothing deleted', async () => {
    const fake = cluster();
    const { report } = await runAgainst(fake, { dryRun: true });
    expect(report?.result).toBe('DRY-RUN');
    expect(report?.plan.pods[0]?.claims[0]).toMatchObject({ claim: 'data-web-1', mountPath: '/data' });
    expect(fake.deletedPods).toEqual([]);
    expect(fake.execLog.map((e) => e.command[2])).toEqual(['exit 0']);
  });
});

describe('verify-pvc detects lost persistence', () => {
  it('fails when the volume is an emptyDir instead of the claim', async () => {
    const fake = cluster({ emptyDirFor: ['data'] });
    const { report } = await runAgainst(fake);
    expect(report?.result).toBe('FAIL');
    expect(exitCodeFor(report!.result)).toBe(ExitCode.VERIFY_FAILED);
    const claim = report!.claims[0]!;
    expect(claim.result).toBe('FAIL');
    expect(claim.markerSurvived).toBe(false);
    expect(claim.evidence.join('\n')).toMatch(/pod volume "data" is a emptyDir, not the claim data-web-1/);
    expect(claim.evidence.join('\n')).toMatch(/marker .* is missing/);
    expect(report!.cleanup[0]!.status).toBe('absent');
    expect(markerFiles(fake)).toEqual([]);
  });

  it('fails when --path lands on an emptyDir mounted inside the claim, warning in the plan', async () => {
    const fake = cluster({ scratchMounts: [{ name: 'cache', mountPath: '/data/cache' }] });
    const { report } = await runAgainst(fake, { paths: ['/data/cache'] });
    expect(report?.plan.pods[0]?.claims[0]?.problems).toEqual([
      '/data/cache is on volume "cache" (emptyDir) mounted at /data/cache over the claim\'s mount /data',
    ]);
    expect(report?.result).toBe('FAIL');
    expect(report!.claims[0]!.markerSurvived).toBe(false);
    expect(report!.claims[0]!.uidAfter).toBe(report!.claims[0]!.uidBefore);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('fails when the claim is replaced while the pod is away, and says where the old marker is', async () => {
    const fake = cluster({ onPodGone: (c) => c.replaceClaim('data-web-1') });
    const oldVolume = fake.claims.get('data-web-1')!.spec!.volumeName;
    const { report } = await runAgainst(fake);
    expect(report?.result).toBe('FAIL');
    const claim = report!.claims[0]!;
    expect(claim.uidAfter).not.toBe(claim.uidBefore);
    expect(claim.volumeAfter).not.toBe(claim.volumeBefore);
    expect(claim.markerSurvived).toBe(false);
    expect(claim.evidence.join('\n')).toMatch(/CHANGED: the claim was replaced/);
    expect(report!.reason).toMatch(/data-web-1: the claim was replaced/);
    expect(report!.cleanup[0]).toMatchObject({ status: 'left' });
    expect(report!.cleanup[0]!.where).toContain(`PersistentVolume ${oldVolume}`);
    expect(markerFiles(fake)).toEqual([expect.stringContaining(`pv:${oldVolume}:`)]);
  });
});

describe('verify-pvc stops safely', () => {
  it('stops with the PodDisruptionBudget message when eviction is refused, deleting nothing', async () => {
    const fake = cluster({ pdbBlocks: true });
    const { report } = await runAgainst(fake);
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toBe(
      'eviction of pod web-1 refused by its PodDisruptionBudget: The disruption budget web needs 2 healthy pods and has 2 currently',
    );
    // Advice never nudges towards bypassing the budget.
    expect(report?.hint).not.toMatch(/--force-delete|bypass/);
    expect(fake.deletedPods).toEqual([]);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('times out when the pod never comes back, and reports where the markers are', async () => {
    const fake = cluster({ noRecreate: true });
    const { report } = await runAgainst(fake, { timeoutMs: 150 });
    expect(report?.result).toBe('TIMEOUT');
    expect(exitCodeFor(report!.result)).toBe(ExitCode.TIMEOUT);
    expect(report?.reason).toMatch(/pod web-1 was not re-created within 0.1s|was not re-created/);
    const volume = fake.claims.get('data-web-1')!.spec!.volumeName!;
    expect(report!.cleanup[0]).toMatchObject({ status: 'left' });
    expect(report!.cleanup[0]!.where).toMatch(
      new RegExp(`PersistentVolume ${volume} \\(claim data-web-1\\) at /\\.kubectl-sts-verify-pvc-`),
    );
    expect(report!.cleanup[0]!.reason).toMatch(/no running pod web-1/);
  });

  it('times out when the new pod never becomes Ready, still removing the markers from it', async () => {
    const fake = cluster({ neverReady: true });
    const { report } = await runAgainst(fake, { timeoutMs: 200 });
    expect(report?.result).toBe('TIMEOUT');
    expect(report?.reason).toMatch(/did not become Ready/);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
    expect(markerFiles(fake)).toEqual([]);
  });

  const steps: { name: string; at: (event: VerifyEvent) => boolean }[] = [
    { name: 'pre-flight', at: (e) => e.type === 'phase' && e.phase === 'preflight' },
    { name: 'confirmation', at: (e) => e.type === 'phase' && e.phase === 'confirm' },
    { name: 'writing markers', at: (e) => e.type === 'phase' && e.phase === 'write-markers' },
    { name: 'marker written', at: (e) => e.type === 'marker-written' },
    { name: 'removing the pod', at: (e) => e.type === 'phase' && e.phase === 'remove-pod' },
    { name: 'pod removed', at: (e) => e.type === 'pod-removed' },
    { name: 'waiting for the old pod to go', at: (e) => e.type === 'phase' && e.phase === 'wait-gone' },
    { name: 'old pod terminating', at: (e) => e.type === 'pod-terminating' },
    { name: 'old pod gone', at: (e) => e.type === 'pod-gone' },
    { name: 'new pod created', at: (e) => e.type === 'pod-created' },
    { name: 'new pod Ready', at: (e) => e.type === 'pod-ready' },
    { name: 'verifying', at: (e) => e.type === 'phase' && e.phase === 'verify' },
    { name: 'first claim verified', at: (e) => e.type === 'claim-verified' },
  ];
  it.each(steps)('leaves no marker behind when interrupted at: $name', async ({ at }) => {
    const fake = cluster({
      templates: [
        { name: 'data', mountPath: '/data' },
        { name: 'wal', mountPath: '/wal' },
      ],
    });
    let fired = false;
    const outcome = await runAgainst(
      fake,
      {},
      {
        onEvent: (event, abort) => {
          if (!fired && at(event)) {
            fired = true;
            abort();
          }
        },
      },
    );
    expect(fired).toBe(true);
    if (outcome.error) {
      expect(outcome.error.exitCode).toBe(ExitCode.INTERRUPTED);
      expect(fake.execLog.filter((e) => e.command[2] !== 'exit 0')).toEqual([]);
    } else {
      expect(outcome.report?.result).toBe('INTERRUPTED');
      expect(outcome.report!.cleanup.every((c) => c.status === 'removed' || c.status === 'absent')).toBe(
        true,
      );
    }
    expect(fake.deletedPods.length).toBeLessThanOrEqual(1);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('reports markers it could not remove when cleanup itself is interrupted', async () => {
    const fake = cluster({ noRecreate: true });
    const cleanup = new AbortController();
    const { runVerifyPvc, systemClock } = await import('../../src/flows/verify-pvc.ts');
    const run = new AbortController();
    const report = await runVerifyPvc(
      { namespace: 'default', statefulSet: 'web', timeoutMs: 5_000, cleanupTimeoutMs: 5_000 },
      {
        gateway: fake,
        clock: systemClock,
        newMarkerId: () => 'second-ctrl-c',
        confirm: async () => true,
        signal: run.signal,
        cleanupSignal: cleanup.signal,
        onEvent: (event) => {
          if (event.type === 'pod-gone') run.abort();
          // The pod never comes back: cleanup waits for it (and says so) until the second Ctrl-C.
          if (event.type === 'phase' && event.phase === 'cleanup-wait') setTimeout(() => cleanup.abort(), 20);
        },
      },
    );
    expect(report.result).toBe('INTERRUPTED');
    expect(report.cleanup[0]).toMatchObject({ status: 'left', reason: 'cleanup was interrupted' });
    expect(report.cleanup[0]!.where).toContain('.kubectl-sts-verify-pvc-second-ctrl-c');
  });
});

describe('verify-pvc survives API errors mid-flow', () => {
  it('retries a failed read during verification instead of calling it a failure', async () => {
    const fake = cluster();
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'pod-ready') fake.failNext('getPersistentVolumeClaim', 1);
        },
      },
    );
    expect(report?.result).toBe('PASS');
  });

  it('after an eviction answered with a server error, reads the pod and sends it again: PASS', async () => {
    const fake = cluster();
    fake.failNext('evictPod', 1);
    const { report, events } = await runAgainst(fake, { removalGraceMs: 30 });
    expect(report?.result).toBe('PASS');
    expect(fake.calls.filter((call) => call === 'evictPod')).toHaveLength(2);
    expect(
      events.some((e) => e.type === 'warning' && /no clear answer .*sending it again/.test(e.message)),
    ).toBe(true);
  });

  it('aborts without deleting anything when every eviction fails, saying what it read, and removes the markers', async () => {
    const fake = cluster();
    fake.failNext('evictPod', 2);
    const { report } = await runAgainst(fake, { removalGraceMs: 30 });
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(/could not evict pod web-1: no clear answer twice \(etcd timeout\)/);
    expect(report?.hint).toMatch(
      /pod web-1 \(uid pod-\d+\) was still running, not terminating, when read at/,
    );
    expect(fake.deletedPods).toEqual([]);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('does not evict a pod that was replaced by someone else after pre-flight', async () => {
    const fake = cluster();
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'marker-written') {
            const pod = fake.pods.get('web-1')!;
            pod.metadata!.uid = 'someone-elses-pod';
            fake.putPod(pod, 'MODIFIED');
          }
        },
      },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(/pod web-1 was replaced or deleted by someone else since pre-flight/);
    expect(fake.calls).not.toContain('evictPod');
    expect(fake.deletedPods).toEqual([]);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('looks once more just before the eviction: a claim deleted meanwhile stops the run, nothing deleted', async () => {
    const fake = cluster();
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'marker-written')
            fake.claims.get('data-web-1')!.metadata!.deletionTimestamp = '2026-01-01T00:00:05Z';
        },
      },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(
      /^claim data-web-1 is being deleted .* \(found just before the eviction\)$/,
    );
    expect(report?.hint).toMatch(/^verify-pvc will not remove web-1/);
    expect(fake.calls).not.toContain('evictPod');
    expect(markerFiles(fake)).toEqual([]);
  });

  it('looks once more just before the eviction: another replica gone meanwhile stops the run', async () => {
    const fake = cluster({ replicas: 3 });
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'marker-written') fake.putPod(fake.podFor(0, false), 'MODIFIED');
        },
      },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(
      /^removing web-2 would leave 1 of 3 replicas Ready, fewer than 2: web-0 is Running but not Ready \(found just before the eviction\)$/,
    );
    expect(report?.hint).toMatch(/^nothing was deleted; /);
    expect(fake.calls).not.toContain('evictPod');
  });

  it('aborts before removal when the watch cannot be set up, and removes the markers', async () => {
    const fake = cluster();
    const { report } = await runAgainst(
      fake,
      {},
      { onEvent: (event) => event.type === 'marker-written' && fake.failNext('listPods', 1) },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.runs[0]?.removed).toBe(false);
    expect(fake.deletedPods).toEqual([]);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('aborts with the API error when exec keeps failing after the pod is back, reporting leftover markers', async () => {
    const fake = cluster();
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'pod-ready') fake.failNext('exec', 100);
        },
      },
    );
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(/API error: etcd timeout/);
    expect(report!.cleanup[0]).toMatchObject({ status: 'left', reason: 'etcd timeout' });
  });

  it('resumes watching with a fresh list when the server closes the watch mid-wait', async () => {
    const fake = cluster({ stepMs: 20 });
    const { report } = await runAgainst(
      fake,
      {},
      {
        onEvent: (event) => {
          if (event.type === 'pod-removed') fake.endWatches();
        },
      },
    );
    expect(report?.result).toBe('PASS');
    expect(fake.calls.filter((call) => call === 'watchPods').length).toBeGreaterThanOrEqual(2);
  });
});

describe('verify-pvc refuses to start', () => {
  const refusals: {
    name: string;
    setup: (fake: FakeCluster) => void;
    options?: Partial<VerifyPvcOptions>;
    fake?: FakeOptions;
    exitCode: number;
    message: RegExp;
  }[] = [
    {
      name: 'the pod is not Ready',
      setup: (f) => {
        const pod = f.pods.get('web-1')!;
        pod.status!.conditions = [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }];
      },
      exitCode: ExitCode.ABORTED,
      message: /pod web-1 is not Ready \(phase Running, Ready=False \(ContainersNotReady\)\)/,
    },
    {
      name: 'a claim is not Bound',
      setup: (f) => {
        f.claims.get('data-web-1')!.status!.phase = 'Pending';
      },
      exitCode: ExitCode.ABORTED,
      message: /claim data-web-1 is Pending, not Bound/,
    },
    {
      name: 'the revisions differ (mid-rollout)',
      setup: (f) => {
        f.statefulSet.status!.updateRevision = 'web-2';
      },
      exitCode: ExitCode.ABORTED,
      message: /mid-rollout: currentRevision web-1 differs from updateRevision web-2/,
    },
    {
      name: 'not every replica is updated (mid-rollout)',
      setup: (f) => {
        f.statefulSet.status!.updatedReplicas = 1;
      },
      exitCode: ExitCode.ABORTED,
      message: /mid-rollout: only 1 of 2 replicas are updated/,
    },
    {
      name: 'the controller has not observed the latest generation',
      setup: (f) => {
        f.statefulSet.metadata!.generation = 2;
      },
      exitCode: ExitCode.ABORTED,
      message: /mid-rollout: the controller has not observed generation 2/,
    },
    {
      name: 'the StatefulSet has no volumeClaimTemplates',
      setup: (f) => {
        f.statefulSet.spec!.volumeClaimTemplates = [];
      },
      exitCode: ExitCode.ABORTED,
      message: /has no volumeClaimTemplates/,
    },
    {
      name: 'a claim template is a raw block volume',
      setup: (f) => {
        f.statefulSet.spec!.volumeClaimTemplates![0]!.spec = { volumeMode: 'Block' };
      },
      exitCode: ExitCode.ABORTED,
      message: /claim template "data" is a raw block volume \(volumeMode Block\)/,
    },
    {
      name: 'the StatefulSet does not exist',
      setup: () => {},
      options: { statefulSet: 'nope' },
      exitCode: ExitCode.NOT_FOUND,
      message: /not found/,
    },
    {
      name: 'the ordinal is not one of the set',
      setup: () => {},
      options: { ordinal: 7 },
      exitCode: ExitCode.USAGE,
      message: /--ordinal 7 is not an ordinal of StatefulSet web/,
    },
    {
      name: 'the pod does not exist',
      setup: (f) => {
        f.pods.delete('web-1');
      },
      exitCode: ExitCode.ABORTED,
      message: /pod web-1 does not exist/,
    },
    {
      name: 'exec is denied by RBAC',
      setup: () => {},
      fake: { denied: ['create pods/exec'] },
      exitCode: ExitCode.ABORTED,
      message: /missing permissions in namespace default: create pods\/exec$/,
    },
    {
      name: 'eviction is denied by RBAC',
      setup: () => {},
      fake: { denied: ['create pods/eviction', 'get pods'] },
      exitCode: ExitCode.ABORTED,
      message: /missing permissions in namespace default: get pods, create pods\/eviction/,
    },
    {
      name: 'delete is denied with --force-delete',
      setup: () => {},
      fake: { denied: ['delete pods'] },
      options: { forceDelete: true },
      exitCode: ExitCode.ABORTED,
      message: /missing permissions in namespace default: delete pods/,
    },
    {
      name: 'the container has no shell',
      setup: () => {},
      fake: {
        noShellImages: ['gcr.io/distroless/static'],
        containers: [{ name: 'app', image: 'gcr.io/distroless/static' }],
      },
      exitCode: ExitCode.ABORTED,
      message: /container app \(image gcr.io\/distroless\/static\) has no shell \(sh\)/,
    },
    {
      name: 'the claim is mounted read-only',
      setup: () => {},
      fake: { templates: [{ name: 'data', mountPath: '/data', readOnly: true }] },
      exitCode: ExitCode.ABORTED,
      message: /volume "data" \(claim data-web-1\) is mounted read-only in main/,
    },
    {
      name: '--container names no container',
      setup: () => {},
      options: { container: 'sidecar' },
      exitCode: ExitCode.USAGE,
      message: /pod web-1 has no container "sidecar"/,
    },
    {
      name: '--path is outside every claim mount',
      setup: () => {},
      options: { paths: ['/etc'] },
      exitCode: ExitCode.USAGE,
      message: /--path \/etc is not inside a claim volume mount/,
    },
    {
      name: 'two --path are in the mount of one claim',
      setup: () => {},
      options: { paths: ['/data/a', '/data/b/'] },
      exitCode: ExitCode.USAGE,
      message: /--path \/data\/a and --path \/data\/b\/ are both in the mount of claim data-web-1 \(\/data\)/,
    },
  ];
  it.each(refusals)('when $name', async ({ setup, options, fake: fakeOptions, exitCode, message }) => {
    const fake = cluster(fakeOptions);
    setup(fake);
    const { error, report } = await runAgainst(fake, options);
    expect(report).toBeUndefined();
    expect(error?.exitCode).toBe(exitCode);
    expect(error?.message).toMatch(message);
    expect(error?.hint).toBeTruthy();
    expect(fake.deletedPods).toEqual([]);
    expect(fake.execLog.filter((e) => e.command[2] !== 'exit 0')).toEqual([]);
  });

  it('suggests --container for a shell-less image, and passes through a container that has one', async () => {
    const options: FakeOptions = {
      noShellImages: ['distroless'],
      containers: [
        { name: 'app', image: 'distroless', mounts: ['data'] },
        { name: 'debug', image: 'busybox', mounts: ['data'] },
      ],
    };
    const refused = await runAgainst(cluster(options));
    expect(refused.error?.hint).toMatch(/--container \(other containers: debug\)/);
    const passed = await runAgainst(cluster(options), { container: 'debug' });
    expect(passed.report?.result).toBe('PASS');
    expect(passed.report?.claims[0]?.container).toBe('debug');
  });

  it('refuses without touching anything when the plan is not confirmed', async () => {
    const fake = cluster();
    const { error } = await runAgainst(fake, {}, { confirm: false });
    expect(error?.exitCode).toBe(ExitCode.ABORTED);
    expect(error?.message).toBe('the plan was not confirmed');
    expect(fake.deletedPods).toEqual([]);
    expect(markerFiles(fake)).toEqual([]);
  });

  it('refuses with the API message when exec turns out to be forbidden although not checked in advance', async () => {
    const fake = cluster();
    fake.failNext('checkAccess', 1, () =>
      apiError(403, 'Forbidden', 'selfsubjectaccessreviews is forbidden'),
    );
    fake.failNext('exec', 1, () =>
      apiError(403, 'Forbidden', 'pods "web-1" is forbidden: User "dev" cannot create resource "pods/exec"'),
    );
    const { error } = await runAgainst(fake);
    expect(error?.exitCode).toBe(ExitCode.ABORTED);
    expect(error?.message).toBe(
      'not allowed to exec into pod web-1: pods "web-1" is forbidden: User "dev" cannot create resource "pods/exec"',
    );
    expect(fake.deletedPods).toEqual([]);
  });

  it('goes on with a warning when permissions cannot be checked in advance', async () => {
    const fake = cluster();
    fake.failNext('checkAccess', 1, () =>
      apiError(403, 'Forbidden', 'selfsubjectaccessreviews is forbidden'),
    );
    const { report, events } = await runAgainst(fake);
    expect(report?.result).toBe('PASS');
    expect(events.some((e) => e.type === 'warning' && /could not check permissions/.test(e.message))).toBe(
      true,
    );
  });
});
