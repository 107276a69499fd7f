// verify-pvc over a network that misbehaves (a proxy between the plugin and the simulator) and
// an API server that throttles: whatever goes wrong, nothing it says may be false. An eviction
// whose answer was lost evicted the pod all the same; a watch that stays open while delivering
// nothing must not turn a pod that came back in a moment into a TIMEOUT; a 429 that names no
// budget is throttling, not a budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import { runVerifyPvc, systemClock } from '../../src/flows/verify-pvc.ts';
import type { VerifyEvent, VerifyPvcOptions, VerifyReport } from '../../src/flows/verify-pvc.ts';
import { connect } from '../../src/kube/connect.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { errorLines, markerFiles, podUid, verifyPvc } from './command.ts';
import { claimSet } from './manifests.ts';
import { startChaosProxy } from './proxy.ts';
import type { ChaosProxy } from './proxy.ts';

const SET = claimSet('web');

let sim: SimCluster;
let proxy: ChaosProxy;
let kubeconfig: string;

const isEviction = (method: string, url: URL): boolean =>
  method === 'POST' && url.pathname.endsWith('/eviction');
const isPodWatch = (method: string, url: URL): boolean =>
  method === 'GET' && url.pathname.endsWith('/pods') && url.searchParams.get('watch') === 'true';

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: SET });
  proxy = await startChaosProxy(sim.url);
  kubeconfig = proxy.kubeconfigFrom(sim.kubeconfigPath, sim.url);
  await waitForSettledSet(sim, 'default', 'web', 30_000);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await sim?.stop();
});

const settled = (): Promise<void> => waitForSettledSet(sim, 'default', 'web', 30_000);

/** The flow in-process through the proxy, with knobs the command does not expose. */
async function verifyThroughProxy(
  options: Partial<VerifyPvcOptions>,
  requestTimeoutMs = 0,
): Promise<{ report?: VerifyReport; error?: StsError; events: VerifyEvent[] }> {
  const connection = await connect({ kubeconfig, requestTimeoutMs, debug: false });
  const events: VerifyEvent[] = [];
  try {
    const report = await runVerifyPvc(
      { namespace: 'default', statefulSet: 'web', timeoutMs: 30_000, cleanupTimeoutMs: 20_000, ...options },
      {
        gateway: connection.gateway,
        clock: systemClock,
        newMarkerId: () => `fault${Date.now().toString(36)}`,
        confirm: async () => true,
        onEvent: (event) => events.push(event),
      },
    );
    return { report, events };
  } catch (error) {
    if (error instanceof StsError) return { error, events };
    throw error;
  } finally {
    connection.close();
  }
}

describe('an eviction whose answer does not come back', () => {
  it('answer lost: the pod is read, found evicted, and the run goes on to PASS', async () => {
    await settled();
    const before = await podUid(sim, 'web-1');
    const remove = proxy.add({ match: isEviction, action: 'lose-answer', times: 1 });
    try {
      const run = await verifyPvc(sim, ['web', '--yes', '--ordinal', '1'], { kubeconfig });
      expect(run.code, run.stderr).toBe(ExitCode.OK);
      expect(run.stdout).toMatch(/^RESULT: PASS$/m);
      expect(run.stderr).toMatch(
        /warning: the eviction of web-1 got no clear answer \(.*\), but the pod was removed/,
      );
      expect(run.stderr).not.toMatch(/nothing was deleted/);
      expect(await podUid(sim, 'web-1')).not.toBe(before);
      // Sent once: the pod was read before anything else was tried.
      expect(sim.requestLog.filter({ subresource: 'eviction', name: 'web-1' }).length).toBeGreaterThanOrEqual(
        1,
      );
      expect(await markerFiles(sim, 'web-1', 'main', '/data')).toEqual([]);
    } finally {
      remove();
    }
  });

  it('answer later than --request-timeout: the same, never "ABORTED … nothing was deleted"', async () => {
    await settled();
    const before = await podUid(sim, 'web-0');
    const evictions = sim.requestLog.count({ subresource: 'eviction' });
    const remove = proxy.add({ match: isEviction, action: 'delay-answer', delayMs: 3_000, times: 1 });
    try {
      const run = await verifyPvc(sim, ['web', '--yes', '--ordinal', '0', '--request-timeout', '1s'], {
        kubeconfig,
      });
      expect(run.code, run.stderr).toBe(ExitCode.OK);
      expect(run.stderr).toMatch(
        /no clear answer \(request to .* timed out after 1s.*\), but the pod was removed/,
      );
      expect(await podUid(sim, 'web-0')).not.toBe(before);
      expect(sim.requestLog.count({ subresource: 'eviction' })).toBe(evictions + 1);
    } finally {
      remove();
    }
  });
});

describe('a watch that stays open and delivers nothing', () => {
  it('is not believed at the deadline: the state is read again, no false TIMEOUT', async () => {
    await settled();
    const remove = proxy.add({ match: isPodWatch, action: 'silent' });
    try {
      // The idle deadline is out of reach here: only the read at the deadline can save the run.
      const { report } = await verifyThroughProxy({ ordinal: 1, timeoutMs: 4_000, watchIdleMs: 600_000 });
      expect(report?.result).toBe('PASS');
      expect(report?.reason).toBeNull();
    } finally {
      remove();
    }
  });

  it('is replaced after the idle deadline, so the run does not wait for the deadline at all', async () => {
    await settled();
    const remove = proxy.add({ match: isPodWatch, action: 'silent' });
    try {
      const started = Date.now();
      const { report } = await verifyThroughProxy({ ordinal: 0, timeoutMs: 60_000, watchIdleMs: 500 });
      expect(report?.result).toBe('PASS');
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(proxy.hits.filter((hit) => hit.startsWith('GET')).length).toBeGreaterThan(1);
    } finally {
      remove();
    }
  });
});

describe('429 on the eviction', () => {
  it('without a DisruptionBudget cause is throttling: waited out and retried, never called a budget', async () => {
    await settled();
    const remove = sim.faults.add({
      match: { verb: 'create', resource: 'pods', subresource: 'eviction' },
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
    });
    try {
      const run = await verifyPvc(sim, ['web', '--yes', '--ordinal', '1']);
      expect(run.code, run.stderr).toBe(ExitCode.OK);
      expect(
        run.stderr.match(
          /the API server is throttling requests \(429\); retrying the eviction of web-1 in 1s/g,
        ),
      ).toHaveLength(2);
      expect(run.stderr).not.toMatch(/PodDisruptionBudget|budget/);
    } finally {
      remove();
    }
  });

  it('throttling that does not stop: ABORTED, said as throttling, nothing deleted', async () => {
    await settled();
    const before = await podUid(sim, 'web-1');
    const remove = sim.faults.add({
      match: { verb: 'create', resource: 'pods', subresource: 'eviction' },
      status: 429,
      retryAfterSeconds: 1,
    });
    try {
      const run = await verifyPvc(sim, ['web', '--yes', '--ordinal', '1']);
      expect(run.code).toBe(ExitCode.ABORTED);
      expect(errorLines(run)).toEqual([
        expect.stringMatching(
          /^error: verify-pvc ABORTED: the API server kept throttling the eviction of pod web-1 \(429 Too Many Requests, 5 tries\): .*; nothing was deleted; retry in a while$/,
        ),
      ]);
      expect(run.stderr).not.toMatch(/--force-delete/);
      expect(await podUid(sim, 'web-1')).toBe(before);
      expect(await markerFiles(sim, 'web-1', 'main', '/data')).toEqual([]);
    } finally {
      remove();
    }
  });
});
