// `npm run demo`: the simulated cluster with the todo-db scenario, the pods coming up in order,
// then the plugin's own view of it (status, dns, verify-pvc) through real kubectl, and a clean stop.
// Plugin steps run only when the command exists, so the demo works while commands are built.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod, StatefulSet } from '../src/kube/types.ts';
import { installControllers } from '../test/sim/controllers/index.ts';
import { startSimCluster } from '../test/sim/index.ts';
import { loadScenario } from '../test/sim/scenarios/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const speed = Number(process.env.DEMO_SPEED ?? 2);
const setName = 'todo-db';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function banner(text: string): void {
  process.stdout.write(`\n$ ${text}\n`);
}

function note(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

async function main(): Promise<number> {
  const scenario = loadScenario(setName);
  const clusterDomain = scenario.settings.clusterDomain ?? 'cluster.local';
  const cluster = await startSimCluster({
    clusterDomain,
    speed,
    controllers: false,
    ...(scenario.settings.nodes ? { nodes: scenario.settings.nodes } : {}),
  });
  const controllers = installControllers(cluster.store, cluster.clock, {
    clusterDomain,
    timing: scenario.settings.timing,
  });
  const env = {
    ...process.env,
    KUBECONFIG: cluster.kubeconfigPath,
    PATH: `${join(root, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
  };
  const haveKubectl = onPath('kubectl');
  const children = new Set<ReturnType<typeof spawn>>();
  let failures = 0;

  const stop = async (): Promise<void> => {
    for (const child of children) child.kill('SIGTERM');
    controllers.stop();
    await cluster.stop();
  };
  const interrupted = (): void => {
    void stop().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    note(
      `simulated cluster at ${cluster.url} (speed ${speed}x), scenario ${scenario.name}: ${scenario.description ?? ''}`,
    );
    banner(`kubectl apply -f test/sim/scenarios/${scenario.name}.yaml`);
    for (const object of cluster.applyManifests(scenario.manifests)) {
      const kind = String(object.kind).toLowerCase();
      const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
      process.stdout.write(`${kind}${group}/${object.metadata.name} created\n`);
    }

    const setReady = (): boolean => {
      const set = cluster.store.get<StatefulSet>('statefulsets', 'default', setName);
      return (set?.status?.readyReplicas ?? 0) >= (set?.spec?.replicas ?? 1);
    };
    const waitForReady = async (limitMs: number): Promise<boolean> => {
      const deadline = Date.now() + limitMs;
      while (!setReady() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      return setReady();
    };

    if (haveKubectl) {
      banner(`kubectl get pods -l app=${setName} -w`);
      const watcher = spawn('kubectl', ['get', 'pods', '-l', `app=${setName}`, '-w'], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.add(watcher);
      const ready = await waitForReady(60_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      watcher.kill('SIGTERM');
      children.delete(watcher);
      if (!ready) {
        note('the pods did not become ready within a minute');
        failures++;
      }
    } else {
      note('kubectl is not on PATH; showing pod changes from the simulator instead');
      const seen = new Map<string, string>();
      const unsubscribe = cluster.store.subscribe('pods', (event) => {
        const pod = event.object as Pod;
        const line = `${pod.metadata?.name}\t${event.type === 'DELETED' ? 'Deleted' : (pod.status?.phase ?? '')}\tready=${pod.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'False'}`;
        if (seen.get(pod.metadata?.name ?? '') !== line) process.stdout.write(`${line}\n`);
        seen.set(pod.metadata?.name ?? '', line);
      });
      if (!(await waitForReady(60_000))) failures++;
      unsubscribe();
    }

    const plugin = (args: string[]): { command: string; args: string[] } =>
      haveKubectl
        ? { command: 'kubectl', args: ['sts', ...args] }
        : { command: join(root, 'bin', 'kubectl-sts'), args };
    const exists = (subcommand: string): boolean => {
      const { command, args } = plugin([subcommand, '--help']);
      return spawnSync(command, args, { env, stdio: 'ignore', timeout: 30_000 }).status === 0;
    };
    const run = async (subcommand: string, args: string[]): Promise<void> => {
      if (!exists(subcommand)) {
        note(`kubectl sts ${subcommand} is not available yet; skipped`);
        return;
      }
      banner(`kubectl sts ${subcommand} ${args.join(' ')}`);
      const { command, args: full } = plugin([subcommand, ...args]);
      const child = spawn(command, full, { env, stdio: ['ignore', 'inherit', 'inherit'] });
      children.add(child);
      const code = await new Promise<number>((resolve) =>
        child.once('exit', (status) => resolve(status ?? 1)),
      );
      children.delete(child);
      if (code !== 0) {
        note(`kubectl sts ${subcommand} exited with ${code}`);
        failures++;
      }
    };

    await run('status', [setName]);
    await run('dns', [setName]);
    await run('verify-pvc', [setName, '--yes']);
  } finally {
    await stop();
  }
  note(
    failures === 0
      ? 'demo finished; the simulated cluster is stopped'
      : `demo finished with ${failures} failed step(s)`,
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `error: the demo failed: ${(error as Error).message ?? String(error)}; run "npm ci" and try again\n`,
    );
    process.exit(1);
  },
);
