// At --speed > 1 the simulated cluster runs ahead of real time; its timestamps must not: a real
// API server's are never ahead of its clients' clocks, and real kubectl prints `<invalid>` ages
// for timestamps in the future. Checked with real kubectl and with the plugin's own status.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/kube/types.ts';
import { startSimCluster, type SimCluster } from '../sim/index.ts';

const run = promisify(execFile);

const MANIFEST = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        readinessProbe: {tcpSocket: {port: 80}, initialDelaySeconds: 10}
`;

let sim: SimCluster;
const kubectl = async (...args: string[]) =>
  (await run('kubectl', ['--kubeconfig', sim.kubeconfigPath, ...args], { maxBuffer: 8 << 20 })).stdout;

beforeAll(async () => {
  sim = await startSimCluster({ speed: 20, manifests: MANIFEST });
});
afterAll(() => sim?.stop());

describe('timestamps at --speed 20', () => {
  it('are never ahead of the wall clock, although simulated time is', async () => {
    const deadline = Date.now() + 20_000;
    let pods: Pod[] = [];
    while (Date.now() < deadline) {
      pods = (JSON.parse(await kubectl('get', 'pods', '-o', 'json')) as { items: Pod[] }).items;
      if (
        pods.length === 2 &&
        pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pods).toHaveLength(2);
    // The controllers' clock is well ahead: two pods, each Ready 10 simulated seconds after start.
    expect(sim.clock.now().getTime() - Date.now()).toBeGreaterThan(5_000);
    const now = Date.now();
    const stamps = JSON.stringify(pods).match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g) ?? [];
    expect(stamps.length).toBeGreaterThan(10);
    for (const stamp of stamps) expect(Date.parse(stamp), stamp).toBeLessThanOrEqual(now);
  });

  it('kubectl describe and get show real ages, never <invalid>', async () => {
    const describe = await kubectl('describe', 'pod', 'web-0');
    expect(describe).toContain('Started container main');
    expect(describe).not.toContain('<invalid>');
    const table = await kubectl('get', 'pods', 'web-0');
    expect(table).toMatch(/web-0\s+1\/1\s+Running\s+0\s+\d+s/);
    expect(await kubectl('get', 'events')).not.toContain('<invalid>');
  });
});
