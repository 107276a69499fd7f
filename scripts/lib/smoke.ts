// The release smoke test: this machine's archive, installed from the release's own manifest the
// way krew does it, completion set up as the manifest's caveats tell users to, then run through
// real kubectl against the simulated cluster (the todo-db scenario): version, status, dns with
// a probe from inside a pod, a full verify-pvc, and completion. CI runs it on every platform's
// own runner (scripts/smoke-release.ts); the test suite runs it here.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StatefulSet } from '../../src/kube/types.ts';
import { installControllers } from '../../test/sim/controllers/index.ts';
import { startSimCluster } from '../../test/sim/index.ts';
import { loadScenario } from '../../test/sim/scenarios/index.ts';
import {
  installFromArchive,
  matchingPlatform,
  parseKrewManifest,
  uninstallLikeKrew,
  validateKrewManifest,
} from './krew.ts';
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

/** The commands of the completion caveat, as users are told to run them. */
export interface CompletionCaveat {
  /** bash, zsh and fish: copy the helper from the plugin's directory into krew's bin. */
  setup: string;
  /** The same in PowerShell, for kubectl_complete-sts.cmd. */
  setupWindows: string;
  /** Removing the helper after `kubectl krew uninstall sts`. */
  remove: string;
  removeWindows: string;
}

/**
 * The command lines of the caveats (indented as a block under a bullet: four spaces in the
 * caveats text), by what they do. Throws when one is missing, so a caveat edited out of shape
 * fails the tests rather than a user.
 */
export function completionCaveat(plugin: KrewPlugin): CompletionCaveat {
  const commands = (plugin.spec?.caveats ?? '')
    .split('\n')
    .filter((line) => /^ {4}\S/.test(line))
    .map((line) => line.trim());
  const find = (what: string, pattern: RegExp) => {
    const found = commands.filter((command) => pattern.test(command));
    if (found.length !== 1)
      throw new Error(`the caveats should have one command to ${what}, not ${found.length}`);
    return found[0]!;
  };
  return {
    setup: find('copy kubectl_complete-sts', /^cp ~\/\S+\/kubectl_complete-sts ~\/\S+$/),
    setupWindows: find('copy kubectl_complete-sts.cmd', /^cp ~\\\S+\\kubectl_complete-sts\.cmd ~\\\S+$/),
    remove: find('remove kubectl_complete-sts', /^rm ~\/\S+\/kubectl_complete-sts$/),
    removeWindows: find('remove kubectl_complete-sts.cmd', /^rm ~\\\S+\\kubectl_complete-sts\.cmd$/),
  };
}

/**
 * A path of a caveat command (`~/.krew/…`, or `~\.krew\…` on Windows) inside the krew root
 * `krewRoot`, where krew's default root is `~/.krew`.
 */
export function caveatPath(word: string, krewRoot: string): string {
  const match = /^~[/\\]\.krew([/\\].*)?$/.exec(word);
  if (!match) throw new Error(`${word} is not a path under ~/.krew`);
  const parts = (match[1] ?? '').split(/[/\\]/).filter(Boolean);
  return path.join(krewRoot, ...parts) + (/[/\\]$/.test(word) ? path.sep : '');
}

/** Runs a `cp SRC DST/` or `rm FILE` caveat command of either shell inside `krewRoot`. */
export function runCaveatCommand(command: string, krewRoot: string): void {
  const [verb, ...words] = command.split(' ');
  const paths = words.map((word) => caveatPath(word, krewRoot));
  if (verb === 'cp' && paths.length === 2) {
    const [from, to] = paths as [string, string];
    copyFileSync(from, to.endsWith(path.sep) ? path.join(to, path.basename(from)) : to);
  } else if (verb === 'rm' && paths.length === 1) {
    rmSync(paths[0]!);
  } else {
    throw new Error(`cannot run the caveat command "${command}"`);
  }
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
  // krew's default root, in a home of its own: the caveats' commands say ~/.krew.
  const home = path.join(work, 'home');
  const krewRoot = path.join(home, '.krew');
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
    const installed = installFromArchive(plugin, platform, archive, krewRoot);
    record(`install ${path.basename(archive)} from ${MANIFEST_NAME} as krew does`, true);

    // What the caveats tell users to do: on Windows the PowerShell line (its paths resolved
    // here), elsewhere the POSIX line, run by sh exactly as written.
    const caveat = completionCaveat(plugin);
    if (host.os === 'windows') {
      runCaveatCommand(caveat.setupWindows, krewRoot);
      record(`set up completion as the caveats say (${caveat.setupWindows})`, true);
    } else {
      const result = await runCommand('sh', ['-ec', caveat.setup], { ...process.env, HOME: home });
      record(`set up completion as the caveats say (${caveat.setup})`, result.code === 0, result.stderr);
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

    // `kubectl krew uninstall sts` removes the link and the plugin's directory; the helper is
    // left for the caveat's own line to remove, after which nothing of the plugin remains.
    uninstallLikeKrew(plugin, krewRoot, host.os);
    if (host.os === 'windows') {
      runCaveatCommand(caveat.removeWindows, krewRoot);
    } else {
      const result = await runCommand('sh', ['-ec', caveat.remove], { ...process.env, HOME: home });
      if (result.code !== 0) throw new Error(`${caveat.remove} failed: ${result.stderr}`);
    }
    const left = readdirSync(krewRoot, { recursive: true }).map(String);
    record(
      'uninstall as krew does, then remove the helper as the caveats say: nothing is left',
      left.every((entry) => ['bin', 'store'].includes(entry)),
      `left in ${krewRoot}: ${left.join(', ')}`,
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
