// Workload conformance: real kubectl binaries (every installed version from 1.30 up) drive the
// simulator's controllers through the API, and we check what kubectl prints, as a user would see it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../src/kube/types.ts';
import { installControllers } from '../sim/controllers/index.ts';
import type { RunningControllers } from '../sim/controllers/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { startSimCluster } from '../sim/index.ts';
import type { Kubectl, KubectlResult } from './kubectl.ts';
import { installedKubectls, kubectlCache, runKubectl } from './kubectl.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const fixtures = THIRD_PARTY_FIXTURES;
const kiamol = join(fixtures, 'kiamol-ch08', 'todo-list', 'db');
const todoDbFiles = [
  'todo-db-secret.yaml',
  'todo-db-service.yaml',
  'replicated/todo-db-config.yaml',
  'replicated/todo-db-env.yaml',
  'replicated/todo-db-scripts.yaml',
  'replicated/update/todo-db-pvc.yaml',
].map((file) => join(kiamol, file));
const webYaml = join(fixtures, 'k8s-examples', 'website', 'web', 'web.yaml');

const kubectls = installedKubectls();
if (kubectls.length === 0) {
  console.warn('workload conformance skipped: no kubectl >= 1.30 found on PATH or beside it');
}

describe.skipIf(kubectls.length === 0).each(kubectls)(
  '$label against the simulated controllers',
  (version: Kubectl) => {
    let cluster: SimCluster;
    let controllers: RunningControllers;
    const cache = kubectlCache();

    // Asynchronous on purpose: the API server answers from this same process.
    const kubectl = (...args: string[]): Promise<KubectlResult> =>
      runKubectl(version, cluster.kubeconfigPath, args, { timeoutMs: 90_000, cacheDir: cache.dir });
    const ok = async (...args: string[]): Promise<string> => {
      const run = await kubectl(...args);
      expect(run.stderr, `kubectl ${args.join(' ')}`).toBe('');
      expect(run.code, `kubectl ${args.join(' ')}: ${run.stderr}`).toBe(0);
      return run.stdout;
    };
    const pod = (name: string): Pod | undefined => cluster.store.get<Pod>('pods', 'default', name);

    beforeAll(async () => {
      cluster = await startSimCluster({ speed: 20, controllers: false });
      controllers = installControllers(cluster.store, cluster.clock, { clusterDomain: 'cluster.local' });
    });
    afterAll(async () => {
      controllers?.stop();
      await cluster?.stop();
      cache.remove();
    });

    it('applies the kiamol todo-db manifests and brings the pods up in order', async () => {
      const applied = await ok('apply', ...todoDbFiles.flatMap((file) => ['-f', file]));
      expect(applied.trim().split('\n')).toEqual([
        'secret/todo-db-secret created',
        'service/todo-db created',
        'configmap/todo-db-config created',
        'configmap/todo-db-env created',
        'configmap/todo-db-scripts created',
        'statefulset.apps/todo-db created',
      ]);
      const rollout = await ok('rollout', 'status', 'sts/todo-db', '--timeout=60s');
      // The API server defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      expect(rollout).toMatch(
        /^Waiting for \d pods to be ready\.\.\.\n(.*\n)*partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/,
      );
      const first = pod('todo-db-0');
      const second = pod('todo-db-1');
      const readySince = first?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
      expect(readySince <= (second?.metadata?.creationTimestamp ?? '')).toBe(true);
    });

    it('waits for a condition and prints pods with -o wide', async () => {
      const waited = await ok(
        'wait',
        '--for=condition=Ready',
        'pod/todo-db-0',
        'pod/todo-db-1',
        '--timeout=30s',
      );
      expect(waited.trim().split('\n').sort()).toEqual([
        'pod/todo-db-0 condition met',
        'pod/todo-db-1 condition met',
      ]);
      const wide = await ok('get', 'pods', '-o', 'wide', '-l', 'app=todo-db');
      const lines = wide.trim().split('\n');
      expect(lines[0]).toMatch(
        /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
      );
      expect(lines[1]).toMatch(
        /^todo-db-0\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+sim-worker2?\s+<none>\s+<none>$/,
      );
      const claims = await ok(
        'get',
        'pvc',
        'data-todo-db-0',
        '-o',
        'jsonpath={.status.phase} {.spec.storageClassName}',
      );
      expect(claims).toBe('Bound standard');
    });

    it('delete pod returns once the pod is gone; the pod comes back with a new uid', async () => {
      const before = pod('todo-db-0')?.metadata?.uid;
      const deleted = await ok('delete', 'pod', 'todo-db-0');
      expect(deleted.trim()).toBe('pod "todo-db-0" deleted');
      expect(pod('todo-db-0')?.metadata?.uid).not.toBe(before);
      await ok('wait', '--for=condition=Ready', 'pod/todo-db-0', '--timeout=30s');
      const after = await ok(
        'get',
        'pod',
        'todo-db-0',
        '-o',
        'jsonpath={.metadata.uid} {.spec.volumes[0].persistentVolumeClaim.claimName}',
      );
      const [uid, claim] = after.split(' ');
      expect(uid).not.toBe(before);
      expect(claim).toBe('data-todo-db-0');
    });

    it('exec runs a shell script in a pod, and data on the claim survives re-creation', async () => {
      const written = await ok(
        'exec',
        'todo-db-1',
        '-c',
        'db',
        '--',
        'sh',
        '-c',
        'echo kept > /var/lib/postgresql/data/proof && cat /var/lib/postgresql/data/proof',
      );
      expect(written).toBe('kept\n');
      await ok('delete', 'pod', 'todo-db-1');
      await ok('wait', '--for=condition=Ready', 'pod/todo-db-1', '--timeout=30s');
      const read = await ok(
        'exec',
        'todo-db-1',
        '-c',
        'db',
        '--',
        'sh',
        '-c',
        'cat /var/lib/postgresql/data/proof',
      );
      expect(read).toBe('kept\n');
    });

    it('scales up and down, in order, and rollout status follows', async () => {
      expect((await ok('scale', 'sts/todo-db', '--replicas=3')).trim()).toBe(
        'statefulset.apps/todo-db scaled',
      );
      expect(await ok('rollout', 'status', 'sts/todo-db', '--timeout=60s')).toMatch(
        /partitioned roll out complete: 3 new pods have been updated/,
      );
      expect(await ok('get', 'pvc', '-o', 'name', '-l', 'app=todo-db')).toBe(
        'persistentvolumeclaim/data-todo-db-0\npersistentvolumeclaim/data-todo-db-1\npersistentvolumeclaim/data-todo-db-2\n',
      );
      await ok('scale', 'sts/todo-db', '--replicas=1');
      await ok('wait', '--for=delete', 'pod/todo-db-1', 'pod/todo-db-2', '--timeout=60s');
      const names = await ok('get', 'pods', '-o', 'name', '-l', 'app=todo-db');
      expect(names).toBe('pod/todo-db-0\n');
      // Scaling down keeps the claims (whenScaled: Retain).
      expect(await ok('get', 'pvc', 'data-todo-db-2', '-o', 'name')).toBe(
        'persistentvolumeclaim/data-todo-db-2\n',
      );
    });

    it('rolls out a new image to the upstream web StatefulSet', async () => {
      const applied = await ok('apply', '-f', webYaml);
      expect(applied).toBe('service/nginx created\nstatefulset.apps/web created\n');
      await ok('rollout', 'status', 'sts/web', '--timeout=60s');
      const before = await ok('get', 'sts', 'web', '-o', 'jsonpath={.status.currentRevision}');
      await ok('set', 'image', 'sts/web', 'nginx=registry.k8s.io/nginx-slim:0.9');
      const rollout = await ok('rollout', 'status', 'sts/web', '--timeout=60s');
      const after = await ok(
        'get',
        'sts',
        'web',
        '-o',
        'jsonpath={.status.currentRevision} {.status.updatedReplicas}',
      );
      expect(after).not.toContain(before);
      expect(rollout).toContain('partitioned roll out complete: 2 new pods have been updated...');
      expect(after.split(' ')[1]).toBe('2');
      const history = await ok('rollout', 'history', 'sts/web');
      expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    });

    it('rollout undo restores the previous template and rollout restart re-creates every pod', async () => {
      expect((await ok('rollout', 'undo', 'sts/web')).trim()).toBe('statefulset.apps/web rolled back');
      await ok('rollout', 'status', 'sts/web', '--timeout=60s');
      const image = await ok('get', 'sts', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
      expect(image).toBe('registry.k8s.io/nginx-slim:0.8');
      expect(await ok('rollout', 'history', 'sts/web')).toMatch(
        /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
      );
      const before = [pod('web-0')?.metadata?.uid, pod('web-1')?.metadata?.uid];
      expect((await ok('rollout', 'restart', 'sts/web')).trim()).toBe('statefulset.apps/web restarted');
      await ok('rollout', 'status', 'sts/web', '--timeout=60s');
      const after = [pod('web-0')?.metadata?.uid, pod('web-1')?.metadata?.uid];
      expect(after.filter((uid, i) => uid !== before[i])).toHaveLength(2);
    });

    it('lists the controllers’ events as kubectl get events shows them', async () => {
      const events = await ok('get', 'events');
      expect(events.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(events).toMatch(
        /Normal\s+SuccessfulCreate\s+statefulset\/todo-db\s+create Pod todo-db-0 in StatefulSet todo-db successful/,
      );
      expect(events).toMatch(
        /Normal\s+SuccessfulCreate\s+statefulset\/todo-db\s+create Claim data-todo-db-0 Pod todo-db-0 in StatefulSet todo-db success/,
      );
      expect(events).toMatch(
        /Normal\s+SuccessfulDelete\s+statefulset\/todo-db\s+delete Pod todo-db-2 in StatefulSet todo-db successful/,
      );
      expect(events).toMatch(
        /Normal\s+Scheduled\s+pod\/todo-db-0\s+Successfully assigned default\/todo-db-0 to sim-worker/,
      );
      expect(events).toMatch(
        /Normal\s+ProvisioningSucceeded\s+persistentvolumeclaim\/data-todo-db-0\s+Successfully provisioned volume pvc-/,
      );
    });

    it('creates Services with kubectl create service (a protobuf body from kubectl >= 1.32)', async () => {
      await ok('create', 'service', 'clusterip', `plain-${version.minor}`, '--tcp=80:8080');
      await ok('create', 'service', 'clusterip', `headless-${version.minor}`, '--clusterip=None');
      const plain = JSON.parse(await ok('get', 'service', `plain-${version.minor}`, '-o', 'json')) as Service;
      expect(plain.spec?.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
      expect(plain.spec?.clusterIP).toMatch(/^10\./);
      const headless = JSON.parse(
        await ok('get', 'service', `headless-${version.minor}`, '-o', 'json'),
      ) as Service;
      expect(headless.spec?.clusterIP).toBe('None');
    });

    it('creates a PodDisruptionBudget with kubectl create pdb (a protobuf body from kubectl >= 1.32)', async () => {
      await ok('create', 'pdb', `db-${version.minor}`, '--selector=app=todo-db', '--max-unavailable=1');
      const pdb = JSON.parse(await ok('get', 'pdb', `db-${version.minor}`, '-o', 'json')) as {
        spec?: { maxUnavailable?: unknown; selector?: unknown };
      };
      expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'todo-db' } } });
    });
  },
  60_000,
);

const upstreamWorkloads: { name: string; files: string[]; sets: string[] }[] = [
  {
    name: 'website mysql',
    files: [
      'website/mysql/mysql-configmap.yaml',
      'website/mysql/mysql-services.yaml',
      'website/mysql/mysql-statefulset.yaml',
    ],
    sets: ['mysql'],
  },
  { name: 'website web-parallel', files: ['website/web/web-parallel.yaml'], sets: ['web'] },
  { name: 'website rabbitmq', files: ['website/job/rabbitmq/rabbitmq-statefulset.yaml'], sets: ['rabbitmq'] },
  { name: 'e2e nginx', files: ['e2e/nginx/service.yaml', 'e2e/nginx/statefulset.yaml'], sets: ['web'] },
  {
    name: 'e2e etcd',
    files: ['e2e/etcd/service.yaml', 'e2e/etcd/statefulset.yaml', 'e2e/etcd/pdb.yaml'],
    sets: ['etcd'],
  },
  {
    name: 'e2e cockroachdb',
    files: ['e2e/cockroachdb/service.yaml', 'e2e/cockroachdb/statefulset.yaml'],
    sets: ['cockroachdb'],
  },
  {
    name: 'e2e cassandra',
    files: ['e2e/cassandra/service.yaml', 'e2e/cassandra/statefulset.yaml'],
    sets: ['cassandra'],
  },
];

const newest = kubectls.at(-1);

describe.skipIf(newest === undefined)(
  `upstream StatefulSet manifests with ${newest?.label}`,
  () => {
    let cluster: SimCluster;
    let controllers: RunningControllers;
    const cache = kubectlCache();
    const kubectl = (...args: string[]): Promise<KubectlResult> =>
      runKubectl(newest as Kubectl, cluster.kubeconfigPath, args, { timeoutMs: 90_000, cacheDir: cache.dir });

    beforeAll(async () => {
      // Enough workers for every set at once (110 pods each, as a kind node allows).
      cluster = await startSimCluster({ speed: 20, controllers: false, nodes: 4 });
      controllers = installControllers(cluster.store, cluster.clock, { clusterDomain: 'cluster.local' });
    });
    afterAll(async () => {
      controllers?.stop();
      await cluster?.stop();
      cache.remove();
    });

    it.each(upstreamWorkloads)('$name rolls out completely', async ({ name, files, sets }) => {
      const namespace = name.replace(/ /g, '-');
      expect((await kubectl('create', 'namespace', namespace)).code).toBe(0);
      const applied = await kubectl(
        'apply',
        '-n',
        namespace,
        ...files.flatMap((file) => ['-f', join(fixtures, 'k8s-examples', file)]),
      );
      expect(applied.stderr).toBe('');
      for (const set of sets) {
        const rollout = await kubectl('rollout', 'status', '-n', namespace, `sts/${set}`, '--timeout=60s');
        expect(rollout.stdout, rollout.stderr).toMatch(
          /roll out complete: \d+ new pods have been updated\.\.\.\n$/,
        );
      }
    });

    it('kubectl get pods -w shows OrderedReady pods coming up one after another', async () => {
      expect((await kubectl('create', 'namespace', 'watch')).code).toBe(0);
      const lines: string[] = [];
      const watcher = spawn(newest?.path ?? 'kubectl', ['get', 'pods', '-n', 'watch', '-w'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: cache.dir,
          KUBECONFIG: cluster.kubeconfigPath,
          KUBECACHEDIR: cache.dir,
        },
      });
      const done = new Promise<void>((resolve) => {
        let buffer = '';
        watcher.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk;
          const parts = buffer.split('\n');
          buffer = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.some((line) => /^web-1\s+1\/1\s+Running\s/.test(line))) resolve();
        });
      });
      try {
        expect((await kubectl('apply', '-n', 'watch', '-f', webYaml)).code).toBe(0);
        await done;
      } finally {
        watcher.kill('SIGTERM');
      }
      const firstOfWeb1 = lines.findIndex((line) => line.startsWith('web-1 '));
      const web0Ready = lines.findIndex((line) => /^web-0\s+1\/1\s+Running\s/.test(line));
      expect(web0Ready).toBeGreaterThanOrEqual(0);
      expect(firstOfWeb1).toBeGreaterThan(web0Ready);
      expect(lines.filter((line) => line.startsWith('web-0 ')).map((line) => line.split(/\s+/)[2])).toEqual(
        expect.arrayContaining(['Pending', 'ContainerCreating', 'Running']),
      );
    });

    it('website cassandra stays Pending: nobody runs its k8s.io/minikube-hostpath provisioner', async () => {
      expect((await kubectl('create', 'namespace', 'cassandra')).code).toBe(0);
      const applied = await kubectl(
        'apply',
        '-n',
        'cassandra',
        '-f',
        join(fixtures, 'k8s-examples', 'website', 'cassandra'),
      );
      expect(applied.stdout).toContain('storageclass.storage.k8s.io/fast created');
      const claim = 'cassandra-data-cassandra-0';
      let phase = '';
      for (let i = 0; i < 20 && phase === ''; i++) {
        phase = (await kubectl('get', 'pvc', '-n', 'cassandra', claim, '-o', 'jsonpath={.status.phase}'))
          .stdout;
      }
      expect(phase).toBe('Pending');
      const events = await kubectl(
        'get',
        'events',
        '-n',
        'cassandra',
        '--field-selector',
        `involvedObject.name=${claim}`,
      );
      expect(events.stdout).toMatch(
        /Normal\s+ExternalProvisioning\s+persistentvolumeclaim\/cassandra-data-cassandra-0\s+waiting for a volume to be created, either by external provisioner "k8s.io\/minikube-hostpath" or manually created by system administrator/,
      );
      const pods = await kubectl(
        'get',
        'pods',
        '-n',
        'cassandra',
        '-o',
        'jsonpath={.items[*].metadata.name} {.items[0].status.phase}',
      );
      expect(pods.stdout).toBe('cassandra-0 Pending');
    });
  },
  90_000,
);
