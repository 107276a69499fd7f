// Marker files: how they are named, what they contain, and the exact argv used to write, read
// and remove them. Nothing from the cluster or the user is ever spliced into a shell script:
// the script text is constant and the path and content travel as positional arguments ("$1",
// "$2"), so spaces, quotes, `$` or backticks in them are just bytes. The content goes in argv
// rather than on stdin because exec's v4 stream protocol (API servers before 1.30) cannot close
// stdin, which would leave `cat > file` waiting forever.
import { posix } from 'node:path';
import type { ClusterGateway, ExecResult } from '../kube/gateway.ts';
import { MARKER_FILE_PREFIX, isMarkerId } from '../report/marker-records.ts';
import type { PlannedClaim } from './verify-pvc-types.ts';

export const MARKER_PREFIX = MARKER_FILE_PREFIX;
/** The first line of every marker: what a person finds in the file, and what --cleanup checks. */
export const MARKER_HEADER = 'kubectl-sts verify-pvc marker; safe to delete';
/** $0 of the scripts below, so error messages from sh name us. */
const SCRIPT_NAME = 'kubectl-sts-verify-pvc';
const EXEC_TIMEOUT_MS = 30_000;

export function markerFileName(id: string): string {
  if (!isMarkerId(id)) throw new Error(`marker id "${id}" is not filename-safe`);
  return `${MARKER_PREFIX}${id}`;
}

export function markerPathIn(directory: string, id: string): string {
  return posix.join(directory, markerFileName(id));
}

/** Where a marker lives inside the volume itself (what a person finds when mounting the PV elsewhere). */
export function pathInVolume(claim: Pick<PlannedClaim, 'mountPath' | 'subPath'>, markerPath: string): string {
  const inMount = posix.relative(claim.mountPath, markerPath);
  return `/${posix.join(claim.subPath ?? '', inMount)}`.replace(/\/+/g, '/');
}

/**
 * The inverse: where a file at `inVolume` appears in a container that mounts the volume at
 * `mountPath` (with `subPath`), or undefined when that mount does not show it.
 */
export function pathInContainer(
  mountPath: string,
  subPath: string | null,
  inVolume: string,
): string | undefined {
  const root = posix.normalize(`/${subPath ?? ''}`);
  const relative = posix.relative(root, posix.normalize(inVolume));
  if (relative === '' || relative.startsWith('..') || posix.isAbsolute(relative)) return undefined;
  return posix.join(mountPath, relative);
}

export interface MarkerIdentity {
  id: string;
  pod: string;
  podUid: string;
  claim: string;
  claimUid: string | null;
  writtenAt: Date;
}

export function markerContent(marker: MarkerIdentity): string {
  return (
    [
      MARKER_HEADER,
      `id=${marker.id}`,
      `pod=${marker.pod}`,
      `podUID=${marker.podUid}`,
      `claim=${marker.claim}`,
      `claimUID=${marker.claimUid ?? ''}`,
      `written=${marker.writtenAt.toISOString()}`,
    ].join('\n') + '\n'
  );
}

/** `sh -c` with a constant script; the path is "$1", never part of the script text. */
export function writeMarkerCommand(path: string, content: string): string[] {
  return ['sh', '-c', 'printf \'%s\' "$2" > "$1"', SCRIPT_NAME, path, content];
}

export function readMarkerCommand(path: string): string[] {
  return ['sh', '-c', 'cat "$1"', SCRIPT_NAME, path];
}

export function removeMarkerCommand(path: string): string[] {
  return ['sh', '-c', 'rm "$1"', SCRIPT_NAME, path];
}

export interface MarkerTarget {
  namespace: string;
  pod: string;
  container: string;
}

function run(
  gateway: ClusterGateway,
  target: MarkerTarget,
  command: string[],
  signal: AbortSignal | undefined,
  stdin?: string,
): Promise<ExecResult> {
  return gateway.exec({
    namespace: target.namespace,
    pod: target.pod,
    container: target.container,
    command,
    stdin,
    signal,
    timeoutMs: EXEC_TIMEOUT_MS,
  });
}

export async function writeMarker(
  gateway: ClusterGateway,
  target: MarkerTarget,
  path: string,
  content: string,
  signal?: AbortSignal,
): Promise<ExecResult> {
  return run(gateway, target, writeMarkerCommand(path, content), signal);
}

export type MarkerReading = { found: true; content: string } | { found: false; detail: string };

/** Reads a marker; a non-zero exit means the file is not there (or not readable), which is evidence. */
export async function readMarker(
  gateway: ClusterGateway,
  target: MarkerTarget,
  path: string,
  signal?: AbortSignal,
): Promise<MarkerReading> {
  const result = await run(gateway, target, readMarkerCommand(path), signal);
  if (result.exitCode === 0) return { found: true, content: result.stdout };
  return { found: false, detail: result.stderr.trim() || `cat exited with ${result.exitCode}` };
}

export type MarkerRemoval =
  { status: 'removed' } | { status: 'absent' } | { status: 'failed'; detail: string };

export async function removeMarker(
  gateway: ClusterGateway,
  target: MarkerTarget,
  path: string,
  signal?: AbortSignal,
): Promise<MarkerRemoval> {
  const result = await run(gateway, target, removeMarkerCommand(path), signal);
  if (result.exitCode === 0) return { status: 'removed' };
  const detail = result.stderr.trim() || `rm exited with ${result.exitCode}`;
  if (/no such file|not found|does not exist/i.test(detail)) return { status: 'absent' };
  return { status: 'failed', detail };
}
