// The release smoke test: this machine's archive, installed from the release's own manifest the
// way krew does it, completion set up as the manifest's caveats tell users to, then run through
// real kubectl against the simulated cluster (the todo-db scenario): version, status, dns with
// a probe from inside a pod, a full verify-pvc, and completion. CI runs it on every platform's
// own runner (scripts/smoke-release.ts); the test suite runs it here.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StatefulSet } from '../../src/kube/types.ts';
import { installControllers } from '../../test/sim/controllers/index.ts';
import { startSimCluster } from '../../test/sim/index.ts';
import { loadScenario } from '../../test/sim/scenarios/index.ts';
import { installFromArchive, matchingPlatform, parseKrewManifest, validateKrewManifest } from './krew.ts';
import type { KrewPlugin } from './krew.ts';
import { MANIFEST_NAME } from './release.ts';
import { archiveNameForTag, hostTarget, targetId } from './targets.ts';

export interface SmokeStep {
  name: string;
  ok: boolean;
  /** Why it failed, with the end of the command's output. */
  detail?: string;
}

export interface SmokeOptions {
  /** Directory with sts.yaml and this machine's archive (npm run release's output). */
  releaseDir: string;
  log?: (line: string) => void;
  /** Simulated seconds per real second (default 10: verify-pvc's wait takes about a second). */
  speed?: number;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: error && !stderr ? String(error.message) : stderr });
      },
    );
  });
}

/**
 * The shell commands of the completion caveat: the lines indented as a block under its bullet
 * (four spaces in the caveats text), run exactly as written, so a caveat that stops working
 * fails here rather than for a user.
 */
export function completionCaveatCommands(plugin: KrewPlugin): string[] {
  return (plugin.spec?.caveats ?? '')
    .split('\n')
    .filter((line) => /^ {4}\S/.test(line))
    .map((line) => line.trim());
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs the smoke test; returns every step, passed or not. Throws only when it cannot start. */
export async function smokeTestRelease(options: SmokeOptions): Promise<SmokeStep[]> {
  const log = options.log ?? (() => {});
  const host = hostTarget();
  if (!host) throw new Error(`${process.platform}/${process.arch} is not a release platform`);
  const manifestFile = path.join(options.releaseDir, MANIFEST_NAME);
  const plugin = parseKrewManifest(readFileSync(manifestFile, 'utf8'));
  validateKrewManifest(plugin, 'sts');
  const platform = matchingPlatform(plugin, host.os, host.arch);
  if (!platform) throw new Error(`${manifestFile} has no platform for ${targetId(host)}`);
  const archive = path.join(options.releaseDir, archiveNameForTag(plugin.spec!.version!, host));

  const work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-smoke-'));
  const steps: SmokeStep[] = [];
  const record = (name: string, ok: boolean, detail?: string) => {
    steps.push({ name, ok, ...(ok ? {} : { detail }) });
    log(ok ? `ok    ${name}` : `FAIL  ${name}\n${detail ?? ''}`);
  };
  const scenario = loadScenario('todo-db');
  const clusterDomain = scenario.settings.clusterDomain ?? 'cluster.local';
  const cluster = await startSimCluster({
    clusterDomain,
    speed: options.speed ?? 10,
    controllers: false,
    ...(scenario.settings.nodes ? { nodes: scenario.settings.nodes } : {}),
  });
  const controllers = installControllers(cluster.store, cluster.clock, {
    clusterDomain,
    timing: scenario.settings.timing,
  });
  try {
    const krewRoot = path.join(work, 'krew');
    const installed = installFromArchive(plugin, platform, archive, krewRoot);
    record(`install ${path.basename(archive)} from ${MANIFEST_NAME} as krew does`, true);

    if (host.os === 'windows') {
      // What the caveats tell Windows users to do.
      copyFileSync(
        path.join(installed.installDir, 'kubectl_complete-sts.cmd'),
        path.join(installed.binDir, 'kubectl_complete-sts.cmd'),
      );
      record('set up completion as the caveats say (copy kubectl_complete-sts.cmd)', true);
    } else {
      const commands = completionCaveatCommands(plugin);
      const result = await runCommand('sh', ['-ec', commands.join('\n')], {
        ...process.env,
        KREW_ROOT: krewRoot,
      });
      record(
        'set up completion as the caveats say',
        commands.length > 0 && result.code === 0,
        `${commands.join('\n')}\n${result.stderr}`,
      );
    }

    cluster.applyManifests(scenario.manifests);
    const deadline = Date.now() + 60_000;
    const ready = () => {
      const set = cluster.store.get<StatefulSet>('statefulsets', 'default', 'todo-db');
      return (set?.status?.readyReplicas ?? 0) >= (set?.spec?.replicas ?? 1);
    };
    while (!ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    record(
      'the simulated todo-db StatefulSet is Ready',
      ready(),
      'its pods did not become Ready within 60 s',
    );

    const env = {
      ...process.env,
      PATH: `${installed.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      KUBECONFIG: cluster.kubeconfigPath,
    };
    const check = async (args: string[], expectOutput: (run: Run) => string | undefined) => {
      const run = await runCommand('kubectl', args, env);
      const problem = run.code !== 0 ? `exit code ${run.code}` : expectOutput(run);
      record(
        `kubectl ${args.map((arg) => (arg === '' ? '""' : arg)).join(' ')}`,
        problem === undefined,
        `${problem}\n--- stdout\n${tail(run.stdout)}\n--- stderr\n${tail(run.stderr)}`,
      );
    };
    const contains =
      (...needles: string[]) =>
      (run: Run) => {
        const missing = needles.filter((needle) => !run.stdout.includes(needle));
        return missing.length
          ? `output lacks ${missing.map((m) => JSON.stringify(m)).join(', ')}`
          : undefined;
      };

    await check(['plugin', 'list'], (run) =>
      !run.stdout.includes(installed.link)
        ? `kubectl does not list ${installed.link}`
        : /warning/i.test(run.stderr)
          ? 'kubectl warns about the plugin'
          : undefined,
    );
    await check(['sts', 'version', '-o', 'json'], (run) => {
      const expected = {
        version: plugin.spec!.version,
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
      };
      try {
        const actual = JSON.parse(run.stdout) as Record<string, unknown>;
        const wrong = Object.entries(expected).filter(([key, value]) => actual[key] !== value);
        return wrong.length ? `expected ${JSON.stringify(expected)}` : undefined;
      } catch {
        return 'output is not JSON';
      }
    });
    await check(['sts', 'status', 'todo-db'], contains('todo-db-0', 'todo-db-1', 'Diagnostics: none'));
    await check(
      ['sts', 'dns', 'todo-db', '--probe'],
      contains(
        'todo-db-0.todo-db.default.svc.cluster.local',
        'todo-db-1.todo-db.default.svc.cluster.local',
        'Diagnostics: none',
      ),
    );
    await check(['sts', 'verify-pvc', 'todo-db', '--yes'], contains('RESULT: PASS'));
    await check(['__complete', 'sts', 'vers'], (run) =>
      /^version\t/.test(run.stdout) ? undefined : 'no "version" candidate',
    );
    await check(['__complete', 'sts', 'status', ''], (run) =>
      run.stdout.split('\n').some((line) => line.split('\t')[0] === 'todo-db')
        ? undefined
        : 'no "todo-db" candidate',
    );
  } catch (error) {
    record('smoke test', false, (error as Error).stack ?? String(error));
  } finally {
    controllers.stop();
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return steps;
}
