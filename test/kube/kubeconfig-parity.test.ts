// Parity with real kubectl: for each kubeconfig layout, `kubectl config view --minify --raw
// --flatten -o json` is the oracle for which context, cluster, user and namespace kubectl would
// use. --flatten makes kubectl read certificate files itself, so comparing their contents also
// proves that relative paths were resolved against the right file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StsError, ExitCode } from '../../src/cli/errors.ts';
import { resolveKubeconfig } from '../../src/kube/kubeconfig.ts';
import type { KubeconfigOverrides, ResolvedKubeconfig } from '../../src/kube/kubeconfig.ts';

/** The kubectl on PATH, plus the oldest and newest installed next to it (kubectl.1.27 … 1.33). */
function kubectlBinaries(): string[] {
  if (process.env.KUBECTL) return [process.env.KUBECTL];
  const found = ['kubectl'];
  try {
    const onPath = execFileSync('sh', ['-c', 'readlink -f "$(command -v kubectl)"']).toString().trim();
    const dirOf = path.dirname(onPath);
    const versioned = readdirSync(dirOf)
      .filter((name) => /^kubectl\.1\.\d+$/.test(name))
      .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    for (const name of [versioned[0], versioned.at(-1)]) if (name) found.push(path.join(dirOf, name));
  } catch {
    // only the kubectl on PATH
  }
  return [...new Set(found)];
}
const KUBECTLS = kubectlBinaries();

let dir: string;

/** Files live in two directories so relative paths can only resolve one right way. */
function layout(root: string): void {
  for (const sub of ['one/certs', 'two/certs', 'empty', 'one/bin'])
    mkdirSync(path.join(root, sub), { recursive: true });
  writeFileSync(path.join(root, 'one/certs/ca.crt'), 'CA OF ONE\n');
  writeFileSync(path.join(root, 'two/certs/ca.crt'), 'CA OF TWO\n');
  writeFileSync(path.join(root, 'one/certs/client.crt'), 'CLIENT CERT OF ONE\n');
  writeFileSync(path.join(root, 'one/certs/client.key'), 'CLIENT KEY OF ONE\n');
  writeFileSync(path.join(root, 'two/token'), 'token-from-file-two');
  writeFileSync(path.join(root, 'empty/config'), '');
  writeFileSync(path.join(root, 'bad.yaml'), 'clusters: [\n');
  writeFileSync(
    path.join(root, 'duplicate.yaml'),
    'clusters:\n- {name: c, cluster: {server: "https://a"}}\n- {name: c, cluster: {server: "https://b"}}\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n',
  );
  writeFileSync(
    path.join(root, 'one/config'),
    `apiVersion: v1
kind: Config
current-context: one-admin
clusters:
- name: shared
  cluster:
    server: https://one.example:6443
    certificate-authority: certs/ca.crt
- name: only-one
  cluster:
    server: https://only-one.example
    insecure-skip-tls-verify: true
contexts:
- name: one-admin
  context: {cluster: shared, user: cert-user, namespace: team-one}
- name: shared-ctx
  context: {cluster: shared, user: token-user}
- name: exec-ctx
  context: {cluster: only-one, user: exec-user, namespace: plugins}
- name: ghost-user
  context: {cluster: shared, user: nobody}
- name: ghost-cluster
  context: {cluster: nowhere, user: token-user}
- name: anonymous
  context: {cluster: only-one}
users:
- name: cert-user
  user:
    client-certificate: certs/client.crt
    client-key: certs/client.key
- name: token-user
  user: {token: token-of-one}
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/credential-plugin
      args: [--cluster, only-one]
      env: [{name: PLUGIN_MODE, value: test}]
      interactiveMode: Never
`,
  );
  writeFileSync(
    path.join(root, 'two/config'),
    `apiVersion: v1
kind: Config
current-context: two-ctx
clusters:
- name: shared
  cluster:
    server: https://two.example:6443
    certificate-authority: certs/ca.crt
- name: only-two
  cluster:
    server: https://only-two.example:443
    certificate-authority: certs/ca.crt
contexts:
- name: two-ctx
  context: {cluster: only-two, user: file-token-user, namespace: team-two}
- name: shared-ctx
  context: {cluster: only-two, user: file-token-user, namespace: from-two}
users:
- name: token-user
  user: {token: token-of-two}
- name: file-token-user
  user: {tokenFile: token}
`,
  );
}

interface KubectlView {
  'current-context'?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster?: string; user?: string; namespace?: string } }[];
}

function kubectlView(
  kubectl: string,
  kubeconfigEnv: string | undefined,
  flags: string[],
): KubectlView | undefined {
  try {
    const out = execFileSync(
      kubectl,
      ['config', 'view', '--minify', '--raw', '--flatten', '-o', 'json', ...flags],
      {
        env: {
          PATH: process.env.PATH,
          HOME: path.join(dir, 'home'),
          ...(kubeconfigEnv ? { KUBECONFIG: kubeconfigEnv } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return JSON.parse(out.toString()) as KubectlView;
  } catch {
    return undefined;
  }
}

function ours(
  kubeconfigEnv: string | undefined,
  overrides: KubeconfigOverrides,
): ResolvedKubeconfig | StsError {
  try {
    return resolveKubeconfig(overrides, {
      env: kubeconfigEnv ? { KUBECONFIG: kubeconfigEnv } : {},
      home: path.join(dir, 'home'),
    });
  } catch (error) {
    if (error instanceof StsError) return error;
    throw error;
  }
}

const base64 = (file: string): string => readFileSync(file).toString('base64');

/** What both sides agree on, in kubectl's vocabulary. */
function fromKubectl(view: KubectlView): Record<string, unknown> {
  const cluster = view.clusters?.[0]?.cluster ?? {};
  const user = view.users?.[0]?.user ?? {};
  const exec = user.exec as Record<string, unknown> | undefined;
  return {
    context: view['current-context'],
    namespace: view.contexts?.[0]?.context.namespace ?? 'default',
    cluster: view.clusters?.[0]?.name,
    server: cluster.server,
    caData: cluster['certificate-authority-data'],
    insecure: cluster['insecure-skip-tls-verify'] ?? false,
    user: view.users?.[0]?.name,
    token: user.token,
    tokenFile: user.tokenFile,
    certData: user['client-certificate-data'],
    keyData: user['client-key-data'],
    exec: exec && { command: exec.command, args: exec.args, env: exec.env, apiVersion: exec.apiVersion },
  };
}

function fromOurs(resolved: ResolvedKubeconfig): Record<string, unknown> {
  const { cluster, user } = resolved;
  const caFile = cluster['certificate-authority'];
  const exec = user.exec;
  return {
    context: resolved.contextName,
    namespace: resolved.namespace,
    cluster: resolved.clusterName,
    server: cluster.server,
    caData: cluster['certificate-authority-data'] ?? (caFile ? base64(caFile) : undefined),
    insecure: cluster['insecure-skip-tls-verify'] ?? false,
    user: resolved.userName,
    token: user.token,
    tokenFile: user.tokenFile,
    certData:
      user['client-certificate-data'] ??
      (user['client-certificate'] ? base64(user['client-certificate']) : undefined),
    keyData: user['client-key-data'] ?? (user['client-key'] ? base64(user['client-key']) : undefined),
    exec: exec && { command: exec.command, args: exec.args, env: exec.env, apiVersion: exec.apiVersion },
  };
}

interface ParityCase {
  name: string;
  /** KUBECONFIG entries relative to the temp dir (joined with ':'); undefined = unset. */
  kubeconfigEnv?: string[];
  /** --kubeconfig, relative to the temp dir. */
  kubeconfigFlag?: string;
  context?: string;
  /** Expected outcome, stated here too so the test reads as a specification. */
  expect: { context: string; server: string; namespace: string } | 'fails';
  /** kubectl prints paths as written; where they must point after resolution. */
  tokenFileAt?: string;
  execCommandAt?: string;
}

const CASES: ParityCase[] = [
  {
    name: 'single file: current context, namespace from context, client-cert user and CA relative to the file',
    kubeconfigEnv: ['one/config'],
    expect: { context: 'one-admin', server: 'https://one.example:6443', namespace: 'team-one' },
  },
  {
    name: 'two files: the first file sets current-context',
    kubeconfigEnv: ['one/config', 'two/config'],
    expect: { context: 'one-admin', server: 'https://one.example:6443', namespace: 'team-one' },
  },
  {
    name: 'two files reversed: the first file sets current-context, token file relative to its own file',
    kubeconfigEnv: ['two/config', 'one/config'],
    expect: { context: 'two-ctx', server: 'https://only-two.example:443', namespace: 'team-two' },
    tokenFileAt: 'two/token',
  },
  {
    name: 'duplicate context, cluster and user names: the first file wins for each',
    kubeconfigEnv: ['one/config', 'two/config'],
    context: 'shared-ctx',
    expect: { context: 'shared-ctx', server: 'https://one.example:6443', namespace: 'default' },
  },
  {
    name: 'duplicate names, other order: the first file wins again',
    kubeconfigEnv: ['two/config', 'one/config'],
    context: 'shared-ctx',
    expect: { context: 'shared-ctx', server: 'https://only-two.example:443', namespace: 'from-two' },
    tokenFileAt: 'two/token',
  },
  {
    name: '--context picks a context that only the second file defines; its cluster comes from the second file',
    kubeconfigEnv: ['one/config', 'two/config'],
    context: 'two-ctx',
    expect: { context: 'two-ctx', server: 'https://only-two.example:443', namespace: 'team-two' },
    tokenFileAt: 'two/token',
  },
  {
    name: 'exec credential plugin: command relative to the file, args and env kept',
    kubeconfigEnv: ['one/config'],
    context: 'exec-ctx',
    expect: { context: 'exec-ctx', server: 'https://only-one.example', namespace: 'plugins' },
    execCommandAt: 'one/bin/credential-plugin',
  },
  {
    name: 'token user with insecure-skip-tls-verify and no namespace: namespace "default"',
    kubeconfigEnv: ['one/config'],
    context: 'anonymous',
    expect: { context: 'anonymous', server: 'https://only-one.example', namespace: 'default' },
  },
  {
    name: 'missing files in KUBECONFIG are skipped, empty entries ignored',
    kubeconfigEnv: ['missing/config', '', 'two/config'],
    expect: { context: 'two-ctx', server: 'https://only-two.example:443', namespace: 'team-two' },
    tokenFileAt: 'two/token',
  },
  {
    name: 'an empty file is an empty configuration, later files still count',
    kubeconfigEnv: ['empty/config', 'two/config'],
    expect: { context: 'two-ctx', server: 'https://only-two.example:443', namespace: 'team-two' },
    tokenFileAt: 'two/token',
  },
  {
    name: '--kubeconfig beats KUBECONFIG',
    kubeconfigEnv: ['two/config'],
    kubeconfigFlag: 'one/config',
    expect: { context: 'one-admin', server: 'https://one.example:6443', namespace: 'team-one' },
  },
  {
    name: 'missing context given by --context fails',
    kubeconfigEnv: ['one/config'],
    context: 'nope',
    expect: 'fails',
  },
  { name: 'only an empty file: no current context fails', kubeconfigEnv: ['empty/config'], expect: 'fails' },
  { name: 'no kubeconfig at all fails', kubeconfigEnv: ['missing/config'], expect: 'fails' },
  {
    name: 'context naming a missing user fails',
    kubeconfigEnv: ['one/config'],
    context: 'ghost-user',
    expect: 'fails',
  },
  {
    name: 'context naming a missing cluster fails',
    kubeconfigEnv: ['one/config'],
    context: 'ghost-cluster',
    expect: 'fails',
  },
  {
    name: 'invalid YAML in any listed file fails',
    kubeconfigEnv: ['bad.yaml', 'one/config'],
    expect: 'fails',
  },
  {
    name: 'the same name twice within one file fails',
    kubeconfigEnv: ['duplicate.yaml', 'one/config'],
    expect: 'fails',
  },
  { name: '--kubeconfig naming a missing file fails', kubeconfigFlag: 'missing/config', expect: 'fails' },
];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-parity-'));
  layout(dir);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each(KUBECTLS.map((kubectl) => ({ kubectl, label: path.basename(kubectl) })))(
  'kubeconfig resolution matches `$label config view --minify`',
  ({ kubectl }) => {
    it.each(CASES)('$name', (testCase) => {
      const env = testCase.kubeconfigEnv?.map((entry) => (entry ? path.join(dir, entry) : '')).join(':');
      const flags: string[] = [];
      const overrides: KubeconfigOverrides = {};
      if (testCase.kubeconfigFlag) {
        flags.push('--kubeconfig', path.join(dir, testCase.kubeconfigFlag));
        overrides.kubeconfig = path.join(dir, testCase.kubeconfigFlag);
      }
      if (testCase.context) {
        flags.push('--context', testCase.context);
        overrides.context = testCase.context;
      }
      const oracle = kubectlView(kubectl, env, flags);
      const result = ours(env, overrides);

      if (testCase.expect === 'fails') {
        expect(oracle, 'kubectl should fail too').toBeUndefined();
        expect(result).toBeInstanceOf(StsError);
        expect((result as StsError).exitCode).toBe(ExitCode.CONFIG);
        return;
      }
      expect(oracle, 'kubectl should succeed').toBeDefined();
      if (result instanceof StsError) throw result;
      const theirs = fromKubectl(oracle!);
      const mine = fromOurs(result);
      expect({ context: mine.context, server: mine.server, namespace: mine.namespace }).toEqual(
        testCase.expect,
      );

      // kubectl prints token files and exec commands as written; compare where they point.
      if (testCase.tokenFileAt) {
        expect(mine.tokenFile).toBe(path.join(dir, testCase.tokenFileAt));
        expect(path.basename(String(mine.tokenFile))).toBe(path.basename(String(theirs.tokenFile)));
        mine.tokenFile = theirs.tokenFile;
      }
      if (testCase.execCommandAt) {
        const exec = mine.exec as { command: string };
        expect(exec.command).toBe(path.join(dir, testCase.execCommandAt));
        exec.command = (theirs.exec as { command: string }).command;
      }
      expect(mine).toEqual(theirs);
    });
  },
);
