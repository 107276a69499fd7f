// Real-world object shapes (dumps from live clusters, via k9s's test data) must read correctly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Service,
  StatefulSet,
} from '../../src/kube/types.ts';
import { podDisplayStatus } from '../../src/report/readiness.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { makeSnapshot } from './objects.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(`${THIRD_PARTY_FIXTURES}live-objects/k9s/${name}`, 'utf8')) as T;

describe('kubectl-like pod status on real pods', () => {
  it.each([
    {
      file: 'po_extra_status.json',
      want: { status: 'Running', readyContainers: 3, totalContainers: 2, restarts: 0 },
    },
    {
      file: 'po_extra_status_container_not_ready.json',
      want: { status: 'Running', readyContainers: 2, totalContainers: 2, restarts: 0 },
    },
    // An init container still running while the pod says Initialized: kubectl keeps "Init:0/1".
    {
      file: 'po_init.json',
      want: { status: 'Init:0/1', readyContainers: 1, totalContainers: 1, restarts: 0 },
    },
    // A native sidecar (restartPolicy: Always init container) counts as a container.
    {
      file: 'po_sidecar.json',
      want: { status: 'Running', readyContainers: 2, totalContainers: 2, restarts: 0 },
    },
  ])('$file', ({ file, want }) => {
    expect(podDisplayStatus(fixture<Pod>(file))).toEqual(want);
  });
});

describe('status report over a real StatefulSet, claim and volume', () => {
  const set = fixture<StatefulSet>('sts.json');
  const claim = fixture<PersistentVolumeClaim>('pvc.json');
  const pv = fixture<PersistentVolume>('pv.json');
  const service = fixture<Service>('svc.json');
  const snapshot = makeSnapshot({
    statefulSet: set,
    pods: [],
    claims: [claim],
    volumes: new Map([[pv.metadata!.name!, pv]]),
    service,
    now: new Date('2020-01-01T00:00:00Z'),
  });
  const report = buildStatusReport(snapshot, { clusterDomain: 'cluster.local' });

  it('reads the summary as the API wrote it', () => {
    expect(report.statefulSet).toMatchObject({
      name: 'nginx-sts',
      namespace: 'default',
      serviceName: 'nginx-sts',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', partition: 0, maxUnavailable: null },
      replicas: { desired: 4, current: 4, ready: 4, updated: 4, available: 0 },
      revisions: { current: 'nginx-sts-5b89ffb894', update: 'nginx-sts-5b89ffb894' },
      generation: { observed: 5, current: 5 },
      volumeClaimTemplates: ['www'],
    });
  });

  it('matches the claim www-nginx-sts-0 to ordinal 0 and nothing else', () => {
    expect(report.pods.map((row) => row.volumes[0]!.claimExists)).toEqual([true, false, false, false]);
    expect(report.pods[0]!.volumes[0]).toMatchObject({
      claim: 'www-nginx-sts-0',
      phase: 'Bound',
      volume: 'pvc-fbabd470-8725-11e9-a8e8-42010a80015b',
      capacity: '1Gi',
      requested: '1Mi',
      accessModes: ['RWO'],
      storageClass: 'standard',
      // The dumped PV belongs to another claim, so the bound one is not among the volumes read.
      volumeDetails: 'missing',
    });
    expect(report.pods[0]!.dns).toBe('nginx-sts-0.nginx-sts.default.svc.cluster.local');
  });
});

describe('claims and volumes being deleted', () => {
  it('marks a terminating PV (real dump) and a terminating claim', () => {
    const pv = fixture<PersistentVolume>('pv_terminating.json');
    const set = fixture<StatefulSet>('sts.json');
    const claim = {
      ...fixture<PersistentVolumeClaim>('pvc.json'),
      metadata: { name: 'www-nginx-sts-2', namespace: 'default', deletionTimestamp: '2022-07-21T14:10:00Z' },
    };
    claim.spec = { ...claim.spec, volumeName: pv.metadata!.name! };
    const snapshot = makeSnapshot({
      statefulSet: set,
      pods: [],
      claims: [claim],
      volumes: new Map([[pv.metadata!.name!, pv]]),
      now: new Date('2022-07-21T15:00:00Z'),
    });
    const volume = buildStatusReport(snapshot, { clusterDomain: 'cluster.local' }).pods[2]!.volumes[0]!;
    expect(volume).toMatchObject({
      claim: 'www-nginx-sts-2',
      phase: 'Bound',
      claimTerminating: true,
      volume: 'pvc-a4d86f51-916c-476b-83af-b551c91a8ac0',
      volumeDetails: 'read',
      volumePhase: 'Bound',
      volumeTerminating: true,
    });
  });
});
