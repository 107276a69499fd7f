// The catalogue of finding codes: scripts match on these, the README documents them, and a test
// checks that every code a rule emits is listed here.
import type { Severity } from '../snapshot.ts';

export type DiagnosingCommand = 'status' | 'dns';

export interface DiagnosticCodeInfo {
  code: string;
  /** Usual severity (a few codes vary with the situation, noted in `meaning`). */
  severity: Severity;
  meaning: string;
  /**
   * Which commands can report it. Absent: `status` only. The governing-Service checks in
   * src/report/identity.ts are shared, so those codes appear in both.
   */
  commands?: readonly DiagnosingCommand[];
}

/** The commands a catalogued code can appear in. */
export function commandsOf(info: DiagnosticCodeInfo): readonly DiagnosingCommand[] {
  return info.commands ?? ['status'];
}

const BOTH = ['status', 'dns'] as const;
const DNS = ['dns'] as const;

export const DIAGNOSTIC_CODES: DiagnosticCodeInfo[] = [
  {
    code: 'OrderedReadyBlocked',
    severity: 'error',
    meaning:
      'OrderedReady: the controller waits on one ordinal (not created, Pending on its claim or scheduling, failing, not Ready, Terminating) and holds back creation, update or removal of others. error when the wait needs action, warning while terminating, info while it is just starting.',
  },
  {
    code: 'ForcedRollbackTrap',
    severity: 'error',
    meaning:
      'OrderedReady: a pod is failing (crash loop, image pull, long not Ready); reverting the template does not replace it until it is deleted (kubernetes#67250).',
  },
  { code: 'PodFailing', severity: 'error', meaning: 'Parallel or OnDelete: a pod is failing.' },
  {
    code: 'PodUnschedulable',
    severity: 'error',
    meaning:
      "The scheduler cannot place a pod (PodScheduled=False, Unschedulable): its own message, the nodes' cordons and taints, the pod's constraints, and the WaitForFirstConsumer claims that wait on it. Any pod management policy; blocks --wait.",
  },
  {
    code: 'ImagePullFailed',
    severity: 'error',
    meaning:
      "A pod of the update revision cannot pull an image (ErrImagePull, ImagePullBackOff, InvalidImageName): the registry's answer, its cause (not found, unauthorized, unreachable, rate-limited) and the fix. A pod of an older revision is ForcedRollbackTrap instead.",
  },
  {
    code: 'PodFromEarlierSet',
    severity: 'error',
    meaning:
      "A pod owned by an earlier StatefulSet of the same name (another uid) holds an ordinal's name: the controller cannot create that ordinal's pod while it exists.",
  },
  {
    code: 'PodWithoutOrdinal',
    severity: 'warning',
    meaning: 'A pod owned by the set has a name without an ordinal: the controller ignores it.',
  },
  {
    code: 'PodStuckTerminatingOnLostNode',
    severity: 'error',
    meaning:
      'A pod is Terminating on a node that is not Ready or gone; no replacement is created while it exists.',
  },
  {
    code: 'PodStuckTerminating',
    severity: 'warning',
    meaning: 'A pod is Terminating long past its grace period.',
  },
  { code: 'PodOnNotReadyNode', severity: 'warning', meaning: 'A pod runs on a node that is not Ready.' },
  {
    code: 'ClaimNoStorageClass',
    severity: 'error',
    meaning: 'A claim sets no storageClassName and the cluster has no default StorageClass.',
  },
  {
    code: 'ClaimStorageClassNotFound',
    severity: 'error',
    meaning: 'A claim names a StorageClass that does not exist.',
  },
  {
    code: 'ClaimProvisionerNotResponding',
    severity: 'error',
    meaning: 'A claim waits for a provisioner (external or unknown) that never creates the volume.',
  },
  {
    code: 'ClaimProvisioningFailed',
    severity: 'error',
    meaning: 'The provisioner reported an error for a claim.',
  },
  {
    code: 'ClaimWaitingForFirstConsumer',
    severity: 'error',
    meaning:
      'A WaitForFirstConsumer claim waits for its pod, which cannot be scheduled for a reason PodUnschedulable does not report (its evidence names the claims otherwise).',
  },
  {
    code: 'ClaimDeletedWhileInUse',
    severity: 'error',
    meaning:
      'A claim of the set was deleted while its pod uses it (Terminating, held by kubernetes.io/pvc-protection): the next restart of that pod loses the claim, and with reclaimPolicy Delete its volume and data. Blocks --wait.',
  },
  {
    code: 'ClaimResizePending',
    severity: 'info',
    meaning:
      "A claim's capacity is below its request: the expansion is under way (Resizing), waits for the filesystem (FileSystemResizePending), failed (warning), or nothing reports progress (warning).",
  },
  {
    code: 'ClaimPending',
    severity: 'warning',
    meaning: 'A claim is Pending for another reason (see its events).',
  },
  { code: 'ClaimLost', severity: 'error', meaning: 'A claim is Lost: its volume no longer exists.' },
  {
    code: 'ClaimSizeDiffers',
    severity: 'warning',
    meaning:
      "A claim's request differs from its volumeClaimTemplate; says whether the class allows expansion. warning when smaller, info when larger.",
  },
  {
    code: 'VolumeNodeAffinityConflict',
    severity: 'error',
    meaning: 'A pod cannot be scheduled because its bound volume is pinned to nodes it cannot run on.',
  },
  {
    code: 'VolumeReleased',
    severity: 'warning',
    meaning: "A volume of one of the set's claims is Released (claim deleted).",
  },
  {
    code: 'VolumeFailed',
    severity: 'error',
    meaning: "A volume of one of the set's claims is Failed (reclamation failed).",
  },
  {
    code: 'LeftoverClaims',
    severity: 'warning',
    meaning:
      'whenScaled: Delete, yet claims of ordinals outside the range remain (no owner reference to their pod). Under Retain, claims kept after a scale-down are no finding: the report lists them under "Retained claims".',
  },
  {
    code: 'VerifyPvcMarkerLeft',
    severity: 'warning',
    meaning:
      'Marker files of `kubectl sts verify-pvc` remain in volumes (recorded on their claims); `verify-pvc NAME --cleanup` removes them. info when every one was kept with --keep-marker.',
  },
  {
    code: 'ServiceMissing',
    severity: 'error',
    commands: BOTH,
    meaning: 'The governing Service (spec.serviceName) does not exist.',
  },
  {
    code: 'ServiceNotHeadless',
    severity: 'error',
    commands: BOTH,
    meaning: 'The governing Service has a cluster IP (not headless).',
  },
  {
    code: 'ServiceSelectorMismatch',
    severity: 'error',
    commands: BOTH,
    meaning: "The governing Service has no selector or does not select the set's pods.",
  },
  {
    code: 'ServiceTolerateUnreadyAnnotation',
    severity: 'warning',
    commands: BOTH,
    meaning:
      'The governing Service relies on service.alpha.kubernetes.io/tolerate-unready-endpoints, ignored by EndpointSlices and removed in Kubernetes 1.24; info when publishNotReadyAddresses is set anyway.',
  },
  {
    code: 'GenerationNotObserved',
    severity: 'warning',
    meaning: 'The controller has not yet observed the latest spec (observedGeneration < generation).',
  },
  {
    code: 'OnDeletePendingDeletion',
    severity: 'warning',
    meaning: 'OnDelete: pods on an old revision wait for manual deletion.',
  },
  {
    code: 'RollingUpdateInProgress',
    severity: 'info',
    meaning:
      'A rolling update is under way: how many ordinals are updated, which one the controller replaces next (or which unhealthy one it waits for), and the per-ordinal revision map.',
  },
  {
    code: 'RolloutPartitioned',
    severity: 'info',
    meaning:
      'The partition keeps ordinals on the old revision (counted from ordinals.start, kubernetes#128529).',
  },
  {
    code: 'MinReadySecondsPending',
    severity: 'info',
    meaning: 'Pods are Ready but not yet available (minReadySeconds).',
  },
  {
    code: 'CurrentRevisionDrift',
    severity: 'info',
    meaning: 'status.currentRevision names a revision no pod runs (kubernetes#73492).',
  },
  {
    code: 'ClockSkew',
    severity: 'info',
    meaning:
      "The cluster's timestamps are ahead of this machine's clock: ages show as <invalid> and time-based findings may come late.",
  },
  {
    code: 'KubectlRolloutStatusMisleading',
    severity: 'info',
    meaning: '`kubectl rollout status` would report the rollout finished, but it is not.',
  },
  {
    code: 'ServiceNameUnset',
    severity: 'warning',
    meaning:
      'The StatefulSet sets no spec.serviceName: its pods get no subdomain, hence no per-pod DNS names.',
    commands: BOTH,
  },
  {
    code: 'ServiceInOtherNamespace',
    severity: 'error',
    meaning:
      'The governing Service exists only in another namespace; pods are named under a Service of their own namespace.',
    commands: DNS,
  },
  {
    code: 'ServiceSelectsOtherPods',
    severity: 'warning',
    meaning: "The governing Service's selector also matches pods that are not the set's.",
    commands: DNS,
  },
  {
    code: 'PodHostnameMismatch',
    severity: 'error',
    meaning: "A pod's hostname/subdomain are not its name and the Service name: its name is not published.",
    commands: DNS,
  },
  {
    code: 'PodsNotReadyUnpublished',
    severity: 'warning',
    meaning:
      'Pods are not Ready and the Service does not publish not-ready addresses: their names do not resolve yet.',
    commands: DNS,
  },
  {
    code: 'EndpointMissingHostname',
    severity: 'error',
    meaning:
      'Endpoints of correctly shaped pods carry no hostname: DNS publishes them only under their dashed IP.',
    commands: DNS,
  },
  {
    code: 'ServicePortUnnamed',
    severity: 'info',
    meaning: 'The governing Service has unnamed ports (or none): no SRV records for them.',
    commands: DNS,
  },
  {
    code: 'IdentityUnreadable',
    severity: 'warning',
    meaning: 'Services or EndpointSlices could not be read (403): publication verdicts are unknown.',
    commands: DNS,
  },
  {
    code: 'ShortNameMismatch',
    severity: 'warning',
    meaning:
      'A full name resolves but its short form does not from a pod of the namespace: its search list lacks <namespace>.svc.<domain>.',
    commands: DNS,
  },
  {
    code: 'ProbeMismatch',
    severity: 'error',
    meaning: 'dns --probe: an answer differs from the cluster state (not found, or another IP).',
    commands: DNS,
  },
  {
    code: 'ProbeNoShell',
    severity: 'warning',
    meaning: "dns --probe: the probe pod's image has no shell.",
    commands: DNS,
  },
  {
    code: 'ProbeNoResolverTool',
    severity: 'warning',
    meaning: "dns --probe: the probe pod's image has neither getent nor nslookup.",
    commands: DNS,
  },
  {
    code: 'ProbeNoRunningPod',
    severity: 'warning',
    meaning:
      "dns --probe: the set has no running pod to resolve names from (the names are checked against the API only); the pods' states say why.",
    commands: DNS,
  },
  {
    code: 'ProbeFailed',
    severity: 'warning',
    meaning: 'dns --probe: exec into the probe pod failed (forbidden, pod not running…).',
    commands: DNS,
  },
];
