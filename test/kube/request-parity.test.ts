// Parity where `kubectl config view` cannot be the oracle (it ignores --cluster, --user and -n,
// and never runs credential plugins): real `kubectl get pods` and the plugin both send a request
// to one of two scripted API servers, and must reach the same server, with the same credentials,
// for the same namespace.
import { execFile } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/kube/connect.ts';
import { makePki, sendJson, startServer } from './helpers.ts';
import type { Pki, SeenRequest, TestServer } from './helpers.ts';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';

let dir: string;
let pki: Pki;
type ServerName = 'a' | 'b' | 'plain';
const servers = {} as Record<ServerName, TestServer>;

/** Just enough discovery for `kubectl get pods`, then an empty PodList. */
function fakeApiServer(request: SeenRequest, response: ServerResponse): void {
  const pathname = request.url.pathname;
  if (pathname === '/api')
    return sendJson(response, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (pathname === '/apis')
    return sendJson(response, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  if (pathname === '/api/v1') {
    return sendJson(response, 200, {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        {
          name: 'pods',
          singularName: 'pod',
          namespaced: true,
          kind: 'Pod',
          verbs: ['get', 'list'],
          shortNames: ['po'],
        },
      ],
    });
  }
  if (/^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(pathname)) {
    return sendJson(response, 200, {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: [],
    });
  }
  sendJson(response, 404, {
    kind: 'Status',
    status: 'Failure',
    code: 404,
    reason: 'NotFound',
    message: 'not found',
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-request-parity-'));
  // Over TLS: kubectl (client-go) sends no credentials at all to an http:// server.
  pki = makePki();
  servers.a = await startServer(fakeApiServer, pki.server);
  servers.b = await startServer(fakeApiServer, pki.server);
  servers.plain = await startServer(fakeApiServer);
  mkdirSync(path.join(dir, 'conf/bin'), { recursive: true });
  mkdirSync(path.join(dir, 'home'));
  writeFileSync(path.join(dir, 'conf/token'), 'token-from-file\n');
  writeFileSync(
    path.join(dir, 'conf/bin/plugin'),
    `#!/bin/sh
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-plugin-'"$1"'"}}'
`,
  );
  chmodSync(path.join(dir, 'conf/bin/plugin'), 0o755);
  writeFileSync(
    path.join(dir, 'conf/config'),
    `apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- {name: a, cluster: {server: "${servers.a.url}", certificate-authority: ${pki.caFile}}}
- {name: b, cluster: {server: "${servers.b.url}", certificate-authority: ${pki.caFile}}}
- {name: plain, cluster: {server: "${servers.plain.url}"}}
- {name: bare, cluster: {server: "${servers.plain.url.replace('http://', '')}", certificate-authority: ${pki.caFile}}}
contexts:
- {name: ctx-a, context: {cluster: a, user: token-user, namespace: ns-a}}
- {name: ctx-b, context: {cluster: b, user: exec-user}}
- {name: ctx-file, context: {cluster: a, user: file-user, namespace: ns-file}}
- {name: ctx-plain, context: {cluster: plain, user: exec-user}}
- {name: ctx-bare, context: {cluster: bare, user: token-user, namespace: bare-ns}}
users:
- {name: token-user, user: {token: static-token}}
- {name: file-user, user: {tokenFile: token}}
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [xyz]
      interactiveMode: Never
`,
  );
  // A second file that redefines ctx-a and token-user: the first file must win for both.
  writeFileSync(
    path.join(dir, 'second'),
    `apiVersion: v1
kind: Config
current-context: ctx-b
clusters: [{name: a, cluster: {server: "${servers.b.url}", certificate-authority: ${pki.caFile}}}]
contexts: [{name: ctx-a, context: {cluster: b, user: token-user, namespace: from-second}}]
users: [{name: token-user, user: {token: second-token}}]
`,
  );
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.close()));
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Observed {
  server: ServerName;
  authorization: string | undefined;
  namespace: string;
}

/** The pods request that arrived since `marks`, on whichever server got it. */
function observe(marks: Record<ServerName, number>): Observed {
  for (const name of ['a', 'b', 'plain'] as const) {
    for (const request of servers[name].requests.slice(marks[name])) {
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(request.url.pathname);
      if (match) return { server: name, authorization: request.headers.authorization, namespace: match[1]! };
    }
  }
  throw new Error('no pods request arrived');
}

const mark = (): Record<ServerName, number> => ({
  a: servers.a.requests.length,
  b: servers.b.requests.length,
  plain: servers.plain.requests.length,
});

interface Flags {
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
}

function kubectlFlags(flags: Flags): string[] {
  return Object.entries(flags).flatMap(([key, value]) => [`--${key}`, value as string]);
}

async function viaKubectl(kubeconfigEnv: string, flags: Flags): Promise<Observed> {
  const marks = mark();
  await new Promise<void>((resolve, reject) =>
    execFile(
      KUBECTL,
      ['get', 'pods', '-o', 'name', '--request-timeout', '10s', ...kubectlFlags(flags)],
      { env: { PATH: process.env.PATH, HOME: path.join(dir, 'home'), KUBECONFIG: kubeconfigEnv } },
      (error, _stdout, stderr) => (error ? reject(new Error(`kubectl failed: ${stderr}`)) : resolve()),
    ),
  );
  return observe(marks);
}

async function viaPlugin(kubeconfigEnv: string, flags: Flags): Promise<Observed> {
  const marks = mark();
  const connection = await connect(
    { ...flags, requestTimeoutMs: 10_000, debug: false },
    { environment: { env: { KUBECONFIG: kubeconfigEnv }, home: path.join(dir, 'home') } },
  );
  try {
    await connection.gateway.listPods(connection.namespace);
  } finally {
    connection.close();
  }
  return observe(marks);
}

const CASES: { name: string; files: string[]; flags: Flags; expected: Observed }[] = [
  {
    name: 'current context: token user, namespace from context',
    files: ['conf/config'],
    flags: {},
    expected: { server: 'a', authorization: 'Bearer static-token', namespace: 'ns-a' },
  },
  {
    name: '--context: exec plugin (relative command) runs, namespace "default"',
    files: ['conf/config'],
    flags: { context: 'ctx-b' },
    expected: { server: 'b', authorization: 'Bearer token-from-plugin-xyz', namespace: 'default' },
  },
  {
    name: 'token file relative to the kubeconfig, newline trimmed',
    files: ['conf/config'],
    flags: { context: 'ctx-file' },
    expected: { server: 'a', authorization: 'Bearer token-from-file', namespace: 'ns-file' },
  },
  {
    name: '--cluster swaps only the server',
    files: ['conf/config'],
    flags: { cluster: 'b' },
    expected: { server: 'b', authorization: 'Bearer static-token', namespace: 'ns-a' },
  },
  {
    name: '--user swaps only the credentials',
    files: ['conf/config'],
    flags: { user: 'exec-user' },
    expected: { server: 'a', authorization: 'Bearer token-from-plugin-xyz', namespace: 'ns-a' },
  },
  {
    name: '-n beats the context namespace',
    files: ['conf/config'],
    flags: { namespace: 'flag-ns' },
    expected: { server: 'a', authorization: 'Bearer static-token', namespace: 'flag-ns' },
  },
  {
    name: 'all overrides at once',
    files: ['conf/config'],
    flags: { context: 'ctx-file', cluster: 'b', user: 'token-user', namespace: 'x' },
    expected: { server: 'b', authorization: 'Bearer static-token', namespace: 'x' },
  },
  {
    name: 'two files: the first wins for current-context, context, cluster and user',
    files: ['conf/config', 'second'],
    flags: {},
    expected: { server: 'a', authorization: 'Bearer static-token', namespace: 'ns-a' },
  },
  {
    name: 'plain http server: no credentials at all, not even from the exec plugin',
    files: ['conf/config'],
    flags: { context: 'ctx-plain' },
    expected: { server: 'plain', authorization: undefined, namespace: 'default' },
  },
  {
    name: 'server without scheme: plain http even with a CA, so no token',
    files: ['conf/config'],
    flags: { context: 'ctx-bare' },
    expected: { server: 'plain', authorization: undefined, namespace: 'bare-ns' },
  },
  {
    name: "two files reversed: the second file's names win now",
    files: ['second', 'conf/config'],
    flags: {},
    expected: { server: 'b', authorization: 'Bearer token-from-plugin-xyz', namespace: 'default' },
  },
];

describe('plugin and kubectl send the same request', () => {
  it.each(CASES)('$name', async ({ files, flags, expected }) => {
    const kubeconfigEnv = files.map((file) => path.join(dir, file)).join(':');
    const theirs = await viaKubectl(kubeconfigEnv, flags);
    const ours = await viaPlugin(kubeconfigEnv, flags);
    expect(theirs).toEqual(expected);
    expect(ours).toEqual(theirs);
  });
});
