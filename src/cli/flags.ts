// kubectl's own flags, declared once and shared by every command, and the split from parsed
// flags into plain option objects (connection, output) that the rest of the code takes.
import { Flags } from '@oclif/core';
import { usageError } from './errors.ts';

/**
 * Spread into every positional argument: it only ever comes from the command line. oclif reads
 * a missing argument from stdin when stdin is not a terminal: `echo web | kubectl sts
 * verify-pvc` would verify `web`, and `kubectl sts status -A` in a `while read` loop would
 * swallow the loop's input (waiting up to 10 ms for it). kubectl takes names from arguments only.
 */
export const fromCommandLineOnly = { ignoreStdin: true } as const;

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const connectionFlags = {
  kubeconfig: Flags.string({
    description: 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config).',
    helpGroup: 'KUBECTL',
  }),
  context: Flags.string({ description: 'The name of the kubeconfig context to use.', helpGroup: 'KUBECTL' }),
  cluster: Flags.string({ description: 'The name of the kubeconfig cluster to use.', helpGroup: 'KUBECTL' }),
  user: Flags.string({ description: 'The name of the kubeconfig user to use.', helpGroup: 'KUBECTL' }),
  namespace: Flags.string({
    char: 'n',
    description: 'The namespace to look in (default: the context\'s namespace, then "default").',
    helpGroup: 'KUBECTL',
  }),
  'request-timeout': Flags.string({
    description: 'How long to wait for a single server request (e.g. 1s, 2m, 0 = no limit).',
    default: '0',
    helpGroup: 'KUBECTL',
  }),
};

export const outputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'Output format.',
    options: [...OUTPUT_FORMATS],
    default: 'table',
    helpGroup: 'OUTPUT',
  }),
  'no-headers': Flags.boolean({
    description: 'Do not print table headers.',
    default: false,
    helpGroup: 'OUTPUT',
  }),
  color: Flags.string({
    description: 'Colour the output.',
    options: ['auto', 'always', 'never'],
    default: 'auto',
    helpGroup: 'OUTPUT',
  }),
};

export const clusterDomainFlag = {
  'cluster-domain': Flags.string({
    description: 'The cluster DNS domain used in stable names (default: detected, else cluster.local).',
    helpGroup: 'KUBECTL',
  }),
};

export const allNamespacesFlag = {
  'all-namespaces': Flags.boolean({
    char: 'A',
    description: 'List across all namespaces.',
    default: false,
    helpGroup: 'KUBECTL',
  }),
};

export const debugFlag = {
  debug: Flags.boolean({
    description: 'Print request traces and stack traces to stderr (secrets are always redacted).',
    default: false,
  }),
};

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  /** 0 means no limit. */
  requestTimeoutMs: number;
  debug: boolean;
}

export interface OutputOptions {
  format: OutputFormat;
  noHeaders: boolean;
  color: boolean;
}

/**
 * Parses kubectl's --request-timeout: a bare integer is seconds, otherwise a Go duration
 * made of number+unit parts (`1m30s`, `500ms`). Returns milliseconds.
 */
export function parseDuration(value: string, flag = '--request-timeout'): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw usageError(
      `invalid duration "${value}" for ${flag}`,
      'use a number of seconds or a duration such as 30s, 2m, 1m30s',
    );
  }
  // A positive duration below 1 ms must not round to 0, which means "no limit".
  return total > 0 ? Math.max(1, Math.round(total)) : 0;
}

const DNS_DOMAIN =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** --cluster-domain as DNS treats it: case-insensitive, an optional trailing dot. */
export function parseClusterDomain(value: string): string {
  const domain = value.replace(/\.$/, '').toLowerCase();
  if (!DNS_DOMAIN.test(domain)) {
    throw usageError(`invalid --cluster-domain "${value}"`, 'use a DNS domain such as cluster.local');
  }
  return domain;
}

export function toConnectionOptions(flags: {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  'request-timeout'?: string;
  debug?: boolean;
}): ConnectionOptions {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    cluster: flags.cluster,
    user: flags.user,
    namespace: flags.namespace,
    requestTimeoutMs: parseDuration(flags['request-timeout'] ?? '0'),
    debug: flags.debug ?? false,
  };
}

export function toOutputOptions(
  flags: { output?: string; 'no-headers'?: boolean; color?: string },
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): OutputOptions {
  const format = (flags.output ?? 'table') as OutputFormat;
  const mode = flags.color ?? 'auto';
  const color =
    mode === 'always' || (mode === 'auto' && Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb');
  return { format, noHeaders: flags['no-headers'] ?? false, color };
}
