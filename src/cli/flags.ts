// kubectl's own flags, declared once and shared by every command, and the split from parsed
// flags into plain option objects (connection, output) that the rest of the code takes.
//
// The connection options are one table (CONNECTION_OPTIONS): each entry is one kubectl flag and
// says how its value is read. From that table come the oclif flags of every command that talks to
// a cluster, the ConnectionOptions type and toConnectionOptions(), the overrides the kubeconfig
// resolution receives (KubeconfigOverrideOptions), and what completion records when the flag is
// typed on the line and which values it offers. Adding a connection flag is one entry here plus
// its test; test/cli/connection-options.test.ts checks every entry reaches each of those places.
import { Flags } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { usageError } from './errors.ts';

/**
 * Spread into every positional argument: it only ever comes from the command line. oclif reads
 * a missing argument from stdin when stdin is not a terminal: `echo web | kubectl sts
 * verify-pvc` would verify `web`, and `kubectl sts status -A` in a `while read` loop would
 * swallow the loop's input (waiting up to 10 ms for it). kubectl takes names from arguments only.
 */
export const fromCommandLineOnly = { ignoreStdin: true } as const;

/** Where completion finds the values of a flag or argument. */
export type ValueSource =
  | 'file'
  | 'namespace'
  | 'context'
  | 'cluster'
  | 'user'
  | 'statefulset'
  | 'ordinal'
  | 'pod'
  | 'container'
  | { values: readonly string[] };

/** A flag value as the command line gives it: text, repeated text, or a switch. */
type RawValue = string | string[] | boolean | undefined;

interface OptionSpec<T> {
  /** kubectl's flag name (without dashes). */
  flag: string;
  char?: Interfaces.AlphabetLowercase | Interfaces.AlphabetUppercase;
  description: string;
  /** string: one value; strings: repeatable; boolean: a switch. */
  kind: 'string' | 'strings' | 'boolean';
  /** oclif default, as typed. */
  default?: string;
  /** Passed to the kubeconfig resolution as an override (as kubectl's ConfigFlags do). */
  overridesKubeconfig: boolean;
  /** What completion offers for the value. */
  complete?: ValueSource;
  /** A valid value, for tests and examples. */
  example: string;
  /** From the flag's raw value (undefined when not given) to the option's value. */
  read(raw: RawValue): T;
}

function text<const S extends Omit<OptionSpec<string | undefined>, 'kind' | 'read'>>(spec: S) {
  return {
    ...spec,
    kind: 'string' as const,
    read: (raw: RawValue): string | undefined => (typeof raw === 'string' ? raw : undefined),
  };
}

/**
 * The connection options, one entry per kubectl flag. The key is the property of
 * ConnectionOptions the value lands in.
 */
export const CONNECTION_OPTIONS = {
  kubeconfig: text({
    flag: 'kubeconfig',
    description: 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config).',
    overridesKubeconfig: true,
    complete: 'file',
    example: '/tmp/other-kubeconfig.yaml',
  }),
  context: text({
    flag: 'context',
    description: 'The name of the kubeconfig context to use.',
    overridesKubeconfig: true,
    complete: 'context',
    example: 'staging',
  }),
  cluster: text({
    flag: 'cluster',
    description: 'The name of the kubeconfig cluster to use.',
    overridesKubeconfig: true,
    complete: 'cluster',
    example: 'prod-eu',
  }),
  user: text({
    flag: 'user',
    description: 'The name of the kubeconfig user to use.',
    overridesKubeconfig: true,
    complete: 'user',
    example: 'admin',
  }),
  namespace: text({
    flag: 'namespace',
    char: 'n',
    description: 'The namespace to look in (default: the context\'s namespace, then "default").',
    overridesKubeconfig: true,
    complete: 'namespace',
    example: 'shop',
  }),
  requestTimeoutMs: {
    flag: 'request-timeout',
    description: 'How long to wait for a single server request (e.g. 1s, 2m, 0 = no limit).',
    kind: 'string' as const,
    default: '0',
    overridesKubeconfig: false as const,
    example: '5s',
    read: (raw: RawValue): number => parseDuration(typeof raw === 'string' ? raw : '0'),
  },
} satisfies Record<string, OptionSpec<unknown>>;

type ConnectionTable = typeof CONNECTION_OPTIONS;
type ConnectionKey = keyof ConnectionTable;

type ValueOf<K extends ConnectionKey> = ReturnType<ConnectionTable[K]['read']>;

/** Everything needed to reach the cluster, independent of oclif (unset options may be left out). */
export type ConnectionOptions = {
  [K in ConnectionKey as undefined extends ValueOf<K> ? K : never]?: ValueOf<K>;
} & {
  [K in ConnectionKey as undefined extends ValueOf<K> ? never : K]: ValueOf<K>;
} & { debug: boolean };

/** The connection options the kubeconfig resolution applies (kubectl's ConfigFlags overrides). */
export type KubeconfigOverrideOptions = {
  [K in ConnectionKey as ConnectionTable[K]['overridesKubeconfig'] extends true ? K : never]?: ValueOf<K>;
};

/** [key, spec] of every connection option, in declaration order. */
export const CONNECTION_ENTRIES = Object.entries(CONNECTION_OPTIONS) as [
  ConnectionKey,
  OptionSpec<unknown>,
][];

/** The connection option declared for a flag name, if any. */
export function connectionOptionForFlag(flag: string): [ConnectionKey, OptionSpec<unknown>] | undefined {
  return CONNECTION_ENTRIES.find(([, spec]) => spec.flag === flag);
}

function oclifFlagFor(spec: OptionSpec<unknown>) {
  const common = {
    description: spec.description,
    helpGroup: 'KUBECTL',
    ...(spec.char ? { char: spec.char } : {}),
  };
  if (spec.kind === 'boolean') return Flags.boolean({ ...common, allowNo: true });
  if (spec.kind === 'strings') return Flags.string({ ...common, multiple: true });
  return spec.default === undefined
    ? Flags.string(common)
    : Flags.string({ ...common, default: spec.default });
}

type OclifFlagOf<S> = S extends { kind: 'boolean' }
  ? Interfaces.BooleanFlag<boolean>
  : S extends { kind: 'strings' }
    ? Interfaces.OptionFlag<string[] | undefined>
    : S extends { default: string }
      ? Interfaces.OptionFlag<string>
      : Interfaces.OptionFlag<string | undefined>;

/** The oclif flags of the connection options, for commands that talk to a cluster. */
export const connectionFlags = Object.fromEntries(
  CONNECTION_ENTRIES.map(([, spec]) => [spec.flag, oclifFlagFor(spec)]),
) as { [K in ConnectionKey as ConnectionTable[K]['flag']]: OclifFlagOf<ConnectionTable[K]> };

/** From parsed flags (keyed by flag name) to the connection options. */
export function toConnectionOptions(flags: Record<string, unknown>): ConnectionOptions {
  const options: Record<string, unknown> = { debug: flags.debug === true };
  for (const [key, spec] of CONNECTION_ENTRIES) options[key] = spec.read(flags[spec.flag] as RawValue);
  return options as ConnectionOptions;
}

/** `-o` of the commands that print a report: status and dns. */
export const REPORT_OUTPUT_FORMATS = [
  'table',
  'wide',
  'json',
  'yaml',
  'name',
  'jsonpath',
  'jsonpath-file',
  'custom-columns',
  'custom-columns-file',
] as const;

/** `-o` of verify-pvc. */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

const headersFlag = {
  'no-headers': Flags.boolean({
    description: 'Do not print table headers.',
    default: false,
    helpGroup: 'OUTPUT',
  }),
};

const colorFlag = {
  color: Flags.string({
    description: 'Colour the output (auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it).',
    options: ['auto', 'always', 'never'],
    default: 'auto',
    helpGroup: 'OUTPUT',
  }),
};

/** verify-pvc's output flags: a fixed set of formats. */
export const outputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'Output format.',
    options: [...OUTPUT_FORMATS],
    default: 'table',
    helpGroup: 'OUTPUT',
  }),
  ...headersFlag,
  ...colorFlag,
};

/** status and dns: every format kubectl users type for a report (checked by toOutputOptions). */
export const reportOutputFlags = {
  output: Flags.string({
    char: 'o',
    description: 'table, wide, json, yaml, name, jsonpath=…, custom-columns=… (-file= too).',
    helpValue: 'FORMAT',
    default: 'table',
    helpGroup: 'OUTPUT',
  }),
  'allow-missing-template-keys': Flags.boolean({
    description: 'With -o jsonpath: a missing key prints nothing (default).',
    default: true,
    allowNo: true,
    helpGroup: 'OUTPUT',
  }),
  ...headersFlag,
  ...colorFlag,
};

/** Selection and list layout, for status and dns without NAME. */
export const listFlags = {
  selector: Flags.string({
    char: 'l',
    description:
      'Without NAME: only StatefulSets whose labels match (e.g. -l app=db, -l "tier in (data,cache)").',
    helpGroup: 'LIST',
  }),
  'field-selector': Flags.string({
    description: 'Without NAME: only StatefulSets whose fields match (metadata.name, metadata.namespace).',
    helpGroup: 'LIST',
  }),
  'sort-by': Flags.string({
    description:
      'Without NAME: sort the list by this JSONPath over each item of the -o json document (e.g. .name).',
    helpGroup: 'LIST',
  }),
  'show-labels': Flags.boolean({
    description: "Without NAME: add a LABELS column with each StatefulSet's labels.",
    default: false,
    helpGroup: 'LIST',
  }),
  'label-columns': Flags.string({
    char: 'L',
    description:
      'Without NAME: add a column with the value of each of these labels (-L app,tier or repeated).',
    multiple: true,
    helpGroup: 'LIST',
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

/**
 * Values completion offers for flags without an oclif `options` list, by flag name. Connection
 * flags come from their table entries; a value-taking flag that is in neither place completes
 * free text (test/cli/connection-options.test.ts lists which ones may).
 */
export const FLAG_VALUES: Record<string, ValueSource> = {
  ...Object.fromEntries(
    CONNECTION_ENTRIES.flatMap(([, spec]) => (spec.complete ? [[spec.flag, spec.complete]] : [])),
  ),
  output: { values: REPORT_OUTPUT_FORMATS },
  filename: 'file',
  ordinal: 'ordinal',
  from: 'pod',
  container: 'container',
};

/** Value-taking flags whose values are free text: completion offers nothing for them. */
export const FREE_TEXT_FLAGS = [
  // A connection flag whose entry names no values (`--request-timeout`) is decided by its entry.
  ...CONNECTION_ENTRIES.flatMap(([, spec]) => (spec.complete ? [] : [spec.flag])),
  'cluster-domain',
  'timeout',
  'stuck-after',
  'settle',
  'path',
  'selector',
  'field-selector',
  'sort-by',
  'label-columns',
];

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

/**
 * Whether to colour, by the conventions of force-color.org, no-color.org and Node: an explicit
 * --color always/never wins; then FORCE_COLOR (set and not empty) forces colour even when not a
 * terminal, except FORCE_COLOR=0 or false, which turns it off (Node's and chalk's reading); then
 * NO_COLOR (set and not empty) turns it off; otherwise colour only on a terminal that is not dumb.
 * FORCE_COLOR wins over NO_COLOR, as force-color.org's reference implementation and Node do.
 */
export function colourEnabled(mode: string, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
