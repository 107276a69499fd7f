// Start-up figures for the release notes and `npm run bench`: wall time of short commands in
// each install layout, median of N runs, against a simulated cluster for `status`.
//   node scripts/lib/measure-startup.ts [--runs N] [--sea PATH-TO-kubectl-sts-binary]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startSimCluster } from '../../test/sim/index.ts';
import { REPO_ROOT } from './bundle.ts';

const run = promisify(execFile);

export async function medianMs(command: string, args: string[], env: NodeJS.ProcessEnv, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run(command, args, { env });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, sea: { type: 'string' } } });
const runs = Number(values.runs);
const fixture = readFileSync(path.join(REPO_ROOT, '../shared/fixtures/kiamol-ch08/todo-list/db/todo-db.yaml'), 'utf8');
const cluster = await startSimCluster({ manifests: fixture, speed: 50 });
try {
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let the controllers create the pods
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, NO_COLOR: '1' };
  const layouts: [string, string, string[]][] = [['npm (bin/run.js)', process.execPath, [path.join(REPO_ROOT, 'bin/run.js')]]];
  if (values.sea) layouts.push(['SEA binary', values.sea, []]);
  const commands = [['--version'], ['version'], ['--help'], ['completion', '__complete', '--', ''], ['status', 'todo-db']];
  for (const [layout, command, prefix] of layouts) {
    for (const args of commands) {
      const ms = await medianMs(command, [...prefix, ...args], env, runs);
      process.stdout.write(`${layout.padEnd(18)} kubectl-sts ${args.join(' ').padEnd(30)} ${ms.toFixed(0).padStart(5)} ms\n`);
    }
  }
} finally {
  await cluster.stop();
}
