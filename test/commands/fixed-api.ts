// A tiny Kubernetes API server over node:http that serves a fixed todo-db StatefulSet of any
// size, counts requests and can refuse chosen paths — enough to test the command end to end
// before (and beside) the full simulator.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClaim, makePod, makeSet, makeVolume } from '../report/objects.ts';

export interface FixedApi {
  url: string;
  kubeconfig: string;
  /** `GET <path>` of every request served, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface FixedApiOptions {
  replicas: number;
  /** Paths (without query) answered with 403 Forbidden. */
  forbid?: string[];
}

function status(code: number, reason: string, message: string, details?: Record<string, string>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
}

export async function startFixedApi(options: FixedApiOptions): Promise<FixedApi> {
  const set = makeSet({ name: 'todo-db', replicas: options.replicas });
  const ordinals = Array.from({ length: options.replicas }, (_, i) => i);
  const pods = ordinals.map((o) => makePod(o, { set: 'todo-db', created: o * 10, readyAt: o * 10 + 5 }));
  const claims = ordinals.map((o) => makeClaim(`data-todo-db-${o}`));
  const volumes = claims.map((c) => makeVolume(c.spec!.volumeName!, c.metadata!.name!));
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'todo-db', namespace: 'default' },
    spec: { clusterIP: 'None', selector: { app: 'todo-db' } },
  };
  const list = (kind: string, items: unknown[]) => ({
    kind,
    apiVersion: 'v1',
    metadata: { resourceVersion: '100' },
    items,
  });
  const routes: Record<string, () => unknown> = {
    '/api/v1/namespaces/default': () => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default' },
    }),
    '/apis/apps/v1/namespaces/default/statefulsets/todo-db': () => set,
    '/apis/apps/v1/namespaces/default/statefulsets': () => list('StatefulSetList', [set]),
    '/api/v1/namespaces/default/pods': () => list('PodList', pods),
    '/api/v1/namespaces/default/persistentvolumeclaims': () => list('PersistentVolumeClaimList', claims),
    '/api/v1/namespaces/default/services/todo-db': () => service,
    '/api/v1/namespaces/default/services': () => list('ServiceList', [service]),
    '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices': () => list('EndpointSliceList', []),
    '/api/v1/namespaces/default/events': () => list('EventList', []),
    '/api/v1/persistentvolumes': () => list('PersistentVolumeList', volumes),
    '/apis/storage.k8s.io/v1/storageclasses': () => list('StorageClassList', []),
    '/api/v1/nodes': () => list('NodeList', []),
  };

  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(`${req.method} ${path}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (options.forbid?.includes(path)) {
      const resource = path.split('/').at(-1);
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${resource} is forbidden: User "dev" cannot list resource "${resource}" in API group "" at the cluster scope`,
        ),
      );
    }
    const route = routes[path];
    if (route) return send(200, route());
    const name = path.split('/').at(-1) ?? '';
    const kind = path.includes('/statefulsets/') ? 'statefulsets' : path.split('/').at(-2);
    const group = kind === 'statefulsets' ? 'apps' : '';
    send(
      404,
      status(404, 'NotFound', `${kind}${group ? `.${group}` : ''} "${name}" not found`, {
        name,
        group,
        kind: kind ?? '',
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'sts-fixed-api-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fixed\n  cluster:\n    server: ${url}`,
      'users:',
      '- name: dev\n  user:\n    token: fixed-token-do-not-print',
      'contexts:',
      '- name: fixed\n  context:\n    cluster: fixed\n    user: dev\n    namespace: default',
      'current-context: fixed',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
