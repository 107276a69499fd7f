// Golden output of `kubectl sts dns`: table, wide, JSON and the list view, from fixed inputs.
import { describe, it } from 'vitest';
import { renderDns, renderDnsList } from '../../../src/render/dns.ts';
import { renderJson } from '../../../src/render/json.ts';
import { renderYaml } from '../../../src/render/yaml.ts';
import { buildDnsReport } from '../../../src/report/dns.ts';
import { healthyInput, pod, service, slices } from '../../dns/builders.ts';
import { expectGolden } from '../golden.ts';

const plain = { wide: false, noHeaders: false, color: false };

const resolvConf = {
  domain: 'cluster.local',
  source: 'resolv.conf' as const,
  detail: 'search line of /etc/resolv.conf in pod shop/web-0',
};

const healthy = buildDnsReport(healthyInput({ clusterDomain: resolvConf }));

const probed = buildDnsReport(
  healthyInput({
    clusterDomain: resolvConf,
    probe: {
      from: 'shop/web-0',
      container: 'main',
      tool: 'getent',
      answers: {
        'web-0.web.shop.svc.cluster.local': ['10.244.0.10'],
        'web-1.web.shop.svc.cluster.local': [],
        'web.shop.svc.cluster.local': ['10.244.0.10', '10.244.0.11'],
        'web-0.web': [],
        'web-0.web.shop': ['10.244.0.10'],
      },
    },
  }),
);

const troubled = (() => {
  const pods = [pod(0), pod(1, { ready: false })];
  const svc = service({ ports: [{ port: 80 }] });
  return buildDnsReport(
    healthyInput({
      service: svc,
      pods,
      endpointSlices: slices(pods, svc),
      clusterDomain: {
        domain: 'cluster.local',
        source: 'default',
        detail:
          'default; not detected: no running pod to read /etc/resolv.conf from; ConfigMap kube-system/coredns: forbidden',
      },
    }),
  );
})();

const missing = buildDnsReport(healthyInput({ service: undefined, endpointSlices: [] }));

describe('dns golden output', () => {
  it('healthy table', () => expectGolden('dns/healthy.txt', renderDns(healthy, plain)));
  it('healthy wide', () =>
    expectGolden('dns/healthy-wide.txt', renderDns(healthy, { ...plain, wide: true })));
  it('healthy json', () => expectGolden('dns/healthy.json', renderJson(healthy)));
  it('healthy yaml', () => expectGolden('dns/healthy.yaml', renderYaml(healthy)));
  it('probed, one name not resolving', () => expectGolden('dns/probed.txt', renderDns(probed, plain)));
  it('probed wide, one short name not resolving', () =>
    expectGolden('dns/probed-wide.txt', renderDns(probed, { ...plain, wide: true })));
  it('not-ready pod and unnamed port', () => expectGolden('dns/troubled.txt', renderDns(troubled, plain)));
  it('missing Service', () => expectGolden('dns/missing-service.txt', renderDns(missing, plain)));
  it('list over all namespaces', () =>
    expectGolden(
      'dns/list-all-namespaces.txt',
      renderDnsList([healthy, troubled], { ...plain, allNamespaces: true }),
    ));
});
