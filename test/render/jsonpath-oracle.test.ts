// Our JSONPath engine against real kubectl on the same documents: kubectl evaluates each template
// on an object served by a tiny API server (test/helpers/kubectl-oracle.ts), our engine on the
// object kubectl received. Output must be identical; for bad templates and failing lookups the
// message must be kubectl's. Documents: the golden status and dns reports (the documented schema),
// a list of overview items as kubectl wraps it, and one document of awkward values.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoValue } from '../../src/render/go-values.ts';
import {
  JsonPathExecuteError,
  JsonPathParseError,
  executeJsonPath,
  parseJsonPath,
} from '../../src/render/jsonpath.ts';
import { mapLimit } from '../helpers/cli.ts';
import { startKubectlOracle } from '../helpers/kubectl-oracle.ts';
import type { KubectlOracle, OracleRun } from '../helpers/kubectl-oracle.ts';

const golden = (file: string) =>
  JSON.parse(readFileSync(new URL(`../golden/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const AWKWARD = {
  name: 'awkward',
  int: 1234567,
  negative: -42,
  float: 1234567.5,
  half: 0.5,
  tiny: 0.00001,
  huge: 1e21,
  zero: 0,
  yes: true,
  no: false,
  nothing: null,
  empty: '',
  emptyList: [],
  emptyMap: {},
  html: 'a<b>&"c"',
  control: 'bell\u0007 esc\u001b[31m cr\r tab\t nl\n bs\b ff\f',
  unicode: 'über 日本 \u2028 😀',
  nested: { z: [1, 'two', null, { deep: true }], a: { b: { c: 'found' } } },
  list: [
    { name: 'a', n: 1, f: 1.5, tags: ['x', 'y'], opt: 'set' },
    { name: 'b', n: 2, f: 2.5, tags: [] },
    { name: 'c', n: 3, f: 3.5, tags: ['z'], opt: null },
  ],
  lists: [{ items: [] }, { items: [{ v: 1 }, { v: 2 }] }],
  'dotted.key': 'dotted value',
  'app.kubernetes.io/name': 'label value',
};

interface Case {
  template: string;
  /** Which document: one object (root = the object) or the overview list (root = kubectl's List). */
  document: 'status' | 'dns' | 'awkward' | 'list';
  /** kubectl walks object keys in random order: compare the space-separated words as a set. */
  unordered?: boolean;
  allowMissing?: boolean;
}

const STATUS_TEMPLATES = [
  '{.statefulSet.name}',
  '{.statefulSet.replicas.ready}/{.statefulSet.replicas.desired}',
  '{.pods[*].name}',
  '{.pods[0].name}',
  '{.pods[-1].name}',
  '{.pods[1:].name}',
  '{.pods[0:3:2].name}',
  '{.pods[:2].dns}',
  '{.pods[0,2].name}',
  '{range .pods[*]}{.name}{"\\t"}{.ready}{"\\t"}{.readyOrder}{"\\n"}{end}',
  '{range .pods[*]}{.name}: {range .volumes[*]}{.claim}={.phase} {end}{"\\n"}{end}',
  '{.pods[?(@.ready==true)].name}',
  '{.pods[?(@.ready==false)].name}',
  '{.pods[?(@.status=="Running")].name}',
  '{.pods[?(@.status!="Running")].name}',
  "{.pods[?(@.node=='sim-worker')].ordinal}",
  '{.pods[?(@.ordinal>0)].name}',
  '{.pods[?(@.ordinal>=1)].name}',
  '{.pods[?(@.ordinal<1)].name}',
  '{.pods[?(@.ordinal<=1)].name}',
  '{.pods[?(@.readySince)].name}',
  '{.pods[?(@.readyOrder==1)].name}',
  '{.pods[*].volumes[*].claim}',
  '{.pods[*].revision}',
  '{.pods[0]}',
  '{.statefulSet.updateStrategy}',
  '{.statefulSet.volumeClaimTemplates}',
  '{..claim}',
  '{.pods[*]..phase}',
  '{$.statefulSet.name}',
  '{@.statefulSet.serviceName}',
  '{.diagnostics[*].code}',
  '{.diagnostics}',
  '{.unreadable}',
  '{.statefulSet.nope}',
  '{.pods[*].nope}',
  'ordinal {.pods[0].ordinal} is {.pods[0].status}',
  'no action at all',
  '{"literal"} {\'single\'}',
  '{.pods[?(@.ordinal==1)].volumes[0].claim}',
  "{.statefulSet['name']}",
  "{.statefulSet['name','namespace']}",
  '{.statefulSet.pvcRetentionPolicy.*}',
];

const AWKWARD_TEMPLATES = [
  '{.int} {.negative} {.float} {.half} {.tiny} {.huge} {.zero}',
  '{.yes} {.no} {.nothing} {.empty}|',
  '{.emptyList} {.emptyMap}',
  '{.html}',
  '{.control}',
  '{.unicode}',
  '{.nested}',
  '{.nested.z}',
  '{.nested.z[*]}',
  '{.nested.a.b.c}',
  '{.list[*].name}',
  '{.list[*].opt}',
  '{.list[?(@.opt)].name}',
  '{.list[?(@.n==2)].name}',
  '{.list[?(@.f>2)].name}',
  '{.list[?(@.f>2.0)].name}',
  '{.list[?(@.n>1.5)].name}',
  '{.list[?(@.name>"a")].name}',
  '{.list[?(@.opt=="set")].name}',
  '{.list[?(@.tags[0]=="x")].name}',
  '{.list[?(@.yes==true)].name}',
  '{.list[*].tags[*]}',
  '{.lists[*].items[*].v}',
  '{.lists[1].items[*].v}',
  '{range .list[*]}[{.name}:{.tags}]{end}',
  '{range .emptyList[*]}never{end}after',
  '{range .list[*]}{range .tags[*]}{@}-{end};{end}',
  '{.name.*}',
  '{.empty.*}',
  '{.dotted\\.key}',
  '{.app\\.kubernetes\\.io/name}',
  "{['dotted.key']}",
  '{.list[?(@.name=="b")]}',
  '{.list[ 0 , 2 ].name}',
  '{.list[]}',
  '{ .name }',
  '{.list[*].name}{"\\n"}{.list[0].n}',
  '{"a\\u00e9\\x41\\101"}',
  '{range .list[*]}{.name}{end}{.name}',
  '{range .list[*]}{.name}',
  '{..deep}',
  '{.nested..c}',
  '{.*}',
  '{..}',
  '{$}',
  '{.}',
  '{1} {2.5} {true} {2.0} {-1} {+1} {1.}',
  '{.list[?(@.f==1.5)].name}',
  '{.list[?(@.n==2.0)].name}',
  '{range .nested.z[*]}{@};{end}',
  '{range .nested.z[*]}{.deep};{end}',
  '{.list[0].tags[*]}{.list[1].tags[*]}{.list[2].tags[*]}',
];

const ERROR_TEMPLATES = [
  '{.name',
  '{.list[0}',
  '{.list[?(@.n==1}',
  '{.list[?(@.n==1)}',
  '{"unterminated}',
  '{.list[x]}',
  '{.list[-]}',
  '{.name~}',
  '{.name\t}',
  '{....name}',
  '{1.2.3}',
  '{"\\q"}',
  '{end}',
  '{range .list[*]}{.name}{end}{end}',
  '{nope}',
  '{.list[9]}',
  '{.list[-9]}',
  '{.list[2:1]}',
  '{.list[0:3:0]}',
  '{.name[0]}',
  '{.nested[0]}',
  '{.name[?(@.x)]}',
  '{.list[?(@.n=="1")].name}',
  '{.list[?(@.tags==1)].name}',
  '{.list[?(@.yes<true)].name}',
  '{.list[?(@.tags[*]=="x")].name}',
  '{.list[?(@.n=1)].name}',
  '{.list[?(@.opt=="x")].name}',
];

const LIST_TEMPLATES = [
  '{.items[*].name}',
  '{.items[*].metadata.name}',
  '{range .items[*]}{.namespace}/{.name}{"\\t"}{.health}{"\\n"}{end}',
  '{.items[?(@.health=="Healthy")].name}',
  '{.items[0].replicas.desired}',
  '{.kind} {.apiVersion} {.metadata}',
  '{.items[*].finding}',
];

const cases: Case[] = [
  ...STATUS_TEMPLATES.map((template) => ({ template, document: 'status' as const })),
  { template: '{.statefulSet.nope}', document: 'status', allowMissing: false },
  { template: '{.pods[*].readySince}', document: 'status', allowMissing: false },
  { template: '{range .unreadable[*]}{.resource}{end}', document: 'status', allowMissing: false },
  { template: '{.records[*].fqdn}', document: 'dns' },
  { template: '{range .records[*]}{.pod} {.published} {.reason}{"\\n"}{end}', document: 'dns' },
  { template: '{.srv[0].port}', document: 'dns' },
  ...AWKWARD_TEMPLATES.map((template) => ({
    template,
    document: 'awkward' as const,
    unordered: /\.\*|\.\.|\{\$\}/.test(template),
  })),
  ...ERROR_TEMPLATES.map((template) => ({ template, document: 'awkward' as const })),
  { template: '{.list[*].opt}', document: 'awkward', allowMissing: false },
  { template: '{.list[?(@.opt)].name}', document: 'awkward', allowMissing: false },
  { template: '{.list[?(@.opt=="set")].name}', document: 'awkward', allowMissing: false },
  ...LIST_TEMPLATES.map((template) => ({ template, document: 'list' as const })),
];

interface Outcome {
  stdout: string;
  /** kubectl's reason, without its prefix and its dump of the object. */
  error?: string;
}

/** The reason out of kubectl's `error parsing jsonpath …, REASON` / `… Error executing template: REASON. Printing…`. */
function kubectlOutcome(run: OracleRun, template: string): Outcome {
  if (run.code === 0) return { stdout: run.stdout };
  const parse = `error: error parsing jsonpath ${template}, `;
  if (run.stderr.startsWith(parse))
    return { stdout: '', error: `parse: ${run.stderr.slice(parse.length).trimEnd()}` };
  const execute = /Error executing template: ([\s\S]*?)\. Printing more information/.exec(run.stderr);
  if (execute) return { stdout: '', error: `execute: ${execute[1]}` };
  throw new Error(`kubectl failed unexpectedly for ${template}: ${run.stderr}`);
}

function ourOutcome(template: string, document: GoValue, allowMissing: boolean): Outcome {
  try {
    return { stdout: executeJsonPath(parseJsonPath(template), document, { allowMissingKeys: allowMissing }) };
  } catch (error) {
    if (error instanceof JsonPathParseError) return { stdout: '', error: `parse: ${error.message}` };
    if (error instanceof JsonPathExecuteError) return { stdout: '', error: `execute: ${error.message}` };
    throw error;
  }
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean).sort();
}

let oracle: KubectlOracle;
const served = {} as Record<Case['document'], { namespace: string; document: GoValue; name?: string }>;
const results = new Map<Case, Outcome>();

beforeAll(async () => {
  oracle = await startKubectlOracle();
  for (const [key, item] of [
    ['status', golden('status/starting.json')],
    ['dns', golden('dns/healthy.json')],
    ['awkward', AWKWARD],
  ] as const) {
    const namespace = oracle.dataset([item]);
    served[key] = { namespace, name: 'item-0', document: oracle.served(namespace)[0] as GoValue };
  }
  const items = [
    { namespace: 'default', name: 'web', health: 'Healthy', replicas: { desired: 3 }, finding: null },
    {
      namespace: 'shop',
      name: 'db',
      health: 'Degraded',
      replicas: { desired: 1 },
      finding: 'ImagePullBackOff',
    },
  ];
  const namespace = oracle.dataset(items);
  // What kubectl prints for a list: its List wrapper around the items.
  const list = {
    apiVersion: 'v1',
    items: oracle.served(namespace),
    kind: 'List',
    metadata: { resourceVersion: '' },
  };
  served.list = { namespace, document: list as GoValue };
  const runs = await mapLimit(cases, 4, (testCase) => {
    const { namespace: ns, name } = served[testCase.document];
    const flags = ['-o', `jsonpath=${testCase.template}`];
    if (testCase.allowMissing === false) flags.push('--allow-missing-template-keys=false');
    return oracle.get(ns, flags, name);
  });
  cases.forEach((testCase, index) => results.set(testCase, kubectlOutcome(runs[index]!, testCase.template)));
}, 180_000);

afterAll(async () => {
  await oracle?.stop();
});

describe('JSONPath: the same output as kubectl on the same document', () => {
  it.each(
    cases.map(
      (testCase) =>
        [
          `${testCase.document}${testCase.allowMissing === false ? ' (no missing keys)' : ''}: ${testCase.template}`,
          testCase,
        ] as const,
    ),
  )('%s', (_name, testCase) => {
    const expected = results.get(testCase)!;
    const actual = ourOutcome(
      testCase.template,
      served[testCase.document].document,
      testCase.allowMissing ?? true,
    );
    if (testCase.unordered && expected.error === undefined) {
      expect(words(actual.stdout)).toEqual(words(expected.stdout));
      expect(actual.error).toBeUndefined();
    } else expect(actual).toEqual(expected);
  });

  it('the table covers parse errors, execution errors and successes', () => {
    const outcomes = [...results.values()];
    expect(outcomes.filter((outcome) => outcome.error?.startsWith('parse:')).length).toBeGreaterThan(8);
    expect(outcomes.filter((outcome) => outcome.error?.startsWith('execute:')).length).toBeGreaterThan(10);
    expect(
      outcomes.filter((outcome) => outcome.error === undefined && outcome.stdout !== '').length,
    ).toBeGreaterThan(80);
  });
});
