// The hostile-input suite, run as a user runs the plugin (bin/kubectl-sts → dist/, so `npm run
// build` first) against the simulator (TLS and bearer tokens) and, for the network, through a
// misbehaving proxy in front of it. Each test is one case of ./cases.ts (docs/reliability.md);
// where kubectl has a quick answer to the same input, it is run too and must refuse as well.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ExitCode } from '../../src/cli/errors.ts';
import type { KubeEvent } from '../../src/kube/types.ts';
import { PLUGIN_BIN, mapLimit, runPlugin, startScenarioCluster, waitForSettledSet } from '../helpers/cli.ts';
import type { CliRun, ScenarioCluster } from '../helpers/cli.ts';
import { startFaultyProxy } from '../helpers/faulty-proxy.ts';
import { aliasBombYaml, nestedBrackets } from '../helpers/hostile.ts';
import type { Fault, FaultyProxy } from '../helpers/faulty-proxy.ts';
import { caseTitle } from './cases.ts';

const TOKEN = 'hostile-admin-token-7d1f';
const FAULTY_TOKEN = 'hostile-faulty-token-0c2e';
const ESC = '\u001b';
/** Retitles the window, clears the line and the screen, conceals, 8-bit CSI, a bidi override. */
const HOSTILE = `pull failed${ESC}]0;PWNED${'\u0007'}${ESC}[2K\r${ESC}[2Jfake: all good${ESC}[8mhidden\u009b31mred\u202Eevil`;
/** Any control character left raw in output (newline and tab are layout). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let cluster: ScenarioCluster;
let dir: string;
let baseKubeconfig: Record<string, unknown>;
let server: URL;

type Kubeconfig = {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  [key: string]: unknown;
};

/** Writes a kubeconfig for the simulator, changed by `edit`, and returns its path. */
function kubeconfig(name: string, edit: (config: Kubeconfig) => void = () => undefined): string {
  const config = structuredClone(baseKubeconfig) as Kubeconfig;
  edit(config);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

function withUser(user: Record<string, unknown>): (config: Kubeconfig) => void {
  return (config) => {
    config.users[0]!.user = user;
  };
}

function run(args: string[], file: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runPlugin(args, { env: { KUBECONFIG: file, ...extraEnv }, timeoutMs: 90_000 });
}

/** kubectl on PATH with the same kubeconfig, as the oracle. */
function kubectl(args: string[], file: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [...args, '--kubeconfig', file],
      { timeout: 30_000, env: { ...process.env, KUBECONFIG: '' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** One `error: …; …` line, the exit code, no stack, nothing raw on the terminal. */
function expectOneLineError(result: CliRun, code: number): string {
  const where = `--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`;
  expect(result.code, where).toBe(code);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, where).toHaveLength(1);
  expect(lines[0], where).toMatch(/^error: \S.*; \S/);
  expect(result.stderr, where).not.toMatch(/^\s+at /m);
  expect(result.stderr, where).not.toContain('unexpected error');
  expect(result.stdout + result.stderr, where).not.toMatch(RAW_CONTROL);
  for (const secret of [TOKEN, FAULTY_TOKEN])
    expect(result.stdout + result.stderr, where).not.toContain(secret);
  return lines[0]!;
}

/** Requests the plugin sent to the simulator (kubectl's have another User-Agent). */
function pluginRequests() {
  return cluster.sim.requestLog.entries.filter((entry) => entry.userAgent?.startsWith('kubectl-sts/'));
}

function canary(name: string): string {
  return join(dir, `PWNED-${name}`);
}

beforeAll(async () => {
  cluster = await startScenarioCluster('todo-db', { tls: true, token: TOKEN, readySets: ['todo-db'] });
  dir = cluster.dir;
  baseKubeconfig = parse(readFileSync(cluster.sim.kubeconfigPath, 'utf8')) as Record<string, unknown>;
  server = new URL(cluster.sim.url);
  cluster.sim.auth.addToken(FAULTY_TOKEN, 'faulty');
  cluster.sim.faults.add({ match: { user: 'faulty' }, status: 503, message: HOSTILE });

  // A set whose first pod never becomes Ready (so the diagnostics quote its events), and a
  // Warning Event on that pod carrying the escape sequences.
  cluster.sim.applyManifests(`
apiVersion: v1
kind: Service
metadata: {name: evil, namespace: default}
spec: {clusterIP: None, selector: {app: evil}, ports: [{name: web, port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: evil, namespace: default}
spec:
  replicas: 2
  serviceName: evil
  selector: {matchLabels: {app: evil}}
  template:
    metadata:
      labels: {app: evil}
      annotations: {sim.kubectl-sts.dev/readiness: fail}
    spec:
      containers: [{name: web, image: nginx:1.27}]
`);
  const deadline = Date.now() + 30_000;
  while (!cluster.sim.store.get('pods', 'default', 'evil-0')) {
    if (Date.now() > deadline) throw new Error('evil-0 was not created');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const now = cluster.sim.clock.now().toISOString();
  cluster.sim.store.create<KubeEvent>('events', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'evil-0.hostile', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'evil-0', namespace: 'default', apiVersion: 'v1' },
    reason: 'Failed',
    type: 'Warning',
    message: HOSTILE,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    source: { component: 'kubelet' },
  });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('kubeconfigs: nothing in them runs, every bad one is one line', () => {
  const shell = (name: string) => `{"token":"x","expiry":"2099-01-01T00:00:00Z"}; touch ${canary(name)}`;

  it.each([
    [caseTitle('K01'), 'gcp', 'has been removed', 'gke-gcloud-auth-plugin'],
    [caseTitle('K02'), 'azure', 'has been removed', 'kubelogin'],
  ])('%s', async (id, provider, says, hint) => {
    const file = kubeconfig(`provider-${provider}`, (config) => {
      config.users[0]!.user = {
        token: TOKEN,
        'auth-provider': {
          name: provider,
          config: {
            'cmd-path': '/bin/echo',
            'cmd-args': shell(provider),
            'token-key': '{.token}',
            'expiry-key': '{.expiry}',
          },
        },
      };
    });
    for (const args of [
      ['status', 'todo-db'],
      ['dns', 'todo-db'],
      ['verify-pvc', 'todo-db', '--dry-run'],
    ]) {
      const line = expectOneLineError(await run(args, file), ExitCode.CONFIG);
      expect(line, id).toContain(`the ${provider} auth plugin has been removed`);
      expect(line, id).toContain(hint);
    }
    expect(existsSync(canary(provider)), `${id}: the shell string ran`).toBe(false);
    const oracle = await kubectl(['get', 'pods'], file);
    expect(oracle.code).not.toBe(0);
    expect(oracle.stderr).toContain(says);
    expect(existsSync(canary(provider))).toBe(false);
  });

  it(caseTitle('K03'), async () => {
    const file = kubeconfig(
      'provider-exec',
      withUser({ 'auth-provider': { name: 'exec', config: { command: 'touch' } } }),
    );
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('no Auth Provider found for name "exec"');
    const oracle = await kubectl(['get', 'pods'], file);
    expect(oracle.stderr).toContain('no Auth Provider found for name "exec"');
  });

  it(caseTitle('K04'), async () => {
    const file = kubeconfig(
      'provider-oidc-exec',
      withUser({
        'auth-provider': {
          name: 'oidc',
          config: {
            'client-id': 'x',
            'idp-issuer-url': 'https://127.0.0.1:1',
            'id-token': 'a.b.c',
            exec: { command: 'touch', args: [canary('oidc')] },
          },
        },
      }),
    );
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('auth-provider.config.exec must be a string');
    expect(existsSync(canary('oidc'))).toBe(false);
    expect((await kubectl(['get', 'pods'], file)).code).not.toBe(0);
  });

  it(caseTitle('K05'), async () => {
    const http = await startScenarioCluster('sleep-with-pvc', {});
    try {
      const config = parse(readFileSync(http.sim.kubeconfigPath, 'utf8')) as Kubeconfig;
      config.users[0]!.user = {
        'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/echo', 'cmd-args': shell('gcp-http') } },
      };
      const file = join(dir, 'gcp-http.yaml');
      writeFileSync(file, stringify(config));
      const result = await run(['status'], file);
      expect(result.code, result.stderr).toBe(0);
      expect(existsSync(canary('gcp-http'))).toBe(false);
      expect((await kubectl(['get', 'pods'], file)).code).toBe(0);
    } finally {
      await http.stop();
    }
  });

  it(caseTitle('K06'), async () => {
    for (const [name, user, field] of [
      ['token-number', { token: 123 }, 'user.token must be a string, not a number'],
      [
        'args-string',
        { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true', args: 'x' } },
        'user.exec.args must be a list of strings, not a string',
      ],
    ] as const) {
      const file = kubeconfig(name, withUser(user as Record<string, unknown>));
      expect(expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG)).toContain(field);
      const oracle = await kubectl(['get', 'pods'], file);
      expect(oracle.stderr).toMatch(/cannot unmarshal/);
    }
  });

  it(caseTitle('K07'), async () => {
    const bomb = aliasBombYaml('x-');
    // Where nothing reads it, the bomb costs nothing: aliases are shared, never expanded.
    const unread = join(dir, 'kubeconfig-bomb.yaml');
    writeFileSync(
      unread,
      `${stringify({ ...baseKubeconfig, preferences: undefined })}${bomb}preferences: {x: *i}\n`,
    );
    let started = Date.now();
    const result = await run(['status', 'todo-db', '-o', 'json'], unread);
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await kubectl(['get', 'pods'], unread)).stderr).toContain('excessive aliasing');
    // Where a field is read, it is a type error like any other.
    const read = join(dir, 'kubeconfig-bomb-read.yaml');
    const config = structuredClone(baseKubeconfig) as Kubeconfig;
    config.users[0]!.user = {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', args: ['PLACEHOLDER'] },
    };
    writeFileSync(read, `${bomb}${stringify(config).replace('- PLACEHOLDER', '- *i')}`);
    started = Date.now();
    const line = expectOneLineError(await run(['status', 'todo-db'], read), ExitCode.CONFIG);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(line).toContain('user.exec.args must be a list of strings');
  });

  it(caseTitle('K08'), async () => {
    const file = join(dir, 'kubeconfig-deep.yaml');
    writeFileSync(
      file,
      `${stringify({ ...baseKubeconfig, preferences: undefined })}preferences: {x: ${nestedBrackets(200_000)}}\n`,
    );
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('nested');
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('exceeded max depth');
  });

  it(caseTitle('K09'), async () => {
    const file = kubeconfig('bad-escape', (config) => {
      config.clusters[0]!.cluster.server = `${server.origin}/%zz`;
    });
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('invalid URL escape "%zz"');
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('invalid URL escape "%zz"');
  });

  it(caseTitle('K10'), async () => {
    const file = kubeconfig(
      'bad-key',
      withUser({
        'client-certificate-data': Buffer.from('not a certificate').toString('base64'),
        'client-key-data': Buffer.from('not a key').toString('base64'),
      }),
    );
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toMatch(/the client (certificate|key) of user "sim-user" is not a PEM/);
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('failed to find any PEM data');
  });

  it(caseTitle('K11'), async () => {
    const file = kubeconfig('bad-ca', (config) => {
      config.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from('garbage').toString('base64');
    });
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('holds no PEM certificate');
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('unable to load root certificates');
  });

  it(caseTitle('K12'), async () => {
    const file = kubeconfig('namespace-dotdot', (config) => {
      config.contexts[0]!.context.namespace = '..';
    });
    const before = pluginRequests().length;
    const line = expectOneLineError(await run(['status'], file), ExitCode.CONFIG);
    expect(line).toContain(`invalid namespace "..": may not be '..'`);
    expect(pluginRequests().slice(before)).toEqual([]);
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('invalid namespace ".."');
  });

  it(
    caseTitle('K13'),
    async () => {
      const count = 50_000;
      const config = structuredClone(baseKubeconfig) as Kubeconfig;
      for (let index = 0; index < count; index++) {
        config.clusters.push({
          name: `c${index}`,
          cluster: { server: `https://10.0.${index % 250}.1:6443` },
        });
        config.users.push({ name: `u${index}`, user: { token: `t${index}` } });
        config.contexts.push({ name: `x${index}`, context: { cluster: `c${index}`, user: `u${index}` } });
      }
      const file = join(dir, 'kubeconfig-50k.yaml');
      writeFileSync(file, stringify(config));
      const result = await run(['status', 'todo-db', '-o', 'json'], file);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ statefulSet: { name: 'todo-db' } });
    },
    120_000,
  );

  it(caseTitle('K14'), async () => {
    const file = kubeconfig('names');
    const result = await run(['status', 'todo-db', '--context', `${ESC}]0;PWNED\u0007${ESC}[2J`], file);
    const line = expectOneLineError(result, ExitCode.CONFIG);
    expect(line).toContain('context "^[]0;PWNED^G^[[2J" does not exist');
  });
});

describe('exec credential plugins', () => {
  let pluginDir: string;
  beforeAll(() => {
    pluginDir = join(dir, 'plugins');
    mkdirSync(pluginDir, { recursive: true });
    const script = (name: string, body: string): string => {
      const file = join(pluginDir, name);
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    };
    // Prints its arguments and one environment value into a file, then a valid credential.
    script(
      'echo-args',
      `printf '%s\\n' "$@" "$HOSTILE_ENV" > "${join(dir, 'plugin-args')}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${TOKEN}"}}'`,
    );
    script(
      'leaky',
      `echo 'oauth2: cannot fetch token: {"error":"invalid_grant","refresh_token=r3fr3sh-s3cr3t","id_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJl"} client_secret=cl13nt-s3cr3t access_token: acc3ss-s3cr3t eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoieCJ9.bare-jwt-sig' >&2\nexit 1`,
    );
    script('not-json', `printf 'tok3n-n0t-js0n-s3cr3t and more'`);
    script('hang', `echo $$ > "${join(dir, 'plugin.pid')}"\nexec sleep 600`);
  });

  const execUser = (command: string, extra: Record<string, unknown> = {}) =>
    withUser({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command,
        interactiveMode: 'Never',
        ...extra,
      },
    });

  it(caseTitle('P01'), async () => {
    const hostileArgs = [
      `; touch ${canary('args1')}`,
      `$(touch ${canary('args2')})`,
      `\`touch ${canary('args3')}\``,
    ];
    const file = kubeconfig(
      'plugin-args',
      execUser(join(pluginDir, 'echo-args'), {
        args: hostileArgs,
        env: [{ name: 'HOSTILE_ENV', value: `$(touch ${canary('env')})` }],
      }),
    );
    const result = await run(['status', 'todo-db'], file);
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['args1', 'args2', 'args3', 'env']) expect(existsSync(canary(name)), name).toBe(false);
    expect(readFileSync(join(dir, 'plugin-args'), 'utf8').trim().split('\n')).toEqual([
      ...hostileArgs,
      `$(touch ${canary('env')})`,
    ]);
  });

  it(caseTitle('P02'), async () => {
    const file = kubeconfig('plugin-shell-line', execUser(`touch ${canary('command')}; echo`));
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('was not found');
    expect(existsSync(canary('command'))).toBe(false);
    expect((await kubectl(['get', 'pods'], file)).code).not.toBe(0);
    expect(existsSync(canary('command'))).toBe(false);
  });

  it(caseTitle('P03'), async () => {
    const file = kubeconfig('plugin-leaky', execUser(join(pluginDir, 'leaky')));
    const plain = await run(['status', 'todo-db'], file);
    expectOneLineError(plain, ExitCode.CONFIG);
    const debug = await run(['status', 'todo-db', '--debug'], file);
    expect(debug.code).toBe(ExitCode.CONFIG);
    expect(debug.stderr).toMatch(/^\s+at /m);
    for (const result of [plain, debug]) {
      for (const secret of [
        'r3fr3sh-s3cr3t',
        'c2lnbmF0dXJl',
        'cl13nt-s3cr3t',
        'acc3ss-s3cr3t',
        'bare-jwt-sig',
        'eyJhbGci',
      ])
        expect(result.stderr, secret).not.toContain(secret);
    }
    expect(plain.stderr).toContain('<redacted');
    // kubectl shows the plugin's stderr as it is.
    expect((await kubectl(['get', 'pods'], file)).stderr).toContain('r3fr3sh-s3cr3t');
  });

  it(caseTitle('P04'), async () => {
    const file = kubeconfig('plugin-not-json', execUser(join(pluginDir, 'not-json')));
    for (const args of [
      ['status', 'todo-db'],
      ['status', 'todo-db', '--debug'],
    ]) {
      const result = await run(args, file);
      expect(result.code).toBe(ExitCode.CONFIG);
      expect(result.stderr).toContain('printed something that is not an ExecCredential');
      expect(result.stderr).not.toContain('tok3n');
    }
  });

  /** Whether a process runs: gone, or a zombie nobody has reaped yet, does not. */
  function stillRunning(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  }

  /** Runs the command with a plugin that hangs, signals the command alone, and checks the plugin. */
  async function interrupt(
    signal: NodeJS.Signals,
    name: string,
  ): Promise<{ signal: string | null; alive: boolean }> {
    const pidFile = join(dir, 'plugin.pid');
    rmSync(pidFile, { force: true });
    const file = kubeconfig(name, execUser(join(pluginDir, 'hang')));
    const child = spawn(PLUGIN_BIN, ['status', 'todo-db'], {
      env: { ...process.env, KUBECONFIG: file, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the plugin did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const pluginPid = Number(readFileSync(pidFile, 'utf8'));
    const exited = new Promise<string | null>((resolve) =>
      child.on('exit', (code, exitSignal) => resolve(exitSignal ?? String(code))),
    );
    child.kill(signal);
    const how = await exited;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const alive = stillRunning(pluginPid);
    if (alive) process.kill(pluginPid, 'SIGKILL');
    return { signal: how, alive };
  }

  it(caseTitle('P05'), async () => {
    const outcome = await interrupt('SIGTERM', 'plugin-hang-term');
    expect(outcome).toEqual({ signal: 'SIGTERM', alive: false });
  });

  it(caseTitle('P06'), async () => {
    const outcome = await interrupt('SIGINT', 'plugin-hang-int');
    expect(outcome).toEqual({ signal: 'SIGINT', alive: false });
  });

  it(caseTitle('P07'), async () => {
    const file = kubeconfig(
      'plugin-hint',
      execUser('no-such-credential-plugin-h0st1le', {
        installHint: `${ESC}]0;PWNED\u0007install${ESC}[8m it`,
      }),
    );
    const line = expectOneLineError(await run(['status', 'todo-db'], file), ExitCode.CONFIG);
    expect(line).toContain('^[]0;PWNED^Ginstall^[[8m it');
  });
});

describe('names and flags are checked before any request', () => {
  const adminRequests = (): number => pluginRequests().length;

  it(
    caseTitle('F01'),
    async () => {
      const file = kubeconfig('plain');
      for (const namespace of ['..', '.', 'a/b', 'a%2fb']) {
        for (const args of [
          ['status'],
          ['status', 'todo-db'],
          ['dns', 'todo-db'],
          ['verify-pvc', 'todo-db', '--dry-run'],
        ]) {
          const before = adminRequests();
          const line = expectOneLineError(await run([...args, '-n', namespace], file), ExitCode.USAGE);
          expect(line).toContain(`invalid namespace ${JSON.stringify(namespace)}`);
          expect(adminRequests(), `${args.join(' ')} -n ${namespace}`).toBe(before);
        }
        expect((await kubectl(['get', 'pods', '-n', namespace], file)).stderr).toContain('invalid namespace');
      }
    },
    120_000,
  );

  it(
    caseTitle('F02'),
    async () => {
      const file = kubeconfig('plain');
      for (const name of ['..', '.', 'a/b']) {
        for (const command of [['status'], ['dns'], ['verify-pvc', '--dry-run']]) {
          const before = adminRequests();
          const args = [command[0]!, name, ...command.slice(1)];
          const line = expectOneLineError(await run(args, file), ExitCode.USAGE);
          expect(line).toContain(`invalid resource name ${JSON.stringify(name)}`);
          expect(adminRequests(), args.join(' ')).toBe(before);
        }
      }
      expect((await kubectl(['get', 'sts', '..'], file)).stderr).toContain('invalid resource name ".."');
    },
    120_000,
  );

  it(caseTitle('F03'), async () => {
    const file = kubeconfig('plain');
    const before = adminRequests();
    const byName = expectOneLineError(await run(['status', `a${ESC}[2Jb`], file), ExitCode.USAGE);
    expect(byName).toContain('may not contain control characters');
    expectOneLineError(await run(['dns', '-n', `x${ESC}]0;t\u0007`], file), ExitCode.USAGE);
    expect(adminRequests()).toBe(before);
  });

  it(caseTitle('F04'), async () => {
    const line = expectOneLineError(
      await run(['status', 'web', '-f', join(dir, `no${ESC}[2Jsuch.yaml`)], kubeconfig('plain')),
      ExitCode.USAGE,
    );
    expect(line).toContain('no^[[2Jsuch.yaml');
  });
});

describe('dumps given to -f', () => {
  const dump = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const offline = (file: string, args: string[] = []) =>
    runPlugin(['status', 'web', '-f', file, ...args], { env: { KUBECONFIG: '/nonexistent' } });

  it(caseTitle('D01'), async () => {
    const started = Date.now();
    const line = expectOneLineError(
      await offline(dump('bomb.yaml', `${aliasBombYaml()}kind: List\nitems: *i\n`)),
      ExitCode.USAGE,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(line).toContain('alias');
  });

  it(caseTitle('D02'), async () => {
    const file = dump(
      'types.yaml',
      stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: { name: 'web', namespace: 'default' },
            spec: { replicas: 'three', volumeClaimTemplates: { a: 1 } },
          },
        ],
      }),
    );
    const line = expectOneLineError(await offline(file), ExitCode.USAGE);
    expect(line).toContain('StatefulSet default/web: spec.replicas must be an integer, not a string');
  });

  it(caseTitle('D03'), async () => {
    const file = dump('deep.json', `{"kind":"List","items":${nestedBrackets(200_000)}}`);
    const line = expectOneLineError(await offline(file), ExitCode.USAGE);
    expect(line).toContain('levels deep');
  });

  it(caseTitle('D04'), async () => {
    for (const [name, text] of [
      ['deep-block.yaml', `kind: List\nitems:\n${'- '.repeat(200_000)}x\n`],
      ['deep-flow.yaml', `kind: List\nitems: ${nestedBrackets(200_000)}\n`],
    ] as const) {
      const started = Date.now();
      expectOneLineError(await offline(dump(name, text)), ExitCode.USAGE);
      expect(Date.now() - started, name).toBeLessThan(20_000);
    }
  });

  it(caseTitle('D06'), async () => {
    const source = readFileSync(
      new URL('../diagnostics/fixtures/sim-forced-rollback-dump.yaml', import.meta.url),
      'utf8',
    );
    const list = parse(source) as { items: Record<string, unknown>[] };
    list.items.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-2.hostile', namespace: 'diag' },
      involvedObject: { kind: 'Pod', name: 'web-2', namespace: 'diag' },
      reason: 'Failed',
      type: 'Warning',
      message: HOSTILE,
      count: 1,
      lastTimestamp: '2099-01-01T00:00:00Z',
    });
    const file = dump('hostile-event.yaml', stringify(list));
    const table = await runPlugin(['status', 'web', '-n', 'diag', '-f', file], {
      env: { KUBECONFIG: '/nonexistent' },
    });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain(
      'pull failed^[]0;PWNED^G^[[2K\\r^[[2Jfake: all good^[[8mhidden<U+009B>31mred<U+202E>evil',
    );
    const json = await runPlugin(['status', 'web', '-n', 'diag', '-f', file, '-o', 'json'], {
      env: { KUBECONFIG: '/nonexistent' },
    });
    expect(json.code).toBe(0);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    const yaml = await runPlugin(['status', 'web', '-n', 'diag', '-f', file, '-o', 'yaml'], {
      env: { KUBECONFIG: '/nonexistent' },
    });
    expect(JSON.stringify(parse(yaml.stdout))).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    const overview = await runPlugin(['status', '-A', '-f', file], { env: { KUBECONFIG: '/nonexistent' } });
    expect(overview.stdout).not.toMatch(RAW_CONTROL);
  });

  it(caseTitle('D07'), async () => {
    expectOneLineError(
      await offline(dump('garbage.yaml', '\u0000\u0001\u00ff{{{[[[\u001b[2J: : :\n\t- ]')),
      ExitCode.USAGE,
    );
    expectOneLineError(
      await offline(dump('kind.json', '{"kind":5,"metadata":{"name":"web"}}')),
      ExitCode.USAGE,
    );
  });
});

describe('cluster data on the terminal', () => {
  it(caseTitle('C01'), async () => {
    const file = kubeconfig('plain');
    const table = await run(['status', 'evil'], file);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain(
      'pull failed^[]0;PWNED^G^[[2K\\r^[[2Jfake: all good^[[8mhidden<U+009B>31mred<U+202E>evil',
    );
    const wide = await run(['status', 'evil', '-o', 'wide', '--color', 'always'], file);
    // Our own colour codes are the only escapes left.
    expect(wide.stdout.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')).not.toMatch(RAW_CONTROL);
    const json = await run(['status', 'evil', '-o', 'json'], file);
    const report = JSON.parse(json.stdout) as { diagnostics: { evidence: string[] }[] };
    expect(
      report.diagnostics.flatMap((finding) => finding.evidence).some((line) => line.includes(HOSTILE)),
    ).toBe(true);
    const overview = await run(['status'], file);
    expect(overview.stdout + overview.stderr).not.toMatch(RAW_CONTROL);
    const dns = await run(['dns', 'evil'], file);
    expect(dns.stdout + dns.stderr).not.toMatch(RAW_CONTROL);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)(caseTitle('C02'), async () => {
    // On a terminal the watch redraws the whole view (diagnostics and their evidence included):
    // run it on a pseudo-terminal with script(1).
    const file = kubeconfig('plain');
    const child = spawn('script', ['-qfec', `${PLUGIN_BIN} status evil --watch`, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: file, NO_COLOR: '1', COLUMNS: '200', LINES: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!output.includes('PWNED') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(-child.pid!, 'SIGINT');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(output).toContain('pull failed^[]0;PWNED^G^[[2K\\r^[[2Jfake: all good');
    // What remains raw is ours: the redraw (home, clear screen) and the terminal's CR before LF.
    const ours = output.replaceAll(`${ESC}[H${ESC}[2J`, '').replaceAll('\r\n', '\n');
    expect(ours).not.toMatch(RAW_CONTROL);
  });

  it(caseTitle('C03'), async () => {
    const file = kubeconfig('faulty', withUser({ token: FAULTY_TOKEN }));
    const result = await run(['status', 'todo-db'], file);
    expect(expectOneLineError(result, ExitCode.SERVER)).toContain('^[]0;PWNED^G');
    const debug = await run(['status', 'todo-db', '--debug'], file);
    expect(debug.code).toBe(ExitCode.SERVER);
    expect(debug.stdout + debug.stderr).not.toMatch(RAW_CONTROL);
  });
});

describe('a misbehaving network between the plugin and the API server', () => {
  const proxies: FaultyProxy[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  async function through(fault: Fault | ((connection: number) => Fault), scheme = 'https'): Promise<string> {
    const proxy = await startFaultyProxy({ host: server.hostname, port: Number(server.port) }, fault);
    proxies.push(proxy);
    return kubeconfig(`proxy-${proxies.length}`, (config) => {
      config.clusters[0]!.cluster.server = `${scheme}://${proxy.address}`;
      if (scheme === 'http') delete config.clusters[0]!.cluster['certificate-authority-data'];
    });
  }

  interface NetworkCase {
    id: string;
    fault: Fault | ((connection: number) => Fault);
    scheme?: string;
    args?: string[];
    /** Exit codes that hold; `within` bounds the run in ms. */
    codes: number[];
    within: number;
    says?: string;
  }
  const cases: NetworkCase[] = [
    {
      id: 'N01',
      fault: { kind: 'blackhole' },
      codes: [ExitCode.UNREACHABLE],
      within: 20_000,
      says: 'did not complete within 10s',
    },
    {
      id: 'N02',
      fault: { kind: 'blackhole' },
      scheme: 'http',
      codes: [ExitCode.UNREACHABLE],
      within: 45_000,
      says: 'accepted the connection but did not answer within 32s',
    },
    {
      id: 'N03',
      fault: { kind: 'blackhole' },
      args: ['--request-timeout', '2s'],
      codes: [ExitCode.UNREACHABLE],
      within: 15_000,
      says: 'timed out after 2s',
    },
    {
      id: 'N04',
      fault: { kind: 'reset', afterBytes: 0 },
      codes: [ExitCode.UNREACHABLE],
      within: 20_000,
      says: 'attempts',
    },
    { id: 'N05', fault: { kind: 'close' }, codes: [ExitCode.UNREACHABLE], within: 20_000 },
    {
      id: 'N06',
      fault: (connection) => (connection === 0 ? { kind: 'reset', afterBytes: 0 } : { kind: 'pass' }),
      codes: [ExitCode.OK],
      within: 20_000,
    },
    {
      id: 'N07',
      fault: { kind: 'truncate', afterBytes: 3000 },
      codes: [ExitCode.OK, ExitCode.UNREACHABLE],
      within: 30_000,
    },
    { id: 'N08', fault: { kind: 'stall', afterBytes: 3000 }, codes: [ExitCode.UNREACHABLE], within: 60_000 },
    { id: 'N09', fault: { kind: 'delay', ms: 100 }, codes: [ExitCode.OK], within: 30_000 },
  ];
  let results: { result: CliRun; ms: number }[] = [];

  beforeAll(async () => {
    const files: string[] = [];
    for (const testCase of cases) files.push(await through(testCase.fault, testCase.scheme));
    results = await mapLimit(cases, 5, async (testCase) => {
      const started = Date.now();
      const result = await run(
        ['status', 'todo-db', ...(testCase.args ?? [])],
        files[cases.indexOf(testCase)]!,
      );
      return { result, ms: Date.now() - started };
    });
  }, 180_000);

  it.each(cases.map((testCase, index) => [caseTitle(testCase.id), index] as const))('%s', (_title, index) => {
    const testCase = cases[index]!;
    const { result, ms } = results[index]!;
    const where = `${testCase.id} after ${ms} ms\n${result.stderr}`;
    expect(testCase.codes, where).toContain(result.code);
    expect(ms, where).toBeLessThan(testCase.within);
    if (result.code === ExitCode.OK) {
      expect(result.stdout, where).toContain('todo-db-1');
      expect(result.stderr, where).toBe('');
    } else {
      const line = expectOneLineError(result, result.code);
      if (testCase.says) expect(line, where).toContain(testCase.says);
    }
  });
});

describe('cluster state left as found', () => {
  it('the set the suite reads is still settled', async () => {
    await waitForSettledSet(cluster.sim, 'default', 'todo-db');
  });
});
