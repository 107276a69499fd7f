// A store, a manual clock and the controllers, without HTTP: tests step simulated time exactly.
import type { KubeEvent, KubeObject, Pod } from '../../src/kube/types.ts';
import { bootstrapCluster } from '../sim/bootstrap.ts';
import { SimulatedClock } from '../sim/clock.ts';
import type { ResourceName } from '../sim/contract.ts';
import { installControllers } from '../sim/controllers/index.ts';
import type { RunningControllers, SimTiming } from '../sim/controllers/index.ts';
import { applyManifestsToStore } from '../sim/index.ts';
import { MemoryStore } from '../sim/store.ts';

export interface Harness {
  store: MemoryStore;
  clock: SimulatedClock;
  controllers: RunningControllers;
  apply(yaml: string): void;
  /** Moves simulated time forward in steps, letting controllers settle after each. */
  advance(ms: number, step?: number): Promise<void>;
  /** Advances until `predicate` holds (or fails after `limitMs` of simulated time). */
  until(predicate: () => boolean, limitMs?: number, what?: string): Promise<void>;
  pod(name: string, namespace?: string): Pod | undefined;
  get<T extends KubeObject>(resource: ResourceName, name: string, namespace?: string): T | undefined;
  events(involvedName?: string): KubeEvent[];
  stop(): void;
}

export async function startHarness(
  options: { nodes?: number; timing?: Partial<SimTiming>; manifests?: string; kubernetesMinor?: number } = {},
): Promise<Harness> {
  const clock = new SimulatedClock({ manual: true, start: new Date('2026-01-01T00:00:00Z') });
  const store = new MemoryStore(clock);
  bootstrapCluster(
    store,
    { clusterDomain: 'cluster.local', nodes: options.nodes ?? 3, kubeletVersion: 'v1.32.2' },
    '2026-01-01T00:00:00Z',
  );
  const controllers = installControllers(store, clock, {
    clusterDomain: 'cluster.local',
    timing: options.timing ?? {},
    ...(options.kubernetesMinor !== undefined ? { kubernetesMinor: options.kubernetesMinor } : {}),
    onError: (error) => {
      throw error;
    },
  });
  const settle = async (): Promise<void> => {
    // Handlers enqueue follow-up work while draining; wait until a drain leaves nothing behind.
    for (let i = 0; i < 5; i++) {
      await controllers.settle();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const harness: Harness = {
    store,
    clock,
    controllers,
    apply(yaml) {
      applyManifestsToStore(store, yaml);
    },
    async advance(ms, step = 100) {
      await settle();
      for (let elapsed = 0; elapsed < ms; elapsed += step) {
        clock.advance(Math.min(step, ms - elapsed));
        await settle();
      }
    },
    async until(predicate, limitMs = 120_000, what = 'condition') {
      await settle();
      for (let elapsed = 0; elapsed <= limitMs; elapsed += 100) {
        if (predicate()) return;
        clock.advance(100);
        await settle();
      }
      throw new Error(`timed out after ${limitMs}ms of simulated time waiting for ${what}`);
    },
    pod: (name, namespace = 'default') => store.get<Pod>('pods', namespace, name),
    get: (resource, name, namespace = 'default') => store.get(resource, namespace, name),
    events: (involvedName) =>
      store
        .list<KubeEvent>('events')
        .filter((e) => involvedName === undefined || e.involvedObject?.name === involvedName)
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')),
    stop() {
      controllers.stop();
      clock.stop();
    },
  };
  if (options.manifests) harness.apply(options.manifests);
  await settle();
  return harness;
}

export function isReady(pod: Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export const webManifest = (replicas = 3, extra = ''): string => `
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels: { app: nginx }
spec:
  clusterIP: None
  selector: { app: nginx }
  ports: [{ name: web, port: 80 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: ${replicas}
  selector: { matchLabels: { app: nginx } }
${extra}
  template:
    metadata:
      labels: { app: nginx }
    spec:
      containers:
        - name: nginx
          image: registry.k8s.io/nginx-slim:0.8
          ports: [{ name: web, containerPort: 80 }]
          volumeMounts: [{ name: www, mountPath: /usr/share/nginx/html }]
  volumeClaimTemplates:
    - metadata: { name: www }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 1Gi } }
`;
