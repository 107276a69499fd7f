// Real kubectl as the oracle for output formats (-o jsonpath, -o custom-columns, --sort-by): a
// tiny API server on port 0 serves one made-up resource (`reports.sts.kubectl.dev`) whose objects
// are whatever JSON a test hands it, so `kubectl get reports -o jsonpath=…` evaluates the template
// on exactly the document our engine sees. Each dataset lives in its own namespace, so concurrent
// kubectl runs never see each other's data. kubectl's discovery cache goes to a private HOME.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ORACLE_GROUP = 'sts.kubectl.dev';
export const ORACLE_VERSION = 'v1';
export const ORACLE_API_VERSION = `${ORACLE_GROUP}/${ORACLE_VERSION}`;

export interface OracleRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOracle {
  /**
   * Serves `items` (plain JSON objects; apiVersion, kind and metadata.name are added when absent)
   * in a fresh namespace and returns its name.
   */
  dataset(items: Record<string, unknown>[]): string;
  /** The item as kubectl receives it (with the fields dataset() added). */
  served(namespace: string): Record<string, unknown>[];
  /** `kubectl get reports [NAME] -n NAMESPACE …args` against the server. */
  get(namespace: string, args: string[], name?: string): Promise<OracleRun>;
  stop(): Promise<void>;
}

export async function startKubectlOracle(kubectl = 'kubectl'): Promise<KubectlOracle> {
  const datasets = new Map<string, Record<string, unknown>[]>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://oracle');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
    if (url.pathname === '/api/v1')
      return send(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    if (url.pathname === '/apis') {
      const version = { groupVersion: ORACLE_API_VERSION, version: ORACLE_VERSION };
      return send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [{ name: ORACLE_GROUP, versions: [version], preferredVersion: version }],
      });
    }
    if (url.pathname === `/apis/${ORACLE_API_VERSION}`) {
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: ORACLE_API_VERSION,
        resources: [
          {
            name: 'reports',
            singularName: 'report',
            namespaced: true,
            kind: 'Report',
            verbs: ['get', 'list'],
          },
        ],
      });
    }
    // /apis/<group>/<version>/namespaces/<ns>/reports[/<name>]
    if (parts[0] === 'apis' && parts[3] === 'namespaces' && parts[5] === 'reports') {
      const items = datasets.get(parts[4] ?? '') ?? [];
      if (parts[6] === undefined) {
        return send(200, {
          apiVersion: ORACLE_API_VERSION,
          kind: 'ReportList',
          metadata: { resourceVersion: '1' },
          items,
        });
      }
      const found = items.find((item) => (item.metadata as { name?: string }).name === parts[6]);
      if (found) return send(200, found);
      return send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: `reports.${ORACLE_GROUP} "${parts[6]}" not found`,
      });
    }
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const home = mkdtempSync(path.join(tmpdir(), 'kubectl-oracle-'));
  const kubeconfig = path.join(home, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: oracle, cluster: { server: "http://127.0.0.1:${port}" } }]`,
      'users: [{ name: oracle, user: {} }]',
      'contexts: [{ name: oracle, context: { cluster: oracle, user: oracle } }]',
      'current-context: oracle',
      '',
    ].join('\n'),
  );
  let next = 0;
  return {
    dataset(items) {
      const namespace = `case-${++next}`;
      datasets.set(
        namespace,
        items.map((item, index) => ({
          apiVersion: ORACLE_API_VERSION,
          kind: 'Report',
          ...item,
          metadata: {
            name: `item-${index}`,
            namespace,
            ...((item.metadata as Record<string, unknown> | undefined) ?? {}),
          },
        })),
      );
      return namespace;
    },
    served(namespace) {
      return datasets.get(namespace) ?? [];
    },
    get(namespace, args, name) {
      return new Promise((resolve) => {
        execFile(
          kubectl,
          ['get', 'reports', ...(name === undefined ? [] : [name]), '-n', namespace, ...args],
          {
            env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig },
            maxBuffer: 16 * 1024 * 1024,
            timeout: 30_000,
          },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
