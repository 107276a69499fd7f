// `pods/exec` for the simulator: validates the target as the apiserver and kubelet do, then
// runs the command in a simulated container process (a small shell over per-volume file
// trees, with nslookup/getent answering as CoreDNS would).
import type { Container, PersistentVolume, Pod } from '../../../src/kube/types.ts';
import type { ApiErrorShape, ExecHandler, ExecRequest, ExecSession, SimClock, Store } from '../contract.ts';
import { TreeRegistry, environmentFor, mountsFor, profileFor } from './container.ts';
import { bindNslookupUtility, busyboxNslookupUtility, getentUtility } from './dns.ts';
import { Vfs } from './fs.ts';
import { Input, Shell } from './shell.ts';
import type { Io, Utility } from './shell.ts';
import { coreUtilities } from './utilities.ts';

export { TOOLS_ANNOTATION } from './container.ts';

export interface ExecOptions {
  clusterDomain: string;
}

/** Thrown before a process starts; the API server turns it into a Status. */
export class ExecApiError extends Error implements ApiErrorShape {
  readonly code: number;
  readonly reason: string;
  readonly details?: ApiErrorShape['details'];
  constructor(code: number, reason: string, message: string, details?: ApiErrorShape['details']) {
    super(message);
    this.code = code;
    this.reason = reason;
    if (details) this.details = details;
  }
}

const SHELLS = new Set(['sh', 'ash', 'bash', 'dash']);

/**
 * A program the image does not have, as containerd reports it: runc fails to start the process,
 * so there is no exit code; the kubelet answers with an InternalError, which the API server's
 * WebSocket translator (kubectl >= 1.30) wraps once more. kubectl prints `error: Internal error
 * occurred: Internal error occurred: error executing command in container: …` and exits 1.
 */
function execStartFailed(program: string): ExecApiError {
  const execId = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join(
    '',
  );
  const runtime = `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown`;
  return new ExecApiError(
    500,
    'InternalError',
    `Internal error occurred: Internal error occurred: ${runtime}`,
    {
      causes: [{ message: `Internal error occurred: ${runtime}` }],
    },
  );
}

export interface SimExecHandler extends ExecHandler {
  /** Stops following store changes (tree clean-up). */
  close(): void;
}

export function createExecHandler(store: Store, clock: SimClock, options: ExecOptions): SimExecHandler {
  const registry = new TreeRegistry();
  const unsubscribe = [
    store.subscribe('pods', (event) => {
      if (event.type === 'DELETED' && event.object.metadata?.uid)
        registry.drop(`pod:${event.object.metadata.uid}/`);
    }),
    store.subscribe('persistentvolumes', (event) => {
      const pv = event.object as PersistentVolume;
      if (event.type === 'DELETED' && pv.metadata?.name) registry.drop(`pv:${pv.metadata.name}`);
    }),
  ];

  return {
    close() {
      for (const stop of unsubscribe) stop();
    },
    start(request: ExecRequest): ExecSession {
      const { pod, container } = target(request);
      return startProcess(store, clock, registry, options, pod, container, request);
    },
    check(request: ExecRequest): void {
      target(request);
    },
  };

  function target(request: ExecRequest): { pod: Pod; container: Container } {
    const pod = store.get<Pod>('pods', request.namespace, request.pod);
    if (!pod) {
      throw new ExecApiError(404, 'NotFound', `pods "${request.pod}" not found`, {
        name: request.pod,
        kind: 'pods',
      });
    }
    const container = pickContainer(pod, request.container);
    requireRunning(pod, container);
    return { pod, container };
  }
}

function pickContainer(pod: Pod, name: string | undefined): Container {
  const containers = pod.spec?.containers ?? [];
  const podName = pod.metadata?.name ?? '';
  if (name === undefined || name === '') {
    if (containers.length === 1) return containers[0]!;
    const names = containers.map((c) => c.name).join(' ');
    throw new ExecApiError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${podName}, choose one of: [${names}]`,
    );
  }
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  const found = all.find((c) => c.name === name);
  if (!found) throw new ExecApiError(400, 'BadRequest', `container ${name} is not valid for pod ${podName}`);
  return found;
}

function requireRunning(pod: Pod, container: Container): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new ExecApiError(
      400,
      'BadRequest',
      `cannot exec into a container in a completed pod; current phase is ${phase}`,
    );
  }
  if (!pod.spec?.nodeName) {
    throw new ExecApiError(
      400,
      'BadRequest',
      `pod ${pod.metadata?.name ?? ''} does not have a host assigned`,
    );
  }
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const status = statuses.find((s) => s.name === container.name);
  if (!status?.state?.running) {
    throw new ExecApiError(
      400,
      'BadRequest',
      `unable to upgrade connection: container not found ("${container.name}")`,
    );
  }
}

/** Streams that buffer until the API server attaches its listener. */
class Stream {
  private listeners: ((data: Buffer) => void)[] = [];
  private pending: Buffer[] = [];

  listen(listener: (data: Buffer) => void): void {
    this.listeners.push(listener);
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) listener(chunk);
  }

  emit(data: Buffer): void {
    if (data.length === 0) return;
    if (this.listeners.length === 0) this.pending.push(data);
    for (const listener of this.listeners) listener(data);
  }
}

function startProcess(
  store: Store,
  clock: SimClock,
  registry: TreeRegistry,
  options: ExecOptions,
  pod: Pod,
  container: Container,
  request: ExecRequest,
): ExecSession {
  const stdout = new Stream();
  const stderr = new Stream();
  const abort = new AbortController();
  const stdin = new Input();
  if (!request.stdin) stdin.end();
  // A terminal turns LF into CRLF on output, as a real pty does.
  const crlf = (data: Buffer): Buffer =>
    request.tty ? Buffer.from(data.toString('utf8').replace(/\r?\n/g, '\r\n')) : data;
  const io: Io = {
    stdin,
    stdout: (data) => stdout.emit(crlf(data)),
    // With a tty, stderr is merged into the terminal's single stream.
    stderr: (data) => (request.tty ? stdout.emit(crlf(data)) : stderr.emit(data)),
  };

  const run = async (): Promise<number> => {
    // Let the caller attach listeners and write stdin before anything runs.
    await Promise.resolve();
    const profile = profileFor(pod, container);
    const argv = request.command.length > 0 ? request.command : ['sh'];
    const program = argv[0]!.split('/').pop()!;
    if (!profile.shell) throw execStartFailed(argv[0]!);
    const env = environmentFor(store, pod, container);
    const vfs = new Vfs(mountsFor(store, registry, pod, container, options.clusterDomain, env));
    const utilities = coreUtilities(pod.spec?.hostname ?? pod.metadata?.name ?? '', () => clock.now());
    if (profile.getent) utilities.set('getent', getentUtility(store, options.clusterDomain));
    if (profile.nslookup === 'busybox')
      utilities.set('nslookup', busyboxNslookupUtility(store, options.clusterDomain));
    if (profile.nslookup === 'bind')
      utilities.set('nslookup', bindNslookupUtility(store, options.clusterDomain));
    const makeShell = (): Shell =>
      new Shell({
        vfs,
        flavor: profile.flavor,
        env,
        cwd: (container as Container & { workingDir?: string }).workingDir ?? '/',
        utilities,
        sleep: (ms) =>
          new Promise<void>((resolve, reject) => {
            const timer = clock.setTimeout(resolve, ms);
            abort.signal.addEventListener('abort', () => {
              timer.cancel();
              reject(new Error('killed'));
            });
          }),
        signal: abort.signal,
      });
    const shellProgram: Utility = async (context) => {
      const child = makeShell();
      const args = context.argv.slice(1);
      const dashC = args.indexOf('-c');
      if (dashC >= 0) {
        const script = args[dashC + 1];
        if (script === undefined) {
          child.shellError(context.io, '-c requires an argument');
          return 2;
        }
        child.name = args[dashC + 2] ?? context.argv[0]!;
        child.positional = args.slice(dashC + 3);
        return child.runScript(script, context.io);
      }
      const file = args.find((arg) => !arg.startsWith('-'));
      const source = file
        ? context.shell.vfs.read(context.shell.resolve(file)).toString('utf8')
        : (await context.io.stdin.all()).toString('utf8');
      return child.runScript(source, {
        ...context.io,
        stdin: file ? context.io.stdin : Input.of(Buffer.alloc(0)),
      });
    };
    for (const name of SHELLS)
      if (name !== 'bash' || profile.flavor === 'gnu') utilities.set(name, shellProgram);
    const shell = makeShell();
    if (!utilities.has(program) && !['exit', 'cd', 'true', 'false', 'pwd'].includes(program))
      throw execStartFailed(argv[0]!);
    return shell.runArgv(argv, io);
  };

  const exit = run().catch((error: unknown) => {
    if (error instanceof ExecApiError) throw error;
    if (abort.signal.aborted) return 137;
    io.stderr(Buffer.from(`simulator: ${error instanceof Error ? error.message : String(error)}\n`));
    return 1;
  });
  const exitCode = exit.then((code) => (abort.signal.aborted ? 137 : code));
  // A failed start rejects before the server attaches its handler (it waits for the runtime's
  // start-up delay): mark it handled here; the server still sees the rejection.
  exitCode.catch(() => undefined);

  return {
    writeStdin(data) {
      stdin.push(Buffer.from(data));
    },
    endStdin() {
      stdin.end();
    },
    onStdout(listener) {
      stdout.listen(listener);
    },
    onStderr(listener) {
      stderr.listen(listener);
    },
    exit: exitCode,
    kill() {
      abort.abort();
      stdin.end();
    },
  };
}
