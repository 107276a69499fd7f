// pods/exec over WebSocket, speaking the Kubernetes channel protocols (channel.k8s.io, v4 and
// v5): channel 0 stdin, 1 stdout, 2 stderr, 3 the exit status (a Status from v4 on), 4 resize,
// 255 (v5) a stream close. The process itself comes from the ExecHandler.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { ExecHandler, ExecRequest, ExecSession, Store } from '../contract.ts';
import { ApiError, badRequest, isApiError, statusBody } from './errors.ts';
import type { Json } from './json.ts';

export const EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/** Writes an HTTP error on a socket that asked for an upgrade. */
export function rejectUpgrade(socket: Duplex, error: unknown): void {
  const apiError = isApiError(error)
    ? error
    : new ApiError(500, 'InternalError', `Internal error occurred: ${String(error)}`);
  const body = JSON.stringify(statusBody(apiError));
  const reason = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
  }[apiError.code];
  socket.end(
    `HTTP/1.1 ${apiError.code} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface ExecParams {
  namespace: string;
  pod: string;
  container: string | undefined;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value === 'true' || value === '1';
}

/** Checks the request as the apiserver does before it proxies to the kubelet. */
export function execParams(store: Store, url: URL, namespace: string, podName: string): ExecParams {
  const pod = store.get<Json>('pods', namespace, podName);
  if (!pod)
    throw new ApiError(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' });
  const command = url.searchParams.getAll('command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  let container = url.searchParams.get('container') ?? undefined;
  const containers: Json[] = pod.spec?.containers ?? [];
  if (!container) {
    if (containers.length === 1) container = containers[0]!.name;
    else {
      throw badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${containers.map((c) => c.name).join(' ')}]`,
      );
    }
  }
  const params: ExecParams = {
    namespace,
    pod: podName,
    container,
    command,
    stdin: flag(url, 'stdin'),
    stdout: flag(url, 'stdout'),
    stderr: flag(url, 'stderr'),
    tty: flag(url, 'tty'),
  };
  if (!params.stdin && !params.stdout && !params.stderr) {
    throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  return params;
}

function exitStatus(code: number, command: string[]): Json {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** How long a runtime takes from the exec request to the process's first output (see #run). */
const EXEC_START_MS = 10;

export class ExecServer {
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  readonly #sessions = new Set<{ socket: WebSocket; session?: ExecSession }>();

  /** Upgrades the connection and runs the command; `params` were checked beforehand. */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    params: ExecParams,
    handler: ExecHandler,
  ): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (/^spdy\//i.test(String(req.headers.upgrade ?? ''))) {
      // A real API server speaks SPDY too; this one only the WebSocket protocols kubectl >= 1.30
      // uses. A bad request gets the same answer either way (kubectl >= 1.30 retries a refused
      // WebSocket upgrade over SPDY and shows that answer); a good one is told what is missing.
      try {
        handler.check?.(execRequestOf(params));
      } catch (error) {
        rejectUpgrade(socket, error);
        return;
      }
      rejectUpgrade(
        socket,
        badRequest(
          'exec over SPDY/3.1 (kubectl <= 1.29) is not simulated; use kubectl >= 1.30, which speaks WebSocket (v5.channel.k8s.io)',
        ),
      );
      return;
    }
    if (!offered.some((p) => EXEC_PROTOCOLS.includes(p))) {
      rejectUpgrade(socket, badRequest('Upgrade request required'));
      return;
    }
    let session: ExecSession;
    try {
      session = handler.start(execRequestOf(params));
    } catch (error) {
      rejectUpgrade(socket, error);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#run(ws, session, params));
  }

  #run(ws: WebSocket, session: ExecSession, params: ExecParams): void {
    const entry = { socket: ws, session };
    this.#sessions.add(entry);
    ws.on('close', () => {
      this.#sessions.delete(entry);
      session.kill();
    });
    ws.on('error', () => session.kill());
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      const data = isBinary ? raw : Buffer.from(raw.toString(), 'utf8');
      if (data.length === 0) return;
      const channel = data[0];
      if (channel === STDIN && params.stdin) session.writeStdin(data.subarray(1));
      else if (channel === CLOSE && data[1] === STDIN && params.stdin) session.endStdin();
    });
    // On a real cluster the first byte of output comes after the API server has dialled the
    // kubelet and the runtime has started the process, never straight after the 101. Older
    // kubectl (seen with 1.31 in CI) reads the socket before creating its streams and drops what
    // arrives first ("Unknown stream id 1, discarding message"); the process's output is held
    // back (it buffers) for a runtime's start-up so kubectl sees what a real cluster shows it.
    // A timer counts from the event loop's cached time, which lags behind while the loop is
    // busy; the wait is measured against the real clock so that it is never shorter.
    const upgradedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const startWhenDue = (): void => {
      const left = EXEC_START_MS - (performance.now() - upgradedAt);
      if (left > 0) timer = setTimeout(startWhenDue, Math.ceil(left));
      else this.#stream(ws, session, params);
    };
    startWhenDue();
    ws.on('close', () => clearTimeout(timer));
  }

  #stream(ws: WebSocket, session: ExecSession, params: ExecParams): void {
    const protocol = ws.protocol;
    const versioned = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
    const send = (channel: number, data: Buffer | string): void => {
      if (ws.readyState !== ws.OPEN) return;
      const payload = typeof data === 'string' ? Buffer.from(data) : data;
      ws.send(Buffer.concat([Buffer.from([channel]), payload]));
    };
    if (params.stdout) session.onStdout((data) => send(STDOUT, data));
    if (params.stderr) session.onStderr((data) => send(params.tty ? STDOUT : STDERR, data));
    session.exit.then(
      (code) => {
        if (versioned) send(ERROR, JSON.stringify(exitStatus(code, params.command)));
        else if (code !== 0) send(ERROR, `command terminated with non-zero exit code: exit code ${code}`);
        ws.close(1000);
      },
      (error: unknown) => {
        send(
          ERROR,
          versioned
            ? JSON.stringify(
                statusBody(isApiError(error) ? error : new ApiError(500, 'InternalError', String(error))),
              )
            : String(error),
        );
        ws.close(1000);
      },
    );
  }

  close(): void {
    for (const { socket, session } of this.#sessions) {
      session?.kill();
      socket.terminate();
    }
    this.#sessions.clear();
    this.#wss.close();
  }
}

/** What the exec handler needs of a request's parameters. */
function execRequestOf(params: ExecParams): ExecRequest {
  const { namespace, pod, container, command, stdin, tty } = params;
  return { namespace, pod, container, command, stdin, tty };
}
