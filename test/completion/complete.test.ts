// The completion engine as a specification: which candidates each position on the command
// line gets, and which connection flags reach the cluster lookups.
import { describe, expect, it } from 'vitest';
import { Directive, complete, formatCompletion } from '../../src/completion/complete.ts';
import type { CommandSpec, DynamicKind, LineContext } from '../../src/completion/complete.ts';

const connectionFlags = [
  { name: 'kubeconfig', takesValue: true, description: 'Path to the kubeconfig file.' },
  { name: 'context', takesValue: true, description: 'Context to use.' },
  { name: 'namespace', char: 'n', takesValue: true, description: 'Namespace to look in.' },
  {
    name: 'output',
    char: 'o',
    takesValue: true,
    options: ['table', 'wide', 'json', 'yaml'],
    description: 'Output format.',
  },
  { name: 'all-namespaces', char: 'A', takesValue: false, description: 'List across all namespaces.' },
  { name: 'secret', takesValue: false, hidden: true },
];

const COMMANDS: CommandSpec[] = [
  {
    id: 'status',
    description: 'Explain a StatefulSet.\nMore text.',
    flags: connectionFlags,
    args: [{ name: 'name' }],
  },
  {
    id: 'dns',
    description: 'Stable DNS names.',
    flags: [...connectionFlags, { name: 'from', takesValue: true }],
    args: [{ name: 'name' }],
  },
  {
    id: 'verify-pvc',
    description: 'Check persistence.',
    flags: [
      ...connectionFlags,
      { name: 'ordinal', takesValue: true },
      { name: 'container', char: 'c', takesValue: true },
      { name: 'timeout', takesValue: true },
    ],
    args: [{ name: 'name' }],
  },
  { id: 'version', description: 'Print the version.', flags: [], args: [] },
  {
    id: 'completion',
    description: 'Shell scripts.',
    flags: [],
    args: [{ name: 'shell', options: ['bash', 'zsh', 'fish'] }],
  },
  { id: 'help', description: 'Show help.', flags: [], args: [{ name: 'command' }] },
  { id: 'internal', hidden: true, flags: [], args: [] },
];

const CLUSTER: Record<string, string[]> = { default: ['web', 'db'], shop: ['cart', 'orders'] };

/** A fake source that records what it was asked, answering from CLUSTER and a fixed kubeconfig. */
function recordingSource() {
  const calls: { kind: DynamicKind; context: LineContext }[] = [];
  const source = async (kind: DynamicKind, context: LineContext): Promise<string[]> => {
    calls.push({ kind, context });
    if (kind === 'context') return ['sim', 'prod'];
    if (kind === 'namespace') return [...Object.keys(CLUSTER), 'kube-system'];
    if (kind === 'statefulset') {
      if (context.allNamespaces) return Object.values(CLUSTER).flat();
      return CLUSTER[context.connection.namespace ?? 'default'] ?? [];
    }
    if (kind === 'ordinal') return context.statefulSet === 'web' ? ['0', '1', '2'] : [];
    if (kind === 'pod')
      return context.statefulSet === 'web' ? ['web-0', 'web-1', 'web-2'] : ['web-0', 'db-0'];
    if (kind === 'container') return context.statefulSet === 'web' ? ['nginx', 'sidecar'] : [];
    return [];
  };
  return { source, calls };
}

const values = (result: { candidates: { value: string }[] }) =>
  result.candidates.map((candidate) => candidate.value);

describe('complete', () => {
  const cases: { name: string; words: string[]; expected: string[]; directive?: number }[] = [
    {
      name: 'offers every visible subcommand on an empty line',
      words: [''],
      expected: ['status', 'dns', 'verify-pvc', 'version', 'completion', 'help'],
    },
    {
      name: 'help offers the commands, without asking the cluster',
      words: ['help', 've'],
      expected: ['verify-pvc', 'version'],
    },
    { name: 'filters subcommands by the typed prefix', words: ['v'], expected: ['verify-pvc', 'version'] },
    { name: 'never offers hidden commands', words: ['int'], expected: [] },
    {
      name: 'offers StatefulSet names of the current namespace for NAME',
      words: ['status', ''],
      expected: ['web', 'db'],
    },
    { name: 'filters StatefulSet names by prefix', words: ['dns', 'w'], expected: ['web'] },
    {
      name: 'honours -n typed before NAME',
      words: ['status', '-n', 'shop', ''],
      expected: ['cart', 'orders'],
    },
    { name: 'honours --namespace=X', words: ['verify-pvc', '--namespace=shop', 'o'], expected: ['orders'] },
    { name: 'honours -nX written together', words: ['status', '-nshop', ''], expected: ['cart', 'orders'] },
    {
      name: 'honours flags typed before the subcommand',
      words: ['-n', 'shop', 'status', ''],
      expected: ['cart', 'orders'],
    },
    {
      name: 'lists every namespace with -A',
      words: ['status', '-A', ''],
      expected: ['web', 'db', 'cart', 'orders'],
    },
    { name: 'offers nothing once NAME is given', words: ['status', 'web', ''], expected: [] },
    {
      name: 'completes every namespace after -n',
      words: ['status', '-n', ''],
      expected: ['default', 'shop', 'kube-system'],
    },
    {
      name: 'completes flags after NAME (`status web --<TAB>`)',
      words: ['status', 'web', '--'],
      expected: [
        '--kubeconfig',
        '--context',
        '--namespace',
        '--output',
        '--all-namespaces',
        '--help',
        '--version',
      ],
    },
    {
      name: "completes the set's ordinals for --ordinal",
      words: ['verify-pvc', 'web', '--ordinal', ''],
      expected: ['0', '1', '2'],
    },
    { name: 'completes --ordinal=', words: ['verify-pvc', 'web', '--ordinal=1'], expected: ['--ordinal=1'] },
    {
      name: "completes the set's containers for -c",
      words: ['verify-pvc', 'web', '-c', ''],
      expected: ['nginx', 'sidecar'],
    },
    {
      name: "completes the set's pods for --from",
      words: ['dns', 'web', '--from', 'web-'],
      expected: ['web-0', 'web-1', 'web-2'],
    },
    {
      name: 'completes pods for --from before NAME',
      words: ['dns', '--from', ''],
      expected: ['web-0', 'db-0'],
    },
    {
      name: 'offers nothing for free-text flags',
      words: ['verify-pvc', 'web', '--timeout', ''],
      expected: [],
    },
    {
      name: 'completes namespaces after --namespace=',
      words: ['status', '--namespace=s'],
      expected: ['--namespace=shop'],
    },
    { name: 'completes contexts after --context', words: ['dns', '--context', 'p'], expected: ['prod'] },
    {
      name: 'completes declared flag options',
      words: ['status', '-o', ''],
      expected: ['table', 'wide', 'json', 'yaml'],
    },
    {
      name: 'completes declared options after --output=',
      words: ['status', '--output=j'],
      expected: ['--output=json'],
    },
    { name: 'completes long flag names', words: ['status', '--n'], expected: ['--namespace'] },
    { name: 'hides hidden flags', words: ['status', '--se'], expected: [] },
    {
      name: 'offers short and long flags for a lone dash',
      words: ['version', '-'],
      expected: ['-h', '--help', '--version'],
    },
    { name: 'completes argument options', words: ['completion', ''], expected: ['bash', 'zsh', 'fish'] },
    { name: 'treats words after -- as arguments', words: ['status', '--', '-'], expected: [] },
    {
      name: 'leaves --kubeconfig values to the shell (files)',
      words: ['status', '--kubeconfig', ''],
      expected: [],
      directive: Directive.Default,
    },
  ];
  it.each(cases)('$name', async ({ words, expected, directive }) => {
    const result = await complete(words, COMMANDS, recordingSource().source);
    expect(values(result)).toEqual(expected);
    expect(result.directive).toBe(directive ?? Directive.NoFileComp);
  });

  it('passes --kubeconfig and --context from the line to the lookup', async () => {
    const { source, calls } = recordingSource();
    await complete(
      ['status', '--kubeconfig', '/tmp/kc', '--context=prod', '-n', 'shop', ''],
      COMMANDS,
      source,
    );
    expect(calls).toEqual([
      {
        kind: 'statefulset',
        context: {
          connection: { kubeconfig: '/tmp/kc', context: 'prod', namespace: 'shop' },
          allNamespaces: false,
        },
      },
    ]);
  });

  it('does not ask the cluster when completing subcommands or flags', async () => {
    const { source, calls } = recordingSource();
    await complete([''], COMMANDS, source);
    await complete(['status', '--'], COMMANDS, source);
    expect(calls).toEqual([]);
  });

  it('completes nothing, silently, when the lookup fails', async () => {
    const failing = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    };
    const result = await complete(['status', ''], COMMANDS, failing);
    expect(result).toEqual({ candidates: [], directive: Directive.NoFileComp });
  });
});

describe('formatCompletion', () => {
  it('writes one candidate per line, descriptions after a tab, then the directive', () => {
    const text = formatCompletion({
      candidates: [{ value: 'status', description: 'Explain a StatefulSet.' }, { value: 'web' }],
      directive: Directive.NoFileComp,
    });
    expect(text).toBe('status\tExplain a StatefulSet.\nweb\n:4\n');
  });

  it('uses only the first line of a multi-line description', async () => {
    const result = await complete(['st'], COMMANDS, recordingSource().source);
    expect(formatCompletion(result)).toBe('status\tExplain a StatefulSet.\n:4\n');
  });
});
