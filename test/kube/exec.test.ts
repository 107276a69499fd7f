// Exec over WebSocket against a tiny `ws` server speaking the Kubernetes channel protocol.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { exitCodeFromStatus } from '../../src/kube/exec.ts';
import { HttpGateway } from '../../src/kube/http-gateway.ts';
import { rejection, status, testClient } from './helpers.ts';

interface ExecServer {
  url: string;
  seen: {
    path: string;
    query: URLSearchParams;
    protocol: string;
    authorization?: string;
    stdin: Buffer[];
    closedStdin: boolean;
  }[];
  close(): Promise<void>;
}

type Session = (socket: WebSocket, received: ExecServer['seen'][number]) => void;

const open: ExecServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** Serves exec; `protocols` is what the server supports, in its order of preference. */
async function execServer(
  protocols: string[],
  session: Session,
  reject?: { code: number; body: unknown },
): Promise<ExecServer> {
  const server = http.createServer();
  const seen: ExecServer['seen'] = [];
  const wss = new WebSocketServer({
    server,
    handleProtocols: (offered) => protocols.find((protocol) => offered.has(protocol)) ?? false,
    verifyClient: (_info, done) =>
      reject
        ? done(false, reject.code, JSON.stringify(reject.body), { 'Content-Type': 'application/json' })
        : done(true),
  });
  wss.on('connection', (socket, request) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const received = {
      path: url.pathname,
      query: url.searchParams,
      protocol: socket.protocol,
      authorization: request.headers.authorization,
      stdin: [] as Buffer[],
      closedStdin: false,
    };
    seen.push(received);
    socket.on('message', (data: Buffer) => {
      if (data[0] === 0) received.stdin.push(data.subarray(1));
      if (data[0] === 255 && data[1] === 0) received.closedStdin = true;
    });
    session(socket, received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result: ExecServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(result);
  return result;
}

const frame = (channel: number, text: string): Buffer =>
  Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
const success = { metadata: {}, status: 'Success' };
const exited = (code: number) => ({
  metadata: {},
  status: 'Failure',
  message: `command terminated with non-zero exit code: error executing command [sh -c exit ${code}], exit code ${code}`,
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

/** Writes output, then the status, then closes — what the API server does when the process ends. */
function finishes(stdout: string, stderr: string, finalStatus: unknown): Session {
  return (socket) => {
    if (stdout) socket.send(frame(1, stdout));
    if (stderr) socket.send(frame(2, stderr));
    socket.send(frame(3, JSON.stringify(finalStatus)));
    socket.close();
  };
}

function gatewayFor(server: ExecServer): HttpGateway {
  return new HttpGateway(testClient(server.url).client);
}

describe('exec over WebSocket', () => {
  it.each([
    { protocol: 'v5.channel.k8s.io', supported: ['v5.channel.k8s.io', 'v4.channel.k8s.io'] },
    { protocol: 'v4.channel.k8s.io', supported: ['v4.channel.k8s.io'] },
  ])('speaks $protocol when the server offers it', async ({ protocol, supported }) => {
    const server = await execServer(supported, finishes('hello\n', 'warn\n', success));
    const result = await gatewayFor(server).exec({
      namespace: 'web',
      pod: 'db-0',
      container: 'main',
      command: ['cat', '/data/marker file', '$HOME;rm -rf /'],
    });
    expect(result).toEqual({ stdout: 'hello\n', stderr: 'warn\n', exitCode: 0 });
    const seen = server.seen[0]!;
    expect(seen.protocol).toBe(protocol);
    expect(seen.path).toBe('/api/v1/namespaces/web/pods/db-0/exec');
    // argv as repeated parameters, untouched: no shell ever sees it.
    expect(seen.query.getAll('command')).toEqual(['cat', '/data/marker file', '$HOME;rm -rf /']);
    expect(Object.fromEntries([...seen.query].filter(([key]) => key !== 'command'))).toEqual({
      container: 'main',
      stdout: 'true',
      stderr: 'true',
    });
    expect(seen.authorization).toBe('Bearer test-token-123');
  });

  it.each([
    { name: 'Success → 0', final: success, code: 0 },
    { name: 'NonZeroExitCode with ExitCode 3 → 3', final: exited(3), code: 3 },
    { name: 'NonZeroExitCode with ExitCode 137 → 137', final: exited(137), code: 137 },
  ])('exit status: $name', async ({ final, code }) => {
    const server = await execServer(['v5.channel.k8s.io'], finishes('', 'boom', final));
    const result = await gatewayFor(server).exec({ namespace: 'a', pod: 'p', command: ['false'] });
    expect(result.exitCode).toBe(code);
  });

  it('exitCodeFromStatus leaves other failures to the caller', () => {
    expect(
      exitCodeFromStatus({ status: 'Failure', reason: 'InternalError', message: 'container not found' }),
    ).toBeUndefined();
  });

  it('a failure status that is not an exit code is an error with the API message', async () => {
    const server = await execServer(
      ['v5.channel.k8s.io'],
      finishes('', '', status(500, 'InternalError', 'container "side" not found in pod "p"')),
    );
    const error = await rejection(
      gatewayFor(server).exec({ namespace: 'a', pod: 'p', container: 'side', command: ['ls'] }),
    );
    expect(error.exitCode).toBe(ExitCode.SERVER);
    expect(error.message).toBe('exec in pod a/p failed: container "side" not found in pod "p"');
  });

  it.each([
    { protocol: 'v5.channel.k8s.io', closes: true },
    { protocol: 'v4.channel.k8s.io', closes: false },
  ])('stdin is sent on channel 0; $protocol closes it: $closes', async ({ protocol, closes }) => {
    const server = await execServer([protocol], (socket, received) => {
      // Echo stdin back once it arrived, then finish.
      socket.on('message', () => {
        if (Buffer.concat(received.stdin).toString() !== 'payload\n') return;
        setImmediate(() => finishes(Buffer.concat(received.stdin).toString(), '', success)(socket, received));
      });
    });
    const result = await gatewayFor(server).exec({
      namespace: 'a',
      pod: 'p',
      command: ['cat'],
      stdin: 'payload\n',
    });
    expect(result.stdout).toBe('payload\n');
    expect(server.seen[0]!.query.get('stdin')).toBe('true');
    expect(server.seen[0]!.closedStdin).toBe(closes);
  });

  it('a refused upgrade (403) is mapped like any API error', async () => {
    const server = await execServer(['v5.channel.k8s.io'], () => undefined, {
      code: 403,
      body: status(
        403,
        'Forbidden',
        'pods "p" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "a"',
      ),
    });
    const error = await rejection(gatewayFor(server).exec({ namespace: 'a', pod: 'p', command: ['ls'] }));
    expect(error.exitCode).toBe(ExitCode.AUTH);
    expect(error.message).toContain('cannot create resource "pods/exec"');
  });

  it('times out with TIMEOUT when the process does not finish', async () => {
    const server = await execServer(['v5.channel.k8s.io'], () => undefined);
    const error = await rejection(
      gatewayFor(server).exec({ namespace: 'a', pod: 'p', command: ['sleep', '1000'], timeoutMs: 200 }),
    );
    expect(error.exitCode).toBe(ExitCode.TIMEOUT);
    expect(error.message).toBe('exec of "sleep 1000" in pod a/p did not finish within 200ms');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const server = await execServer(['v5.channel.k8s.io'], () => controller.abort());
    const error = await rejection(
      gatewayFor(server).exec({
        namespace: 'a',
        pod: 'p',
        command: ['sleep', '1000'],
        signal: controller.signal,
      }),
    );
    expect(error.exitCode).toBe(ExitCode.INTERRUPTED);
  });

  it('a stream that closes without a status is an error, not exit code 0', async () => {
    const server = await execServer(['v5.channel.k8s.io'], (socket) => {
      socket.send(frame(1, 'partial'));
      socket.close();
    });
    const error = await rejection(gatewayFor(server).exec({ namespace: 'a', pod: 'p', command: ['ls'] }));
    expect(error.message).toBe('exec in pod a/p ended without an exit status');
  });
});
