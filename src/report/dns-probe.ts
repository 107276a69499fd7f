// Resolving names from inside a pod: the one script sent through exec (it picks getent or
// nslookup, whichever the image has, and marks each answer), and the parser of its output.
// Both pure, so the exact bytes exchanged with a container are testable without a cluster.
import type { ResolverTool } from './dns.ts';

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;
const END_OF_NAMES = '@@done';

/**
 * A constant POSIX sh script that resolves each name read from stdin with getent (preferred: it
 * follows the search list and ndots as applications do) or nslookup, framing each answer with
 * `@@` marker lines. Names travel on stdin, never in the script or the URL: a thousand replicas
 * would make a URL too long for proxies, and nothing from the cluster is spliced into a shell.
 * The list ends with a marker line because exec protocol v4 cannot close stdin.
 */
export const PROBE_SCRIPT = [
  'if command -v getent >/dev/null 2>&1; then t=getent',
  'elif command -v nslookup >/dev/null 2>&1; then t=nslookup',
  "else echo '@@tool none'; exit 0; fi",
  'echo "@@tool $t"',
  'while read -r n; do',
  `  if [ "$n" = ${END_OF_NAMES} ]; then break; fi`,
  '  echo "@@name $n"',
  '  if [ "$t" = getent ]; then getent hosts "$n" </dev/null; else nslookup "$n" </dev/null 2>&1; fi',
  '  echo "@@end $?"',
  'done',
].join('\n');

/** The probe's stdin: one DNS name per line (others left out), then the end marker. */
export function probeInput(names: string[]): string {
  return `${[...names.filter((name) => SAFE_NAME.test(name)), END_OF_NAMES].join('\n')}\n`;
}

export interface ParsedProbe {
  tool: ResolverTool | undefined;
  answers: Record<string, string[]>;
}

const ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$/;

/** Addresses in one getent answer: `IP  name aliases…` per line. */
function getentAddresses(lines: string[]): string[] {
  return lines.map((line) => line.trim().split(/\s+/)[0] ?? '').filter((first) => ADDRESS.test(first));
}

/**
 * Addresses in one nslookup answer. Server lines come first (`Address:\t10.96.0.10:53`); only
 * `Address` lines after a `Name:` line are answers, in busybox (`Address: IP`, or
 * `Address 1: IP name` before 1.29) and bind (`Address: IP`) formats alike.
 */
function nslookupAddresses(lines: string[]): string[] {
  const addresses: string[] = [];
  let inAnswer = false;
  for (const line of lines) {
    if (/^Name:/.test(line)) {
      inAnswer = true;
      continue;
    }
    const match = /^Address(?:\s+\d+)?:\s*(\S+)/.exec(line);
    if (inAnswer && match && ADDRESS.test(match[1]!)) addresses.push(match[1]!);
  }
  return [...new Set(addresses)];
}

export function parseProbeOutput(stdout: string): ParsedProbe {
  const lines = stdout.replace(/\r\n/g, '\n').split('\n');
  const toolLine = lines.find((line) => line.startsWith('@@tool '));
  const toolName = toolLine?.slice('@@tool '.length).trim();
  const tool: ResolverTool | undefined =
    toolName === 'getent' || toolName === 'nslookup' ? toolName : undefined;
  const answers: Record<string, string[]> = {};
  let current: string | undefined;
  let body: string[] = [];
  for (const line of lines) {
    if (line.startsWith('@@name ')) {
      current = line.slice('@@name '.length).trim();
      body = [];
    } else if (line.startsWith('@@end') && current !== undefined) {
      answers[current] = tool === 'nslookup' ? nslookupAddresses(body) : getentAddresses(body);
      current = undefined;
    } else if (current !== undefined) {
      body.push(line);
    }
  }
  return { tool, answers };
}

/** The cluster domain in a resolv.conf search line: the suffix after `<namespace>.svc.`. */
export function clusterDomainFromResolvConf(text: string, namespace: string): string | undefined {
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key !== 'search') continue;
    const prefix = `${namespace}.svc.`;
    const own = values.find((value) => value.startsWith(prefix) && value.length > prefix.length);
    if (own) return own.slice(prefix.length).replace(/\.$/, '');
    const generic = values.find((value) => value.startsWith('svc.') && value.length > 4);
    if (generic) return generic.slice(4).replace(/\.$/, '');
  }
  return undefined;
}

/** The zone of the `kubernetes` plugin in a Corefile (`kubernetes cluster.local in-addr.arpa …`). */
export function clusterDomainFromCorefile(corefile: string): string | undefined {
  for (const line of corefile.split('\n')) {
    const match = /^\s*kubernetes\s+([^\s{]+)/.exec(line);
    if (match) return match[1]!.replace(/\.$/, '');
  }
  return undefined;
}
