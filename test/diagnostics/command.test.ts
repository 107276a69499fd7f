// `kubectl sts status` with -f (offline), --problems and --wait, run as kubectl runs the plugin
// (bin/run.js → dist/, so `npm run build` first, as `npm test` does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { runCli } from '../commands/run-cli.ts';
import { readyCount, startScenario, until, rollOutUnpullableImage, type ScenarioRun } from './sim-helpers.ts';

const DUMP = new URL('./fixtures/handwritten-dump.yaml', import.meta.url).pathname;

describe('status -f (offline)', () => {
  it('prints the report and diagnostics from a dump without any cluster', async () => {
    const result = await runCli(['status', 'db', '-f', DUMP], { KUBECONFIG: '/nonexistent/kubeconfig' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ForcedRollbackTrap [ordinals 1]');
    expect(result.stdout).toContain('`kubectl delete pod db-1 -n shop`');
  });

  it('-o json prints only the report, with diagnostics[].code', async () => {
    const result = await runCli(['status', 'db', '-f', DUMP, '-o', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { diagnostics: { code: string; ordinals: number[] }[] };
    expect(report.diagnostics.map((d) => d.code)).toContain('ForcedRollbackTrap');
    expect(result.stderr).toBe('');
  });

  it('--problems lists only the sets with findings', async () => {
    const result = await runCli(['status', '-f', DUMP, '--problems', '--no-headers']);
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(['db']);
  });

  it.each([
    {
      args: ['status', 'nope', '-f', DUMP],
      code: ExitCode.NOT_FOUND,
      line: /^error: statefulset "nope" not found in the dump; the dump holds: shop\/cache, shop\/db/,
    },
    {
      args: ['status', 'db', '-f', '/nonexistent/dump.yaml'],
      code: ExitCode.USAGE,
      line: /^error: cannot read dump "\/nonexistent\/dump.yaml"/,
    },
    {
      args: ['status', 'db', '--wait', '-f', DUMP],
      code: ExitCode.USAGE,
      line: /^error: --wait cannot be combined with --watch or -f;/,
    },
    { args: ['status', '--wait'], code: ExitCode.USAGE, line: /^error: --wait needs a StatefulSet NAME;/ },
    {
      args: ['status', 'db', '--problems'],
      code: ExitCode.USAGE,
      line: /^error: --problems lists StatefulSets; it takes no NAME;/,
    },
    {
      args: ['status', 'db', '--wait', '--timeout', 'soon'],
      code: ExitCode.USAGE,
      line: /^error: .*--timeout/,
    },
  ])('refuses $args with one line and exit $code', async ({ args, code, line }) => {
    const result = await runCli(args);
    expect(result.code).toBe(code);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(line);
  });
});

describe('status --wait against the simulated cluster', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('diag-forced-rollback');
    await until('3 ready replicas', () => readyCount(run.set('web')) === 3);
  });
  afterAll(() => run.stop());

  const wait = (...extra: string[]) =>
    runCli(['status', 'web', '--wait', '--kubeconfig', run.sim.kubeconfigPath, '-n', 'diag', ...extra]);

  it('exits 0 at once for a set whose rollout is complete', async () => {
    const result = await wait();
    expect(result.code).toBe(ExitCode.OK);
    expect(result.stderr).toContain('rollout of statefulset/web complete');
  });

  it('-A --problems lists nothing while the set is healthy', async () => {
    const result = await runCli(['status', '-A', '--problems', '--kubeconfig', run.sim.kubeconfigPath]);
    expect(result.code).toBe(ExitCode.OK);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe('No StatefulSets with problems found.');
  });

  it('exits ROLLOUT_STUCK with the diagnostics, then TIMEOUT when told not to call it stuck yet', async () => {
    await rollOutUnpullableImage(run, 'web', 'web-2');

    const stuck = await wait('--stuck-after', '0s');
    expect(stuck.code).toBe(ExitCode.ROLLOUT_STUCK);
    // The update revision's image cannot be pulled: what to fix, then the delete (OrderedReady).
    expect(stuck.stdout).toContain('ImagePullFailed [ordinals 2]');
    const lastLine = stuck.stderr.trim().split('\n').at(-1)!;
    expect(lastLine).toMatch(
      /^error: rollout of statefulset\/web in diag is stuck: ImagePullFailed: .*`kubectl delete pod web-2 -n diag`$/,
    );

    const timedOut = await wait('--stuck-after', '1h', '--timeout', '1s', '-o', 'json');
    expect(timedOut.code).toBe(ExitCode.TIMEOUT);
    expect(JSON.parse(timedOut.stdout)).toHaveProperty('diagnostics');
    expect(timedOut.stderr.trim()).toMatch(
      /^error: timed out after 1s waiting for the rollout of statefulset\/web in diag: still waiting for .*; see the diagnostics above, or raise --timeout$/,
    );

    const problems = await runCli(['status', '-A', '--problems', '--kubeconfig', run.sim.kubeconfigPath]);
    expect(problems.code).toBe(ExitCode.OK);
    expect(problems.stdout).toMatch(/^NAMESPACE\s+NAME\s.*\ndiag\s+web\s.*Degraded/);
  });
});
