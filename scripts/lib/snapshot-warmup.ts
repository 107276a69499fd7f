// Runs the code a command runs, on made-up objects, while the start-up snapshot is built: V8
// compiles a function on its first call, and the snapshot keeps that compiled code, so a real
// run does not compile the kubeconfig reader, the flag parser, the report builder and the
// table renderer again. Only pure code runs here: no API access, no output, no state kept.
import { Parser } from '@oclif/core';
import { groupObjects, parseDump, snapshotFromDump, snapshotsFromDump } from '../../src/collect/offline.ts';
import StatusCommand from '../../src/commands/status.ts';
import DnsCommand from '../../src/commands/dns.ts';
import { parseKubeconfigFile } from '../../src/kube/kubeconfig.ts';
import { renderJson } from '../../src/render/json.ts';
import { renderOverview, renderStatus } from '../../src/render/status.ts';
import { renderYaml } from '../../src/render/yaml.ts';
import { healthOf } from '../../src/report/overview.ts';
import { buildStatusReport } from '../../src/report/status.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: warm-up
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: QUJD
contexts:
- name: warm-up
  context:
    cluster: warm-up
    user: warm-up
    namespace: default
current-context: warm-up
users:
- name: warm-up
  user:
    token: not-a-secret
`;

/** A three-replica set with claims, volumes and a headless Service, one pod not Ready. */
function warmUpObjects(): unknown[] {
  const at = '2026-01-01T00:00:00Z';
  const labels = { app: 'warm-up' };
  const objects: unknown[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'warm-up', namespace: 'default', uid: 'u-sts', generation: 1, creationTimestamp: at },
      spec: {
        replicas: 3,
        serviceName: 'warm-up',
        selector: { matchLabels: labels },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'db', image: 'db:1' }] } },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
      status: {
        observedGeneration: 1,
        replicas: 3,
        readyReplicas: 2,
        currentReplicas: 3,
        updatedReplicas: 3,
        currentRevision: 'warm-up-1',
        updateRevision: 'warm-up-1',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'warm-up', namespace: 'default', uid: 'u-svc' },
      spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'db', port: 5432 }] },
    },
  ];
  for (let ordinal = 0; ordinal < 3; ordinal++) {
    const ready = ordinal < 2;
    const claim = `data-warm-up-${ordinal}`;
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `warm-up-${ordinal}`,
          namespace: 'default',
          uid: `u-pod-${ordinal}`,
          creationTimestamp: at,
          labels: { ...labels, 'controller-revision-hash': 'warm-up-1' },
          ownerReferences: [{ kind: 'StatefulSet', name: 'warm-up', uid: 'u-sts', controller: true }],
        },
        spec: {
          nodeName: `node-${ordinal}`,
          hostname: `warm-up-${ordinal}`,
          subdomain: 'warm-up',
          containers: [{ name: 'db', image: 'db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
        },
        status: {
          phase: 'Running',
          podIP: `10.0.0.${ordinal + 1}`,
          conditions: [
            { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
          ],
          containerStatuses: [
            {
              name: 'db',
              ready,
              restartCount: ready ? 0 : 3,
              state: ready
                ? { running: { startedAt: at } }
                : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting' } },
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: 'default', uid: `u-pvc-${ordinal}`, labels },
        spec: { accessModes: ['ReadWriteOnce'], volumeName: `pv-${ordinal}`, storageClassName: 'standard' },
        status: { phase: 'Bound', capacity: { storage: '1Gi' } },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `pv-${ordinal}`, uid: `u-pv-${ordinal}` },
        spec: {
          capacity: { storage: '1Gi' },
          claimRef: { namespace: 'default', name: claim, uid: `u-pvc-${ordinal}` },
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: 'standard',
        },
        status: { phase: 'Bound' },
      },
    );
  }
  return objects;
}

export async function warmUp(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    parseKubeconfigFile('/warm-up/kubeconfig', KUBECONFIG);
    const argv = ['warm-up', '-n', 'default', '-o', 'wide', '--no-headers'];
    await Parser.parse(argv, { flags: StatusCommand.flags, args: StatusCommand.args, strict: true });
    await Parser.parse(argv, { flags: DnsCommand.flags, args: DnsCommand.args, strict: true });
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: warmUpObjects() });
    const dump = groupObjects(parseDump(text, 'warm-up.json'), ['warm-up.json']);
    const now = new Date('2026-01-01T01:00:00Z');
    const report = buildStatusReport(snapshotFromDump(dump, 'warm-up', { now }), {
      clusterDomain: 'cluster.local',
    });
    for (const wide of [false, true])
      for (const color of [false, true]) renderStatus(report, { wide, color, noHeaders: false });
    renderJson(report);
    renderYaml(report);
    const overview = {
      items: snapshotsFromDump(dump, { now }).map((snapshot) =>
        healthOf(buildStatusReport(snapshot, { clusterDomain: 'cluster.local' })),
      ),
      unreadable: [],
      generatedAt: now.toISOString(),
    };
    renderOverview(overview, { wide: false, color: false, noHeaders: false, allNamespaces: true });
  }
}
