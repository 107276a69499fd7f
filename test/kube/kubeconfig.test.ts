// Resolution rules that `kubectl config view --minify` cannot show (it ignores --cluster, --user
// and -n), the wording of configuration errors, and what client-node is handed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, StsError, formatError } from '../../src/cli/errors.ts';
import {
  inClusterConfig,
  kubeconfigFromDocument,
  kubeconfigSource,
  parseKubeconfigFile,
  resolveKubeconfig,
  toClientNodeOptions,
} from '../../src/kube/kubeconfig.ts';
import type { KubeconfigOverrides } from '../../src/kube/kubeconfig.ts';

let dir: string;
const file = (name: string): string => path.join(dir, name);

const MAIN = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: {server: "https://dev.example:6443/"}
- name: prod-cluster
  cluster: {server: "https://prod.example"}
- name: serverless
  cluster: {certificate-authority-data: Zm9v}
- name: bad-ca
  cluster: {server: "https://x", certificate-authority: missing-ca.crt}
- name: ca-and-insecure
  cluster: {server: "https://x", certificate-authority-data: Zm9v, insecure-skip-tls-verify: true}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: dev-ns}
- name: no-server
  context: {cluster: serverless, user: dev-user}
- name: bad-ca
  context: {cluster: bad-ca, user: dev-user}
- name: half-cert
  context: {cluster: dev-cluster, user: cert-without-key}
- name: ca-and-insecure
  context: {cluster: ca-and-insecure, user: dev-user}
users:
- name: dev-user
  user: {token: dev-token}
- name: prod-user
  user: {username: admin, password: secret}
- name: cert-without-key
  user: {client-certificate-data: Zm9v}
- name: path-plugin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: gke-gcloud-auth-plugin}
`;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-kubeconfig-'));
  writeFileSync(file('main'), MAIN);
  writeFileSync(file('no-current'), MAIN.replace('current-context: dev\n', ''));
  writeFileSync(file('dangling-current'), MAIN.replace('current-context: dev', 'current-context: gone'));
  writeFileSync(file('list.yaml'), '- a\n- b\n');
  mkdirSync(file('home/.kube'), { recursive: true });
  writeFileSync(file('home/.kube/config'), MAIN);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resolve(overrides: KubeconfigOverrides, env: NodeJS.ProcessEnv = {}) {
  return resolveKubeconfig(overrides, { env, home: file('home'), platform: 'linux' });
}

function failure(overrides: KubeconfigOverrides, env: NodeJS.ProcessEnv = {}): StsError {
  try {
    resolve(overrides, env);
  } catch (error) {
    if (error instanceof StsError) return error;
    throw error;
  }
  throw new Error('expected resolution to fail');
}

describe('overrides kubectl applies on top of the context', () => {
  it.each([
    { name: 'no flags: the context decides', flags: {}, want: ['dev', 'dev-cluster', 'dev-user', 'dev-ns'] },
    {
      name: '-n beats the context namespace',
      flags: { namespace: 'other' },
      want: ['dev', 'dev-cluster', 'dev-user', 'other'],
    },
    {
      name: '--cluster swaps only the cluster',
      flags: { cluster: 'prod-cluster' },
      want: ['dev', 'prod-cluster', 'dev-user', 'dev-ns'],
    },
    {
      name: '--user swaps only the user',
      flags: { user: 'prod-user' },
      want: ['dev', 'dev-cluster', 'prod-user', 'dev-ns'],
    },
  ])('$name', ({ flags, want }) => {
    const resolved = resolve({ kubeconfig: file('main'), ...flags });
    expect([resolved.contextName, resolved.clusterName, resolved.userName, resolved.namespace]).toEqual(want);
  });

  it('--cluster and --user work without any current context', () => {
    const resolved = resolve({ kubeconfig: file('no-current'), cluster: 'prod-cluster', user: 'prod-user' });
    expect(resolved.cluster.server).toBe('https://prod.example');
    expect(resolved.namespace).toBe('default');
  });

  it('falls back to ~/.kube/config when neither --kubeconfig nor KUBECONFIG is set', () => {
    expect(resolve({}).files).toEqual([file('home/.kube/config')]);
  });

  it('an empty KUBECONFIG counts as unset', () => {
    expect(resolve({}, { KUBECONFIG: '' }).files).toEqual([file('home/.kube/config')]);
  });
});

describe('server URLs', () => {
  it.each([
    {
      name: 'trailing slash dropped',
      server: 'https://api.example:6443/',
      cluster: '',
      want: 'https://api.example:6443',
    },
    {
      name: 'bare host:port is http even with a CA (what kubectl does)',
      server: 'api.example:6443',
      cluster: ', certificate-authority-data: Zm9v',
      want: 'http://api.example:6443',
    },
    { name: 'bare host:port', server: 'api.example:8080', cluster: '', want: 'http://api.example:8080' },
    {
      name: 'path prefix kept',
      server: 'https://rancher.example/k8s/clusters/c-1',
      cluster: '',
      want: 'https://rancher.example/k8s/clusters/c-1',
    },
  ])('$name: $server → $want', ({ server, cluster, want }) => {
    const kubeconfigFile = file(`server-${want.replace(/\W/g, '')}`);
    writeFileSync(
      kubeconfigFile,
      `clusters: [{name: c, cluster: {server: "${server}"${cluster}}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n`,
    );
    expect(resolve({ kubeconfig: kubeconfigFile }).cluster.server).toBe(want);
  });

  it.each(['ftp://api.example', 'https://[::1'])('%s is a CONFIG error', (server) => {
    const kubeconfigFile = file('bad-server');
    writeFileSync(
      kubeconfigFile,
      `clusters: [{name: c, cluster: {server: "${server}"}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n`,
    );
    expect(failure({ kubeconfig: kubeconfigFile }).message).toContain(
      `the server "${server}" of cluster "c"`,
    );
  });
});

describe('KUBECONFIG list syntax', () => {
  it.each([
    { platform: 'linux' as const, value: '/a:/b::/a', want: ['/a', '/b'] },
    {
      platform: 'win32' as const,
      value: 'C:\\a;;C:\\b',
      want: ['C:\\a', 'C:\\b'].map((p) => path.resolve(p)),
    },
  ])('$platform splits "$value" and drops empty and repeated entries', ({ platform, value, want }) => {
    const source = kubeconfigSource(undefined, { env: { KUBECONFIG: value }, platform });
    expect(source).toEqual({ kind: 'env', paths: want });
  });
});

describe('configuration errors: one line, exit code 3, a hint', () => {
  it.each([
    {
      name: 'unknown --context',
      overrides: { context: 'nope' },
      says: 'context "nope" does not exist',
      hint: 'kubectl config get-contexts',
    },
    {
      name: 'current-context names a missing context',
      overrides: { kubeconfig: 'dangling-current' },
      says: 'current context "gone" does not exist',
      hint: 'use-context',
    },
    {
      name: 'no current context',
      overrides: { kubeconfig: 'no-current' },
      says: 'no current context is set',
      hint: '--context',
    },
    {
      name: 'unknown --cluster',
      overrides: { cluster: 'nowhere' },
      says: 'cluster "nowhere" (given by --cluster) does not exist',
      hint: 'get-clusters',
    },
    {
      name: 'unknown --user',
      overrides: { user: 'nobody' },
      says: 'user "nobody" (given by --user) does not exist',
      hint: 'get-users',
    },
    {
      name: 'cluster without server',
      overrides: { context: 'no-server' },
      says: 'cluster "serverless" has no server defined',
      hint: 'server',
    },
    {
      name: 'unreadable CA file',
      overrides: { context: 'bad-ca' },
      says: 'certificate-authority of cluster "bad-ca"',
      hint: 'fix the path',
    },
    {
      name: 'client certificate without key',
      overrides: { context: 'half-cert' },
      says: 'has a client certificate but no client key',
      hint: 'client-key',
    },
    {
      name: 'certificate authority together with insecure-skip-tls-verify',
      overrides: { context: 'ca-and-insecure' },
      says: 'sets both a certificate authority and insecure-skip-tls-verify',
      hint: 'remove one of them',
    },
    {
      name: 'missing --kubeconfig file',
      overrides: { kubeconfig: 'absent' },
      says: 'given by --kubeconfig does not exist',
      hint: 'check the path',
    },
    {
      name: 'file that is not a mapping',
      overrides: { kubeconfig: 'list.yaml' },
      says: 'is not a kubeconfig',
      hint: 'fix the file',
    },
  ])('$name', ({ overrides, says, hint }) => {
    const withPath = { ...overrides, kubeconfig: file(overrides.kubeconfig ?? 'main') };
    const error = failure(withPath);
    expect(error.exitCode).toBe(ExitCode.CONFIG);
    expect(error.message).toContain(says);
    expect(error.hint).toContain(hint);
    expect(formatError(error)).not.toContain('\n');
  });

  it('no kubeconfig anywhere says where it looked', () => {
    const error = failure({}, { KUBECONFIG: file('nothing-here') });
    expect(error.message).toBe(
      `no configuration has been provided: none of the files in KUBECONFIG exist (${file('nothing-here')})`,
    );
  });

  it('a KUBECONFIG of separators only says it names no file', () => {
    const error = failure({}, { KUBECONFIG: ':' });
    expect(error.message).toBe('no configuration has been provided: KUBECONFIG is set but names no file');
  });
});

describe('parsing', () => {
  it('resolves relative paths against the defining file, but leaves PATH commands alone', () => {
    const parsed = parseKubeconfigFile(
      '/etc/kube/config',
      `users:
- {name: a, user: {client-certificate: c.crt, client-key: /abs/k.key, tokenFile: t}}
- {name: b, user: {exec: {command: ./plugins/auth}}}
- {name: c, user: {exec: {command: aws}}}
clusters:
- {name: x, cluster: {server: "https://x", certificate-authority: ../ca.crt}}
`,
    );
    const users = Object.fromEntries(parsed.users);
    expect(users.a).toMatchObject({
      'client-certificate': '/etc/kube/c.crt',
      'client-key': '/abs/k.key',
      tokenFile: '/etc/kube/t',
    });
    expect(users.b!.exec!.command).toBe('/etc/kube/plugins/auth');
    expect(users.c!.exec!.command).toBe('aws');
    expect(parsed.clusters[0]![1]['certificate-authority']).toBe('/etc/ca.crt');
  });

  it.each(['', '   \n', '# only a comment\n'])('treats %j as an empty configuration', (text) => {
    expect(parseKubeconfigFile('/x', text)).toMatchObject({
      currentContext: undefined,
      clusters: [],
      users: [],
      contexts: [],
    });
  });
});

describe('what client-node receives', () => {
  it("is the one resolved context, with the token file as client-node's tokenFile provider", () => {
    const resolved = resolve({ kubeconfig: file('main') });
    resolved.user = { tokenFile: '/var/run/token' };
    const options = toClientNodeOptions(resolved);
    expect(options.currentContext).toBe('dev');
    expect(options.clusters).toHaveLength(1);
    expect(options.clusters[0]).toMatchObject({
      name: 'dev-cluster',
      server: 'https://dev.example:6443',
      skipTLSVerify: false,
    });
    expect(options.users[0]).toMatchObject({
      authProvider: { name: 'tokenFile', config: { tokenFile: '/var/run/token' } },
    });
    expect(options.contexts[0]).toMatchObject({ cluster: 'dev-cluster', namespace: 'dev-ns' });
  });

  it('tells exec plugins how they run (KUBERNETES_EXEC_INFO), as kubectl does', () => {
    const resolved = resolve({ kubeconfig: file('main'), user: 'path-plugin' });
    const exec = toClientNodeOptions(resolved).users[0]!.exec as { env: { name: string; value: string }[] };
    const info = exec.env.find((entry) => entry.name === 'KUBERNETES_EXEC_INFO');
    expect(JSON.parse(info!.value)).toMatchObject({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
    });
  });
});

describe('inside a pod without a kubeconfig (service account), as kubectl does', () => {
  const serviceAccount = () => {
    const mount = path.join(dir, 'serviceaccount');
    mkdirSync(mount, { recursive: true });
    writeFileSync(path.join(mount, 'token'), 'sa-token');
    writeFileSync(path.join(mount, 'ca.crt'), 'CA');
    writeFileSync(path.join(mount, 'namespace'), 'team-ns\n');
    return mount;
  };
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('uses the service account when no kubeconfig exists', () => {
    const mount = serviceAccount();
    const resolved = resolveKubeconfig({}, { env: podEnv, home: file('nowhere'), serviceAccountDir: mount });
    expect(resolved).toMatchObject({
      clusterName: 'in-cluster',
      cluster: { server: 'https://10.96.0.1:443', 'certificate-authority': path.join(mount, 'ca.crt') },
      user: { tokenFile: path.join(mount, 'token') },
      namespace: 'team-ns',
    });
  });

  it('-n still beats the mounted namespace', () => {
    const mount = serviceAccount();
    expect(inClusterConfig({ namespace: 'x' }, { env: podEnv, serviceAccountDir: mount })?.namespace).toBe(
      'x',
    );
  });

  it('brackets an IPv6 service host', () => {
    const mount = serviceAccount();
    const resolved = inClusterConfig(
      {},
      {
        env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
        serviceAccountDir: mount,
      },
    );
    expect(resolved?.cluster.server).toBe('https://[fd00::1]:443');
  });

  it('a kubeconfig, when there is one, still comes first', () => {
    const mount = serviceAccount();
    const resolved = resolveKubeconfig({}, { env: podEnv, home: file('home'), serviceAccountDir: mount });
    expect(resolved.contextName).toBe('dev');
  });

  it('outside a pod there is nothing to fall back to', () => {
    expect(inClusterConfig({}, { env: {}, serviceAccountDir: file('nowhere') })).toBeUndefined();
  });
});

describe('what kubectl refuses in a kubeconfig, refused before any credential code runs', () => {
  const kubeconfigWithUser = (name: string, user: string, server = 'https://api.example') => {
    const kubeconfigFile = file(name);
    writeFileSync(
      kubeconfigFile,
      `clusters: [{name: c, cluster: {server: "${server}"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\nusers:\n- name: u\n  user:\n${user}`,
    );
    return kubeconfigFile;
  };

  it.each([
    { provider: 'gcp', says: 'the gcp auth plugin has been removed', hint: 'gke-gcloud-auth-plugin' },
    { provider: 'azure', says: 'the azure auth plugin has been removed', hint: 'github.com/Azure/kubelogin' },
    { provider: 'exec', says: 'no Auth Provider found for name "exec"', hint: 'exec credential plugin' },
    { provider: 'bogus', says: 'no Auth Provider found for name "bogus"', hint: 'exec credential plugin' },
  ])("auth-provider $provider: CONFIG error, kubectl's words", ({ provider, says, hint }) => {
    const kubeconfigFile = kubeconfigWithUser(
      `provider-${provider}`,
      `    auth-provider: {name: ${provider}, config: {cmd-path: /bin/sh, cmd-args: "-c 'touch x'"}}\n`,
    );
    const error = failure({ kubeconfig: kubeconfigFile });
    expect(error.exitCode).toBe(ExitCode.CONFIG);
    expect(error.message).toContain(says);
    expect(error.hint).toContain(hint);
  });

  it('oidc passes, and client-node gets only its string settings (never an `exec`)', () => {
    const kubeconfigFile = kubeconfigWithUser(
      'provider-oidc',
      '    auth-provider: {name: oidc, config: {client-id: k, id-token: a.b.c, exec: "touch x"}}\n',
    );
    const options = toClientNodeOptions(resolve({ kubeconfig: kubeconfigFile }));
    expect(options.users[0]!.authProvider).toEqual({
      name: 'oidc',
      config: { 'client-id': 'k', 'id-token': 'a.b.c' },
    });
  });

  it('over plain http the auth-provider is not used, so it is not refused (as kubectl)', () => {
    const kubeconfigFile = kubeconfigWithUser(
      'provider-http',
      '    auth-provider: {name: gcp}\n',
      'http://api.example',
    );
    const resolved = resolve({ kubeconfig: kubeconfigFile });
    expect(toClientNodeOptions(resolved).users[0]!.authProvider).toBeUndefined();
  });

  it.each([
    {
      name: 'a number for a string',
      user: '    token: 123\n',
      says: 'users["u"].user.token must be a string, not a number',
    },
    {
      name: 'a string for a list',
      user: '    exec: {command: x, args: "-v"}\n',
      says: 'user.exec.args must be a list of strings, not a string',
    },
    {
      name: 'env without value',
      user: '    exec: {command: x, env: [{name: A}]}\n',
      says: 'user.exec.env must be a list of {name, value} string pairs',
    },
    {
      name: 'a nested exec in an auth-provider',
      user: '    auth-provider: {name: oidc, config: {exec: {command: touch}}}\n',
      says: 'auth-provider.config.exec must be a string, not a mapping',
    },
    {
      name: 'a list for a mapping',
      user: '    exec: [x]\n',
      says: 'user.exec must be a mapping, not a list',
    },
  ])('$name: CONFIG error naming the field', ({ name, user, says }) => {
    const error = failure({ kubeconfig: kubeconfigWithUser(`types-${name.replace(/\W/g, '')}`, user) });
    expect(error.exitCode).toBe(ExitCode.CONFIG);
    expect(error.message).toContain(says);
  });

  it('null is unset and a YAML 1.1 boolean word is a boolean, as in client-go', () => {
    const kubeconfigFile = file('yaml11');
    writeFileSync(
      kubeconfigFile,
      'clusters: [{name: c, cluster: {server: "https://x", insecure-skip-tls-verify: yes, proxy-url: null}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n',
    );
    const resolved = resolve({ kubeconfig: kubeconfigFile });
    expect(resolved.cluster['insecure-skip-tls-verify']).toBe(true);
    expect('proxy-url' in resolved.cluster).toBe(false);
  });

  it.each(['https://api.example/%zz', 'https://api.example:6443/k8s/%4', 'https://%gg.example'])(
    'a malformed escape in %s is a CONFIG error, not "URI malformed"',
    (server) => {
      const error = failure({ kubeconfig: kubeconfigWithUser('escape', '    token: t\n', server) });
      expect(error.exitCode).toBe(ExitCode.CONFIG);
      expect(error.message).toContain('invalid URL escape');
    },
  );

  it.each([
    { where: '-n', overrides: { namespace: '..' }, code: ExitCode.USAGE },
    { where: '-n', overrides: { namespace: 'a/b' }, code: ExitCode.USAGE },
    { where: 'the context', overrides: {}, code: ExitCode.CONFIG },
  ])('an invalid namespace from $where is refused ($overrides.namespace)', ({ overrides, code }) => {
    const kubeconfigFile = file('namespace');
    writeFileSync(
      kubeconfigFile,
      'clusters: [{name: c, cluster: {server: "https://x"}}]\ncontexts: [{name: x, context: {cluster: c, namespace: "."}}]\ncurrent-context: x\n',
    );
    const error = failure({ kubeconfig: kubeconfigFile, ...overrides });
    expect(error.exitCode).toBe(code);
    expect(error.message).toMatch(/^invalid namespace "(\.\.|a\/b|\.)": may not /);
  });

  it('a file nested deeper than kubectl reads is refused at once', () => {
    expect(() => parseKubeconfigFile('/deep', `x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)).toThrow(
      /nested more than 10000 levels deep/,
    );
  });
});

describe('loading many entries takes linear time', () => {
  // The duplicate-name check compared every entry with every earlier one: 50,000 entries took
  // 31 s. Timing belongs to the bench; here only the growth is checked, generously: four times
  // the entries may take at most eight times as long (quadratic growth would be sixteen).
  const documentWith = (count: number) => ({
    clusters: Array.from({ length: count }, (_, index) => ({
      name: `c${index}`,
      cluster: { server: 'https://x' },
    })),
    users: Array.from({ length: count }, (_, index) => ({ name: `u${index}`, user: { token: `t${index}` } })),
    contexts: Array.from({ length: count }, (_, index) => ({
      name: `x${index}`,
      context: { cluster: `c${index}`, user: `u${index}` },
    })),
  });
  const timeOf = (count: number): number => {
    const documents = [documentWith(count), documentWith(count), documentWith(count)];
    const times = documents.map((document) => {
      const started = performance.now();
      kubeconfigFromDocument('/big', document);
      return performance.now() - started;
    });
    return Math.min(...times);
  };

  it('4x the entries, at most 8x the time', () => {
    timeOf(2_000); // warm-up
    const small = timeOf(10_000);
    const large = timeOf(40_000);
    expect(large / small).toBeLessThan(8);
  });
});
