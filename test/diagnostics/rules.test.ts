import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, commandsOf, diagnose } from '../../src/report/diagnostics/index.ts';
import type { Diagnostic, StatefulSetSnapshot } from '../../src/report/snapshot.ts';
import {
  claim,
  claimsFor,
  event,
  headlessService,
  healthyPods,
  node,
  pod,
  replacePod,
  snapshot,
  statefulSet,
  storageClass,
  volume,
  withoutPod,
} from './builders.ts';

interface Case {
  name: string;
  snapshot: () => StatefulSetSnapshot;
  code: string;
  severity?: Diagnostic['severity'];
  ordinals: number[];
  /** Substrings the advice must contain (commands are checked exactly). */
  advice: string[];
  message?: string[];
  evidence?: string[];
  blocking?: boolean;
}

const cases: Case[] = [
  {
    name: 'OrderedReady scale-up waits on an unschedulable ordinal and holds back the rest',
    snapshot: () => {
      const set = statefulSet({ replicas: 5 });
      const pods = healthyPods(set).slice(0, 3);
      pods[2] = pod(set, 2, { unschedulable: '0/3 nodes are available: 3 Insufficient cpu.', ready: false });
      return snapshot(set, {
        pods,
        events: [
          event('Pod', 'web-2', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.', {
            count: 7,
          }),
        ],
      });
    },
    code: 'OrderedReadyBlocked',
    severity: 'error',
    ordinals: [2, 3, 4],
    message: ['waits on ordinal 2', 'cannot be scheduled', 'creation of ordinals 3, 4'],
    evidence: ['FailedScheduling on pod/web-2 (x7, last seen 60s ago)'],
    advice: ['see PodUnschedulable for web-2'],
    blocking: true,
  },
  {
    name: "an unschedulable pod: the scheduler's own message, whatever it holds back",
    snapshot: () => {
      const set = statefulSet({ replicas: 2 });
      const message =
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
      const cordoned = [node('node-b'), node('node-c')];
      for (const n of cordoned) n.spec = { unschedulable: true };
      const plane = node('node-a');
      plane.spec = { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] };
      return snapshot(set, {
        pods: [pod(set, 0), pod(set, 1, { unschedulable: message, ready: false })],
        nodes: [plane, ...cordoned],
        events: [event('Pod', 'web-1', 'FailedScheduling', message, { count: 3 })],
      });
    },
    code: 'PodUnschedulable',
    severity: 'error',
    ordinals: [1],
    message: ['web-1 cannot be scheduled: 0/3 nodes are available: 1 node(s) had untolerated taint'],
    evidence: [
      'cordoned (spec.unschedulable): node-b, node-c',
      'node taints: node-a node-role.kubernetes.io/control-plane:NoSchedule',
      'FailedScheduling on pod/web-1 (x3',
    ],
    advice: ['`kubectl uncordon node-b`', 'kubectl describe pod web-1 -n shop'],
    blocking: true,
  },
  {
    name: 'Parallel: a nodeSelector no node matches; the WaitForFirstConsumer claims are named once, in its evidence',
    snapshot: () => {
      const set = statefulSet({
        replicas: 2,
        policy: 'Parallel',
        templates: [{ name: 'data' }, { name: 'audit' }],
      });
      const message =
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
      const pods = [0, 1].map((o) => {
        const p = pod(set, o, { unschedulable: message, ready: false });
        p.spec!.nodeSelector = { disktype: 'nvme' };
        return p;
      });
      return snapshot(set, {
        pods,
        claims: ['data', 'audit'].flatMap((t) =>
          [0, 1].map((o) => claim(`${t}-web-${o}`, { phase: 'Pending', storageClassName: 'local' })),
        ),
        storageClasses: [storageClass('local', { volumeBindingMode: 'WaitForFirstConsumer' }, true)],
      });
    },
    code: 'PodUnschedulable',
    ordinals: [0, 1],
    message: [
      'web-0, web-1 cannot be scheduled: 0/3 nodes are available',
      "didn't match Pod's node affinity/selector",
    ],
    evidence: [
      '2 pods: PodScheduled=False (Unschedulable)',
      'nodeSelector: disktype=nvme',
      'claims data-web-0, audit-web-0 wait for web-0 to be scheduled',
      'claims data-web-1, audit-web-1 wait for web-1 to be scheduled',
    ],
    advice: ['kubectl label node <node> key=value'],
    blocking: true,
  },
  {
    name: 'OrderedReady waits on an ordinal whose claim is Pending',
    snapshot: () => {
      const set = statefulSet({ replicas: 3 });
      const claims = claimsFor(set);
      claims[1] = claim('data-web-1', { phase: 'Pending' });
      return snapshot(set, {
        pods: [pod(set, 0), pod(set, 1, { phase: 'Pending', ready: false, node: null })],
        claims,
      });
    },
    code: 'OrderedReadyBlocked',
    severity: 'error',
    ordinals: [1, 2],
    message: ['claim data-web-1 is not Bound'],
    advice: ['kubectl describe pvc data-web-1 -n shop'],
  },
  {
    name: 'OrderedReady waits on an ordinal the controller fails to create (quota), with the event',
    snapshot: () => {
      const set = statefulSet({ replicas: 3 });
      return snapshot(set, {
        pods: [pod(set, 0)],
        events: [
          event(
            'StatefulSet',
            'web',
            'FailedCreate',
            'create Pod web-1 in StatefulSet web failed error: pods "web-1" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1',
            { count: 9 },
          ),
        ],
      });
    },
    code: 'OrderedReadyBlocked',
    severity: 'error',
    ordinals: [1, 2],
    message: ['web-1 has not been created', 'creation of ordinal 2'],
    evidence: ['FailedCreate on statefulset/web (x9', 'exceeded quota'],
    advice: ['kubectl describe statefulset web -n shop'],
    blocking: true,
  },
  {
    name: 'OrderedReady waits on a starting pod: info, not blocking',
    snapshot: () => {
      const set = statefulSet({ replicas: 3 });
      return snapshot(set, {
        pods: [pod(set, 0), pod(set, 1, { ready: false, readySince: 20, createdAgo: 20 })],
      });
    },
    code: 'OrderedReadyBlocked',
    severity: 'info',
    ordinals: [1, 2],
    advice: ['kubectl describe pod web-1 -n shop'],
    blocking: false,
  },
  {
    name: 'OrderedReady with a scale-down waits on an unready pod before removing higher ordinals',
    snapshot: () => {
      const set = statefulSet({ replicas: 2 });
      const pods = [...healthyPods(set), pod(set, 2), pod(set, 3)];
      return snapshot(set, { pods: replacePod(pods, pod(set, 0, { ready: false, readySince: 30 })) });
    },
    code: 'OrderedReadyBlocked',
    ordinals: [0, 2, 3],
    message: ['removal of ordinals 2, 3'],
    advice: [],
  },
  {
    name: 'forced-rollback trap: a crash-looping pod on an old revision after the template was reverted',
    snapshot: () => {
      const set = statefulSet({ replicas: 3, currentRevision: 'web-good', updateRevision: 'web-good' });
      const pods = replacePod(
        healthyPods(set),
        pod(set, 2, { revision: 'web-bad', ready: false, waiting: 'CrashLoopBackOff', restarts: 9 }),
      );
      return snapshot(set, {
        pods,
        events: [event('Pod', 'web-2', 'BackOff', 'Back-off restarting failed container app', { count: 40 })],
      });
    },
    code: 'ForcedRollbackTrap',
    severity: 'error',
    ordinals: [2],
    message: ['revision web-bad', 'kubernetes#67250'],
    evidence: ['CrashLoopBackOff', 'BackOff on pod/web-2 (x40'],
    advice: ['`kubectl delete pod web-2 -n shop`'],
    blocking: true,
  },
  {
    name: "an image the update revision cannot pull: the registry's answer and the fix (OrderedReady: then delete the pod)",
    snapshot: () => {
      const set = statefulSet({ replicas: 3, currentRevision: 'web-1', updateRevision: 'web-2' });
      const pods = healthyPods(set).map((p, i) =>
        i === 2
          ? pod(set, 2, { revision: 'web-2', ready: false, waiting: 'ImagePullBackOff' })
          : pod(set, i, { revision: 'web-1' }),
      );
      pods[2]!.spec!.containers[0]!.image = 'nginx:1.99-typo';
      return snapshot(set, {
        pods,
        events: [
          event(
            'Pod',
            'web-2',
            'Failed',
            'Failed to pull image "nginx:1.99-typo": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99-typo": failed to resolve reference "docker.io/library/nginx:1.99-typo": docker.io/library/nginx:1.99-typo: not found',
            { count: 4 },
          ),
        ],
      });
    },
    code: 'ImagePullFailed',
    ordinals: [2],
    message: ['web-2 cannot start', '"nginx:1.99-typo"', 'no such image or tag'],
    evidence: ['docker.io/library/nginx:1.99-typo: not found'],
    advice: [
      '`kubectl set image statefulset/web app=<image:tag> -n shop`',
      'kubectl rollout undo statefulset/web -n shop',
      '`kubectl delete pod web-2 -n shop`',
    ],
    blocking: true,
  },
  {
    name: 'an image pull the registry refuses: credentials, no deletion',
    snapshot: () => {
      const set = statefulSet({ replicas: 1, policy: 'Parallel' });
      const p = pod(set, 0, { ready: false, waiting: 'ErrImagePull' });
      p.status!.containerStatuses![0]!.state = {
        waiting: {
          reason: 'ErrImagePull',
          message:
            'failed to pull and unpack image "registry.example.com/team/db:7": failed to resolve reference "registry.example.com/team/db:7": failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized',
        },
      };
      return snapshot(set, { pods: [p] });
    },
    code: 'ImagePullFailed',
    ordinals: [0],
    message: ["refuses the node's credentials"],
    advice: ['imagePullSecret'],
  },
  {
    name: 'Parallel: a failing pod is reported without the OrderedReady trap',
    snapshot: () => {
      const set = statefulSet({ replicas: 2, policy: 'Parallel' });
      return snapshot(set, {
        pods: replacePod(healthyPods(set), pod(set, 1, { ready: false, waiting: 'CrashLoopBackOff' })),
      });
    },
    code: 'PodFailing',
    ordinals: [1],
    advice: ['kubectl logs web-1 -n shop --previous'],
  },
  {
    name: 'Parallel: a failing pod on an old revision is replaced by the rolling update anyway (not blocking)',
    snapshot: () => {
      const set = statefulSet({
        replicas: 2,
        policy: 'Parallel',
        currentRevision: 'r1',
        updateRevision: 'r2',
      });
      return snapshot(set, {
        pods: [
          pod(set, 0, { revision: 'r1' }),
          pod(set, 1, { revision: 'r1', ready: false, waiting: 'CrashLoopBackOff' }),
        ],
      });
    },
    code: 'PodFailing',
    ordinals: [1],
    advice: ['the rolling update replaces it with revision r2'],
    blocking: false,
  },
  {
    name: 'a partition above the replica count: the advice lowers it to where it bites',
    snapshot: () => {
      const set = statefulSet({ replicas: 3, partition: 10, currentRevision: 'r1', updateRevision: 'r2' });
      return snapshot(set, { pods: [0, 1, 2].map((o) => pod(set, o, { revision: 'r1' })) });
    },
    code: 'RolloutPartitioned',
    ordinals: [0, 1, 2],
    advice: ['"partition":2'],
  },
  {
    name: 'partition holding ordinals back, counted from ordinals.start',
    snapshot: () => {
      const set = statefulSet({
        replicas: 4,
        start: 10,
        partition: 2,
        currentRevision: 'r1',
        updateRevision: 'r2',
      });
      const pods = [10, 11, 12, 13].map((o) => pod(set, o, { revision: o >= 12 ? 'r2' : 'r1' }));
      return snapshot(set, { pods, claims: claimsFor(set) });
    },
    code: 'RolloutPartitioned',
    severity: 'info',
    ordinals: [10, 11],
    evidence: ['ordinals below 12 are held', 'kubernetes#128529'],
    advice: [
      `kubectl patch statefulset web -n shop -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}'`,
    ],
  },
  {
    name: 'a rolling update in progress names the next ordinal and maps every revision',
    snapshot: () => {
      const set = statefulSet({ replicas: 4, partition: 1, currentRevision: 'r1', updateRevision: 'r2' });
      const pods = [0, 1, 2, 3].map((o) => pod(set, o, { revision: o === 3 ? 'r2' : 'r1' }));
      return snapshot(set, { pods });
    },
    code: 'RollingUpdateInProgress',
    severity: 'info',
    ordinals: [1, 2],
    message: ['1 of 3 ordinals updated', 'replaces ordinal 2 next'],
    evidence: [
      'web-0: r1 (current), held by the partition',
      'web-1: r1 (current), to be updated to r2',
      'web-3: r2 (update), up to date',
    ],
    advice: ['kubectl sts status web -n shop --wait'],
  },
  {
    name: 'a rolling update waiting on an unhealthy pod says so',
    snapshot: () => {
      const set = statefulSet({
        replicas: 3,
        policy: 'Parallel',
        currentRevision: 'r1',
        updateRevision: 'r2',
      });
      const pods = [
        pod(set, 0, { revision: 'r1' }),
        pod(set, 1, { revision: 'r1' }),
        pod(set, 2, { revision: 'r2', ready: false, readySince: 5 }),
      ];
      return snapshot(set, { pods });
    },
    code: 'RollingUpdateInProgress',
    ordinals: [0, 1],
    message: ['waits for ordinal 2 to be healthy before replacing ordinal 1'],
    advice: [],
  },
  {
    name: 'OnDelete pods waiting for manual deletion',
    snapshot: () => {
      const set = statefulSet({ strategy: 'OnDelete', currentRevision: 'r1', updateRevision: 'r2' });
      return snapshot(set, {
        pods: healthyPods(set).map((p, i) => pod(set, i, { revision: i === 0 ? 'r2' : 'r1' })),
      });
    },
    code: 'OnDeletePendingDeletion',
    severity: 'warning',
    ordinals: [1, 2],
    advice: ['`kubectl delete pod web-2 -n shop`'],
    blocking: true,
  },
  {
    name: 'minReadySeconds not yet elapsed',
    snapshot: () => {
      const set = statefulSet({ minReadySeconds: 120 });
      return snapshot(set, { pods: replacePod(healthyPods(set), pod(set, 1, { readySince: 30 })) });
    },
    code: 'MinReadySecondsPending',
    severity: 'info',
    ordinals: [1],
    advice: ['wait'],
  },
  {
    name: 'observedGeneration behind the spec',
    snapshot: () => snapshot(statefulSet({ generation: 7, observedGeneration: 6 })),
    code: 'GenerationNotObserved',
    severity: 'warning',
    ordinals: [],
    message: ['generation 7, observedGeneration 6'],
    advice: ['kube-controller-manager'],
  },
  {
    name: 'currentRevision drift after an OnDelete update',
    snapshot: () => {
      const set = statefulSet({ strategy: 'OnDelete', currentRevision: 'r1', updateRevision: 'r2' });
      return snapshot(set, { pods: healthyPods(set).map((p, i) => pod(set, i, { revision: 'r2' })) });
    },
    code: 'CurrentRevisionDrift',
    severity: 'info',
    ordinals: [],
    evidence: ['kubernetes#73492'],
    advice: ['nothing to fix'],
  },
  {
    name: 'kubectl rollout status would already say done during minReadySeconds',
    snapshot: () => {
      const set = statefulSet({ minReadySeconds: 300 });
      return snapshot(set, { pods: replacePod(healthyPods(set), pod(set, 2, { readySince: 5 })) });
    },
    code: 'KubectlRolloutStatusMisleading',
    ordinals: [2],
    advice: ['kubectl sts status web -n shop --wait'],
  },
  {
    name: 'claims whenScaled: Delete left behind (no owner reference): keeping is safe, deleting is a choice that says what it destroys',
    snapshot: () => {
      const set = statefulSet({ replicas: 2, whenScaled: 'Delete' });
      return snapshot(set, {
        claims: [
          ...claimsFor(set),
          claim('data-web-2', { size: '5Gi', createdAgo: 3 * 86400 }),
          claim('data-web-3'),
        ],
        volumes: new Map([['pv-data-web-2', volume('pv-data-web-2', 'data-web-2', 'Bound', {})]]),
      });
    },
    code: 'LeftoverClaims',
    severity: 'warning',
    ordinals: [2, 3],
    message: ['not deleted although whenScaled is Delete', 're-attaches their old data'],
    evidence: ['data-web-2: Bound, 5Gi, volume pv-data-web-2, age 3d; no ownerReference to its pod'],
    advice: [
      'keeping them is safe',
      'destroys their data (2 claim(s), 6Gi',
      '`kubectl delete pvc data-web-2 data-web-3 -n shop`',
    ],
  },
  {
    name: 'claim Pending: no storage class set and no default class',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, {
        pods: [pod(set, 0, { phase: 'Pending', ready: false, node: null })],
        claims: [claim('data-web-0', { phase: 'Pending', storageClassName: null })],
        storageClasses: [storageClass('fast')],
        events: [
          event(
            'PersistentVolumeClaim',
            'data-web-0',
            'FailedBinding',
            'no persistent volumes available for this claim and no storage class is set',
            { type: 'Normal', count: 12 },
          ),
        ],
      });
    },
    code: 'ClaimNoStorageClass',
    severity: 'error',
    ordinals: [0],
    evidence: ['no storage class is set'],
    advice: [
      `kubectl patch storageclass fast -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'`,
    ],
    blocking: true,
  },
  {
    name: 'claim Pending: its StorageClass does not exist',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, {
        pods: [pod(set, 0, { phase: 'Pending', ready: false, node: null })],
        claims: [claim('data-web-0', { phase: 'Pending', storageClassName: 'gold' })],
      });
    },
    code: 'ClaimStorageClassNotFound',
    ordinals: [0],
    message: ['"gold" does not exist'],
    advice: ['create StorageClass gold'],
  },
  {
    name: 'claim Pending: waiting for an external provisioner that never answers',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, {
        pods: [pod(set, 0, { phase: 'Pending', ready: false, node: null })],
        claims: [claim('data-web-0', { phase: 'Pending', storageClassName: 'csi', createdAgo: 600 })],
        storageClasses: [storageClass('csi', { provisioner: 'ebs.csi.aws.com' }, true)],
        events: [
          event(
            'PersistentVolumeClaim',
            'data-web-0',
            'ExternalProvisioning',
            "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator.",
            { type: 'Normal', count: 41 },
          ),
        ],
      });
    },
    code: 'ClaimProvisionerNotResponding',
    severity: 'error',
    ordinals: [0],
    message: ['ebs.csi.aws.com'],
    evidence: ['ExternalProvisioning'],
    advice: ['installed and running'],
  },
  {
    name: 'claim Pending: the provisioner reported an error',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, {
        pods: [pod(set, 0, { phase: 'Pending', ready: false, node: null })],
        claims: [claim('data-web-0', { phase: 'Pending' })],
        events: [
          event(
            'PersistentVolumeClaim',
            'data-web-0',
            'ProvisioningFailed',
            'failed to provision volume: quota exceeded',
          ),
        ],
      });
    },
    code: 'ClaimProvisioningFailed',
    ordinals: [0],
    message: ['quota exceeded'],
    advice: ['kubectl describe pvc data-web-0 -n shop'],
  },
  {
    name: 'claim Pending for an unexplained reason, recently created',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const pending = claim('data-web-0', { phase: 'Pending', createdAgo: 10 });
      return snapshot(set, {
        pods: [pod(set, 0, { phase: 'Pending', ready: false, node: null })],
        claims: [pending],
        storageClasses: [storageClass('standard', { provisioner: '' }, true)],
      });
    },
    code: 'ClaimPending',
    severity: 'warning',
    ordinals: [0],
    advice: ['kubectl describe pvc data-web-0 -n shop'],
  },
  {
    name: 'claim Lost',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const lost = claim('data-web-0');
      lost.status = { phase: 'Lost' };
      return snapshot(set, { claims: [lost] });
    },
    code: 'ClaimLost',
    severity: 'error',
    ordinals: [0],
    advice: ['`kubectl delete pvc data-web-0 -n shop`'],
  },
  {
    name: 'a pod Terminating long past its grace period on a Ready node',
    snapshot: () => {
      const set = statefulSet();
      return snapshot(set, { pods: replacePod(healthyPods(set), pod(set, 2, { terminatingSince: 1800 })) });
    },
    code: 'PodStuckTerminating',
    severity: 'warning',
    ordinals: [2],
    message: ['30m'],
    advice: ['kubectl get pod web-2 -n shop -o yaml'],
  },
  {
    name: 'claim Pending: WaitForFirstConsumer while its pod cannot be scheduled (no Unschedulable condition to report it by)',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const unscheduled = pod(set, 0, { ready: false, phase: 'Pending', node: null });
      unscheduled.status!.conditions = unscheduled.status!.conditions!.filter(
        (c) => c.type !== 'PodScheduled',
      );
      return snapshot(set, {
        pods: [unscheduled],
        claims: [claim('data-web-0', { phase: 'Pending', storageClassName: 'local' })],
        storageClasses: [storageClass('local', { volumeBindingMode: 'WaitForFirstConsumer' }, true)],
        events: [
          event(
            'Pod',
            'web-0',
            'FailedScheduling',
            '0/2 nodes are available: 2 node(s) had untolerated taint.',
          ),
        ],
      });
    },
    code: 'ClaimWaitingForFirstConsumer',
    ordinals: [0],
    advice: ['kubectl describe pod web-0 -n shop'],
  },
  {
    name: 'volume node affinity conflict after the node holding a local volume went away',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const pv = volume('pv-data-web-0', 'data-web-0', 'Bound', {});
      pv.spec!.nodeAffinity = {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-gone'] }] },
          ],
        },
      };
      return snapshot(set, {
        pods: [
          pod(set, 0, {
            unschedulable: '0/2 nodes are available: 2 node(s) had volume node affinity conflict.',
            ready: false,
          }),
        ],
        volumes: new Map([['pv-data-web-0', pv]]),
      });
    },
    code: 'VolumeNodeAffinityConflict',
    ordinals: [0],
    evidence: ['node-gone'],
    advice: ['`kubectl delete pvc data-web-0 -n shop`', '`kubectl delete pod web-0 -n shop`'],
  },
  {
    name: 'claim smaller than the template on an expandable class',
    snapshot: () => {
      const set = statefulSet({ replicas: 1, templates: [{ name: 'data', size: '10Gi' }] });
      return snapshot(set, {
        claims: [claim('data-web-0', { size: '5Gi' })],
        storageClasses: [storageClass('standard', { allowVolumeExpansion: true }, true)],
      });
    },
    code: 'ClaimSizeDiffers',
    severity: 'warning',
    ordinals: [0],
    advice: [
      `kubectl patch pvc data-web-0 -n shop -p '{"spec":{"resources":{"requests":{"storage":"10Gi"}}}}'`,
    ],
  },
  {
    name: 'claim smaller than the template on a class without expansion',
    snapshot: () => {
      const set = statefulSet({ replicas: 1, templates: [{ name: 'data', size: '10Gi' }] });
      return snapshot(set, { claims: [claim('data-web-0', { size: '5Gi' })] });
    },
    code: 'ClaimSizeDiffers',
    ordinals: [0],
    advice: ['does not allow expansion'],
  },
  {
    name: 'a Released volume of a deleted claim',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, { volumes: new Map([['pv-old', volume('pv-old', 'data-web-3', 'Released')]]) });
    },
    code: 'VolumeReleased',
    severity: 'warning',
    ordinals: [3],
    advice: [`kubectl patch pv pv-old --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"}]'`],
  },
  {
    name: 'a Failed volume',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      return snapshot(set, { volumes: new Map([['pv-f', volume('pv-f', 'data-web-0', 'Failed')]]) });
    },
    code: 'VolumeFailed',
    severity: 'error',
    ordinals: [0],
    advice: ['kubectl describe pv pv-f'],
  },
  {
    name: 'governing Service missing',
    snapshot: () => snapshot(statefulSet(), { service: undefined }),
    code: 'ServiceMissing',
    severity: 'error',
    ordinals: [],
    advice: ['--clusterip=None'],
  },
  {
    name: 'no serviceName at all',
    snapshot: () => {
      const set = statefulSet();
      return snapshot({ ...set, spec: { ...set.spec!, serviceName: '' } }, { service: undefined });
    },
    code: 'ServiceNameUnset',
    severity: 'warning',
    ordinals: [],
    advice: ['--cascade=orphan'],
  },
  {
    name: 'governing Service not headless',
    snapshot: () => {
      const set = statefulSet();
      return snapshot(set, {
        service: { ...snapshot(set).service!, spec: { clusterIP: '10.0.0.7', selector: { app: 'web' } } },
      });
    },
    code: 'ServiceNotHeadless',
    ordinals: [],
    advice: ['clusterIP: None'],
  },
  {
    name: 'governing Service selecting other pods',
    snapshot: () => {
      const set = statefulSet();
      return snapshot(set, {
        service: { ...snapshot(set).service!, spec: { clusterIP: 'None', selector: { app: 'nginx' } } },
      });
    },
    code: 'ServiceSelectorMismatch',
    ordinals: [],
    message: ['app=nginx'],
    advice: ['kubectl edit service web -n shop'],
  },
  {
    name: 'a pod stuck Terminating on a node that stopped reporting',
    snapshot: () => {
      const set = statefulSet();
      return snapshot(set, {
        pods: replacePod(healthyPods(set), pod(set, 1, { node: 'node-b', terminatingSince: 900 })),
        nodes: [node('node-a'), node('node-b', 'Unknown')],
      });
    },
    code: 'PodStuckTerminatingOnLostNode',
    severity: 'error',
    ordinals: [1],
    evidence: ['node node-b: Ready=Unknown'],
    advice: [
      '`kubectl delete pod web-1 -n shop --force --grace-period=0`',
      '`kubectl delete node node-b`',
      'confirm node-b is really down',
    ],
    blocking: true,
  },
  {
    name: 'a pod on a NotReady node that is not yet terminating',
    snapshot: () => {
      const set = statefulSet();
      return snapshot(set, {
        pods: replacePod(healthyPods(set), pod(set, 0, { node: 'node-b' })),
        nodes: [node('node-a'), node('node-b', 'False')],
      });
    },
    code: 'PodOnNotReadyNode',
    ordinals: [0],
    advice: ['kubectl describe node node-b'],
  },
  {
    name: 'a pod left by an earlier set of the same name holds its ordinal: creation is blocked',
    snapshot: () => {
      const set = statefulSet({ replicas: 2 });
      const stale = pod(set, 1);
      stale.metadata!.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-old-web', controller: true },
      ];
      return snapshot(set, {
        pods: [pod(set, 0), stale].map((p, i) =>
          i === 0
            ? {
                ...p,
                metadata: {
                  ...p.metadata,
                  ownerReferences: [
                    {
                      apiVersion: 'apps/v1',
                      kind: 'StatefulSet',
                      name: 'web',
                      uid: 'uid-web',
                      controller: true,
                    },
                  ],
                },
              }
            : p,
        ),
      });
    },
    code: 'PodFromEarlierSet',
    severity: 'error',
    ordinals: [1],
    message: ['earlier StatefulSet named web', 'cannot create its own web-1'],
    evidence: ["uid uid-old-web; this set's uid is uid-web"],
    advice: ['`kubectl delete pod web-1 -n shop`'],
    blocking: true,
  },
  {
    name: 'a pod owned by the set whose name has no ordinal: ignored by the controller',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const odd = pod(set, 0);
      odd.metadata!.name = 'web-canary';
      odd.metadata!.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true },
      ];
      return snapshot(set, { pods: [pod(set, 0), odd] });
    },
    code: 'PodWithoutOrdinal',
    severity: 'warning',
    ordinals: [],
    message: ['pod web-canary', 'carries no ordinal'],
    advice: ['kubectl delete pod web-canary -n shop'],
  },
  {
    name: 'a claim deleted while its pod runs: the next restart loses it, and its Delete volume',
    snapshot: () => {
      const set = statefulSet({ replicas: 2 });
      const doomed = claim('data-web-1');
      doomed.metadata!.deletionTimestamp = new Date(
        Date.parse('2026-01-10T12:00:00Z') - 300_000,
      ).toISOString();
      doomed.metadata!.finalizers = ['kubernetes.io/pvc-protection'];
      const pv = volume('pv-data-web-1', 'data-web-1', 'Bound', {});
      pv.spec!.persistentVolumeReclaimPolicy = 'Delete';
      return snapshot(set, {
        claims: [claim('data-web-0'), doomed],
        volumes: new Map([['pv-data-web-1', pv]]),
      });
    },
    code: 'ClaimDeletedWhileInUse',
    severity: 'error',
    ordinals: [1],
    message: ['the next restart of pod web-1 loses this claim', 'reclaimPolicy Delete'],
    evidence: ['finalizers: kubernetes.io/pvc-protection', 'used by pod web-1 on node node-a', '(5m ago)'],
    advice: [
      'cannot be called back',
      `\`kubectl patch pv pv-data-web-1 -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'\``,
      'do not restart, evict or update web-1',
    ],
    blocking: true,
  },
  {
    name: 'a filesystem resize waiting for the pod: capacity still below the request',
    snapshot: () => {
      const set = statefulSet({ replicas: 1, templates: [{ name: 'data', size: '2Gi' }] });
      const growing = claim('data-web-0', { size: '1Gi' });
      growing.spec!.resources = { requests: { storage: '2Gi' } };
      growing.status!.conditions = [
        {
          type: 'FileSystemResizePending',
          status: 'True',
          lastTransitionTime: new Date(Date.parse('2026-01-10T12:00:00Z') - 600_000).toISOString(),
          message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
        },
      ];
      return snapshot(set, { claims: [growing] });
    },
    code: 'ClaimResizePending',
    severity: 'info',
    ordinals: [0],
    message: ['from 1Gi to 2Gi', 'FileSystemResizePending', 'the pod sees 1Gi'],
    evidence: [
      'status.capacity.storage 1Gi',
      'condition FileSystemResizePending: Waiting for user to (re-)start a pod',
    ],
    advice: ['`kubectl delete pod web-0 -n shop`'],
  },
  {
    name: 'timestamps ahead of the clock are skew, not "0s"',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const early = pod(set, 0);
      early.metadata!.creationTimestamp = new Date(Date.parse('2026-01-10T12:00:00Z') + 45_000).toISOString();
      return snapshot(set, { pods: [early] });
    },
    code: 'ClockSkew',
    severity: 'info',
    ordinals: [],
    message: ['45s ahead', '<invalid>'],
    evidence: ['pod/web-0 creationTimestamp is 45s ahead'],
    advice: ['NTP'],
  },
  {
    name: 'the removed tolerate-unready-endpoints annotation instead of publishNotReadyAddresses',
    snapshot: () => {
      const set = statefulSet({ replicas: 1 });
      const service = headlessService(set);
      service.metadata!.annotations = { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' };
      return snapshot(set, { service });
    },
    code: 'ServiceTolerateUnreadyAnnotation',
    severity: 'warning',
    ordinals: [],
    message: ['EndpointSlices ignore', '1.24 removed'],
    advice: [`-p '{"spec":{"publishNotReadyAddresses":true}}'`],
  },
  {
    name: 'a marker file verify-pvc left, recorded on its claim',
    snapshot: () => {
      const set = statefulSet();
      const record = JSON.stringify({
        pod: 'web-1',
        container: 'main',
        path: '/data/.kubectl-sts-verify-pvc-m1',
        pathInVolume: '/.kubectl-sts-verify-pvc-m1',
        writtenAt: '2026-01-01T00:00:00.000Z',
      });
      const claims = claimsFor(set).map((c) =>
        c.metadata?.name === 'data-web-1'
          ? { ...c, metadata: { ...c.metadata, annotations: { 'verify-pvc.kubectl-sts.dev/m1': record } } }
          : c,
      );
      return snapshot(set, { claims });
    },
    code: 'VerifyPvcMarkerLeft',
    severity: 'warning',
    ordinals: [1],
    evidence: ['claim data-web-1: /data/.kubectl-sts-verify-pvc-m1 in container main of web-1'],
    advice: ['`kubectl sts verify-pvc web -n shop --cleanup`'],
  },
];

describe('diagnostics rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = diagnose(c.snapshot());
    const finding = findings.find((f) => f.code === c.code);
    expect(finding, `codes found: ${findings.map((f) => f.code).join(', ')}`).toBeDefined();
    expect(finding!.ordinals).toEqual(c.ordinals);
    if (c.severity) expect(finding!.severity).toBe(c.severity);
    if (c.blocking !== undefined) expect(finding!.blocking ?? false).toBe(c.blocking);
    for (const part of c.advice) expect(finding!.advice).toContain(part);
    for (const part of c.message ?? []) expect(finding!.message).toContain(part);
    for (const part of c.evidence ?? []) expect(finding!.evidence.join('\n')).toContain(part);
  });

  it('reports nothing for a healthy set', () => {
    expect(diagnose(snapshot(statefulSet()))).toEqual([]);
  });

  it('reports nothing for a healthy set with ordinals.start, a partition on one revision and minReadySeconds elapsed', () => {
    const set = statefulSet({ replicas: 4, start: 3, partition: 2, minReadySeconds: 30 });
    expect(diagnose(snapshot(set))).toEqual([]);
  });

  it('ignores a crash-looping pod that fits the name but is owned by another controller, as status does', () => {
    const set = statefulSet({ replicas: 2, policy: 'Parallel' });
    const impostor = pod(set, 1, { ready: false, waiting: 'CrashLoopBackOff' });
    impostor.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-uid', controller: true },
    ];
    const found = diagnose(snapshot(set, { pods: replacePod(healthyPods(set), impostor) }));
    expect(found.filter((d) => d.code === 'PodFailing')).toEqual([]);
  });

  it('reports nothing for a scale-up just under way (next pod starting, higher ones not yet created)', () => {
    const set = statefulSet({ replicas: 3 });
    const pods = withoutPod(withoutPod(healthyPods(set), 'web-2'), 'web-1');
    const found = diagnose(snapshot(set, { pods })).filter((d) => d.severity !== 'info');
    expect(found).toEqual([]);
  });

  it('does not guess from lists that were not read (no nodes, no storage classes, as in the overview)', () => {
    const set = statefulSet({ replicas: 2 });
    const found = diagnose(
      snapshot(set, {
        pods: [pod(set, 0), pod(set, 1, { terminatingSince: 10 })],
        claims: [claim('data-web-0'), claim('data-web-1', { phase: 'Pending', storageClassName: null })],
        nodes: [],
        storageClasses: [],
      }),
    ).map((d) => d.code);
    expect(found).not.toContain('PodStuckTerminatingOnLostNode');
    expect(found).not.toContain('ClaimNoStorageClass');
    expect(found).not.toContain('ClaimStorageClassNotFound');
  });

  it("the control plane's own taint gets no advice to remove it; another taint does, by key", () => {
    const set = statefulSet({ replicas: 1 });
    const advise = (message: string) =>
      diagnose(snapshot(set, { pods: [pod(set, 0, { unschedulable: message, ready: false })] })).find(
        (d) => d.code === 'PodUnschedulable',
      )!.advice;
    expect(
      advise(
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable. preemption: …',
      ),
    ).not.toContain('toleration');
    expect(
      advise(
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) had untolerated taint {dedicated: db}. preemption: …',
      ),
    ).toContain('`kubectl taint node <node> dedicated-`');
  });

  it('claims kept by whenScaled: Retain after a scale-down are no finding (the report lists them)', () => {
    for (const [options, extra] of [
      [{ replicas: 2 }, ['data-web-2', 'data-web-3']],
      [{ replicas: 2, start: 5 }, ['data-web-0']],
    ] as const) {
      const set = statefulSet(options);
      const claims = [...claimsFor(set), ...extra.map((name) => claim(name))];
      expect(diagnose(snapshot(set, { claims }))).toEqual([]);
    }
  });

  it('claims whenScaled: Delete removes with their pods are no finding', () => {
    const set = statefulSet({ replicas: 1, whenScaled: 'Delete' });
    const found = diagnose(
      snapshot(set, {
        pods: [pod(set, 0), pod(set, 1, { terminatingSince: 5 })],
        claims: [...claimsFor(set), claim('data-web-1', { ownerPod: 'web-1' })],
      }),
    );
    expect(found.map((d) => d.code)).not.toContain('LeftoverClaims');
  });

  it('concludes nothing about pods or claims that were not read (a dump without them)', () => {
    const set = statefulSet({ replicas: 3 });
    const found = diagnose(
      snapshot(set, {
        pods: [],
        claims: [],
        unreadable: [
          { resource: 'pods', reason: 'offline', message: 'pods are not in the dump' },
          { resource: 'persistentvolumeclaims', reason: 'offline', message: 'claims are not in the dump' },
        ],
      }),
    );
    expect(found).toEqual([]);
  });

  it('orders findings by severity, then ordinal', () => {
    const set = statefulSet({ replicas: 2, whenScaled: 'Delete' });
    const found = diagnose(
      snapshot(set, { service: undefined, claims: [...claimsFor(set), claim('data-web-5')] }),
    ).map((d) => d.code);
    expect(found).toEqual(['ServiceMissing', 'LeftoverClaims']);
  });

  it('emits only codes catalogued for status, each with message, advice and sorted ordinals', () => {
    const known = new Set(
      DIAGNOSTIC_CODES.filter((c) => commandsOf(c).includes('status')).map((c) => c.code),
    );
    for (const c of cases) {
      for (const finding of diagnose(c.snapshot())) {
        expect(known.has(finding.code), finding.code).toBe(true);
        expect(finding.message.length).toBeGreaterThan(0);
        expect(finding.advice.length).toBeGreaterThan(0);
        expect(finding.ordinals).toEqual([...finding.ordinals].sort((a, b) => a - b));
      }
    }
  });

  it('every code catalogued for status is produced by some case', () => {
    const produced = new Set(cases.flatMap((c) => diagnose(c.snapshot()).map((f) => f.code)));
    const missing = DIAGNOSTIC_CODES.filter((c) => commandsOf(c).includes('status'))
      .map((c) => c.code)
      .filter((code) => !produced.has(code));
    expect(missing).toEqual([]);
  });

  it('every catalogued code is documented in the README', () => {
    const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const undocumented = DIAGNOSTIC_CODES.map((c) => c.code).filter(
      (code) => !doc.includes(`| \`${code}\` |`),
    );
    expect(undocumented).toEqual([]);
  });
});
