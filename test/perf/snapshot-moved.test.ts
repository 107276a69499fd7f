// A checkout moved after `npm run build` still works from its start-up snapshot: the snapshot
// finds the bundle (and the Kubernetes client library a TLS cluster needs) where the checkout is
// now, not where the build ran. Built for real in a temporary checkout, which is then renamed.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsWebCluster } from '../helpers/tls-cluster.ts';
import type { SimCluster } from '../sim/index.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PINNED_NODE = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');

let work: string;
let cluster: SimCluster;

describe.skipIf(!existsSync(PINNED_NODE))('a checkout moved after the build', () => {
  let moved: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-moved-'));
    const built = path.join(work, 'built-here');
    mkdirSync(built);
    for (const entry of ['bin', 'src', 'scripts', 'package.json', 'tsconfig.json'])
      cpSync(path.join(ROOT, entry), path.join(built, entry), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(built, 'node_modules'));
    // The launcher trusts a blob newer than dist/main.js, which a full build's tsc writes first.
    mkdirSync(path.join(built, 'dist'));
    writeFileSync(path.join(built, 'dist', 'main.js'), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(path.join(built, 'dist', 'main.js'), past, past);
    await run(PINNED_NODE, [path.join(built, 'scripts', 'build.ts')], { cwd: built });
    expect(existsSync(path.join(built, 'dist', 'bundle', 'kubectl-sts.blob'))).toBe(true);
    moved = path.join(work, 'moved-there');
    renameSync(built, moved);
    // A TLS cluster makes the plugin load the client library (see src/kube/connect.ts).
    cluster = await startTlsWebCluster();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('calls a TLS API server from the snapshot, loading the client library from the new place', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
    delete env.KUBECTL_STS_NO_SNAPSHOT;
    delete env.DEBUG;
    const { stdout, stderr } = await run(
      path.join(moved, 'bin', 'kubectl-sts'),
      ['dns', 'web', '-o', 'json', '--debug'],
      {
        env,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ statefulSet: { name: 'web', namespace: 'default' } });
    expect(stderr).not.toContain('built-here');
  });
});
