// The bad-input matrix: every command, run as a user runs it (bin/kubectl-sts, and through real
// kubectl for a sample), against the simulated cluster with the todo-db scenario. Every bad
// input must give exactly one stderr line `error: <what>; <what to do>`, the documented exit code
// (ExitCode, README "Errors and exit codes"), no stack trace, nothing on stdout, and with -o json at most one
// valid JSON document; never a token, even with --debug.
// Needs `npm run build` (bin/kubectl-sts runs dist/).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import type { CliRun, ScenarioCluster } from '../helpers/cli.ts';
import { closedPort, kubeconfigFor, mapLimit, runPlugin, startScenarioCluster } from '../helpers/cli.ts';
import { aliasBombYaml, nestedBrackets } from '../helpers/hostile.ts';

const ADMIN_TOKEN = 'admin-token-never-printed-5c1e';
const DENIED_TOKEN = 'denied-token-never-printed-93ab';
const FLAKY_TOKEN = 'flaky-token-never-printed-d07f';
const UNKNOWN_TOKEN = 'unknown-token-never-printed-2b44';
const NO_EXEC_TOKEN = 'no-exec-token-never-printed-61c0';

type Kubeconfig =
  | 'admin'
  | 'unauthorized'
  | 'forbidden'
  | 'exec-forbidden'
  | 'server-error'
  | 'unreachable'
  | 'missing'
  | 'empty'
  | 'invalid-yaml'
  | 'gcp-provider'
  | 'bad-escape'
  | 'bad-key';

interface Case {
  /** What the user did wrong, as the test name says it. */
  input: string;
  args: string[];
  code: number;
  kubeconfig?: Kubeconfig;
  /** Passed with --kubeconfig instead of KUBECONFIG. */
  flag?: boolean;
  /**
   * Fails today in a file this suite's owner may not change (see the robustness report); the
   * case is expected to fail until that is fixed, and then must lose this mark.
   */
  knownIssue?: string;
  /** An unknown command: the error line is followed by cobra's "Did you mean this?" block. */
  suggestions?: string[];
  /** The start of the error line, in kubectl's words where kubectl has them. */
  message?: string;
}

/** `kubectl sts <command> <target>` for commands that talk to the cluster. */
const CLUSTER_COMMANDS = [
  { command: 'status', target: ['todo-db'], extra: [] as string[] },
  { command: 'dns', target: ['todo-db'], extra: [] as string[] },
  // --yes so that no case stops at the confirmation; every case here fails before any eviction.
  { command: 'verify-pvc', target: ['todo-db'], extra: ['--yes'] },
];

function clusterCases(): Case[] {
  const cases: Case[] = [];
  for (const { command, target, extra } of CLUSTER_COMMANDS) {
    const run = (more: string[]): string[] => [command, ...target, ...extra, ...more];
    const machine = (kubeconfig: Kubeconfig, code: number, input: string, args = run([])): Case[] => [
      { input, args, code, kubeconfig },
      { input: `${input} (-o json)`, args: [...args, '-o', 'json'], code, kubeconfig },
    ];
    cases.push(
      { input: 'unknown flag', args: run(['--bogus']), code: ExitCode.USAGE },
      {
        input: 'bad -o value',
        args: run(['-o', 'xml']),
        code: ExitCode.USAGE,
        message:
          'error: unable to match a printer suitable for the output format "xml", allowed formats are: ',
      },
      { input: 'bad --color', args: run(['--color', 'sometimes']), code: ExitCode.USAGE },
      { input: 'bad --request-timeout', args: run(['--request-timeout', 'soon']), code: ExitCode.USAGE },
      { input: 'too many args', args: run(['extra']), code: ExitCode.USAGE },
      ...machine('admin', ExitCode.NOT_FOUND, 'StatefulSet not found', [command, 'no-such-set', ...extra]),
      ...machine('admin', ExitCode.NOT_FOUND, 'namespace not found', run(['-n', 'no-such-namespace'])),
      ...machine('admin', ExitCode.CONFIG, 'context not found', run(['--context', 'no-such-context'])),
      {
        input: '--kubeconfig file missing',
        args: run([]),
        code: ExitCode.CONFIG,
        kubeconfig: 'missing',
        flag: true,
      },
      { input: 'KUBECONFIG file missing', args: run([]), code: ExitCode.CONFIG, kubeconfig: 'missing' },
      ...machine('empty', ExitCode.CONFIG, 'kubeconfig empty'),
      ...machine('invalid-yaml', ExitCode.CONFIG, 'kubeconfig invalid YAML'),
      ...machine('unreachable', ExitCode.UNREACHABLE, 'server unreachable (closed port)'),
      ...machine('unauthorized', ExitCode.AUTH, '401 unknown token'),
      ...machine('forbidden', ExitCode.AUTH, '403 RBAC denies the user'),
      ...machine('server-error', ExitCode.SERVER, '5xx after retries'),
      { input: '-n ..', args: run(['-n', '..']), code: ExitCode.USAGE },
      { input: '-n with a slash', args: run(['-n', 'a/b']), code: ExitCode.USAGE },
      { input: 'NAME ..', args: [command, '..', ...extra], code: ExitCode.USAGE },
      { input: 'NAME with a slash', args: [command, 'a/b', ...extra], code: ExitCode.USAGE },
      ...machine('gcp-provider', ExitCode.CONFIG, 'removed gcp auth-provider (with a shell command)'),
      ...machine('bad-escape', ExitCode.CONFIG, 'malformed %-escape in the server URL'),
      ...machine('bad-key', ExitCode.CONFIG, 'client key that is not a key'),
    );
  }
  cases.push(
    { input: 'missing required NAME', args: ['verify-pvc', '--yes'], code: ExitCode.USAGE },
    {
      input: '-A is not a verify-pvc flag',
      args: ['verify-pvc', 'todo-db', '-A', '--yes'],
      code: ExitCode.USAGE,
    },
    { input: '-A with a NAME', args: ['status', 'todo-db', '-A'], code: ExitCode.USAGE },
    {
      input: '--timeout without --wait',
      args: ['status', 'todo-db', '--timeout', '5s'],
      code: ExitCode.USAGE,
    },
    {
      input: '--stuck-after without --wait',
      args: ['status', 'todo-db', '--stuck-after', '1m'],
      code: ExitCode.USAGE,
    },
    { input: '-A with a NAME', args: ['dns', 'todo-db', '-A'], code: ExitCode.USAGE },
    {
      input: 'no --yes and no TTY',
      args: ['verify-pvc', 'todo-db'],
      code: ExitCode.ABORTED,
      kubeconfig: 'admin',
    },
    {
      input: 'no --yes and no TTY (-o json)',
      args: ['verify-pvc', 'todo-db', '-o', 'json'],
      code: ExitCode.ABORTED,
      kubeconfig: 'admin',
    },
    {
      input: '--ordinal out of range',
      args: ['verify-pvc', 'todo-db', '--ordinal', '7', '--yes'],
      code: ExitCode.USAGE,
      kubeconfig: 'admin',
    },
    {
      input: '--ordinal out of range (-o json)',
      args: ['verify-pvc', 'todo-db', '--ordinal', '7', '--yes', '-o', 'json'],
      code: ExitCode.USAGE,
      kubeconfig: 'admin',
    },
    {
      input: '--ordinal negative',
      args: ['verify-pvc', 'todo-db', '--ordinal', '-1', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: 'bad --timeout',
      args: ['verify-pvc', 'todo-db', '--timeout', 'later', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--ordinal not a number',
      args: ['verify-pvc', 'todo-db', '--ordinal', 'abc', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--ordinal with --all',
      args: ['verify-pvc', 'todo-db', '--all', '--ordinal', '1', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--timeout 0',
      args: ['verify-pvc', 'todo-db', '--timeout', '0', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--settle not a duration',
      args: ['verify-pvc', 'todo-db', '--all', '--settle', 'soon', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--settle without --all',
      args: ['verify-pvc', 'todo-db', '--settle', '5s', '--yes'],
      code: ExitCode.USAGE,
    },
    {
      input: '--cleanup with --all',
      args: ['verify-pvc', 'todo-db', '--cleanup', '--all'],
      code: ExitCode.USAGE,
    },
    {
      input: '--container the pod does not have',
      args: ['verify-pvc', 'todo-db', '--container', 'nope', '--dry-run'],
      code: ExitCode.USAGE,
      kubeconfig: 'admin',
    },
    {
      input: '--path not absolute',
      args: ['verify-pvc', 'todo-db', '--path', '../etc', '--dry-run'],
      code: ExitCode.USAGE,
      kubeconfig: 'admin',
    },
    {
      input: '--from pod not found',
      args: ['dns', 'todo-db', '--from', 'no-such-pod'],
      code: ExitCode.NOT_FOUND,
      kubeconfig: 'admin',
    },
    { input: '--from not a pod name', args: ['dns', 'todo-db', '--from', 'Bad_Name'], code: ExitCode.USAGE },
    { input: '--user not found', args: ['status', 'todo-db', '--user', 'nope'], code: ExitCode.CONFIG },
    { input: '--cluster not found', args: ['dns', 'todo-db', '--cluster', 'nope'], code: ExitCode.CONFIG },
    {
      input: 'negative --request-timeout',
      args: ['status', 'todo-db', '--request-timeout', '-5s'],
      code: ExitCode.USAGE,
    },
    {
      input: 'pre-flight: exec into the pod forbidden',
      args: ['verify-pvc', 'todo-db', '--yes'],
      code: ExitCode.ABORTED,
      kubeconfig: 'exec-forbidden',
    },
    {
      input: 'pre-flight: exec into the pod forbidden (-o json)',
      args: ['verify-pvc', 'todo-db', '--yes', '-o', 'json'],
      code: ExitCode.ABORTED,
      kubeconfig: 'exec-forbidden',
    },
    {
      input: '-f file missing',
      args: ['status', 'todo-db', '-f', '/no/such/dump.yaml'],
      code: ExitCode.USAGE,
    },
    {
      input: '-f YAML alias bomb',
      args: ['status', 'web', '-f', dumpFile('bomb.yaml')],
      code: ExitCode.USAGE,
    },
    {
      input: '-f wrong field types',
      args: ['status', 'web', '-f', dumpFile('types.yaml')],
      code: ExitCode.USAGE,
    },
    {
      input: '-f 200,000-deep JSON',
      args: ['status', 'web', '-f', dumpFile('deep.json')],
      code: ExitCode.USAGE,
    },
    {
      input: 'bad --cluster-domain',
      args: ['dns', 'todo-db', '--cluster-domain', 'not a domain'],
      code: ExitCode.USAGE,
    },
  );
  // The flags of issue 17, for both commands that print reports.
  for (const command of ['status', 'dns']) {
    const usage = (input: string, args: string[], message?: string): Case => ({
      input,
      args: [command, ...args],
      code: ExitCode.USAGE,
      message,
    });
    cases.push(
      usage('unknown flag', ['--namspace', 'x'], 'error: unknown flag: --namspace'),
      usage('unknown shorthand', ['-Ax'], "error: unknown shorthand flag: 'x' in -x"),
      usage('-n without its value', ['-n'], "error: flag needs an argument: 'n' in -n"),
      usage('bad boolean', ['-A=maybe'], 'error: invalid argument "maybe" for "-A, --all-namespaces" flag'),
      usage(
        'unknown -o format',
        ['-o', 'xml'],
        'error: unable to match a printer suitable for the output format "xml"',
      ),
      usage(
        '-o jsonpath without a template',
        ['-o', 'jsonpath'],
        'error: template format specified but no template given',
      ),
      usage(
        '-o jsonpath that does not parse',
        ['-o', 'jsonpath={.a'],
        'error: error parsing jsonpath {.a, unclosed action',
      ),
      usage('-o jsonpath-file missing', ['-o', 'jsonpath-file=/no/such/template']),
      usage(
        '-o custom-columns without a path',
        ['-o', 'custom-columns=NAME'],
        'error: unexpected custom-columns spec: NAME',
      ),
      usage('-o custom-columns-file missing', ['-o', 'custom-columns-file=/no/such/columns']),
      usage('--allow-missing-template-keys not a boolean', ['--allow-missing-template-keys=sometimes']),
      usage('--sort-by not a path', ['-A', '--sort-by', '{.name'], 'error: unexpected path string'),
      usage('-l that does not parse', ['-l', 'app in (a'], 'error: invalid label selector'),
      usage(
        '--field-selector on an unsupported field',
        ['--field-selector', 'spec.replicas=2'],
        'error: field label not supported: spec.replicas',
      ),
      usage(
        '--field-selector that does not parse',
        ['--field-selector', 'metadata.name'],
        "error: invalid selector: 'metadata.name'",
      ),
      usage(
        '-l with NAME',
        ['todo-db', '-l', 'app=db'],
        'error: name cannot be provided when a selector is specified',
      ),
      usage(
        '--field-selector with NAME',
        ['todo-db', '--field-selector', 'metadata.name=x'],
        'error: name cannot be provided when a selector is specified',
      ),
      usage('--sort-by with NAME', ['todo-db', '--sort-by', '.name']),
      usage('--show-labels with NAME', ['todo-db', '--show-labels']),
      usage('-L with NAME', ['todo-db', '-L', 'app']),
      usage('--show-labels not a boolean', ['--show-labels=often']),
      {
        ...usage(
          'a template that fails on the report',
          ['todo-db', '-o', 'jsonpath={.nope}', '--allow-missing-template-keys=false'],
          'error: error executing jsonpath "{.nope}": nope is not found',
        ),
        kubeconfig: 'admin',
      },
      {
        ...usage(
          '--sort-by a field no item has',
          ['-A', '--sort-by', '.nope'],
          'error: couldn\'t find any field with path "{.nope}" in the list of objects',
        ),
        kubeconfig: 'admin',
      },
    );
  }
  return cases;
}

function localCases(): Case[] {
  return [
    { input: 'unknown flag', args: ['version', '--bogus'], code: ExitCode.USAGE },
    {
      input: 'bad -o value',
      args: ['version', '-o', 'xml'],
      code: ExitCode.USAGE,
      message:
        'error: unable to match a printer suitable for the output format "xml", allowed formats are: json,text,yaml;',
    },
    { input: 'bad --color', args: ['version', '--color', 'sometimes'], code: ExitCode.USAGE },
    { input: 'bad --request-timeout', args: ['version', '--request-timeout', 'soon'], code: ExitCode.USAGE },
    {
      input: 'too many args',
      args: ['version', 'extra'],
      code: ExitCode.USAGE,
    },
    { input: 'unknown flag', args: ['completion', 'bash', '--bogus'], code: ExitCode.USAGE },
    { input: 'bad -o value', args: ['completion', 'bash', '-o', 'xml'], code: ExitCode.USAGE },
    { input: 'bad --color', args: ['completion', 'bash', '--color', 'sometimes'], code: ExitCode.USAGE },
    {
      input: 'bad --request-timeout',
      args: ['completion', 'bash', '--request-timeout', 'soon'],
      code: ExitCode.USAGE,
    },
    { input: 'missing required SHELL', args: ['completion'], code: ExitCode.USAGE },
    { input: 'unknown shell', args: ['completion', 'ksh'], code: ExitCode.USAGE },
    { input: 'too many args', args: ['completion', 'bash', 'zsh'], code: ExitCode.USAGE },
    {
      input: 'unknown command',
      args: ['statuss', 'todo-db'],
      code: ExitCode.USAGE,
      message: 'error: unknown command "statuss" for "kubectl sts"',
      suggestions: ['status'],
    },
    {
      input: 'unknown command, two suggestions',
      args: ['ver'],
      code: ExitCode.USAGE,
      suggestions: ['verify-pvc', 'version'],
    },
    {
      input: 'unknown command, nothing close',
      args: ['zzzz'],
      code: ExitCode.USAGE,
      message: 'error: unknown command "zzzz" for "kubectl sts"',
    },
    {
      input: 'unknown flag, kubectl words',
      args: ['version', '--outptu', 'json'],
      code: ExitCode.USAGE,
      message: 'error: unknown flag: --outptu',
    },
  ];
}

/** Hostile dumps for -f, written once for the whole file. */
const DUMPS = mkdtempSync(join(tmpdir(), 'kubectl-sts-errors-dumps-'));
function dumpFile(name: string): string {
  return join(DUMPS, name);
}
{
  writeFileSync(dumpFile('bomb.yaml'), `${aliasBombYaml()}kind: List\nitems: *i\n`);
  writeFileSync(
    dumpFile('types.yaml'),
    'kind: List\nitems:\n- {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: web}, spec: {replicas: three, volumeClaimTemplates: {a: 1}}}\n',
  );
  writeFileSync(dumpFile('deep.json'), `{"kind":"List","items":${nestedBrackets(200_000)}}`);
}

let cluster: ScenarioCluster;
const kubeconfigs = {} as Record<Kubeconfig, string>;

beforeAll(async () => {
  cluster = await startScenarioCluster('todo-db', { tls: true, token: ADMIN_TOKEN, readySets: ['todo-db'] });
  const { sim } = cluster;
  sim.auth.addToken(DENIED_TOKEN, 'denied');
  sim.rbac.deny({ user: 'denied' });
  sim.auth.addToken(FLAKY_TOKEN, 'flaky');
  sim.faults.add({ match: { user: 'flaky' }, status: 503, message: 'etcd leader changed' });
  sim.auth.addToken(NO_EXEC_TOKEN, 'no-exec');
  sim.rbac.deny({ user: 'no-exec', verb: 'create', resource: 'pods', subresource: 'exec' });
  kubeconfigs['exec-forbidden'] = sim.kubeconfigFor(NO_EXEC_TOKEN);
  kubeconfigs.admin = sim.kubeconfigPath;
  kubeconfigs.unauthorized = sim.kubeconfigFor(UNKNOWN_TOKEN);
  kubeconfigs.forbidden = sim.kubeconfigFor(DENIED_TOKEN);
  kubeconfigs['server-error'] = sim.kubeconfigFor(FLAKY_TOKEN);
  kubeconfigs.unreachable = cluster.writeFile(
    'unreachable.yaml',
    kubeconfigFor(`https://127.0.0.1:${await closedPort()}`, ADMIN_TOKEN),
  );
  kubeconfigs.missing = `${cluster.dir}/no-such-kubeconfig.yaml`;
  kubeconfigs.empty = cluster.writeFile('empty.yaml', '');
  kubeconfigs['invalid-yaml'] = cluster.writeFile('invalid.yaml', 'clusters: [{name: c\n  server: {{{\n');
  const admin = readFileSync(sim.kubeconfigPath, 'utf8');
  kubeconfigs['gcp-provider'] = cluster.writeFile(
    'gcp.yaml',
    admin.replace(
      `token: ${ADMIN_TOKEN}`,
      `auth-provider: {name: gcp, config: {cmd-path: /bin/echo, cmd-args: '{"token":"x"}; touch ${cluster.dir}/PWNED'}}`,
    ),
  );
  kubeconfigs['bad-escape'] = cluster.writeFile(
    'escape.yaml',
    admin.replace(`server: ${sim.url}`, `server: ${sim.url}/%zz`),
  );
  kubeconfigs['bad-key'] = cluster.writeFile(
    'bad-key.yaml',
    admin.replace(
      `token: ${ADMIN_TOKEN}`,
      `client-certificate-data: ${Buffer.from('not a cert').toString('base64')}\n    client-key-data: ${Buffer.from('not a key').toString('base64')}`,
    ),
  );
}, 60_000);

afterAll(async () => {
  // Nothing in a kubeconfig ran a shell command.
  if (cluster) expect(existsSync(`${cluster.dir}/PWNED`)).toBe(false);
  await cluster?.stop();
  rmSync(DUMPS, { recursive: true, force: true });
});

function run(testCase: Case, extraArgs: string[] = [], viaKubectl = false): Promise<CliRun> {
  const kubeconfig = kubeconfigs[testCase.kubeconfig ?? 'admin'];
  const args = testCase.flag
    ? [...testCase.args, '--kubeconfig', kubeconfig, ...extraArgs]
    : [...testCase.args, ...extraArgs];
  return runPlugin(args, { env: { KUBECONFIG: kubeconfig }, viaKubectl });
}

const SECRETS = [ADMIN_TOKEN, DENIED_TOKEN, FLAKY_TOKEN, UNKNOWN_TOKEN, NO_EXEC_TOKEN];

/** The properties every bad input must have, whatever the command. */
function expectOneLineError(testCase: Case, result: CliRun): void {
  const where = `${testCase.args.join(' ')}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`;
  expect(result.code, where).toBe(testCase.code);
  let stderr = result.stderr;
  if (testCase.suggestions) {
    // cobra's block after the one error line, as kubectl prints it for `kubectl gett`.
    const block = `\nDid you mean this?\n${testCase.suggestions.map((name) => `\t${name}\n`).join('')}`;
    expect(stderr.endsWith(block), where).toBe(true);
    stderr = stderr.slice(0, -block.length);
  }
  if (testCase.message) expect(stderr.startsWith(testCase.message), where).toBe(true);
  const lines = stderr.split('\n').filter((line) => line.length > 0);
  expect(lines, where).toHaveLength(1);
  expect(lines[0], where).toMatch(/^error: \S/);
  expect(lines[0], where).toContain('; ');
  expect(result.stderr, where).not.toMatch(/^\s+at /m);
  for (const secret of SECRETS) expect(result.stderr + result.stdout, where).not.toContain(secret);
  const json = testCase.args.includes('json');
  if (json && result.stdout !== '') expect(() => JSON.parse(result.stdout), where).not.toThrow();
  // Every input here fails before a report exists; only verify-pvc documents a report on
  // stdout for a run that fails later, and then only as a complete document.
  if (!json) expect(result.stdout, where).toBe('');
  if (json && result.stdout !== '') expect(testCase.args[0], where).toBe('verify-pvc');
}

describe('every bad input gives one line, a hint and the documented exit code', () => {
  const cases = [...clusterCases(), ...localCases()];
  let results: CliRun[] = [];

  beforeAll(async () => {
    results = await mapLimit(cases, 3, (testCase) => run(testCase));
  }, 240_000);

  const named = cases.map((testCase, index) => [`${testCase.args[0]}: ${testCase.input}`, index] as const);
  it.each(named.filter(([, index]) => !cases[index]!.knownIssue))('%s', (_name, index) => {
    expectOneLineError(cases[index]!, results[index]!);
  });
  const known = named.filter(([, index]) => cases[index]!.knownIssue);
  if (known.length > 0) {
    it.fails.each(known)('%s (known issue, not yet one line)', (_name, index) => {
      expectOneLineError(cases[index]!, results[index]!);
    });
  }
});

describe('through real kubectl (the plugin found on PATH)', () => {
  const cases: Case[] = [
    { input: 'StatefulSet not found', args: ['status', 'no-such-set'], code: ExitCode.NOT_FOUND },
    { input: 'unknown flag', args: ['dns', 'todo-db', '--bogus'], code: ExitCode.USAGE },
    {
      input: '401 unknown token',
      args: ['verify-pvc', 'todo-db', '--yes'],
      code: ExitCode.AUTH,
      kubeconfig: 'unauthorized',
    },
  ];
  it.each(cases.map((testCase, index) => [`${testCase.args[0]}: ${testCase.input}`, index] as const))(
    '%s: exit code and stderr pass through kubectl unchanged',
    async (_name, index) => {
      const testCase = cases[index]!;
      expectOneLineError(testCase, await run(testCase, [], true));
    },
  );
});

describe('--debug', () => {
  const cases: Case[] = [
    { input: '401', args: ['status', 'todo-db'], code: ExitCode.AUTH, kubeconfig: 'unauthorized' },
    { input: '403', args: ['dns', 'todo-db'], code: ExitCode.AUTH, kubeconfig: 'forbidden' },
    {
      input: '5xx',
      args: ['verify-pvc', 'todo-db', '--yes'],
      code: ExitCode.SERVER,
      kubeconfig: 'server-error',
    },
  ];
  it.each(cases.map((testCase, index) => [`${testCase.args[0]}: ${testCase.input}`, index] as const))(
    '%s: adds a stack trace, keeps the error line last and never prints the token',
    async (_name, index) => {
      const testCase = cases[index]!;
      const result = await run(testCase, ['--debug']);
      const where = result.stderr;
      expect(result.code, where).toBe(testCase.code);
      expect(result.stderr, where).toMatch(/^\s+at /m);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines.at(-1), where).toMatch(/^error: .+; /);
      for (const secret of SECRETS) expect(result.stderr + result.stdout, where).not.toContain(secret);
      expect(result.stdout, where).toBe('');
    },
  );
});
