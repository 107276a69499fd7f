// `status --watch`: keeps a snapshot current from watch events on the StatefulSet, its pods and
// its claims (no polling) and hands a fresh snapshot to the caller after each burst of changes.
// A 410 Gone (history too old) or a broken stream leads to a re-list and new watches.
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ClusterGateway, Watch } from '../kube/gateway.ts';
import type { KubeObject, PersistentVolumeClaim, Pod, StatefulSet, WatchEvent } from '../kube/types.ts';
import type { StatefulSetSnapshot } from '../report/snapshot.ts';
import { collectStatusSnapshot } from './snapshot.ts';
import { statusOfError } from '../kube/gateway.ts';

export interface WatchStatusOptions {
  namespace: string;
  name: string;
  now: () => Date;
  signal: AbortSignal;
  /** Called with the current snapshot after the initial list and after each burst of changes. */
  onSnapshot: (snapshot: StatefulSetSnapshot) => void;
  /** Called when the watch had to re-list (410 Gone, stream failure), with the reason. */
  onResync?: (reason: string) => void;
  /** Server-side watch timeout; the watch is re-opened when it expires. */
  timeoutSeconds?: number;
  /** Consecutive failed re-lists before giving up. */
  maxFailures?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Applies one watch event to a by-name map; returns false for events that change nothing. */
function apply<T extends KubeObject>(objects: Map<string, T>, event: WatchEvent<T>): boolean {
  const name = event.object?.metadata?.name;
  if (!name || event.type === 'BOOKMARK' || event.type === 'ERROR') return false;
  if (event.type === 'DELETED') return objects.delete(name);
  objects.set(name, event.object);
  return true;
}

/**
 * Runs until `signal` aborts (resolves) or the StatefulSet is deleted / the API keeps failing
 * (rejects with a StsError).
 */
export async function watchStatus(gateway: ClusterGateway, options: WatchStatusOptions): Promise<void> {
  const { namespace, name, signal } = options;
  const maxFailures = options.maxFailures ?? 5;
  let failures = 0;

  while (!signal.aborted) {
    let collected;
    try {
      collected = await collectStatusSnapshot(gateway, namespace, name, { now: options.now });
    } catch (error) {
      if (signal.aborted) return;
      if (
        error instanceof StsError &&
        error.exitCode !== ExitCode.SERVER &&
        error.exitCode !== ExitCode.UNREACHABLE
      )
        throw error;
      if (++failures >= maxFailures) throw error;
      options.onResync?.(
        `re-listing after an error: ${error instanceof Error ? error.message : String(error)}`,
      );
      await sleep(Math.min(1000 * 2 ** failures, 10_000), signal);
      continue;
    }

    // Interrupted while listing: opening watches now would outlive the abort.
    if (signal.aborted) return;
    const base = collected.snapshot;
    // Any event during the round shows the watches work: failures are counted from there anew.
    const resetFailures = () => {
      failures = 0;
    };
    let statefulSet: StatefulSet = base.statefulSet;
    const pods = new Map(base.pods.map((pod) => [pod.metadata?.name ?? '', pod]));
    const claims = new Map(base.claims.map((claim) => [claim.metadata?.name ?? '', claim]));
    const volumes = new Map(base.volumes);
    const pvReadable = !base.unreadable.some((entry) => entry.resource === 'persistentvolumes');
    const fetchingVolumes = new Set<string>();

    const current = (): StatefulSetSnapshot => ({
      ...base,
      statefulSet,
      pods: [...pods.values()],
      claims: [...claims.values()],
      volumes,
      now: options.now(),
    });
    options.onSnapshot(current());

    // Coalesce bursts (a list of 1,000 ADDED events) into one update.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      if (pending || signal.aborted) return;
      pending = setTimeout(() => {
        pending = undefined;
        if (!signal.aborted) options.onSnapshot(current());
      }, 20);
    };

    // A claim that becomes Bound names a PV the initial list did not have: read just that one.
    const readBoundVolume = (claim: PersistentVolumeClaim) => {
      const volumeName = claim.spec?.volumeName;
      if (!pvReadable || !volumeName || volumes.has(volumeName) || fetchingVolumes.has(volumeName)) return;
      fetchingVolumes.add(volumeName);
      gateway
        .getPersistentVolume(volumeName)
        .then((volume) => {
          if (volume) {
            volumes.set(volumeName, volume);
            changed();
          }
        })
        .catch(() => undefined)
        .finally(() => fetchingVolumes.delete(volumeName));
    };

    // The resourceVersion of the last event (bookmarks included) per resource.
    const versions = new Map<string, string>();
    const seen = (resource: string, event: WatchEvent<KubeObject>) => {
      if (event.type !== 'ERROR') resetFailures();
      const version = event.object?.metadata?.resourceVersion;
      if (version && event.type !== 'ERROR') versions.set(resource, version);
    };

    const round = new AbortController();
    const stopRound = () => round.abort();
    signal.addEventListener('abort', stopRound, { once: true });
    let deleted = false;

    const watches: { resource: string; start: (rv: string | undefined) => Watch; rv: string | undefined }[] =
      [
        {
          resource: 'statefulsets',
          rv: statefulSet.metadata?.resourceVersion,
          start: (rv) =>
            gateway.watchStatefulSets(
              namespace,
              {
                fieldSelector: `metadata.name=${name}`,
                resourceVersion: rv,
                signal: round.signal,
                timeoutSeconds: options.timeoutSeconds,
              },
              (event: WatchEvent<StatefulSet>) => {
                seen('statefulsets', event);
                if (event.type === 'DELETED') {
                  deleted = true;
                  round.abort();
                } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
                  statefulSet = event.object;
                  changed();
                }
              },
            ),
        },
        {
          resource: 'pods',
          rv: collected.resourceVersions.pods,
          start: (rv) =>
            gateway.watchPods(
              namespace,
              {
                labelSelector: collected.podSelector,
                resourceVersion: rv,
                signal: round.signal,
                timeoutSeconds: options.timeoutSeconds,
              },
              (event: WatchEvent<Pod>) => {
                seen('pods', event);
                if (apply(pods, event)) changed();
              },
            ),
        },
        {
          resource: 'persistentvolumeclaims',
          rv: collected.resourceVersions.claims,
          start: (rv) =>
            gateway.watchPersistentVolumeClaims(
              namespace,
              {
                labelSelector: collected.claimSelector,
                resourceVersion: rv,
                signal: round.signal,
                timeoutSeconds: options.timeoutSeconds,
              },
              (event: WatchEvent<PersistentVolumeClaim>) => {
                seen('persistentvolumeclaims', event);
                if (apply(claims, event)) {
                  if (event.type !== 'DELETED') readBoundVolume(event.object);
                  changed();
                }
              },
            ),
        },
      ];

    // Each watch is re-opened when the server ends it; any failure ends the round and re-lists.
    let resync: string | undefined;
    let fatal: unknown;
    let expired = false;
    await Promise.all(
      watches.map(async (entry) => {
        while (!round.signal.aborted) {
          const opened = Date.now();
          const watch = entry.start(entry.rv);
          try {
            await watch.done;
          } catch (error) {
            if (round.signal.aborted) return;
            const status = statusOfError(error);
            // Not allowed to watch: re-listing will not change that.
            if (status === 401 || status === 403) fatal ??= error;
            expired ||= status === 410;
            resync ??=
              status === 410
                ? `${entry.resource} watch expired (410 Gone)`
                : `${entry.resource} watch failed: ${error instanceof Error ? error.message : String(error)}`;
            round.abort();
            return;
          }
          // The server closed the stream (timeout): continue after the last event seen, but never
          // re-open in a tight loop against a server that closes streams at once.
          entry.rv = versions.get(entry.resource) ?? entry.rv;
          if (Date.now() - opened < 1000) await sleep(1000, round.signal);
        }
      }),
    );
    signal.removeEventListener('abort', stopRound);
    if (pending) clearTimeout(pending);
    if (signal.aborted) return;
    if (fatal) throw fatal;
    if (deleted) {
      throw new StsError(`statefulset "${name}" was deleted`, {
        exitCode: ExitCode.NOT_FOUND,
        hint: `list the remaining sets with \`kubectl sts status -n ${namespace}\``,
      });
    }
    if (resync) {
      options.onResync?.(resync);
      // 410 is routine (history expired); other failures back off and eventually give up.
      if (!expired) {
        if (++failures >= maxFailures)
          throw new StsError(`the watch keeps failing: ${resync}`, {
            exitCode: ExitCode.SERVER,
            hint: 're-run the command; use --debug to see the requests',
          });
        await sleep(Math.min(500 * 2 ** failures, 10_000), signal);
      }
    }
  }
}
