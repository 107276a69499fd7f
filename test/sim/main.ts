// `npm run sim -- --scenario <name|file.yaml> --kubeconfig <file> [--speed N] [--tls] [--token T]
// [--cluster-domain D] [--port P]`: a simulated cluster on localhost until SIGINT/SIGTERM.
import { chmodSync, copyFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { installControllers } from './controllers/index.ts';
import { startSimCluster } from './index.ts';
import { ScenarioError, listScenarios, loadScenario } from './scenarios/index.ts';

const usage = `Usage: npm run sim -- --scenario <name|file.yaml> [--kubeconfig <file>] [flags]

Starts a simulated Kubernetes cluster on 127.0.0.1, applies the scenario and serves until
interrupted (Ctrl-C). Prints one line containing "ready" once kubectl can connect.

Flags:
  --scenario <name|file>   scenario to apply: ${listScenarios().join(', ')}, or a YAML file
  --kubeconfig <file>      where to write the kubeconfig (default: a temporary file, printed)
  --speed <N>              simulated seconds per real second (default: the scenario's, else 1)
  --tls                    serve HTTPS with a generated CA
  --token <T>              require this bearer token (with --tls: clients send none over http)
  --cluster-domain <D>     cluster DNS domain (default: the scenario's, else cluster.local)
  --port <P>               port to listen on (default: any free port)
  --help                   show this help
`;

class UsageError extends Error {}

interface Flags {
  scenario: string;
  kubeconfig: string | undefined;
  speed: number | undefined;
  tls: boolean;
  token: string | undefined;
  clusterDomain: string | undefined;
  port: number;
}

function parseFlags(argv: string[]): Flags | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        kubeconfig: { type: 'string' },
        speed: { type: 'string' },
        tls: { type: 'boolean', default: false },
        token: { type: 'string' },
        'cluster-domain': { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const message =
      (error as Error).message.split('\n')[0]?.replace(/\. To specify a positional.*$/, '') ?? 'bad flags';
    const ambiguous = /^Option '(--[a-z-]+)'.* argument is ambiguous/.exec(message);
    if (ambiguous) {
      throw new UsageError(
        `${ambiguous[1]} needs a value; write ${ambiguous[1]}=<value> for a value starting with "-"`,
      );
    }
    throw new UsageError(`${message.replace(/\.$/, '')}; run with --help to see the flags`);
  }
  const values = parsed.values;
  if (values.help) return 'help';
  if (!values.scenario)
    throw new UsageError(
      `--scenario is required; pass one of: ${listScenarios().join(', ')}, or a YAML file`,
    );
  let speed: number | undefined;
  if (values.speed !== undefined) {
    speed = Number(values.speed);
    if (!Number.isFinite(speed) || speed <= 0)
      throw new UsageError(`--speed "${values.speed}" is not a positive number; pass e.g. --speed 10`);
  }
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port "${values.port}" is not a port number; pass 0-65535`);
  }
  if (
    values['cluster-domain'] !== undefined &&
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(values['cluster-domain'])
  ) {
    throw new UsageError(
      `--cluster-domain "${values['cluster-domain']}" is not a DNS domain; pass e.g. cluster.local`,
    );
  }
  if (values.token !== undefined && !values.tls)
    throw new UsageError(
      '--token needs --tls: kubectl and kubectl-sts send no credentials to a plain http server, so every request would be refused; add --tls',
    );
  return {
    scenario: values.scenario,
    kubeconfig: values.kubeconfig === undefined ? undefined : resolve(values.kubeconfig),
    speed,
    tls: values.tls ?? false,
    token: values.token,
    clusterDomain: values['cluster-domain'],
    port,
  };
}

async function main(): Promise<number> {
  let flags: Flags | 'help';
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (flags === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  let scenario;
  try {
    scenario = loadScenario(flags.scenario);
  } catch (error) {
    if (error instanceof ScenarioError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const clusterDomain = flags.clusterDomain ?? scenario.settings.clusterDomain ?? 'cluster.local';
  const speed = flags.speed ?? scenario.settings.speed ?? 1;
  let cluster;
  try {
    cluster = await startSimCluster({
      tls: flags.tls,
      ...(flags.token ? { token: flags.token } : {}),
      clusterDomain,
      speed,
      port: flags.port,
      ...(scenario.settings.nodes ? { nodes: scenario.settings.nodes } : {}),
      controllers: false,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(`error: port ${flags.port} is already in use; pick another --port or omit it\n`);
      return 2;
    }
    throw error;
  }
  const controllers = installControllers(cluster.store, cluster.clock, {
    clusterDomain,
    timing: scenario.settings.timing,
  });
  let kubeconfig = cluster.kubeconfigPath;
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      controllers.stop();
      await cluster.stop();
      if (kubeconfig !== cluster.kubeconfigPath) rmSync(kubeconfig, { force: true });
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  try {
    cluster.applyManifests(scenario.manifests);
  } catch (error) {
    process.stderr.write(
      `error: scenario ${scenario.name} could not be applied: ${(error as Error).message}; fix the manifests in ${scenario.path}\n`,
    );
    return stop(2);
  }
  if (flags.kubeconfig) {
    try {
      copyFileSync(cluster.kubeconfigPath, flags.kubeconfig);
      chmodSync(flags.kubeconfig, 0o600);
      kubeconfig = flags.kubeconfig;
    } catch (error) {
      process.stderr.write(
        `error: cannot write the kubeconfig to ${flags.kubeconfig}: ${(error as Error).message}; pass a writable --kubeconfig path\n`,
      );
      return stop(2);
    }
  }
  process.stdout.write(
    `sim: ready: scenario ${scenario.name} (${scenario.objectCount} objects) at ${cluster.url}, speed ${speed}x; kubeconfig ${kubeconfig} (export KUBECONFIG=${kubeconfig}); Ctrl-C stops\n`,
  );
  // Serve until a signal arrives.
  return new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `error: the simulator failed: ${(error as Error).message ?? String(error)}; rerun, and report it if it persists\n`,
    );
    if (process.env.SIM_DEBUG) console.error(error);
    process.exit(1);
  },
);
