// `kubectl sts dns` end to end: the real HTTP gateway against startSimCluster, whose controllers
// publish EndpointSlices and whose exec shell answers getent/nslookup as CoreDNS would.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import { dnsRequestFrom, showDns } from '../../src/commands/dns.ts';
import type { DnsList } from '../../src/commands/dns.ts';
import { connect } from '../../src/kube/connect.ts';
import type { Connection } from '../../src/kube/connect.ts';
import type { DnsReport } from '../../src/report/dns.ts';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';
import { pathToFileURL } from 'node:url';

const KIAMOL = new URL('kiamol-ch08/todo-list/db/', pathToFileURL(THIRD_PARTY_FIXTURES));
const TODO_DB = ['todo-db.yaml', 'todo-db-service.yaml', 'todo-db-secret.yaml']
  .map((file) => readFileSync(new URL(file, KIAMOL), 'utf8'))
  .join('\n---\n');

interface SetOptions {
  image?: string;
  service?: string | false;
  serviceSpec?: string;
  selector?: string;
  annotations?: Record<string, string>;
}

/** A two-replica Parallel set of our own, with its governing Service shaped as a case needs. */
function scenario(name: string, options: SetOptions = {}): string {
  const serviceName = options.service === false ? `${name}-ghost` : (options.service ?? name);
  const service =
    options.service === false
      ? ''
      : `---
apiVersion: v1
kind: Service
metadata: {name: ${serviceName}}
spec:
  selector: {app: ${options.selector ?? name}}
  ports: [{name: web, port: 80}]
${options.serviceSpec ?? '  clusterIP: None'}
`;
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${serviceName}
  replicas: 2
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
      annotations: ${JSON.stringify(options.annotations ?? {})}
    spec:
      containers:
      - name: main
        image: ${options.image ?? 'busybox:1.36'}
${service}`;
}

const NOT_READY = { 'sim.kubectl-sts.dev/readiness': 'fail' };

let sim: SimCluster;
let connection: Connection;

async function running(name: string, ready: boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = sim.store.list<Pod>('pods', 'default').filter((pod) => pod.metadata?.labels?.app === name);
    const set = sim.store.get<StatefulSet>('statefulsets', 'default', name);
    const wanted = set?.spec?.replicas ?? 0;
    const ok = pods.filter(
      (pod) =>
        pod.status?.phase === 'Running' &&
        pod.status.podIP &&
        pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === (ready ? 'True' : 'False')),
    );
    if (ok.length === wanted && wanted > 0) {
      // Let the EndpointSlice controller catch up with the last change.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return;
    }
    if (Date.now() > deadline) throw new Error(`${name} did not reach the expected state`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function dns(argv: { name?: string }, flags: Parameters<typeof dnsRequestFrom>[1] = {}) {
  let stdout = '';
  const request = dnsRequestFrom(argv, { output: 'json', ...flags }, { isTTY: false }, {});
  const result = await showDns(
    connection.gateway,
    flags['all-namespaces'] ? undefined : 'default',
    request,
    (text) => (stdout += text),
    () => {},
  );
  return { result, stdout };
}

const codes = (report: DnsReport) => report.diagnostics.map((d) => d.code);

beforeAll(async () => {
  sim = await startSimCluster({
    speed: 20,
    manifests: [
      TODO_DB,
      scenario('plain', { serviceSpec: '' }),
      scenario('orphan', { service: false }),
      scenario('mismatch', { selector: 'nomatch' }),
      scenario('slow', { annotations: NOT_READY }),
      scenario('early', {
        annotations: NOT_READY,
        serviceSpec: '  clusterIP: None\n  publishNotReadyAddresses: true',
      }),
      scenario('bare', { image: 'debian:12', annotations: { 'sim.kubectl-sts.dev/tools': 'shell' } }),
      scenario('distroless', { image: 'gcr.io/distroless/static' }),
      scenario('sidecar', { image: 'gcr.io/distroless/static' }).replace(
        '        image: gcr.io/distroless/static\n',
        '        image: gcr.io/distroless/static\n      - name: tools\n        image: busybox:1.36\n',
      ),
      scenario('nosearch', { image: 'debian:12' }).replace(
        '    spec:\n      containers:',
        '    spec:\n      dnsPolicy: None\n      dnsConfig: {nameservers: [10.96.0.10], searches: [svc.cluster.local]}\n      containers:',
      ),
      scenario('lost', { service: false }).replace('serviceName: lost-ghost', 'serviceName: lost'),
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: elsewhere}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: intruder, labels: {app: early}}\nspec: {containers: [{name: c, image: busybox}]}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: lost, namespace: elsewhere}\nspec: {clusterIP: None, selector: {app: lost}}',
    ].join('\n---\n'),
  });
  connection = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeoutMs: 10_000, debug: false });
  await Promise.all([
    running('todo-db', true),
    running('plain', true),
    running('orphan', true),
    running('mismatch', true),
    running('slow', false),
    running('early', false),
    running('bare', true),
    running('distroless', true),
    running('lost', true),
    running('sidecar', true),
    running('nosearch', true),
  ]);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await sim?.stop();
});

describe('kubectl sts dns NAME against the simulator', () => {
  it('healthy todo-db: every name published, the domain read from a pod’s resolv.conf', async () => {
    const { result, stdout } = await dns({ name: 'todo-db' });
    const report = result as DnsReport;
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report).toMatchObject({
      clusterDomain: 'cluster.local',
      clusterDomainSource: 'resolv.conf',
      service: { name: 'todo-db', fqdn: 'todo-db.default.svc.cluster.local', headless: true, exists: true },
      srv: [{ name: '_postgres._tcp.todo-db.default.svc.cluster.local' }],
    });
    expect(report.records.map((r) => [r.fqdn, r.published, r.ready])).toEqual([
      ['todo-db-0.todo-db.default.svc.cluster.local', true, true],
      ['todo-db-1.todo-db.default.svc.cluster.local', true, true],
    ]);
    expect(report.diagnostics).toEqual([]);
  });

  it('--probe resolves every name with getent inside the postgres-alpine pod and finds the pod IPs', async () => {
    const report = (await dns({ name: 'todo-db' }, { probe: true })).result as DnsReport;
    expect(report.probe).toMatchObject({ tool: 'getent', problem: null, container: 'db' });
    expect(report.records.map((record) => record.resolved)).toEqual([
      // getent answers the probe pod's own name from the /etc/hosts the kubelet wrote.
      { addresses: [report.records[0]!.podIP], matches: true, source: 'hosts-file' },
      { addresses: [report.records[1]!.podIP], matches: true, source: 'dns' },
    ]);
    expect(report.service.resolved?.matches).toBe(true);
    expect(report.diagnostics).toEqual([]);
  });

  it('--from probes from another pod, here with busybox nslookup', async () => {
    const report = (await dns({ name: 'todo-db' }, { from: 'plain-0' })).result as DnsReport;
    expect(report.probe).toMatchObject({ from: 'default/plain-0', tool: 'nslookup' });
    expect(report.records.every((r) => r.resolved?.matches)).toBe(true);
  });

  it('a non-headless Service is an error, though CoreDNS still answers pod names', async () => {
    const report = (await dns({ name: 'plain' }, { probe: true })).result as DnsReport;
    expect(report.service.headless).toBe(false);
    expect(report.service.clusterIP).toMatch(/^10\.96\./);
    expect(codes(report)).toEqual(['ServiceNotHeadless']);
    expect(report.service.resolved).toEqual({
      addresses: [report.service.clusterIP],
      matches: true,
      source: 'dns',
    });
  });

  it('a missing Service: nothing published, and the probe confirms nothing resolves', async () => {
    const report = (await dns({ name: 'orphan' }, { probe: true })).result as DnsReport;
    expect(codes(report)).toEqual(['ServiceMissing']);
    expect(report.records.map((r) => [r.published, r.reason, r.resolved?.addresses])).toEqual([
      [false, 'Service orphan-ghost does not exist', []],
      [false, 'Service orphan-ghost does not exist', []],
    ]);
  });

  it('a Service that also selects a pod that is not the set’s is a warning', async () => {
    const report = (await dns({ name: 'early' }, { 'cluster-domain': 'cluster.local' })).result as DnsReport;
    const finding = report.diagnostics.find((d) => d.code === 'ServiceSelectsOtherPods');
    expect(finding?.evidence).toContain('other pods: intruder');
  });

  it('a Service of that name in another namespace is pointed out', async () => {
    const report = (await dns({ name: 'lost' })).result as DnsReport;
    expect(codes(report)).toEqual(['ServiceInOtherNamespace']);
    expect(report.diagnostics[0]!.evidence).toContain('service elsewhere/lost: exists');
  });

  it('a selector mismatch: no endpoints, so no names', async () => {
    const report = (await dns({ name: 'mismatch' }, { probe: true })).result as DnsReport;
    expect(codes(report)).toContain('ServiceSelectorMismatch');
    expect(
      report.records.every(
        (r) => !r.published && r.reason === 'the Service selector does not select the pod',
      ),
    ).toBe(true);
    expect(report.records.every((r) => r.resolved?.matches)).toBe(true);
  });

  it('not-ready pods without publishNotReadyAddresses are not published', async () => {
    const report = (await dns({ name: 'slow' }, { probe: true })).result as DnsReport;
    expect(codes(report)).toContain('PodsNotReadyUnpublished');
    expect(report.records.map((r) => [r.published, r.reason, r.resolved?.addresses])).toEqual([
      [false, 'not Ready, and publishNotReadyAddresses is false', []],
      [false, 'not Ready, and publishNotReadyAddresses is false', []],
    ]);
  });

  it('not-ready pods with publishNotReadyAddresses resolve', async () => {
    const report = (await dns({ name: 'early' }, { probe: true })).result as DnsReport;
    expect(codes(report)).not.toContain('PodsNotReadyUnpublished');
    expect(report.records.map((r) => [r.ready, r.published, r.resolved?.matches])).toEqual([
      [false, true, true],
      [false, true, true],
    ]);
  });

  it('an image with a shell but neither getent nor nslookup is reported clearly', async () => {
    const report = (await dns({ name: 'bare' }, { probe: true })).result as DnsReport;
    expect(report.probe?.problem).toEqual({
      code: 'ProbeNoResolverTool',
      message:
        'the image of pod default/bare-0 (debian:12) has neither getent nor nslookup: names cannot be resolved from it',
    });
    expect(codes(report)).toEqual(['ProbeNoResolverTool']);
  });

  it('an image without a shell: the probe says so, and the domain comes from CoreDNS’s ConfigMap', async () => {
    const report = (await dns({ name: 'distroless' }, { probe: true })).result as DnsReport;
    expect(report.probe?.problem?.code).toBe('ProbeNoShell');
    expect(report).toMatchObject({ clusterDomain: 'cluster.local', clusterDomainSource: 'coredns' });
  });

  it('a shell-less app container with a tools sidecar: the sidecar reads resolv.conf and probes', async () => {
    const report = (await dns({ name: 'sidecar' }, { probe: true })).result as DnsReport;
    expect(report).toMatchObject({ clusterDomainSource: 'resolv.conf' });
    expect(report.probe).toMatchObject({ container: 'tools', tool: 'nslookup', problem: null });
    expect(report.records.every((r) => r.resolved?.matches)).toBe(true);
  });

  it('short names are proven from a pod of the namespace, and a search list without it is caught', async () => {
    const healthy = (await dns({ name: 'todo-db' }, { probe: true })).result as DnsReport;
    expect(healthy.records[1]!.shortResolved).toEqual([
      { name: 'todo-db-1.todo-db', addresses: [healthy.records[1]!.podIP], matches: true, source: 'dns' },
      {
        name: 'todo-db-1.todo-db.default',
        addresses: [healthy.records[1]!.podIP],
        matches: true,
        source: 'dns',
      },
    ]);
    const broken = (await dns({ name: 'nosearch' }, { probe: true })).result as DnsReport;
    expect(broken.records.map((r) => r.resolved?.matches)).toEqual([true, true]);
    const finding = broken.diagnostics.find((d) => d.code === 'ShortNameMismatch');
    expect(finding?.ordinals).toEqual([0, 1]);
    expect(finding?.evidence[0]).toMatch(/^nosearch-0\.nosearch: resolved not found, while /);
  });

  it('--cluster-domain wins over detection', async () => {
    const report = (await dns({ name: 'todo-db' }, { 'cluster-domain': 'cluster.local.' }))
      .result as DnsReport;
    expect(report).toMatchObject({ clusterDomain: 'cluster.local', clusterDomainSource: 'flag' });
  });

  it('a wrong --cluster-domain shows up when probing', async () => {
    const report = (await dns({ name: 'todo-db' }, { 'cluster-domain': 'example.org', probe: true }))
      .result as DnsReport;
    expect(report.records.every((r) => r.resolved?.addresses.length === 0)).toBe(true);
    expect(codes(report)).toEqual(['ProbeMismatch']);
  });

  it('without access to Services and pods/exec: verdicts unknown, domain from CoreDNS, probe failed', async () => {
    const undo = [
      sim.rbac.deny({ resource: 'services', namespace: 'default' }),
      sim.rbac.deny({ resource: 'pods', subresource: 'exec' }),
    ];
    try {
      const report = (await dns({ name: 'todo-db' }, { probe: true })).result as DnsReport;
      expect(report.clusterDomainSource).toBe('coredns');
      expect(report.records.map((r) => [r.published, r.reason])).toEqual([
        [false, 'the Service could not be read'],
        [false, 'the Service could not be read'],
      ]);
      expect(codes(report)).toEqual(['IdentityUnreadable', 'ProbeFailed']);
    } finally {
      for (const allow of undo) allow();
    }
  });

  it('a failing exec endpoint: one detection attempt, then CoreDNS; the probe reports the failure', async () => {
    const before = sim.requestLog.count({ resource: 'pods', subresource: 'exec' });
    const undo = sim.faults.add({
      match: { resource: 'pods', subresource: 'exec' },
      status: 500,
      message: 'exec broke',
    });
    try {
      const report = (await dns({ name: 'todo-db' }, { probe: true })).result as DnsReport;
      expect(report.clusterDomainSource).toBe('coredns');
      expect(report.probe?.problem?.code).toBe('ProbeFailed');
      const execs = sim.requestLog.count({ resource: 'pods', subresource: 'exec' }) - before;
      expect(execs).toBe(2);
    } finally {
      undo();
    }
  });

  it('a missing --from pod is NOT_FOUND', async () => {
    await expect(dns({ name: 'todo-db' }, { from: 'nope' })).rejects.toMatchObject({
      exitCode: ExitCode.NOT_FOUND,
      message: 'pod "nope" not found in namespace default',
    });
  });

  it('a missing StatefulSet is NOT_FOUND', async () => {
    const error = await dns({ name: 'absent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StsError);
    expect((error as StsError).exitCode).toBe(ExitCode.NOT_FOUND);
  });
});

describe('kubectl sts dns without NAME', () => {
  it('lists every set of the namespace', async () => {
    const list = (await dns({})).result as DnsList;
    expect(list.items.map((item) => item.statefulSet.name).sort()).toEqual(
      [
        'bare',
        'distroless',
        'early',
        'lost',
        'mismatch',
        'nosearch',
        'orphan',
        'plain',
        'sidecar',
        'slow',
        'todo-db',
      ].sort(),
    );
  });

  it('probes every set from one of its own pods', async () => {
    const list = (await dns({}, { probe: true })).result as DnsList;
    const byName = new Map(list.items.map((item) => [item.statefulSet.name, item]));
    expect(byName.get('todo-db')?.probe).toMatchObject({ from: 'default/todo-db-0', tool: 'getent' });
    expect(byName.get('plain')?.probe).toMatchObject({ from: 'default/plain-0', tool: 'nslookup' });
    expect(byName.get('distroless')?.probe?.problem?.code).toBe('ProbeNoShell');
  });

  it('renders one table with a row per pod', async () => {
    const { stdout } = await dns({}, { output: 'table', 'all-namespaces': true });
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Cluster domain: cluster\.local \(/);
    expect(lines[2]).toMatch(/^NAMESPACE\s+STATEFULSET\s+POD\s+FQDN\s+IP\s+READY\s+PUBLISHED$/);
    expect(lines.filter((line) => line.startsWith('default '))).toHaveLength(22);
  });
});

describe('a custom cluster domain', () => {
  let custom: SimCluster;
  let customConnection: Connection;
  beforeAll(async () => {
    custom = await startSimCluster({ speed: 20, clusterDomain: 'corp.example', manifests: TODO_DB });
    customConnection = await connect({
      kubeconfig: custom.kubeconfigPath,
      requestTimeoutMs: 10_000,
      debug: false,
    });
    await waitForSettledSet(custom, 'default', 'todo-db', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }, 60_000);
  afterAll(async () => {
    customConnection?.close();
    await custom?.stop();
  });

  it('is detected from resolv.conf and the names resolve under it', async () => {
    const request = dnsRequestFrom(
      { name: 'todo-db' },
      { output: 'json', probe: true },
      { isTTY: false },
      {},
    );
    const report = (await showDns(customConnection.gateway, 'default', request, () => {})) as DnsReport;
    expect(report).toMatchObject({ clusterDomain: 'corp.example', clusterDomainSource: 'resolv.conf' });
    expect(report.records[0]!.fqdn).toBe('todo-db-0.todo-db.default.svc.corp.example');
    expect(report.records.every((r) => r.resolved?.matches)).toBe(true);
  });
});
