// Connection problems as the user meets them: the real CLI (bin/dev.js) in a subprocess, against
// the simulated cluster. Each failure must be one `error: …; …` line on stderr with its exit
// code, no stack trace, and --debug must trace requests without ever printing a secret.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { startServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const TOKEN = 'sim-token-do-not-print-7f3a';
const BIN = path.resolve('bin/dev.js');

let sim: SimCluster;
let dir: string;
let silent: TestServer;
let closed: TestServer;

const MANIFEST = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 0
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: busybox}]}
`;

beforeAll(async () => {
  sim = await startSimCluster({ tls: true, token: TOKEN, controllers: false, manifests: MANIFEST });
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-cli-'));
  silent = await startServer(() => undefined); // accepts, never answers
  closed = await startServer(() => undefined);
  await closed.close(); // nothing listens on its port any more
  sim.rbac.deny({ verb: 'get', resource: 'statefulsets', name: 'secret-db' });
  sim.faults.add({
    match: { verb: 'get', resource: 'statefulsets', name: 'flaky-db' },
    status: 503,
    message: 'etcd leader changed',
  });
});

afterAll(async () => {
  await silent?.close();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: dir, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function kubeconfig(name: string, server: string, user: string, cluster = ''): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: ctx
clusters: [{name: c, cluster: {server: "${server}"${cluster}}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
users: [{name: u, user: {${user}}}]
`,
  );
  return file;
}

describe('connection problems through the CLI', () => {
  // Subprocesses dominate the time; they are independent, so they run side by side.
  it.concurrent.for([
    {
      name: 'missing context',
      args: () => ['status', 'db', '--kubeconfig', sim.kubeconfigPath, '--context', 'nope'],
      code: ExitCode.CONFIG,
      line: /^error: context "nope" does not exist in ".*"; pass an existing context to --context; list the contexts with `kubectl config get-contexts`$/,
    },
    {
      name: 'no kubeconfig at all',
      args: () => ['status', 'db'],
      code: ExitCode.CONFIG,
      line: /^error: no configuration has been provided: KUBECONFIG is not set and ".*" does not exist; pass --kubeconfig FILE or set KUBECONFIG/,
    },
    {
      name: 'rejected token',
      args: () => ['status', 'db', '--kubeconfig', sim.kubeconfigFor('wrong-token')],
      code: ExitCode.AUTH,
      line: /^error: the server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "sim-user" \(401 Unauthorized\); log in again/,
    },
    {
      name: 'unknown certificate authority',
      args: () => ['status', 'db', '--kubeconfig', kubeconfig('no-ca', sim.url, `token: ${TOKEN}`)],
      code: ExitCode.UNREACHABLE,
      line: /^error: TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed: certificate signed by unknown authority; set certificate-authority\(-data\) of cluster "c"/,
    },
    {
      name: 'request timeout',
      args: () => [
        'status',
        'db',
        '--request-timeout',
        '300ms',
        '--kubeconfig',
        kubeconfig('silent', silent.url, 'token: x'),
      ],
      code: ExitCode.UNREACHABLE,
      line: /^error: request to http:\/\/127\.0\.0\.1:\d+ timed out after 300ms \(--request-timeout\); /,
    },
    {
      name: 'connection refused',
      args: () => ['status', 'db', '--kubeconfig', kubeconfig('refused', closed.url, 'token: x')],
      code: ExitCode.UNREACHABLE,
      line: /^error: cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: connection refused; check that the cluster is running and that cluster "c" of context "ctx" has the right server$/,
    },
    {
      name: 'missing namespace',
      args: () => ['status', 'db', '-n', 'nowhere', '--kubeconfig', sim.kubeconfigPath],
      code: ExitCode.NOT_FOUND,
      line: /^error: namespace "nowhere" does not exist; check -n\/--namespace/,
    },
    {
      name: 'forbidden (403)',
      args: () => ['status', 'secret-db', '--kubeconfig', sim.kubeconfigPath],
      code: ExitCode.AUTH,
      line: /^error: forbidden: User "kubernetes-admin" cannot get resource "statefulsets" in API group "apps" in the namespace "default"; ask a cluster admin for "get" on "statefulsets"; check with `kubectl auth can-i get statefulsets -n default`$/,
    },
    {
      name: 'server error (503) after retries',
      args: () => ['status', 'flaky-db', '--kubeconfig', sim.kubeconfigPath],
      code: ExitCode.SERVER,
      line: /^error: the API server failed on GET https:\/\/127\.0\.0\.1:\d+\/apis\/apps\/v1\/namespaces\/default\/statefulsets\/flaky-db with 503 Service Unavailable after 4 attempts: etcd leader changed; /,
    },
    {
      name: 'missing StatefulSet',
      args: () => ['status', 'nope', '--kubeconfig', sim.kubeconfigPath],
      code: ExitCode.NOT_FOUND,
      line: /^error: statefulsets\.apps "nope" not found; list the StatefulSets with `kubectl sts status -n default`$/,
    },
  ])('$name: one line, exit code $code', async ({ args, code, line }, { expect }) => {
    const result = await run(args());
    expect(result.code).toBe(code);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(line);
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('--debug traces requests and chosen context, never the token', async () => {
    const result = await run(['status', 'db', '--debug', '--kubeconfig', sim.kubeconfigPath]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'debug: kubeconfig: context "sim", cluster "sim", user "sim-user", namespace "default"',
    );
    expect(result.stderr).toMatch(
      /debug: GET https:\/\/127\.0\.0\.1:\d+\/apis\/apps\/v1\/namespaces\/default\/statefulsets\/db 200 in \d+ms/,
    );
    expect(result.stderr).toContain('Authorization: Bearer <redacted>');
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stdout).not.toContain(TOKEN);
  });

  it('--debug on a failure adds the stack, still without the token', async () => {
    const result = await run([
      'status',
      'db',
      '--debug',
      '--kubeconfig',
      sim.kubeconfigFor(TOKEN.replace('7f3a', 'zzzz')),
    ]);
    expect(result.code).toBe(ExitCode.AUTH);
    expect(result.stderr).toContain('    at ');
    expect(result.stderr).not.toContain('sim-token-do-not-print');
  });
});
