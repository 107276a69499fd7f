// Start-up cost: commands that never call the API must not load @kubernetes/client-node
// (the largest dependency). Checked on the npm layout (bin/run.js → dist/); timings are for
// `npm run bench`, not for tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NODE, createImportProbe } from './import-probe.ts';
import type { ImportProbe } from './import-probe.ts';

const run = promisify(execFile);
const RUN_JS = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

let probe: ImportProbe;
let work: string;
let kubeconfig: string;

beforeAll(() => {
  probe = createImportProbe();
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-startup-'));
  kubeconfig = path.join(work, 'kubeconfig');
  // A TLS cluster nobody listens on: a command computes credentials (client-node), then fails fast.
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ctx
`,
  );
});

afterAll(() => {
  probe?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  await run(process.execPath, [RUN_JS, ...args], {
    env: { ...process.env, ...probe.env(), KUBECONFIG: kubeconfig },
  }).catch(() => undefined);
  return probe.loaded();
}

describe('commands that do not call the API do not load client-node', () => {
  it.each([
    [['--version']],
    [['--help']],
    [['version']],
    [['version', '-o', 'json']],
    [['completion', 'bash']],
    [['completion', '__complete', '--', '']],
    [['completion', '__complete', '--', 'dns', '--context', '']],
  ])('kubectl sts %j', async (args) => {
    const loaded = await modulesLoadedBy(args);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((url) => url.includes(CLIENT_NODE))).toEqual([]);
  });
});

describe('commands that call the API do load it (the probe can see client-node)', () => {
  it.each([[['dns', 'web']], [['completion', '__complete', '--', 'dns', '']]])(
    'kubectl sts %j',
    async (args) => {
      const loaded = await modulesLoadedBy(args);
      expect(loaded.some((url) => url.includes(CLIENT_NODE))).toBe(true);
    },
  );
});
