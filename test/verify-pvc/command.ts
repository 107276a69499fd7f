// Running verify-pvc as a user does, against a simulated cluster: the command from src/ in a
// child process (no TTY), real kubectl to build states and as the oracle, and a look inside a
// volume through a pod's shell.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SimCluster } from '../sim/index.ts';

const RUNNER = fileURLToPath(new URL('./run-command.ts', import.meta.url));
export const MARKER_PREFIX = '.kubectl-sts-verify-pvc-';

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Kubeconfig to use instead of the simulator's (a proxy in front of it, say). */
  kubeconfig?: string;
  /** Sends `signal` (default SIGINT) once stderr matches. */
  interruptWhen?: RegExp;
  signal?: NodeJS.Signals;
  /** Called with stderr so far on every chunk (to act on the cluster mid-run). */
  onStderr?: (stderr: string) => void;
  /** Closes the reader of stderr once it matches (`2>&1 | head`: the next line meets EPIPE). */
  closeStderrWhen?: RegExp;
}

/** `kubectl sts verify-pvc ARGS` from src/, stdin closed, no colour. */
export function verifyPvc(
  sim: SimCluster,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], {
      env: { ...process.env, KUBECONFIG: options.kubeconfig ?? sim.kubeconfigPath, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr);
      if (options.closeStderrWhen?.test(stderr)) child.stderr.destroy();
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill(options.signal ?? 'SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Real kubectl against the simulator (asynchronously: the simulator serves from this process). */
export async function kubectl(sim: SimCluster, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args]);
  return stdout.trim();
}

/** The uid of a pod, read with kubectl ('' when it does not exist). */
export async function podUid(sim: SimCluster, pod: string): Promise<string> {
  return kubectl(sim, 'get', 'pod', pod, '--ignore-not-found', '-o', 'jsonpath={.metadata.uid}');
}

/** Marker files in `directory` as `kubectl exec POD -c CONTAINER -- ls -a DIR` lists them. */
export async function markerFiles(
  sim: SimCluster,
  pod: string,
  container: string,
  directory: string,
): Promise<string[]> {
  const listing = await kubectl(sim, 'exec', pod, '-c', container, '--', 'ls', '-a', directory);
  return listing.split(/\s+/).filter((entry) => entry.startsWith(MARKER_PREFIX));
}

/** The `error: …` lines of a run's stderr. */
export function errorLines(run: CommandRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('error: '));
}
