// Start-up figures for the release notes and `npm run bench`: wall time of short commands in
// each install layout, median of N runs, against a simulated cluster for `status`.
//   node scripts/lib/measure-startup.ts [--runs N] [--sea BINARY] [--npm-root DIR]
// --sea: a kubectl-sts single executable; --npm-root: an installed package (e.g. a global
// prefix's lib/node_modules/kubectl-sts, which carries oclif.manifest.json). Without them only
// this work tree's bin/run.js is measured.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startSimCluster } from '../../test/sim/index.ts';
import { REPO_ROOT } from './bundle.ts';
import { THIRD_PARTY_FIXTURES } from '../../test/helpers/fixtures.ts';

const run = promisify(execFile);

export interface Timing {
  /** Median wall-clock time. */
  wallMs: number;
  /** Median CPU time (user + system) of the process: less sensitive to a busy machine. */
  cpuMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the command `runs` times under /usr/bin/time (GNU time), which reports CPU seconds. */
export async function timeCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { stderr } = await run('/usr/bin/time', ['-f', 'cpu %U %S', command, ...args], { env });
    wall.push(performance.now() - started);
    const match = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    if (match) cpu.push((Number(match[1]) + Number(match[2])) * 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    sea: { type: 'string' },
    'npm-root': { type: 'string' },
  },
});
const runs = Number(values.runs);
const fixture = readFileSync(
  path.join(THIRD_PARTY_FIXTURES, 'kiamol-ch08/todo-list/db/todo-db.yaml'),
  'utf8',
);
const cluster = await startSimCluster({ manifests: fixture, speed: 50 });
try {
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let the controllers create the pods
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, NO_COLOR: '1' };
  const layouts: [string, string, string[]][] = [
    ['npm (bin/run.js)', process.execPath, [path.join(REPO_ROOT, 'bin/run.js')]],
  ];
  if (values['npm-root']) {
    layouts.push(['npm + manifest', process.execPath, [path.join(values['npm-root'], 'bin/run.js')]]);
  }
  if (values.sea) layouts.push(['SEA binary', values.sea, []]);
  const commands = [
    ['--version'],
    ['version'],
    ['--help'],
    ['completion', '__complete', '--', ''],
    ['completion', '__complete', '--', 'dns', ''],
    ['status', 'todo-db'],
    ['dns', 'todo-db'],
  ];
  for (const [layout, command, prefix] of layouts) {
    for (const args of commands) {
      const timing = await timeCommand(command, [...prefix, ...args], env, runs).catch(() => undefined);
      const figures = timing
        ? `wall ${timing.wallMs.toFixed(0).padStart(5)} ms   cpu ${timing.cpuMs.toFixed(0).padStart(5)} ms`
        : 'failed';
      process.stdout.write(`${layout.padEnd(16)} kubectl-sts ${args.join(' ').padEnd(34)} ${figures}\n`);
    }
  }
} finally {
  await cluster.stop();
}
