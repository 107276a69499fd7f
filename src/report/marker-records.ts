// The record verify-pvc keeps on a claim while a marker file of its own is in that claim's
// volume: one annotation per marker, written before the file and removed after it. It is how
// `status` (a diagnostics rule reading the claims it already has) and `verify-pvc --cleanup`
// find markers an earlier run could not remove, without exec'ing into every pod.
//
// Annotations are cluster data anyone who may patch the claim can write: a record is parsed
// defensively and a path in it is only ever used if it names a marker file.
import { posix } from 'node:path';
import type { PersistentVolumeClaim } from '../kube/types.ts';

/** Every marker file is called this, followed by its id. */
export const MARKER_FILE_PREFIX = '.kubectl-sts-verify-pvc-';
/** Annotation keys of marker records: `verify-pvc.kubectl-sts.dev/<marker id>`. */
export const MARKER_RECORD_PREFIX = 'verify-pvc.kubectl-sts.dev/';

const MARKER_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

export function isMarkerId(id: string): boolean {
  return MARKER_ID.test(id);
}

/** Whether the last component of `path` is a marker file name. */
export function isMarkerFileName(path: string): boolean {
  const base = posix.basename(path);
  return base.startsWith(MARKER_FILE_PREFIX) && isMarkerId(base.slice(MARKER_FILE_PREFIX.length));
}

export interface MarkerRecord {
  /** The marker's id (also the last part of its file name and of the annotation key). */
  id: string;
  /** The pod and container it was written through. */
  pod: string;
  container: string;
  /** Where the file is as that container sees it. */
  path: string;
  /** Where the file is inside the volume (the container path less the mount, plus any subPath). */
  pathInVolume: string;
  /** RFC 3339. */
  writtenAt: string;
  /** Left on purpose with --keep-marker. */
  kept?: boolean;
}

export function markerRecordKey(id: string): string {
  return `${MARKER_RECORD_PREFIX}${id}`;
}

export function encodeMarkerRecord(record: MarkerRecord): string {
  const { id, pod, container, path, pathInVolume, writtenAt, kept } = record;
  return JSON.stringify({ pod, container, path, pathInVolume, writtenAt, ...(kept ? { kept } : {}), id });
}

export interface FoundMarkerRecord {
  key: string;
  /** The record, or undefined when the annotation is not a valid one (see `problem`). */
  record?: MarkerRecord;
  problem?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 4096 ? value : undefined;
}

/** The marker records on a claim, valid or not, in key order. */
export function markerRecordsOf(claim: PersistentVolumeClaim | undefined): FoundMarkerRecord[] {
  const annotations = claim?.metadata?.annotations ?? {};
  const found: FoundMarkerRecord[] = [];
  for (const key of Object.keys(annotations).sort()) {
    if (!key.startsWith(MARKER_RECORD_PREFIX)) continue;
    const id = key.slice(MARKER_RECORD_PREFIX.length);
    let parsed: Record<string, unknown> | undefined;
    try {
      const value: unknown = JSON.parse(annotations[key] ?? '');
      if (value && typeof value === 'object' && !Array.isArray(value))
        parsed = value as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    const record: Partial<MarkerRecord> = {
      id,
      pod: text(parsed?.pod),
      container: text(parsed?.container),
      path: text(parsed?.path),
      pathInVolume: text(parsed?.pathInVolume),
      writtenAt: text(parsed?.writtenAt),
    };
    const complete =
      isMarkerId(id) &&
      record.pod !== undefined &&
      record.container !== undefined &&
      record.path !== undefined &&
      record.pathInVolume !== undefined &&
      record.writtenAt !== undefined;
    const safe =
      complete &&
      isMarkerFileName(record.pathInVolume!) &&
      posix.isAbsolute(record.pathInVolume!) &&
      posix.normalize(record.pathInVolume!) === record.pathInVolume &&
      posix.basename(record.pathInVolume!) === `${MARKER_FILE_PREFIX}${id}`;
    if (!safe) {
      found.push({ key, problem: `annotation ${key} is not a marker record verify-pvc wrote` });
      continue;
    }
    found.push({
      key,
      record: { ...(record as MarkerRecord), ...(parsed?.kept === true ? { kept: true } : {}) },
    });
  }
  return found;
}
