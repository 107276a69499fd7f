// buildDnsReport: the names a StatefulSet promises, whether DNS publishes them, and why not.
import { describe, expect, it } from 'vitest';
import { buildDnsReport as build } from '../../src/report/dns.ts';
import type { DnsInput, DnsReport } from '../../src/report/dns.ts';
import { DIAGNOSTIC_CODES, commandsOf } from '../../src/report/diagnostics/index.ts';
import { DEFAULT_DOMAIN, NS, healthyInput, pod, service, set, slices } from './builders.ts';

/** Every code any test below saw, for the catalogue check at the end of the file. */
const produced = new Set<string>();
function buildDnsReport(input: DnsInput): DnsReport {
  const report = build(input);
  for (const finding of report.diagnostics) produced.add(finding.code);
  return report;
}

const codes = (input: DnsInput) => buildDnsReport(input).diagnostics.map((d) => d.code);

describe('names of a healthy set', () => {
  const report = buildDnsReport(healthyInput());

  it('names the governing Service and its SRV records', () => {
    expect(report.service).toMatchObject({
      name: 'web',
      fqdn: 'web.shop.svc.cluster.local',
      exists: true,
      headless: true,
    });
    expect(report.srv).toEqual([
      { name: '_http._tcp.web.shop.svc.cluster.local', portName: 'http', port: 80, protocol: 'tcp' },
    ]);
  });

  it('gives every ordinal its FQDN, short forms, IP and a published name', () => {
    expect(report.records).toEqual([
      {
        ordinal: 0,
        pod: 'web-0',
        fqdn: 'web-0.web.shop.svc.cluster.local',
        shortNames: ['web-0.web', 'web-0.web.shop'],
        podIP: '10.244.0.10',
        exists: true,
        ready: true,
        published: true,
        reason: null,
      },
      expect.objectContaining({
        ordinal: 1,
        pod: 'web-1',
        fqdn: 'web-1.web.shop.svc.cluster.local',
        published: true,
      }),
    ]);
  });

  it('has nothing to diagnose', () => {
    expect(report.diagnostics).toEqual([]);
  });

  it('uses the cluster domain it is given and says where it came from', () => {
    const custom = buildDnsReport(
      healthyInput({ clusterDomain: { domain: 'corp.example', source: 'flag', detail: '--cluster-domain' } }),
    );
    expect(custom.records[0]!.fqdn).toBe('web-0.web.shop.svc.corp.example');
    expect(custom).toMatchObject({ clusterDomain: 'corp.example', clusterDomainSource: 'flag' });
  });
});

describe('why a name is not published', () => {
  it.each([
    {
      name: 'the Service is missing',
      input: healthyInput({ service: undefined, endpointSlices: [] }),
      code: 'ServiceMissing',
      reason: 'Service web does not exist',
    },
    {
      name: 'the Service exists only in another namespace',
      input: healthyInput({
        service: undefined,
        endpointSlices: [],
        servicesElsewhere: [service({}, 'web', 'other')],
      }),
      code: 'ServiceInOtherNamespace',
      reason: 'Service web does not exist',
    },
    {
      name: 'the Service selector does not match the pods',
      input: healthyInput({ service: service({ selector: { app: 'webapp' } }), endpointSlices: [] }),
      code: 'ServiceSelectorMismatch',
      reason: 'the Service selector does not select the pod',
    },
    {
      name: 'the Service has no selector',
      input: healthyInput({ service: service({ selector: undefined }), endpointSlices: [] }),
      code: 'ServiceSelectorMismatch',
      reason: 'the Service selector does not select the pod',
    },
    {
      name: 'the pod subdomain is not the Service',
      input: (() => {
        const pods = [pod(0, { subdomain: 'other' }), pod(1)];
        return healthyInput({ pods, endpointSlices: slices(pods) });
      })(),
      code: 'PodHostnameMismatch',
      reason: 'pod subdomain "other" is not the Service name',
    },
    {
      name: 'the pod is not Ready and not-ready addresses are not published',
      input: (() => {
        const pods = [pod(0, { ready: false }), pod(1)];
        return healthyInput({ pods, endpointSlices: slices(pods) });
      })(),
      code: 'PodsNotReadyUnpublished',
      reason: 'not Ready, and publishNotReadyAddresses is false',
    },
    {
      name: 'the endpoint carries no hostname',
      input: (() => {
        const pods = [pod(0), pod(1)];
        const cut = slices(pods);
        delete cut[0]!.endpoints![0]!.hostname;
        return healthyInput({ pods, endpointSlices: cut });
      })(),
      code: 'EndpointMissingHostname',
      reason: 'the endpoint has no hostname',
    },
  ])('$name', ({ input, code, reason }) => {
    const report = buildDnsReport(input);
    expect(report.diagnostics.map((d) => d.code)).toContain(code);
    expect(report.records[0]).toMatchObject({ published: false, reason });
    const finding = report.diagnostics.find((d) => d.code === code)!;
    expect(finding.advice).not.toBe('');
  });

  it('a pod not created yet has a row that says so', () => {
    const pods = [pod(0)];
    const report = buildDnsReport(healthyInput({ pods, endpointSlices: slices(pods) }));
    expect(report.records[1]).toMatchObject({
      pod: 'web-1',
      exists: false,
      podIP: null,
      published: false,
      reason: 'the pod does not exist',
    });
  });

  it('a set without serviceName has no names at all', () => {
    const statefulSet = set(1);
    delete statefulSet.spec!.serviceName;
    const report = buildDnsReport(
      healthyInput({ statefulSet, service: undefined, pods: [pod(0)], endpointSlices: [] }),
    );
    expect(report.records).toEqual([
      expect.objectContaining({
        fqdn: '',
        shortNames: [],
        published: false,
        reason: 'the StatefulSet sets no serviceName',
      }),
    ]);
    expect(report.diagnostics.map((d) => d.code)).toEqual(['ServiceNameUnset']);
  });

  it('ordinals follow spec.ordinals.start', () => {
    const statefulSet = set(2);
    statefulSet.spec!.ordinals = { start: 5 };
    const pods = [pod(5), pod(6)];
    const report = buildDnsReport(healthyInput({ statefulSet, pods, endpointSlices: slices(pods) }));
    expect(report.records.map((r) => [r.ordinal, r.pod, r.published])).toEqual([
      [5, 'web-5', true],
      [6, 'web-6', true],
    ]);
  });

  it('a pod without an IP is not published yet', () => {
    const pods = [pod(0), pod(1, { ip: null, ready: false })];
    const report = buildDnsReport(healthyInput({ pods, endpointSlices: slices(pods) }));
    expect(report.records[1]).toMatchObject({ published: false, reason: 'no pod IP yet (Running)' });
  });
});

describe('what is published despite a problem', () => {
  it('not-ready pods are published when the Service sets publishNotReadyAddresses', () => {
    const svc = service({ publishNotReadyAddresses: true });
    const pods = [pod(0, { ready: false }), pod(1, { ready: false })];
    const report = buildDnsReport(healthyInput({ service: svc, pods, endpointSlices: slices(pods, svc) }));
    expect(report.records.map((r) => r.published)).toEqual([true, true]);
    expect(report.diagnostics.map((d) => d.code)).not.toContain('PodsNotReadyUnpublished');
    expect(report.service.publishNotReadyAddresses).toBe(true);
  });

  it('a ClusterIP Service is reported as not headless, yet CoreDNS still answers pod names', () => {
    const svc = service({ clusterIP: '10.96.0.50' });
    const report = buildDnsReport(healthyInput({ service: svc }));
    expect(report.service).toMatchObject({ headless: false, clusterIP: '10.96.0.50' });
    expect(codes(healthyInput({ service: svc }))).toEqual(['ServiceNotHeadless']);
    expect(report.records[0]!.published).toBe(true);
  });
});

describe('set-wide checks', () => {
  it('a Service that also selects another set’s pods is a warning', () => {
    const stranger = pod(0, { name: 'api-0', owner: 'api' });
    const input = healthyInput({ podsSelectedByService: [...healthyInput().pods, stranger] });
    const finding = buildDnsReport(input).diagnostics.find((d) => d.code === 'ServiceSelectsOtherPods');
    expect(finding).toMatchObject({
      severity: 'warning',
      evidence: [expect.any(String), 'other pods: api-0'],
    });
  });

  it.each([
    { ports: [{ port: 80 }], expected: true, srv: 0 },
    { ports: [], expected: true, srv: 0 },
    {
      ports: [
        { name: 'http', port: 80 },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ],
      expected: false,
      srv: 2,
    },
  ])('ports $ports: unnamed-port finding $expected, $srv SRV names', ({ ports, expected, srv }) => {
    const input = healthyInput({ service: service({ ports }) });
    expect(codes(input).includes('ServicePortUnnamed')).toBe(expected);
    expect(buildDnsReport(input).srv).toHaveLength(srv);
  });

  it('orders findings by severity', () => {
    const pods = [pod(0, { ready: false }), pod(1)];
    const input = healthyInput({
      service: service({ clusterIP: '10.96.0.9', ports: [{ port: 80 }] }),
      pods,
      endpointSlices: slices(pods),
    });
    expect(codes(input)).toEqual(['ServiceNotHeadless', 'PodsNotReadyUnpublished', 'ServicePortUnnamed']);
  });
});

describe('reads the report had to do without', () => {
  it.each([
    { what: 'EndpointSlices', input: { endpointSlicesUnreadable: true }, evidence: 'endpointslices' },
    { what: 'the Service', input: { service: undefined, serviceUnreadable: true }, evidence: 'services' },
  ])('forbidden $what: IdentityUnreadable, verdicts unknown', ({ input, evidence }) => {
    const report = buildDnsReport(healthyInput(input));
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'IdentityUnreadable',
        severity: 'warning',
        evidence: [expect.stringContaining(evidence)],
      }),
    ]);
  });
});

describe('probe answers', () => {
  const probe = (answers: Record<string, string[]>) => ({
    from: `${NS}/web-0`,
    container: 'main',
    tool: 'getent' as const,
    answers,
  });

  it('answers equal to the pod IPs match', () => {
    const report = buildDnsReport(
      healthyInput({
        probe: probe({
          'web-0.web.shop.svc.cluster.local': ['10.244.0.10'],
          'web-1.web.shop.svc.cluster.local': ['10.244.0.11'],
          'web.shop.svc.cluster.local': ['10.244.0.11', '10.244.0.10'],
        }),
      }),
    );
    expect(report.records.map((r) => r.resolved)).toEqual([
      { addresses: ['10.244.0.10'], matches: true, source: 'hosts-file' },
      { addresses: ['10.244.0.11'], matches: true, source: 'dns' },
    ]);
    expect(report.service.resolved).toEqual({
      addresses: ['10.244.0.11', '10.244.0.10'],
      matches: true,
      source: 'dns',
    });
    expect(report.probe).toEqual({ from: 'shop/web-0', container: 'main', tool: 'getent', problem: null });
    expect(report.diagnostics).toEqual([]);
  });

  it('a full name that resolves while its short form does not is a search-list problem', () => {
    const report = buildDnsReport(
      healthyInput({
        probe: probe({
          'web-1.web.shop.svc.cluster.local': ['10.244.0.11'],
          'web-1.web': [],
          'web-1.web.shop': ['10.244.0.11'],
        }),
      }),
    );
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'ShortNameMismatch',
        severity: 'warning',
        ordinals: [1],
        evidence: [expect.stringContaining('web-1.web: resolved not found')],
      }),
    ]);
  });

  it('a published name that does not resolve is a mismatch that suggests the cluster domain', () => {
    const report = buildDnsReport(
      healthyInput({
        probe: probe({
          'web-0.web.shop.svc.cluster.local': [],
          'web-1.web.shop.svc.cluster.local': ['10.244.0.11'],
        }),
      }),
    );
    const finding = report.diagnostics.find((d) => d.code === 'ProbeMismatch')!;
    expect(finding.ordinals).toEqual([0]);
    expect(finding.evidence).toEqual([
      'web-0.web.shop.svc.cluster.local: expected 10.244.0.10, resolved not found',
    ]);
    expect(finding.advice).toContain('--cluster-domain');
  });

  it('an unpublished name that does not resolve is as expected', () => {
    const pods = [pod(0), pod(1, { ready: false })];
    const report = buildDnsReport(
      healthyInput({
        pods,
        endpointSlices: slices(pods),
        probe: probe({ 'web-1.web.shop.svc.cluster.local': [] }),
      }),
    );
    expect(report.records[1]!.resolved).toEqual({ addresses: [], matches: true, source: 'dns' });
    expect(report.diagnostics.map((d) => d.code)).not.toContain('ProbeMismatch');
  });

  it('the probe pod’s own name resolves through /etc/hosts even when DNS does not publish it', () => {
    const report = buildDnsReport(
      healthyInput({
        service: undefined,
        endpointSlices: [],
        probe: probe({
          'web-0.web.shop.svc.cluster.local': ['10.244.0.10'],
          'web-1.web.shop.svc.cluster.local': [],
        }),
      }),
    );
    expect(report.records.map((r) => [r.published, r.resolved])).toEqual([
      [false, { addresses: ['10.244.0.10'], matches: true, source: 'hosts-file' }],
      [false, { addresses: [], matches: true, source: 'dns' }],
    ]);
    expect(report.diagnostics.map((d) => d.code)).toEqual(['ServiceMissing']);
  });

  it.each(['ProbeNoShell', 'ProbeNoResolverTool', 'ProbeFailed'] as const)('%s becomes a warning', (code) => {
    const report = buildDnsReport(
      healthyInput({ probe: { ...probe({}), tool: undefined, problem: { code, message: 'cannot probe' } } }),
    );
    expect(report.diagnostics).toEqual([
      expect.objectContaining({ code, severity: 'warning', message: 'cannot probe' }),
    ]);
    expect(report.records[0]!.resolved).toBeUndefined();
  });
});

describe('no running pod to probe from', () => {
  it("says so, with each pod's state, instead of blaming exec permissions", () => {
    const report = buildDnsReport(
      healthyInput({
        probe: {
          from: '',
          container: undefined,
          tool: undefined,
          answers: {},
          problem: {
            code: 'ProbeNoRunningPod',
            message: 'no pod of web is running, so there is none to resolve names from',
            evidence: ['web-0: not scheduled (Unschedulable: 0/3 nodes are available: …)'],
          },
        },
      }),
    );
    expect(report.probe).toMatchObject({ from: null });
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'ProbeNoRunningPod',
        evidence: ['web-0: not scheduled (Unschedulable: 0/3 nodes are available: …)'],
        advice: expect.stringContaining('--from <pod>'),
      }),
    ]);
    expect(report.diagnostics[0]!.advice).not.toContain('auth can-i');
  });
});

describe('the removed tolerate-unready-endpoints annotation', () => {
  it('is called out, with the field that replaced it', () => {
    const input = healthyInput();
    input.service = {
      ...input.service!,
      metadata: {
        ...input.service!.metadata,
        annotations: { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' },
      },
    };
    expect(codes(input)).toEqual(['ServiceTolerateUnreadyAnnotation']);
  });
});

describe('JSON shape', () => {
  it('carries the keys scripts rely on', () => {
    const json = JSON.parse(JSON.stringify(buildDnsReport(healthyInput({ clusterDomain: DEFAULT_DOMAIN }))));
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['service', 'clusterDomain', 'clusterDomainSource', 'records', 'diagnostics']),
    );
    expect(json.service).toHaveProperty('name');
    expect(json.service).toHaveProperty('headless');
    expect(Object.keys(json.records[0])).toEqual(expect.arrayContaining(['pod', 'fqdn', 'published']));
    expect(set().spec?.serviceName).toBe(json.service.name);
  });
});

// Runs last (vitest runs a file's tests in order): the cases above between them produce every code.
describe('the diagnostics catalogue (DIAGNOSTIC_CODES)', () => {
  const catalogued = DIAGNOSTIC_CODES.filter((info) => commandsOf(info).includes('dns')).map(
    (info) => info.code,
  );

  it('lists every code the dns report produced', () => {
    expect([...produced].filter((code) => !catalogued.includes(code))).toEqual([]);
  });

  it('every code catalogued for dns is produced by some case in this file', () => {
    expect(catalogued.filter((code) => !produced.has(code))).toEqual([]);
  });
});
