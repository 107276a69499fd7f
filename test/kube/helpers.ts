// Test servers scripted per test (plain node:http / node:https on 127.0.0.1:0) and a throwaway
// PKI made with the openssl CLI, so TLS failures are real handshakes, not mocks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpClient } from '../../src/kube/http.ts';
import type { AuthMaterial, HttpClientOptions } from '../../src/kube/http.ts';

export interface SeenRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (
  request: SeenRequest,
  response: http.ServerResponse,
  raw: http.IncomingMessage,
) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  server: http.Server;
  close(): Promise<void>;
}

export async function startServer(handler: Handler, tls?: https.ServerOptions): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const listener = (raw: http.IncomingMessage, response: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const request: SeenRequest = {
        method: raw.method ?? 'GET',
        url: new URL(raw.url ?? '/', 'http://127.0.0.1'),
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handler(request, response, raw);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export function status(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    details,
  };
}

/** A client whose backoff is recorded instead of waited for. */
export function testClient(
  server: string,
  overrides: Partial<HttpClientOptions> & { material?: Partial<AuthMaterial> } = {},
): { client: HttpClient; sleeps: number[]; trace: string[] } {
  const sleeps: number[] = [];
  const trace: string[] = [];
  const { material, ...rest } = overrides;
  const client = new HttpClient({
    server,
    auth: async () => ({ headers: { Authorization: 'Bearer test-token-123' }, ...material }),
    requestTimeoutMs: 0,
    userAgent: 'kubectl-sts/test',
    labels: { context: 'test-ctx', cluster: 'test-cluster', user: 'test-user' },
    trace: (line) => trace.push(line),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...rest,
  });
  return { client, sleeps, trace };
}

export interface Pki {
  dir: string;
  caCert: string;
  otherCaCert: string;
  server: { key: string; cert: string };
  wrongHost: { key: string; cert: string };
  /** A client certificate signed by the CA, as files (for kubeconfig paths). */
  clientCertFile: string;
  clientKeyFile: string;
  caFile: string;
  cleanup(): void;
}

/** A CA, a server certificate for 127.0.0.1 signed by it, one for another host name, and an unrelated CA. */
export function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-pki-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ca = (name: string): void =>
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  const leaf = (name: string, san: string): void => {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'IP:127.0.0.1,DNS:localhost');
  leaf('wrong-host', 'DNS:elsewhere.example');
  leaf('client', 'DNS:client');
  const read = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    otherCaCert: read('other-ca.crt'),
    server: { key: read('server.key'), cert: read('server.crt') },
    wrongHost: { key: read('wrong-host.key'), cert: read('wrong-host.crt') },
    clientCertFile: path.join(dir, 'client.crt'),
    clientKeyFile: path.join(dir, 'client.key'),
    caFile: path.join(dir, 'ca.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}
