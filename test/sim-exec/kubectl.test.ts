// The exec shell through the simulator's API server, driven by the real kubectl client:
// `kubectl exec -- sh -c`, exit codes, stdin, resolver tools, data surviving pod re-creation
// and the errors kubectl prints before a process starts.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/kube/connect.ts';
import type { Pod, StatefulSet } from '../../src/kube/types.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';

const kubectl = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'kubectl'))
  .find((candidate) => existsSync(candidate));

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: box}
spec:
  clusterIP: None
  selector: {app: box}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: box}
spec:
  serviceName: box
  replicas: 2
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: box}
  template:
    metadata:
      labels: {app: box}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        env: [{name: GREETING, value: hello}]
        volumeMounts: [{name: data, mountPath: /data}, {name: cache, mountPath: /cache}]
      volumes: [{name: cache, emptyDir: {}}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: distroless}
spec:
  containers: [{name: app, image: gcr.io/distroless/static}]
`;

/** kubectl.1.30 and later beside the one on PATH: they speak WebSocket exec (v5, or v4). */
const versioned = kubectl
  ? readdirSync(dirname(realpathSync(kubectl)))
      .filter((file) => /^kubectl\.1\.(\d+)$/.test(file) && Number(file.split('.')[2]) >= 30)
      .sort()
      .map((file) => join(dirname(realpathSync(kubectl)), file))
  : [];

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

let sim: SimCluster;

function run(args: string[], input?: string, binary = kubectl!): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      ['--kubeconfig', sim.kubeconfigPath, ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const running = (name: string) => () =>
  sim.store.get<Pod>('pods', 'default', name)?.status?.containerStatuses?.some((s) => s.state?.running) ===
  true;

describe.skipIf(!kubectl)('kubectl exec against the simulator', () => {
  beforeAll(async () => {
    sim = await startSimCluster({ speed: 20, manifests: MANIFESTS });
    await until(
      () => (sim.store.get<StatefulSet>('statefulsets', 'default', 'box')?.status?.readyReplicas ?? 0) === 2,
      'box to be ready',
    );
    await until(running('distroless'), 'the distroless pod');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
  });

  it('runs sh -c scripts with redirection and prints byte-exact output', async () => {
    expect(
      await run([
        'exec',
        'box-0',
        '--',
        'sh',
        '-c',
        'printf "%s|" "$GREETING" > /data/f; echo end >> /data/f; cat /data/f',
      ]),
    ).toEqual({
      stdout: 'hello|end\n',
      stderr: '',
      code: 0,
    });
  });

  it.each(versioned)('%s: output and exit code over its exec protocol', async (binary) => {
    expect(
      await run(['exec', 'box-1', '--', 'sh', '-c', 'echo "$GREETING"; exit 5'], undefined, binary),
    ).toEqual({
      stdout: 'hello\n',
      stderr: 'command terminated with exit code 5\n',
      code: 5,
    });
  });

  it('passes the exit code through', async () => {
    const result = await run(['exec', 'box-0', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\ncommand terminated with exit code 3\n');
    expect(result.code).toBe(3);
  });

  it('feeds stdin with -i', async () => {
    const result = await run(
      ['exec', '-i', 'box-1', '--', 'sh', '-c', 'cat > /data/in && cat /data/in'],
      'from stdin\n',
    );
    expect(result).toEqual({ stdout: 'from stdin\n', stderr: '', code: 0 });
  });

  it('resolves a pod name with busybox nslookup', async () => {
    const ip = sim.store.get<Pod>('pods', 'default', 'box-1')!.status!.podIP!;
    const result = await run(['exec', 'box-0', '--', 'nslookup', 'box-1.box.default.svc.cluster.local']);
    expect(result.stdout).toBe(
      `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tbox-1.box.default.svc.cluster.local\nAddress: ${ip}\n\n` +
        "*** Can't find box-1.box.default.svc.cluster.local: No answer\n\n",
    );
    expect(result.code).toBe(0);
  });

  it('keeps PVC data and drops emptyDir data when the pod is re-created', async () => {
    await run(['exec', 'box-0', '--', 'sh', '-c', 'echo keep > /data/k; echo lose > /cache/l']);
    const uid = sim.store.get<Pod>('pods', 'default', 'box-0')!.metadata!.uid;
    expect((await run(['delete', 'pod', 'box-0'])).code).toBe(0);
    await until(() => {
      const pod = sim.store.get<Pod>('pods', 'default', 'box-0');
      return pod?.metadata?.uid !== uid && running('box-0')();
    }, 'box-0 to come back');
    expect(await run(['exec', 'box-0', '--', 'sh', '-c', 'cat /data/k; ls /cache'])).toEqual({
      stdout: 'keep\n',
      stderr: '',
      code: 0,
    });
  });

  it('an image without a shell fails to start sh, as containerd reports it through the API server', async () => {
    const result = await run(['exec', 'distroless', '--', 'sh', '-c', 'true']);
    // The runtime's error arrives as an InternalError status (no exit code), wrapped once by the
    // kubelet and once by the API server's WebSocket translator: kubectl prints it and exits 1.
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in \$PATH: unknown\n$/,
    );
    expect(result.code).toBe(1);
  });

  it('a missing pod is NotFound', async () => {
    expect(await run(['exec', 'ghost', '--', 'true'])).toEqual({
      stdout: '',
      stderr: 'Error from server (NotFound): pods "ghost" not found\n',
      code: 1,
    });
  });

  // kubectl >= 1.30 retries a refused WebSocket upgrade over SPDY and prints that answer: the
  // simulator checks the request before saying that it does not speak SPDY, as a real API
  // server's answer to a bad request does not depend on the protocol.
  it('an unknown container is a BadRequest naming it', async () => {
    expect(await run(['exec', 'box-1', '-c', 'sidecar', '--', 'true'])).toEqual({
      stdout: '',
      stderr: 'Error from server (BadRequest): container sidecar is not valid for pod box-1\n',
      code: 1,
    });
    const connection = await connect({
      kubeconfig: sim.kubeconfigPath,
      requestTimeoutMs: 10_000,
      debug: false,
    });
    try {
      await expect(
        connection.gateway.exec({
          namespace: 'default',
          pod: 'box-1',
          container: 'sidecar',
          command: ['true'],
        }),
      ).rejects.toThrow('container sidecar is not valid for pod box-1');
    } finally {
      connection.close();
    }
  });

  const spdyOnly = kubectl
    ? readdirSync(dirname(realpathSync(kubectl)))
        .filter((file) => /^kubectl\.1\.(2\d)$/.test(file))
        .map((file) => join(dirname(realpathSync(kubectl)), file))
    : [];
  it.skipIf(spdyOnly.length === 0)(
    'kubectl <= 1.29 (SPDY only) is told exec needs kubectl >= 1.30 here, in one line',
    async () => {
      for (const binary of spdyOnly) {
        const result = await run(['exec', 'box-1', '--', 'true'], undefined, binary);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          /^Error from server \(BadRequest\): exec over SPDY\/3\.1 \(kubectl <= 1\.29\) is not simulated; use kubectl >= 1\.30/m,
        );
      }
    },
  );
});
