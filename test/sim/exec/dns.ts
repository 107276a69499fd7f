// Cluster DNS as CoreDNS's kubernetes plugin answers it, and the two resolver front-ends
// images carry: busybox nslookup (its own resolver: search list only for dotless names,
// A and AAAA queries, every reply printed) and glibc/musl `getent hosts` (files, then DNS
// with the resolv.conf search list and ndots).
import type { EndpointSlice, Pod, Service } from '../../../src/kube/types.ts';
import type { PodSpec } from '../../../src/kube/types.ts';
import type { Store } from '../contract.ts';
import type { Utility, UtilityContext } from './shell.ts';

/** The ClusterIP of kube-dns in a kind cluster, written into every pod's resolv.conf. */
export const CLUSTER_DNS_IP = '10.96.0.10';

export interface DnsReply {
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** A records (empty for NODATA, and always for AAAA: the simulator is IPv4-only). */
  addresses: string[];
}

const NXDOMAIN: DnsReply = { rcode: 'NXDOMAIN', addresses: [] };
const NODATA: DnsReply = { rcode: 'NOERROR', addresses: [] };

function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === 'None';
}

/** Endpoints CoreDNS serves: ready ones (the EndpointSlice controller marks all ready when publishNotReadyAddresses). */
export function servedEndpoints(store: Store, service: Service) {
  const namespace = service.metadata?.namespace;
  const name = service.metadata?.name;
  const slices = store
    .list<EndpointSlice>('endpointslices', namespace)
    .filter((slice) => slice.metadata?.labels?.['kubernetes.io/service-name'] === name)
    .filter((slice) => (slice.addressType ?? 'IPv4') === 'IPv4');
  const publishAll = service.spec?.publishNotReadyAddresses === true;
  return slices.flatMap((slice) =>
    (slice.endpoints ?? []).filter((endpoint) => publishAll || endpoint.conditions?.ready !== false),
  );
}

/** The answer CoreDNS gives to an A query (and, with `aaaa`, to an AAAA query) for `name`. */
export function answer(store: Store, clusterDomain: string, name: string, aaaa = false): DnsReply {
  const reply = lookupA(store, clusterDomain, name);
  if (aaaa && reply.rcode === 'NOERROR') return NODATA;
  return reply;
}

function lookupA(store: Store, clusterDomain: string, query: string): DnsReply {
  const name = query.toLowerCase().replace(/\.$/, '');
  const zone = clusterDomain.toLowerCase().replace(/\.$/, '');
  if (name === zone) return NODATA;
  if (!name.endsWith(`.${zone}`)) return NXDOMAIN;
  const labels = name.slice(0, -(zone.length + 1)).split('.');
  const kind = labels[labels.length - 1];
  if (kind === 'pod' && labels.length === 3) {
    const ip = labels[0]!.split('-');
    if (ip.length === 4 && ip.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) < 256)) {
      return { rcode: 'NOERROR', addresses: [ip.join('.')] };
    }
    return NXDOMAIN;
  }
  if (kind !== 'svc') return kind === 'pod' && labels.length <= 2 ? NODATA : NXDOMAIN;
  if (labels.length === 1) return NODATA;
  const namespace = labels[labels.length - 2]!;
  if (labels.length === 2) return store.get('namespaces', undefined, namespace) ? NODATA : NXDOMAIN;
  const service = store.get<Service>('services', namespace, labels[labels.length - 3]!);
  if (!service) return NXDOMAIN;
  if (labels.length === 3) {
    if (service.spec?.type === 'ExternalName') return NODATA;
    if (!isHeadless(service)) {
      const ip = service.spec?.clusterIP;
      return ip ? { rcode: 'NOERROR', addresses: [ip] } : NXDOMAIN;
    }
    const addresses = unique(servedEndpoints(store, service).flatMap((endpoint) => endpoint.addresses));
    return addresses.length > 0 ? { rcode: 'NOERROR', addresses } : NXDOMAIN;
  }
  if (labels.length === 4) {
    // CoreDNS answers endpoint names for any Service whose endpoints carry them; only
    // headless ones are guaranteed by the DNS specification.
    const wanted = labels[0]!;
    const addresses = unique(
      servedEndpoints(store, service)
        .filter((endpoint) => endpointHostname(endpoint) === wanted)
        .flatMap((endpoint) => endpoint.addresses),
    );
    return addresses.length > 0 ? { rcode: 'NOERROR', addresses } : NXDOMAIN;
  }
  if (labels.length === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) return NODATA;
  return NXDOMAIN;
}

/**
 * PTR answers for an IPv4 address, as CoreDNS's kubernetes plugin serves `in-addr.arpa`: a
 * Service's cluster IP names the Service, a served endpoint's address names the endpoint
 * under each Service that has it. Empty: NXDOMAIN.
 */
export function reverse(store: Store, clusterDomain: string, ip: string): string[] {
  const names: string[] = [];
  for (const service of store.list<Service>('services')) {
    const namespace = service.metadata?.namespace;
    const fqdn = `${service.metadata?.name}.${namespace}.svc.${clusterDomain}`;
    if (!isHeadless(service) && (service.spec?.clusterIPs ?? [service.spec?.clusterIP]).includes(ip)) {
      names.push(fqdn);
      continue;
    }
    for (const endpoint of servedEndpoints(store, service)) {
      if (endpoint.addresses.includes(ip)) names.push(`${endpointHostname(endpoint)}.${fqdn}`);
    }
  }
  return unique(names);
}

/** `10.1.244.10.in-addr.arpa` for 10.244.1.10; undefined when not an IPv4 address. */
export function reverseName(ip: string): string | undefined {
  const octets = ip.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) < 256)) return undefined;
  return `${octets.reverse().join('.')}.in-addr.arpa`;
}

function endpointHostname(endpoint: { hostname?: string; addresses: string[] }): string {
  return (endpoint.hostname ?? endpoint.addresses[0]?.replace(/\./g, '-') ?? '').toLowerCase();
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** What the kubelet writes into /etc/resolv.conf for a pod (containerd's line order). */
export function resolvConfFor(pod: Pod, clusterDomain: string): string {
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const namespace = pod.metadata?.namespace ?? 'default';
  const dnsConfig = (spec.dnsConfig ?? {}) as {
    nameservers?: string[];
    searches?: string[];
    options?: { name: string; value?: string }[];
  };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  let nameservers: string[];
  let searches: string[];
  let options: string[];
  if (policy === 'None') {
    nameservers = dnsConfig.nameservers ?? [];
    searches = dnsConfig.searches ?? [];
    options = [];
  } else if (policy === 'Default' || (policy === 'ClusterFirst' && spec.hostNetwork === true)) {
    nameservers = ['172.18.0.1'];
    searches = [];
    options = [];
  } else {
    nameservers = [CLUSTER_DNS_IP];
    searches = [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
    options = ['ndots:5'];
  }
  if (policy !== 'None') {
    nameservers = unique([...nameservers, ...(dnsConfig.nameservers ?? [])]);
    searches = unique([...searches, ...(dnsConfig.searches ?? [])]);
  }
  for (const option of dnsConfig.options ?? []) {
    const text = option.value === undefined ? option.name : `${option.name}:${option.value}`;
    options = options.filter((existing) => existing.split(':')[0] !== option.name);
    options.push(text);
  }
  const lines: string[] = [];
  if (searches.length > 0) lines.push(`search ${searches.join(' ')}`);
  for (const server of nameservers) lines.push(`nameserver ${server}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The kubelet-managed /etc/hosts. */
export function hostsFileFor(pod: Pod, clusterDomain: string): string {
  const spec = pod.spec ?? { containers: [] };
  const hostName = spec.hostname ?? pod.metadata?.name ?? '';
  const domain = spec.subdomain ? `${spec.subdomain}.${pod.metadata?.namespace}.svc.${clusterDomain}` : '';
  let text =
    '# Kubernetes-managed hosts file.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  const ips = pod.status?.podIPs?.map((entry) => entry.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  for (const ip of ips)
    text += domain ? `${ip}\t${hostName}.${domain}\t${hostName}\n` : `${ip}\t${hostName}\n`;
  const aliases = (spec.hostAliases ?? []) as { ip?: string; hostnames?: string[] }[];
  if (aliases.length > 0) {
    text += '\n# Entries added by HostAliases.\n';
    for (const alias of aliases) text += `${alias.ip ?? ''}\t${(alias.hostnames ?? []).join('\t')}\n`;
  }
  return text;
}

interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots: number;
}

function readResolvConf(context: UtilityContext): ResolvConf {
  let text = '';
  try {
    text = context.shell.vfs.read('/etc/resolv.conf').toString('utf8');
  } catch {
    // No resolv.conf: the resolver falls back to localhost and no search list.
  }
  const conf: ResolvConf = { nameservers: [], search: [], ndots: 1 };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) conf.nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') conf.search = values;
    else if (key === 'options') {
      for (const value of values) {
        const match = /^ndots:(\d+)$/.exec(value);
        if (match) conf.ndots = Math.min(15, Number(match[1]));
      }
    }
  }
  if (conf.nameservers.length === 0) conf.nameservers.push('127.0.0.1');
  return conf;
}

/** Candidate names in the order glibc's res_search tries them. */
function searchCandidates(name: string, conf: ResolvConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}

interface HostsEntry {
  address: string;
  names: string[];
}

function readHostsFile(context: UtilityContext): HostsEntry[] {
  let text: string;
  try {
    text = context.shell.vfs.read('/etc/hosts').toString('utf8');
  } catch {
    return [];
  }
  const entries: HostsEntry[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.length > 0) entries.push({ address, names });
  }
  return entries;
}

function printHostent(context: UtilityContext, address: string, names: string[]): void {
  context.io.stdout(Buffer.from(`${address.padEnd(15)} ${names.join(' ')}\n`));
}

/** glibc `getent hosts KEY...`: exit 2 when a key is not found, printing nothing for it. */
export function getentUtility(store: Store, clusterDomain: string): Utility {
  return (context) => {
    const [database, ...keys] = context.argv.slice(1);
    if (database !== 'hosts' && database !== 'ahosts' && database !== 'ahostsv4') {
      context.io.stderr(
        Buffer.from(
          `Unknown database: ${database ?? ''}\nTry \`getent --help' or \`getent --usage' for more information.\n`,
        ),
      );
      return 1;
    }
    const hosts = readHostsFile(context);
    if (keys.length === 0) {
      for (const entry of hosts) printHostent(context, entry.address, entry.names);
      return 0;
    }
    const conf = readResolvConf(context);
    let status = 0;
    for (const key of keys) {
      const lower = key.toLowerCase();
      if (/^[\d.]+$/.test(key) || key.includes(':')) {
        // gethostbyaddr: the files backend, then a PTR query.
        const entry = hosts.find((candidate) => candidate.address === key);
        const ptr =
          entry || !conf.nameservers.includes(CLUSTER_DNS_IP) ? [] : reverse(store, clusterDomain, key);
        if (entry) printHostent(context, entry.address, entry.names);
        else if (ptr.length > 0) printHostent(context, key, [ptr[0]!]);
        else status = 2;
        continue;
      }
      const matches = (entry: HostsEntry) => entry.names.some((n) => n.toLowerCase() === lower);
      // gethostbyname2(AF_INET6) first, then AF_INET; the files backend wins over DNS.
      const v6 = hosts.find((entry) => entry.address.includes(':') && matches(entry));
      if (v6) {
        printHostent(context, v6.address, v6.names);
        continue;
      }
      const v4 = hosts.find((entry) => !entry.address.includes(':') && matches(entry));
      if (v4) {
        printHostent(context, v4.address, v4.names);
        continue;
      }
      let found = false;
      if (conf.nameservers.includes(CLUSTER_DNS_IP)) {
        for (const candidate of searchCandidates(key, conf)) {
          const reply = answer(store, clusterDomain, candidate);
          if (reply.addresses.length > 0) {
            for (const address of reply.addresses) printHostent(context, address, [candidate.toLowerCase()]);
            found = true;
            break;
          }
        }
      }
      if (!found) status = 2;
    }
    return status;
  };
}

/** busybox nslookup (1.3x): replies are printed in query order, A before AAAA. */
export function busyboxNslookupUtility(store: Store, clusterDomain: string): Utility {
  return (context) => {
    const args = context.argv.slice(1).filter((arg) => !arg.startsWith('-'));
    const name = args[0];
    if (!name) {
      context.io.stderr(
        Buffer.from(
          'BusyBox v1.36.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n',
        ),
      );
      return 1;
    }
    const conf = readResolvConf(context);
    const server = args[1] ?? conf.nameservers[0]!;
    const names =
      name.includes('.') || conf.search.length === 0 ? [name] : conf.search.map((d) => `${name}.${d}`);
    if (server !== CLUSTER_DNS_IP) {
      context.io.stdout(Buffer.from(';; connection timed out; no servers could be reached\n\n'));
      return 1;
    }
    let out = `Server:\t\t${server}\nAddress:\t${server}:53\n\n`;
    const arpa = reverseName(name);
    if (arpa) {
      // An address argument becomes one PTR query.
      const ptr = reverse(store, clusterDomain, name);
      if (ptr.length === 0) {
        context.io.stdout(Buffer.from(`${out}** server can't find ${arpa}: NXDOMAIN\n\n`));
        return 1;
      }
      for (const target of ptr) out += `${arpa}\tname = ${target}\n`;
      context.io.stdout(Buffer.from(`${out}\n`));
      return 0;
    }
    let status = 0;
    for (const aaaa of [false, true]) {
      for (const query of names) {
        const owner = query.replace(/\.$/, '');
        const reply = answer(store, clusterDomain, query, aaaa);
        if (reply.rcode !== 'NOERROR') {
          out += `** server can't find ${owner}: ${reply.rcode}\n`;
          status = 1;
        } else if (reply.addresses.length === 0) {
          out += `*** Can't find ${owner}: No answer\n`;
        } else {
          for (const address of reply.addresses) out += `Name:\t${owner}\nAddress: ${address}\n`;
        }
        out += '\n';
      }
    }
    context.io.stdout(Buffer.from(out));
    return status;
  };
}

/** bind9 nslookup (dnsutils in debian images): glibc-style search, first answer printed. */
export function bindNslookupUtility(store: Store, clusterDomain: string): Utility {
  return (context) => {
    const args = context.argv.slice(1).filter((arg) => !arg.startsWith('-'));
    const name = args[0];
    if (!name) {
      context.io.stderr(Buffer.from('nslookup: interactive mode is not simulated\n'));
      return 1;
    }
    const conf = readResolvConf(context);
    const server = args[1] ?? conf.nameservers[0]!;
    if (server !== CLUSTER_DNS_IP) {
      context.io.stdout(Buffer.from(';; connection timed out; no servers could be reached\n\n'));
      return 1;
    }
    let out = `Server:\t\t${server}\nAddress:\t${server}#53\n\n`;
    const arpa = reverseName(name);
    if (arpa) {
      const ptr = reverse(store, clusterDomain, name);
      if (ptr.length === 0) {
        context.io.stdout(Buffer.from(`${out}** server can't find ${arpa}: NXDOMAIN\n\n`));
        return 1;
      }
      for (const target of ptr) out += `${arpa}\tname = ${target}.\n`;
      context.io.stdout(Buffer.from(`${out}\n`));
      return 0;
    }
    for (const candidate of searchCandidates(name, conf)) {
      const reply = answer(store, clusterDomain, candidate);
      if (reply.addresses.length > 0) {
        for (const address of reply.addresses) out += `Name:\t${candidate}\nAddress: ${address}\n`;
        context.io.stdout(Buffer.from(`${out}\n`));
        return 0;
      }
    }
    out += `** server can't find ${name.replace(/\.$/, '')}: NXDOMAIN\n\n`;
    context.io.stdout(Buffer.from(out));
    return 1;
  };
}
