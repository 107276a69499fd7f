// A minimal in-memory Store and clock for driving the exec handler without the API server.
import type { KubeObject, Pod } from '../../src/kube/types.ts';
import type { ExecHandler, ExecRequest, ResourceName, SimClock, Store, StoreEvent } from '../sim/contract.ts';

export class MemoryStore implements Store {
  private readonly objects = new Map<string, KubeObject>();
  private readonly handlers = new Map<ResourceName, ((event: StoreEvent) => void)[]>();
  private version = 1;

  private key(resource: ResourceName, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  get<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.objects.get(this.key(resource, namespace, name)) as T | undefined;
  }

  list<T extends KubeObject>(resource: ResourceName, namespace?: string): T[] {
    const prefix = `${resource}/`;
    return [...this.objects.entries()]
      .filter(
        ([key, object]) =>
          key.startsWith(prefix) && (namespace === undefined || object.metadata?.namespace === namespace),
      )
      .map(([, object]) => object as T);
  }

  create<T extends KubeObject>(resource: ResourceName, object: T): T {
    const stored = structuredClone(object);
    stored.metadata = { uid: `uid-${this.version++}`, ...stored.metadata };
    this.objects.set(this.key(resource, stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    this.emit({ type: 'ADDED', resource, object: stored });
    return stored;
  }

  update<T extends KubeObject>(resource: ResourceName, object: T): T {
    const key = this.key(resource, object.metadata?.namespace, object.metadata?.name ?? '');
    const previous = this.objects.get(key);
    this.objects.set(key, object);
    this.emit({ type: 'MODIFIED', resource, object, previous });
    return object;
  }

  updateStatus<T extends KubeObject>(resource: ResourceName, object: T): T {
    return this.update(resource, object);
  }

  mutate<T extends KubeObject>(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    fn: (draft: T) => void,
  ): T | undefined {
    const current = this.get<T>(resource, namespace, name);
    if (!current) return undefined;
    const draft = structuredClone(current);
    fn(draft);
    return this.update(resource, draft);
  }

  delete<T extends KubeObject>(resource: ResourceName, namespace: string | undefined, name: string): T {
    const object = this.get<T>(resource, namespace, name);
    if (!object) throw new Error(`${resource} ${name} not found`);
    this.purge(resource, namespace, name);
    return object;
  }

  purge(resource: ResourceName, namespace: string | undefined, name: string): void {
    const key = this.key(resource, namespace, name);
    const object = this.objects.get(key);
    if (!object) return;
    this.objects.delete(key);
    this.emit({ type: 'DELETED', resource, object });
  }

  subscribe(resource: ResourceName, handler: (event: StoreEvent) => void): () => void {
    const list = this.handlers.get(resource) ?? [];
    list.push(handler);
    this.handlers.set(resource, list);
    return () => list.splice(list.indexOf(handler), 1);
  }

  resourceVersion(): string {
    return String(this.version);
  }

  private emit(event: StoreEvent): void {
    for (const handler of this.handlers.get(event.resource) ?? []) handler(event);
  }
}

/** A clock whose timers fire at once, so `sleep` costs no real time. */
export const instantClock: SimClock = {
  now: () => new Date('2026-01-01T00:00:00Z'),
  setTimeout(fn) {
    const timer = setTimeout(fn, 0);
    return { cancel: () => clearTimeout(timer) };
  },
  speed: 1000,
};

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function runExec(
  handler: ExecHandler,
  request: Partial<ExecRequest> & { pod: string; command: string[] },
  stdin?: string,
): Promise<ExecOutput> {
  const session = handler.start({
    namespace: 'default',
    container: undefined,
    stdin: stdin !== undefined,
    tty: false,
    ...request,
  });
  let stdout = '';
  let stderr = '';
  session.onStdout((data) => (stdout += data.toString('utf8')));
  session.onStderr((data) => (stderr += data.toString('utf8')));
  if (stdin !== undefined) {
    session.writeStdin(Buffer.from(stdin));
    session.endStdin();
  }
  const exitCode = await session.exit;
  return { stdout, stderr, exitCode };
}

/** A running pod as the kubelet leaves it, with the fields exec looks at. */
export function runningPod(
  name: string,
  options: {
    namespace?: string;
    image?: string;
    ip?: string;
    hostname?: string;
    subdomain?: string;
    annotations?: Record<string, string>;
    volumes?: Pod['spec'] extends infer S ? (S extends { volumes?: infer V } ? V : never) : never;
    mounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
    env?: { name: string; value: string }[];
    labels?: Record<string, string>;
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: options.labels,
      annotations: options.annotations,
    },
    spec: {
      nodeName: 'sim-worker',
      hostname: options.hostname,
      subdomain: options.subdomain,
      containers: [
        {
          name: 'main',
          image: options.image ?? 'busybox:1.36',
          volumeMounts: options.mounts,
          env: options.env,
        },
      ],
      volumes: options.volumes,
    },
    status: {
      phase: 'Running',
      podIP: options.ip ?? '10.244.1.10',
      podIPs: [{ ip: options.ip ?? '10.244.1.10' }],
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    },
  };
}
