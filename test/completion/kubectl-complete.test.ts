// Completion through real kubectl: kubectl (1.26+) finds kubectl_complete-sts on PATH and runs
// it for `kubectl __complete sts ...`, which is what its bash/zsh/fish scripts call on Tab.
// StatefulSet names and namespaces come from the simulated cluster.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';

const run = promisify(execFile);
const REPO_BIN = fileURLToPath(new URL('../../bin', import.meta.url));
const KUBECTL_DIR = path.dirname(
  (await run('sh', ['-c', 'readlink -f "$(command -v kubectl)"'])).stdout.trim(),
);

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
${['web', 'db']
  .map((name) => statefulSet(name, 'default', name === 'web' ? 2 : 0))
  .concat(['cart', 'orders'].map((name) => statefulSet(name, 'shop', 0)))
  .concat(
    ['web-0', 'web-1'].map((name) => pod(name, 'web')),
    pod('debug', 'tools'),
  )
  .join('---\n')}`;

function statefulSet(name: string, namespace: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  serviceName: ${name}
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - { name: main, image: registry.k8s.io/pause:3.10 }
        - { name: sidecar, image: registry.k8s.io/pause:3.10 }
`;
}

function pod(name: string, app: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: { app: ${app} } }
spec: { containers: [{ name: main, image: registry.k8s.io/pause:3.10 }] }
`;
}

let cluster: SimCluster;
let work: string;
let otherKubeconfig: string;

beforeAll(async () => {
  cluster = await startSimCluster({ manifests: MANIFESTS, controllers: false });
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-complete-'));
  otherKubeconfig = path.join(work, 'other.yaml');
  writeFileSync(
    otherKubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1" } }]
users: [{ name: u, user: {} }]
contexts:
- { name: staging, context: { cluster: c, user: u } }
- { name: production, context: { cluster: c, user: u } }
current-context: staging
`,
  );
});

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Candidates (without descriptions) and the directive of `kubectl __complete sts <words>`. */
async function kubectlComplete(words: string[], kubectl = 'kubectl') {
  const { stdout } = await run(kubectl, ['__complete', 'sts', ...words], {
    env: { PATH: `${REPO_BIN}:${KUBECTL_DIR}:/usr/bin:/bin`, HOME: work, KUBECONFIG: cluster.kubeconfigPath },
  });
  const lines = stdout.trimEnd().split('\n');
  const directive = lines.pop() ?? '';
  return { candidates: lines.map((line) => line.split('\t')[0]), directive };
}

describe('kubectl __complete sts (real kubectl, simulated cluster)', () => {
  const cases: { name: string; words: string[]; expected: string[] }[] = [
    { name: 'StatefulSet names of the context namespace', words: ['dns', ''], expected: ['db', 'web'] },
    { name: 'StatefulSet names by prefix', words: ['dns', 'w'], expected: ['web'] },
    {
      name: 'StatefulSet names of the -n namespace',
      words: ['dns', '-n', 'shop', ''],
      expected: ['cart', 'orders'],
    },
    {
      name: 'StatefulSet names across namespaces with -A',
      words: ['dns', '-A', ''],
      expected: ['cart', 'db', 'orders', 'web'],
    },
    {
      name: 'every namespace for --namespace, kube-system too',
      words: ['dns', '--namespace', ''],
      expected: ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'local-path-storage', 'shop'],
    },
    {
      name: 'flags after NAME (`status web --<TAB>`)',
      words: ['status', 'web', '--w'],
      expected: ['--watch', '--wait'],
    },
    {
      name: "the set's ordinals for --ordinal",
      words: ['verify-pvc', 'web', '--ordinal', ''],
      expected: ['0', '1'],
    },
    {
      name: "the set's containers for -c",
      words: ['verify-pvc', 'web', '-c', ''],
      expected: ['main', 'sidecar'],
    },
    { name: "the set's pods for --from", words: ['dns', 'web', '--from', ''], expected: ['web-0', 'web-1'] },
    {
      name: 'output formats for -o',
      words: ['status', '-o', 'j'],
      expected: ['json', 'jsonpath', 'jsonpath-file'],
    },
    {
      name: 'contexts of the kubeconfig for --context',
      words: ['dns', '--context', ''],
      expected: ['sim'],
    },
    {
      name: 'contexts of --kubeconfig given on the line',
      words: ['dns', '--kubeconfig', '', '--context', 'p'],
      expected: ['production'],
    },
    { name: 'flag names', words: ['dns', '--all-n'], expected: ['--all-namespaces'] },
    { name: 'completion shells', words: ['completion', ''], expected: ['bash', 'zsh', 'fish'] },
  ];
  it.each(cases)('$name', async ({ words, expected }) => {
    const filled = words.map((word, index) => (words[index - 1] === '--kubeconfig' ? otherKubeconfig : word));
    const result = await kubectlComplete(filled);
    expect(result.candidates).toEqual(expected);
    expect(result.directive).toBe(':4');
  });

  it('offers every flag for `status web --` (the `--` being typed is not swallowed)', async () => {
    const result = await kubectlComplete(['status', 'web', '--']);
    expect(result.candidates).toEqual(
      expect.arrayContaining(['--namespace', '--output', '--watch', '--selector']),
    );
    expect(result.candidates).not.toContain('web');
  });

  it('offers the subcommands with descriptions', async () => {
    const { stdout } = await run('kubectl', ['__complete', 'sts', ''], {
      env: {
        PATH: `${REPO_BIN}:${KUBECTL_DIR}:/usr/bin:/bin`,
        HOME: work,
        KUBECONFIG: cluster.kubeconfigPath,
      },
    });
    expect(stdout).toMatch(/^dns\t\S/m);
    expect(stdout).toMatch(/^version\tPrint the plugin version\.$/m);
    expect(stdout).not.toMatch(/^__complete/m);
  });

  it('completes nothing, without an error, when the cluster is unreachable', async () => {
    const result = await kubectlComplete(['dns', '--kubeconfig', otherKubeconfig, '']);
    expect(result).toEqual({ candidates: [], directive: ':4' });
  });

  // The oldest and newest installed clients (the default kubectl covers one in between).
  const versioned = readdirSync(KUBECTL_DIR)
    .filter((file) => /^kubectl\.1\.\d+$/.test(file))
    .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
    .filter((_, index, all) => index === 0 || index === all.length - 1);
  it.each(versioned)('works the same with %s', async (kubectl) => {
    const result = await kubectlComplete(['dns', '-n', 'shop', ''], path.join(KUBECTL_DIR, kubectl));
    expect(result.candidates).toEqual(['cart', 'orders']);
  });
});

describe('kubectl __complete sts on a TLS cluster with a token (real kubectl)', () => {
  let tls: SimCluster;
  const TOKEN = 'complete-token-never-printed-7a1e';
  beforeAll(async () => {
    tls = await startSimCluster({
      manifests: MANIFESTS,
      controllers: false,
      tls: true,
      token: 'admin-token-x',
    });
    tls.auth.addToken(TOKEN, 'narrow');
    tls.rbac.deny({ user: 'narrow', verb: 'list', resource: 'namespaces' });
  });
  afterAll(async () => {
    await tls?.stop();
  });

  async function complete(words: string[]) {
    const { stdout, stderr } = await run('kubectl', ['__complete', 'sts', ...words], {
      env: {
        PATH: `${REPO_BIN}:${KUBECTL_DIR}:/usr/bin:/bin`,
        HOME: work,
        KUBECONFIG: tls.kubeconfigFor(TOKEN),
      },
    });
    return { candidates: stdout.trimEnd().split('\n').slice(0, -1), stderr };
  }

  it('offers the namespaces holding StatefulSets (and the context’s) when namespaces may not be listed', async () => {
    const result = await complete(['status', '-n', '']);
    expect(result.candidates).toEqual(['default', 'shop']);
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('looks the set up with the token for --ordinal', async () => {
    expect((await complete(['verify-pvc', 'web', '--ordinal', ''])).candidates).toEqual(['0', '1']);
  });
});
