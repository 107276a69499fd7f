// The simulated apiserver over HTTP: discovery, Status errors, verbs, lists, tables, watches,
// authentication, RBAC, faults, eviction and scale — checked against what a real apiserver sends.
import { request as httpsRequest } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';
import type { Json } from '../sim/server/json.ts';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({ controllers: false, historySize: 200, bookmarkIntervalMs: 100 });
});
afterAll(async () => {
  await sim.stop();
});

interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

async function api(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

const STS = '/apis/apps/v1/namespaces/default/statefulsets';

function statefulSet(name: string, labels: Record<string, string> = { app: name }): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, labels },
    spec: {
      serviceName: name,
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
      },
    },
  };
}

describe('discovery', () => {
  it('lists core resources with scope, verbs, short names and subresources', async () => {
    const { body } = await api('GET', '/api/v1');
    const pods = body.resources.find((r: Json) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect(body.resources.find((r: Json) => r.name === 'nodes').namespaced).toBe(false);
    expect(body.resources.map((r: Json) => r.name)).toEqual(
      expect.arrayContaining(['pods/exec', 'pods/eviction', 'pods/status']),
    );
  });

  it.each(['v2', 'v2beta1'])('serves aggregated discovery %s when asked for it', async (version) => {
    const accept = `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList,application/json`;
    const { body, headers } = await api('GET', '/apis', { headers: { Accept: accept } });
    expect(headers.get('content-type')).toBe(
      `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    );
    expect(body.apiVersion).toBe(`apidiscovery.k8s.io/${version}`);
    const apps = body.items.find((g: Json) => g.metadata.name === 'apps');
    const sts = apps.versions[0].resources.find((r: Json) => r.resource === 'statefulsets');
    expect(sts).toMatchObject({ scope: 'Namespaced', shortNames: ['sts'], categories: ['all'] });
    expect(sts.subresources).toContainEqual({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  });

  it('does not serve retired versions', async () => {
    const groups = (await api('GET', '/apis')).body.groups.flatMap((g: Json) =>
      g.versions.map((v: Json) => v.groupVersion),
    );
    expect(groups).toContain('apps/v1');
    expect(groups).not.toEqual(expect.arrayContaining(['apps/v1beta1']));
    const reply = await api('GET', '/apis/apps/v1beta1/namespaces/default/statefulsets');
    expect(reply.status).toBe(404);
    expect(reply.body.message).toBe('the server could not find the requested resource');
  });

  it('reports a version', async () => {
    expect((await api('GET', '/version')).body).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.2',
    });
  });
});

describe('verbs', () => {
  it('answers a missing object with the apiserver Status', async () => {
    const reply = await api('GET', `${STS}/nope`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'statefulsets.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'statefulsets' },
      code: 404,
    });
  });

  it('creates, reads, patches and deletes', async () => {
    const created = await api('POST', STS, { body: statefulSet('crud') });
    expect(created.status).toBe(201);
    expect(created.body.spec.podManagementPolicy).toBe('OrderedReady');
    const patched = await api('PATCH', `${STS}/crud`, {
      body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } },
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    });
    expect(patched.body.spec.template.spec.containers[0]).toMatchObject({
      name: 'app',
      image: 'nginx:1.26',
      imagePullPolicy: 'IfNotPresent',
    });
    expect(patched.body.metadata.generation).toBe(2);
    const merged = await api('PATCH', `${STS}/crud`, {
      body: { metadata: { labels: { tier: 'db' } } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(merged.body.metadata.labels).toEqual({ app: 'crud', tier: 'db' });
    expect(merged.body.metadata.generation).toBe(2);
    const deleted = await api('DELETE', `${STS}/crud`);
    expect(deleted.status).toBe(200);
    expect((await api('GET', `${STS}/crud`)).status).toBe(404);
  });

  it('answers an invalid object with 422 and its causes', async () => {
    const bad = statefulSet('bad');
    bad.spec.selector = { matchLabels: { app: 'other' } };
    const reply = await api('POST', STS, { body: bad });
    expect(reply.status).toBe(422);
    expect(reply.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`',
        field: 'spec.template.metadata.labels',
      },
    ]);
  });

  it('rejects a stale resourceVersion on PUT with 409', async () => {
    const created = (await api('POST', STS, { body: statefulSet('stale') })).body;
    await api('PATCH', `${STS}/stale`, {
      body: { metadata: { labels: { x: 'y' } } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    const reply = await api('PUT', `${STS}/stale`, { body: created });
    expect(reply.status).toBe(409);
    expect(reply.body.reason).toBe('Conflict');
  });

  it('creates on a server-side apply of a missing object, then merges', async () => {
    const yaml = (image: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  image: ${image}\n`;
    const send = async (image: string): Promise<Reply> => {
      const response = await fetch(
        `${sim.url}/api/v1/namespaces/kube-public/configmaps/ssa?fieldManager=kubectl`,
        {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/apply-patch+yaml' },
          body: yaml(image),
        },
      );
      return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
    };
    expect((await send('a')).status).toBe(201);
    const second = await send('b');
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual({ image: 'b' });
  });

  it('does not persist a dry run', async () => {
    const reply = await api('POST', `${STS}?dryRun=All`, { body: statefulSet('dry') });
    expect(reply.status).toBe(201);
    expect((await api('GET', `${STS}/dry`)).status).toBe(404);
  });

  it('deletes a scheduled pod gracefully', async () => {
    sim.store.create('pods', {
      metadata: { name: 'graceful', namespace: 'default' },
      spec: { nodeName: 'sim-worker', containers: [{ name: 'a', image: 'a' }] },
    });
    const reply = await api('DELETE', '/api/v1/namespaces/default/pods/graceful', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 5 },
    });
    expect(reply.body.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(sim.store.get('pods', 'default', 'graceful')).toBeDefined();
    await api('DELETE', '/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=0');
    expect(sim.store.get('pods', 'default', 'graceful')).toBeUndefined();
  });
});

describe('lists', () => {
  beforeAll(() => {
    for (let i = 0; i < 5; i++) {
      sim.store.create('configmaps', {
        metadata: {
          name: `cm-${i}`,
          namespace: 'default',
          labels: { group: i < 3 ? 'low' : 'high', index: String(i) },
        },
      });
    }
  });

  it.each([
    ['group=low', ['cm-0', 'cm-1', 'cm-2']],
    ['group in (high)', ['cm-3', 'cm-4']],
    ['group notin (low),index!=4', ['cm-3', 'kube-root-ca.crt']],
    ['!group', ['kube-root-ca.crt']],
  ])('filters by labelSelector %s', async (selector, names) => {
    const { body } = await api(
      'GET',
      `/api/v1/namespaces/default/configmaps?labelSelector=${encodeURIComponent(selector)}`,
    );
    expect(body.items.map((i: Json) => i.metadata.name)).toEqual(names);
    expect(body.kind).toBe('ConfigMapList');
    expect(body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('filters by fieldSelector', async () => {
    const { body } = await api(
      'GET',
      '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcm-2',
    );
    expect(body.items.map((i: Json) => i.metadata.name)).toEqual(['cm-2']);
  });

  it('pages with limit and continue', async () => {
    const first = (await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=group&limit=2'))
      .body;
    expect(first.items.map((i: Json) => i.metadata.name)).toEqual(['cm-0', 'cm-1']);
    expect(first.metadata.remainingItemCount).toBe(3);
    const second = (
      await api(
        'GET',
        `/api/v1/namespaces/default/configmaps?labelSelector=group&limit=2&continue=${encodeURIComponent(first.metadata.continue)}`,
      )
    ).body;
    expect(second.items.map((i: Json) => i.metadata.name)).toEqual(['cm-2', 'cm-3']);
  });

  it('expires a continue token older than the watch history with 410', async () => {
    const first = (await api('GET', '/api/v1/namespaces/default/configmaps?labelSelector=group&limit=2'))
      .body;
    for (let i = 0; i < 250; i++) {
      sim.store.mutate('configmaps', 'default', 'cm-4', (draft: Json) => {
        draft.data = { i: String(i) };
      });
    }
    const reply = await api(
      'GET',
      `/api/v1/namespaces/default/configmaps?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`,
    );
    expect(reply.status).toBe(410);
    expect(reply.body.reason).toBe('Expired');
  });

  it('answers as a Table for kubectl get', async () => {
    const { body } = await api('GET', '/api/v1/nodes', {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    expect(body.kind).toBe('Table');
    expect(body.columnDefinitions.filter((c: Json) => c.priority === 0).map((c: Json) => c.name)).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
    ]);
    expect(body.rows.map((r: Json) => r.cells.slice(0, 3))).toEqual([
      ['sim-control-plane', 'Ready', 'control-plane'],
      ['sim-worker', 'Ready', '<none>'],
      ['sim-worker2', 'Ready', '<none>'],
    ]);
  });
});

async function* watchLines(path: string, signal: AbortSignal): AsyncGenerator<Json> {
  const response = await fetch(`${sim.url}${path}`, { signal });
  const reader = response.body!.getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += Buffer.from(value).toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      yield JSON.parse(buffer.slice(0, newline)) as Json;
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
}

async function take(stream: AsyncGenerator<Json>, count: number): Promise<Json[]> {
  const events: Json[] = [];
  while (events.length < count) {
    const next = await stream.next();
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

describe('watch', () => {
  it('starts with synthetic ADDED events, then follows changes, and a label change out of the selector is DELETED', async () => {
    sim.store.create('secrets', { metadata: { name: 'w-1', namespace: 'default', labels: { watch: 'me' } } });
    const abort = new AbortController();
    const stream = watchLines(
      '/api/v1/namespaces/default/secrets?watch=1&labelSelector=watch%3Dme',
      abort.signal,
    );
    const initial = await take(stream, 1);
    expect(initial.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-1']);
    sim.store.create('secrets', { metadata: { name: 'w-2', namespace: 'default', labels: { watch: 'me' } } });
    sim.store.mutate('secrets', 'default', 'w-1', (draft: Json) => {
      draft.metadata.labels = { watch: 'not-any-more' };
    });
    const later = await take(stream, 2);
    expect(later.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w-2', 'DELETED w-1']);
    abort.abort();
  });

  it('resumes after a resourceVersion without replaying older changes', async () => {
    sim.store.create('secrets', { metadata: { name: 'r-1', namespace: 'default' } });
    const from = sim.store.resourceVersion();
    sim.store.create('secrets', { metadata: { name: 'r-2', namespace: 'default' } });
    const abort = new AbortController();
    const events = await take(
      watchLines(`/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${from}`, abort.signal),
      1,
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED r-2']);
    abort.abort();
  });

  it('sends an ERROR event with 410 Expired for a resourceVersion older than its history', async () => {
    const abort = new AbortController();
    const events = await take(
      watchLines('/api/v1/namespaces/default/secrets?watch=true&resourceVersion=1', abort.signal),
      1,
    );
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    expect(events[0]!.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
    abort.abort();
  });

  it('marks the end of initial events with a bookmark when asked', async () => {
    const abort = new AbortController();
    const events = await take(
      watchLines(
        '/api/v1/nodes?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
        abort.signal,
      ),
      4,
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    expect(events[3]!.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    abort.abort();
  });

  it('sends periodic bookmarks carrying the current resourceVersion', async () => {
    const abort = new AbortController();
    const events = await take(
      watchLines('/api/v1/namespaces/kube-public/secrets?watch=1&allowWatchBookmarks=true', abort.signal),
      1,
    );
    expect(events[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Secret', apiVersion: 'v1' } });
    expect(Number(events[0]!.object.metadata.resourceVersion)).toBeGreaterThan(0);
    abort.abort();
  });

  it('watches in Table form for kubectl get -w, with the columns only in the first event', async () => {
    const abort = new AbortController();
    const response = fetch(`${sim.url}/api/v1/nodes?watch=1`, {
      signal: abort.signal,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    const reader = (await response).body!.getReader();
    let text = '';
    while (text.split('\n').length < 3) text += Buffer.from((await reader.read()).value!).toString();
    const [first, second] = text.split('\n').map((line) => (line ? (JSON.parse(line) as Json) : undefined));
    expect(first!.object.kind).toBe('Table');
    expect(first!.object.columnDefinitions[0].name).toBe('Name');
    expect(first!.object.rows[0].cells[0]).toBe('sim-control-plane');
    expect(second!.object.columnDefinitions).toBeNull();
    abort.abort();
  });

  it('ends the stream after timeoutSeconds', async () => {
    const abort = new AbortController();
    const events: Json[] = [];
    for await (const event of watchLines(
      '/api/v1/namespaces/kube-public/secrets?watch=1&timeoutSeconds=1',
      abort.signal,
    ))
      events.push(event);
    expect(events).toEqual([]);
  });

  it('streams are dropped on demand', async () => {
    const abort = new AbortController();
    const stream = watchLines('/api/v1/namespaces/kube-node-lease/endpoints?watch=1', abort.signal);
    const drained = (async () => {
      const events: Json[] = [];
      for await (const event of stream) events.push(event);
      return events;
    })();
    // The watch is in the request log once its stream is open.
    const opened = (): number =>
      sim.requestLog.count({ verb: 'watch', resource: 'endpoints', namespace: 'kube-node-lease' });
    const before = opened();
    while (opened() === before) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sim.faults.dropWatches()).toBeGreaterThanOrEqual(1);
    expect(await drained).toEqual([]);
  });
});

describe('authorisation, faults and the request log', () => {
  it('denies per verb and resource with the apiserver message, and SelfSubjectAccessReview agrees', async () => {
    const undo = sim.rbac.deny({ verb: 'create', resource: 'pods', subresource: 'eviction' });
    const reply = await api('POST', '/api/v1/namespaces/default/pods/x/eviction', {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'x' } },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.message).toBe(
      'pods "x" is forbidden: User "kubernetes-admin" cannot create resource "pods/eviction" in API group "" in the namespace "default"',
    );
    const review = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: {
        spec: {
          resourceAttributes: {
            verb: 'create',
            resource: 'pods',
            subresource: 'eviction',
            namespace: 'default',
          },
        },
      },
    });
    expect(review.body.status.allowed).toBe(false);
    undo();
    const allowed = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: {
        spec: {
          resourceAttributes: {
            verb: 'create',
            resource: 'pods',
            subresource: 'eviction',
            namespace: 'default',
          },
        },
      },
    });
    expect(allowed.body.status.allowed).toBe(true);
  });

  it('words a cluster-scoped denial at the cluster scope', async () => {
    const undo = sim.rbac.deny({ verb: 'list', resource: 'persistentvolumes' });
    const reply = await api('GET', '/api/v1/persistentvolumes');
    undo();
    expect(reply.body.message).toBe(
      'persistentvolumes is forbidden: User "kubernetes-admin" cannot list resource "persistentvolumes" in API group "" at the cluster scope',
    );
  });

  it('injects 5xx and 429 with Retry-After, then recovers', async () => {
    sim.faults.add({ match: { verb: 'list', resource: 'services' }, status: 500, times: 1 });
    sim.faults.add({
      match: { verb: 'list', resource: 'services' },
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
    });
    const failed = await api('GET', '/api/v1/namespaces/default/services');
    expect(failed.status).toBe(500);
    expect(failed.body.reason).toBe('InternalError');
    const throttled = await api('GET', '/api/v1/namespaces/default/services');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(throttled.body.details).toEqual({ retryAfterSeconds: 2 });
    expect((await api('GET', '/api/v1/namespaces/default/services')).status).toBe(200);
  });

  it('logs a watch as soon as its stream opens', async () => {
    sim.requestLog.clear();
    const abort = new AbortController();
    const response = await fetch(`${sim.url}/api/v1/namespaces/default/endpoints?watch=1`, {
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(sim.requestLog.filter({ verb: 'watch', resource: 'endpoints' })).toEqual([
      expect.objectContaining({ namespace: 'default', status: 200, query: { watch: '1' } }),
    ]);
    abort.abort();
  });

  it('records each request with verb, resource and status', async () => {
    sim.requestLog.clear();
    await api('GET', '/api/v1/namespaces/default/endpoints');
    await api('GET', '/api/v1/namespaces/default/endpoints/missing');
    expect(sim.requestLog.count({ verb: 'list', resource: 'endpoints' })).toBe(1);
    expect(sim.requestLog.filter({ verb: 'get', resource: 'endpoints' })).toEqual([
      expect.objectContaining({ namespace: 'default', name: 'missing', status: 404, userAgent: 'node' }),
    ]);
  });
});

function readyPod(name: string, labels: Record<string, string>): void {
  const created = sim.store.create<Json>('pods', {
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: 'sim-worker', containers: [{ name: 'a', image: 'a' }] },
  });
  sim.store.updateStatus<Json>('pods', {
    ...created,
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

describe('eviction and scale', () => {
  it('refuses an eviction a PodDisruptionBudget forbids, with the real message', async () => {
    readyPod('guarded-0', { app: 'guarded' });
    sim.store.create('poddisruptionbudgets', {
      metadata: { name: 'guard', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
    } as Json);
    const reply = await api('POST', '/api/v1/namespaces/default/pods/guarded-0/eviction', {
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'guarded-0', namespace: 'default' },
      },
    });
    expect(reply.status).toBe(429);
    expect(reply.body.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(reply.body.details.causes).toEqual([
      {
        reason: 'DisruptionBudget',
        message: 'The disruption budget guard needs 1 healthy pods and has 1 currently',
      },
    ]);
  });

  it('evicts when the budget allows it', async () => {
    readyPod('spare-0', { app: 'spare' });
    readyPod('spare-1', { app: 'spare' });
    // Bare pods: only an integer minAvailable counts them (maxUnavailable and percentages count
    // the replicas of the pods' controllers, none here; see eviction.test.ts).
    sim.store.create('poddisruptionbudgets', {
      metadata: { name: 'spare', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'spare' } } },
    } as Json);
    const reply = await api('POST', '/api/v1/namespaces/default/pods/spare-0/eviction', {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'spare-0' } },
    });
    expect(reply.status).toBe(201);
    expect(sim.store.get<Json>('pods', 'default', 'spare-0')!.metadata.deletionTimestamp).toBeDefined();
  });

  it('keeps PodDisruptionBudget status current from the pods Ready condition', async () => {
    readyPod('kept-0', { app: 'kept' });
    readyPod('kept-1', { app: 'kept' });
    readyPod('kept-2', { app: 'kept' });
    sim.store.create('poddisruptionbudgets', {
      metadata: { name: 'kept', namespace: 'default' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'kept' } } },
    } as Json);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sim.store.get<Json>('poddisruptionbudgets', 'default', 'kept')!.status).toMatchObject({
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      conditions: [
        expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' }),
      ],
    });
    sim.store.mutate<Json>('pods', 'default', 'kept-0', (draft) => {
      draft.status.conditions = [{ type: 'Ready', status: 'False' }];
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sim.store.get<Json>('poddisruptionbudgets', 'default', 'kept')!.status).toMatchObject({
      currentHealthy: 2,
      disruptionsAllowed: 0,
    });
  });

  it('reads and patches the scale subresource', async () => {
    await api('POST', STS, { body: statefulSet('scaled') });
    const scale = (await api('GET', `${STS}/scaled/scale`)).body;
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { selector: 'app=scaled' },
    });
    const patched = await api('PATCH', `${STS}/scaled/scale`, {
      body: { spec: { replicas: 5 } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(patched.body.spec.replicas).toBe(5);
    expect(sim.store.get<Json>('statefulsets', 'default', 'scaled')!.spec.replicas).toBe(5);
  });
});

describe('TLS and tokens', () => {
  it('serves HTTPS with its own CA and requires the bearer token', async () => {
    const secure = await startSimCluster({ controllers: false, tls: true, token: 's3cret' });
    try {
      const get = (token?: string): Promise<{ status: number; body: Json }> =>
        new Promise((resolve, reject) => {
          const req = httpsRequest(
            `${secure.url}/api/v1/namespaces`,
            { ca: secure.caPem, headers: token ? { Authorization: `Bearer ${token}` } : {} },
            (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk.toString()));
              res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Json }));
            },
          );
          req.on('error', reject);
          req.end();
        });
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const denied = await get();
      expect(denied).toEqual({
        status: 401,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        },
      });
      expect((await get('wrong')).status).toBe(401);
      const version = await new Promise<number>((resolve, reject) => {
        httpsRequest(`${secure.url}/version`, { ca: secure.caPem }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
          .on('error', reject)
          .end();
      });
      expect(version).toBe(200);
      const ok = await get('s3cret');
      expect(ok.body.items.map((n: Json) => n.metadata.name)).toContain('kube-system');
      const kubeconfig = readFileSync(secure.kubeconfigPath, 'utf8');
      expect(kubeconfig).toContain('certificate-authority-data: ');
      expect(kubeconfig).toContain('token: s3cret');
    } finally {
      await secure.stop();
    }
  });
});

describe('stop()', () => {
  it('ends open watches, closes the port and removes the kubeconfig', async () => {
    const short = await startSimCluster({ controllers: false });
    const response = await fetch(`${short.url}/api/v1/pods?watch=1`);
    const reader = response.body!.getReader();
    const ended = (async () => {
      for (;;) {
        try {
          if ((await reader.read()).done) return 'ended';
        } catch {
          return 'cut';
        }
      }
    })();
    await short.stop();
    expect(await ended).toMatch(/^(ended|cut)$/);
    expect(existsSync(short.kubeconfigPath)).toBe(false);
    await expect(fetch(`${short.url}/version`)).rejects.toThrow();
  });
});
