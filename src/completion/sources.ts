// Where dynamic candidates come from: kubeconfig names straight from the files (no cluster
// needed); StatefulSet names, namespaces, a set's ordinals, pods and containers from the API
// through the normal connect() path, with every connection flag typed on the line. Modules are
// imported on demand so completing a subcommand or flag never loads the HTTP or auth code.
import type { ClusterGateway } from '../kube/gateway.ts';
import type { CompletionSource, DynamicKind, LineContext } from './complete.ts';

/** Completion runs on every Tab press: give up quickly rather than hang the shell. */
const LOOKUP_TIMEOUT_MS = 3000;

async function kubeconfigNames(
  kind: 'context' | 'cluster' | 'user',
  context: LineContext,
): Promise<string[]> {
  const { loadKubeconfig } = await import('../kube/kubeconfig.ts');
  const merged = loadKubeconfig(context.connection.kubeconfig);
  const map = kind === 'context' ? merged.contexts : kind === 'cluster' ? merged.clusters : merged.users;
  return [...map.keys()];
}

const names = (items: { metadata?: { name?: string } }[]) =>
  [...new Set(items.map((item) => item.metadata?.name ?? '').filter(Boolean))].sort();

async function clusterNames(
  kind: Exclude<DynamicKind, 'context' | 'cluster' | 'user'>,
  context: LineContext,
) {
  const { connect } = await import('../kube/connect.ts');
  const session = await connect(
    { ...context.connection, requestTimeoutMs: LOOKUP_TIMEOUT_MS, debug: false },
    { retry: { maxAttempts: 1 } },
  );
  const { gateway } = session;
  try {
    switch (kind) {
      case 'statefulset':
        return names(
          (await gateway.listStatefulSets(context.allNamespaces ? undefined : session.namespace)).items,
        );
      case 'namespace':
        return await namespaces(gateway, session.namespace);
      case 'pod': {
        // --from: the set's pods when NAME is given, else every pod of the namespace.
        if (context.statefulSet === undefined)
          return names((await gateway.listPods(session.namespace)).items);
        const { podSelectorFor } = await import('../collect/snapshot.ts');
        const set = await gateway.getStatefulSet(session.namespace, context.statefulSet);
        return names(
          (await gateway.listPods(session.namespace, { labelSelector: podSelectorFor(set) })).items,
        );
      }
      case 'ordinal': {
        if (context.statefulSet === undefined) return [];
        const { expectedOrdinals } = await import('../report/ordinals.ts');
        return expectedOrdinals(await gateway.getStatefulSet(session.namespace, context.statefulSet)).map(
          String,
        );
      }
      case 'container': {
        if (context.statefulSet === undefined) return [];
        const set = await gateway.getStatefulSet(session.namespace, context.statefulSet);
        return (set.spec?.template?.spec?.containers ?? []).map((container) => container.name);
      }
    }
  } finally {
    session.close();
  }
}

/**
 * Every namespace, as `kubectl get ns` lists them. Without the right to list namespaces, the
 * ones holding StatefulSets and the context's own are still worth offering.
 */
async function namespaces(gateway: ClusterGateway, own: string): Promise<string[]> {
  try {
    return names((await gateway.listNamespaces()).items);
  } catch {
    const sets = await gateway.listStatefulSets(undefined).catch(() => ({ items: [] }));
    return [
      ...new Set([own, ...names(sets.items.map((set) => ({ metadata: { name: set.metadata?.namespace } })))]),
    ].sort();
  }
}

export const clusterCompletionSource: CompletionSource = async (kind: DynamicKind, context: LineContext) => {
  if (kind === 'context' || kind === 'cluster' || kind === 'user') return kubeconfigNames(kind, context);
  return clusterNames(kind, context);
};
