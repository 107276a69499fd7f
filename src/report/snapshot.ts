// Everything known about one StatefulSet at one instant. The status report, the DNS report
// and the diagnostics engine are pure functions of a snapshot, whether it was read from a
// live API server (src/kube) or from an offline dump (`status -f dump.yaml`).
import type {
  ControllerRevision,
  EndpointSlice,
  KubeEvent,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
  StorageClass,
} from '../kube/types.ts';

/** Something the snapshot could not read, and why (shown to the user instead of silently missing data). */
export interface Unreadable {
  resource: string;
  reason: 'forbidden' | 'not-found' | 'error' | 'offline';
  message: string;
  /** Offline: the namespace the dump lacks the kind for (absent for cluster-scoped kinds). */
  namespace?: string;
  /** What could not be checked without it. */
  unchecked?: string;
  /** Offline: why a kind the dump holds is still unknown here (said on a line of its own). */
  why?: string;
}

/** A snapshot read from a dump rather than a live API server. */
export interface SnapshotSource {
  kind: 'offline';
  /** The file or directory given to -f. */
  path: string;
  /** The newest timestamp in the dump: the moment the objects reflect, near enough. */
  asOf: string | null;
  /** Files (or parts) of the dump that hold no Kubernetes objects, with why. */
  skipped?: { file: string; reason: string }[];
}

export interface StatefulSetSnapshot {
  statefulSet: StatefulSet;
  /** Pods selected by the set's selector (may include pods owned by something else). */
  pods: Pod[];
  /** Claims in the namespace that may belong to the set (matched by exact name later). */
  claims: PersistentVolumeClaim[];
  /** Volumes bound to those claims, by PV name. Absent names were not readable. */
  volumes: Map<string, PersistentVolume>;
  /** The governing Service (`spec.serviceName`), undefined when it does not exist. */
  service: Service | undefined;
  endpointSlices: EndpointSlice[];
  events: KubeEvent[];
  storageClasses: StorageClass[];
  nodes: Node[];
  revisions: ControllerRevision[];
  /** Resources that could not be read, with the reason. */
  unreadable: Unreadable[];
  /** The clock reading the snapshot is interpreted at (ages, durations). */
  now: Date;
  /** Set for a dump (`-f`); absent for a live cluster. */
  source?: SnapshotSource;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable identifier scripts can match on, e.g. `OrderedReadyBlocked`. */
  code: string;
  severity: Severity;
  /** One sentence saying what is wrong. */
  message: string;
  /** Ordinals affected, ascending (empty when the finding is about the set as a whole). */
  ordinals: number[];
  /** Facts that support the finding (field values, event messages). */
  evidence: string[];
  /** What to do about it, ideally a command to run. */
  advice: string;
  /**
   * The rollout cannot finish without someone acting on this finding (`status --wait` exits
   * with ROLLOUT_STUCK once a blocking finding has persisted). Absent means false.
   */
  blocking?: boolean;
}
