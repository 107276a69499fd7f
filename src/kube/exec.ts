// `pods/exec` over WebSocket with the Kubernetes channel protocol: every binary frame starts with
// a channel byte (0 stdin, 1 stdout, 2 stderr, 3 status, 255 close in v5). The argv goes as
// repeated `command` parameters and is executed without a shell.
import type WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExecOptions, ExecResult } from './gateway.ts';
import type { HttpClient } from './http.ts';
import { KubeApiError, displayUrl } from './http.ts';
import { checkPathSegment } from './names.ts';
import type { ApiStatus } from './types.ts';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;

/** Exit code from the channel-3 Status: Success → 0, NonZeroExitCode → the ExitCode cause. */
export function exitCodeFromStatus(status: ApiStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((item) => item.reason === 'ExitCode');
    const code = Number(cause?.message);
    return Number.isInteger(code) ? code : 1;
  }
  return undefined;
}

export async function execOverWebSocket(client: HttpClient, options: ExecOptions): Promise<ExecResult> {
  const wantStdin = options.stdin !== undefined;
  checkPathSegment(options.namespace, { what: 'namespace', hint: 'give the name of a namespace' });
  checkPathSegment(options.pod, { what: 'resource name', hint: 'give the name of a pod' });
  const url = client.url(
    `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/exec`,
    {
      command: options.command,
      container: options.container,
      stdin: wantStdin ? 'true' : undefined,
      stdout: 'true',
      stderr: 'true',
    },
  );
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  const { headers, tls } = await client.connectionOptions();
  // Loaded on first use: most commands never exec, and should not pay for the module.
  const { default: WebSocketClient } = await import('ws');
  const where = `${options.namespace}/${options.pod}`;

  return new Promise<ExecResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let status: ApiStatus | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    // ws hands these TLS options to tls.connect (servername included), like https.request does.
    const socket = new WebSocketClient(url, [...EXEC_PROTOCOLS], {
      headers,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      servername: tls.servername,
      agent: tls.agent,
      perMessageDeflate: false,
      // --request-timeout bounds the handshake; the running command is bounded by timeoutMs.
      handshakeTimeout: client.handshakeTimeoutMs,
    } as WebSocket.ClientOptions);

    const finish = (error: Error | undefined, result?: ExecResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (socket.readyState === WebSocketClient.OPEN || socket.readyState === WebSocketClient.CONNECTING)
        socket.terminate();
      if (error) reject(error);
      else resolve(result!);
    };
    const onAbort = (): void =>
      finish(new StsError(`exec in pod ${where} was interrupted`, { exitCode: ExitCode.INTERRUPTED }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs) {
      const timeoutMs = options.timeoutMs;
      timer = setTimeout(
        () =>
          finish(
            new StsError(
              `exec of "${options.command.join(' ')}" in pod ${where} did not finish within ${timeoutMs}ms`,
              {
                exitCode: ExitCode.TIMEOUT,
                hint: 'the command may hang in the container; check it with kubectl exec',
              },
            ),
          ),
        timeoutMs,
      );
    }

    socket.on('open', () => {
      if (!wantStdin) return;
      const data = Buffer.from(options.stdin ?? '', 'utf8');
      if (data.length > 0) socket.send(Buffer.concat([Buffer.from([STDIN]), data]));
      // Only v5 can signal end-of-input; on v4 the process sees stdin stay open.
      if (socket.protocol === 'v5.channel.k8s.io') socket.send(Buffer.from([CLOSE, STDIN]));
    });

    socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      const frame = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      if (frame.length === 0) return;
      const payload = frame.subarray(1);
      switch (frame[0]) {
        case STDOUT:
          stdout.push(payload);
          break;
        case STDERR:
          stderr.push(payload);
          break;
        case STATUS:
          try {
            status = JSON.parse(payload.toString('utf8')) as ApiStatus;
          } catch {
            status = { status: 'Failure', message: payload.toString('utf8') };
          }
          break;
      }
    });

    socket.on('unexpected-response', (request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        let apiStatus: ApiStatus | undefined;
        try {
          apiStatus = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiStatus;
        } catch {
          apiStatus = undefined;
        }
        request.destroy();
        finish(client.statusError('GET', url, response.statusCode ?? 0, apiStatus, 1));
      });
    });

    socket.on('error', (error) => finish(client.transportError('GET', url, error)));

    socket.on('close', () => {
      if (!status) {
        finish(
          new StsError(`exec in pod ${where} ended without an exit status`, {
            exitCode: ExitCode.SERVER,
            hint: `the connection to ${displayUrl(url)} closed early; retry with --debug`,
          }),
        );
        return;
      }
      const exitCode = exitCodeFromStatus(status);
      if (exitCode === undefined) {
        finish(
          new KubeApiError(
            `exec in pod ${where} failed: ${status.message ?? status.reason ?? 'unknown error'}`,
            {
              exitCode: ExitCode.SERVER,
              status: status.code ?? 500,
              apiStatus: status,
              hint: 'check that the pod is running and the container name is right',
            },
          ),
        );
        return;
      }
      finish(undefined, {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode,
      });
    });
  });
}
