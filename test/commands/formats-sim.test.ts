// The new output formats and list flags end to end, as users type them: the built plugin (and
// real kubectl running it) against the simulator with labelled StatefulSets in two namespaces.
// -o jsonpath and -o custom-columns are compared with real kubectl evaluating the same template
// on the document `-o json` printed (served by test/helpers/kubectl-oracle.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { CliRun } from '../helpers/cli.ts';
import { runPlugin, waitForSettledSet } from '../helpers/cli.ts';
import { startKubectlOracle } from '../helpers/kubectl-oracle.ts';
import type { KubectlOracle } from '../helpers/kubectl-oracle.ts';
import { todoDbManifest } from '../helpers/todo-db.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';

const exec = promisify(execFile);

function set(name: string, namespace: string, replicas: number, labels: string): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name}, namespace: ${namespace}, labels: { ${labels} } }
spec:
  serviceName: ${name}
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: main, image: registry.k8s.io/pause:3.10 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec: { clusterIP: None, selector: { app: ${name} }, ports: [{ name: main, port: 80 }] }
`;
}

const MANIFESTS = [
  todoDbManifest(2).replace(
    'metadata: { name: todo-db, namespace: default }',
    'metadata: { name: todo-db, namespace: default, labels: { app: todo-db, tier: data } }',
  ),
  'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n',
  set('orders', 'shop', 3, 'app: orders, tier: data, app.kubernetes.io/name: orders-pg'),
  set('cart', 'shop', 1, 'app: cart, tier: cache'),
].join('---\n');

let sim: SimCluster;
let oracle: KubectlOracle;

beforeAll(async () => {
  sim = await startSimCluster({ manifests: MANIFESTS, speed: 50 });
  oracle = await startKubectlOracle();
  await Promise.all([
    waitForSettledSet(sim, 'default', 'todo-db'),
    waitForSettledSet(sim, 'shop', 'orders'),
    waitForSettledSet(sim, 'shop', 'cart'),
  ]);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await oracle?.stop();
});

const plugin = (args: string[], env: NodeJS.ProcessEnv = {}, viaKubectl = false): Promise<CliRun> =>
  runPlugin(args, { env: { KUBECONFIG: sim.kubeconfigPath, ...env }, viaKubectl });

function ok(run: CliRun): string {
  expect(run.stderr, run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('list views: selection, order, label columns', () => {
  it('-o name lists every StatefulSet as kubectl names it', async () => {
    expect(lines(ok(await plugin(['status', '-A', '-o', 'name'])))).toEqual([
      'statefulset.apps/todo-db',
      'statefulset.apps/cart',
      'statefulset.apps/orders',
    ]);
  });

  it.each([
    [
      ['-l', 'tier=data'],
      ['todo-db', 'orders'],
    ],
    [['-l', 'tier in (cache)'], ['cart']],
    [['-l', '!tier'], []],
    [['--selector=app.kubernetes.io/name'], ['orders']],
    [
      ['--field-selector', 'metadata.namespace=shop'],
      ['cart', 'orders'],
    ],
    [
      ['--field-selector', 'metadata.name!=cart', '-l', 'tier'],
      ['todo-db', 'orders'],
    ],
  ])('status and dns select %j on the server', async (flags, names) => {
    for (const command of ['status', 'dns']) {
      const out = ok(await plugin([command, '-A', ...flags, '-o', 'name']));
      expect(lines(out), command).toEqual(names.map((name) => `statefulset.apps/${name}`));
    }
  });

  it('--sort-by orders the list (and -o json) like kubectl', async () => {
    const byReplicas = await plugin(['status', '-A', '--sort-by', '.replicas.desired', '-o', 'json']);
    expect(JSON.parse(ok(byReplicas)).items.map((item: { name: string }) => item.name)).toEqual([
      'cart',
      'todo-db',
      'orders',
    ]);
    const dnsByName = await plugin(['dns', '-A', '--sort-by', '{.statefulSet.name}', '-o', 'name']);
    expect(lines(ok(dnsByName))).toEqual(
      ['cart', 'orders', 'todo-db'].map((name) => `statefulset.apps/${name}`),
    );
  });

  it('-L and --show-labels add kubectl’s label columns to the tables', async () => {
    const table = lines(
      ok(await plugin(['status', '-A', '-L', 'tier', '-L', 'app.kubernetes.io/name', '--show-labels'])),
    );
    expect(table[0]).toMatch(/FINDING\s+TIER\s+NAME\s+LABELS$/);
    expect(table.find((line) => line.includes('orders'))).toMatch(
      /data\s+orders-pg\s+app=orders,app\.kubernetes\.io\/name=orders-pg,tier=data$/,
    );
    expect(table.find((line) => line.includes('cart'))).toMatch(/cache\s+app=cart,tier=cache$/);
    const dns = lines(ok(await plugin(['dns', '-n', 'shop', '-L', 'tier'])));
    expect(dns.find((line) => line.startsWith('STATEFULSET'))).toMatch(/TIER$/);
    expect(dns.filter((line) => line.startsWith('orders'))).toHaveLength(3);
    expect(dns.filter((line) => line.startsWith('orders')).every((line) => line.endsWith('data'))).toBe(true);
  });

  it('works through real kubectl (the plugin found on PATH)', async () => {
    const out = ok(await plugin(['status', '-A', '-l', 'tier=data', '-o', 'name'], {}, true));
    expect(lines(out)).toEqual(['statefulset.apps/todo-db', 'statefulset.apps/orders']);
  });

  it('selects in a dump too (-f), where no API server is asked', async () => {
    const { stdout } = await exec('kubectl', ['get', 'sts,pods,pvc,svc', '-A', '-o', 'yaml'], {
      env: { ...process.env, KUBECONFIG: sim.kubeconfigPath },
      maxBuffer: 16 * 1024 * 1024,
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-formats-'));
    const dump = path.join(dir, 'dump.yaml');
    writeFileSync(dump, stdout);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const selected = await plugin(
      ['status', '-f', dump, '-A', '-l', 'tier=data', '--sort-by', '.name', '-o', 'name'],
      {
        KUBECONFIG: '/nonexistent',
      },
    );
    expect(lines(ok(selected))).toEqual(['statefulset.apps/orders', 'statefulset.apps/todo-db']);
    const byField = await plugin([
      'status',
      '-f',
      dump,
      '-A',
      '--field-selector',
      'metadata.name=cart',
      '-o',
      'name',
    ]);
    expect(lines(ok(byField))).toEqual(['statefulset.apps/cart']);
  });
});

describe('-o jsonpath and -o custom-columns: what kubectl prints for the -o json document', () => {
  const TEMPLATES: [string[], string][] = [
    [
      ['status', 'todo-db'],
      '{range .pods[*]}{.name}{"\\t"}{.ready}{"\\t"}{.readyOrder}{"\\t"}{.volumes[0].claim}{"\\n"}{end}',
    ],
    [
      ['status', 'todo-db'],
      '{.statefulSet.labels} {.statefulSet.replicas.ready}/{.statefulSet.replicas.desired}',
    ],
    [['status', '-A'], '{range .items[*]}{.namespace}/{.name} {.health} {.labels.tier}{"\\n"}{end}'],
    [['status', '-A'], '{.items[?(@.replicas.desired>1)].name}'],
    [['dns', 'orders', '-n', 'shop'], '{.records[*].fqdn}'],
    [['dns', '-A'], '{range .items[*]}{.statefulSet.name}: {.records[*].published}{"\\n"}{end}'],
  ];

  it.each(TEMPLATES)('%j -o jsonpath=%s', async (command, template) => {
    const document = JSON.parse(ok(await plugin([...command, '-o', 'json'])));
    const ours = ok(await plugin([...command, '-o', `jsonpath=${template}`]));
    const namespace = oracle.dataset([document]);
    const theirs = await oracle.get(namespace, ['-o', `jsonpath=${template}`], 'item-0');
    expect(theirs.code, theirs.stderr).toBe(0);
    // kubectl saw the document with the apiVersion/kind/metadata a served object needs; the
    // templates here do not look at those.
    expect(ours).toBe(theirs.stdout);
    expect(ours).not.toBe('');
  });

  it.each([
    [
      ['status', '-A'],
      'NS:.namespace,NAME:.name,READY:.replicas.ready,DESIRED:.replicas.desired,TIER:.labels.tier,CODES:.diagnostics[*].code',
    ],
    [['dns', '-A'], 'SET:.statefulSet.name,FQDNS:.records[*].fqdn,PUBLISHED:.records[*].published'],
  ])('%j -o custom-columns=%s', async (command, spec) => {
    const document = JSON.parse(ok(await plugin([...command, '-o', 'json'])));
    const ours = ok(await plugin([...command, '-o', `custom-columns=${spec}`]));
    const namespace = oracle.dataset(document.items);
    const theirs = await oracle.get(namespace, ['-o', `custom-columns=${spec}`]);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(ours).toBe(theirs.stdout);
  });

  it('one report is one custom-columns row; -o name names the set', async () => {
    const row = ok(
      await plugin(['status', 'todo-db', '-o', 'custom-columns=NAME:.statefulSet.name,PODS:.pods[*].name']),
    );
    expect(lines(row)).toEqual(['NAME      PODS', 'todo-db   todo-db-0,todo-db-1']);
    expect(ok(await plugin(['dns', 'todo-db', '-o', 'name']))).toBe('statefulset.apps/todo-db\n');
  });

  it('a template that fails on the document is one usage line, nothing on stdout', async () => {
    const run = await plugin(['status', 'todo-db', '-o', 'jsonpath={.pods[5].name}']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^error: error executing jsonpath "\{\.pods\[5\]\.name\}": array index out of bounds: index 5, length 2; /,
    );
    expect(lines(run.stderr)).toHaveLength(1);
  });
});

describe('FORCE_COLOR', () => {
  const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
  it.each([
    [{ FORCE_COLOR: '1' }, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [{ FORCE_COLOR: '0' }, false],
    [{ FORCE_COLOR: '' }, false],
    [{}, false],
  ])('%j, output piped: colour %s', async (env, coloured) => {
    const out = ok(await plugin(['status', '-A'], env));
    expect(ANSI.test(out)).toBe(coloured);
    expect(out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')).toBe(
      ok(await plugin(['status', '-A'], { FORCE_COLOR: '0' })),
    );
  });
});
