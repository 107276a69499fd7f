// Conformance: real kubectl (every installed version from 1.30 up) against the simulator, checking
// what kubectl prints, not only its exit code. Versions run in parallel, each on its own cluster.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster, SimClusterOptions } from '../sim/index.ts';
import type { Json } from '../sim/server/json.ts';
import { installedKubectls, kubectlCache, runKubectl, squeeze } from './kubectl.ts';
import type { Kubectl, KubectlResult } from './kubectl.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const FIXTURES = THIRD_PARTY_FIXTURES;
const kubectls = installedKubectls();

if (kubectls.length === 0) {
  console.warn('conformance: skipped, no kubectl ≥ 1.30 is installed (looked on PATH and beside it)');
}

async function withCluster<T>(
  options: SimClusterOptions,
  fn: (sim: SimCluster, cacheDir: string) => Promise<T>,
): Promise<T> {
  const sim = await startSimCluster(options);
  const cache = kubectlCache();
  try {
    return await fn(sim, cache.dir);
  } finally {
    cache.remove();
    await sim.stop();
  }
}

/** Manifest groups applied into a namespace each; testers (Deployments) are left out: the simulator serves no Deployments. */
const MANIFEST_GROUPS: string[][] = [
  [
    'k8s-examples/e2e/cassandra/service.yaml',
    'k8s-examples/e2e/cassandra/statefulset.yaml',
    'k8s-examples/e2e/cassandra/pdb.yaml',
  ],
  ['k8s-examples/e2e/cockroachdb/service.yaml', 'k8s-examples/e2e/cockroachdb/statefulset.yaml'],
  [
    'k8s-examples/e2e/etcd/service.yaml',
    'k8s-examples/e2e/etcd/statefulset.yaml',
    'k8s-examples/e2e/etcd/pdb.yaml',
  ],
  ['k8s-examples/e2e/multivolumezk/service.yaml', 'k8s-examples/e2e/multivolumezk/statefulset.yaml'],
  ['k8s-examples/e2e/mysql-galera/service.yaml', 'k8s-examples/e2e/mysql-galera/statefulset.yaml'],
  ['k8s-examples/e2e/mysql-upgrade/service.yaml', 'k8s-examples/e2e/mysql-upgrade/statefulset.yaml'],
  ['k8s-examples/e2e/nginx/service.yaml', 'k8s-examples/e2e/nginx/statefulset.yaml'],
  ['k8s-examples/e2e/redis/service.yaml', 'k8s-examples/e2e/redis/statefulset.yaml'],
  ['k8s-examples/e2e/zookeeper/service.yaml', 'k8s-examples/e2e/zookeeper/statefulset.yaml'],
  [
    'k8s-examples/website/cassandra/cassandra-service.yaml',
    'k8s-examples/website/cassandra/cassandra-statefulset.yaml',
  ],
  ['k8s-examples/website/job/rabbitmq/rabbitmq-statefulset.yaml'],
  [
    'k8s-examples/website/mysql/mysql-configmap.yaml',
    'k8s-examples/website/mysql/mysql-services.yaml',
    'k8s-examples/website/mysql/mysql-statefulset.yaml',
  ],
  ['k8s-examples/website/web/web.yaml'],
  ['k8s-examples/website/web/web-parallel.yaml'],
  ['k8s-examples/website/zookeeper/zookeeper.yaml'],
  ['kiamol-ch08/sleep/sleep-with-pvc.yaml'],
  [
    'kiamol-ch08/todo-list/db/todo-db-secret.yaml',
    'kiamol-ch08/todo-list/db/todo-db-service.yaml',
    'kiamol-ch08/todo-list/db/todo-db.yaml',
  ],
  [
    'kiamol-ch08/todo-list/db/replicated/todo-db-config.yaml',
    'kiamol-ch08/todo-list/db/replicated/todo-db-env.yaml',
    'kiamol-ch08/todo-list/db/replicated/todo-db-scripts.yaml',
    'kiamol-ch08/todo-list/db/replicated/todo-db.yaml',
  ],
];

const RETIRED = new Set(['apps/v1beta1', 'apps/v1beta2', 'policy/v1beta1', 'extensions/v1beta1']);

/** What a real apiserver makes kubectl print for each document of a manifest file. */
function expectedApply(file: string): { stdout: string[]; stderr: string[] } {
  const expected = { stdout: [] as string[], stderr: [] as string[] };
  for (const doc of parseAllDocuments(readFileSync(join(FIXTURES, file), 'utf8'))) {
    const object = doc.toJSON() as Json | null;
    if (!object) continue;
    const name = object.metadata.name as string;
    if (RETIRED.has(object.apiVersion)) {
      expected.stderr.push(`no matches for kind "${object.kind}" in version "${object.apiVersion}"`);
      expected.stderr.push(`resource mapping not found for name: "${name}"`);
      continue;
    }
    if (file.endsWith('mysql-galera/statefulset.yaml')) {
      // apps/v1 without a selector: the apiserver's validation refuses it.
      expected.stderr.push(`The StatefulSet "${name}" is invalid: `, '* spec.selector: Required value');
      continue;
    }
    const group = String(object.apiVersion).includes('/')
      ? `.${String(object.apiVersion).split('/')[0]}`
      : '';
    expected.stdout.push(`${String(object.kind).toLowerCase()}${group}/${name} created`);
  }
  return expected;
}

/** Runs `fn` over `items` with at most `width` at a time (kubectl is CPU-hungry; the cores are shared). */
async function inBatches<T, R>(
  items: T[],
  width: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    const batch = items.slice(start, start + width);
    results.push(...(await Promise.all(batch.map((item, offset) => fn(item, start + offset)))));
  }
  return results;
}

function show(result: KubectlResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

const SUITE =
  kubectls.length === 0
    ? 'real kubectl against the simulator — skipped: no kubectl ≥ 1.30 on PATH or beside it'
    : `real kubectl against the simulator (${kubectls.map((k) => k.label).join(', ')})`;

describe.skipIf(kubectls.length === 0)(SUITE, () => {
  it.concurrent.each(kubectls)(
    '$label applies the upstream manifests and is refused the retired and invalid ones as by a real server',
    async (kubectl: Kubectl) => {
      await withCluster({ controllers: false }, async (sim, cacheDir) => {
        const k = (args: string[]): Promise<KubectlResult> =>
          runKubectl(kubectl, sim.kubeconfigPath, args, { cacheDir });
        for (const index of MANIFEST_GROUPS.keys())
          sim.store.create('namespaces', { metadata: { name: `m${index}` } });
        const results = await inBatches(MANIFEST_GROUPS, 3, (group, index) =>
          k(['apply', '-n', `m${index}`, ...group.flatMap((file) => ['-f', join(FIXTURES, file)])]),
        );
        for (const [index, group] of MANIFEST_GROUPS.entries()) {
          const result = results[index]!;
          const expected = group.map(expectedApply);
          for (const line of expected.flatMap((e) => e.stdout))
            expect(result.stdout, show(result)).toContain(line);
          for (const line of expected.flatMap((e) => e.stderr))
            expect(result.stderr, show(result)).toContain(line);
          const failing = expected.some((e) => e.stderr.length > 0);
          expect(result.code, `${group.join(' ')}\n${show(result)}`).toBe(failing ? 1 : 0);
        }
        const again = await k([
          'apply',
          '-n',
          'm12',
          '-f',
          join(FIXTURES, 'k8s-examples/website/web/web.yaml'),
        ]);
        expect(again.stdout).toContain('service/nginx unchanged');
        const update = await k([
          'apply',
          '-n',
          'm17',
          '-f',
          join(FIXTURES, 'kiamol-ch08/todo-list/db/replicated/update/todo-db-pvc.yaml'),
        ]);
        expect(update.code).toBe(1);
        expect(update.stderr).toContain(
          "The StatefulSet \"todo-db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        );
        sim.requestLog.clear();
        const paged = await k(['get', 'configmaps', '-A', '--chunk-size=4', '-o', 'name']);
        const all = sim.store.list<Json>('configmaps').map((cm) => `configmap/${cm.metadata.name}`);
        expect(paged.stdout.trim().split('\n')).toEqual(all);
        expect(sim.requestLog.count({ verb: 'list', resource: 'configmaps' })).toBe(
          Math.ceil(all.length / 4),
        );

        const sets = await k(['get', 'statefulsets', '-A', '-o', 'json']);
        const names = (JSON.parse(sets.stdout) as Json).items.map(
          (i: Json) => `${i.metadata.namespace}/${i.metadata.name}`,
        );
        expect(names).toEqual(
          expect.arrayContaining(['m0/cassandra', 'm12/web', 'm16/todo-db', 'm17/todo-db']),
        );
        expect(names).not.toEqual(expect.arrayContaining(['m8/zoo', 'm4/mysql']));
      });
    },
    180_000,
  );

  it.concurrent.each(kubectls)(
    '$label reads a running StatefulSet: get (table, wide, json, selectors, watch), events, wait, exec, delete, scale, rollout',
    async (kubectl: Kubectl) => {
      const manifests = readFileSync(join(FIXTURES, 'k8s-examples/website/web/web.yaml'), 'utf8');
      await withCluster({ speed: 50, manifests }, async (sim, cacheDir) => {
        const k = (args: string[], timeoutMs = 60_000): Promise<KubectlResult> =>
          runKubectl(kubectl, sim.kubeconfigPath, args, { timeoutMs, cacheDir });
        const ready = await k(
          ['wait', '--for=condition=Ready', 'pod/web-0', 'pod/web-1', '--timeout=60s'],
          90_000,
        );
        expect(ready.stdout, show(ready)).toBe('pod/web-0 condition met\npod/web-1 condition met\n');

        const pods = squeeze((await k(['get', 'pods'])).stdout);
        expect(pods[0]).toBe('NAME  READY  STATUS  RESTARTS  AGE');
        expect(pods.slice(1).map((row) => row.split('  ').slice(0, 4).join(' '))).toEqual([
          'web-0 1/1 Running 0',
          'web-1 1/1 Running 0',
        ]);

        const wide = squeeze((await k(['get', 'pods', '-o', 'wide'])).stdout);
        expect(wide[0]).toBe('NAME  READY  STATUS  RESTARTS  AGE  IP  NODE  NOMINATED NODE  READINESS GATES');
        expect(wide[1]).toMatch(
          /^web-0 {2}1\/1 {2}Running {2}0 {2}\S+ {2}10\.244\.\d+\.\d+ {2}sim-worker2? {2}<none> {2}<none>$/,
        );

        const json = JSON.parse((await k(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as Json;
        expect(json.kind).toBe('List');
        expect(json.items.map((p: Json) => p.metadata.labels['statefulset.kubernetes.io/pod-name'])).toEqual([
          'web-0',
          'web-1',
        ]);

        const none = await k(['get', 'pods', '-l', 'app in (other)']);
        expect(none.stderr).toBe('No resources found in default namespace.\n');

        const sts = squeeze((await k(['get', 'sts', 'web', '-o', 'wide'])).stdout);
        expect(sts[0]).toBe('NAME  READY  AGE  CONTAINERS  IMAGES');
        expect(sts[1]).toMatch(/^web {2}2\/2 {2}\S+ {2}nginx {2}registry\.k8s\.io\/nginx-slim:0\.8$/);

        const claims = squeeze((await k(['get', 'pvc'])).stdout);
        expect(claims[0]).toBe(
          'NAME  STATUS  VOLUME  CAPACITY  ACCESS MODES  STORAGECLASS  VOLUMEATTRIBUTESCLASS  AGE',
        );
        expect(claims[1]).toMatch(
          /^www-web-0 {2}Bound {2}pvc-[0-9a-f-]+ {2}1Gi {2}RWO {2}standard {2}<unset> {2}\S+$/,
        );

        const headers = await Promise.all(
          [
            'services',
            'endpointslices',
            'persistentvolumes',
            'controllerrevisions',
            'storageclasses',
            'nodes',
          ].map(async (resource) => squeeze((await k(['get', resource])).stdout)[0]),
        );
        expect(headers).toEqual([
          'NAME  TYPE  CLUSTER-IP  EXTERNAL-IP  PORT(S)  AGE',
          'NAME  ADDRESSTYPE  PORTS  ENDPOINTS  AGE',
          'NAME  CAPACITY  ACCESS MODES  RECLAIM POLICY  STATUS  CLAIM  STORAGECLASS  VOLUMEATTRIBUTESCLASS  REASON  AGE',
          'NAME  CONTROLLER  REVISION  AGE',
          'NAME  PROVISIONER  RECLAIMPOLICY  VOLUMEBINDINGMODE  ALLOWVOLUMEEXPANSION  AGE',
          'NAME  STATUS  ROLES  AGE  VERSION',
        ]);

        const events = await k(['get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet']);
        expect(squeeze(events.stdout)[0]).toBe('LAST SEEN  TYPE  REASON  OBJECT  MESSAGE');
        expect(events.stdout).toContain('create Pod web-0 in StatefulSet web successful');

        const missing = await k(['get', 'sts', 'nope']);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toBe('Error from server (NotFound): statefulsets.apps "nope" not found\n');

        const resources = squeeze((await k(['api-resources'])).stdout);
        expect(resources).toContain('statefulsets  sts  apps/v1  true  StatefulSet');
        expect(resources).toContain('persistentvolumeclaims  pvc  v1  true  PersistentVolumeClaim');

        const watched = await k([
          'get',
          'sts',
          'web',
          '--watch',
          '--output-watch-events',
          '--request-timeout=2s',
        ]);
        const watchLines = squeeze(watched.stdout);
        expect(watchLines[0]).toBe('EVENT  NAME  READY  AGE');
        expect(watchLines[1]).toMatch(/^ADDED {2}web {2}2\/2 {2}\S+$/);

        const exec = await k(['exec', 'web-0', '--', 'sh', '-c', 'echo hello; exit 3']);
        expect(exec.stdout).toBe('hello\n');
        expect(exec.stderr).toContain('command terminated with exit code 3');
        expect(exec.code).toBe(3);

        const before = sim.store.get<Json>('pods', 'default', 'web-0')!.metadata.uid;
        const deleted = await k(['delete', 'pod', 'web-0'], 90_000);
        expect(deleted.stdout).toBe('pod "web-0" deleted\n');
        expect(sim.store.get<Json>('pods', 'default', 'web-0')?.metadata.uid).not.toBe(before);

        expect((await k(['scale', 'sts', 'web', '--replicas=3'])).stdout).toBe(
          'statefulset.apps/web scaled\n',
        );
        const rollout = await k(['rollout', 'status', 'sts', 'web', '--timeout=60s'], 90_000);
        expect(rollout.stdout, show(rollout)).toContain(
          'partitioned roll out complete: 3 new pods have been updated...',
        );

        const cascade = await k(['delete', 'sts', 'web', '--cascade=foreground'], 90_000);
        expect(cascade.stdout, show(cascade)).toBe('statefulset.apps "web" deleted\n');
        expect((await k(['get', 'pods,controllerrevisions'])).stderr).toBe(
          'No resources found in default namespace.\n',
        );
      });
    },
    240_000,
  );

  it.concurrent.each(kubectls)(
    '$label over TLS with a bearer token: Unauthorized without it, RBAC denials word for word, auth can-i',
    async (kubectl: Kubectl) => {
      await withCluster({ controllers: false, tls: true, token: 'admin-token' }, async (sim) => {
        sim.auth.addToken('alice-token', 'alice');
        sim.rbac.deny({ user: 'alice', verb: 'list', resource: 'pods' });
        const alice = sim.kubeconfigFor('alice-token');
        const stranger = sim.kubeconfigFor('wrong-token');
        const admin = await runKubectl(kubectl, sim.kubeconfigPath, ['get', 'namespaces', '-o', 'name']);
        expect(admin.stdout).toContain('namespace/kube-system');
        const denied = await runKubectl(kubectl, alice, ['get', 'pods']);
        expect(denied.stderr).toBe(
          'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"\n',
        );
        expect((await runKubectl(kubectl, alice, ['auth', 'can-i', 'list', 'pods'])).stdout).toBe('no\n');
        expect((await runKubectl(kubectl, alice, ['auth', 'can-i', 'list', 'statefulsets'])).stdout).toBe(
          'yes\n',
        );
        const unauthorized = await runKubectl(kubectl, stranger, ['get', 'pods']);
        expect(unauthorized.code).toBe(1);
        expect(unauthorized.stderr).toContain(
          'error: You must be logged in to the server (the server has asked for the client to provide credentials)',
        );
      });
    },
    120_000,
  );
});

// Keeps the fixture paths honest: every listed file exists and is relative to the fixtures folder.
it('lists only fixture files that exist', () => {
  for (const file of MANIFEST_GROUPS.flat()) expect(() => readFileSync(join(FIXTURES, file))).not.toThrow();
  expect(relative(FIXTURES, join(FIXTURES, 'x'))).toBe('x');
});
