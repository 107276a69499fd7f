// An in-memory ClusterGateway for the verify-pvc flow: a StatefulSet with pods, claims and
// volumes, a controller that re-creates a removed pod, watch events with resourceVersions, a
// file tree per volume (claims keep files across pods, emptyDirs do not), PDB refusal, RBAC
// denial, shell-less images and fault injection. Only what the flow uses is implemented.
import { ExitCode } from '../../src/cli/errors.ts';
import type {
  AccessAnswer,
  AccessCheck,
  ClusterGateway,
  EventSink,
  ExecOptions,
  ExecResult,
  ListOptions,
  Listed,
  Watch,
  WatchOptions,
} from '../../src/kube/gateway.ts';
import { KubeApiError } from '../../src/kube/http.ts';
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  StatefulSet,
  Volume,
  VolumeMount,
  WatchEvent,
} from '../../src/kube/types.ts';

export interface FakeTemplate {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface FakeOptions {
  namespace?: string;
  name?: string;
  replicas?: number;
  templates?: FakeTemplate[];
  /** Pod volumes named like a template but backed by an emptyDir instead of the claim. */
  emptyDirFor?: string[];
  /** Containers: the first mounts every template unless `mountsIn` says otherwise. */
  containers?: { name: string; image: string; mounts?: string[] }[];
  noShellImages?: string[];
  /** `verb resource[/subresource]` pairs the user may not do. */
  denied?: string[];
  pdbBlocks?: boolean;
  /** The controller never re-creates a removed pod. */
  noRecreate?: boolean;
  /** The re-created pod never becomes Ready. */
  neverReady?: boolean;
  /** Runs when the old pod is gone and before the new one is created (e.g. replace a claim). */
  onPodGone?: (cluster: FakeCluster, pod: string) => void;
  /** emptyDir volumes mounted in the first container (possibly inside a claim's mount). */
  scratchMounts?: { name: string; mountPath: string }[];
  /** Milliseconds between the controller's steps. */
  stepMs?: number;
  /** Nodes the cluster has (default: node-1, Ready and schedulable); `forbidden` when listing them is. */
  nodes?: Node[] | 'forbidden';
  /** PodDisruptionBudgets in the namespace; `forbidden` when listing them is. */
  budgets?: PodDisruptionBudget[] | 'forbidden';
  /** Ordinals whose pod is created not Ready (another replica down). */
  notReady?: number[];
}

interface Fault {
  method: string;
  remaining: number;
  error: () => unknown;
}

export function apiError(status: number, reason: string, message: string): KubeApiError {
  const exitCode = status === 404 ? ExitCode.NOT_FOUND : status === 403 ? ExitCode.AUTH : ExitCode.SERVER;
  return new KubeApiError(message, {
    exitCode,
    hint: status === 404 ? 'check the name and the namespace (-n)' : 'retry, or re-run with --debug',
    status,
    apiStatus: { kind: 'Status', status: 'Failure', code: status, reason, message },
  });
}

const clone = <T>(value: T): T => structuredClone(value);

/** The only script that writes; the fake answers exactly the constant scripts the flow uses. */
const WRITE_SCRIPT = 'printf \'%s\' "$2" > "$1"';

export class FakeCluster implements ClusterGateway {
  readonly server = 'https://fake.invalid';
  readonly namespace: string;
  readonly setName: string;
  readonly options: FakeOptions;
  statefulSet: StatefulSet;
  readonly pods = new Map<string, Pod>();
  readonly claims = new Map<string, PersistentVolumeClaim>();
  readonly volumes = new Map<string, PersistentVolume>();
  /** File trees: key `pv:<name>` or `emptyDir:<pod uid>:<volume>`, path inside the volume → content. */
  readonly trees = new Map<string, Map<string, string>>();
  readonly execLog: ExecOptions[] = [];
  readonly calls: string[] = [];
  readonly deletedPods: string[] = [];
  /** Every eviction asked for, with the uid precondition it carried. */
  readonly evictions: { name: string; uid: string | undefined }[] = [];
  private readonly faults: Fault[] = [];
  private readonly history: { rv: number; event: WatchEvent<Pod> }[] = [];
  private readonly watchers = new Set<{
    name?: string;
    sink: EventSink<Pod>;
    after: number;
    end: () => void;
  }>();
  private readonly setWatchers = new Set<{ sink: EventSink<StatefulSet>; after: number; end: () => void }>();
  private rv = 1;
  private uidCounter = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(options: FakeOptions = {}) {
    this.options = options;
    this.namespace = options.namespace ?? 'default';
    this.setName = options.name ?? 'web';
    const templates = options.templates ?? [{ name: 'data', mountPath: '/data' }];
    const replicas = options.replicas ?? 2;
    this.statefulSet = {
      metadata: { name: this.setName, namespace: this.namespace, uid: 'sts-uid', generation: 1 },
      spec: {
        replicas,
        serviceName: this.setName,
        selector: { matchLabels: { app: this.setName } },
        volumeClaimTemplates: templates.map((t) => ({ metadata: { name: t.name } })),
        template: { spec: { containers: [] } },
      },
      status: {
        observedGeneration: 1,
        replicas,
        readyReplicas: replicas,
        updatedReplicas: replicas,
        currentRevision: `${this.setName}-1`,
        updateRevision: `${this.setName}-1`,
      },
    };
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      for (const template of templates) this.addClaim(`${template.name}-${this.setName}-${ordinal}`);
      this.putPod(this.podFor(ordinal, !(options.notReady ?? []).includes(ordinal)), 'ADDED');
    }
  }

  get templates(): FakeTemplate[] {
    return this.options.templates ?? [{ name: 'data', mountPath: '/data' }];
  }

  addClaim(name: string, phase = 'Bound'): PersistentVolumeClaim {
    const uid = this.newUid('pvc');
    const pv = `pv-${uid}`;
    const claim: PersistentVolumeClaim = {
      metadata: { name, namespace: this.namespace, uid },
      spec: { volumeName: phase === 'Bound' ? pv : undefined },
      status: { phase },
    };
    this.claims.set(name, claim);
    if (phase === 'Bound')
      this.volumes.set(pv, {
        metadata: { name: pv },
        spec: { claimRef: { name, namespace: this.namespace, uid }, persistentVolumeReclaimPolicy: 'Delete' },
        status: { phase: 'Bound' },
      });
    return claim;
  }

  /** What the controller does when a claim is deleted and re-created under the same name. */
  replaceClaim(name: string): void {
    this.claims.delete(name);
    this.addClaim(name);
  }

  newUid(prefix: string): string {
    this.uidCounter += 1;
    return `${prefix}-${String(this.uidCounter).padStart(4, '0')}`;
  }

  podFor(ordinal: number, ready: boolean): Pod {
    const name = `${this.setName}-${ordinal}`;
    const containers = this.options.containers ?? [{ name: 'main', image: 'busybox:1.36' }];
    const mountsFor = (index: number, mounts?: string[]): VolumeMount[] =>
      this.templates
        .filter((t) => (mounts ? mounts.includes(t.name) : index === 0))
        .map((t) => ({ name: t.name, mountPath: t.mountPath, subPath: t.subPath, readOnly: t.readOnly }));
    const volumes: Volume[] = this.templates.map((t) =>
      this.options.emptyDirFor?.includes(t.name)
        ? { name: t.name, emptyDir: {} }
        : { name: t.name, persistentVolumeClaim: { claimName: `${t.name}-${this.setName}-${ordinal}` } },
    );
    for (const scratch of this.options.scratchMounts ?? [])
      volumes.push({ name: scratch.name, emptyDir: {} });
    return {
      metadata: {
        name,
        namespace: this.namespace,
        uid: this.newUid('pod'),
        labels: { app: this.setName },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: this.setName,
            uid: 'sts-uid',
            controller: true,
          },
        ],
      },
      spec: {
        nodeName: 'node-1',
        containers: containers.map((c, index) => ({
          name: c.name,
          image: c.image,
          volumeMounts: [
            ...mountsFor(index, c.mounts),
            ...(index === 0 ? (this.options.scratchMounts ?? []) : []),
          ],
        })),
        volumes,
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          ready,
          restartCount: 0,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        })),
      },
    };
  }

  putPod(pod: Pod, type: 'ADDED' | 'MODIFIED'): void {
    this.rv += 1;
    pod.metadata!.resourceVersion = String(this.rv);
    this.pods.set(pod.metadata!.name!, pod);
    this.record({ type, object: clone(pod) });
  }

  private removePodObject(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) return;
    this.pods.delete(name);
    this.rv += 1;
    for (const volume of pod.spec?.volumes ?? [])
      if (volume.emptyDir) this.trees.delete(`emptyDir:${pod.metadata?.uid}:${volume.name}`);
    this.record({ type: 'DELETED', object: clone(pod) });
  }

  private record(event: WatchEvent<Pod>): void {
    this.history.push({ rv: this.rv, event });
    for (const watcher of this.watchers) this.deliver(watcher, event);
  }

  private deliver(watcher: { name?: string; sink: EventSink<Pod> }, event: WatchEvent<Pod>): void {
    if (watcher.name && event.object.metadata?.name !== watcher.name) return;
    queueMicrotask(() => {
      if (this.watchers.has(watcher as never)) watcher.sink(clone(event));
    });
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.options.stepMs ?? 2);
    this.timers.add(timer);
  }

  /** The StatefulSet controller and kubelet, reduced to the steps the flow observes. */
  private replace(name: string): void {
    const pod = this.pods.get(name)!;
    pod.metadata!.deletionTimestamp = '2026-01-01T00:00:01Z';
    this.putPod(pod, 'MODIFIED');
    this.later(() => {
      this.removePodObject(name);
      this.options.onPodGone?.(this, name);
      if (this.options.noRecreate) return;
      this.later(() => {
        const ordinal = Number(name.slice(this.setName.length + 1));
        const fresh = this.podFor(ordinal, false);
        this.putPod(fresh, 'ADDED');
        if (this.options.neverReady) return;
        this.later(() => {
          const ready = this.podFor(ordinal, true);
          ready.metadata!.uid = fresh.metadata!.uid;
          this.putPod(ready, 'MODIFIED');
        });
      });
    });
  }

  /** Makes the next `count` calls of `method` fail. */
  failNext(
    method: string,
    count: number,
    error: () => unknown = () => apiError(500, 'InternalError', 'etcd timeout'),
  ): void {
    this.faults.push({ method, remaining: count, error });
  }

  private enter(method: string): void {
    this.calls.push(method);
    const fault = this.faults.find((f) => f.method === method && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      throw fault.error();
    }
  }

  /** The server closing every watch stream (as its timeout does): clients must list and watch again. */
  endWatches(): void {
    for (const watcher of [...this.watchers]) {
      this.watchers.delete(watcher);
      watcher.end();
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.watchers.clear();
  }

  /** All marker-like files left in any volume. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const [key, tree] of this.trees) for (const path of tree.keys()) out.push(`${key}:${path}`);
    return out;
  }

  // --- ClusterGateway ---

  async getStatefulSet(namespace: string, name: string): Promise<StatefulSet> {
    this.enter('getStatefulSet');
    if (namespace !== this.namespace || name !== this.setName)
      throw apiError(404, 'NotFound', `statefulsets.apps "${name}" not found`);
    return clone(this.statefulSet);
  }

  async getPod(_namespace: string, name: string): Promise<Pod | undefined> {
    this.enter('getPod');
    const pod = this.pods.get(name);
    return pod ? clone(pod) : undefined;
  }

  async listPods(_namespace: string | undefined, options: ListOptions = {}): Promise<Listed<Pod>> {
    this.enter('listPods');
    const name = options.fieldSelector?.replace(/^metadata\.name=/, '');
    const label = options.labelSelector?.split('=');
    const items = [...this.pods.values()]
      .filter((pod) => !name || pod.metadata?.name === name)
      .filter((pod) => !label || pod.metadata?.labels?.[label[0]!] === label[1])
      .map(clone);
    return { items, resourceVersion: String(this.rv) };
  }

  watchPods(_namespace: string | undefined, options: WatchOptions, onEvent: EventSink<Pod>): Watch {
    this.enter('watchPods');
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const watcher = {
      name: options.fieldSelector?.replace(/^metadata\.name=/, '') || undefined,
      sink: onEvent,
      after: Number(options.resourceVersion ?? this.rv),
      end: () => finish(),
    };
    const stop = (): void => {
      this.watchers.delete(watcher);
      finish();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    for (const entry of this.history) if (entry.rv > watcher.after) this.deliver(watcher, entry.event);
    this.watchers.add(watcher);
    return { done, stop };
  }

  watchStatefulSets(
    _namespace: string | undefined,
    options: WatchOptions,
    onEvent: EventSink<StatefulSet>,
  ): Watch {
    this.enter('watchStatefulSets');
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const watcher = { sink: onEvent, after: Number(options.resourceVersion ?? 0), end: () => finish() };
    const stop = (): void => {
      this.setWatchers.delete(watcher);
      finish();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    this.setWatchers.add(watcher);
    if (Number(this.statefulSet.metadata?.resourceVersion ?? 0) > watcher.after)
      queueMicrotask(() => watcher.sink({ type: 'MODIFIED', object: clone(this.statefulSet) }));
    return { done, stop };
  }

  /** Changes the StatefulSet (status or spec) as its controller would, notifying watchers. */
  updateStatefulSet(change: (set: StatefulSet) => void): void {
    change(this.statefulSet);
    this.rv += 1;
    this.statefulSet.metadata!.resourceVersion = String(this.rv);
    for (const watcher of this.setWatchers)
      queueMicrotask(() => watcher.sink({ type: 'MODIFIED', object: clone(this.statefulSet) }));
  }

  watchPersistentVolumeClaims(): Watch {
    throw new Error('not used by verify-pvc');
  }

  async getPersistentVolumeClaim(
    _namespace: string,
    name: string,
  ): Promise<PersistentVolumeClaim | undefined> {
    this.enter('getPersistentVolumeClaim');
    const claim = this.claims.get(name);
    return claim ? clone(claim) : undefined;
  }

  async annotatePersistentVolumeClaim(
    _namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<PersistentVolumeClaim> {
    this.enter('annotatePersistentVolumeClaim');
    const claim = this.claims.get(name);
    if (!claim) throw apiError(404, 'NotFound', `persistentvolumeclaims "${name}" not found`);
    const merged = { ...(claim.metadata!.annotations ?? {}) };
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    claim.metadata!.annotations = merged;
    if (Object.keys(merged).length === 0) delete claim.metadata!.annotations;
    return clone(claim);
  }

  async getPersistentVolume(name: string): Promise<PersistentVolume | undefined> {
    this.enter('getPersistentVolume');
    const volume = this.volumes.get(name);
    return volume ? clone(volume) : undefined;
  }

  async listPersistentVolumeClaims(): Promise<Listed<PersistentVolumeClaim>> {
    this.enter('listPersistentVolumeClaims');
    return { items: [...this.claims.values()].map(clone), resourceVersion: String(this.rv) };
  }

  async listNodes(): Promise<Listed<Node>> {
    this.enter('listNodes');
    if (this.options.nodes === 'forbidden') throw apiError(403, 'Forbidden', 'nodes is forbidden');
    const nodes = this.options.nodes ?? [
      {
        metadata: { name: 'node-1', labels: {} },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ];
    return { items: nodes.map(clone), resourceVersion: String(this.rv) };
  }

  async listPodDisruptionBudgets(): Promise<Listed<PodDisruptionBudget>> {
    this.enter('listPodDisruptionBudgets');
    if (this.options.budgets === 'forbidden')
      throw apiError(403, 'Forbidden', 'poddisruptionbudgets.policy is forbidden');
    return { items: (this.options.budgets ?? []).map(clone), resourceVersion: String(this.rv) };
  }

  async evictPod(_namespace: string, name: string, options: { uid?: string } = {}): Promise<void> {
    this.enter('evictPod');
    this.evictions.push({ name, uid: options.uid });
    if (this.options.pdbBlocks) {
      const error = apiError(
        429,
        'TooManyRequests',
        "Cannot evict pod as it would violate the pod's disruption budget.",
      );
      error.apiStatus!.details = {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web needs 2 healthy pods and has 2 currently',
          },
        ],
      };
      throw error;
    }
    const pod = this.pods.get(name);
    if (!pod) throw apiError(404, 'NotFound', `pods "${name}" not found`);
    if (options.uid && pod.metadata?.uid !== options.uid)
      throw apiError(409, 'Conflict', `Precondition failed: UID in precondition: ${options.uid}`);
    this.deletedPods.push(name);
    this.replace(name);
  }

  async deletePod(_namespace: string, name: string, options: { uid?: string } = {}): Promise<void> {
    this.enter('deletePod');
    const pod = this.pods.get(name);
    if (!pod) throw apiError(404, 'NotFound', `pods "${name}" not found`);
    if (options.uid && pod.metadata?.uid !== options.uid)
      throw apiError(409, 'Conflict', `Precondition failed: UID in precondition: ${options.uid}`);
    this.deletedPods.push(name);
    this.replace(name);
  }

  async checkAccess(checks: AccessCheck[]): Promise<AccessAnswer[]> {
    this.enter('checkAccess');
    return checks.map((check) => {
      const key = `${check.verb} ${check.resource}${check.subresource ? `/${check.subresource}` : ''}`;
      return { ...check, allowed: !(this.options.denied ?? []).includes(key) };
    });
  }

  async exec(options: ExecOptions): Promise<ExecResult> {
    this.enter('exec');
    this.execLog.push(clone({ ...options, signal: undefined }));
    if (options.signal?.aborted) throw apiError(500, 'Interrupted', 'exec was interrupted');
    const pod = this.pods.get(options.pod);
    if (!pod) throw apiError(404, 'NotFound', `pods "${options.pod}" not found`);
    const container = pod.spec?.containers.find((c) => c.name === options.container);
    if (!container)
      throw apiError(400, 'BadRequest', `container ${options.container} is not valid for pod ${options.pod}`);
    const running = pod.status?.containerStatuses?.find((s) => s.name === container.name)?.state?.running;
    if (!running || pod.metadata?.deletionTimestamp)
      throw apiError(400, 'BadRequest', `container ${container.name} is not running`);
    if (this.options.noShellImages?.includes(container.image ?? ''))
      throw apiError(
        500,
        'InternalError',
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown',
      );
    const [shell, flag, script, , path, ...extra] = options.command;
    if (shell !== 'sh' || flag !== '-c' || extra.length > (script === WRITE_SCRIPT ? 1 : 0))
      throw new Error(`unexpected argv ${options.command}`);
    if (script === 'exit 0') return { stdout: '', stderr: '', exitCode: 0 };
    const file = this.resolve(pod, container.volumeMounts ?? [], path ?? '');
    const fail = (message: string): ExecResult => ({ stdout: '', stderr: message, exitCode: 1 });
    switch (script) {
      case WRITE_SCRIPT: {
        if (!file) return fail(`sh: can't create ${path}: Read-only file system`);
        if (!this.trees.has(file.tree)) this.trees.set(file.tree, new Map());
        this.trees.get(file.tree)!.set(file.path, extra[0] ?? '');
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      case 'cat "$1"': {
        const content = file && this.trees.get(file.tree)?.get(file.path);
        return content === undefined || content === null
          ? fail(`cat: can't open '${path}': No such file or directory`)
          : { stdout: content, stderr: '', exitCode: 0 };
      }
      case 'rm "$1"': {
        if (!file || !this.trees.get(file.tree)?.delete(file.path))
          return fail(`rm: can't remove '${path}': No such file or directory`);
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      default:
        throw new Error(`unexpected script ${script}`);
    }
  }

  /** The volume tree and in-volume path a container path lands in (longest mount prefix wins). */
  private resolve(pod: Pod, mounts: VolumeMount[], path: string): { tree: string; path: string } | undefined {
    const mount = mounts
      .filter((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount || mount.readOnly) return undefined;
    const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
    const rest = path.slice(mount.mountPath.replace(/\/$/, '').length);
    const inVolume = `${mount.subPath ? `/${mount.subPath}` : ''}${rest}`;
    if (volume?.persistentVolumeClaim) {
      const claim = this.claims.get(volume.persistentVolumeClaim.claimName);
      return { tree: `pv:${claim?.spec?.volumeName}`, path: inVolume };
    }
    return { tree: `emptyDir:${pod.metadata?.uid}:${mount.name}`, path: inVolume };
  }

  // --- not used by verify-pvc ---
  listStatefulSets = unused;
  listPersistentVolumes = unused;
  listStorageClasses = unused;
  getService = unused;
  listServices = unused;
  listEndpointSlices = unused;
  listEvents = unused;
  getConfigMap = unused;
  getNamespace = unused;
  listNamespaces = unused;
}

function unused(): never {
  throw new Error('not used by verify-pvc');
}
