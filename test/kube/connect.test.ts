// connect(): from a kubeconfig file on disk to authenticated requests on a real server, with
// client-node computing the credentials (tokens, token files, client certificates, exec plugins).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import type { ConnectionOptions } from '../../src/cli/flags.ts';
import { connect } from '../../src/kube/connect.ts';
import type { Connection } from '../../src/kube/connect.ts';
import { makePki, rejection, sendJson, startServer } from './helpers.ts';
import type { Pki, SeenRequest, TestServer } from './helpers.ts';

let pki: Pki;
let dir: string;
const servers: TestServer[] = [];
const connections: Connection[] = [];

beforeAll(() => {
  pki = makePki();
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-connect-'));
  mkdirSync(path.join(dir, 'certs'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'certs/ca.crt'), pki.caCert);
  writeFileSync(path.join(dir, 'token'), 'token-from-file\n');
  // An exec credential plugin that counts its runs and prints a token (never to be logged).
  writeFileSync(
    path.join(dir, 'bin/credential-plugin'),
    `#!/bin/sh
echo run >> "${path.join(dir, 'plugin-runs')}"
[ -n "$KUBERNETES_EXEC_INFO" ] || { echo "KUBERNETES_EXEC_INFO missing" >&2; exit 1; }
cat <<EOF
{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-secret-$PLUGIN_SUFFIX"}}
EOF
`,
  );
  chmodSync(path.join(dir, 'bin/credential-plugin'), 0o755);
});

afterAll(() => {
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function apiServer(tls: boolean | 'mutual' = true): Promise<TestServer> {
  const options =
    tls === 'mutual'
      ? { ...pki.server, ca: pki.caCert, requestCert: true, rejectUnauthorized: true }
      : tls
        ? pki.server
        : undefined;
  const server = await startServer((request, response) => {
    if (request.url.pathname.endsWith('/namespaces/team/statefulsets/db')) {
      sendJson(response, 200, { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'team' } });
    } else sendJson(response, 200, { kind: 'PodList', items: [], metadata: { resourceVersion: '1' } });
  }, options);
  servers.push(server);
  return server;
}

function kubeconfig(server: string, user: string, cluster = 'certificate-authority: certs/ca.crt'): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: test
clusters:
- name: sim
  cluster:
    server: ${server}
    ${cluster}
contexts:
- name: test
  context: {cluster: sim, user: someone, namespace: team}
users:
- name: someone
  user:
${user.replace(/^/gm, '    ')}
`,
  );
  return file;
}

async function open(
  file: string,
  extra: Partial<ConnectionOptions> = {},
  trace?: string[],
): Promise<Connection> {
  const connection = await connect(
    { kubeconfig: file, requestTimeoutMs: 0, debug: false, ...extra },
    { trace: trace ? (line) => trace.push(line) : undefined },
  );
  connections.push(connection);
  return connection;
}

const lastRequest = (server: TestServer): SeenRequest => server.requests.at(-1)!;

describe('connect', () => {
  it('resolves namespace, context, cluster and server, and reads over TLS with a bearer token', async () => {
    const server = await apiServer();
    const connection = await open(kubeconfig(server.url, 'token: static-token'));
    expect([connection.namespace, connection.context, connection.cluster, connection.server]).toEqual([
      'team',
      'test',
      'sim',
      server.url,
    ]);
    await expect(connection.gateway.getStatefulSet(connection.namespace, 'db')).resolves.toMatchObject({
      metadata: { name: 'db' },
    });
    expect(lastRequest(server).headers.authorization).toBe('Bearer static-token');
    expect(lastRequest(server).headers['user-agent']).toMatch(/^kubectl-sts\/\d+\.\d+\.\d+/);
  });

  it.each([
    {
      name: 'token file, relative to the kubeconfig',
      user: 'tokenFile: token',
      header: 'Bearer token-from-file\n'.trim(),
    },
    {
      name: 'basic auth',
      user: 'username: admin\npassword: pw',
      header: `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    },
  ])('$name', async ({ user, header }) => {
    const server = await apiServer();
    const connection = await open(kubeconfig(server.url, user));
    await connection.gateway.listPods('team');
    expect(lastRequest(server).headers.authorization?.trim()).toBe(header);
  });

  it('client certificate authentication against a server that requires one', async () => {
    const server = await apiServer('mutual');
    const connection = await open(
      kubeconfig(server.url, `client-certificate: ${pki.clientCertFile}\nclient-key: ${pki.clientKeyFile}`),
    );
    await expect(connection.gateway.listPods('team')).resolves.toMatchObject({ resourceVersion: '1' });
    expect(lastRequest(server).headers.authorization).toBeUndefined();
  });

  it('without the client certificate the mutual-TLS server refuses: UNREACHABLE, pointing at the client certificate', async () => {
    const server = await apiServer('mutual');
    const connection = await open(kubeconfig(server.url, 'token: t'));
    const error = await rejection(connection.gateway.listPods('team'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
  });

  it('exec credential plugin: runs once for parallel requests, env passed, token never in the --debug trace', async () => {
    const server = await apiServer();
    rmSync(path.join(dir, 'plugin-runs'), { force: true });
    const file = kubeconfig(
      server.url,
      `exec:
  apiVersion: client.authentication.k8s.io/v1
  command: ./bin/credential-plugin
  env: [{name: PLUGIN_SUFFIX, value: xyz}]
  interactiveMode: Never`,
    );
    const trace: string[] = [];
    const connection = await open(file, { debug: true }, trace);
    await Promise.all([
      connection.gateway.listPods('team'),
      connection.gateway.listServices('team'),
      connection.gateway.listEvents('team'),
    ]);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(
      Array(3).fill('Bearer exec-secret-xyz'),
    );
    expect(readFileSync(path.join(dir, 'plugin-runs'), 'utf8').trim().split('\n')).toHaveLength(1);
    const text = trace.join('\n');
    expect(text).toContain('Authorization: Bearer <redacted>');
    expect(text).toContain(`GET ${server.url}/api/v1/namespaces/team/pods 200`);
    expect(text).not.toContain('exec-secret');
  });

  it.each([
    { name: 'static token', user: () => 'token: very-secret-token', secret: 'very-secret-token' },
    {
      name: 'client key',
      user: () => `client-certificate: ${pki.clientCertFile}\nclient-key: ${pki.clientKeyFile}`,
      secret: 'PRIVATE KEY',
    },
  ])('--debug never prints the $name', async ({ user, secret }) => {
    const server = await apiServer();
    const trace: string[] = [];
    const connection = await open(kubeconfig(server.url, user()), { debug: true }, trace);
    await connection.gateway.listPods('team');
    expect(trace.length).toBeGreaterThan(2);
    expect(trace.join('\n')).not.toContain(secret);
  });

  it('a missing exec plugin is a CONFIG error naming it, with the install hint', async () => {
    const server = await apiServer();
    const connection = await open(
      kubeconfig(
        server.url,
        'exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: no-such-credential-plugin\n  installHint: install it with brew install no-such',
      ),
    );
    const error = await rejection(connection.gateway.listPods('team'));
    expect(error.exitCode).toBe(ExitCode.CONFIG);
    expect(error.message).toBe(
      'cannot get credentials for user "someone": the exec credential plugin "no-such-credential-plugin" was not found',
    );
    expect(error.hint).toBe('install it with brew install no-such');
    expect(server.requests).toHaveLength(0);
  });

  it('a failing exec plugin is a CONFIG error with its first stderr line', async () => {
    const server = await apiServer();
    writeFileSync(
      path.join(dir, 'bin/expired-plugin'),
      '#!/bin/sh\necho "token expired: run corp-login" >&2\necho "details" >&2\nexit 1\n',
    );
    chmodSync(path.join(dir, 'bin/expired-plugin'), 0o755);
    const connection = await open(
      kubeconfig(
        server.url,
        'exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ./bin/expired-plugin\n  interactiveMode: Never',
      ),
    );
    const error = await rejection(connection.gateway.listPods('team'));
    expect(error.exitCode).toBe(ExitCode.CONFIG);
    expect(error.message).toBe(
      `cannot get credentials for user "someone": the exec credential plugin "${path.join(dir, 'bin/expired-plugin')}" failed: token expired: run corp-login`,
    );
  });

  it('plain http servers work, but get no credentials, as with kubectl', async () => {
    const server = await apiServer(false);
    const connection = await open(kubeconfig(server.url, 'token: never-over-http', ''));
    await expect(connection.gateway.listPods('team')).resolves.toMatchObject({ items: [] });
    expect(lastRequest(server).headers.authorization).toBeUndefined();
  });

  it('insecure-skip-tls-verify accepts a server whose CA is unknown', async () => {
    const server = await apiServer();
    const connection = await open(kubeconfig(server.url, 'token: t', 'insecure-skip-tls-verify: true'));
    await expect(connection.gateway.listPods('team')).resolves.toMatchObject({ items: [] });
  });

  it('without the CA the TLS failure names the cluster to fix', async () => {
    const server = await apiServer();
    const connection = await open(kubeconfig(server.url, 'token: t', ''));
    const error = await rejection(connection.gateway.listPods('team'));
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(error.hint).toContain('certificate-authority(-data) of cluster "sim"');
  });

  it('proxy-url: requests tunnel through an HTTP CONNECT proxy', async () => {
    const server = await apiServer();
    const tunnels: string[] = [];
    const sockets: Socket[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(request.url ?? '');
      sockets.push(client);
      const [host, port] = (request.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        sockets.push(upstream);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const connection = await open(
        kubeconfig(
          server.url,
          'token: via-proxy',
          `certificate-authority: certs/ca.crt\n    proxy-url: ${proxyUrl}`,
        ),
      );
      await expect(connection.gateway.listPods('team')).resolves.toMatchObject({ items: [] });
      expect(tunnels).toEqual([server.url.replace('https://', '')]);
      expect(lastRequest(server).headers.authorization).toBe('Bearer via-proxy');
      connection.close();
    } finally {
      // Tunnelled sockets are no longer the HTTP server's: close them ourselves.
      for (const socket of sockets) socket.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('-n overrides the namespace of the context', async () => {
    const server = await apiServer();
    const connection = await open(kubeconfig(server.url, 'token: t'), { namespace: 'elsewhere' });
    expect(connection.namespace).toBe('elsewhere');
  });
});
