// Claims and volumes: leftovers after a scale-down, claims that do not bind and why, claims
// whose size no longer matches the template, and volumes left Released or Failed.
import type { PersistentVolume, PersistentVolumeClaim } from '../../kube/types.ts';
import type { Diagnostic } from '../snapshot.ts';
import {
  eventEvidence,
  eventsAbout,
  ns,
  ordinalsPhrase,
  unreadable,
  warningEvents,
  type RuleContext,
} from './context.ts';
import {
  claimClassName,
  claimName,
  defaultStorageClass,
  isTerminating,
  ordinalFromClaimName,
  parseQuantity,
  parseTime,
  podName,
} from './facts.ts';
import { claimDeletionPending, claimResizeOf, claimsOutsideRange, formatBytes } from '../volumes.ts';
import { reportedUnschedulable, VOLUME_CONFLICT } from './pods.ts';
import { humanDuration } from '../../core/duration.ts';

function age(context: RuleContext, timestamp: string | undefined): string {
  const since = parseTime(timestamp);
  return since ? humanDuration((context.now.getTime() - since.getTime()) / 1000) : 'unknown age';
}

function requestOf(claim: { spec?: { resources?: { requests?: Record<string, string> } } } | undefined) {
  return claim?.spec?.resources?.requests?.storage;
}

/**
 * What deleting claims destroys, said before the command that does it: how many, how much, and
 * whether their volumes go too (reclaimPolicy Delete) or stay Released (Retain).
 */
export function deletionCost(context: RuleContext, claims: PersistentVolumeClaim[]): string {
  const bytes = claims.map((c) => parseQuantity(c.status?.capacity?.storage ?? requestOf(c)));
  const total = bytes.every((b) => b !== undefined)
    ? formatBytes(bytes.reduce((a, b) => a! + b!, 0)!)
    : undefined;
  const policies = new Set(
    claims.map((c) => {
      const pv = c.spec?.volumeName ? context.snapshot.volumes.get(c.spec.volumeName) : undefined;
      return pv?.spec?.persistentVolumeReclaimPolicy ?? 'unknown';
    }),
  );
  const fate = policies.has('Delete')
    ? 'their volumes are deleted with them (reclaimPolicy Delete)'
    : policies.has('unknown')
      ? 'volumes with reclaimPolicy Delete are deleted with them'
      : 'their volumes stay, Released (reclaimPolicy Retain)';
  return `${claims.length} claim(s)${total ? `, ${total}` : ''}; ${fate}`;
}

/**
 * Claims outside the range that whenScaled: Delete should have removed and did not. Under
 * Retain (the default) claims kept after a scale-down are the policy working: the status report
 * lists them in a section of their own, and they are no finding.
 */
export const leftoverClaims = (context: RuleContext): Diagnostic[] => {
  if (!context.claimsKnown) return [];
  const whenScaled = context.set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain';
  if (whenScaled !== 'Delete') return [];
  const stranded = claimsOutsideRange(context.set, context.snapshot.claims).filter(({ ordinal, claim }) => {
    const pod = podName(context.set, ordinal);
    const ownedByPod = (claim.metadata?.ownerReferences ?? []).some(
      (ref) => ref.kind === 'Pod' && ref.name === pod,
    );
    // While the pod exists the controller is still removing it (and marks the claim to follow).
    return !ownedByPod && !context.pods.has(ordinal) && !claim.metadata?.deletionTimestamp;
  });
  if (stranded.length === 0) return [];
  const ordinals = [...new Set(stranded.map((l) => l.ordinal))];
  const claims = stranded.map((l) => l.claim);
  const names = claims.map((c) => c.metadata?.name ?? '');
  return [
    {
      code: 'LeftoverClaims',
      severity: 'warning',
      message: `${names.length} claim(s) of ${ordinalsPhrase(ordinals)} outside the current range were not deleted although whenScaled is Delete: they carry no owner reference to their pod (created before the policy was set, or orphaned); scaling up again re-attaches their old data`,
      ordinals,
      evidence: [
        ...claims.map((claim) => {
          const size = claim.status?.capacity?.storage ?? requestOf(claim) ?? 'unknown size';
          const volume = claim.spec?.volumeName ? `, volume ${claim.spec.volumeName}` : '';
          return `${claim.metadata?.name}: ${claim.status?.phase ?? 'unknown phase'}, ${size}${volume}, age ${age(context, claim.metadata?.creationTimestamp)}; no ownerReference to its pod`;
        }),
        'persistentVolumeClaimRetentionPolicy.whenScaled: Delete',
      ],
      advice: `keeping them is safe (a scale-up re-attaches them). Deleting them destroys their data (${deletionCost(context, claims)}); only if it is no longer needed: \`kubectl delete pvc ${names.join(' ')} ${ns(context)}\``,
    },
  ];
};

/**
 * A claim deleted while a pod of the set still uses it. The pvc-protection finalizer keeps the
 * claim (and its volume) only until that pod stops: a restart, an eviction, a rolling update or
 * a node drain then loses it, and the controller creates an empty claim of the same name.
 */
export const claimDeletedWhileInUse = (context: RuleContext): Diagnostic[] => {
  if (!context.claimsKnown) return [];
  const findings: Diagnostic[] = [];
  for (const state of context.progress.ordinals) {
    for (const template of context.templates) {
      const name = claimName(template, context.set, state.ordinal);
      const claim = context.claims.get(name);
      if (!claim || !claimDeletionPending(claim)) continue;
      const pod = context.pods.get(state.ordinal);
      const podText = pod ? (pod.metadata?.name ?? state.pod) : state.pod;
      const pvName = claim.spec?.volumeName;
      const pv = pvName ? context.snapshot.volumes.get(pvName) : undefined;
      const policy = pv?.spec?.persistentVolumeReclaimPolicy;
      const using = !context.podsKnown
        ? `if a pod uses it, the next restart of that pod loses this claim`
        : pod && !isTerminating(pod)
          ? `the next restart of pod ${podText} loses this claim`
          : pod
            ? `pod ${podText} is terminating: once it is gone the claim goes, and its replacement starts on a new, empty claim`
            : `no pod uses it any more, so it goes as soon as its other finalizers are done`;
      const volumeFate =
        policy === 'Delete'
          ? `; its volume ${pvName} has reclaimPolicy Delete and is deleted with it, data and all`
          : policy === 'Retain'
            ? `; its volume ${pvName} (reclaimPolicy Retain) stays, Released, with the data`
            : pvName
              ? `; whether its volume ${pvName} survives depends on its reclaimPolicy (${pv ? 'unset' : 'volume not read'})`
              : '';
      const retainStep =
        pvName && policy !== 'Retain'
          ? `first make the volume outlive the claim: \`kubectl patch pv ${pvName} -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'\`; `
          : '';
      findings.push({
        code: 'ClaimDeletedWhileInUse',
        severity: 'error',
        message: `claim ${name} has been deleted while in use: ${using}${volumeFate}`,
        ordinals: [state.ordinal],
        evidence: [
          `claim ${name}: deletionTimestamp ${claim.metadata?.deletionTimestamp} (${age(context, claim.metadata?.deletionTimestamp)} ago)`,
          `finalizers: ${(claim.metadata?.finalizers ?? []).join(', ') || 'none'}`,
          ...(pod
            ? [
                `used by pod ${podText} on node ${pod.spec?.nodeName ?? '(none)'}${isTerminating(pod) ? ' (Terminating)' : ''}`,
              ]
            : []),
          ...(pvName
            ? [`volume ${pvName}: reclaimPolicy ${policy ?? (pv ? 'unset' : 'unknown (not read)')}`]
            : []),
          ...eventEvidence(context, 'PersistentVolumeClaim', name, 2),
        ],
        advice: `a deletion cannot be called back. To keep the data, ${retainStep}do not restart, evict or update ${podText} until what matters is copied out; after the claim is gone, re-attach the Released volume to the new ${name} (clear its claimRef uid, see VolumeReleased)`,
        blocking: true,
      });
    }
  }
  return findings;
};

/** Claims whose expansion has not reached the filesystem yet: capacity below the request. */
export const claimResizePending = (context: RuleContext): Diagnostic[] => {
  if (!context.claimsKnown) return [];
  const findings: Diagnostic[] = [];
  for (const state of context.progress.ordinals) {
    for (const template of context.templates) {
      const name = claimName(template, context.set, state.ordinal);
      const resize = claimResizeOf(context.claims.get(name));
      if (!resize) continue;
      const pod = context.pods.get(state.ordinal);
      const podName_ = pod?.metadata?.name ?? state.pod;
      const since = resize.since ? ` since ${resize.since} (${age(context, resize.since)})` : '';
      const evidence = [
        `claim ${name}: spec.resources.requests.storage ${resize.requested}, status.capacity.storage ${resize.capacity}`,
        ...(resize.reason ? [`condition ${resize.reason}${since}`] : []),
        ...eventEvidence(context, 'PersistentVolumeClaim', name, 2),
      ];
      const restart = `restart ${podName_} when convenient (\`kubectl delete pod ${podName_} ${ns(context)}\`; the controller recreates it on the same claim)`;
      const byState = {
        filesystem: {
          severity: 'info' as const,
          message: `claim ${name} is being expanded from ${resize.capacity} to ${resize.requested}: the volume has grown, its filesystem not yet (FileSystemResizePending); the pod sees ${resize.capacity} until the kubelet expands it`,
          advice: `drivers with online expansion finish on their own within a minute or two; otherwise the filesystem grows when the volume is next mounted: ${restart}`,
        },
        controller: {
          severity: 'info' as const,
          message: `claim ${name} is being expanded from ${resize.capacity} to ${resize.requested}: the storage driver is resizing the volume`,
          advice: `wait; if it lasts, read the resizer's events: \`kubectl describe pvc ${name} ${ns(context)}\``,
        },
        failed: {
          severity: 'warning' as const,
          message: `claim ${name} asks for ${resize.requested} but the expansion failed; it still has ${resize.capacity}`,
          advice: `read the error (\`kubectl describe pvc ${name} ${ns(context)}\`); since Kubernetes 1.32 you may lower the request back to a size the driver accepts (above ${resize.capacity}) to retry`,
        },
        waiting: {
          severity: 'warning' as const,
          message: `claim ${name} asks for ${resize.requested} but has ${resize.capacity}, and nothing reports a resize in progress`,
          advice: `check that the StorageClass allows expansion and that the driver's resizer (external-resizer sidecar) runs: \`kubectl describe pvc ${name} ${ns(context)}\``,
        },
      }[resize.state];
      findings.push({ code: 'ClaimResizePending', ordinals: [state.ordinal], evidence, ...byState });
    }
  }
  return findings;
};

function pendingClaimFinding(
  context: RuleContext,
  claim: PersistentVolumeClaim,
  ordinal: number,
): Diagnostic | undefined {
  const name = claim.metadata?.name ?? '';
  const classes = context.snapshot.storageClasses;
  // An empty class list is believed only with the binder's own event to back it: the overview
  // reads no classes, and a missing read must not turn into "the cluster has none".
  const noClassEvent = eventsAbout(context, 'PersistentVolumeClaim', name).some((e) =>
    /no storage class is set|storageclass\.storage\.k8s\.io .* not found/i.test(e.message ?? ''),
  );
  const classesKnown = !unreadable(context, 'storageclasses') && (classes.length > 0 || noClassEvent);
  const own = claim.spec?.storageClassName;
  const className = claimClassName(claim, classes);
  const storageClass = classes.find((c) => c.metadata?.name === className);
  const evidence = [
    `claim ${name}: Pending for ${age(context, claim.metadata?.creationTimestamp)}`,
    `storageClassName: ${own === undefined || own === null ? '(unset)' : own === '' ? '"" (no class)' : own}`,
    ...eventEvidence(context, 'PersistentVolumeClaim', name),
  ];
  const describe = `\`kubectl describe pvc ${name} ${ns(context)}\``;
  const base = { ordinals: [ordinal], evidence, blocking: true };

  if (claim.spec?.volumeName) {
    return {
      ...base,
      code: 'ClaimPending',
      severity: 'error',
      message: `claim ${name} is Pending while naming volume ${claim.spec.volumeName}, which is not available to it`,
      advice: `check the volume: \`kubectl get pv ${claim.spec.volumeName} -o yaml\` (claimRef, capacity, access modes, class)`,
    };
  }
  if ((own === undefined || own === null) && classesKnown && !defaultStorageClass(classes)) {
    return {
      ...base,
      code: 'ClaimNoStorageClass',
      severity: 'error',
      message: `claim ${name} is Pending: it sets no storageClassName and the cluster has no default StorageClass, so nothing provisions a volume for it`,
      evidence: [
        ...evidence,
        `storage classes: ${classes.map((c) => c.metadata?.name).join(', ') || 'none'}`,
      ],
      advice:
        classes.length > 0
          ? `mark a class as default (\`kubectl patch storageclass ${classes[0]!.metadata?.name} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'\`), or create a PersistentVolume that fits the claim`
          : 'install a provisioner and a default StorageClass, or create a PersistentVolume that fits the claim',
    };
  }
  if (own === '') {
    return {
      ...base,
      code: 'ClaimPending',
      severity: 'error',
      message: `claim ${name} is Pending: storageClassName "" asks for a pre-created volume without class, and none fits`,
      advice: `create a PersistentVolume without storageClassName that fits the claim; ${describe}`,
    };
  }
  if (className && classesKnown && !storageClass) {
    return {
      ...base,
      code: 'ClaimStorageClassNotFound',
      severity: 'error',
      message: `claim ${name} is Pending: its StorageClass "${className}" does not exist`,
      evidence: [
        ...evidence,
        `storage classes: ${classes.map((c) => c.metadata?.name).join(', ') || 'none'}`,
      ],
      advice: `create StorageClass ${className}, or recreate the StatefulSet with an existing class in volumeClaimTemplates (they are immutable)`,
    };
  }
  const pod = context.pods.get(ordinal);
  if (storageClass?.volumeBindingMode === 'WaitForFirstConsumer' && !pod?.spec?.nodeName) {
    if (!pod) return undefined; // normal: the claim binds when its pod is created and scheduled
    // The pod's PodUnschedulable finding names the scheduler's reason, once for all its claims.
    if (reportedUnschedulable(pod)) return undefined;
    const scheduling = warningEvents(context, 'Pod', podName(context.set, ordinal), ['FailedScheduling']);
    if (scheduling.length === 0) return undefined;
    return {
      ...base,
      code: 'ClaimWaitingForFirstConsumer',
      severity: 'error',
      message: `claim ${name} waits for pod ${podName(context.set, ordinal)} to be scheduled (StorageClass ${className} binds WaitForFirstConsumer), and the pod cannot be scheduled`,
      evidence: [...evidence, ...eventEvidence(context, 'Pod', podName(context.set, ordinal), 2)],
      advice: `fix the pod's scheduling first (\`kubectl describe pod ${podName(context.set, ordinal)} ${ns(context)}\`); the volume is provisioned in the zone of the node it lands on`,
    };
  }
  const failed = warningEvents(context, 'PersistentVolumeClaim', name, ['ProvisioningFailed']);
  if (failed.length) {
    return {
      ...base,
      code: 'ClaimProvisioningFailed',
      severity: 'error',
      message: `claim ${name} is Pending: the provisioner${storageClass?.provisioner ? ` ${storageClass.provisioner}` : ''} failed to create a volume: ${(failed[0]!.message ?? '').trim()}`,
      advice: `fix the provisioning error, or the class parameters; ${describe}`,
    };
  }
  const provisioner =
    claim.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] ??
    claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'] ??
    storageClass?.provisioner;
  const external = eventsAbout(context, 'PersistentVolumeClaim', name).find(
    (e) => e.reason === 'ExternalProvisioning',
  );
  const created = parseTime(claim.metadata?.creationTimestamp);
  const waitedLong = created ? context.now.getTime() - created.getTime() > 60_000 : true;
  if (external || (provisioner && waitedLong)) {
    return {
      ...base,
      code: 'ClaimProvisionerNotResponding',
      severity: waitedLong ? 'error' : 'info',
      message: `claim ${name} is Pending: waiting for provisioner ${provisioner ?? '(unknown)'} to create a volume, which has not happened`,
      advice: `check that the provisioner ${provisioner ?? ''} is installed and running (its controller pod and CSIDriver), and that StorageClass ${className ?? ''} names it correctly`,
    };
  }
  return {
    ...base,
    code: 'ClaimPending',
    severity: 'warning',
    message: `claim ${name} is Pending`,
    advice: describe,
  };
}

export const claimProblems = (context: RuleContext): Diagnostic[] => {
  const findings: Diagnostic[] = [];
  if (!context.claimsKnown) return findings;
  const templates = new Map(
    (context.set.spec?.volumeClaimTemplates ?? []).map((t) => [t.metadata?.name ?? '', t] as const),
  );
  for (const state of context.progress.ordinals) {
    for (const [template, spec] of templates) {
      const name = claimName(template, context.set, state.ordinal);
      const claim = context.claims.get(name);
      if (!claim) continue;
      const phase = claim.status?.phase ?? 'Pending';
      if (phase === 'Pending') {
        const finding = pendingClaimFinding(context, claim, state.ordinal);
        if (finding) findings.push(finding);
      } else if (phase === 'Lost') {
        findings.push({
          code: 'ClaimLost',
          severity: 'error',
          message: `claim ${name} is Lost: its volume ${claim.spec?.volumeName ?? ''} no longer exists; the data is gone`,
          ordinals: [state.ordinal],
          evidence: [`claim ${name}: Lost`, ...eventEvidence(context, 'PersistentVolumeClaim', name)],
          advice: `restore the volume from backup, or delete the claim and the pod so both are recreated empty: \`kubectl delete pvc ${name} ${ns(context)}\` then \`kubectl delete pod ${state.pod} ${ns(context)}\``,
          blocking: true,
        });
      }
      const wanted = requestOf(spec);
      const has = requestOf(claim);
      const wantedBytes = parseQuantity(wanted);
      const hasBytes = parseQuantity(has);
      if (wantedBytes !== undefined && hasBytes !== undefined && wantedBytes !== hasBytes) {
        const className = claimClassName(claim, context.snapshot.storageClasses);
        const storageClass = context.snapshot.storageClasses.find((c) => c.metadata?.name === className);
        const expandable = storageClass?.allowVolumeExpansion === true;
        const smaller = hasBytes < wantedBytes;
        findings.push({
          code: 'ClaimSizeDiffers',
          severity: smaller ? 'warning' : 'info',
          message: `claim ${name} requests ${has}, the template ${template} asks for ${wanted}${
            smaller
              ? '; the StatefulSet controller never resizes existing claims'
              : '; new ordinals get the smaller template size'
          }`,
          ordinals: [state.ordinal],
          evidence: [
            `volumeClaimTemplates[${template}].resources.requests.storage: ${wanted}`,
            `claim ${name} spec.resources.requests.storage: ${has}`,
            `StorageClass ${className ?? '(none)'}: allowVolumeExpansion ${storageClass ? String(expandable) : 'unknown'}`,
          ],
          advice: smaller
            ? expandable
              ? `expand the claim: \`kubectl patch pvc ${name} ${ns(context)} -p '{"spec":{"resources":{"requests":{"storage":"${wanted}"}}}}'\``
              : `StorageClass ${className ?? '(none)'} does not allow expansion: migrate the data to a new claim, or enable allowVolumeExpansion if the driver supports it`
            : 'expected after expanding claims by hand; to make new ordinals match, recreate the StatefulSet with the larger template (`kubectl delete statefulset --cascade=orphan` then apply)',
        });
      }
    }
  }
  return findings;
};

export const volumeNodeAffinityConflict = (context: RuleContext): Diagnostic[] => {
  const findings: Diagnostic[] = [];
  if (!context.podsKnown) return findings;
  for (const state of context.progress.ordinals) {
    const pod = context.pods.get(state.ordinal);
    if (!pod || pod.spec?.nodeName) continue;
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const events = warningEvents(context, 'Pod', state.pod, ['FailedScheduling']);
    const messages = [scheduled?.message ?? '', ...events.map((e) => e.message ?? '')];
    if (!messages.some((m) => VOLUME_CONFLICT.test(m))) continue;
    const claims = context.templates
      .map((t) => context.claims.get(claimName(t, context.set, state.ordinal)))
      .filter((c): c is PersistentVolumeClaim => c !== undefined && c.status?.phase === 'Bound');
    const volumes = claims
      .map((c) => (c.spec?.volumeName ? context.snapshot.volumes.get(c.spec.volumeName) : undefined))
      .filter((v): v is PersistentVolume => v !== undefined);
    const first = claims[0]?.metadata?.name;
    findings.push({
      code: 'VolumeNodeAffinityConflict',
      severity: 'error',
      message: `${state.pod} cannot be scheduled: its bound volume is pinned to nodes (or a zone) the pod cannot run on`,
      ordinals: [state.ordinal],
      evidence: [
        ...volumes.map(
          (v) =>
            `volume ${v.metadata?.name}: nodeAffinity ${JSON.stringify(v.spec?.nodeAffinity?.required ?? {})}`,
        ),
        ...eventEvidence(context, 'Pod', state.pod, 2),
      ],
      advice: `bring back a schedulable node matching the volume's nodeAffinity; if that node is gone for good the data on a local volume is lost: \`kubectl delete pvc ${first ?? '<claim>'} ${ns(context)}\` then \`kubectl delete pod ${state.pod} ${ns(context)}\` to get a new empty volume`,
      blocking: true,
    });
  }
  return findings;
};

export const releasedVolumes = (context: RuleContext): Diagnostic[] => {
  const findings: Diagnostic[] = [];
  const ours = (claim: string | undefined) =>
    claim !== undefined &&
    context.templates.some((t) => ordinalFromClaimName(claim, t, context.name) !== undefined);
  for (const volume of context.snapshot.volumes.values()) {
    const ref = volume.spec?.claimRef;
    if (!ref || (ref.namespace && ref.namespace !== context.namespace) || !ours(ref.name)) continue;
    const phase = volume.status?.phase;
    if (phase !== 'Released' && phase !== 'Failed') continue;
    const pvName = volume.metadata?.name ?? '';
    const ordinal = context.templates
      .map((t) => ordinalFromClaimName(ref.name ?? '', t, context.name))
      .find((o) => o !== undefined);
    const evidence = [
      `volume ${pvName}: ${phase}${volume.status?.message ? ` (${volume.status.message})` : ''}`,
      `claimRef: ${ref.namespace ?? context.namespace}/${ref.name} uid ${ref.uid ?? 'unset'}`,
      `reclaimPolicy: ${volume.spec?.persistentVolumeReclaimPolicy ?? 'unknown'}`,
      ...eventEvidence(context, 'PersistentVolume', pvName, 2),
    ];
    findings.push(
      phase === 'Released'
        ? {
            code: 'VolumeReleased',
            severity: 'warning',
            message: `volume ${pvName} is Released: claim ${ref.name} was deleted; its data is kept but it will not bind to a new claim by itself`,
            ordinals: ordinal === undefined ? [] : [ordinal],
            evidence,
            advice: `to reattach the data to a new ${ref.name}, clear the stale claim uid: \`kubectl patch pv ${pvName} --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"}]'\`; otherwise delete the volume when the data is no longer needed`,
          }
        : {
            code: 'VolumeFailed',
            severity: 'error',
            message: `volume ${pvName} (formerly claim ${ref.name}) is Failed: automatic reclamation did not work`,
            ordinals: ordinal === undefined ? [] : [ordinal],
            evidence,
            advice: `read the reason (\`kubectl describe pv ${pvName}\`), clean up the backing storage by hand, then \`kubectl delete pv ${pvName}\``,
          },
    );
  }
  return findings;
};
