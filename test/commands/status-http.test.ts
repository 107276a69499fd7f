// `kubectl sts status` end to end over real HTTP against a fixed-object API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixedApi } from './fixed-api.ts';
import type { FixedApi } from './fixed-api.ts';
import { runCli } from './run-cli.ts';

describe('status NAME over HTTP (fixed objects)', () => {
  let api: FixedApi;
  beforeAll(async () => {
    api = await startFixedApi({ replicas: 3 });
  });
  afterAll(() => api.close());

  it('prints the summary, one row per ordinal and the diagnostics footer', async () => {
    const result = await runCli(['status', 'todo-db', '--kubeconfig', api.kubeconfig]);
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Name:\s+todo-db$/m);
    expect(result.stdout).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+ORDER\s+NODE\s+REVISION\s+DNS\s+PVC\s+PVC STATUS\s+VOLUME$/m,
    );
    for (const ordinal of [0, 1, 2])
      expect(result.stdout).toMatch(new RegExp(`^todo-db-${ordinal}\\s+1/1\\s+Running`, 'm'));
    expect(result.stdout).toMatch(/^Diagnostics:/m);
  });

  it('-o json prints only JSON, with the keys scripts rely on', async () => {
    const result = await runCli(['status', 'todo-db', '--kubeconfig', api.kubeconfig, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.statefulSet).toMatchObject({ name: 'todo-db', namespace: 'default' });
    expect(
      report.pods.map((pod: { ordinal: number; readyOrder: number }) => [pod.ordinal, pod.readyOrder]),
    ).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(report.pods[0].dns).toBe('todo-db-0.todo-db.default.svc.cluster.local');
    expect(report.pods[0].volumes[0]).toMatchObject({
      claim: 'data-todo-db-0',
      phase: 'Bound',
      volume: 'pv-data-todo-db-0',
    });
    expect(Array.isArray(report.diagnostics)).toBe(true);
  });

  it('--cluster-domain changes the DNS names', async () => {
    const result = await runCli([
      'status',
      'todo-db',
      '--kubeconfig',
      api.kubeconfig,
      '-o',
      'yaml',
      '--cluster-domain',
      'corp.example',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('dns: todo-db-0.todo-db.default.svc.corp.example');
  });

  it('without NAME prints one health line per StatefulSet, from the lists status NAME reads', async () => {
    api.requests.length = 0;
    const result = await runCli(['status', '--kubeconfig', api.kubeconfig]);
    expect([...api.requests].sort()).toEqual([
      'GET /api/v1/namespaces/default/events',
      'GET /api/v1/namespaces/default/persistentvolumeclaims',
      'GET /api/v1/namespaces/default/pods',
      'GET /api/v1/namespaces/default/services',
      'GET /api/v1/nodes',
      'GET /api/v1/persistentvolumes',
      'GET /apis/apps/v1/namespaces/default/statefulsets',
      'GET /apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
      'GET /apis/storage.k8s.io/v1/storageclasses',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(
      /^NAME\s+READY\s+UPDATED\s+REVISION\s+PVCS\s+HEALTH\s+FINDING$/,
    );
    expect(result.stdout).toMatch(/^todo-db\s+3\/3\s+3\/3\s+current\s+3\/3 Bound\s+\w+/m);
  });

  it.each([
    {
      case: 'a missing StatefulSet exits 4 with one line, and nothing on stdout even with -o json',
      args: ['status', 'nope', '-o', 'json'],
      code: 4,
      stderr: /^error: statefulsets\.apps "nope" not found; .+\n$/,
    },
    {
      case: 'NAME with -A is a usage error',
      args: ['status', 'todo-db', '-A'],
      code: 2,
      stderr: /^error: a StatefulSet NAME cannot be combined with --all-namespaces; .+\n$/,
    },
    {
      case: '--watch without NAME is a usage error',
      args: ['status', '--watch'],
      code: 2,
      stderr: /^error: --watch needs a StatefulSet NAME; .+\n$/,
    },
    {
      case: 'a bad --cluster-domain is a usage error',
      args: ['status', 'todo-db', '--cluster-domain', 'not a domain'],
      code: 2,
      stderr: /^error: invalid --cluster-domain "not a domain"; .+\n$/,
    },
    {
      case: 'an unknown output format is a usage error',
      args: ['status', 'todo-db', '-o', 'xml'],
      code: 2,
      stderr: /^error: .+\n$/,
    },
  ])('$case', async ({ args, code, stderr }) => {
    const result = await runCli([...args, '--kubeconfig', api.kubeconfig]);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(stderr);
    expect(result.stderr).not.toContain('fixed-token-do-not-print');
  });
});

describe('status NAME API cost', () => {
  it('makes the same requests at 3 and at 300 replicas', async () => {
    const counts: string[][] = [];
    for (const replicas of [3, 300]) {
      const api = await startFixedApi({ replicas });
      try {
        const result = await runCli(['status', 'todo-db', '--kubeconfig', api.kubeconfig, '-o', 'json']);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout).pods).toHaveLength(replicas);
        counts.push([...api.requests].sort());
      } finally {
        await api.close();
      }
    }
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[0]!.length).toBeLessThanOrEqual(9);
  });
});

describe('status NAME when PVs are forbidden', () => {
  it('still shows the PV name from the claim and says PV details were not readable', async () => {
    const api = await startFixedApi({ replicas: 2, forbid: ['/api/v1/persistentvolumes'] });
    try {
      const table = await runCli(['status', 'todo-db', '--kubeconfig', api.kubeconfig, '-o', 'wide']);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^todo-db-0 .*pv-data-todo-db-0 .*<not readable>/m);
      expect(table.stdout).toMatch(/^Note: could not read persistentvolumes \(forbidden\)/m);
      const json = JSON.parse(
        (await runCli(['status', 'todo-db', '--kubeconfig', api.kubeconfig, '-o', 'json'])).stdout,
      );
      expect(json.pods[0].volumes[0]).toMatchObject({
        volume: 'pv-data-todo-db-0',
        volumeDetails: 'not-readable',
      });
      expect(json.unreadable).toEqual([
        expect.objectContaining({ resource: 'persistentvolumes', reason: 'forbidden' }),
      ]);
    } finally {
      await api.close();
    }
  });
});
