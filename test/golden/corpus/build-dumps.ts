// Builds the corpus inputs: each case starts the simulated cluster, drives it with real kubectl
// into the state the case is about, and saves what `kubectl get … -o yaml` prints (or, for the
// support bundle, what troubleshoot.sh writes). The dumps are committed; re-run this only to
// rebuild them (then `npm run golden` and review both diffs):
//
//   npm run corpus:dumps [-- case …]
//
// Timestamps are the simulated cluster's own (timestamps: 'simulated'), so durations in a dump
// are the simulated ones (a pod "Running but not Ready for 6m" took 6 simulated minutes).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { Pod, PersistentVolumeClaim, StatefulSet } from '../../../src/kube/types.ts';
import { startSimCluster, type SimCluster } from '../../sim/index.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const SPEED = 50;

interface Context {
  sim: SimCluster;
  kubectl(...args: string[]): Promise<string>;
  /** kubectl as another user, for RBAC denials; resolves with what it printed on stderr. */
  kubectlAs(token: string, ...args: string[]): Promise<string>;
  until(what: string, probe: () => boolean | Promise<boolean>, limitMs?: number): Promise<void>;
  pod(namespace: string, name: string): Pod | undefined;
  set(namespace: string, name: string): StatefulSet | undefined;
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  /** Simulated time passes (the cluster runs SPEED× faster than real time). */
  wait(simulatedMs: number): Promise<void>;
}

interface CorpusCase {
  name: string;
  manifests: string;
  /** Serve HTTPS (bearer tokens, hence other users, need it). */
  tls?: boolean;
  /** Drives the cluster into the state, then returns the dump (a YAML text) or writes a directory. */
  build(context: Context, out: string): Promise<string | undefined>;
}

const GET_ALL = ['sts,pods,pvc,pv,svc,endpointslices,events', '-o', 'yaml'];

const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n---\n`;

function web(options: {
  name?: string;
  namespace: string;
  replicas: number;
  image?: string;
  policy?: 'OrderedReady' | 'Parallel';
  annotations?: Record<string, string>;
  service?: boolean;
  storageClass?: string;
  size?: string;
  templates?: string[];
  extraPodSpec?: string;
}): string {
  const name = options.name ?? 'web';
  const service =
    options.service === false
      ? ''
      : `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${options.namespace}}
spec:
  clusterIP: None
  selector: {app: ${name}}
  ports: [{name: http, port: 80}]
---
`;
  const templates = (options.templates ?? ['data'])
    .map(
      (template) => `  - metadata: {name: ${template}}
    spec:
      accessModes: [ReadWriteOnce]
${options.storageClass ? `      storageClassName: ${options.storageClass}\n` : ''}      resources: {requests: {storage: ${options.size ?? '1Gi'}}}`,
    )
    .join('\n');
  return `${service}apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}, namespace: ${options.namespace}}
spec:
  serviceName: ${name}
  replicas: ${options.replicas}
  podManagementPolicy: ${options.policy ?? 'OrderedReady'}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: ${JSON.stringify(options.annotations ?? {})}
    spec:
${options.extraPodSpec ?? ''}      containers:
      - name: nginx
        image: ${options.image ?? 'nginx:1.27'}
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 10}
        volumeMounts: [${(options.templates ?? ['data']).map((t) => `{name: ${t}, mountPath: /${t}}`).join(', ')}]
  volumeClaimTemplates:
${templates}
---
`;
}

const allReady = (c: Context, ns: string, name: string) => () => {
  const set = c.set(ns, name);
  return set !== undefined && (set.status?.readyReplicas ?? 0) === set.spec?.replicas;
};

const CASES: CorpusCase[] = [
  {
    name: 'sts-only',
    manifests:
      namespace('shop') +
      web({ namespace: 'shop', replicas: 3 }) +
      web({ name: 'cache', namespace: 'shop', replicas: 2, image: 'redis:7' }),
    async build(c) {
      await c.until(
        'both sets Ready',
        async () => allReady(c, 'shop', 'web')() && allReady(c, 'shop', 'cache')(),
      );
      // kubectl-status's artifacts are dumps of this shape: the StatefulSets alone.
      return c.kubectl('get', 'statefulsets', '-A', '-o', 'yaml');
    },
  },
  {
    name: 'stuck-initial-rollout',
    manifests:
      namespace('shop') +
      web({ namespace: 'shop', replicas: 3, annotations: { 'sim.kubectl-sts.dev/readiness': 'fail' } }),
    async build(c) {
      await c.until('web-0 Running', () => c.pod('shop', 'web-0')?.status?.phase === 'Running');
      await c.wait(6 * 60_000);
      return c.kubectl('get', '-n', 'shop', ...GET_ALL);
    },
  },
  {
    name: 'pvc-resize',
    manifests: `${namespace('db')}apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ssd}
provisioner: csi.sim.kubectl-sts.dev
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
parameters: {sim.kubectl-sts.dev/online-expansion: "false"}
---
${web({ name: 'pg', namespace: 'db', replicas: 2, image: 'postgres:16', storageClass: 'ssd', size: '10Gi' })}`,
    async build(c) {
      await c.until('pg Ready', allReady(c, 'db', 'pg'));
      for (const ordinal of [0, 1])
        await c.kubectl(
          'patch',
          'pvc',
          `data-pg-${ordinal}`,
          '-n',
          'db',
          '-p',
          '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}',
        );
      await c.until('the filesystem resize pending', () =>
        [0, 1].every((o) =>
          c
            .claim('db', `data-pg-${o}`)
            ?.status?.conditions?.some((x) => x.type === 'FileSystemResizePending'),
        ),
      );
      await c.wait(10 * 60_000);
      return c.kubectl(
        'get',
        'sts,pods,pvc,pv,svc,endpointslices,events,storageclasses',
        '-n',
        'db',
        '-o',
        'yaml',
      );
    },
  },
  {
    name: 'support-bundle',
    tls: true,
    manifests:
      namespace('kafka') +
      web({ name: 'kafka', namespace: 'kafka', replicas: 3, policy: 'Parallel', image: 'nginx:1.27' }) +
      namespace('shop') +
      web({ namespace: 'shop', replicas: 2 }),
    async build(c, out) {
      await c.until(
        'sets Ready',
        async () => allReady(c, 'kafka', 'kafka')() && allReady(c, 'shop', 'web')(),
      );
      await c.kubectl('annotate', 'pod', 'kafka-1', '-n', 'kafka', 'sim.kubectl-sts.dev/crash=true');
      await c.until(
        'kafka-1 crash looping',
        () => (c.pod('kafka', 'kafka-1')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3,
      );
      // The support engineer's account may not list claims in shop: the bundle holds the error.
      c.sim.auth.addToken('support-token', 'support');
      c.sim.rbac.deny({
        user: 'support',
        verb: 'list',
        resource: 'persistentvolumeclaims',
        namespace: 'shop',
      });
      const forbidden = (await c.kubectlAs('support-token', 'get', 'pvc', '-n', 'shop')).trim();
      // troubleshoot.sh's clusterResources collector: one typed list per kind and namespace.
      const root = join(out, 'cluster-resources');
      rmSync(out, { recursive: true, force: true });
      const typed = async (resource: string, kind: string, ns: string | undefined) => {
        const list = JSON.parse(
          await c.kubectl('get', resource, ...(ns ? ['-n', ns] : []), '-o', 'json'),
        ) as { items: unknown[] };
        return `${JSON.stringify({ kind: `${kind}List`, apiVersion: kind === 'StatefulSet' ? 'apps/v1' : kind === 'StorageClass' ? 'storage.k8s.io/v1' : 'v1', metadata: {}, items: list.items }, null, 2)}\n`;
      };
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      for (const ns of ['kafka', 'shop']) {
        write(`statefulsets/${ns}.json`, await typed('statefulsets', 'StatefulSet', ns));
        write(`pods/${ns}.json`, await typed('pods', 'Pod', ns));
        write(`services/${ns}.json`, await typed('services', 'Service', ns));
        write(`events/${ns}.json`, await typed('events', 'Event', ns));
        if (ns !== 'shop') write(`pvcs/${ns}.json`, await typed('pvc', 'PersistentVolumeClaim', ns));
      }
      write(
        'pvcs-errors.json',
        `${JSON.stringify([forbidden.replace(/^Error from server \(Forbidden\): /, '')], null, 2)}\n`,
      );
      write('pvs.json', await typed('pv', 'PersistentVolume', undefined));
      write('storage-classes.json', await typed('storageclasses', 'StorageClass', undefined));
      write('nodes.json', await typed('nodes', 'Node', undefined));
      return undefined;
    },
  },
  {
    name: 'multi-namespace',
    manifests:
      namespace('team-a') +
      web({ namespace: 'team-a', replicas: 2 }) +
      namespace('team-b') +
      web({ namespace: 'team-b', replicas: 2, service: false }) +
      web({ name: 'cache', namespace: 'team-b', replicas: 1, image: 'redis:7' }),
    async build(c) {
      await c.until('team-a/web Ready', allReady(c, 'team-a', 'web'));
      await c.until(
        'team-b pods Ready',
        async () => allReady(c, 'team-b', 'web')() && allReady(c, 'team-b', 'cache')(),
      );
      return c.kubectl('get', 'sts,pods,pvc,svc,endpointslices,events', '-A', '-o', 'yaml');
    },
  },
  {
    name: 'old-status-without-updatedreplicas',
    manifests: namespace('legacy') + web({ namespace: 'legacy', replicas: 3 }),
    async build(c) {
      await c.until('web Ready', allReady(c, 'legacy', 'web'));
      const text = await c.kubectl('get', 'sts,pods,pvc,svc', '-n', 'legacy', '-o', 'yaml');
      // Controllers before the fix of kubernetes#52653 (1.7 to 1.10) wrote no updatedReplicas.
      const list = parse(text) as { items: StatefulSet[] };
      for (const item of list.items)
        if (item.kind === 'StatefulSet') delete (item.status as { updatedReplicas?: number }).updatedReplicas;
      return stringify(list);
    },
  },
  {
    name: 'unschedulable-orderedready',
    manifests: loadScenario('todo-db').manifests,
    async build(c) {
      await c.until('todo-db Ready', allReady(c, 'default', 'todo-db'));
      // A node drain left both workers cordoned; the pod it evicted cannot come back.
      await c.kubectl('cordon', 'sim-worker');
      await c.kubectl('cordon', 'sim-worker2');
      await c.kubectl('delete', 'pod', 'todo-db-1', '--wait=false');
      await c.until(
        'todo-db-1 unschedulable',
        () =>
          c
            .pod('default', 'todo-db-1')
            ?.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable') ===
          true,
      );
      await c.wait(6 * 60_000);
      return c.kubectl('get', 'sts,pods,pvc,pv,svc,endpointslices,events,nodes', '-o', 'yaml');
    },
  },
  {
    name: 'unschedulable-parallel',
    manifests:
      namespace('vault') +
      web({
        name: 'vault',
        namespace: 'vault',
        replicas: 3,
        policy: 'Parallel',
        image: 'hashicorp/vault:1.17',
        templates: ['data', 'audit'],
        extraPodSpec: '      nodeSelector: {disktype: nvme}\n',
      }),
    async build(c) {
      await c.until('vault pods unschedulable', () =>
        [0, 1, 2].every((o) =>
          c.pod('vault', `vault-${o}`)?.status?.conditions?.some((x) => x.reason === 'Unschedulable'),
        ),
      );
      await c.wait(6 * 60_000);
      return c.kubectl(
        'get',
        'sts,pods,pvc,pv,svc,endpointslices,events,storageclasses,nodes',
        '-n',
        'vault',
        '-o',
        'yaml',
      );
    },
  },
  {
    name: 'image-pull-failure',
    manifests: namespace('shop') + web({ namespace: 'shop', replicas: 3 }),
    async build(c) {
      await c.until('web Ready', allReady(c, 'shop', 'web'));
      await c.kubectl('set', 'image', 'statefulset/web', '-n', 'shop', 'nginx=nginx:1.27.99-typo');
      await c.until(
        'web-2 in ImagePullBackOff',
        () =>
          c.pod('shop', 'web-2')?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
          'ImagePullBackOff',
      );
      await c.wait(2 * 60_000);
      return c.kubectl('get', '-n', 'shop', ...GET_ALL);
    },
  },
  {
    name: 'claim-deleted-while-in-use',
    manifests: namespace('shop') + web({ namespace: 'shop', replicas: 2 }),
    async build(c) {
      await c.until('web Ready', allReady(c, 'shop', 'web'));
      await c.kubectl('delete', 'pvc', 'data-web-1', '-n', 'shop', '--wait=false');
      await c.until('data-web-1 Terminating', () =>
        Boolean(c.claim('shop', 'data-web-1')?.metadata?.deletionTimestamp),
      );
      await c.wait(60_000);
      return c.kubectl('get', '-n', 'shop', ...GET_ALL);
    },
  },
  {
    name: 'scale-down-retained-claims',
    manifests: loadScenario('todo-db').manifests.replace(/replicas: 2\b/, 'replicas: 4'),
    async build(c) {
      await c.until('todo-db Ready', allReady(c, 'default', 'todo-db'));
      await c.kubectl('scale', 'statefulset/todo-db', '--replicas=2');
      await c.until(
        'todo-db-2 and -3 gone',
        () => !c.pod('default', 'todo-db-2') && !c.pod('default', 'todo-db-3'),
      );
      // A template change right after: a rolling update in progress beside the kept claims.
      await c.kubectl(
        'patch',
        'statefulset',
        'todo-db',
        '-p',
        '{"spec":{"template":{"metadata":{"annotations":{"sim.kubectl-sts.dev/ready-after":"90s"}}}}}',
      );
      await c.until('todo-db-1 replaced and starting', () => {
        const pod = c.pod('default', 'todo-db-1');
        const update = c.set('default', 'todo-db')?.status?.updateRevision;
        return (
          pod?.metadata?.labels?.['controller-revision-hash'] === update && pod?.status?.phase === 'Running'
        );
      });
      await c.wait(30_000);
      return c.kubectl('get', ...GET_ALL);
    },
  },
];

async function buildCase(spec: CorpusCase): Promise<void> {
  const sim = await startSimCluster({
    manifests: spec.manifests,
    speed: SPEED,
    timestamps: 'simulated',
    // Over TLS kubectl asks for a password when the kubeconfig carries no credentials.
    ...(spec.tls ? { tls: true, token: 'corpus-admin' } : {}),
  });
  const kubeconfig = ['--kubeconfig', sim.kubeconfigPath];
  const context: Context = {
    sim,
    async kubectl(...args) {
      return (await run('kubectl', [...kubeconfig, ...args], { maxBuffer: 64 << 20 })).stdout;
    },
    async kubectlAs(token, ...args) {
      try {
        await run('kubectl', ['--kubeconfig', sim.kubeconfigFor(token), ...args]);
        return '';
      } catch (error) {
        return String((error as { stderr?: string }).stderr ?? '');
      }
    },
    async until(what, probe, limitMs = 60_000) {
      const deadline = Date.now() + limitMs;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`${spec.name}: gave up waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    pod: (ns, name) => sim.store.get<Pod>('pods', ns, name),
    set: (ns, name) => sim.store.get<StatefulSet>('statefulsets', ns, name),
    claim: (ns, name) => sim.store.get<PersistentVolumeClaim>('persistentvolumeclaims', ns, name),
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms / SPEED)),
  };
  try {
    const directory = join(HERE, spec.name);
    mkdirSync(directory, { recursive: true });
    const dump = await spec.build(context, join(directory, 'dump'));
    if (dump !== undefined) writeFileSync(join(directory, 'dump.yaml'), dump);
    process.stdout.write(`corpus: ${spec.name} written\n`);
  } finally {
    await sim.stop();
  }
}

const wanted = process.argv.slice(2);
for (const spec of CASES) if (wanted.length === 0 || wanted.includes(spec.name)) await buildCase(spec);
