// startSimCluster: a simulated Kubernetes cluster on localhost for tests, the demo and `npm run sim`.
// It serves the API over HTTP(S), runs the controllers in-process, and writes a kubeconfig that
// both kubectl and the plugin can use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { bootstrapCluster } from './bootstrap.ts';
import { SimulatedClock } from './clock.ts';
import type { ExecHandler, ResourceName } from './contract.ts';
import { installControllers } from './controllers/index.ts';
import { createExecHandler } from './exec/index.ts';
import { Auth, Faults, Rbac, RequestLog } from './server/control.ts';
import type { ServerVersion } from './server/discovery.ts';
import { ApiError, badRequest } from './server/errors.ts';
import { installDisruptionController } from './server/eviction.ts';
import { installNamespacePublishers } from './server/namespace-publishers.ts';
import { ExecServer, execParams, rejectUpgrade } from './server/exec.ts';
import { ApiServer, parseResourcePath } from './server/http.ts';
import type { Json } from './server/json.ts';
import { formatTimestamp } from './server/json.ts';
import { RESOURCES, apiVersionOf } from './server/resources.ts';
import { generateServingCertificates } from './server/tls.ts';
import { MemoryStore } from './store.ts';

export { SimulatedClock } from './clock.ts';
export { MemoryStore } from './store.ts';
export type { FaultRule, RbacRule, RequestLogEntry } from './server/control.ts';
export { Auth, Faults, Rbac, RequestLog } from './server/control.ts';

export interface SimClusterOptions {
  /** Serve HTTPS with a generated CA (the kubeconfig carries certificate-authority-data). */
  tls?: boolean;
  /** Require this bearer token (user `kubernetes-admin`); unset means no authentication. */
  token?: string;
  clusterDomain?: string;
  /** Simulated milliseconds per real millisecond (default 1). */
  speed?: number;
  /**
   * At speed > 1: `wall` (default) serves timestamps at the real moment each instant happened,
   * never ahead of the clients' clocks; `simulated` serves the controllers' simulated time (for
   * tests that read the cluster with `sim.clock.now()` as their clock).
   */
  timestamps?: 'wall' | 'simulated';
  /** Number of Ready nodes (default 3: sim-control-plane, sim-worker, sim-worker2). */
  nodes?: number;
  /** Multi-document YAML applied at start, validated as over HTTP. */
  manifests?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Kubernetes version reported by /version and the nodes (default 1.32.2). */
  kubernetesVersion?: string;
  /** Skip installControllers (API-only tests). */
  controllers?: boolean;
  /** Namespace written into the kubeconfig context (default "default"). */
  namespace?: string;
  /** How many past changes watches can resume from (default 50,000); small values test 410 Expired. */
  historySize?: number;
  /** Real milliseconds between watch BOOKMARK events (default 5,000). */
  bookmarkIntervalMs?: number;
  /** Replaces createExecHandler (tests of the exec transport). */
  execHandler?: ExecHandler;
}

export interface SimCluster {
  url: string;
  kubeconfigPath: string;
  /** PEM of the CA that signed the serving certificate (TLS only). */
  caPem?: string;
  store: MemoryStore;
  clock: SimulatedClock;
  requestLog: RequestLog;
  faults: Faults;
  rbac: Rbac;
  auth: Auth;
  /** Writes a kubeconfig for another bearer token (e.g. a user RBAC denies things to). Returns its path. */
  kubeconfigFor(token: string): string;
  /** Creates (or replaces) every object of a multi-document YAML. Returns the stored objects. */
  applyManifests(yaml: string): Json[];
  stop(): Promise<void>;
}

function parseVersion(text: string): ServerVersion {
  const [major = '1', minor = '32'] = text.replace(/^v/, '').split('.');
  return { major, minor, gitVersion: `v${text.replace(/^v/, '')}` };
}

function kubeconfigYaml(
  url: string,
  caPem: string | undefined,
  token: string | undefined,
  namespace: string,
): string {
  const cluster = caPem
    ? `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n    server: ${url}`
    : `    server: ${url}`;
  const user = token ? `    token: ${token}` : '    {}';
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
${cluster}
  name: sim
contexts:
- context:
    cluster: sim
    namespace: ${namespace}
    user: sim-user
  name: sim
current-context: sim
preferences: {}
users:
- name: sim-user
  user:
${user}
`;
}

/** Applies manifests straight to a store, with the apiserver's validation. */
export function applyManifestsToStore(
  store: MemoryStore,
  yaml: string,
  defaultNamespace = 'default',
): Json[] {
  const applied: Json[] = [];
  const objects: Json[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw badRequest(`error parsing manifests: ${doc.errors[0]!.message}`);
    const value = doc.toJSON() as Json | null;
    if (!value) continue;
    if (value.kind === 'List' && Array.isArray(value.items)) objects.push(...(value.items as Json[]));
    else objects.push(value);
  }
  for (const object of objects) {
    const info = RESOURCES.find((r) => apiVersionOf(r) === object.apiVersion && r.kind === object.kind);
    if (!info || info.resource === 'selfsubjectaccessreviews') {
      throw new ApiError(
        404,
        'NotFound',
        `resource mapping not found for name: "${object.metadata?.name ?? ''}" namespace: "${object.metadata?.namespace ?? ''}" from "manifests": no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
      );
    }
    const resource = info.resource as ResourceName;
    if (info.namespaced) {
      object.metadata ??= {};
      object.metadata.namespace ??= defaultNamespace;
    }
    const existing = store.peek<Json>(resource, object.metadata?.namespace, object.metadata?.name);
    if (existing) {
      const replacement = structuredClone(object);
      delete replacement.metadata.resourceVersion;
      applied.push(store.update<Json>(resource, replacement));
    } else {
      applied.push(store.create<Json>(resource, object));
    }
  }
  return applied;
}

export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  const version = parseVersion(options.kubernetesVersion ?? '1.32.2');
  const clock = new SimulatedClock({ speed: options.speed ?? 1, timestamps: options.timestamps ?? 'wall' });
  const store = new MemoryStore(clock, options.historySize ? { historySize: options.historySize } : {});
  bootstrapCluster(
    store,
    { clusterDomain, nodes: options.nodes ?? 3, kubeletVersion: version.gitVersion },
    formatTimestamp(clock.now()),
  );
  const requestLog = new RequestLog();
  const faults = new Faults();
  const rbac = new Rbac();
  const auth = new Auth();
  if (options.token) auth.addToken(options.token, auth.adminUser);

  const disruption = installDisruptionController(store, clock);
  const controllers =
    options.controllers === false
      ? { stop() {} }
      : installControllers(store, clock, {
          clusterDomain,
          kubernetesMinor: Number.parseInt(version.minor, 10),
        });
  let execHandler: ExecHandler | undefined = options.execHandler;
  const exec = (): ExecHandler => (execHandler ??= createExecHandler(store, clock, { clusterDomain }));
  const api = new ApiServer({
    store,
    clock,
    auth,
    rbac,
    faults,
    requestLog,
    version,
    exec,
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
  });
  const execServer = new ExecServer();

  const certificates = options.tls ? await generateServingCertificates() : undefined;
  const publishers = installNamespacePublishers(store, certificates?.caPem);
  const server: Server = certificates
    ? createHttpsServer({ key: certificates.keyPem, cert: certificates.certPem }, api.handle)
    : createHttpServer(api.handle);
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket | Duplex>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void handleUpgrade(req, socket, head);
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sim');
    const user = auth.authenticate(req.headers.authorization);
    const route = parseResourcePath(url.pathname);
    const attrs = {
      user: user ?? '',
      verb: 'create',
      group: '',
      resource: 'pods',
      subresource: 'exec',
      namespace: typeof route === 'object' ? route.namespace : undefined,
      name: typeof route === 'object' ? route.name : undefined,
    };
    let status = 101;
    try {
      if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      if (
        typeof route !== 'object' ||
        route.info.resource !== 'pods' ||
        route.subresource !== 'exec' ||
        !route.name
      ) {
        throw badRequest('only pods/exec can be upgraded');
      }
      const fault = faults.decide(attrs);
      if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault.error) throw fault.error;
      if (!rbac.allowed(attrs)) throw rbac.forbidden(attrs);
      const params = execParams(store, url, route.namespace ?? 'default', route.name);
      execServer.upgrade(req, socket, head, params, exec());
    } catch (error) {
      status = (error as ApiError).code ?? 500;
      rejectUpgrade(socket, error);
    } finally {
      const query: Record<string, string> = {};
      for (const [key, value] of url.searchParams)
        query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
      requestLog.record({
        ...attrs,
        namespace: attrs.namespace,
        name: attrs.name,
        time: clock.now(),
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        status,
        durationMs: performance.now() - started,
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      } as never);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${certificates ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-sts-sim-'));
  const namespace = options.namespace ?? 'default';
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(url, certificates?.caPem, options.token, namespace), {
    mode: 0o600,
  });
  let extraConfigs = 0;

  const cluster: SimCluster = {
    url,
    kubeconfigPath,
    store,
    clock,
    requestLog,
    faults,
    rbac,
    auth,
    kubeconfigFor(token: string): string {
      const path = join(dir, `kubeconfig-${++extraConfigs}`);
      writeFileSync(path, kubeconfigYaml(url, certificates?.caPem, token, namespace), { mode: 0o600 });
      return path;
    },
    applyManifests: (yaml: string) => applyManifestsToStore(store, yaml),
    async stop(): Promise<void> {
      controllers.stop();
      disruption.stop();
      publishers.stop();
      clock.stop();
      api.closeStreams();
      execServer.close();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (certificates) cluster.caPem = certificates.caPem;
  if (options.manifests) {
    try {
      cluster.applyManifests(options.manifests);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }
  return cluster;
}
