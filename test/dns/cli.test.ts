// The command as users run it (oclif parsing, StsCommand error handling, real HTTP gateway) against the
// simulator: output formats, one-line errors and exit codes.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import Dns, { dnsRequestFrom } from '../../src/commands/dns.ts';
import { waitForSettledSet } from '../helpers/cli.ts';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KIAMOL = new URL('kiamol-ch08/todo-list/db/', pathToFileURL(THIRD_PARTY_FIXTURES));

let sim: SimCluster;

/**
 * Runs the command class in-process as oclif would (parsing, StsCommand error handling), with
 * stdout and stderr captured; the exit code is what the process would exit with.
 */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await Dns.run([...args, '--kubeconfig', sim.kubeconfigPath, '--color', 'never'], ROOT);
    return { stdout, stderr, code: Number(process.exitCode ?? 0) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = previous;
  }
}

beforeAll(async () => {
  const manifests = ['todo-db.yaml', 'todo-db-service.yaml', 'todo-db-secret.yaml']
    .map((file) => readFileSync(new URL(file, KIAMOL), 'utf8'))
    .join('\n---\n');
  sim = await startSimCluster({ speed: 20, manifests });
  await waitForSettledSet(sim, 'default', 'todo-db', 20_000);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('kubectl sts dns on the command line', () => {
  it('-o json prints only the JSON report', async () => {
    const result = await cli(['todo-db', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.records.map((r: { pod: string; published: boolean }) => [r.pod, r.published])).toEqual([
      ['todo-db-0', true],
      ['todo-db-1', true],
    ]);
  });

  it('the table starts with the summary', async () => {
    const result = await cli(['todo-db', '--probe']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 5)).toEqual([
      'StatefulSet:    default/todo-db',
      expect.stringMatching(/^Service: {8}todo-db\.default\.svc\.cluster\.local \(headless\); resolves to /),
      'Cluster domain: cluster.local (search line of /etc/resolv.conf in pod default/todo-db-0)',
      'SRV:            _postgres._tcp.todo-db.default.svc.cluster.local',
      'Probe:          getent in pod default/todo-db-0 (container db)',
    ]);
  });

  it.each([
    {
      args: ['missing'],
      code: 4,
      stderr:
        'error: statefulsets.apps "missing" not found; list the StatefulSets with `kubectl sts status -n default`\n',
    },
  ])('$args → exit $code with one error line', async ({ args, code, stderr }) => {
    const result = await cli(args);
    expect(result).toEqual({ stdout: '', stderr, code });
  });
});

describe('flag validation', () => {
  it.each([
    { flags: { 'cluster-domain': 'Corp.Example.' }, domain: 'corp.example' },
    { flags: {}, domain: undefined },
  ])('--cluster-domain $flags.cluster-domain → $domain', ({ flags, domain }) => {
    expect(dnsRequestFrom({ name: 'x' }, flags, { isTTY: false }, {}).clusterDomain).toBe(domain);
  });

  it.each([
    { flags: { 'cluster-domain': 'bad_domain' }, message: 'invalid --cluster-domain "bad_domain"' },
    { flags: { from: 'Not A Pod' }, message: 'invalid --from "Not A Pod"' },
    {
      flags: { from: 'p', 'all-namespaces': true },
      message: '--from cannot be combined with --all-namespaces',
    },
  ])('rejects $flags', ({ flags, message }) => {
    expect(() => dnsRequestFrom({}, flags, { isTTY: false }, {})).toThrow(message);
  });

  it('--from implies --probe', () => {
    expect(dnsRequestFrom({ name: 'x' }, { from: 'debug' }, { isTTY: false }, {}).probe).toBe(true);
  });
});
