// The HTTP client against real scripted servers: what it sends, when it retries, and the one
// error line each failure becomes.
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode, StsError, formatError } from '../../src/cli/errors.ts';
import { HttpClient, parseRetryAfter } from '../../src/kube/http.ts';
import { spawn, spawnSync } from 'node:child_process';
import { startFaultyProxy } from '../helpers/faulty-proxy.ts';
import { caseTitle } from '../hostile/cases.ts';
import { makePki, rejection, sendJson, startServer, status, testClient } from './helpers.ts';
import type { Pki, TestServer } from './helpers.ts';

const servers: TestServer[] = [];
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server answering a fixed script of statuses, one per request, then 200s. */
function scripted(steps: { status: number; headers?: Record<string, string>; body?: unknown }[]) {
  let index = 0;
  return serve((_request, response) => {
    const step = steps[index++] ?? {
      status: 200,
      body: { kind: 'PodList', items: [], metadata: { resourceVersion: '7' } },
    };
    sendJson(
      response,
      step.status,
      step.body ?? status(step.status, 'x', `status ${step.status}`),
      step.headers,
    );
  });
}

describe('requests', () => {
  it('sends the token, a kubectl-sts User-Agent and Accept JSON, and returns raw JSON with string timestamps', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { metadata: { name: 'web', creationTimestamp: '2024-05-01T10:00:00Z' } }),
    );
    const { client } = testClient(server.url);
    const body = await client.json<{ metadata: { creationTimestamp: unknown } }>(
      'GET',
      '/apis/apps/v1/namespaces/a/statefulsets/web',
    );
    expect(body.metadata.creationTimestamp).toBe('2024-05-01T10:00:00Z');
    const seen = server.requests[0]!;
    expect(seen.headers.authorization).toBe('Bearer test-token-123');
    expect(seen.headers['user-agent']).toBe('kubectl-sts/test');
    expect(seen.headers.accept).toBe('application/json');
    expect(client.requestCount).toBe(1);
    client.close();
  });

  it('asks for gzip and reads a compressed answer', async () => {
    const items = Array.from({ length: 500 }, (_, index) => ({ metadata: { name: `web-${index}` } }));
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      response.end(gzipSync(JSON.stringify({ kind: 'PodList', items })));
    });
    const { client, trace } = testClient(server.url);
    const list = await client.json<{ items: unknown[] }>('GET', '/api/v1/pods');
    expect(list.items).toHaveLength(500);
    expect(server.requests[0]!.headers['accept-encoding']).toBe('gzip');
    expect(trace.join('\n')).toMatch(/200 in \d+ms, [\d.]+ KiB gzip \([\d.]+ KiB\)/);
    client.close();
  });

  it('passes --request-timeout to the server as ?timeout=, as kubectl does', async () => {
    const server = await scripted([]);
    const { client } = testClient(server.url, { requestTimeoutMs: 2500 });
    await client.json('GET', '/api/v1/pods');
    expect(server.requests[0]!.url.searchParams.get('timeout')).toBe('3s');
    client.close();
  });

  it('keeps a path prefix of the server URL (clusters behind a proxy path)', async () => {
    const server = await scripted([]);
    const { client } = testClient(`${server.url}/k8s/clusters/c-1/`);
    await client.json('GET', '/api/v1/pods', { query: { labelSelector: 'app=web,tier in (db)' } });
    expect(server.requests[0]!.url.pathname).toBe('/k8s/clusters/c-1/api/v1/pods');
    expect(server.requests[0]!.url.searchParams.get('labelSelector')).toBe('app=web,tier in (db)');
    client.close();
  });
});

describe('retries of idempotent reads', () => {
  it.each([
    { name: '503 then success', script: [{ status: 503 }], requests: 2, sleeps: [188] },
    {
      name: '500, 502, 504 then success',
      script: [{ status: 500 }, { status: 502 }, { status: 504 }],
      requests: 4,
      sleeps: [188, 375, 750],
    },
    {
      name: '429 with Retry-After: 2 waits two seconds',
      script: [{ status: 429, headers: { 'Retry-After': '2' } }],
      requests: 2,
      sleeps: [2000],
    },
    {
      name: 'Retry-After is capped so a bad header cannot stall the command',
      script: [{ status: 503, headers: { 'Retry-After': '3600' } }],
      requests: 2,
      sleeps: [30_000],
    },
  ])('$name', async ({ script, requests, sleeps }) => {
    const server = await scripted(script);
    const { client, sleeps: slept } = testClient(server.url);
    await expect(client.json('GET', '/api/v1/pods')).resolves.toMatchObject({ kind: 'PodList' });
    expect(server.requests).toHaveLength(requests);
    expect(slept).toEqual(sleeps);
    client.close();
  });

  it.each([
    { status: 503, says: 'the API server failed on GET', after: 'after 4 attempts' },
    {
      status: 429,
      says: 'the API server is throttling requests (429 Too Many Requests after 4 attempts)',
      after: '',
    },
  ])(
    'gives up after the attempt limit on $status with a SERVER error',
    async ({ status: code, says, after }) => {
      const server = await scripted(Array.from({ length: 10 }, () => ({ status: code })));
      const { client, sleeps } = testClient(server.url);
      const error = await rejection(client.json('GET', '/api/v1/pods'));
      expect(error).toBeInstanceOf(StsError);
      expect(error.exitCode).toBe(ExitCode.SERVER);
      expect(error.message).toContain(says);
      expect(error.message).toContain(after);
      expect(server.requests).toHaveLength(4);
      expect(sleeps).toHaveLength(3);
      client.close();
    },
  );

  it('backoff doubles up to the ceiling, with jitter between half and the full step', async () => {
    const server = await serve((_request, response) => sendJson(response, 503, status(503, 'x', 'busy')));
    const low = testClient(server.url, {
      random: () => 0,
      retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 500 },
    });
    await rejection(low.client.json('GET', '/x'));
    expect(low.sleeps).toEqual([50, 100, 200, 250, 250]);
    const high = testClient(server.url, {
      random: () => 0.999999,
      retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 500 },
    });
    await rejection(high.client.json('GET', '/x'));
    expect(high.sleeps).toEqual([100, 200, 400, 500, 500]);
    low.client.close();
    high.client.close();
  });

  it('does not retry writes', async () => {
    const server = await scripted([{ status: 503 }]);
    const { client } = testClient(server.url);
    const error = await rejection(client.json('POST', '/api/v1/namespaces/a/pods/p/eviction', { body: {} }));
    expect(error.exitCode).toBe(ExitCode.SERVER);
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  it('retries a read whose connection was reset', async () => {
    let first = true;
    const server = await serve((_request, response, raw) => {
      if (first) {
        first = false;
        raw.socket.destroy();
        return;
      }
      sendJson(response, 200, { items: [] });
    });
    const { client, sleeps } = testClient(server.url);
    await expect(client.json('GET', '/api/v1/pods')).resolves.toEqual({ items: [] });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    client.close();
  });

  it('an abort while waiting to retry stops at once as INTERRUPTED', async () => {
    const server = await scripted([{ status: 503 }]);
    const controller = new AbortController();
    const { client } = testClient(server.url, {
      sleep: async () => {
        controller.abort();
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      },
    });
    const error = await rejection(client.json('GET', '/api/v1/pods', { signal: controller.signal }));
    expect(error.exitCode).toBe(ExitCode.INTERRUPTED);
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  // A command that fails on its first error (a 401 on the StatefulSet's GET) closes its
  // connection while its other reads are in flight: they end there, unretried and untraced, so
  // the error line stays the last line and the process exits at once.
  it('close() ends the reads in flight: no retry, nothing traced after it', async () => {
    const held: (() => void)[] = [];
    const server = await serve((_request, response, raw) => {
      held.push(() => raw.socket.destroy());
      response.on('close', () => undefined);
    });
    const { client, sleeps, trace } = testClient(server.url);
    const pending = rejection(client.json('GET', '/api/v1/nodes'));
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    const tracedBeforeClose = trace.length;
    client.close();
    const error = await pending;
    expect(error).toBeInstanceOf(StsError);
    held.forEach((release) => release());
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(trace.slice(tracedBeforeClose)).toEqual([]);
  });

  it('close() while the credentials are being computed: the request is never sent', async () => {
    const server = await scripted([]);
    let release: () => void = () => undefined;
    const credentials = new Promise<void>((resolve) => (release = resolve));
    const { client } = testClient(server.url, {
      auth: async () => {
        await credentials;
        return { headers: {} };
      },
    });
    const pending = rejection(client.json('GET', '/api/v1/pods'));
    client.close();
    release();
    await pending;
    expect(server.requests).toHaveLength(0);
  });

  it('close() during the wait before a retry: the retry is never sent', async () => {
    const server = await scripted([{ status: 503 }]);
    let waiting: (() => void) | undefined;
    const { client, trace } = testClient(server.url, {
      sleep: (_ms, signal) =>
        new Promise<void>((_resolve, reject) => {
          waiting = () => undefined;
          signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    });
    const pending = rejection(client.json('GET', '/api/v1/pods'));
    await vi.waitFor(() => expect(waiting).toBeDefined());
    const tracedBeforeClose = trace.length;
    client.close();
    await pending;
    expect(server.requests).toHaveLength(1);
    expect(trace.slice(tracedBeforeClose)).toEqual([]);
  });

  it('honours Retry-After given as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('HTTP errors become one actionable line', () => {
  it.each([
    {
      name: '401: credentials rejected, names the user and how to fix it',
      code: 401,
      body: status(401, 'Unauthorized', 'Unauthorized'),
      exit: ExitCode.AUTH,
      line: 'error: the server at SERVER rejected the credentials of user "test-user" (401 Unauthorized); log in again or refresh the token, or check the user of context "test-ctx" (kubectl config view --minify)',
    },
    {
      name: '403: says which verb and resource are missing',
      code: 403,
      body: status(
        403,
        'Forbidden',
        'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "web"',
        { kind: 'pods' },
      ),
      exit: ExitCode.AUTH,
      line: 'error: forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "web"; ask a cluster admin for "list" on "pods"; check with `kubectl auth can-i list pods -n web`',
    },
    {
      name: '404: the API message, plus a hint',
      code: 404,
      body: status(404, 'NotFound', 'statefulsets.apps "db" not found', {
        name: 'db',
        group: 'apps',
        kind: 'statefulsets',
      }),
      exit: ExitCode.NOT_FOUND,
      line: 'error: statefulsets.apps "db" not found; check the name and the namespace (-n)',
    },
    {
      name: '404 naming a namespace: the namespace does not exist',
      code: 404,
      body: status(404, 'NotFound', 'namespaces "nope" not found', { name: 'nope', kind: 'namespaces' }),
      exit: ExitCode.NOT_FOUND,
      line: 'error: namespace "nope" does not exist; check -n/--namespace or the namespace of the context; list namespaces with `kubectl get namespaces`',
    },
    {
      name: '422 and other client errors: the API message',
      code: 422,
      body: status(422, 'Invalid', 'Pod "x" is invalid: spec: Forbidden'),
      exit: ExitCode.SERVER,
      line: 'error: Pod "x" is invalid: spec: Forbidden; re-run with --debug to see the request',
    },
  ])('$name', async ({ code, body, exit, line }) => {
    const server = await serve((_request, response) => sendJson(response, code, body));
    const { client } = testClient(server.url);
    const error = await rejection(client.json('GET', '/api/v1/namespaces/web/pods'));
    expect(error).toBeInstanceOf(StsError);
    expect(error.exitCode).toBe(exit);
    expect(formatError(error as unknown as StsError)).toBe(line.replace('SERVER', server.url));
    client.close();
  });

  it('a 403 without a Status body still names verb and resource from the request', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(403);
      response.end();
    });
    const { client } = testClient(server.url);
    const error = await rejection(client.json('DELETE', '/api/v1/namespaces/a/pods/web-0', { body: {} }));
    expect(error.message).toBe('forbidden: the user cannot delete resource "pods" in the namespace "a"');
    client.close();
  });
});

describe('transport failures are UNREACHABLE and name the server', () => {
  it('connection refused', async () => {
    const server = await startServer(() => undefined);
    await server.close();
    const { client } = testClient(server.url);
    const error = await rejection(client.json('GET', '/version'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toBe(`cannot reach the Kubernetes API server at ${server.url}: connection refused`);
    expect(error.hint).toContain('cluster "test-cluster" of context "test-ctx" has the right server');
  });

  it('request timeout names the --request-timeout value', async () => {
    const server = await serve(() => undefined); // never answers
    const { client } = testClient(server.url, { requestTimeoutMs: 300 });
    const error = await rejection(client.json('GET', '/api/v1/pods'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toBe(`request to ${server.url} timed out after 300ms (--request-timeout)`);
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  it.each([
    { code: 'ENOTFOUND', says: 'host not found (api.example)' },
    { code: 'EHOSTUNREACH', says: 'host unreachable' },
    {
      code: 'CERT_HAS_EXPIRED',
      says: "TLS handshake with https://api.example:6443 failed: the server's certificate has expired",
    },
  ])('$code', ({ code, says }) => {
    const client = new HttpClient({
      server: 'https://api.example:6443',
      auth: async () => ({ headers: {} }),
      requestTimeoutMs: 0,
      userAgent: 'x',
    });
    const error = client.transportError(
      'GET',
      new URL('https://api.example:6443/version'),
      Object.assign(new Error(code), { code }),
    );
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toContain(says);
  });

  it('never repeats credentials embedded in the server URL', async () => {
    const server = await startServer(() => undefined);
    await server.close();
    const { client } = testClient(server.url.replace('http://', 'http://admin:hunter2@'));
    const error = await rejection(client.json('GET', '/version'));
    expect(error.message).toBe(`cannot reach the Kubernetes API server at ${server.url}: connection refused`);
  });

  it.each([
    {
      failure: 'a local file that cannot be opened',
      error: Object.assign(new Error("ENOENT: no such file or directory, open '/x/bundle.cjs'"), {
        code: 'ENOENT',
        syscall: 'open',
      }),
    },
    { failure: 'a plain bug', error: new TypeError("Cannot read properties of undefined (reading 'x')") },
  ])('$failure while preparing a request is INTERNAL, not unreachable', async ({ error: thrown }) => {
    const { client } = testClient('http://127.0.0.1:9', {
      auth: async () => {
        throw thrown;
      },
    });
    const error = await rejection(client.json('GET', '/version'));
    expect(error.exitCode).toBe(ExitCode.INTERNAL);
    expect(error.message).toBe(
      `unexpected error while sending GET http://127.0.0.1:9/version: ${thrown.message}`,
    );
    expect(error.hint).toBe('re-run with --debug and report the output');
  });
});

describe('TLS', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => pki.cleanup());

  it('trusts the server when the kubeconfig CA signed its certificate', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { ok: true }), pki.server);
    const { client } = testClient(server.url, { material: { ca: pki.caCert } });
    await expect(client.json('GET', '/version')).resolves.toEqual({ ok: true });
    client.close();
  });

  it.each([
    {
      name: 'unknown CA',
      cert: 'server' as const,
      ca: 'other' as const,
      says: 'certificate signed by unknown authority',
      hint: 'certificate-authority',
    },
    {
      name: 'no CA configured',
      cert: 'server' as const,
      ca: undefined,
      says: 'certificate signed by unknown authority',
      hint: 'insecure-skip-tls-verify',
    },
    {
      name: 'host name mismatch',
      cert: 'wrongHost' as const,
      ca: 'ours' as const,
      says: "the server's certificate is not valid for this host name",
      hint: 'certificate-authority',
    },
  ])('$name fails before any request, with a TLS hint', async ({ cert, ca, says, hint }) => {
    const server = await serve(() => undefined, pki[cert]);
    const material = ca === 'other' ? { ca: pki.otherCaCert } : ca === 'ours' ? { ca: pki.caCert } : {};
    const { client, sleeps } = testClient(server.url, { material });
    const error = await rejection(client.json('GET', '/version'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toBe(`TLS handshake with ${server.url} failed: ${says}`);
    expect(error.hint).toContain(hint);
    expect(server.requests).toHaveLength(0);
    expect(sleeps).toEqual([]);
    client.close();
  });

  it('insecure-skip-tls-verify accepts any certificate', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, { ok: true }), pki.wrongHost);
    const { client } = testClient(server.url, { material: { rejectUnauthorized: false } });
    await expect(client.json('GET', '/version')).resolves.toEqual({ ok: true });
    client.close();
  });
});

describe('--debug trace', () => {
  it('shows method, URL, status, timing and retries, with the token redacted', async () => {
    const server = await scripted([{ status: 503 }]);
    const { client, trace } = testClient(server.url);
    await client.json('GET', '/api/v1/namespaces/a/pods', { query: { labelSelector: 'app=web' } });
    const text = trace.join('\n');
    expect(text).toContain(`GET ${server.url}/api/v1/namespaces/a/pods?labelSelector=app=web 503 in`);
    expect(text).toContain('retry 1/3 of GET');
    expect(text).toContain(`GET ${server.url}/api/v1/namespaces/a/pods?labelSelector=app=web 200 in`);
    expect(text).toContain('Authorization: Bearer <redacted>');
    expect(text).not.toContain('test-token-123');
    client.close();
  });
});

describe("kubectl's transport limits hold with --request-timeout 0 (a server that never answers)", () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => pki.cleanup());
  const short = { connectMs: 400, tlsHandshakeMs: 300, silenceMs: 300 };

  it('no answer after the request: fails after the silence limit, exit 6, and sends nothing twice', async () => {
    const target = await serve((_request, response) => sendJson(response, 200, {}));
    const proxy = await startFaultyProxy({ host: '127.0.0.1', port: target.port }, { kind: 'blackhole' });
    const { client } = testClient(`http://${proxy.address}`, { transportTimeouts: short });
    const started = Date.now();
    const error = await rejection(client.json('GET', '/api/v1/pods'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(StsError);
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(formatError(error as unknown as StsError)).toBe(
      `error: the server at http://${proxy.address} accepted the connection but did not answer within 300ms; the API server or a proxy in front of it is not answering; check the cluster, or give --request-timeout to wait longer`,
    );
    expect(proxy.connections).toBe(1);
    client.close();
    await proxy.close();
  });

  it('a TLS server that never completes the handshake: fails after the handshake limit', async () => {
    const target = await serve((_request, response) => sendJson(response, 200, {}), pki.server);
    const proxy = await startFaultyProxy({ host: '127.0.0.1', port: target.port }, { kind: 'blackhole' });
    const { client } = testClient(`https://${proxy.address}`, {
      transportTimeouts: { ...short, silenceMs: 60_000 },
      material: { ca: pki.caCert },
    });
    const error = await rejection(client.json('GET', '/api/v1/pods'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toBe(`TLS handshake with https://${proxy.address} did not complete within 300ms`);
    client.close();
    await proxy.close();
  });

  it('an answer that stops half-way: fails after the silence limit instead of waiting for ever', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      response.write('{"kind":"PodList","items":[');
    });
    const { client } = testClient(server.url, { transportTimeouts: short });
    const error = await rejection(client.json('GET', '/api/v1/pods'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.message).toBe(`the server at ${server.url} stopped sending its answer within 300ms`);
    client.close();
  });

  it('a slow server that keeps sending is not cut: the limit is on silence, not on the whole answer', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const parts = ['{"kind":"PodList",', '"items":[],', '"metadata":{}}'];
      const next = (): void => {
        const part = parts.shift();
        if (part === undefined) return void response.end();
        response.write(part);
        setTimeout(next, 200);
      };
      next();
    });
    const { client } = testClient(server.url, { transportTimeouts: short });
    await expect(client.json('GET', '/api/v1/pods')).resolves.toEqual({
      kind: 'PodList',
      items: [],
      metadata: {},
    });
    client.close();
  });

  it('--request-timeout, when given, replaces the silence limit (a longer wait is honoured)', async () => {
    const server = await serve((_request, response) => {
      setTimeout(() => sendJson(response, 200, { ok: true }), 600);
    });
    const { client } = testClient(server.url, { transportTimeouts: short, requestTimeoutMs: 5000 });
    await expect(client.json('GET', '/version')).resolves.toEqual({ ok: true });
    client.close();
  });

  it('an open watch stream may stay silent (the server ends it)', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.flushHeaders(); // as the API server does when a watch starts
      setTimeout(
        () => response.end('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}\n'),
        700,
      );
    });
    const { client } = testClient(server.url, { transportTimeouts: short });
    const stream = await client.openStream('/api/v1/pods', { watch: 'true' });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toContain('BOOKMARK');
    client.close();
  });

  const python = spawnSync('python3', ['-c', 'print(1)']).status === 0;
  it.skipIf(!python)(caseTitle('N10'), async () => {
    // Node always accepts; a listener that never calls accept() with a backlog of 0 leaves later
    // connection attempts unanswered, as a firewall that drops packets does.
    const listener = spawn(
      'python3',
      [
        '-c',
        'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = await new Promise<number>((resolve) =>
        listener.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim()))),
      );
      // Fill the queue: the first connection waits in it, later ones get no SYN-ACK.
      const { connect } = await import('node:net');
      const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
      for (const filler of fillers) filler.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { client } = testClient(`http://127.0.0.1:${port}`, { transportTimeouts: short });
      const error = await rejection(client.json('GET', '/api/v1/pods'));
      expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
      expect(error.message).toBe(
        `cannot reach the Kubernetes API server at http://127.0.0.1:${port}: no connection within 400ms`,
      );
      client.close();
      for (const filler of fillers) filler.destroy();
    } finally {
      listener.kill();
    }
  });

  it('the defaults are kubectl transport defaults: 30s dial, 10s TLS handshake, 32s like discovery', async () => {
    const { DEFAULT_TRANSPORT_TIMEOUTS } = await import('../../src/kube/http.ts');
    expect(DEFAULT_TRANSPORT_TIMEOUTS).toEqual({
      connectMs: 30_000,
      tlsHandshakeMs: 10_000,
      silenceMs: 32_000,
    });
  });
});
