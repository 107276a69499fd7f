// How exec credential plugins are started: without a shell (the command and each argument go to
// the process as they are, whatever characters the kubeconfig holds), and never outliving the
// command. Like kubectl, a plugin gets no time limit; unlike a plain child process, it is stopped
// when the command is interrupted (Ctrl-C, SIGTERM, a hang-up) or exits, instead of being left
// running, orphaned, after us.
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Plugins running now. */
const running = new Set<ChildProcess>();

function stopAll(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

/**
 * On a stop signal: stop the plugins, and if nothing else in the process handles the signal
 * (a command with its own Ctrl-C handling does), end the way Node would have without this
 * listener: killed by that signal (exit status 128 + n, 130 for Ctrl-C).
 */
function onSignal(signal: NodeJS.Signals): void {
  stopAll();
  if (process.listenerCount(signal) > 1) return;
  unwatch();
  process.kill(process.pid, signal);
}

const listeners = new Map<NodeJS.Signals, () => void>();

function watch(): void {
  if (listeners.size > 0) return;
  for (const signal of STOP_SIGNALS) {
    const listener = (): void => onSignal(signal);
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  process.on('exit', stopAll);
}

function unwatch(): void {
  for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  listeners.clear();
  process.removeListener('exit', stopAll);
}

/**
 * `child_process.spawn` for exec credential plugins (client-node's ExecAuth takes it as its
 * `execFn`): `shell: false` whatever the caller passed, and the child tracked until it exits.
 */
export function spawnCredentialPlugin(
  command: string,
  args: readonly string[] | undefined,
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args ?? [], { ...options, shell: false });
  running.add(child);
  watch();
  const forget = (): void => {
    running.delete(child);
    if (running.size === 0) unwatch();
  };
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/** Plugins still running (tests). */
export function runningCredentialPlugins(): number {
  return running.size;
}
