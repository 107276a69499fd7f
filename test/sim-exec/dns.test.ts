// Cluster DNS from inside a simulated pod: resolv.conf, /etc/hosts, busybox nslookup and
// glibc getent answering only the records CoreDNS publishes.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '../../src/kube/types.ts';
import { TOOLS_ANNOTATION, createExecHandler } from '../sim/exec/index.ts';
import { MemoryStore, instantClock, runExec, runningPod } from './helpers.ts';

function service(name: string, spec: Service['spec']): Service {
  return { metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ...spec } };
}

function slice(serviceName: string, endpoints: EndpointSlice['endpoints']): EndpointSlice {
  return {
    metadata: {
      name: `${serviceName}-abcde`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints,
  };
}

/** todo-db: a headless Service, web-0 ready, web-1 not ready; api: a ClusterIP Service. */
function cluster(domain = 'cluster.local', publishNotReady = false) {
  const store = new MemoryStore();
  store.create('namespaces', { metadata: { name: 'default' } });
  store.create(
    'services',
    service('todo-db', { clusterIP: 'None', publishNotReadyAddresses: publishNotReady }),
  );
  store.create(
    'endpointslices',
    slice('todo-db', [
      { addresses: ['10.244.1.10'], hostname: 'todo-db-0', conditions: { ready: true } },
      { addresses: ['10.244.2.11'], hostname: 'todo-db-1', conditions: { ready: publishNotReady } },
    ]),
  );
  store.create('services', service('api', { clusterIP: '10.96.100.7' }));
  const pod = (name: string, image: string, ip: string, annotations?: Record<string, string>) =>
    store.create('pods', runningPod(name, { image, ip, hostname: name, subdomain: 'todo-db', annotations }));
  pod('todo-db-0', 'busybox:1.36', '10.244.1.10');
  pod('todo-db-1', 'debian:12', '10.244.2.11');
  pod('alpine-0', 'postgres:11.6-alpine', '10.244.3.12');
  pod('tools-0', 'debian:12', '10.244.3.13', { [TOOLS_ANNOTATION]: 'nslookup,getent' });
  return createExecHandler(store, instantClock, { clusterDomain: domain });
}

const exec = (handler: ReturnType<typeof cluster>, pod: string, command: string[]) =>
  runExec(handler, { pod, command });

describe('resolver configuration', () => {
  it('resolv.conf carries the namespace search list, kube-dns and ndots:5', async () => {
    const result = await exec(cluster(), 'todo-db-0', ['cat', '/etc/resolv.conf']);
    expect(result.stdout).toBe(
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it('a custom cluster domain shows in the search list', async () => {
    const result = await exec(cluster('corp.example'), 'todo-db-0', ['cat', '/etc/resolv.conf']);
    expect(result.stdout).toContain('search default.svc.corp.example svc.corp.example corp.example\n');
  });

  it('/etc/hosts is the kubelet-managed file with the pod FQDN', async () => {
    const result = await exec(cluster(), 'todo-db-0', ['cat', '/etc/hosts']);
    expect(result.stdout).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n' +
        '10.244.1.10\ttodo-db-0.todo-db.default.svc.cluster.local\ttodo-db-0\n',
    );
  });
});

describe('hostAliases', () => {
  it('are appended to /etc/hosts and answered by getent', async () => {
    const store = new MemoryStore();
    const pod = runningPod('web-0', { image: 'debian:12' });
    pod.spec!.hostAliases = [{ ip: '192.0.2.7', hostnames: ['legacy.db', 'legacy'] }];
    store.create('pods', pod);
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    const hosts = await runExec(handler, { pod: 'web-0', command: ['cat', '/etc/hosts'] });
    expect(hosts.stdout).toMatch(
      /\n10\.244\.1\.10\tweb-0\n\n# Entries added by HostAliases\.\n192\.0\.2\.7\tlegacy\.db\tlegacy\n$/,
    );
    expect(await runExec(handler, { pod: 'web-0', command: ['getent', 'hosts', 'legacy'] })).toEqual({
      stdout: '192.0.2.7       legacy.db legacy\n',
      stderr: '',
      exitCode: 0,
    });
  });
});

describe('getent hosts (glibc: files, then DNS with search and ndots)', () => {
  it.each([
    {
      name: 'a ready pod FQDN resolves to its IP',
      key: 'todo-db-0.todo-db.default.svc.cluster.local',
      stdout: '10.244.1.10     todo-db-0.todo-db.default.svc.cluster.local\n',
      exitCode: 0,
    },
    {
      name: 'a short name is expanded through the search list',
      key: 'todo-db-0.todo-db',
      stdout: '10.244.1.10     todo-db-0.todo-db.default.svc.cluster.local\n',
      exitCode: 0,
    },
    {
      name: 'the headless Service name lists ready endpoints only',
      key: 'todo-db',
      stdout: '10.244.1.10     todo-db.default.svc.cluster.local\n',
      exitCode: 0,
    },
    { name: 'a not-ready pod is not published', key: 'todo-db-1.todo-db', stdout: '', exitCode: 2 },
    { name: 'an unknown name is not found', key: 'nothing-here', stdout: '', exitCode: 2 },
    {
      name: 'a ClusterIP Service resolves to its virtual IP',
      key: 'api.default.svc.cluster.local',
      stdout: '10.96.100.7     api.default.svc.cluster.local\n',
      exitCode: 0,
    },
    {
      name: 'localhost comes from /etc/hosts, IPv6 first',
      key: 'localhost',
      stdout: '::1             localhost ip6-localhost ip6-loopback\n',
      exitCode: 0,
    },
  ])('$name', async ({ key, stdout, exitCode }) => {
    expect(await exec(cluster(), 'todo-db-1', ['getent', 'hosts', key])).toEqual({
      stdout,
      stderr: '',
      exitCode,
    });
  });

  it('publishNotReadyAddresses publishes not-ready pods', async () => {
    const result = await exec(cluster('cluster.local', true), 'todo-db-1', [
      'getent',
      'hosts',
      'todo-db-1.todo-db',
    ]);
    expect(result).toEqual({
      stdout: '10.244.2.11     todo-db-1.todo-db.default.svc.cluster.local\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('names in another cluster domain do not resolve', async () => {
    const result = await exec(cluster('corp.example'), 'todo-db-1', [
      'getent',
      'hosts',
      'todo-db-0.todo-db.default.svc.cluster.local',
    ]);
    expect(result.exitCode).toBe(2);
  });
});

describe('busybox nslookup', () => {
  it('prints the A answer and the empty AAAA answer for an FQDN', async () => {
    const result = await exec(cluster(), 'todo-db-0', [
      'nslookup',
      'todo-db-0.todo-db.default.svc.cluster.local',
    ]);
    expect(result).toEqual({
      stdout:
        'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n' +
        'Name:\ttodo-db-0.todo-db.default.svc.cluster.local\nAddress: 10.244.1.10\n\n' +
        "*** Can't find todo-db-0.todo-db.default.svc.cluster.local: No answer\n\n",
      stderr: '',
      exitCode: 0,
    });
  });

  it('reports NXDOMAIN and exits 1 for an unpublished name', async () => {
    const result = await exec(cluster(), 'todo-db-0', [
      'nslookup',
      'todo-db-1.todo-db.default.svc.cluster.local',
    ]);
    expect(result).toEqual({
      stdout:
        'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n' +
        "** server can't find todo-db-1.todo-db.default.svc.cluster.local: NXDOMAIN\n\n" +
        "** server can't find todo-db-1.todo-db.default.svc.cluster.local: NXDOMAIN\n\n",
      stderr: '',
      exitCode: 1,
    });
  });

  it('tries every search domain for a dotless name, as busybox does', async () => {
    const result = await exec(cluster(), 'todo-db-0', ['nslookup', 'api']);
    expect(result.stdout).toBe(
      'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n' +
        'Name:\tapi.default.svc.cluster.local\nAddress: 10.96.100.7\n\n' +
        "** server can't find api.svc.cluster.local: NXDOMAIN\n\n" +
        "** server can't find api.cluster.local: NXDOMAIN\n\n" +
        "*** Can't find api.default.svc.cluster.local: No answer\n\n" +
        "** server can't find api.svc.cluster.local: NXDOMAIN\n\n" +
        "** server can't find api.cluster.local: NXDOMAIN\n\n",
    );
    expect(result.exitCode).toBe(1);
  });

  it('does not search for names with a dot', async () => {
    const result = await exec(cluster(), 'todo-db-0', ['nslookup', 'todo-db-0.todo-db']);
    expect(result.stdout).toContain("** server can't find todo-db-0.todo-db: NXDOMAIN\n");
    expect(result.exitCode).toBe(1);
  });

  it('bind nslookup (an image given one by annotation) searches like glibc', async () => {
    const result = await exec(cluster(), 'tools-0', ['nslookup', 'todo-db-0.todo-db']);
    expect(result).toEqual({
      stdout:
        'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n' +
        'Name:\ttodo-db-0.todo-db.default.svc.cluster.local\nAddress: 10.244.1.10\n\n',
      stderr: '',
      exitCode: 0,
    });
  });
});

describe('reverse lookups (PTR, as CoreDNS serves in-addr.arpa)', () => {
  it.each([
    {
      name: 'busybox nslookup names a published pod by its endpoint hostname',
      pod: 'todo-db-0',
      argv: ['nslookup', '10.244.1.10'],
      stdout:
        'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n10.1.244.10.in-addr.arpa\tname = todo-db-0.todo-db.default.svc.cluster.local\n\n',
      exitCode: 0,
    },
    {
      name: 'a ClusterIP names its Service',
      pod: 'todo-db-0',
      argv: ['nslookup', '10.96.100.7'],
      stdout:
        'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n7.100.96.10.in-addr.arpa\tname = api.default.svc.cluster.local\n\n',
      exitCode: 0,
    },
    {
      name: 'an unpublished pod IP has no PTR record',
      pod: 'todo-db-0',
      argv: ['nslookup', '10.244.2.11'],
      stdout:
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find 11.2.244.10.in-addr.arpa: NXDOMAIN\n\n",
      exitCode: 1,
    },
    {
      name: 'getent hosts on an address asks PTR after /etc/hosts',
      pod: 'todo-db-1',
      argv: ['getent', 'hosts', '10.244.1.10'],
      stdout: '10.244.1.10     todo-db-0.todo-db.default.svc.cluster.local\n',
      exitCode: 0,
    },
  ])('$name', async ({ pod, argv, stdout, exitCode }) => {
    expect(await exec(cluster(), pod, argv)).toEqual({ stdout, stderr: '', exitCode });
  });
});

describe('which resolver tools an image has', () => {
  it.each([
    { pod: 'todo-db-0', tool: 'nslookup', found: true },
    { pod: 'todo-db-0', tool: 'getent', found: false },
    { pod: 'todo-db-1', tool: 'nslookup', found: false },
    { pod: 'todo-db-1', tool: 'getent', found: true },
    { pod: 'alpine-0', tool: 'nslookup', found: true },
    { pod: 'alpine-0', tool: 'getent', found: true },
  ])('$pod has $tool: $found', async ({ pod, tool, found }) => {
    const result = await exec(cluster(), pod, ['sh', '-c', `${tool} localhost >/dev/null 2>&1; echo $?`]);
    if (found) expect(result.stdout).not.toBe('127\n');
    else expect(result.stdout).toBe('127\n');
  });

  it('running a missing tool directly fails as the runtime does: no process, an InternalError', async () => {
    await expect(exec(cluster(), 'todo-db-1', ['nslookup', 'todo-db'])).rejects.toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: expect.stringMatching(/exec: "nslookup": executable file not found in \$PATH: unknown$/),
    });
  });
});
