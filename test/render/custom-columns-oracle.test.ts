// -o custom-columns and --sort-by against real kubectl: the same list of items is served to
// `kubectl get` (test/helpers/kubectl-oracle.ts) and given to our renderer and sorter; the text
// must be identical, errors must carry kubectl's message. Items: overview items and dns reports
// (the documented list schemas) and awkward values (floats, nulls, maps, escape sequences,
// wide characters).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOutputOptions } from '../../src/cli/output.ts';
import type { StsError } from '../../src/cli/errors.ts';
import {
  CustomColumnsError,
  parseCustomColumns,
  renderCustomColumns,
} from '../../src/render/custom-columns.ts';
import type { GoValue } from '../../src/render/go-values.ts';
import { SortError, parseSortField, sortItems } from '../../src/render/sort.ts';
import { mapLimit } from '../helpers/cli.ts';
import { startKubectlOracle } from '../helpers/kubectl-oracle.ts';
import type { KubectlOracle } from '../helpers/kubectl-oracle.ts';

const OVERVIEW_ITEMS = [
  {
    namespace: 'shop',
    name: 'orders',
    labels: { app: 'orders', tier: 'data' },
    replicas: { desired: 3, ready: 3, updated: 3 },
    revision: 'current',
    claims: { bound: 3, total: 3 },
    health: 'Healthy',
    finding: null,
    diagnostics: [],
  },
  {
    namespace: 'default',
    name: 'web-10',
    labels: {},
    replicas: { desired: 10, ready: 7, updated: 10 },
    revision: 'updating',
    claims: { bound: 10, total: 10 },
    health: 'Progressing',
    finding: 'web-7 is not Ready',
    diagnostics: [{ code: 'RollingUpdateInProgress', severity: 'info', ordinals: [7, 8] }],
  },
  {
    namespace: 'default',
    name: 'web-9',
    labels: { app: 'web' },
    replicas: { desired: 2, ready: 0, updated: 2 },
    revision: 'pending',
    claims: { bound: 1, total: 2 },
    health: 'Degraded',
    finding: 'claim data-web-9-1 is Pending: \u001b[31mno storage class\r',
    diagnostics: [
      { code: 'ClaimNoStorageClass', severity: 'error', ordinals: [1] },
      { code: 'OrderedReadyBlocked', severity: 'error', ordinals: [1] },
    ],
  },
];

const AWKWARD_ITEMS = [
  {
    name: 'a',
    size: '1Gi',
    n: 3,
    f: 1.5,
    big: 1234567.5,
    on: true,
    none: null,
    tags: ['x', 'y'],
    m: { b: 1, a: 'z' },
  },
  { name: 'b', size: '500Mi', n: 1, f: 0.25, big: 7, on: false, tags: [], m: {} },
  { name: 'ü日本', size: '2', n: 2, f: 2.5, tags: ['only'], m: { nested: { deep: [1, null] } } },
];

interface Case {
  items: 'overview' | 'awkward';
  args: string[];
}

const CUSTOM_COLUMNS: Case[] = [
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,READY:.replicas.ready,HEALTH:.health'] },
  { items: 'overview', args: ['-o', 'custom-columns=NS:namespace,NAME:{.name},FINDING:{finding}'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,CODES:.diagnostics[*].code'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,ORDINALS:.diagnostics[*].ordinals'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,LABELS:.labels,APP:.labels.app'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,DIAG:.diagnostics[0]'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,DIAG:.diagnostics[-1:]'] },
  { items: 'overview', args: ['-o', 'custom-columns=NAME:.name,REPLICAS:.replicas', '--no-headers'] },
  { items: 'overview', args: ['-o', 'custom-columns=lower case:.name,:.health,X:'] },
  { items: 'overview', args: ['-o', 'custom-columns=E:.diagnostics[?(@.severity=="error")].code'] },
  {
    items: 'awkward',
    args: ['-o', 'custom-columns=N:.name,S:.size,F:.f,BIG:.big,ON:.on,NONE:.none,MISSING:.nope'],
  },
  { items: 'awkward', args: ['-o', 'custom-columns=N:.name,TAGS:.tags,EACH:.tags[*],M:.m'] },
  { items: 'awkward', args: ['-o', 'custom-columns=N:.name,NAMEBYTES:.name.*'] },
];

const SORTS: Case[] = [
  ...[
    '.name',
    '{.name}',
    'name',
    '.replicas.desired',
    '.health',
    '.finding',
    '.labels.app',
    '.diagnostics[0].code',
  ].map((field) => ({
    items: 'overview' as const,
    args: ['--sort-by', field, '-o', 'custom-columns=NAME:.name'],
  })),
  ...['.size', '.n', '.f', '.big', '.none', '.name', '.m.a'].map((field) => ({
    items: 'awkward' as const,
    args: ['--sort-by', field, '-o', 'custom-columns=N:.name'],
  })),
];

const SORT_ERRORS: Case[] = ['.nope', '.on', '.m', '.tags', '{.name', '.big2', '.tags[0]'].map((field) => ({
  items: 'awkward' as const,
  args: ['--sort-by', field, '-o', 'custom-columns=N:.name'],
}));

const SPEC_ERRORS = ['', 'NAME', 'NAME:.name,READY', 'N:{.name', 'N:.tags[', 'N:{.a}{.b}'];

let oracle: KubectlOracle;
let dir: string;
const namespaces = {} as Record<Case['items'], string>;
const served = {} as Record<Case['items'], GoValue[]>;

beforeAll(async () => {
  oracle = await startKubectlOracle();
  dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-columns-'));
  namespaces.overview = oracle.dataset(OVERVIEW_ITEMS);
  namespaces.awkward = oracle.dataset(AWKWARD_ITEMS);
  served.overview = oracle.served(namespaces.overview) as GoValue[];
  served.awkward = oracle.served(namespaces.awkward) as GoValue[];
});

afterAll(async () => {
  await oracle?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Our output for kubectl's arguments: sort as --sort-by, then the columns. */
function ours(testCase: Case): { stdout: string; error?: string } {
  const flag = (name: string) => {
    const index = testCase.args.indexOf(name);
    return index < 0 ? undefined : testCase.args[index + 1];
  };
  try {
    let items = served[testCase.items];
    const sortBy = flag('--sort-by');
    if (sortBy !== undefined) items = sortItems(items, parseSortField(sortBy));
    const columns = parseCustomColumns(flag('-o')!.replace(/^custom-columns=/, ''));
    return {
      stdout: renderCustomColumns(columns, items, { noHeaders: testCase.args.includes('--no-headers') }),
    };
  } catch (error) {
    if (error instanceof SortError || error instanceof CustomColumnsError)
      return { stdout: '', error: error.message };
    throw error;
  }
}

/** kubectl's stdout, or its error without the `error: ` prefix or klog's header. */
async function theirs(testCase: Case): Promise<{ stdout: string; error?: string }> {
  const run = await oracle.get(namespaces[testCase.items], testCase.args);
  if (run.code === 0) return { stdout: run.stdout };
  const message = run.stderr
    .trimEnd()
    .replace(/^error: /, '')
    .replace(/^F\d{4} [\d:.]+\s+\d+ \S+\] /, '')
    // Its dump of the whole object left out: "Failed to get i values for <object> using {.x} (<reason>)".
    .replace(
      /^Failed to get [ij] values for .* using (\S+) \(&errors\.errorString\{s:"(.*)"\}\)$/,
      'Failed to get values for an item using $1: $2',
    );
  // kubectl prints the rows before a failing one; ours prints nothing for a failure.
  return { stdout: '', error: message };
}

describe('custom-columns and --sort-by: the same text as kubectl', () => {
  const all = [...CUSTOM_COLUMNS, ...SORTS, ...SORT_ERRORS];
  let expected: { stdout: string; error?: string }[] = [];
  beforeAll(async () => {
    expected = await mapLimit(all, 4, theirs);
  }, 120_000);

  it.each(all.map((testCase, index) => [`${testCase.items}: ${testCase.args.join(' ')}`, index] as const))(
    '%s',
    (_name, index) => {
      expect(ours(all[index]!)).toEqual(expected[index]);
    },
  );

  it('the table includes failures as well as successes', () => {
    const failures = expected.filter((outcome) => outcome.error !== undefined).length;
    expect(failures).toBeGreaterThanOrEqual(SORT_ERRORS.length);
    expect(expected.length - failures).toBeGreaterThan(20);
  });
});

describe('custom-columns specifications kubectl refuses', () => {
  it.each(SPEC_ERRORS)('%j: kubectl refuses it with the same message', async (spec) => {
    const run = await oracle.get(namespaces.overview, ['-o', `custom-columns=${spec}`]);
    expect(run.code).not.toBe(0);
    const theirMessage = run.stderr
      .trimEnd()
      .split('\n')
      .at(-1)!
      .replace(/^error: /, '');
    let our: string | undefined;
    try {
      parseCustomColumns(spec);
    } catch (error) {
      our = (error as Error).message;
    }
    expect(our).toBe(theirMessage);
  });
});

describe('custom-columns-file', () => {
  it.each([
    ['NAME READY\n.name .replicas.ready\n', false],
    ['NAME   HEALTH\r\n{.name}\t{.health}\r\n', false],
    ['NAME\n', true],
    ['', true],
    ['NAME READY\n.name\n', true],
  ] as const)('%j is read as kubectl reads it', async (content, fails) => {
    const file = path.join(dir, `columns-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(file, content);
    const run = await oracle.get(namespaces.overview, ['-o', `custom-columns-file=${file}`]);
    let our: { stdout: string; error?: string };
    try {
      const output = toOutputOptions({ output: `custom-columns-file=${file}` }, {}, {});
      our = { stdout: renderCustomColumns(output.customColumns!, served.overview, { noHeaders: false }) };
    } catch (error) {
      our = { stdout: '', error: (error as StsError).message };
    }
    if (fails) {
      expect(run.code).not.toBe(0);
      expect(our.error).toBe(run.stderr.trimEnd().replace(/^error: /, ''));
    } else expect(our).toEqual({ stdout: run.stdout });
  });
});
