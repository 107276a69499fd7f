// The probe's script and parser: what is sent into a container and how its answers are read,
// including real output formats of glibc getent, busybox nslookup (old and new) and bind nslookup.
import { describe, expect, it } from 'vitest';
import {
  clusterDomainFromCorefile,
  clusterDomainFromResolvConf,
  PROBE_SCRIPT,
  parseProbeOutput,
  probeInput,
} from '../../src/report/dns-probe.ts';
import { createExecHandler } from '../sim/exec/index.ts';
import { MemoryStore, instantClock, runExec, runningPod } from '../sim-exec/helpers.ts';

describe('parseProbeOutput', () => {
  it.each([
    {
      name: 'getent hosts answers, found and not found',
      stdout:
        '@@tool getent\n@@name a.svc.cluster.local\n10.244.1.10     a.svc.cluster.local\n@@end 0\n@@name b.svc.cluster.local\n@@end 2\n',
      tool: 'getent',
      answers: { 'a.svc.cluster.local': ['10.244.1.10'], 'b.svc.cluster.local': [] },
    },
    {
      name: 'busybox 1.36 nslookup: server lines are not answers, NXDOMAIN is empty',
      stdout:
        '@@tool nslookup\n@@name a.x\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\ta.x\nAddress: 10.244.1.10\n\n' +
        "*** Can't find a.x: No answer\n\n@@end 0\n@@name b.x\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n" +
        "** server can't find b.x: NXDOMAIN\n\n@@end 1\n",
      tool: 'nslookup',
      answers: { 'a.x': ['10.244.1.10'], 'b.x': [] },
    },
    {
      name: 'busybox 1.28 nslookup numbers its addresses',
      stdout:
        '@@tool nslookup\n@@name a.x\nServer:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n' +
        'Name:      a.x\nAddress 1: 10.244.1.10 a.x\n@@end 0\n',
      tool: 'nslookup',
      answers: { 'a.x': ['10.244.1.10'] },
    },
    {
      name: 'bind nslookup with several addresses',
      stdout:
        '@@tool nslookup\n@@name s.x\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\ts.x\nAddress: 10.244.1.10\nName:\ts.x\nAddress: 10.244.2.11\n\n@@end 0\n',
      tool: 'nslookup',
      answers: { 's.x': ['10.244.1.10', '10.244.2.11'] },
    },
    {
      name: 'CRLF line ends (a tty) are tolerated',
      stdout: '@@tool getent\r\n@@name a\r\n10.0.0.1        a\r\n@@end 0\r\n',
      tool: 'getent',
      answers: { a: ['10.0.0.1'] },
    },
    { name: 'no tool', stdout: '@@tool none\n', tool: undefined, answers: {} },
  ])('$name', ({ stdout, tool, answers }) => {
    expect(parseProbeOutput(stdout)).toEqual({ tool, answers });
  });
});

describe('the probe script in simulated images', () => {
  function handlerWith(image: string, annotations?: Record<string, string>) {
    const store = new MemoryStore();
    store.create('namespaces', { metadata: { name: 'default' } });
    store.create('services', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'web' } },
    });
    store.create('endpointslices', {
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.10'], hostname: 'web-0', conditions: { ready: true } }],
    } as never);
    store.create('pods', runningPod('web-0', { image, annotations, hostname: 'web-0', subdomain: 'web' }));
    return createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
  }
  const names = ['web-0.web.default.svc.cluster.local', 'web-1.web.default.svc.cluster.local'];
  const expected = {
    'web-0.web.default.svc.cluster.local': ['10.244.1.10'],
    'web-1.web.default.svc.cluster.local': [],
  };

  it.each([
    { image: 'debian:12', tool: 'getent' },
    { image: 'busybox:1.36', tool: 'nslookup' },
    { image: 'alpine:3.20', tool: 'getent' },
  ])('$image answers through $tool', async ({ image, tool }) => {
    const result = await runExec(
      handlerWith(image),
      { pod: 'web-0', command: ['sh', '-c', PROBE_SCRIPT] },
      probeInput(names),
    );
    expect(result.exitCode).toBe(0);
    expect(parseProbeOutput(result.stdout)).toEqual({ tool, answers: expected });
  });

  it('an image without either tool says so', async () => {
    const handler = handlerWith('debian:12', { 'sim.kubectl-sts.dev/tools': 'shell' });
    const result = await runExec(
      handler,
      { pod: 'web-0', command: ['sh', '-c', PROBE_SCRIPT] },
      probeInput(names),
    );
    expect(parseProbeOutput(result.stdout)).toEqual({ tool: undefined, answers: {} });
  });

  it('sends only DNS names, one per line, and ends with a marker (exec v4 cannot close stdin)', () => {
    expect(probeInput(["x'; rm -rf /", 'ok.name', 'two\nlines'])).toBe('ok.name\n@@done\n');
  });

  it('stops at the marker even when stdin stays open', async () => {
    const handler = handlerWith('debian:12');
    const session = handler.start({
      namespace: 'default',
      pod: 'web-0',
      container: undefined,
      command: ['sh', '-c', PROBE_SCRIPT],
      stdin: true,
      tty: false,
    });
    let stdout = '';
    session.onStdout((data) => (stdout += data.toString()));
    session.writeStdin(Buffer.from(probeInput(names)));
    // stdin is deliberately never ended here.
    expect(await session.exit).toBe(0);
    expect(parseProbeOutput(stdout).answers).toEqual(expected);
  });
});

describe('cluster domain sources', () => {
  it.each([
    {
      text: 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\n',
      domain: 'cluster.local',
    },
    {
      text: 'nameserver 10.96.0.10\nsearch shop.svc.corp.example svc.corp.example corp.example\n',
      domain: 'corp.example',
    },
    { text: 'search other.svc.k8s.internal svc.k8s.internal k8s.internal\n', domain: 'k8s.internal' },
    { text: 'nameserver 8.8.8.8\n', domain: undefined },
  ])('resolv.conf → $domain', ({ text, domain }) => {
    expect(clusterDomainFromResolvConf(text, 'shop')).toBe(domain);
  });

  it.each([
    {
      corefile:
        '.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n    }\n}\n',
      domain: 'cluster.local',
    },
    { corefile: '.:53 {\n    kubernetes corp.example. {\n    }\n}\n', domain: 'corp.example' },
    { corefile: '.:53 {\n    forward . /etc/resolv.conf\n}\n', domain: undefined },
  ])('Corefile → $domain', ({ corefile, domain }) => {
    expect(clusterDomainFromCorefile(corefile)).toBe(domain);
  });
});
