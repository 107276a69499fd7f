// Markers that could not be removed can be found and removed later. A run that times out
// because its pod cannot come back leaves its marker in the volume; the message says where (the
// path in the container, and inside the volume) and how to remove it; `kubectl sts status` reports
// it from the record on the claim, without exec; `verify-pvc NAME --cleanup` removes it and the
// record, and refuses to touch a file the record points at that is not a marker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import type { Node } from '../../src/kube/types.ts';
import { runCli } from '../commands/run-cli.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { errorLines, kubectl, markerFiles, verifyPvc } from './command.ts';
import { claimSet } from './manifests.ts';

const SET = claimSet('left');

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: SET });
  await waitForSettledSet(sim, 'default', 'left', 30_000);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

interface StatusJson {
  diagnostics: { code: string; severity: string; message: string; evidence: string[]; advice: string }[];
}

async function findings(): Promise<StatusJson['diagnostics']> {
  const run = await runCli(['status', 'left', '-o', 'json'], { KUBECONFIG: sim.kubeconfigPath });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as StatusJson).diagnostics.filter((d) => d.code === 'VerifyPvcMarkerLeft');
}

describe('a marker left behind', () => {
  let markerPath = '';

  it('is named with its path in the container, in the volume, and how to remove it', async () => {
    const node = await kubectl(sim, 'get', 'pod', 'left-1', '-o', 'jsonpath={.spec.nodeName}');
    let cordoned = false;
    // The eviction takes a moment to arrive, so the node is cordoned before the pod goes: after
    // the last look (which would refuse a cordoned node), before the pod could come back.
    const slow = sim.faults.add({ match: { subresource: 'eviction' }, latencyMs: 400 });
    try {
      const run = await verifyPvc(sim, ['left', '--yes', '--ordinal', '1', '--timeout', '3s'], {
        onStderr: (stderr) => {
          if (!cordoned && /left-1: removing pod/.test(stderr)) {
            cordoned = true;
            // What `kubectl cordon` does, at once (kubectl itself takes longer to start).
            sim.store.mutate<Node>('nodes', undefined, node, (draft) => {
              (draft.spec ??= {}).unschedulable = true;
            });
          }
        },
      });
      expect(run.code, run.stderr).toBe(ExitCode.TIMEOUT);
      const left =
        /^ {4}marker NOT removed: (\/data\/\.kubectl-sts-verify-pvc-\S+) in container main of left-1 \(.*\); PersistentVolume pvc-\S+ \(claim data-left-1\) at \/\.kubectl-sts-verify-pvc-\S+$/m.exec(
          run.stdout,
        );
      expect(left, run.stdout).not.toBeNull();
      markerPath = left![1]!;
      expect(run.stdout).toContain(
        `      remove it with:\n        kubectl sts verify-pvc left -n default --cleanup\n        or kubectl exec left-1 -n default -c main -- rm ${markerPath}\n`,
      );
      expect(errorLines(run)).toHaveLength(1);
    } finally {
      slow();
      await kubectl(sim, 'uncordon', node);
    }
    await waitForSettledSet(sim, 'default', 'left', 30_000);
    // It really is there, in the volume the re-created pod mounts.
    expect(await markerFiles(sim, 'left-1', 'main', '/data')).toEqual([markerPath.slice('/data/'.length)]);
  });

  it('is reported by status from the record on its claim, with no exec', async () => {
    const execs = sim.requestLog.count({ subresource: 'exec' });
    const [finding] = await findings();
    expect(finding).toMatchObject({ code: 'VerifyPvcMarkerLeft', severity: 'warning' });
    expect(finding!.message).toBe(
      '1 marker file(s) of `kubectl sts verify-pvc` remain in the volumes of ordinal 1',
    );
    expect(finding!.evidence[0]).toContain(`claim data-left-1: ${markerPath} in container main of left-1`);
    expect(finding!.advice).toContain('`kubectl sts verify-pvc left -n default --cleanup`');
    expect(sim.requestLog.count({ subresource: 'exec' })).toBe(execs);
  });

  it('--cleanup --dry-run says what it would remove and removes nothing', async () => {
    const run = await verifyPvc(sim, ['left', '--cleanup', '--dry-run']);
    expect(run.code, run.stderr).toBe(ExitCode.OK);
    expect(run.stdout).toContain(`data-left-1: would remove: ${markerPath} (container main of left-1)`);
    expect(await markerFiles(sim, 'left-1', 'main', '/data')).toHaveLength(1);
  });

  it('--cleanup removes the marker and its record; status has nothing more to say', async () => {
    const run = await verifyPvc(sim, ['left', '--cleanup']);
    expect(run.code, run.stderr).toBe(ExitCode.OK);
    expect(run.stdout).toBe(
      `data-left-1: removed: ${markerPath} (container main of left-1)\n\nRESULT: CLEANED (1 leftover marker(s) removed)\n`,
    );
    expect(await markerFiles(sim, 'left-1', 'main', '/data')).toEqual([]);
    expect(await findings()).toEqual([]);
    const again = await verifyPvc(sim, ['left', '--cleanup']);
    expect(again.stdout).toBe('RESULT: CLEAN (no leftover marker in the volumes of StatefulSet left)\n');
  });

  it('--cleanup never removes a file that is not a marker, whatever a record says', async () => {
    // Someone with patch rights on the claim writes a record pointing at a data file named like
    // a marker, whose content is not one.
    await kubectl(
      sim,
      'exec',
      'left-0',
      '-c',
      'main',
      '--',
      'sh',
      '-c',
      'echo precious > /data/.kubectl-sts-verify-pvc-fake1',
    );
    const record = JSON.stringify({
      pod: 'left-0',
      container: 'main',
      path: '/data/.kubectl-sts-verify-pvc-fake1',
      pathInVolume: '/.kubectl-sts-verify-pvc-fake1',
      writtenAt: '2026-01-01T00:00:00Z',
    });
    await kubectl(sim, 'annotate', 'pvc', 'data-left-0', `verify-pvc.kubectl-sts.dev/fake1=${record}`);
    // And one that points outside the marker names altogether.
    await kubectl(
      sim,
      'annotate',
      'pvc',
      'data-left-0',
      `verify-pvc.kubectl-sts.dev/evil=${JSON.stringify({ pod: 'left-0', container: 'main', path: '/data/db', pathInVolume: '/db', writtenAt: 'x' })}`,
    );
    const run = await verifyPvc(sim, ['left', '--cleanup']);
    expect(run.code).toBe(ExitCode.ABORTED);
    expect(run.stdout).toContain(
      'data-left-0: NOT removed: /data/.kubectl-sts-verify-pvc-fake1 (container main of left-0) (/.kubectl-sts-verify-pvc-fake1 in volume',
    );
    expect(run.stdout).toContain('does not hold marker fake1; it was not removed');
    expect(run.stdout).toContain(
      'data-left-0: record dropped: annotation verify-pvc.kubectl-sts.dev/evil is not a marker record verify-pvc wrote; no file is touched',
    );
    expect(
      await kubectl(sim, 'exec', 'left-0', '-c', 'main', '--', 'cat', '/data/.kubectl-sts-verify-pvc-fake1'),
    ).toBe('precious');
  });
});
