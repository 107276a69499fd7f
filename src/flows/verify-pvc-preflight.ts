// Pre-flight: everything verify-pvc must know, and every reason to refuse, before it touches
// anything. Nothing here writes to the cluster; the shell probe only runs `sh -c 'exit 0'`.
import { posix } from 'node:path';
import { ExitCode, StsError, usageError } from '../cli/errors.ts';
import { selectorToString } from '../kube/gateway.ts';
import type { AccessCheck, ClusterGateway } from '../kube/gateway.ts';
import type {
  Container,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  StatefulSet,
  VolumeMount,
} from '../kube/types.ts';
import { apiFailureOf, errorMessage, refusal, throwIfAborted } from './verify-pvc-errors.ts';
import type { PlannedClaim, PodPlan, VerifyPlan, VerifyPvcOptions } from './verify-pvc-types.ts';
import { assessPod } from './verify-pvc-safety.ts';
import type { Readable } from './verify-pvc-safety.ts';
import { claimNameFor, expectedOrdinals } from '../report/ordinals.ts';
import { describeNodeSelectorTerms, volumeNodeTerms } from '../report/placement.ts';
import { expandSubPathExpr } from '../report/subpath.ts';
import { isPodReady } from '../report/readiness.ts';

// Names and ordinals as the StatefulSet controller makes them: one definition for the whole
// plugin (src/report/ordinals.ts), so verify-pvc and status never disagree about a claim.
export { claimNameFor } from '../report/ordinals.ts';

/** The set's ordinals, highest first (the order --all verifies them in). */
export function ordinalsOf(statefulSet: StatefulSet): number[] {
  return expectedOrdinals(statefulSet).reverse();
}

/** Turns a gateway failure into the error the user sees, keeping StsErrors the gateway made. */
export function asStsError(error: unknown, what: string): StsError {
  if (error instanceof StsError) return error;
  const failure = apiFailureOf(error);
  if (failure.code === 404)
    return new StsError(`${what} not found`, {
      exitCode: ExitCode.NOT_FOUND,
      hint: 'check the name and the namespace (-n)',
      cause: error,
    });
  if (failure.code === 401 || failure.code === 403)
    return new StsError(`cannot read ${what}: ${failure.message}`, {
      exitCode: ExitCode.AUTH,
      hint: 'check your credentials and RBAC permissions',
      cause: error,
    });
  return new StsError(`cannot read ${what}: ${failure.message}`, {
    exitCode: ExitCode.SERVER,
    hint: 'retry; if it persists, re-run with --debug',
    cause: error,
  });
}

/** Why a StatefulSet is not at rest, or undefined when it is (a rollout would change the pod under test). */
export function rolloutInProgress(statefulSet: StatefulSet): string | undefined {
  const status = statefulSet.status ?? {};
  const generation = statefulSet.metadata?.generation;
  const replicas = statefulSet.spec?.replicas ?? 1;
  if (generation !== undefined && (status.observedGeneration ?? 0) < generation)
    return `the controller has not observed generation ${generation} yet (observedGeneration ${status.observedGeneration ?? 'unset'})`;
  if (status.currentRevision && status.updateRevision && status.currentRevision !== status.updateRevision)
    return `currentRevision ${status.currentRevision} differs from updateRevision ${status.updateRevision}`;
  if ((status.updatedReplicas ?? 0) < replicas)
    return `only ${status.updatedReplicas ?? 0} of ${replicas} replicas are updated`;
  return undefined;
}

function notReadyReason(pod: Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason);
  const parts = [`phase ${pod.status?.phase ?? 'unknown'}`];
  if (ready?.reason) parts.push(`Ready=${ready.status} (${ready.reason})`);
  if (waiting) parts.push(`container ${waiting.name} waiting: ${waiting.state?.waiting?.reason}`);
  return parts.join(', ');
}

/**
 * What the run cannot do without. Reading budgets, nodes and volumes is checked by reading them:
 * where that is forbidden pre-flight says what it could not prove instead.
 */
export function accessChecksFor(namespace: string, forceDelete: boolean): AccessCheck[] {
  return [
    { verb: 'get', resource: 'pods', namespace },
    { verb: 'list', resource: 'pods', namespace },
    { verb: 'watch', resource: 'pods', namespace },
    { verb: 'create', resource: 'pods', subresource: 'exec', namespace },
    forceDelete
      ? { verb: 'delete', resource: 'pods', namespace }
      : { verb: 'create', resource: 'pods', subresource: 'eviction', namespace },
    { verb: 'get', resource: 'persistentvolumeclaims', namespace },
    // The record of each marker is an annotation on its claim, written before the marker.
    { verb: 'patch', resource: 'persistentvolumeclaims', namespace },
  ];
}

function describeCheck(check: AccessCheck): string {
  const resource = check.subresource ? `${check.resource}/${check.subresource}` : check.resource;
  return `${check.verb} ${resource}`;
}

async function checkPermissions(
  gateway: ClusterGateway,
  namespace: string,
  forceDelete: boolean,
  warn: (message: string) => void,
): Promise<void> {
  const checks = accessChecksFor(namespace, forceDelete);
  let answers;
  try {
    answers = await gateway.checkAccess(checks);
  } catch (error) {
    // Some clusters forbid SelfSubjectAccessReview; the real calls will still be authorised one by one.
    warn(`could not check permissions in advance (${errorMessage(error)}); continuing`);
    return;
  }
  const missing = answers.filter((answer) => !answer.allowed);
  if (missing.length === 0) return;
  const list = missing.map((answer) => describeCheck(answer)).join(', ');
  throw refusal(
    `missing permissions in namespace ${namespace}: ${list}`,
    forceDelete
      ? 'ask for a Role granting these verbs (kubectl auth can-i --list -n ' + namespace + ')'
      : `ask for a Role granting these verbs, or see which you have with kubectl auth can-i --list -n ${namespace}`,
  );
}

/** The writable mount of `volume` in one of `containers`, preferring the earlier container. */
function findMount(
  containers: Container[],
  volume: string,
): { container: Container; mount: VolumeMount } | { readOnlyIn: string[] } | undefined {
  const readOnlyIn: string[] = [];
  for (const container of containers) {
    for (const mount of container.volumeMounts ?? []) {
      if (mount.name !== volume) continue;
      if (mount.readOnly) readOnlyIn.push(container.name);
      else return { container, mount };
    }
  }
  return readOnlyIn.length > 0 ? { readOnlyIn } : undefined;
}

function isInside(path: string, directory: string): boolean {
  const dir = directory === '/' ? '/' : directory.replace(/\/+$/, '');
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

interface ClaimObjects {
  claim: PersistentVolumeClaim;
  volume: PersistentVolume | undefined;
}

/** A claim and the volume it is bound to; a volume that cannot be read (RBAC) is a warning. */
async function readClaimAndVolume(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  claimName: string,
  warn: (message: string) => void,
): Promise<{ claim: PersistentVolumeClaim | undefined; volume: PersistentVolume | undefined }> {
  let claim: PersistentVolumeClaim | undefined;
  try {
    claim = await gateway.getPersistentVolumeClaim(options.namespace, claimName);
  } catch (error) {
    throw asStsError(error, `PersistentVolumeClaim ${claimName}`);
  }
  const volumeName = claim?.spec?.volumeName;
  if (!claim || !volumeName) return { claim, volume: undefined };
  const read = await readable(gateway.getPersistentVolume(volumeName), `PersistentVolume ${volumeName}`);
  if (read === undefined)
    throw refusal(
      `claim ${claimName} is bound to PersistentVolume ${volumeName}, which does not exist`,
      `nothing was touched; inspect the claim: kubectl describe pvc ${claimName} -n ${options.namespace}`,
    );
  if ('unreadable' in read) {
    warn(
      `PersistentVolume ${volumeName} could not be read (${read.unreadable}): its reclaim policy and phase are not checked`,
    );
    return { claim, volume: undefined };
  }
  return { claim, volume: read };
}

async function planClaims(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  statefulSet: StatefulSet,
  pod: Pod,
  ordinal: number,
  warn: (message: string) => void,
): Promise<{ claims: PlannedClaim[]; objects: ClaimObjects[] }> {
  const setName = statefulSet.metadata?.name ?? options.statefulSet;
  const podName = pod.metadata?.name ?? '';
  const allContainers = pod.spec?.containers ?? [];
  let containers = allContainers;
  if (options.container) {
    const chosen = allContainers.find((c) => c.name === options.container);
    if (!chosen)
      throw usageError(
        `pod ${podName} has no container "${options.container}"`,
        `choose one of: ${allContainers.map((c) => c.name).join(', ')}`,
      );
    containers = [chosen];
  }
  const where = options.container ? `container ${options.container}` : 'any container';

  const claims: PlannedClaim[] = [];
  const objects: ClaimObjects[] = [];
  for (const template of statefulSet.spec?.volumeClaimTemplates ?? []) {
    const templateName = template.metadata?.name ?? '';
    const claimName = claimNameFor(templateName, setName, ordinal);
    if (template.spec?.volumeMode === 'Block')
      throw refusal(
        `claim template "${templateName}" is a raw block volume (volumeMode Block)`,
        'verify-pvc writes a marker file, so it can only check filesystem volumes',
      );
    const podVolume = pod.spec?.volumes?.find((v) => v.name === templateName);
    if (!podVolume)
      throw refusal(
        `pod ${podName} has no volume "${templateName}" for claim ${claimName}`,
        'the pod was not created from this StatefulSet revision; wait for the controller to re-create it',
      );
    const problems: string[] = [];
    let podVolumeSource = 'persistentVolumeClaim';
    if (podVolume.persistentVolumeClaim) {
      if (podVolume.persistentVolumeClaim.claimName !== claimName)
        problems.push(
          `pod volume "${templateName}" uses claim ${podVolume.persistentVolumeClaim.claimName}, not ${claimName}`,
        );
    } else {
      podVolumeSource =
        Object.keys(podVolume).find((key) => key !== 'name' && podVolume[key] !== undefined) ?? 'unknown';
      problems.push(`pod volume "${templateName}" is a ${podVolumeSource}, not the claim ${claimName}`);
    }

    const { claim: pvc, volume } = await readClaimAndVolume(gateway, options, claimName, warn);
    if (!pvc && podVolumeSource === 'persistentVolumeClaim')
      throw refusal(
        `claim ${claimName} of pod ${podName} does not exist`,
        'the pod cannot be running with it; check `kubectl get pvc -n ' + options.namespace + '`',
      );
    if (pvc && pvc.status?.phase !== 'Bound' && podVolumeSource === 'persistentVolumeClaim')
      throw refusal(
        `claim ${claimName} is ${pvc.status?.phase ?? 'not Bound'}, not Bound`,
        `wait until it is Bound (kubectl describe pvc ${claimName} -n ${options.namespace})`,
      );
    if (pvc) objects.push({ claim: pvc, volume });

    const found = findMount(containers, templateName);
    if (!found || 'readOnlyIn' in found) {
      const readOnly = found && 'readOnlyIn' in found ? found.readOnlyIn : [];
      throw refusal(
        readOnly.length > 0
          ? `volume "${templateName}" (claim ${claimName}) is mounted read-only in ${readOnly.join(', ')}`
          : `volume "${templateName}" (claim ${claimName}) is not mounted in ${where} of pod ${podName}`,
        options.container
          ? 'choose a container that mounts it read-write with --container'
          : 'nothing can write a marker into it; mount it read-write in a container',
      );
    }
    const { container, mount } = found;
    claims.push({
      template: templateName,
      claim: claimName,
      uid: pvc?.metadata?.uid ?? null,
      volume: pvc?.spec?.volumeName ?? null,
      phase: pvc?.status?.phase ?? null,
      podVolumeSource,
      container: container.name,
      image: container.image ?? null,
      mountPath: mount.mountPath,
      subPath:
        mount.subPath ??
        (mount.subPathExpr ? expandSubPathExpr(mount.subPathExpr, pod, container).path : null),
      markerDir: mount.mountPath,
      problems,
      reclaimPolicy: volume?.spec?.persistentVolumeReclaimPolicy ?? null,
      volumePhase: volume?.status?.phase ?? null,
      pinnedTo:
        volume && volumeNodeTerms(volume).length > 0
          ? describeNodeSelectorTerms(volumeNodeTerms(volume))
          : null,
    });
  }

  const chosen = new Map<PlannedClaim, string>();
  for (const path of options.paths ?? []) {
    if (!path.startsWith('/'))
      throw usageError(`--path "${path}" is not absolute`, 'give a directory path inside the container');
    const wanted = posix.normalize(path);
    const target = claims
      .filter((claim) => isInside(wanted, claim.mountPath))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (!target)
      throw usageError(
        `--path ${wanted} is not inside a claim volume mount`,
        `choose a directory under ${claims.map((c) => `${c.mountPath} (${c.claim})`).join(', ')}`,
      );
    const earlier = chosen.get(target);
    if (earlier !== undefined)
      throw usageError(
        `--path ${earlier} and --path ${wanted} are both in the mount of claim ${target.claim} (${target.mountPath})`,
        'give at most one --path per claim',
      );
    chosen.set(target, wanted);
    target.markerDir = wanted;
  }
  for (const claim of claims) {
    const shadow = shadowingMount(pod, claim);
    if (shadow) claim.problems.push(shadow);
  }
  return { claims, objects };
}

/**
 * Another volume mounted inside the claim's mount, over the marker directory, takes the writes:
 * a classic way to believe data is persistent when it lands on an emptyDir.
 */
function shadowingMount(pod: Pod, claim: PlannedClaim): string | undefined {
  const container = pod.spec?.containers.find((c) => c.name === claim.container);
  const deepest = (container?.volumeMounts ?? [])
    .filter((mount) => isInside(claim.markerDir, mount.mountPath))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!deepest || deepest.name === claim.template) return undefined;
  const volume = pod.spec?.volumes?.find((v) => v.name === deepest.name);
  const kind = volume ? (Object.keys(volume).find((key) => key !== 'name') ?? 'volume') : 'volume';
  return `${claim.markerDir} is on volume "${deepest.name}" (${kind}) mounted at ${deepest.mountPath} over the claim's mount ${claim.mountPath}`;
}

function looksLikeMissingShell(text: string): boolean {
  return /executable file not found|no such file or directory|not found in \$PATH|sh: not found|exec format error/i.test(
    text,
  );
}

/** Refuses when a container cannot run `sh`, which every marker operation needs. */
async function probeShell(
  gateway: ClusterGateway,
  namespace: string,
  pod: Pod,
  container: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const podName = pod.metadata?.name ?? '';
  const image = pod.spec?.containers.find((c) => c.name === container)?.image ?? 'unknown image';
  const others = (pod.spec?.containers ?? []).map((c) => c.name).filter((name) => name !== container);
  const hint =
    others.length > 0
      ? `choose a container with a shell that mounts the claim with --container (other containers: ${others.join(', ')})`
      : 'add a container with a shell that mounts the claim (a debug sidecar), then use --container';
  let result;
  try {
    result = await gateway.exec({
      namespace,
      pod: podName,
      container,
      command: ['sh', '-c', 'exit 0'],
      signal,
    });
  } catch (error) {
    throwIfAborted(signal);
    const failure = apiFailureOf(error);
    if (failure.code === 403)
      throw refusal(
        `not allowed to exec into pod ${podName}: ${failure.message}`,
        'ask for create on pods/exec',
      );
    if (looksLikeMissingShell(failure.message))
      throw refusal(`container ${container} (image ${image}) has no shell (sh)`, hint);
    throw refusal(`cannot exec into container ${container} of pod ${podName}: ${failure.message}`, hint);
  }
  if (result.exitCode !== 0) {
    if (result.exitCode === 126 || result.exitCode === 127 || looksLikeMissingShell(result.stderr))
      throw refusal(`container ${container} (image ${image}) has no shell (sh)`, hint);
    throw refusal(
      `a shell in container ${container} of pod ${podName} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
      hint,
    );
  }
}

/**
 * A read whose refusal (401/403, or an API the server does not serve) is something pre-flight
 * can report instead of stopping on: the value, or why it could not be read.
 */
async function readable<T>(read: Promise<T>, what: string): Promise<Readable<T>> {
  try {
    return await read;
  } catch (error) {
    const failure = apiFailureOf(error);
    if (failure.code === 401 || failure.code === 403 || failure.code === 404)
      return { unreadable: failure.code === 404 ? `the server does not serve ${what}` : failure.message };
    throw asStsError(error, what);
  }
}

/** What pre-flight reads once for every pod it plans: the set's pods, the budgets, the nodes. */
export interface ClusterView {
  statefulSet: StatefulSet;
  setPods: Pod[];
  budgets: Readable<PodDisruptionBudget[]>;
  nodes: Readable<Node[]>;
}

export async function readClusterView(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  statefulSet: StatefulSet,
): Promise<ClusterView> {
  const selector = selectorToString(statefulSet.spec?.selector);
  const [pods, budgets, nodes] = await Promise.all([
    gateway
      .listPods(options.namespace, selector ? { labelSelector: selector } : {})
      .then((listed) => listed.items)
      .catch((error: unknown) => {
        throw asStsError(error, `the pods of StatefulSet ${options.statefulSet}`);
      }),
    readable(
      gateway.listPodDisruptionBudgets(options.namespace).then((listed) => listed.items),
      'PodDisruptionBudgets',
    ),
    readable(
      gateway.listNodes().then((listed) => listed.items),
      'nodes',
    ),
  ]);
  return { statefulSet, setPods: pods, budgets, nodes };
}

export async function planPod(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  view: ClusterView,
  ordinal: number,
  warn: (message: string) => void,
  signal?: AbortSignal,
  now: () => Date = () => new Date(),
): Promise<PodPlan> {
  const { statefulSet } = view;
  const setName = statefulSet.metadata?.name ?? options.statefulSet;
  const podName = `${setName}-${ordinal}`;
  let pod: Pod | undefined;
  try {
    pod = await gateway.getPod(options.namespace, podName);
  } catch (error) {
    throw asStsError(error, `pod ${podName}`);
  }
  if (!pod)
    throw refusal(
      `pod ${podName} does not exist`,
      `wait for the StatefulSet controller to create it (kubectl get pods -n ${options.namespace})`,
    );
  if (pod.metadata?.deletionTimestamp)
    throw refusal(
      `pod ${podName} is being deleted`,
      'wait until it has been re-created and is Ready, then retry',
    );
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
  if (!owner || owner.kind !== 'StatefulSet' || owner.uid !== statefulSet.metadata?.uid)
    throw refusal(
      `pod ${podName} is not controlled by StatefulSet ${setName}`,
      'nothing would re-create it after deletion; verify-pvc only works on StatefulSet pods',
    );
  if (!isPodReady(pod))
    throw refusal(
      `pod ${podName} is not Ready (${notReadyReason(pod)})`,
      `fix the pod first (kubectl describe pod ${podName} -n ${options.namespace}); verify-pvc only disrupts healthy pods`,
    );

  const { claims, objects } = await planClaims(gateway, options, statefulSet, pod, ordinal, warn);
  // The pod as just read stands for its ordinal, whatever the earlier list said.
  const setPods = [...view.setPods.filter((p) => p.metadata?.name !== podName), pod];
  const verdict = assessPod({
    statefulSet,
    namespace: options.namespace,
    pod,
    ordinal,
    setPods,
    claims: objects,
    budgets: view.budgets,
    nodes: view.nodes,
    removal: options.forceDelete ? 'delete' : 'eviction',
    allowDegraded: options.allowDegraded ?? false,
    now: now(),
  });
  if (verdict.refusal) throw refusal(verdict.refusal.message, verdict.refusal.hint);
  for (const container of new Set(claims.map((c) => c.container))) {
    throwIfAborted(signal);
    await probeShell(gateway, options.namespace, pod, container, signal);
  }
  return {
    namespace: options.namespace,
    statefulSet: setName,
    pod: podName,
    ordinal,
    podUid: pod.metadata?.uid ?? '',
    node: pod.spec?.nodeName ?? null,
    removal: options.forceDelete ? 'delete' : 'eviction',
    claims,
    safety: verdict.safety,
  };
}

/**
 * The proof once more, right before the pod is removed, on fresh reads: a claim deleted, a
 * replica gone, a budget or a node changed while the markers were written must still stop the
 * run. Throws the refusal (nothing is removed then); no exec, no permission checks.
 */
export async function confirmStillSafe(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  plan: PodPlan,
  now: Date,
): Promise<void> {
  const statefulSet = await readStatefulSet(gateway, options);
  const rollout = rolloutInProgress(statefulSet);
  const late = (message: string, hint: string): StsError =>
    refusal(
      `${message} (found just before the eviction)`,
      hint.replace(/^nothing was touched; /, 'nothing was deleted; '),
    );
  if (rollout)
    throw late(
      `StatefulSet ${plan.statefulSet} is mid-rollout: ${rollout}`,
      `nothing was touched; wait for kubectl rollout status statefulset/${plan.statefulSet} -n ${options.namespace} to finish, then retry`,
    );
  const [view, pod] = await Promise.all([
    readClusterView(gateway, options, statefulSet),
    gateway.getPod(options.namespace, plan.pod).catch((error: unknown) => {
      throw asStsError(error, `pod ${plan.pod}`);
    }),
  ]);
  if (!pod || pod.metadata?.uid !== plan.podUid || pod.metadata?.deletionTimestamp)
    throw late(
      `pod ${plan.pod} was replaced or is being deleted by someone else (uid ${plan.podUid} checked)`,
      'nothing was touched; retry once the pod is stable',
    );
  const objects: ClaimObjects[] = [];
  for (const planned of plan.claims) {
    if (planned.podVolumeSource !== 'persistentVolumeClaim') continue;
    const { claim, volume } = await readClaimAndVolume(gateway, options, planned.claim, () => undefined);
    if (!claim || claim.metadata?.uid !== planned.uid)
      throw late(
        `claim ${planned.claim} ${claim ? 'was replaced' : 'is gone'} since pre-flight`,
        `nothing was touched; inspect it: kubectl describe pvc ${planned.claim} -n ${options.namespace}`,
      );
    objects.push({ claim, volume });
  }
  const verdict = assessPod({
    statefulSet,
    namespace: options.namespace,
    pod,
    ordinal: plan.ordinal,
    setPods: [...view.setPods.filter((p) => p.metadata?.name !== plan.pod), pod],
    claims: objects,
    budgets: view.budgets,
    nodes: view.nodes,
    removal: plan.removal,
    allowDegraded: options.allowDegraded ?? false,
    now,
  });
  if (verdict.refusal) throw late(verdict.refusal.message, verdict.refusal.hint);
}

export async function readStatefulSet(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
): Promise<StatefulSet> {
  try {
    return await gateway.getStatefulSet(options.namespace, options.statefulSet);
  } catch (error) {
    throw asStsError(error, `StatefulSet ${options.statefulSet} in namespace ${options.namespace}`);
  }
}

/** Refusals that concern the whole set; returns its ordinals to verify, in order. */
export function checkStatefulSet(statefulSet: StatefulSet, options: VerifyPvcOptions): number[] {
  const name = statefulSet.metadata?.name ?? options.statefulSet;
  if ((statefulSet.spec?.volumeClaimTemplates ?? []).length === 0)
    throw refusal(
      `StatefulSet ${name} has no volumeClaimTemplates`,
      'its pods have no per-ordinal claims, so there is no persistence to verify',
    );
  const rollout = rolloutInProgress(statefulSet);
  if (rollout)
    throw refusal(
      `StatefulSet ${name} is mid-rollout: ${rollout}`,
      `wait for kubectl rollout status statefulset/${name} -n ${options.namespace} to finish, then retry`,
    );
  const ordinals = ordinalsOf(statefulSet);
  if (ordinals.length === 0)
    throw refusal(`StatefulSet ${name} has 0 replicas`, 'scale it up first; there is no pod to verify');
  if (options.all) return ordinals;
  if (options.ordinal === undefined) return [ordinals[0]!];
  if (!ordinals.includes(options.ordinal))
    throw usageError(
      `--ordinal ${options.ordinal} is not an ordinal of StatefulSet ${name}`,
      `choose one of ${[...ordinals].reverse().join(', ')}`,
    );
  return [options.ordinal];
}

/** Every check of step 1; throws the first refusal, returns the plan to show. */
export async function preflight(
  gateway: ClusterGateway,
  options: VerifyPvcOptions,
  warn: (message: string) => void,
  signal?: AbortSignal,
  now: () => Date = () => new Date(),
): Promise<VerifyPlan> {
  const statefulSet = await readStatefulSet(gateway, options);
  const ordinals = checkStatefulSet(statefulSet, options);
  throwIfAborted(signal);
  const [view] = await Promise.all([
    readClusterView(gateway, options, statefulSet),
    checkPermissions(gateway, options.namespace, options.forceDelete ?? false, warn),
  ]);
  const pods: PodPlan[] = [];
  for (const ordinal of ordinals) {
    throwIfAborted(signal);
    pods.push(await planPod(gateway, options, view, ordinal, warn, signal, now));
  }
  return {
    context: options.context ?? null,
    server: gateway.server,
    namespace: options.namespace,
    statefulSet: statefulSet.metadata?.name ?? options.statefulSet,
    replicas: statefulSet.spec?.replicas ?? 1,
    pods,
    removal: options.forceDelete ? 'delete' : 'eviction',
    allowDegraded: options.allowDegraded ?? false,
    settleMs: options.all ? settleFor(statefulSet, options) : null,
    keepMarker: options.keepMarker ?? false,
    dryRun: options.dryRun ?? false,
    timeoutMs: options.timeoutMs,
  };
}

/** --all: the settle period asked for, else max(minReadySeconds, 10 s). */
export function settleFor(statefulSet: StatefulSet, options: VerifyPvcOptions): number {
  return options.settleMs ?? Math.max((statefulSet.spec?.minReadySeconds ?? 0) * 1000, DEFAULT_SETTLE_MS);
}

export const DEFAULT_SETTLE_MS = 10_000;
