// Where dynamic candidates come from: kubeconfig names straight from the files (no cluster
// needed), StatefulSet names and namespaces from the API through the normal connect() path,
// honouring --kubeconfig/--context/--namespace typed on the line. Modules are imported on
// demand so completing a subcommand or flag never loads the HTTP or auth code.
import type { CompletionSource, DynamicKind, LineConnection } from './complete.ts';

/** Completion runs on every Tab press: give up quickly rather than hang the shell. */
const LOOKUP_TIMEOUT_MS = 3000;

async function kubeconfigNames(
  kind: 'context' | 'cluster' | 'user',
  connection: LineConnection,
): Promise<string[]> {
  const { loadKubeconfig } = await import('../kube/kubeconfig.ts');
  const merged = loadKubeconfig(connection.kubeconfig);
  const map = kind === 'context' ? merged.contexts : kind === 'cluster' ? merged.clusters : merged.users;
  return [...map.keys()];
}

async function clusterNames(
  kind: 'statefulset' | 'namespace',
  connection: LineConnection,
): Promise<string[]> {
  const { connect } = await import('../kube/connect.ts');
  const session = await connect(
    {
      kubeconfig: connection.kubeconfig,
      context: connection.context,
      cluster: connection.cluster,
      user: connection.user,
      namespace: connection.namespace,
      requestTimeoutMs: LOOKUP_TIMEOUT_MS,
      debug: false,
    },
    { retry: { maxAttempts: 1 } },
  );
  try {
    if (kind === 'statefulset') {
      const scope = connection.allNamespaces ? undefined : session.namespace;
      const listed = await session.gateway.listStatefulSets(scope);
      return [...new Set(listed.items.map((set) => set.metadata?.name ?? '').filter(Boolean))].sort();
    }
    // The gateway has no namespace list; the namespaces worth offering to a StatefulSet tool
    // are those holding StatefulSets, plus the one the context points at.
    const listed = await session.gateway.listStatefulSets(undefined);
    const namespaces = new Set(listed.items.map((set) => set.metadata?.namespace ?? '').filter(Boolean));
    namespaces.add(session.namespace);
    return [...namespaces].sort();
  } finally {
    session.close();
  }
}

export const clusterCompletionSource: CompletionSource = async (
  kind: DynamicKind,
  connection: LineConnection,
) => {
  if (kind === 'statefulset' || kind === 'namespace') return clusterNames(kind, connection);
  return kubeconfigNames(kind, connection);
};
