// `npm run bench`: the plugin against real kubectl on the simulated cluster, side by side in one
// run. Prints a table, writes bench/results/latest.json, and states each target as met or not.
// Usage: npm run bench [-- --runs 9 --quick]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { startSimCluster, type SimCluster } from '../test/sim/index.ts';
import { formatTable, measure, measurePair, median, round, runOnce, type Summary } from './measure.ts';
import type { Pod } from '../src/kube/types.ts';
import { packAndInstallGlobally } from '../scripts/lib/npm-package.ts';
import { installHostRelease } from './installs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'latest.json') },
  },
});
const runs = values.quick ? 3 : Number(values.runs);
const warmup = 1;
const SIZES = values.quick ? [3, 100] : [3, 100, 1000];
// The simulated kubelet admits at most 110 pods per node (as a real one does by default), so
// 1,000 replicas need at least 10 nodes; two spare nodes keep scheduling from being the test.
const NODES = Math.max(3, Math.ceil(Math.max(...SIZES) / 110) + 2);

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function benchSet(replicas: number): string {
  const name = `bench-${replicas}`;
  return `
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  clusterIP: None
  selector: { app: ${name} }
  ports: [{ name: db, port: 5432 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ${name} }
spec:
  serviceName: ${name}
  replicas: ${replicas}
  podManagementPolicy: Parallel
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: db
          image: busybox:1.36
          command: ['sh', '-c', 'sleep infinity']
          volumeMounts: [{ name: data, mountPath: /data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 1Gi } }
`;
}

function readyCount(sim: SimCluster, app: string): number {
  return sim.store
    .list<Pod>('pods', 'default')
    .filter(
      (pod) =>
        pod.metadata?.labels?.app === app &&
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 300_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Row {
  case: string;
  plugin: Summary;
  baseline: Summary | undefined;
  ratio: number | undefined;
  requests?: number | undefined;
}

async function main(): Promise<void> {
  log(`starting the simulator (sizes ${SIZES.join(', ')}; ${runs} runs after ${warmup} warm-up)`);
  const sim = await startSimCluster({
    speed: 200,
    nodes: NODES,
    manifests: SIZES.map(benchSet).join('---\n'),
  });
  const rows: Row[] = [];
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, runs };
  try {
    for (const size of SIZES)
      await waitFor(`bench-${size} Ready`, () => readyCount(sim, `bench-${size}`) === size);
    log('all sets Ready');
    const env = {
      ...process.env,
      KUBECONFIG: sim.kubeconfigPath,
      PATH: `${join(root, 'bin')}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
    };
    const opts = { runs, warmup };
    const row = (name: string, plugin: Summary, baseline: Summary | undefined, requests?: number): void => {
      const ratio = baseline ? round(plugin.medianMs / baseline.medianMs, 2) : undefined;
      rows.push({ case: name, plugin, baseline, ratio, requests });
      log(`${name}: ${plugin.medianMs} ms vs ${baseline?.medianMs ?? '-'} ms (x${ratio ?? '-'})`);
    };

    // Start-up, for each way of installing the plugin: this clone (bin/kubectl-sts, the pinned
    // Node from the start-up snapshot), `npm i -g` of the package (the Node on PATH, run.js) and
    // the release binary for this machine installed the krew way.
    const version = ['kubectl', 'sts', '--version'];
    const kubectlVersion = ['kubectl', 'version', '--client'];
    row(
      'start-up (clone): kubectl sts --version vs kubectl version --client',
      ...(await measurePair(version, kubectlVersion, env, opts)),
    );
    const installs = mkdtempSync(join(tmpdir(), 'kubectl-sts-bench-'));
    try {
      log("installing the npm package and this machine's release binary");
      const npmBin = (await packAndInstallGlobally(root, installs)).binDir;
      const npmEnv = { ...env, PATH: `${npmBin}:${dirname(process.execPath)}:${process.env.PATH}` };
      row(
        'start-up (npm i -g): kubectl sts --version vs kubectl version --client',
        ...(await measurePair(version, kubectlVersion, npmEnv, opts)),
      );
      const releaseBin = await installHostRelease(installs);
      if (releaseBin) {
        const releaseEnv = { ...env, PATH: `${releaseBin}:${process.env.PATH}` };
        row(
          'start-up (release binary): kubectl sts --version vs kubectl version --client',
          ...(await measurePair(version, kubectlVersion, releaseEnv, opts)),
        );
      } else log('no release target for this platform: no single executable to measure');
    } finally {
      rmSync(installs, { recursive: true, force: true });
    }
    // Loading a command without calling the API: oclif, the command and its flags.
    row(
      'start-up: kubectl sts status --help vs kubectl get --help',
      ...(await measurePair(['kubectl', 'sts', 'status', '--help'], ['kubectl', 'get', '--help'], env, opts)),
    );

    // status at each size, and the request count per command.
    const requests: Record<string, number> = {};
    for (const size of SIZES) {
      const name = `bench-${size}`;
      sim.requestLog.clear();
      await measure(['kubectl', 'sts', 'status', name], env, { runs: 1, warmup: 0 });
      requests[name] = sim.requestLog.entries.length;
      row(
        `status ${name} vs kubectl get sts,pods,pvc -l app=${name}`,
        ...(await measurePair(
          ['kubectl', 'sts', 'status', name],
          ['kubectl', 'get', 'sts,pods,pvc', '-l', `app=${name}`],
          env,
          opts,
        )),
        requests[name],
      );
    }
    results.requestsPerStatus = requests;

    // A kubeconfig with tens of thousands of clusters, users and contexts (merged company-wide
    // files do this): loading it must stay linear, and within 2x of kubectl.
    const bigKubeconfigs = mkdtempSync(join(tmpdir(), 'kubectl-sts-bench-kubeconfig-'));
    try {
      for (const entries of values.quick ? [10_000] : [10_000, 50_000]) {
        const file = writeLargeKubeconfig(sim.kubeconfigPath, entries, bigKubeconfigs);
        row(
          `status bench-3, kubeconfig with ${entries} clusters/users/contexts vs kubectl get sts,pods,pvc`,
          ...(await measurePair(
            ['kubectl', 'sts', 'status', `bench-${SIZES[0]}`],
            ['kubectl', 'get', 'sts,pods,pvc', '-l', `app=bench-${SIZES[0]}`],
            { ...env, KUBECONFIG: file },
            { runs: Math.min(runs, 3), warmup: 0 },
          )),
        );
      }
    } finally {
      rmSync(bigKubeconfigs, { recursive: true, force: true });
    }

    // JSON at the largest size, with peak memory.
    const largest = `bench-${SIZES.at(-1)}`;
    row(
      `status ${largest} -o json vs kubectl get pods -l app=${largest} -o json`,
      ...(await measurePair(
        ['kubectl', 'sts', 'status', largest, '-o', 'json'],
        ['kubectl', 'get', 'pods', '-l', `app=${largest}`, '-o', 'json'],
        env,
        opts,
      )),
    );

    // Independent requests in parallel: with 50 ms added to every request, a serial client
    // would need (requests x 50 ms) more; a parallel one about (round trips x 50 ms).
    const mid = `bench-${SIZES.includes(100) ? 100 : SIZES[0]}`;
    // Runs alternate with and without the latency so that load changes on a shared machine hit
    // both sides alike.
    const statusMid = ['kubectl', 'sts', 'status', mid];
    await runOnce(statusMid, env);
    const without: number[] = [];
    const with50: number[] = [];
    for (let i = 0; i < Math.max(runs, 5); i++) {
      without.push((await runOnce(statusMid, env)).ms);
      const removeLatency = sim.faults.add({ latencyMs: 50 });
      try {
        with50.push((await runOnce(statusMid, env)).ms);
      } finally {
        removeLatency();
      }
    }
    const unslowed = { medianMs: round(median(without)) };
    const slowed = { medianMs: round(median(with50)) };
    const added = round(slowed.medianMs - unslowed.medianMs);
    const count = requests[mid] ?? 0;
    results.latency = {
      statefulSet: mid,
      requests: count,
      medianWithoutMs: unslowed.medianMs,
      medianWith50msMs: slowed.medianMs,
      addedMs: added,
      serialWouldAddMs: count * 50,
      roundTrips: round(added / 50, 1),
    };
    log(`50 ms latency: +${added} ms for ${count} requests (serial would add ${count * 50} ms)`);

    // verify-pvc: how soon after the recreated pod turns Ready the tool reports it.
    results.verifyPvc = await verifyLatency(sim, env);

    results.rows = rows;
    const memory = rows.find((r) => r.case.includes('-o json'))?.plugin.medianRssMiB;
    const statusRatios = rows.filter(
      (r) =>
        r.case.startsWith('status bench') && !r.case.includes('-o json') && !r.case.includes('kubeconfig'),
    );
    const kubeconfigRatios = rows.filter((r) => r.case.includes('kubeconfig with'));
    const requestCounts = Object.values(requests);
    const watch = results.verifyPvc as { latencyMs?: number } | undefined;
    const latencyResult = results.latency as { addedMs: number; serialWouldAddMs: number };
    const targets = {
      'status within 2x of kubectl at every size': statusRatios.every((r) => (r.ratio ?? Infinity) <= 2),
      'API requests constant in replicas': new Set(requestCounts).size === 1,
      'a kubeconfig with tens of thousands of entries within 2x of kubectl': kubeconfigRatios.every(
        (r) => (r.ratio ?? Infinity) <= 2,
      ),
      'peak memory < 150 MiB at the largest size': memory !== undefined && memory < 150,
      'watch latency < 100 ms': watch?.latencyMs !== undefined && watch.latencyMs < 100,
      // Serial requests would add requests x 50 ms; parallel ones add round trips x 50 ms.
      'independent requests in parallel (50 ms latency adds < half the serial cost)':
        latencyResult.addedMs < latencyResult.serialWouldAddMs / 2,
    };
    results.targets = targets;

    const table = formatTable(
      [
        'case',
        'kubectl-sts (median ms)',
        'kubectl (median ms)',
        'ratio',
        'peak MiB (sts / kubectl)',
        'API requests',
      ],
      rows.map((r) => [
        r.case,
        r.plugin.medianMs,
        r.baseline?.medianMs ?? '-',
        r.ratio === undefined ? '-' : `${r.ratio}x`,
        `${r.plugin.medianRssMiB ?? '-'} / ${r.baseline?.medianRssMiB ?? '-'}`,
        r.requests ?? '-',
      ]),
    );
    process.stdout.write(`${table}\n\n`);
    const latency = results.latency as { addedMs: number; requests: number; serialWouldAddMs: number };
    process.stdout.write(
      `50 ms injected latency on ${mid}: +${latency.addedMs} ms for ${latency.requests} requests (serial: +${latency.serialWouldAddMs} ms; about ${round(latency.addedMs / 50, 1)} round trips)\n`,
    );
    if (watch?.latencyMs !== undefined)
      process.stdout.write(`verify-pvc watch latency: ${watch.latencyMs} ms\n`);
    for (const [target, met] of Object.entries(targets))
      process.stdout.write(`${met ? 'met    ' : 'NOT MET'}  ${target}\n`);
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${values.out}`);
    // The budgets are enforced: a target not met fails the run (exit 1) after the full report.
    const missed = Object.entries(targets).filter(([, met]) => !met);
    if (missed.length > 0) {
      process.stderr.write(
        `error: ${missed.length} benchmark budget(s) not met: ${missed.map(([t]) => t).join('; ')}; see the table above\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await sim.stop();
  }
}

/**
 * The simulator's kubeconfig (its context stays current) with `entries` more clusters, users and
 * contexts each, as a merged company-wide kubeconfig has them.
 */
function writeLargeKubeconfig(base: string, entries: number, dir: string): string {
  const lines = readFileSync(base, 'utf8').trimEnd().split('\n');
  const extra = { clusters: [] as string[], users: [] as string[], contexts: [] as string[] };
  for (let index = 0; index < entries; index++) {
    extra.clusters.push(`- name: c${index}\n  cluster:\n    server: https://10.${index % 250}.0.1:6443`);
    extra.users.push(`- name: u${index}\n  user:\n    token: t${index}`);
    extra.contexts.push(
      `- name: x${index}\n  context:\n    cluster: c${index}\n    user: u${index}\n    namespace: ns${index}`,
    );
  }
  // The simulator writes one top-level key per line: append each list's entries after its key.
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    const key = /^(clusters|users|contexts):$/.exec(line)?.[1] as keyof typeof extra | undefined;
    if (key) out.push(...extra[key]);
  }
  const file = join(dir, `kubeconfig-${entries}.yaml`);
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

/**
 * Runs verify-pvc on the smallest set and compares the moment the simulator marked the
 * recreated pod Ready (seen in-process from the store) with the moment the tool says it saw it
 * (the `readyObservedAt` timestamp of its JSON report). The simulator's own delays are not in
 * this figure: both ends are taken after the pod is Ready.
 */
async function verifyLatency(sim: SimCluster, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const name = `bench-${SIZES[0]}`;
  const podName = `${name}-${SIZES[0]! - 1}`;
  let oldUid: string | undefined = sim.store.get<Pod>('pods', 'default', podName)?.metadata?.uid;
  let readyAt: number | undefined;
  const unsubscribe = sim.store.subscribe('pods', (event) => {
    const pod = event.object as Pod;
    if (pod.metadata?.name !== podName || pod.metadata.uid === oldUid || readyAt !== undefined) return;
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt = Date.now();
  });
  try {
    const output = await new Promise<string>((resolvePromise, reject) => {
      const child = spawn('kubectl', ['sts', 'verify-pvc', name, '--yes', '-o', 'json'], { env });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (code) =>
        code === 0 ? resolvePromise(out) : reject(new Error(`verify-pvc exited ${code}: ${err.trim()}`)),
      );
    });
    const report = JSON.parse(output) as { timings?: Record<string, unknown> };
    const observed = report.timings?.readyObservedAt;
    const observedAt = typeof observed === 'string' ? Date.parse(observed) : undefined;
    oldUid = undefined;
    return {
      statefulSet: name,
      timings: report.timings,
      simReadyAt: readyAt ? new Date(readyAt).toISOString() : undefined,
      latencyMs: readyAt && observedAt ? Math.max(0, observedAt - readyAt) : undefined,
    };
  } catch (error) {
    log(`verify-pvc case failed: ${(error as Error).message}`);
    return { statefulSet: name, error: (error as Error).message };
  } finally {
    unsubscribe();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `error: the benchmark failed: ${(error as Error).message}; rerun with a quieter machine\n`,
  );
  process.exit(1);
});
