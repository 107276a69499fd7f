// The scheduler, a kubelet per node and the node lifecycle controller. The kubelet is modelled on
// kwok's fake kubelet but keeps a per-container state machine, so pods go through the phases a real
// node shows: ContainerCreating while volumes attach, Init:N/M, image pulls, Running, Ready after
// the probe delay, CrashLoopBackOff, ErrImagePull/ImagePullBackOff, and graceful termination.
import { randomBytes } from 'node:crypto';
import type {
  Condition,
  KubeObject,
  Container,
  ContainerStatus,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from '../../../src/kube/types.ts';
import { environmentFor } from '../exec/container.ts';
import { behaviourOf } from './annotations.ts';
import { isValidImageName, pullImage, type PullResult } from './images.ts';
import { findStaticVolume, quantityBytes } from './volumes.ts';
import type { PodBehaviour } from './annotations.ts';
import type { ControllerContext } from './runtime.ts';
import { after, clone, keyOf, matchesSelector, onResource, peek, rfc3339 } from './runtime.ts';

export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
export const noProvisioner = 'kubernetes.io/no-provisioner';

type ContainerPhase =
  | 'pending'
  | 'pulling'
  | 'pullError'
  | 'pullBackOff'
  | 'running'
  | 'crashBackOff'
  | 'completed'
  /** Stopped because the pod is being deleted. */
  | 'stopped'
  /** Its environment names a ConfigMap, Secret or key that does not exist (CreateContainerConfigError). */
  | 'configError'
  /** The image reference cannot be parsed (InvalidImageName); the kubelet never pulls it. */
  | 'invalidImage';

interface TerminatedInfo {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
  containerID: string;
}

interface ContainerRun {
  spec: Container;
  init: boolean;
  phase: ContainerPhase;
  until: number;
  id: string;
  startedAt?: number;
  finishedAt?: number;
  restartCount: number;
  /** Exits with an error so far; the first is restarted at once, later ones after a growing back-off. */
  crashes: number;
  pullFailures: number;
  /** The last pull's error as containerd reported it (`rpc error: code = NotFound desc = …`). */
  pullError?: string;
  lastTerminated?: TerminatedInfo;
  everStarted: boolean;
  lastUnhealthyEvent?: number;
  configError?: string;
}

interface PodRun {
  uid: string;
  node: string;
  sandboxAt?: number;
  podIP?: string;
  init: ContainerRun[];
  main: ContainerRun[];
  stopAt?: number;
  /** When the kubelet last reported a volume it could not mount (FailedMount repeats every 2 minutes). */
  lastMountFailure?: number;
  /** How the app containers end: 0 after a clean SIGTERM exit, 137 when the grace period runs out. */
  stopExit?: { exitCode: number; reason: string };
  /** Set once the kubelet has failed the pod for good (phase Failed). */
  failed?: { reason: string; message: string };
  timer?: { cancel(): void };
  timerAt?: number;
}

function isNodeReady(node: Node | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function nodeAddress(node: Node | undefined): string | undefined {
  return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** Images as containerd reports them: `postgres:11` → `docker.io/library/postgres:11`. */
export function normaliseImage(image: string): string {
  let name = image;
  const firstSlash = name.indexOf('/');
  const host = firstSlash > 0 ? name.slice(0, firstSlash) : '';
  if (!(host.includes('.') || host.includes(':') || host === 'localhost')) {
    name = firstSlash > 0 ? `docker.io/${name}` : `docker.io/library/${name}`;
  }
  if (!/[:@][^/]+$/.test(name)) name += ':latest';
  return name;
}

function imageDigest(image: string): string {
  const repo = normaliseImage(image).replace(/[:@][^/]+$/, '');
  const digest = Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64);
  return `${repo}@sha256:${digest}`;
}

/** What pulling `image` gives: the pod's annotation first (`fail`, `pass`), then the registries' catalogue. */
function pullResult(image: string, behaviour: PodBehaviour): PullResult {
  if (behaviour.imagePullFails) {
    const reference = normaliseImage(image);
    return {
      ok: false,
      code: 'NotFound',
      error: `failed to pull and unpack image "${reference}": failed to resolve reference "${reference}": ${reference}: not found`,
    };
  }
  if (behaviour.imagePullPasses) return { ok: true };
  return pullImage(image);
}

/** Durations as Go prints them in kubelet messages: `800ms`, `1.5s`. */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function newContainerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

/** What the scheduler reserves for a pod: its containers' requests, or its largest init container's. */
function requestsOf(pod: Pod): { cpu: number; memory: number } {
  const of = (containers: Container[]): { cpu: number; memory: number }[] =>
    containers.map((c) => ({
      cpu: quantityBytes(c.resources?.requests?.cpu),
      memory: quantityBytes(c.resources?.requests?.memory),
    }));
  const main = of(pod.spec?.containers ?? []).reduce(
    (a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }),
    { cpu: 0, memory: 0 },
  );
  for (const init of of(pod.spec?.initContainers ?? [])) {
    main.cpu = Math.max(main.cpu, init.cpu);
    main.memory = Math.max(main.memory, init.memory);
  }
  return main;
}

/** podMaxInUnschedulablePodsDuration: an unschedulable pod is retried at least this often. */
const UNSCHEDULABLE_RETRY_MS = 5 * 60_000;

/**
 * TaintToleration's reason, as each version words it: `had taint {k: v}, that the pod didn't
 * tolerate` until 1.24, `had untolerated taint {k: v}` from 1.25 (kubernetes#109119), and without
 * the taint in 1.35 (kubernetes#134740: taint keys and values no longer go into pod status).
 */
function taintReason(taint: { key: string; value?: string }, minor: number): string {
  if (minor >= 35) return 'node(s) had untolerated taint(s)';
  if (minor >= 25) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  return `node(s) had taint {${taint.key}: ${taint.value ?? ''}}, that the pod didn't tolerate`;
}

function tolerates(pod: Pod, taint: { key: string; effect: string; value?: string }): boolean {
  const tolerations = (pod.spec?.tolerations ?? []) as {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
  }[];
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function matchesNodeSelectorTerms(
  terms: NodeSelectorTerm[] | undefined,
  labels: Record<string, string>,
): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => matchesSelector({ matchExpressions: term.matchExpressions ?? [] }, labels));
}

export interface KubeletControls {
  setNodeReady(name: string, ready: boolean): void;
}

export interface KubeletHooks {
  /** The kubelet mounts a claim for a new pod (a pending filesystem expansion completes then). */
  onMount?: (namespace: string, claim: string, node: string) => void;
}

export function installKubelet(ctx: ControllerContext, hooks: KubeletHooks = {}): KubeletControls {
  const { store, clock, queue, recorder, timing } = ctx;
  const runs = new Map<string, PodRun>(); // pod key → runtime
  const claimUsers = new Map<string, Set<string>>(); // "ns/claim" → pod names
  const imagesOnNode = new Map<string, Set<string>>();
  /** When the scheduler last reported a pod unschedulable (it retries at least every 5 minutes). */
  const lastFailedScheduling = new Map<string, number>();
  const ipsOnNode = new Map<string, { next: number; used: Set<string> }>();

  const enqueuePod = (namespace: string | undefined, name: string): void => {
    queue.enqueue(`pod:${namespace ?? ''}/${name}`, () => syncPod(namespace ?? '', name));
  };

  const claimsOf = (pod: Pod): string[] =>
    (pod.spec?.volumes ?? []).flatMap((v) =>
      v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
    );

  const indexClaims = (pod: Pod, present: boolean): void => {
    for (const claim of claimsOf(pod)) {
      const key = `${pod.metadata?.namespace ?? ''}/${claim}`;
      let users = claimUsers.get(key);
      if (!users) claimUsers.set(key, (users = new Set()));
      if (present) users.add(pod.metadata?.name ?? '');
      else users.delete(pod.metadata?.name ?? '');
    }
  };

  /**
   * node name → "namespace/name" of the pods bound to it, plus pods the scheduler has assumed
   * there while their volumes are provisioned (the real scheduler's cache does the same, so a
   * burst of Parallel pods spreads instead of piling onto one node).
   */
  const podKeysOnNode = new Map<string, Set<string>>();
  const assumed = new Map<string, string>(); // pod key → node
  const keysOn = (nodeName: string): Set<string> => {
    let keys = podKeysOnNode.get(nodeName);
    if (!keys) podKeysOnNode.set(nodeName, (keys = new Set()));
    return keys;
  };
  const assume = (pod: Pod, nodeName: string): void => {
    const key = keyOf(pod);
    const previous = assumed.get(key);
    if (previous && previous !== nodeName) keysOn(previous).delete(key);
    assumed.set(key, nodeName);
    keysOn(nodeName).add(key);
  };
  const indexNode = (pod: Pod, present: boolean): void => {
    const key = keyOf(pod);
    const nodeName = pod.spec?.nodeName;
    const assumedOn = assumed.get(key);
    if (assumedOn !== undefined && (!present || nodeName !== undefined)) {
      assumed.delete(key);
      keysOn(assumedOn).delete(key);
    }
    if (!nodeName) return;
    if (present) keysOn(nodeName).add(key);
    else keysOn(nodeName).delete(key);
  };

  for (const pod of store.list<Pod>('pods')) {
    indexClaims(pod, true);
    indexNode(pod, true);
    enqueuePod(pod.metadata?.namespace, pod.metadata?.name ?? '');
  }
  onResource(ctx, 'pods', (event) => {
    const pod = event.object as Pod;
    indexClaims(pod, event.type !== 'DELETED');
    indexNode(pod, event.type !== 'DELETED');
    if (event.type === 'DELETED') {
      const run = runs.get(keyOf(pod));
      if (run && run.uid === pod.metadata?.uid) forget(keyOf(pod), run);
      return;
    }
    enqueuePod(pod.metadata?.namespace, pod.metadata?.name ?? '');
  });
  // A ConfigMap or Secret appearing may unblock pods waiting to mount it or to start a container.
  for (const resource of ['configmaps', 'secrets'] as const) {
    onResource(ctx, resource, (event) => {
      if (event.type === 'DELETED') return;
      const prefix = `${event.object.metadata?.namespace ?? ''}/`;
      for (const key of runs.keys()) {
        if (key.startsWith(prefix)) enqueuePod(event.object.metadata?.namespace, key.slice(prefix.length));
      }
    });
  }
  onResource(ctx, 'persistentvolumeclaims', (event) => {
    const users = claimUsers.get(keyOf(event.object));
    for (const name of users ?? []) enqueuePod(event.object.metadata?.namespace, name);
  });
  onResource(ctx, 'nodes', (event) => {
    const node = event.object as Node;
    const wasReady = event.previous ? isNodeReady(event.previous as Node) : undefined;
    const ready = isNodeReady(node);
    if (wasReady === true && !ready) markPodsNotReady(node.metadata?.name ?? '');
    // Any node change may make room for pending pods, or wake a recovered kubelet.
    for (const pod of store.list<Pod>('pods')) {
      if (!pod.spec?.nodeName || pod.spec.nodeName === node.metadata?.name)
        enqueuePod(pod.metadata?.namespace, pod.metadata?.name ?? '');
    }
  });

  function forget(key: string, run: PodRun): void {
    run.timer?.cancel();
    runs.delete(key);
    if (run.podIP) ipsOnNode.get(run.node)?.used.delete(run.podIP);
  }

  function wakeAt(namespace: string, name: string, run: PodRun, at: number | undefined): void {
    if (at === undefined) return;
    if (run.timer && run.timerAt !== undefined && run.timerAt <= at) return;
    run.timer?.cancel();
    run.timerAt = at;
    run.timer = after(ctx, at - clock.now().getTime(), () => {
      run.timer = undefined;
      run.timerAt = undefined;
      enqueuePod(namespace, name);
    });
  }

  function podEvent(
    pod: Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    container?: ContainerRun,
    component = 'kubelet',
  ): void {
    const fieldPath = container
      ? `spec.${container.init ? 'initContainers' : 'containers'}{${container.spec.name}}`
      : undefined;
    recorder.record(
      { kind: 'Pod', apiVersion: 'v1', object: pod, ...(fieldPath ? { fieldPath } : {}) },
      type,
      reason,
      message,
      component === 'kubelet' ? { component, host: pod.spec?.nodeName ?? '' } : { component },
    );
  }

  // ---- scheduler ------------------------------------------------------------------------------

  function schedule(pod: Pod): void {
    const nodes = store.list<Node>('nodes');
    const namespace = pod.metadata?.namespace;
    const reasons = new Map<string, number>();
    // Per node, whether preemption could help: plugins answer UnschedulableAndUnresolvable for
    // cordons, taints, node affinity and volume conflicts (evicting pods changes nothing), and
    // Unschedulable for resources and pod anti-affinity (evicting lower-priority pods might).
    let unresolvable = 0;
    let resolvable = 0;
    const rejectNode = (nodeReasons: string[], resolvableByPreemption: boolean): void => {
      for (const reason of nodeReasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      if (resolvableByPreemption) resolvable++;
      else unresolvable++;
    };
    const { kubernetesMinor } = ctx;
    const claims: PersistentVolumeClaim[] = [];
    for (const claimName of claimsOf(pod)) {
      const claim = peek<PersistentVolumeClaim>(store, 'persistentvolumeclaims', namespace, claimName);
      if (!claim) return unschedulable(pod, nodes.length, `persistentvolumeclaim "${claimName}" not found`);
      if (claim.metadata?.deletionTimestamp)
        return unschedulable(pod, nodes.length, `persistentvolumeclaim "${claimName}" is being deleted`);
      claims.push(claim);
    }
    const unboundImmediate = claims.some((claim) => {
      if (claim.spec?.volumeName) return false;
      const className = claim.spec?.storageClassName;
      const storageClass = className
        ? store.get<StorageClass>('storageclasses', undefined, className)
        : undefined;
      return storageClass?.volumeBindingMode !== 'WaitForFirstConsumer';
    });
    if (unboundImmediate)
      return unschedulable(pod, nodes.length, 'pod has unbound immediate PersistentVolumeClaims');

    const podsByNode = {
      get(nodeName: string): Pod[] {
        const keys = podKeysOnNode.get(nodeName) ?? new Set<string>();
        return [...keys].flatMap((key) => {
          const [ns, podName] = key.split('/') as [string, string];
          const other = peek<Pod>(store, 'pods', ns, podName);
          return other ? [other] : [];
        });
      },
    };
    // Node affinity of the volumes already bound to the pod's claims, looked up once.
    const volumeTerms = claims.flatMap((claim) => {
      if (!claim.spec?.volumeName) return [];
      const volume = peek<PersistentVolume>(store, 'persistentvolumes', undefined, claim.spec.volumeName);
      const terms = (volume?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as NodeSelectorTerm[];
      return terms.length > 0 ? [terms] : [];
    });
    const ownKey = keyOf(pod);
    const wanted = requestsOf(pod);
    const othersOn = (node: Node): number => {
      const keys = podKeysOnNode.get(node.metadata?.name ?? '');
      return (keys?.size ?? 0) - (keys?.has(ownKey) ? 1 : 0);
    };
    const candidates: Node[] = [];
    for (const node of nodes) {
      const labels = node.metadata?.labels ?? {};
      if (node.spec?.unschedulable) {
        rejectNode(['node(s) were unschedulable'], false);
        continue;
      }
      const taint = (node.spec?.taints ?? []).find(
        (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod, t),
      );
      if (taint) {
        rejectNode([taintReason(taint, kubernetesMinor)], false);
        continue;
      }
      if (!isNodeReady(node)) {
        rejectNode(['node(s) were not ready'], false);
        continue;
      }
      const capacity = Number(
        (node.status as { allocatable?: { pods?: string } } | undefined)?.allocatable?.pods ?? 110,
      );
      if (othersOn(node) >= capacity) {
        rejectNode(['Too many pods'], true);
        continue;
      }
      if (wanted.cpu > 0 || wanted.memory > 0) {
        const allocatable =
          (node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable ?? {};
        const used = { cpu: 0, memory: 0 };
        for (const other of podsByNode.get(node.metadata?.name ?? '')) {
          if (keyOf(other) === ownKey || ['Succeeded', 'Failed'].includes(other.status?.phase ?? ''))
            continue;
          const request = requestsOf(other);
          used.cpu += request.cpu;
          used.memory += request.memory;
        }
        const short = [
          ...(wanted.cpu > 0 && used.cpu + wanted.cpu > quantityBytes(allocatable.cpu ?? '8')
            ? ['Insufficient cpu']
            : []),
          ...(wanted.memory > 0 && used.memory + wanted.memory > quantityBytes(allocatable.memory ?? '16Gi')
            ? ['Insufficient memory']
            : []),
        ];
        if (short.length > 0) {
          rejectNode(short, true);
          continue;
        }
      }
      const affinity = pod.spec?.affinity as
        | {
            nodeAffinity?: {
              requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
            };
            podAntiAffinity?: {
              requiredDuringSchedulingIgnoredDuringExecution?: {
                labelSelector?: Parameters<typeof matchesSelector>[0];
                topologyKey?: string;
              }[];
            };
          }
        | undefined;
      const selectorOk = Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
      const affinityOk = matchesNodeSelectorTerms(
        affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        labels,
      );
      if (!selectorOk || !affinityOk) {
        rejectNode(["node(s) didn't match Pod's node affinity/selector"], false);
        continue;
      }
      const antiAffinity = affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      const conflicts = antiAffinity.some((term) => {
        const key = term.topologyKey ?? 'kubernetes.io/hostname';
        const domain = labels[key];
        if (domain === undefined) return false;
        return nodes.some(
          (other) =>
            other.metadata?.labels?.[key] === domain &&
            (podsByNode.get(other.metadata?.name ?? '') ?? []).some(
              (p) =>
                p.metadata?.namespace === namespace &&
                p.metadata?.name !== pod.metadata?.name &&
                matchesSelector(term.labelSelector, p.metadata?.labels),
            ),
        );
      });
      if (conflicts) {
        rejectNode(["node(s) didn't match pod anti-affinity rules"], true);
        continue;
      }
      const volumeConflict = volumeTerms.some((terms) => !matchesNodeSelectorTerms(terms, labels));
      if (volumeConflict) {
        // Reworded in 1.33 (VolumeBinding's ErrReasonNodeConflict).
        rejectNode(
          [
            kubernetesMinor >= 33
              ? "node(s) didn't match PersistentVolume's node affinity"
              : 'node(s) had volume node affinity conflict',
          ],
          false,
        );
        continue;
      }
      // Claims nobody provisions (kubernetes.io/no-provisioner) need a local volume on this node.
      const noVolume = claims.some((claim) => {
        if (claim.spec?.volumeName) return false;
        const className = claim.spec?.storageClassName ?? '';
        const storageClass = className
          ? peek<StorageClass>(store, 'storageclasses', undefined, className)
          : undefined;
        if (storageClass?.provisioner !== noProvisioner) return false;
        return findStaticVolume(store, claim, className, node) === undefined;
      });
      if (noVolume) {
        rejectNode(["node(s) didn't find available persistent volumes to bind"], false);
        continue;
      }
      candidates.push(node);
    }
    if (candidates.length === 0) {
      // The real scheduler sorts the formatted strings, counts included.
      const detail = [...reasons.entries()]
        .map(([reason, count]) => `${count} ${reason}`)
        .sort()
        .join(', ');
      return unschedulable(
        pod,
        nodes.length,
        nodes.length === 0 ? 'no nodes available to schedule pods' : detail,
        { unresolvable, resolvable },
      );
    }
    const load = othersOn;
    candidates.sort(
      (a, b) => load(a) - load(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
    // A claim already waiting on a node (WaitForFirstConsumer) keeps the pod there.
    const selected = claims
      .map((claim) => claim.metadata?.annotations?.[selectedNodeAnnotation])
      .find(Boolean);
    const chosen = candidates.find((node) => node.metadata?.name === selected) ?? (candidates[0] as Node);
    const chosenName = chosen.metadata?.name ?? '';

    // WaitForFirstConsumer: tell the provisioner where the pod goes, and bind only once volumes are bound.
    let waiting = false;
    for (const claim of claims) {
      if (claim.spec?.volumeName) continue;
      waiting = true;
      assume(pod, chosenName);
      if (!claim.metadata?.annotations?.[selectedNodeAnnotation]) {
        store.mutate<PersistentVolumeClaim>(
          'persistentvolumeclaims',
          namespace,
          claim.metadata?.name ?? '',
          (draft) => {
            (draft.metadata ??= {}).annotations = {
              ...(draft.metadata.annotations ?? {}),
              [selectedNodeAnnotation]: chosenName,
            };
          },
        );
      }
    }
    if (waiting) return;

    const bound = store.mutate<Pod>('pods', namespace, pod.metadata?.name ?? '', (draft) => {
      (draft.spec ??= { containers: [] }).nodeName = chosenName;
      setCondition(draft, 'PodScheduled', 'True');
    });
    if (bound) {
      podEvent(
        bound,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace}/${pod.metadata?.name} to ${chosenName}`,
        undefined,
        'default-scheduler',
      );
    }
  }

  /**
   * Records a failed attempt as kube-scheduler does: FitError's `0/N nodes are available: <sorted
   * counted reasons>.`, then DefaultPreemption's PostFilter message, which counts the nodes where
   * preemption cannot help (`Preemption is not helpful for scheduling`) apart from those where no
   * lower-priority pod could make room (`No preemption victims found for incoming pod`). The
   * scheduler retries an unschedulable pod at least every 5 minutes
   * (podMaxInUnschedulablePodsDuration); each retry repeats the event, so its count grows.
   */
  function unschedulable(
    pod: Pod,
    nodeCount: number,
    detail: string,
    preemption: { unresolvable: number; resolvable: number } = { unresolvable: nodeCount, resolvable: 0 },
  ): void {
    const victims = [
      ...(preemption.unresolvable > 0
        ? [`${preemption.unresolvable} Preemption is not helpful for scheduling`]
        : []),
      ...(preemption.resolvable > 0
        ? [`${preemption.resolvable} No preemption victims found for incoming pod`]
        : []),
    ].sort();
    // From 1.34 the DynamicResources plugin's PostFilter runs too (DRA is on by default) and its
    // answer is listed before DefaultPreemption's (seen on 1.34 clusters).
    const postFilter = `${ctx.kubernetesMinor >= 34 ? 'no new claims to deallocate, ' : ''}preemption: 0/${nodeCount} nodes are available: ${victims.join(', ')}.`;
    // FitError carries PostFilter's message since 1.23.
    const message =
      detail === 'no nodes available to schedule pods'
        ? detail
        : `0/${nodeCount} nodes are available: ${detail}.${ctx.kubernetesMinor >= 23 ? ` ${postFilter}` : ''}`;
    const key = keyOf(pod);
    const retry = (): void => {
      const fresh = peek<Pod>(store, 'pods', pod.metadata?.namespace, pod.metadata?.name ?? '');
      if (
        fresh &&
        fresh.metadata?.uid === pod.metadata?.uid &&
        !fresh.spec?.nodeName &&
        !fresh.metadata?.deletionTimestamp
      )
        queue.enqueue(`schedule:${key}`, () => schedule(fresh));
    };
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const last = lastFailedScheduling.get(key);
    const now = clock.now().getTime();
    if (
      current?.status === 'False' &&
      current.message === message &&
      last !== undefined &&
      now - last < UNSCHEDULABLE_RETRY_MS
    ) {
      return;
    }
    lastFailedScheduling.set(key, now);
    after(ctx, UNSCHEDULABLE_RETRY_MS, retry);
    const updated =
      current?.status === 'False' && current.message === message
        ? pod
        : store.mutate<Pod>('pods', pod.metadata?.namespace, pod.metadata?.name ?? '', (draft) => {
            setCondition(draft, 'PodScheduled', 'False', 'Unschedulable', message);
          });
    if (updated) podEvent(updated, 'Warning', 'FailedScheduling', message, undefined, 'default-scheduler');
  }

  function setCondition(pod: Pod, type: string, status: string, reason?: string, message?: string): void {
    const status_ = (pod.status ??= {});
    const conditions = (status_.conditions ??= []);
    const existing = conditions.find((c) => c.type === type);
    const now = rfc3339(clock.now());
    const next: Condition = {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : now,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
    if (existing) conditions.splice(conditions.indexOf(existing), 1, next);
    else conditions.push(next);
  }

  // ---- node lifecycle --------------------------------------------------------------------------

  function markPodsNotReady(nodeName: string): void {
    for (const pod of store.list<Pod>('pods')) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'False') continue;
      const updated = store.mutate<Pod>(
        'pods',
        pod.metadata?.namespace,
        pod.metadata?.name ?? '',
        (draft) => {
          setCondition(draft, 'Ready', 'False');
        },
      );
      if (updated)
        podEvent(updated, 'Warning', 'NodeNotReady', 'Node is not ready', undefined, 'node-controller');
    }
    scheduleTaintEvictions(nodeName);
  }

  /**
   * Taint-based eviction: pods that tolerate `node.kubernetes.io/unreachable:NoExecute` only for a
   * while (300 s by default) are deleted once that runs out. Their kubelet cannot finish them, so
   * they then stay Terminating until the node returns or someone force-deletes them.
   */
  function scheduleTaintEvictions(nodeName: string): void {
    for (const pod of store.list<Pod>('pods')) {
      if (pod.spec?.nodeName !== nodeName || pod.metadata?.deletionTimestamp) continue;
      const tolerations = (pod.spec?.tolerations ?? []) as {
        key?: string;
        operator?: string;
        effect?: string;
        tolerationSeconds?: number;
      }[];
      const toleration = tolerations.find(
        (t) =>
          (t.key === 'node.kubernetes.io/unreachable' || (t.operator === 'Exists' && !t.key)) &&
          (!t.effect || t.effect === 'NoExecute'),
      );
      if (toleration && toleration.tolerationSeconds === undefined) continue;
      const seconds = toleration?.tolerationSeconds ?? 0;
      const namespace = pod.metadata?.namespace;
      const name = pod.metadata?.name ?? '';
      const uid = pod.metadata?.uid;
      after(ctx, seconds * 1000, () =>
        queue.enqueue(`evict:${namespace}/${name}:${uid}`, () => {
          const current = peek<Pod>(store, 'pods', namespace, name);
          if (!current || current.metadata?.uid !== uid || current.metadata?.deletionTimestamp) return;
          if (isNodeReady(peek<Node>(store, 'nodes', undefined, nodeName))) return;
          podEvent(
            current,
            'Normal',
            'TaintManagerEviction',
            `Marking for deletion Pod ${namespace}/${name}`,
            undefined,
            'taint-eviction-controller',
          );
          try {
            store.delete('pods', namespace, name);
          } catch {
            // already gone
          }
        }),
      );
    }
  }

  function setNodeReady(name: string, ready: boolean): void {
    const now = rfc3339(clock.now());
    const wasReady = isNodeReady(peek<Node>(store, 'nodes', undefined, name));
    store.mutate<Node>('nodes', undefined, name, (draft) => {
      const conditions = ((draft.status ??= {}).conditions ??= []);
      for (const condition of conditions) {
        if (ready) {
          const healthy: Record<string, [string, string, string]> = {
            Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
            MemoryPressure: [
              'False',
              'KubeletHasSufficientMemory',
              'kubelet has sufficient memory available',
            ],
            DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
            PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
          };
          const target = healthy[condition.type];
          if (!target) continue;
          if (condition.status !== target[0]) condition.lastTransitionTime = now;
          [condition.status, condition.reason, condition.message] = target;
        } else {
          if (condition.status !== 'Unknown') condition.lastTransitionTime = now;
          condition.status = 'Unknown';
          condition.reason = 'NodeStatusUnknown';
          condition.message = 'Kubelet stopped posting node status.';
        }
        condition.lastHeartbeatTime = now;
      }
      const spec = (draft.spec ??= {});
      const taints = (spec.taints ?? []).filter((t) => t.key !== 'node.kubernetes.io/unreachable');
      if (!ready) {
        taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' });
        taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' });
      }
      if (taints.length > 0) spec.taints = taints;
      else delete spec.taints;
    });
    const node = store.get<Node>('nodes', undefined, name);
    if (!node || wasReady === ready) return;
    // Node events live in the default namespace, as the real recorders put them.
    recorder.record(
      {
        kind: 'Node',
        apiVersion: 'v1',
        object: { ...node, metadata: { ...node.metadata, namespace: 'default' } },
      },
      'Normal',
      ready ? 'NodeReady' : 'NodeNotReady',
      `Node ${name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`,
      ready ? { component: 'kubelet', host: name } : { component: 'node-controller' },
    );
  }

  // ---- kubelet ---------------------------------------------------------------------------------

  function volumesReady(pod: Pod): boolean {
    for (const claimName of claimsOf(pod)) {
      const claim = peek<PersistentVolumeClaim>(
        store,
        'persistentvolumeclaims',
        pod.metadata?.namespace,
        claimName,
      );
      if (!claim || claim.status?.phase !== 'Bound') return false;
    }
    return true;
  }

  function allocateIP(node: Node): string | undefined {
    const name = node.metadata?.name ?? '';
    const cidr = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
    let pool = ipsOnNode.get(name);
    if (!pool) ipsOnNode.set(name, (pool = { next: 2, used: new Set() }));
    let prefix = cidr?.split('/')[0]?.split('.').slice(0, 3).join('.');
    if (!prefix) {
      const index = store.list<Node>('nodes').findIndex((n) => n.metadata?.name === name);
      prefix = `10.244.${Math.max(0, index)}`;
    }
    for (let attempt = 0; attempt < 253; attempt++) {
      const host = pool.next;
      pool.next = pool.next >= 254 ? 2 : pool.next + 1;
      const ip = `${prefix}.${host}`;
      if (!pool.used.has(ip)) {
        pool.used.add(ip);
        return ip;
      }
    }
    return undefined;
  }

  function newRun(pod: Pod): PodRun {
    const containerRun = (spec: Container, init: boolean): ContainerRun => ({
      spec,
      init,
      phase: 'pending',
      until: 0,
      id: '',
      restartCount: 0,
      crashes: 0,
      pullFailures: 0,
      everStarted: false,
    });
    return {
      uid: pod.metadata?.uid ?? '',
      node: pod.spec?.nodeName ?? '',
      init: (pod.spec?.initContainers ?? []).map((c) => containerRun(c, true)),
      main: (pod.spec?.containers ?? []).map((c) => containerRun(c, false)),
    };
  }

  function readyDelay(container: ContainerRun, behaviour: PodBehaviour): number {
    if (behaviour.readyAfterMs !== undefined) return behaviour.readyAfterMs;
    const probe = container.spec.readinessProbe;
    if (!probe) return 0;
    return (probe.initialDelaySeconds ?? 0) * 1000 + timing.readyAfterMs;
  }

  /** Advances one container as far as `now` allows; returns when it next needs attention. */
  function advance(
    pod: Pod,
    run: PodRun,
    container: ContainerRun,
    now: number,
    behaviour: PodBehaviour,
  ): number | undefined {
    const image = container.spec.image ?? '';
    const images = imagesOnNode.get(run.node) ?? new Set<string>();
    imagesOnNode.set(run.node, images);
    for (let guard = 0; guard < 20; guard++) {
      switch (container.phase) {
        case 'pending': {
          if (!isValidImageName(image)) {
            podEvent(
              pod,
              'Warning',
              'InspectFailed',
              `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": invalid reference format`,
              container,
            );
            podEvent(pod, 'Warning', 'Failed', 'Error: InvalidImageName', container);
            container.phase = 'invalidImage';
            continue;
          }
          const policy = (container.spec as { imagePullPolicy?: string }).imagePullPolicy;
          if (images.has(image) && policy !== 'Always' && !behaviour.imagePullFails) {
            podEvent(
              pod,
              'Normal',
              'Pulled',
              `Container image "${image}" already present on machine`,
              container,
            );
            startContainer(pod, container, now);
            continue;
          }
          podEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, container);
          container.phase = 'pulling';
          container.until = now + (behaviour.pullDurationMs ?? timing.imagePullMs);
          continue;
        }
        case 'pulling': {
          if (now < container.until) return container.until;
          const pulled = pullResult(image, behaviour);
          if (!pulled.ok) {
            container.pullFailures++;
            container.pullError = `rpc error: code = ${pulled.code} desc = ${pulled.error}`;
            podEvent(
              pod,
              'Warning',
              'Failed',
              `Failed to pull image "${image}": ${container.pullError}`,
              container,
            );
            podEvent(pod, 'Warning', 'Failed', 'Error: ErrImagePull', container);
            container.phase = 'pullError';
            container.until = now + 1000;
            continue;
          }
          container.pullError = undefined;
          const took = behaviour.pullDurationMs ?? timing.imagePullMs;
          images.add(image);
          podEvent(
            pod,
            'Normal',
            'Pulled',
            `Successfully pulled image "${image}" in ${goDuration(took)} (${goDuration(took)} including waiting)`,
            container,
          );
          startContainer(pod, container, now);
          continue;
        }
        case 'pullError': {
          if (now < container.until) return container.until;
          podEvent(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, container);
          podEvent(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', container);
          container.phase = 'pullBackOff';
          container.until = now + Math.min(10_000 * 2 ** (container.pullFailures - 1), 300_000);
          continue;
        }
        case 'pullBackOff': {
          if (now < container.until) return container.until;
          container.phase = 'pending';
          continue;
        }
        case 'running': {
          const started = container.startedAt ?? now;
          const crashing = container.init
            ? behaviour.crashesByName(container.spec.name)
            : behaviour.crashes(container.spec.name);
          if (container.init && !crashing) {
            const done = started + (behaviour.initDurationMs ?? timing.initContainerMs);
            if (now < done) return done;
            container.phase = 'completed';
            container.finishedAt = done;
            return undefined;
          }
          if (crashing) {
            const exit = started + timing.crashAfterMs;
            if (now < exit) return exit;
            container.crashes++;
            container.lastTerminated = {
              exitCode: 1,
              reason: 'Error',
              startedAt: started,
              finishedAt: exit,
              containerID: container.id,
            };
            container.phase = 'crashBackOff';
            const backoff =
              container.crashes === 1 ? 1000 : Math.min(10_000 * 2 ** (container.crashes - 2), 300_000);
            container.until = now + backoff;
            if (container.crashes > 1) {
              podEvent(
                pod,
                'Warning',
                'BackOff',
                `Back-off restarting failed container ${container.spec.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`,
                container,
              );
            }
            continue;
          }
          const readyAt = started + readyDelay(container, behaviour);
          if (now < readyAt) return readyAt;
          if (behaviour.readinessFails) {
            const period = (container.spec.readinessProbe?.periodSeconds ?? 10) * 1000;
            if (container.lastUnhealthyEvent === undefined || now - container.lastUnhealthyEvent >= period) {
              container.lastUnhealthyEvent = now;
              podEvent(pod, 'Warning', 'Unhealthy', 'Readiness probe failed: ', container);
            }
            return container.lastUnhealthyEvent + period;
          }
          return undefined;
        }
        case 'crashBackOff': {
          if (now < container.until) return container.until;
          podEvent(
            pod,
            'Normal',
            'Pulled',
            `Container image "${image}" already present on machine`,
            container,
          );
          container.restartCount++;
          startContainer(pod, container, now);
          continue;
        }
        case 'configError': {
          if (now < container.until) return container.until;
          startContainer(pod, container, now);
          if ((container.phase as ContainerPhase) === 'configError') return container.until;
          continue;
        }
        case 'invalidImage':
        case 'completed':
        case 'stopped':
          return undefined;
      }
    }
    return undefined;
  }

  /** What keeps the kubelet from building the container's environment, as its error says it. */
  function configProblem(pod: Pod, spec: Container): string | undefined {
    const namespace = pod.metadata?.namespace;
    type Ref = { name?: string; key?: string; optional?: boolean };
    const extended = spec as Container & {
      envFrom?: { configMapRef?: Ref; secretRef?: Ref }[];
      env?: { name: string; valueFrom?: { configMapKeyRef?: Ref; secretKeyRef?: Ref } }[];
    };
    const lookup = (kind: 'configmaps' | 'secrets', ref: Ref, key?: string): string | undefined => {
      const object = peek<
        KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }
      >(store, kind, namespace, ref.name ?? '');
      const label = kind === 'configmaps' ? 'configmap' : 'secret';
      if (!object) return ref.optional ? undefined : `${label} "${ref.name}" not found`;
      if (key === undefined || ref.optional) return undefined;
      const data = {
        ...(object.data ?? {}),
        ...(object.stringData ?? {}),
        ...((object as { binaryData?: Record<string, string> }).binaryData ?? {}),
      };
      if (key in data) return undefined;
      return `couldn't find key ${key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`;
    };
    for (const source of extended.envFrom ?? []) {
      const problem = source.configMapRef
        ? lookup('configmaps', source.configMapRef)
        : source.secretRef
          ? lookup('secrets', source.secretRef)
          : undefined;
      if (problem) return problem;
    }
    for (const variable of extended.env ?? []) {
      const from = variable.valueFrom;
      const problem = from?.configMapKeyRef
        ? lookup('configmaps', from.configMapKeyRef, from.configMapKeyRef.key)
        : from?.secretKeyRef
          ? lookup('secrets', from.secretKeyRef, from.secretKeyRef.key)
          : undefined;
      if (problem) return problem;
    }
    // subPathExpr: the kubelet expands it from the container's environment and refuses to start
    // the container when a referenced variable is missing or empty (ExpandContainerVolumeMounts).
    const expressions = (spec.volumeMounts ?? []).flatMap((mount) =>
      mount.subPathExpr ? [mount.subPathExpr] : [],
    );
    if (expressions.length > 0) {
      const environment = environmentFor(store, pod, spec);
      const missing = new Set<string>();
      for (const expression of expressions)
        for (const [, name] of expression.replace(/\$\$/g, '').matchAll(/\$\(([^)]*)\)/g))
          if (!environment[name!]) missing.add(name!);
      if (missing.size > 0) return `missing value for ${[...missing].sort().join(', ')}`;
    }
    return undefined;
  }

  /** The first ConfigMap or Secret volume that cannot be mounted, with the kubelet's message. */
  function mountProblem(pod: Pod): string | undefined {
    for (const volume of pod.spec?.volumes ?? []) {
      const configMap = volume.configMap as { name?: string; optional?: boolean } | undefined;
      const secret = volume.secret as { secretName?: string; optional?: boolean } | undefined;
      if (
        configMap &&
        !configMap.optional &&
        !peek(store, 'configmaps', pod.metadata?.namespace, configMap.name ?? '')
      ) {
        return `MountVolume.SetUp failed for volume "${volume.name}" : configmap "${configMap.name}" not found`;
      }
      if (
        secret &&
        !secret.optional &&
        !peek(store, 'secrets', pod.metadata?.namespace, secret.secretName ?? '')
      ) {
        return `MountVolume.SetUp failed for volume "${volume.name}" : secret "${secret.secretName}" not found`;
      }
    }
    return undefined;
  }

  function startContainer(pod: Pod, container: ContainerRun, now: number): void {
    const problem = configProblem(pod, container.spec);
    if (problem) {
      if (container.configError !== problem || now >= container.until) {
        podEvent(pod, 'Warning', 'Failed', `Error: ${problem}`, container);
      }
      container.phase = 'configError';
      container.configError = problem;
      container.until = now + 10_000;
      return;
    }
    container.configError = undefined;
    container.phase = 'running';
    container.startedAt = now;
    container.id = newContainerId();
    container.everStarted = true;
    podEvent(pod, 'Normal', 'Created', `Created container: ${container.spec.name}`, container);
    podEvent(pod, 'Normal', 'Started', `Started container ${container.spec.name}`, container);
  }

  function isContainerReady(container: ContainerRun, now: number, behaviour: PodBehaviour): boolean {
    if (container.phase !== 'running' || container.startedAt === undefined) return false;
    if (behaviour.readinessFails) return false;
    return now >= container.startedAt + readyDelay(container, behaviour);
  }

  function containerStatus(
    container: ContainerRun,
    now: number,
    behaviour: PodBehaviour,
    initializing: boolean,
    podRef: string,
    exitOnStop: { exitCode: number; reason: string } = { exitCode: 0, reason: 'Completed' },
  ): ContainerStatus {
    const image = container.spec.image ?? '';
    const status: ContainerStatus = {
      name: container.spec.name,
      image: normaliseImage(image),
      imageID: container.everStarted ? imageDigest(image) : '',
      ...(container.id ? { containerID: container.id } : {}),
      ready: false,
      restartCount: container.restartCount,
      started: false,
      state: {},
      lastState: {},
    };
    if (container.lastTerminated) {
      const last = container.lastTerminated;
      status.lastState = {
        terminated: {
          exitCode: last.exitCode,
          reason: last.reason,
          startedAt: rfc3339(new Date(last.startedAt)),
          finishedAt: rfc3339(new Date(last.finishedAt)),
          ...({ containerID: last.containerID } as object),
        },
      };
    }
    switch (container.phase) {
      case 'pending':
      case 'pulling':
        // Once a pull has failed, the retry after the back-off does not show ContainerCreating
        // again: the kubelet pulls within its sync and reports the outcome, so the status stays
        // ImagePullBackOff until the pull fails again (ErrImagePull) or succeeds.
        status.state =
          container.pullFailures > 0 && container.pullError
            ? { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }
            : {
                waiting: { reason: initializing || container.init ? 'PodInitializing' : 'ContainerCreating' },
              };
        break;
      case 'invalidImage':
        status.state = {
          waiting: {
            reason: 'InvalidImageName',
            message: `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": invalid reference format`,
          },
        };
        break;
      case 'pullError':
        status.state = { waiting: { reason: 'ErrImagePull', message: container.pullError ?? '' } };
        break;
      case 'configError':
        status.state = {
          waiting: { reason: 'CreateContainerConfigError', message: container.configError ?? '' },
        };
        break;
      case 'pullBackOff':
        status.state = {
          waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
        };
        break;
      case 'crashBackOff':
        if (container.crashes === 1) {
          // The first exit shows as Error until the kubelet restarts it; only repeats back off.
          status.state = status.lastState;
          status.lastState = {};
          break;
        }
        status.state = {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${Math.round((container.until - (container.lastTerminated?.finishedAt ?? now)) / 1000)}s restarting failed container=${container.spec.name} pod=${podRef}`,
          },
        };
        break;
      case 'running':
        status.state = { running: { startedAt: rfc3339(new Date(container.startedAt ?? now)) } };
        status.started = true;
        status.ready = container.init ? false : isContainerReady(container, now, behaviour);
        break;
      case 'stopped':
        status.state = {
          terminated: {
            exitCode: exitOnStop.exitCode,
            reason: exitOnStop.reason,
            startedAt: rfc3339(new Date(container.startedAt ?? now)),
            finishedAt: rfc3339(new Date(container.finishedAt ?? now)),
            ...({ containerID: container.id } as object),
          },
        };
        break;
      case 'completed':
        status.state = {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: rfc3339(new Date(container.startedAt ?? now)),
            finishedAt: rfc3339(new Date(container.finishedAt ?? now)),
            ...({ containerID: container.id } as object),
          },
        };
        status.ready = true;
        break;
    }
    if (container.init) delete status.started;
    return status;
  }

  function syncPod(namespace: string, name: string): void {
    const pod = peek<Pod>(store, 'pods', namespace, name);
    const key = `${namespace}/${name}`;
    let run = runs.get(key);
    if (!pod) {
      if (run) forget(key, run);
      return;
    }
    if (run && run.uid !== pod.metadata?.uid) {
      forget(key, run);
      run = undefined;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (pod.metadata?.deletionTimestamp) {
        // Never scheduled: nothing to stop. A pod held by finalizers stays until they are removed.
        if ((pod.metadata.finalizers ?? []).length === 0) store.purge('pods', namespace, name);
        return;
      }
      const attempt = (): void =>
        queue.enqueue(`schedule:${key}`, () => {
          const fresh = peek<Pod>(store, 'pods', namespace, name);
          if (fresh && !fresh.spec?.nodeName && !fresh.metadata?.deletionTimestamp) schedule(fresh);
        });
      if (timing.scheduleMs > 0) after(ctx, timing.scheduleMs, attempt);
      else attempt();
      return;
    }
    const node = peek<Node>(store, 'nodes', undefined, nodeName);
    // An unreachable kubelet changes nothing: its pods keep their last status and never finish terminating.
    if (!node || !isNodeReady(node)) return;
    if (!run) {
      run = newRun(pod);
      runs.set(key, run);
    }
    const now = clock.now().getTime();
    const behaviour = behaviourOf(pod);
    let wake: number | undefined;
    const soonest = (at: number | undefined): void => {
      if (at !== undefined && (wake === undefined || at < wake)) wake = at;
    };

    if (pod.metadata?.deletionTimestamp) {
      if (run.stopAt === undefined) {
        const grace =
          (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
        const wanted =
          behaviour.stopAfterMs === 'grace' ? grace : (behaviour.stopAfterMs ?? timing.stopAfterMs);
        run.stopAt = now + Math.min(grace, wanted);
        run.stopExit =
          wanted >= grace && wanted > 0
            ? { exitCode: 137, reason: 'Error' }
            : { exitCode: 0, reason: 'Completed' };
        for (const container of run.main) {
          if (container.phase === 'running')
            podEvent(pod, 'Normal', 'Killing', `Stopping container ${container.spec.name}`, container);
        }
      }
      if (now >= run.stopAt || run.sandboxAt === undefined) {
        if (run.sandboxAt !== undefined) {
          // The last status a watcher sees: containers terminated, the pod no longer Ready.
          for (const container of [...run.init, ...run.main]) {
            if (container.phase === 'completed' || !container.everStarted) continue;
            container.phase = 'stopped';
            container.finishedAt = now;
          }
          writeStatus(pod, run, now, behaviour);
        }
        forget(key, run);
        // The kubelet finalises only its part: the grace-0 delete removes a pod without
        // finalizers; one held by finalizers stays Terminating (deletionGracePeriodSeconds 0), and
        // the store removes it when its last finalizer goes, as the API server does.
        try {
          store.delete('pods', namespace, name, {
            gracePeriodSeconds: 0,
            preconditions: { uid: pod.metadata.uid },
          });
        } catch {
          // Already gone.
        }
        return;
      }
      wakeAt(namespace, name, run, run.stopAt);
      return;
    }

    if (behaviour.failReason && run.sandboxAt !== undefined) {
      if (pod.status?.phase !== 'Failed') failPod(pod, run, now, behaviour);
      return;
    }

    if (run.sandboxAt === undefined) {
      if (!volumesReady(pod)) {
        writeStatus(pod, run, now, behaviour);
        return;
      }
      const unmountable = mountProblem(pod);
      if (unmountable) {
        if (run.lastMountFailure === undefined || now - run.lastMountFailure >= 120_000) {
          run.lastMountFailure = now;
          podEvent(pod, 'Warning', 'FailedMount', unmountable);
        }
        writeStatus(pod, run, now, behaviour);
        wakeAt(namespace, name, run, run.lastMountFailure + 120_000);
        return;
      }
      run.sandboxAt = now;
      run.podIP = allocateIP(node);
      for (const claim of claimsOf(pod)) hooks.onMount?.(namespace, claim, nodeName);
    }

    let initDone = true;
    for (const container of run.init) {
      if (container.phase === 'completed') continue;
      soonest(advance(pod, run, container, now, behaviour));
      if ((container.phase as ContainerPhase) !== 'completed') {
        initDone = false;
        break;
      }
    }
    if (initDone) for (const container of run.main) soonest(advance(pod, run, container, now, behaviour));
    writeStatus(pod, run, now, behaviour);
    wakeAt(namespace, name, run, wake);
  }

  /** Node-pressure eviction and similar: the kubelet stops the containers and fails the pod for good. */
  function failPod(pod: Pod, run: PodRun, now: number, behaviour: PodBehaviour): void {
    const reason = behaviour.failReason ?? 'Evicted';
    const message =
      reason === 'Evicted'
        ? 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. '
        : `The pod was failed by the simulator (${reason}).`;
    run.stopExit = { exitCode: 137, reason: 'Error' };
    for (const container of [...run.init, ...run.main]) {
      if (container.phase === 'completed' || !container.everStarted) continue;
      container.phase = 'stopped';
      container.finishedAt = now;
    }
    run.timer?.cancel();
    run.failed = { reason, message };
    writeStatus(pod, run, now, behaviour);
    podEvent(pod, 'Warning', reason, message);
  }

  function writeStatus(pod: Pod, run: PodRun, now: number, behaviour: PodBehaviour): void {
    const node = peek<Node>(store, 'nodes', undefined, run.node);
    const initDone = run.init.every((c) => c.phase === 'completed');
    const podRef = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
    const initStatuses = run.init.map((c) => containerStatus(c, now, behaviour, false, podRef, run.stopExit));
    const mainStatuses = run.main
      .map((c) => containerStatus(c, now, behaviour, !initDone, podRef, run.stopExit))
      .sort((a, b) => a.name.localeCompare(b.name));
    const unready = run.main.filter((c) => !isContainerReady(c, now, behaviour)).map((c) => c.spec.name);
    const incomplete = run.init.filter((c) => c.phase !== 'completed').map((c) => c.spec.name);
    const running = initDone && run.main.some((c) => c.everStarted);

    const draft = clone(pod);
    const status = (draft.status ??= {});
    const hostIP = nodeAddress(node);
    status.phase = run.failed ? 'Failed' : running ? 'Running' : 'Pending';
    if (run.failed) {
      status.reason = run.failed.reason;
      status.message = run.failed.message;
    }
    if (hostIP) {
      status.hostIP = hostIP;
      (status as Record<string, unknown>).hostIPs = [{ ip: hostIP }];
    }
    if (run.podIP) {
      status.podIP = run.podIP;
      status.podIPs = [{ ip: run.podIP }];
    }
    status.startTime ??= rfc3339(new Date(now));
    setCondition(draft, 'PodReadyToStartContainers', run.sandboxAt !== undefined ? 'True' : 'False');
    if (incomplete.length === 0) setCondition(draft, 'Initialized', 'True');
    else
      setCondition(
        draft,
        'Initialized',
        'False',
        'ContainersNotInitialized',
        `containers with incomplete status: [${incomplete.join(' ')}]`,
      );
    if (unready.length === 0) {
      setCondition(draft, 'Ready', 'True');
      setCondition(draft, 'ContainersReady', 'True');
    } else {
      const message = `containers with unready status: [${unready.join(' ')}]`;
      setCondition(draft, 'Ready', 'False', 'ContainersNotReady', message);
      setCondition(draft, 'ContainersReady', 'False', 'ContainersNotReady', message);
    }
    const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    status.conditions?.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
    status.containerStatuses = mainStatuses;
    if (JSON.stringify(draft.status) === JSON.stringify(pod.status)) return;
    try {
      store.updateStatus('pods', draft);
    } catch {
      // The pod changed under us (a delete, a spec update); the next sync catches up.
      enqueuePod(pod.metadata?.namespace, pod.metadata?.name ?? '');
    }
  }

  return { setNodeReady };
}
