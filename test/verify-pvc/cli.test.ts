// The command as a user (or CI, or the demo) runs it: a child process against the simulator, no
// TTY. Checks stdout/stderr separation, exit codes and Ctrl-C handling.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { COMMANDS } from '../../src/commands/index.ts';
import VerifyPvc from '../../src/commands/verify-pvc.ts';
import { connect } from '../../src/kube/connect.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { verifyPvc } from './command.ts';
import type { CommandOptions, CommandRun } from './command.ts';

const RUNNER = fileURLToPath(new URL('./run-command.ts', import.meta.url));

const SET = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        volumeMounts:
        - {name: data, mountPath: /data}
      - name: cache
        image: busybox:1.36
        volumeMounts:
        - {name: data, mountPath: /data}
        - {name: tmp, mountPath: /data/tmp}
      volumes:
      - name: tmp
        emptyDir: {}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

let sim: SimCluster;

const cli = (args: string[], options: CommandOptions = {}): Promise<CommandRun> =>
  verifyPvc(sim, args, options);

const settled = (name: string): Promise<void> => waitForSettledSet(sim, 'default', name, 20_000);

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: SET });
  await settled('web');
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('kubectl sts verify-pvc (no TTY)', () => {
  it('is registered as `verify-pvc` in the command map kubectl sts loads', () => {
    expect(COMMANDS['verify-pvc']).toBe(VerifyPvc);
  });

  it('refuses without --yes, before touching anything, with one error line', async () => {
    const run = await cli(['web']);
    expect(run.code).toBe(ExitCode.ABORTED);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: refusing to evict a pod without confirmation: stdin is not a terminal; pass --yes to run non-interactively, or --dry-run to see the plan\n',
    );
  });

  it('--dry-run prints the plan and exits 0 without evicting', async () => {
    const before = sim.requestLog.count({ subresource: 'eviction' });
    const run = await cli(['web', '--dry-run']);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toMatch(/^verify-pvc plan \(dry run: nothing will be done\):$/m);
    expect(run.stdout).toMatch(/^ {2}cluster: +context sim, server http:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).toMatch(/^ {4}claim data-web-1 → volume pvc-\S+$/m);
    expect(run.stdout).toMatch(/^ {6}pinned to: +kubernetes\.io\/hostname in \(sim-worker2?\)$/m);
    // Fits a terminal of 80 columns.
    expect(run.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    expect(sim.requestLog.count({ subresource: 'eviction' })).toBe(before);
  });

  it('--yes -o json prints only the JSON report, progress lines go to stderr, exit 0 on PASS', async () => {
    const run = await cli(['web', '--yes', '-o', 'json']);
    expect(run.code).toBe(ExitCode.OK);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & { claims: Record<string, unknown>[] };
    expect(report).toMatchObject({ result: 'PASS', pod: 'web-1', ordinal: 1 });
    expect(Object.keys(report.claims[0]!)).toEqual(
      expect.arrayContaining([
        'claim',
        'uidBefore',
        'uidAfter',
        'volumeBefore',
        'volumeAfter',
        'markerSurvived',
      ]),
    );
    expect(report.timings).toMatchObject({
      recreateMs: expect.any(Number),
      readyMs: expect.any(Number),
      readyObservedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(run.stderr).toMatch(/\] web-1: evicted \(uid /);
    expect(run.stderr).toMatch(/\] web-1: Ready\n/);
    // Elapsed times on the progress lines never go backwards (`evicted (198ms)` used to be
    // followed by `old pod terminating (197ms)`).
    const elapsed = [...run.stderr.matchAll(/^\[ *(\d+(?:\.\d+)?)(ms|s)\]/gm)].map(([, n, unit]) =>
      unit === 'ms' ? Number(n) : Number(n) * 1000,
    );
    expect(elapsed.length).toBeGreaterThan(5);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    await settled('web');
  });

  it('exits 10 with the report on stdout and one error line when persistence fails', async () => {
    const run = await cli(['web', '--yes', '--container', 'cache', '--path', '/data/tmp']);
    expect(run.code).toBe(ExitCode.VERIFY_FAILED);
    expect(run.stdout).toMatch(/data-web-1 +FAIL .* LOST/);
    expect(run.stdout).toMatch(/RESULT: FAIL/);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toEqual([
      'error: verify-pvc FAIL: persistence check failed for data-web-1: the marker did not survive; see the evidence per claim',
    ]);
    await settled('web');
  });

  it('Ctrl-C while waiting exits 130 and still removes the marker from the re-created pod', async () => {
    const run = await cli(['web', '--yes', '--ordinal', '0', '-o', 'json'], {
      interruptWhen: /web-0: evicted/,
    });
    expect(run.code).toBe(ExitCode.INTERRUPTED);
    const report = JSON.parse(run.stdout) as { result: string; cleanup: { status: string }[] };
    expect(report.result).toBe('INTERRUPTED');
    expect(report.cleanup.map((c) => c.status)).toEqual(['removed']);
    expect(run.stderr).toMatch(/interrupted: stopping and removing markers/);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
    await settled('web');
  });

  it('SIGTERM while waiting (timeout(1), a cancelled CI job) cleans up as Ctrl-C does', async () => {
    const run = await cli(['web', '--yes', '--ordinal', '1', '-o', 'json'], {
      interruptWhen: /web-1: evicted/,
      signal: 'SIGTERM',
    });
    expect(run.code).toBe(ExitCode.INTERRUPTED);
    const report = JSON.parse(run.stdout) as { result: string; cleanup: { status: string }[] };
    expect(report.result).toBe('INTERRUPTED');
    expect(report.cleanup.map((c) => c.status)).toEqual(['removed']);
    expect(run.stderr).toMatch(
      /terminated \(SIGTERM\): stopping and removing markers \(SIGTERM again to skip cleanup\)/,
    );
    await settled('web');
  });

  it('a reader of its output that goes away mid-run stops it, and the marker is still removed', async () => {
    const run = await cli(['web', '--yes', '--ordinal', '1', '-o', 'json'], {
      closeStderrWhen: /web-1: evicted/,
    });
    expect(run.code).toBe(ExitCode.INTERRUPTED);
    const report = JSON.parse(run.stdout) as { result: string; cleanup: { status: string }[] };
    expect(report.result).toBe('INTERRUPTED');
    expect(report.cleanup.map((c) => c.status)).toEqual(['removed']);
    await settled('web');
  });

  it('names a missing StatefulSet in one line with exit 4', async () => {
    const run = await cli(['nope', '--yes']);
    expect(run.code).toBe(ExitCode.NOT_FOUND);
    // No progress line before it: a pre-flight error stands alone on stderr.
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: .*nope.*not found/);
  });
});

// util-linux `script` gives the command a terminal; killing `script` closes it, which is what an
// SSH session or a terminal window going away does: the kernel sends the command SIGHUP, and
// every later write to that terminal fails.
const SCRIPT = '/usr/bin/script';

describe.skipIf(!existsSync(SCRIPT))('kubectl sts verify-pvc on a terminal that goes away', () => {
  it('still removes the marker after a hang-up (SIGHUP) mid-run', async () => {
    const connection = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 0, debug: false });
    try {
      // `exec`: only the plugin is left in the terminal's session (dash would fork otherwise).
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TERM: 'xterm',
        SHELL: '/bin/sh',
        KUBECONFIG: sim.kubeconfigPath,
      };
      delete env.NODE_ENV;
      const command = `exec '${process.execPath}' '${RUNNER}' web --yes --ordinal 0`;
      const terminal = spawn(SCRIPT, ['-qfec', command, '/dev/null'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      await new Promise<void>((resolve, reject) => {
        terminal.stdout.on('data', (chunk: Buffer) => {
          screen += chunk.toString();
          if (/web-0: evicted/.test(screen)) resolve();
        });
        terminal.on('exit', () => reject(new Error(`the run ended before the eviction:\n${screen}`)));
      });
      terminal.kill('SIGKILL'); // the terminal is gone; the plugin carries on without it

      // The plugin is no longer our child: watch the volume of the re-created pod instead.
      const markers = async (): Promise<string[]> => {
        const listing = await connection.gateway
          .exec({ namespace: 'default', pod: 'web-0', container: 'main', command: ['ls', '-a', '/data'] })
          .catch(() => ({ stdout: '.kubectl-sts-verify-pvc-(pod not running yet)' }));
        return listing.stdout.split(/\s+/).filter((entry) => entry.startsWith('.kubectl-sts-verify-pvc-'));
      };
      await vi.waitFor(async () => expect(await markers()).toEqual([]), { timeout: 30_000, interval: 250 });
      await settled('web');
    } finally {
      connection.close();
    }
  }, 60_000);
});
