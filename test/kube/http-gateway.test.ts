// The gateway over HTTP: which requests each method makes, how answers come back, and how
// watches stream, stop, fail and resume.
import type http from 'node:http';
import { createGzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.ts';
import type { WatchEvent } from '../../src/kube/types.ts';
import { HttpGateway } from '../../src/kube/http-gateway.ts';
import { isKubeApiError } from '../../src/kube/http.ts';
import { rejection, sendJson, startServer, status, testClient } from './helpers.ts';
import type { Handler, TestServer } from './helpers.ts';

const servers: TestServer[] = [];
const gateways: HttpGateway[] = [];
async function gatewayFor(
  handler: Handler,
): Promise<{ gateway: HttpGateway; server: TestServer; sleeps: number[] }> {
  const server = await startServer(handler);
  servers.push(server);
  const { client, sleeps } = testClient(server.url);
  const gateway = new HttpGateway(client);
  gateways.push(gateway);
  return { gateway, server, sleeps };
}
afterEach(async () => {
  for (const gateway of gateways.splice(0)) gateway.http.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const list = (kind: string, items: unknown[] = [], resourceVersion = '42') => ({
  kind,
  items,
  metadata: { resourceVersion },
});

describe('reads: one request each, on the right path', () => {
  it.each([
    {
      call: (g: HttpGateway) => g.listPods('web', { labelSelector: 'app=db' }),
      path: '/api/v1/namespaces/web/pods',
      query: 'labelSelector=app%3Ddb',
    },
    { call: (g: HttpGateway) => g.listPods(undefined), path: '/api/v1/pods', query: '' },
    {
      call: (g: HttpGateway) => g.listStatefulSets('web'),
      path: '/apis/apps/v1/namespaces/web/statefulsets',
      query: '',
    },
    {
      call: (g: HttpGateway) => g.listStatefulSets(undefined),
      path: '/apis/apps/v1/statefulsets',
      query: '',
    },
    {
      call: (g: HttpGateway) => g.listPersistentVolumeClaims('web', { labelSelector: 'app=db' }),
      path: '/api/v1/namespaces/web/persistentvolumeclaims',
      query: 'labelSelector=app%3Ddb',
    },
    { call: (g: HttpGateway) => g.listPersistentVolumes(), path: '/api/v1/persistentvolumes', query: '' },
    {
      call: (g: HttpGateway) => g.listStorageClasses(),
      path: '/apis/storage.k8s.io/v1/storageclasses',
      query: '',
    },
    { call: (g: HttpGateway) => g.listServices('web'), path: '/api/v1/namespaces/web/services', query: '' },
    {
      call: (g: HttpGateway) =>
        g.listEndpointSlices('web', { labelSelector: 'kubernetes.io/service-name=db' }),
      path: '/apis/discovery.k8s.io/v1/namespaces/web/endpointslices',
      query: 'labelSelector=kubernetes.io%2Fservice-name%3Ddb',
    },
    {
      call: (g: HttpGateway) => g.listEvents('web', { fieldSelector: 'involvedObject.name=db-0' }),
      path: '/api/v1/namespaces/web/events',
      query: 'fieldSelector=involvedObject.name%3Ddb-0',
    },
    { call: (g: HttpGateway) => g.listNodes(), path: '/api/v1/nodes', query: '' },
    { call: (g: HttpGateway) => g.listNamespaces(), path: '/api/v1/namespaces', query: '' },
    {
      call: (g: HttpGateway) => g.listPodDisruptionBudgets('web'),
      path: '/apis/policy/v1/namespaces/web/poddisruptionbudgets',
      query: '',
    },
  ])('$path?$query', async ({ call, path, query }) => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 200, list('List', [{ metadata: { name: 'a' } }], '99')),
    );
    await expect(call(gateway)).resolves.toEqual({
      items: [{ metadata: { name: 'a' } }],
      resourceVersion: '99',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url.pathname).toBe(path);
    expect(server.requests[0]!.url.search.replace(/^\?/, '')).toBe(query);
  });

  it('a list answered with 404 means the API is not served (old cluster), not a missing object', async () => {
    const { gateway } = await gatewayFor((_request, response) =>
      sendJson(response, 404, status(404, 'NotFound', 'the server could not find the requested resource')),
    );
    const error = await rejection(gateway.listPodDisruptionBudgets('web'));
    expect(error.exitCode).toBe(ExitCode.SERVER);
    expect(error.message).toBe('the API server does not serve poddisruptionbudgets (/apis/policy/v1)');
  });

  it('a list without items (null on the wire) is an empty list', async () => {
    const { gateway } = await gatewayFor((_request, response) =>
      sendJson(response, 200, { kind: 'PodList', items: null, metadata: {} }),
    );
    await expect(gateway.listPods('a')).resolves.toEqual({ items: [], resourceVersion: '' });
  });

  it.each([
    {
      name: 'getPod',
      call: (g: HttpGateway) => g.getPod('web', 'db-0'),
      path: '/api/v1/namespaces/web/pods/db-0',
    },
    {
      name: 'getPersistentVolumeClaim',
      call: (g: HttpGateway) => g.getPersistentVolumeClaim('web', 'data-db-0'),
      path: '/api/v1/namespaces/web/persistentvolumeclaims/data-db-0',
    },
    {
      name: 'getPersistentVolume',
      call: (g: HttpGateway) => g.getPersistentVolume('pv-1'),
      path: '/api/v1/persistentvolumes/pv-1',
    },
    {
      name: 'getService',
      call: (g: HttpGateway) => g.getService('web', 'db'),
      path: '/api/v1/namespaces/web/services/db',
    },
    {
      name: 'getConfigMap',
      call: (g: HttpGateway) => g.getConfigMap('kube-system', 'coredns'),
      path: '/api/v1/namespaces/kube-system/configmaps/coredns',
    },
    { name: 'getNamespace', call: (g: HttpGateway) => g.getNamespace('web'), path: '/api/v1/namespaces/web' },
  ])('$name answers undefined on 404', async ({ call, path }) => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 404, status(404, 'NotFound', 'x not found')),
    );
    await expect(call(gateway)).resolves.toBeUndefined();
    expect(server.requests.map((request) => request.url.pathname)).toEqual([path]);
  });

  it('getStatefulSet: a missing StatefulSet is NOT_FOUND with the API message and a listing hint', async () => {
    const { gateway } = await gatewayFor((request, response) =>
      request.url.pathname === '/api/v1/namespaces/web'
        ? sendJson(response, 200, { metadata: { name: 'web' } })
        : sendJson(response, 404, status(404, 'NotFound', 'statefulsets.apps "db" not found')),
    );
    const error = await rejection(gateway.getStatefulSet('web', 'db'));
    expect(error.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(error.message).toBe('statefulsets.apps "db" not found');
    expect(error.hint).toBe('list the StatefulSets with `kubectl sts status -n web`');
  });

  it('getStatefulSet: in a missing namespace says that the namespace does not exist', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 404, status(404, 'NotFound', 'not found')),
    );
    const error = await rejection(gateway.getStatefulSet('nope', 'db'));
    expect(error.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(error.message).toBe('namespace "nope" does not exist');
    expect(server.requests.map((request) => request.url.pathname)).toEqual([
      '/apis/apps/v1/namespaces/nope/statefulsets/db',
      '/api/v1/namespaces/nope',
    ]);
  });

  it('names are escaped in paths', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 404, status(404, 'NotFound', 'x')),
    );
    await gateway.getPod('web', 'a b?c#d');
    expect(server.requests[0]!.url.pathname).toBe('/api/v1/namespaces/web/pods/a%20b%3Fc%23d');
  });

  it.each([
    ['a name with a slash', 'web', 'a/../b'],
    ['the name ..', 'web', '..'],
    ['the namespace ..', '..', 'web-0'],
    ['a namespace with %', 'a%2fb', 'web-0'],
  ])('%s is refused before any request, as kubectl does', async (_name, namespace, pod) => {
    const { gateway, server } = await gatewayFor((_request, response) => sendJson(response, 200, {}));
    const error = await rejection(gateway.getPod(namespace, pod));
    expect(error).toMatchObject({ exitCode: ExitCode.USAGE });
    expect(error.message).toMatch(/^invalid (namespace|resource name) /);
    await expect(gateway.listPods(namespace === 'web' ? pod : namespace)).rejects.toThrow(
      /invalid namespace/,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('writes', () => {
  it('evictPod posts a policy/v1 Eviction', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 201, { kind: 'Status', status: 'Success' }),
    );
    await gateway.evictPod('web', 'db-1');
    const request = server.requests[0]!;
    expect([request.method, request.url.pathname]).toEqual([
      'POST',
      '/api/v1/namespaces/web/pods/db-1/eviction',
    ]);
    expect(JSON.parse(request.body)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'db-1', namespace: 'web' },
    });
  });

  it('evictPod with a uid sends it as deleteOptions.preconditions.uid', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 201, { kind: 'Status', status: 'Success' }),
    );
    await gateway.evictPod('web', 'db-1', { uid: 'uid-checked' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'db-1', namespace: 'web' },
      deleteOptions: { preconditions: { uid: 'uid-checked' } },
    });
  });

  it('an eviction whose uid precondition fails (409) is not retried and keeps the API message', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(
        response,
        409,
        status(
          409,
          'Conflict',
          'Operation cannot be fulfilled on Pod "db-1": Precondition failed: UID in precondition: uid-checked, UID in object meta: uid-new',
        ),
      ),
    );
    const error = await rejection(gateway.evictPod('web', 'db-1', { uid: 'uid-checked' }));
    expect(error.status).toBe(409);
    expect(error.message).toContain('Precondition failed: UID in precondition: uid-checked');
    expect(server.requests).toHaveLength(1);
  });

  it('an eviction a PodDisruptionBudget refuses (429) is not retried and carries the PDB message', async () => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(
        response,
        429,
        status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [
            {
              reason: 'DisruptionBudget',
              message: 'The disruption budget db-pdb needs 2 healthy pods and has 2 currently',
            },
          ],
        }),
      ),
    );
    const error = await rejection(gateway.evictPod('web', 'db-1'));
    expect(error.exitCode).toBe(ExitCode.ABORTED);
    expect(error.message).toBe(
      `eviction of pod "db-1" refused: Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget db-pdb needs 2 healthy pods and has 2 currently)`,
    );
    expect(isKubeApiError(error, 429)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    {
      options: { uid: 'u-1', gracePeriodSeconds: 0 },
      body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'u-1' } },
    },
    { options: {}, body: { apiVersion: 'v1', kind: 'DeleteOptions' } },
  ])('deletePod sends DeleteOptions $body', async ({ options, body }) => {
    const { gateway, server } = await gatewayFor((_request, response) =>
      sendJson(response, 200, { kind: 'Pod' }),
    );
    await gateway.deletePod('web', 'db-0', options);
    expect(server.requests[0]!.method).toBe('DELETE');
    expect(JSON.parse(server.requests[0]!.body)).toEqual(body);
  });

  it('deletePod with a stale uid is a conflict, reported with the API message', async () => {
    const { gateway } = await gatewayFor((_request, response) =>
      sendJson(
        response,
        409,
        status(
          409,
          'Conflict',
          'Operation cannot be fulfilled on Pod "db-0": Precondition failed: UID in precondition: u-1, UID in object meta: u-2',
        ),
      ),
    );
    const error = await rejection(gateway.deletePod('web', 'db-0', { uid: 'u-1' }));
    expect(error.message).toContain('Precondition failed');
    expect(isKubeApiError(error, 409)).toBe(true);
  });
});

describe('checkAccess', () => {
  it('sends one SelfSubjectAccessReview per check, all at once, and maps the answers', async () => {
    const held: (() => void)[] = [];
    const { gateway, server } = await gatewayFor((request, response) => {
      const attributes = JSON.parse(request.body).spec.resourceAttributes;
      const answer = () =>
        sendJson(response, 201, {
          status: {
            allowed: attributes.verb !== 'delete',
            reason: attributes.verb === 'delete' ? 'no RBAC rule' : undefined,
          },
        });
      // Answer only when every review has arrived: proves they were sent in parallel.
      held.push(answer);
      if (held.length === 3) for (const release of held) release();
    });
    const answers = await gateway.checkAccess([
      { verb: 'get', resource: 'statefulsets', group: 'apps', namespace: 'web' },
      { verb: 'list', resource: 'persistentvolumes' },
      { verb: 'delete', resource: 'pods', namespace: 'web', name: 'db-0' },
    ]);
    expect(answers).toEqual([
      { verb: 'get', resource: 'statefulsets', group: 'apps', namespace: 'web', allowed: true },
      { verb: 'list', resource: 'persistentvolumes', allowed: true },
      {
        verb: 'delete',
        resource: 'pods',
        namespace: 'web',
        name: 'db-0',
        allowed: false,
        reason: 'no RBAC rule',
      },
    ]);
    expect(server.requests.map((request) => request.url.pathname)).toEqual(
      Array(3).fill('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
    );
    expect(
      JSON.parse(server.requests.find((r) => r.body.includes('persistentvolumes'))!.body).spec
        .resourceAttributes,
    ).toEqual({ verb: 'list', resource: 'persistentvolumes', group: '' });
  });
});

/** A watch server: each connection gets the next script, a list of lines or actions. */
type WatchStep = WatchEvent<unknown> | 'hang' | 'reset' | 'end';
function watchServer(connections: WatchStep[][]): Handler {
  let index = 0;
  return (_request, response, raw) => {
    const script = connections[index++] ?? ['hang'];
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    for (const step of script) {
      if (step === 'hang') return;
      if (step === 'reset') {
        // Cut the connection once what was written so far has left: a reset mid-stream.
        response.write('', () => raw.socket.destroy());
        return;
      }
      if (step === 'end') break;
      response.write(`${JSON.stringify(step)}\n`);
    }
    response.end();
  };
}

const pod = (name: string, resourceVersion: string) => ({ metadata: { name, resourceVersion } });

describe('watch', () => {
  it('streams events until the server ends the watch, with bookmarks and the given resourceVersion', async () => {
    const { gateway, server } = await gatewayFor(
      watchServer([
        [
          { type: 'ADDED', object: pod('db-0', '11') },
          { type: 'MODIFIED', object: pod('db-0', '12') },
          { type: 'BOOKMARK', object: pod('', '13') },
          { type: 'DELETED', object: pod('db-0', '14') },
        ],
      ]),
    );
    const events: string[] = [];
    const watch = gateway.watchPods(
      'web',
      { labelSelector: 'app=db', resourceVersion: '10', timeoutSeconds: 30 },
      (event) => events.push(`${event.type} ${event.object.metadata?.resourceVersion}`),
    );
    await watch.done;
    expect(events).toEqual(['ADDED 11', 'MODIFIED 12', 'BOOKMARK 13', 'DELETED 14']);
    const query = Object.fromEntries(server.requests[0]!.url.searchParams);
    expect(server.requests[0]!.url.pathname).toBe('/api/v1/namespaces/web/pods');
    expect(query).toEqual({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '10',
      timeoutSeconds: '30',
      labelSelector: 'app=db',
    });
  });

  it('a gzip-compressed watch stream is decoded as it arrives', async () => {
    const { gateway } = await gatewayFor((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(response);
      gzip.write(`${JSON.stringify({ type: 'ADDED', object: pod('db-0', '5') })}\n`);
      gzip.end(`${JSON.stringify({ type: 'DELETED', object: pod('db-0', '6') })}\n`);
    });
    const events: string[] = [];
    await gateway.watchPods('web', {}, (event) => events.push(event.type)).done;
    expect(events).toEqual(['ADDED', 'DELETED']);
  });

  it('events split across chunks are reassembled', async () => {
    const { gateway } = await gatewayFor((_request, response) => {
      const line = `${JSON.stringify({ type: 'ADDED', object: pod('db-0', '5') })}\n`;
      response.writeHead(200);
      response.write(line.slice(0, 10));
      setTimeout(() => response.end(line.slice(10)), 5);
    });
    const events: WatchEvent<unknown>[] = [];
    await gateway.watchStatefulSets('web', {}, (event) => events.push(event)).done;
    expect(events).toEqual([{ type: 'ADDED', object: pod('db-0', '5') }]);
  });

  it.each([
    { how: 'stop()', stop: (watch: { stop(): void }, _controller: AbortController) => watch.stop() },
    {
      how: 'the AbortSignal',
      stop: (_watch: { stop(): void }, controller: AbortController) => controller.abort(),
    },
  ])('ends cleanly via $how and closes the connection', async ({ stop }) => {
    let closed: Promise<void> = Promise.resolve();
    const { gateway } = await gatewayFor((_request, response, raw) => {
      closed = new Promise((resolve) => raw.socket.on('close', () => resolve()));
      watchServer([[{ type: 'ADDED', object: pod('db-0', '3') }, 'hang']])(_request, response, raw);
    });
    const controller = new AbortController();
    const seen: string[] = [];
    let watch: { done: Promise<void>; stop(): void };
    await new Promise<void>((resolve) => {
      watch = gateway.watchPods('web', { signal: controller.signal }, (event) => {
        seen.push(event.type);
        resolve();
      });
    });
    stop(watch!, controller);
    await expect(watch!.done).resolves.toBeUndefined();
    await closed;
    expect(seen).toEqual(['ADDED']);
  });

  it('an ERROR event with 410 Gone is delivered and ends the watch with a 410 the caller can re-list on', async () => {
    const gone = status(410, 'Expired', 'too old resource version: 5 (120)');
    const { gateway } = await gatewayFor(watchServer([[{ type: 'ERROR', object: gone }, 'hang']]));
    const types: string[] = [];
    const error = await rejection(
      gateway.watchPods('web', { resourceVersion: '5' }, (event) => types.push(event.type)).done,
    );
    expect(types).toEqual(['ERROR']);
    expect(isKubeApiError(error, 410)).toBe(true);
    expect(error.message).toBe('too old resource version: 5 (120)');
  });

  it('any other ERROR event ends the watch with the API message', async () => {
    const { gateway } = await gatewayFor(
      watchServer([[{ type: 'ERROR', object: status(500, 'InternalError', 'etcd is unhappy') }, 'hang']]),
    );
    const error = await rejection(gateway.watchPods('web', {}, () => undefined).done);
    expect(error.exitCode).toBe(ExitCode.SERVER);
    expect(error.message).toBe('the watch failed: etcd is unhappy');
  });

  it('a 410 answer to the watch request itself is surfaced the same way', async () => {
    const { gateway } = await gatewayFor((_request, response) =>
      sendJson(response, 410, status(410, 'Gone', 'too old resource version')),
    );
    const error = await rejection(gateway.watchPods('web', { resourceVersion: '1' }, () => undefined).done);
    expect(isKubeApiError(error, 410)).toBe(true);
  });

  it('re-establishes after a connection reset, from the last resourceVersion seen', async () => {
    const { gateway, server } = await gatewayFor(
      watchServer([
        [{ type: 'ADDED', object: pod('db-0', '21') }, { type: 'BOOKMARK', object: pod('', '25') }, 'reset'],
        [{ type: 'MODIFIED', object: pod('db-0', '26') }, 'end'],
      ]),
    );
    const events: string[] = [];
    await gateway.watchPods('web', { resourceVersion: '20' }, (event) =>
      events.push(`${event.type} ${event.object.metadata?.resourceVersion}`),
    ).done;
    expect(events).toEqual(['ADDED 21', 'BOOKMARK 25', 'MODIFIED 26']);
    expect(server.requests.map((request) => request.url.searchParams.get('resourceVersion'))).toEqual([
      '20',
      '25',
    ]);
  });

  it('opening a watch is retried on 503 like any read', async () => {
    let count = 0;
    const { gateway, sleeps } = await gatewayFor((request, response, raw) => {
      if (count++ === 0)
        return sendJson(response, 503, status(503, 'ServiceUnavailable', 'etcd leader changed'));
      watchServer([[{ type: 'ADDED', object: pod('db-0', '2') }]])(request, response, raw);
    });
    const events: string[] = [];
    await gateway.watchPersistentVolumeClaims('web', {}, (event) => events.push(event.type)).done;
    expect(events).toEqual(['ADDED']);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after repeated resets without progress, as UNREACHABLE', async () => {
    const { gateway, server } = await gatewayFor((_request, _response, raw: http.IncomingMessage) => {
      raw.socket.destroy();
    });
    const error = await rejection(gateway.watchPods('web', {}, () => undefined).done);
    expect(error.exitCode).toBe(ExitCode.UNREACHABLE);
    expect(server.requests.length).toBeGreaterThan(1);
  });
});
