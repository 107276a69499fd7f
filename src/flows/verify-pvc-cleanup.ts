// `kubectl sts verify-pvc NAME --cleanup`: removes every marker an earlier run left in the set's
// volumes, found through the records (annotations) the runs keep on the claims, and then the
// records. It removes a file only if its name is a marker's, it sits where the record says inside
// the claim's volume, and its content starts as every marker does; anything else is reported,
// never touched. It evicts nothing.
import { posix } from 'node:path';
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExitCodeValue } from '../cli/errors.ts';
import type { ClusterGateway } from '../kube/gateway.ts';
import type { Container, PersistentVolumeClaim, Pod } from '../kube/types.ts';
import { markerRecordKey, markerRecordsOf } from '../report/marker-records.ts';
import type { MarkerRecord } from '../report/marker-records.ts';
import { ordinalFromClaimName, podNameFor } from '../report/ordinals.ts';
import { expandSubPathExpr } from '../report/subpath.ts';
import { apiFailureOf, errorMessage } from './verify-pvc-errors.ts';
import { MARKER_HEADER, pathInContainer, readMarker, removeMarker } from './verify-pvc-markers.ts';
import { asStsError, readStatefulSet } from './verify-pvc-preflight.ts';
import { containerIsRunning } from './verify-pvc-wait.ts';

export interface CleanupOptions {
  namespace: string;
  statefulSet: string;
  /** Only say what would be removed. */
  dryRun?: boolean;
}

export interface CleanupDeps {
  gateway: ClusterGateway;
  signal?: AbortSignal;
}

export interface LeftoverMarker {
  claim: string;
  /** The annotation holding the record. */
  record: string;
  /** The pod and container the file is reached through now (or was written through). */
  pod: string | null;
  container: string | null;
  /** Where the file is as that container sees it. */
  path: string | null;
  /** Where it is inside the volume. */
  pathInVolume: string | null;
  volume: string | null;
  writtenAt: string | null;
  /**
   * removed: file and record removed; absent: the file was gone, the record removed;
   * dropped: the record was not one verify-pvc writes, removed without touching any file;
   * would-remove: --dry-run; left: not removed, see `reason`.
   */
  status: 'removed' | 'absent' | 'dropped' | 'would-remove' | 'left';
  reason?: string;
}

export type CleanupResult = 'CLEAN' | 'CLEANED' | 'INCOMPLETE' | 'DRY-RUN';

export interface CleanupReport {
  result: CleanupResult;
  namespace: string;
  statefulSet: string;
  markers: LeftoverMarker[];
  reason: string | null;
  hint: string | null;
}

export function exitCodeForCleanup(result: CleanupResult): ExitCodeValue {
  return result === 'INCOMPLETE' ? ExitCode.ABORTED : ExitCode.OK;
}

/** The set's claims (any ordinal, in range or not), from one list of the namespace's claims. */
async function claimsOfSet(
  gateway: ClusterGateway,
  namespace: string,
  setName: string,
  templates: string[],
): Promise<{ claim: PersistentVolumeClaim; ordinal: number; template: string }[]> {
  let claims: PersistentVolumeClaim[];
  try {
    claims = (await gateway.listPersistentVolumeClaims(namespace)).items;
  } catch (error) {
    throw asStsError(error, `the PersistentVolumeClaims of namespace ${namespace}`);
  }
  const found: { claim: PersistentVolumeClaim; ordinal: number; template: string }[] = [];
  for (const claim of claims) {
    for (const template of templates) {
      const ordinal = ordinalFromClaimName(claim.metadata?.name ?? '', template, setName);
      if (ordinal !== undefined) found.push({ claim, ordinal, template });
    }
  }
  return found.sort((a, b) => a.ordinal - b.ordinal || a.template.localeCompare(b.template));
}

/** The container of `pod` through which the record's file can be reached, and the path it has there. */
function reach(
  pod: Pod,
  template: string,
  claimName: string,
  record: MarkerRecord,
): { container: Container; path: string } | { reason: string } {
  const podName = pod.metadata?.name ?? '';
  if (pod.metadata?.deletionTimestamp) return { reason: `pod ${podName} is terminating` };
  const volume = pod.spec?.volumes?.find((v) => v.name === template);
  if (volume?.persistentVolumeClaim?.claimName !== claimName)
    return { reason: `pod ${podName} does not mount claim ${claimName}` };
  const containers = [...(pod.spec?.containers ?? [])].sort(
    (a, b) => Number(b.name === record.container) - Number(a.name === record.container),
  );
  const reasons: string[] = [];
  for (const container of containers) {
    for (const mount of container.volumeMounts ?? []) {
      if (mount.name !== template || mount.readOnly) continue;
      const subPath =
        mount.subPath ??
        (mount.subPathExpr ? expandSubPathExpr(mount.subPathExpr, pod, container).path : null);
      const path = pathInContainer(mount.mountPath, subPath, record.pathInVolume);
      if (!path) {
        reasons.push(
          `container ${container.name} mounts only ${subPath ? `/${subPath}` : 'part'} of the volume`,
        );
        continue;
      }
      // Another mount deeper down would take the path (an emptyDir over a directory of the claim).
      const deepest = (container.volumeMounts ?? [])
        .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      if (deepest && deepest.name !== template) {
        reasons.push(
          `in container ${container.name} volume "${deepest.name}" is mounted over ${posix.dirname(path)}`,
        );
        continue;
      }
      if (!containerIsRunning(pod, container.name)) {
        reasons.push(`container ${container.name} of pod ${podName} is not running`);
        continue;
      }
      return { container, path };
    }
  }
  return { reason: reasons[0] ?? `no container of pod ${podName} mounts claim ${claimName} read-write` };
}

export async function runCleanup(options: CleanupOptions, deps: CleanupDeps): Promise<CleanupReport> {
  const { gateway } = deps;
  const statefulSet = await readStatefulSet(gateway, { ...options, timeoutMs: 0 });
  const setName = statefulSet.metadata?.name ?? options.statefulSet;
  const templates = (statefulSet.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '');
  const markers: LeftoverMarker[] = [];
  const forget = async (claim: string, key: string): Promise<string | undefined> => {
    try {
      await gateway.annotatePersistentVolumeClaim(options.namespace, claim, { [key]: null });
      return undefined;
    } catch (error) {
      if (apiFailureOf(error).code === 404) return undefined;
      return `the record could not be removed: ${errorMessage(error)}`;
    }
  };

  for (const { claim, ordinal, template } of await claimsOfSet(
    gateway,
    options.namespace,
    setName,
    templates,
  )) {
    const claimName = claim.metadata?.name ?? '';
    const volume = claim.spec?.volumeName ?? null;
    for (const found of markerRecordsOf(claim)) {
      if (deps.signal?.aborted) throw new StsError('interrupted', { exitCode: ExitCode.INTERRUPTED });
      const base = { claim: claimName, record: found.key, volume };
      if (!found.record) {
        const entry: LeftoverMarker = {
          ...base,
          pod: null,
          container: null,
          path: null,
          pathInVolume: null,
          writtenAt: null,
          status: options.dryRun ? 'would-remove' : 'dropped',
          reason: `${found.problem}; no file is touched`,
        };
        if (!options.dryRun) {
          const failed = await forget(claimName, found.key);
          if (failed) Object.assign(entry, { status: 'left', reason: failed });
        }
        markers.push(entry);
        continue;
      }
      const record = found.record;
      const entry: LeftoverMarker = {
        ...base,
        pod: record.pod,
        container: record.container,
        path: record.path,
        pathInVolume: record.pathInVolume,
        writtenAt: record.writtenAt,
        status: 'left',
      };
      markers.push(entry);
      const podName = podNameFor(setName, ordinal);
      let pod: Pod | undefined;
      try {
        pod = await gateway.getPod(options.namespace, podName);
      } catch (error) {
        throw asStsError(error, `pod ${podName}`);
      }
      if (!pod) {
        entry.reason = `no pod ${podName} exists to reach claim ${claimName} through; mount the volume${volume ? ` ${volume}` : ''} elsewhere and remove ${record.pathInVolume} inside it`;
        continue;
      }
      const reached = reach(pod, template, claimName, record);
      if ('reason' in reached) {
        entry.reason = reached.reason;
        continue;
      }
      entry.pod = podName;
      entry.container = reached.container.name;
      entry.path = reached.path;
      if (options.dryRun) {
        entry.status = 'would-remove';
        continue;
      }
      const target = { namespace: options.namespace, pod: podName, container: reached.container.name };
      try {
        const reading = await readMarker(gateway, target, reached.path, deps.signal);
        if (reading.found) {
          const lines = reading.content.split('\n');
          if (lines[0] !== MARKER_HEADER || lines[1] !== `id=${record.id}`) {
            entry.reason = `${reached.path} does not hold marker ${record.id}; it was not removed`;
            continue;
          }
          const removal = await removeMarker(gateway, target, reached.path, deps.signal);
          if (removal.status === 'failed') {
            entry.reason = removal.detail;
            continue;
          }
          entry.status = removal.status;
        } else entry.status = 'absent';
        const failed = await forget(claimName, markerRecordKey(record.id));
        if (failed) Object.assign(entry, { status: 'left', reason: failed });
      } catch (error) {
        entry.status = 'left';
        entry.reason = errorMessage(error);
      }
    }
  }

  const left = markers.filter((m) => m.status === 'left');
  const result: CleanupResult = options.dryRun
    ? 'DRY-RUN'
    : markers.length === 0
      ? 'CLEAN'
      : left.length > 0
        ? 'INCOMPLETE'
        : 'CLEANED';
  return {
    result,
    namespace: options.namespace,
    statefulSet: setName,
    markers,
    reason:
      result === 'INCOMPLETE'
        ? `${left.length} of ${markers.length} leftover marker(s) could not be removed`
        : null,
    hint: result === 'INCOMPLETE' ? 'see the reason for each; run --cleanup again once their pods run' : null,
  };
}
