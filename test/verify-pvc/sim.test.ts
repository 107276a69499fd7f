// verify-pvc end to end: the real HTTP gateway (connect() with the simulator's kubeconfig)
// against startSimCluster running the StatefulSet controller, kubelet, storage and exec shell.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import { runVerifyPvc, systemClock } from '../../src/flows/verify-pvc.ts';
import type { VerifyEvent, VerifyPvcOptions, VerifyReport } from '../../src/flows/verify-pvc.ts';
import { connect } from '../../src/kube/connect.ts';
import type { Connection } from '../../src/kube/connect.ts';
import type { ClusterGateway } from '../../src/kube/gateway.ts';
import type { PersistentVolumeClaim, StatefulSet } from '../../src/kube/types.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { loadScenario } from '../sim/scenarios/index.ts';
import { claimSet } from './manifests.ts';

/** The project's todo-db scenario: kiamol's replicated Postgres with a `data` claim template. */
const TODO_DB = loadScenario('todo-db').manifests;

/** A small set of our own: two claim templates, one mounted with subPath, and a shell-less sidecar. */
function multiClaimSet(name: string, extra: Partial<{ annotations: Record<string, string> }> = {}): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: ${name}
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: ${JSON.stringify(extra.annotations ?? {})}
    spec:
      containers:
      - name: app
        image: gcr.io/distroless/base
        volumeMounts:
        - {name: data, mountPath: /srv/data}
      - name: shell
        image: busybox:1.36
        volumeMounts:
        - {name: data, mountPath: "/var/lib/it's here", subPath: "sub dir"}
        - {name: logs, mountPath: /logs}
        - {name: scratch, mountPath: /logs/tmp}
      volumes:
      - name: scratch
        emptyDir: {}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
  - metadata: {name: logs}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;
}

const SETS = ['todo-db', 'multi', 'replaced', 'gone', 'broken', 'guarded', 'trio', 'bare'];

let sim: SimCluster;
let connection: Connection;
let gateway: ClusterGateway;

const settled = (name: string, timeoutMs = 20_000): Promise<void> =>
  waitForSettledSet(sim, 'default', name, timeoutMs);

/** Real kubectl, asynchronously: the simulator serves from this very process. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args]);
  return stdout.trim();
}

interface Outcome {
  report?: VerifyReport;
  error?: StsError;
  events: VerifyEvent[];
}

let ids = 0;
async function verify(
  name: string,
  options: Partial<VerifyPvcOptions> = {},
  onEvent?: (event: VerifyEvent, abort: () => void) => void,
  via: ClusterGateway = gateway,
): Promise<Outcome> {
  const events: VerifyEvent[] = [];
  const controller = new AbortController();
  try {
    const report = await runVerifyPvc(
      { namespace: 'default', statefulSet: name, timeoutMs: 20_000, cleanupTimeoutMs: 20_000, ...options },
      {
        gateway: via,
        clock: systemClock,
        newMarkerId: () => `e2e${++ids}`,
        confirm: async () => true,
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          onEvent?.(event, () => controller.abort());
        },
      },
    );
    return { report, events };
  } catch (error) {
    if (error instanceof StsError) return { error, events };
    throw error;
  }
}

/** Every marker file in any volume tree of the simulator, found through a pod's shell. */
async function markersIn(pod: string, container: string, directories: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const directory of directories) {
    const result = await gateway.exec({
      namespace: 'default',
      pod,
      container,
      command: ['sh', '-c', 'ls -a "$1"', 'ls', directory],
    });
    for (const entry of result.stdout.split(/\s+/))
      if (entry.startsWith('.kubectl-sts-verify-pvc-')) found.push(`${directory}/${entry}`);
  }
  return found;
}

beforeAll(async () => {
  const manifests = [
    TODO_DB,
    multiClaimSet('multi'),
    ...['replaced', 'gone', 'broken', 'guarded'].map((name) => claimSet(name)),
    claimSet('trio', { replicas: 3 }),
    // The simulator's way to say an image has no tools at all, not even sh.
    claimSet('bare', { replicas: 1, annotations: { 'sim.kubectl-sts.dev/tools': 'none' } }),
  ].join('\n---\n');
  sim = await startSimCluster({ speed: 20, manifests });
  connection = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 0, debug: false });
  gateway = connection.gateway;
  for (const name of SETS) await settled(name);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await sim?.stop();
});

describe('verify-pvc against the simulator', () => {
  it('passes on todo-db, replacing only todo-db-1 and leaving no marker', async () => {
    const before = sim.store.get<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      'default',
      'data-todo-db-1',
    )!;
    const { report, error } = await verify('todo-db');
    expect(error).toBeUndefined();
    expect(report?.result).toBe('PASS');
    expect(report?.pod).toBe('todo-db-1');
    expect(report!.claims[0]).toMatchObject({
      claim: 'data-todo-db-1',
      uidBefore: before.metadata!.uid,
      uidAfter: before.metadata!.uid,
      volumeBefore: before.spec!.volumeName,
      volumeAfter: before.spec!.volumeName,
      markerSurvived: true,
      mountPath: '/var/lib/postgresql/data',
    });
    expect(report!.runs[0]!.podUidAfter).not.toBe(report!.runs[0]!.podUidBefore);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
    expect(await markersIn('todo-db-1', 'db', ['/var/lib/postgresql/data'])).toEqual([]);
    // Real kubectl as the oracle: same claim and volume, a new pod, and no marker in the volume.
    expect(
      await kubectl('get', 'pvc', 'data-todo-db-1', '-o', 'jsonpath={.metadata.uid} {.spec.volumeName}'),
    ).toBe(`${report!.claims[0]!.uidAfter} ${report!.claims[0]!.volumeAfter}`);
    expect(await kubectl('get', 'pod', 'todo-db-1', '-o', 'jsonpath={.metadata.uid}')).toBe(
      report!.runs[0]!.podUidAfter,
    );
    expect(
      kubectl('exec', 'todo-db-1', '-c', 'db', '--', 'ls', '-a', '/var/lib/postgresql/data'),
    ).not.toContain('.kubectl-sts-verify-pvc-');
    expect(sim.requestLog.count({ resource: 'pods', subresource: 'eviction', verb: 'create' })).toBe(1);
    expect(sim.requestLog.count({ resource: 'pods', verb: 'delete' })).toBe(0);
    // Claims are read, and patched only for the marker's record, which is gone again.
    const claimRequests = sim.requestLog.filter({ resource: 'persistentvolumeclaims' });
    expect(claimRequests.every((e) => e.verb === 'get' || e.verb === 'patch')).toBe(true);
    expect(claimRequests.filter((e) => e.verb === 'patch')).toHaveLength(2);
    expect(
      Object.keys(
        sim.store.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data-todo-db-1')!.metadata!
          .annotations ?? {},
      ).filter((key) => key.startsWith('verify-pvc.kubectl-sts.dev/')),
    ).toEqual([]);
  });

  it('--all verifies every ordinal highest first, each back and Ready for the settle period before the next eviction', async () => {
    const settleMs = 1_500;
    const { report, events } = await verify('trio', { all: true, settleMs });
    expect(report?.result).toBe('PASS');
    expect(report!.runs.map((run) => [run.pod, run.result])).toEqual([
      ['trio-2', 'PASS'],
      ['trio-1', 'PASS'],
      ['trio-0', 'PASS'],
    ]);
    const order = events
      .filter((e) => e.type === 'pod-removed' || e.type === 'pod-ready')
      .map((e) => `${e.type} ${(e as { pod: string }).pod}`);
    expect(order).toEqual([
      'pod-removed trio-2',
      'pod-ready trio-2',
      'pod-removed trio-1',
      'pod-ready trio-1',
      'pod-removed trio-0',
      'pod-ready trio-0',
    ]);
    // The next eviction is sent only after every pod has stayed Ready for the settle period,
    // and after the set was read again (a settled event per gap).
    for (const [previous, next] of [
      ['trio-2', 'trio-1'],
      ['trio-1', 'trio-0'],
    ]) {
      const ready = events.find((e) => e.type === 'pod-ready' && e.pod === previous)!.at.getTime();
      const evicted = events.find((e) => e.type === 'pod-removed' && e.pod === next)!.at.getTime();
      expect(evicted - ready).toBeGreaterThanOrEqual(settleMs);
    }
    expect(events.filter((e) => e.type === 'settled')).toHaveLength(2);
  });

  it('refuses a container without a shell, naming the image and suggesting --container', async () => {
    const { error } = await verify('multi');
    expect(error?.exitCode).toBe(ExitCode.ABORTED);
    expect(error?.message).toBe('container app (image gcr.io/distroless/base) has no shell (sh)');
    expect(error?.hint).toMatch(/--container \(other containers: shell\)/);
    expect(sim.requestLog.count({ resource: 'pods', subresource: 'eviction', name: 'multi-1' })).toBe(0);
  });

  it('refuses an image the simulator marks as having no shell, naming it', async () => {
    const { error } = await verify('bare');
    expect(error?.exitCode).toBe(ExitCode.ABORTED);
    expect(error?.message).toBe('container main (image busybox:1.36) has no shell (sh)');
    expect(error?.hint).toMatch(/add a container with a shell that mounts the claim .*--container/);
  });

  it('passes with several claim templates, a subPath mount and a path with a quote and a space', async () => {
    const { report } = await verify('multi', { container: 'shell' });
    expect(report?.result).toBe('PASS');
    expect(report!.claims.map((c) => [c.claim, c.mountPath, c.subPath, c.result])).toEqual([
      ['data-multi-1', "/var/lib/it's here", 'sub dir', 'PASS'],
      ['logs-multi-1', '/logs', null, 'PASS'],
    ]);
    expect(await markersIn('multi-1', 'shell', ["/var/lib/it's here", '/logs'])).toEqual([]);
  });

  it('keeps markers with --keep-marker where it says they are (subPath inside the volume)', async () => {
    const { report } = await verify('multi', { container: 'shell', keepMarker: true, ordinal: 0 });
    expect(report?.result).toBe('PASS');
    const kept = report!.cleanup.find((c) => c.claim === 'data-multi-0')!;
    expect(kept.status).toBe('kept');
    expect(kept.where).toMatch(
      /^PersistentVolume pvc-\S+ \(claim data-multi-0\) at \/sub dir\/\.kubectl-sts-verify-pvc-e2e\d+$/,
    );
    const path = report!.claims[0]!.markerPath;
    // The same listing the interruption tests rely on does see a marker that is there.
    expect(await markersIn('multi-0', 'shell', ["/var/lib/it's here"])).toEqual([path]);
    const read = await gateway.exec({
      namespace: 'default',
      pod: 'multi-0',
      container: 'shell',
      command: ['sh', '-c', 'cat "$1" && rm "$1"', 'sh', path],
    });
    expect(read.stdout).toContain('claim=data-multi-0');
  });

  it("writes each claim's marker in its own --path, one per claim", async () => {
    for (const directory of ['/logs/app', "/var/lib/it's here/db"])
      await gateway.exec({
        namespace: 'default',
        pod: 'multi-1',
        container: 'shell',
        command: ['sh', '-c', 'mkdir -p "$1"', 'mkdir', directory],
      });
    const { report } = await verify('multi', {
      container: 'shell',
      paths: ['/logs/app', "/var/lib/it's here/db"],
    });
    expect(report?.result).toBe('PASS');
    const markerDirs = Object.fromEntries(
      report!.claims.map((claim) => [
        claim.claim,
        claim.markerPath.slice(0, claim.markerPath.lastIndexOf('/')),
      ]),
    );
    expect(markerDirs).toEqual({ 'data-multi-1': "/var/lib/it's here/db", 'logs-multi-1': '/logs/app' });
  });

  it('fails when the marker directory is an emptyDir mounted inside the claim', async () => {
    const { report } = await verify('multi', { container: 'shell', paths: ['/logs/tmp'] });
    expect(report?.result).toBe('FAIL');
    const logs = report!.claims.find((c) => c.claim === 'logs-multi-1')!;
    expect(logs).toMatchObject({ result: 'FAIL', markerSurvived: false });
    expect(logs.uidAfter).toBe(logs.uidBefore);
    expect(logs.evidence.join('\n')).toMatch(/on volume "scratch" \(emptyDir\) mounted at \/logs\/tmp/);
    expect(report!.claims.find((c) => c.claim === 'data-multi-1')!.result).toBe('PASS');
    expect(await markersIn('multi-1', 'shell', ["/var/lib/it's here", '/logs', '/logs/tmp'])).toEqual([]);
  });

  it('fails when the claim is deleted and re-created while the pod is away', async () => {
    const unsubscribe = sim.store.subscribe('pods', (event) => {
      if (event.type === 'DELETED' && event.object.metadata?.name === 'replaced-1')
        sim.store.purge('persistentvolumeclaims', 'default', 'data-replaced-1');
    });
    try {
      const { report } = await verify('replaced');
      expect(report?.result).toBe('FAIL');
      const claim = report!.claims[0]!;
      expect(claim.uidAfter).not.toBeNull();
      expect(claim.uidAfter).not.toBe(claim.uidBefore);
      expect(claim.volumeAfter).not.toBe(claim.volumeBefore);
      expect(claim.markerSurvived).toBe(false);
      expect(report!.cleanup[0]).toMatchObject({ status: 'left' });
      expect(report!.cleanup[0]!.where).toContain(`PersistentVolume ${claim.volumeBefore}`);
    } finally {
      unsubscribe();
    }
  });

  it('a claim deleted while its marker is written stops the run before the eviction; the data stays', async () => {
    const claimUid = sim.store.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data-gone-0')!
      .metadata!.uid;
    const podBefore = sim.store.get<{ metadata?: { uid?: string } }>('pods', 'default', 'gone-0')!.metadata!
      .uid;
    const evictions = sim.requestLog.count({ subresource: 'eviction' });
    const { report } = await verify('gone', { ordinal: 0 }, (event) => {
      // `kubectl delete pvc data-gone-0 --wait=false`, at the worst moment.
      if (event.type === 'marker-written')
        sim.store.delete('persistentvolumeclaims', 'default', 'data-gone-0');
    });
    expect(report?.result).toBe('ABORTED');
    expect(report?.reason).toMatch(
      /^claim data-gone-0 is being deleted .*\(found just before the eviction\)$/,
    );
    expect(sim.requestLog.count({ subresource: 'eviction' })).toBe(evictions);
    expect(sim.store.get<{ metadata?: { uid?: string } }>('pods', 'default', 'gone-0')!.metadata!.uid).toBe(
      podBefore,
    );
    // Still held by pvc-protection while the pod runs: the data is there.
    expect(
      sim.store.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data-gone-0')!.metadata!.uid,
    ).toBe(claimUid);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
  });

  it('times out when the pod never comes back, reporting the markers left on the volume', async () => {
    const { report } = await verify('gone', { timeoutMs: 1_500 }, (event) => {
      if (event.type === 'pod-removed')
        sim.store.mutate<StatefulSet>('statefulsets', 'default', 'gone', (set) => {
          set.spec!.replicas = 1;
        });
    });
    expect(report?.result).toBe('TIMEOUT');
    expect(report?.reason).toMatch(/pod gone-1 was not re-created within 1.5s/);
    const volume = report!.claims[0]!.volumeBefore!;
    expect(report!.cleanup).toEqual([
      expect.objectContaining({
        status: 'left',
        where: expect.stringMatching(
          new RegExp(`^PersistentVolume ${volume} \\(claim data-gone-1\\) at /\\.kubectl-sts-verify-pvc-`),
        ),
      }),
    ]);
  });

  it('times out when the re-created pod never becomes Ready, removing the markers from it', async () => {
    const { report } = await verify('broken', { timeoutMs: 1_500 }, (event) => {
      if (event.type === 'pod-removed')
        sim.store.mutate<StatefulSet>('statefulsets', 'default', 'broken', (set) => {
          set.spec!.template!.metadata!.annotations = { 'sim.kubectl-sts.dev/readiness': 'fail' };
        });
    });
    expect(report?.result).toBe('TIMEOUT');
    expect(report?.reason).toMatch(/did not become Ready within 1.5s/);
    expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
  });

  it('stops with the budget named when a PodDisruptionBudget appears just before the eviction, deleting nothing', async () => {
    const before = sim.store.get<{ metadata?: { uid?: string } }>('pods', 'default', 'guarded-1')!.metadata!
      .uid;
    let created = false;
    const { report } = await verify('guarded', {}, (event) => {
      // Past the last look before the eviction: only the Eviction API can stop it now.
      if (event.type === 'phase' && event.phase === 'remove-pod' && !created) {
        created = true;
        sim.applyManifests(`apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded, namespace: default}
spec:
  maxUnavailable: 0
  selector:
    matchLabels: {app: guarded}
`);
      }
    });
    try {
      expect(report?.result).toBe('ABORTED');
      expect(report?.reason).toBe(
        'eviction of pod guarded-1 refused by its PodDisruptionBudget: The disruption budget guarded needs 2 healthy pods and has 2 currently',
      );
      expect(report?.hint).not.toMatch(/--force-delete|bypass/);
      expect(
        sim.store.get<{ metadata?: { uid?: string } }>('pods', 'default', 'guarded-1')!.metadata!.uid,
      ).toBe(before);
      expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
      expect(await markersIn('guarded-1', 'main', ['/data'])).toEqual([]);
    } finally {
      sim.store.delete('poddisruptionbudgets', 'default', 'guarded');
    }
  });

  it('refuses when RBAC denies exec, saying exactly what is missing', async () => {
    const undo = sim.rbac.deny({ verb: 'create', resource: 'pods', subresource: 'exec' });
    try {
      const { error } = await verify('todo-db');
      expect(error?.exitCode).toBe(ExitCode.ABORTED);
      expect(error?.message).toBe('missing permissions in namespace default: create pods/exec');
    } finally {
      undo();
    }
  });

  it('aborts cleanly on a server error mid-flow (eviction answers 500), deleting nothing', async () => {
    const remove = sim.faults.add({
      match: { verb: 'create', resource: 'pods', subresource: 'eviction' },
      status: 500,
      message: 'etcdserver: request timed out',
    });
    try {
      const { report } = await verify('todo-db');
      expect(report?.result).toBe('ABORTED');
      expect(report?.reason).toMatch(/could not evict pod todo-db-1: .*etcdserver: request timed out/);
      expect(report?.runs[0]?.removed).toBe(false);
      expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
    } finally {
      remove();
    }
  });

  it('gives no verdict (ABORTED) when the claims cannot be read back after the pod returned, still removing markers', async () => {
    const fast = await connect(
      { kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 0, debug: false },
      { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 10 } },
    );
    let remove = (): void => {};
    try {
      await settled('todo-db');
      const { report } = await verify(
        'todo-db',
        {},
        (event) => {
          if (event.type === 'pod-ready')
            remove = sim.faults.add({
              match: { verb: 'get', resource: 'persistentvolumeclaims' },
              status: 500,
              message: 'etcdserver: leader changed',
            });
        },
        fast.gateway,
      );
      expect(report?.result).toBe('ABORTED');
      expect(report?.reason).toMatch(/^API error: .*etcdserver: leader changed/);
      expect(report?.claims[0]?.result).toBe('NOT-CHECKED');
      expect(report!.cleanup.map((c) => c.status)).toEqual(['removed']);
    } finally {
      remove();
      fast.close();
    }
  });

  it('survives a dropped watch while waiting (lists and watches again)', async () => {
    const { report } = await verify('todo-db', {}, (event) => {
      if (event.type === 'pod-removed') sim.faults.dropWatches();
    });
    expect(report?.result).toBe('PASS');
    await settled('todo-db');
  });

  const steps: [string, (event: VerifyEvent) => boolean][] = [
    ['writing markers', (e) => e.type === 'phase' && e.phase === 'write-markers'],
    ['marker written', (e) => e.type === 'marker-written'],
    ['removing the pod', (e) => e.type === 'phase' && e.phase === 'remove-pod'],
    ['pod evicted', (e) => e.type === 'pod-removed'],
    ['old pod gone', (e) => e.type === 'pod-gone'],
    ['new pod created', (e) => e.type === 'pod-created'],
    ['new pod Ready', (e) => e.type === 'pod-ready'],
    ['verifying', (e) => e.type === 'phase' && e.phase === 'verify'],
  ];
  it.each(steps)('leaves no marker behind when interrupted at: %s', async (_name, at) => {
    await settled('todo-db');
    let fired = false;
    const { report } = await verify('todo-db', {}, (event, abort) => {
      if (!fired && at(event)) {
        fired = true;
        abort();
      }
    });
    expect(fired).toBe(true);
    expect(report?.result).toBe('INTERRUPTED');
    expect(report!.cleanup.every((c) => c.status === 'removed' || c.status === 'absent')).toBe(true);
    await settled('todo-db');
    expect(await markersIn('todo-db-1', 'db', ['/var/lib/postgresql/data'])).toEqual([]);
  });
});
