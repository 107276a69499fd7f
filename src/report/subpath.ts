// `subPathExpr` as the kubelet expands it, so that verify-pvc names the directory a marker
// really lands in (`/data/web-1`, not `/data/$(POD_NAME)`). The kubelet builds the container's
// environment in order — plain values (which may refer to earlier variables) and downward-API
// fields — and replaces `$(NAME)` with it; `$$` stands for `$`; a reference it cannot resolve
// stays as written. Values from ConfigMaps, Secrets and resource fields are not read here: they
// stay unresolved and are reported as such.
import type { Container, EnvVar, Pod } from '../kube/types.ts';

export interface ExpandedSubPath {
  path: string;
  /** Variables the expression refers to that could not be resolved here. */
  unresolved: string[];
}

/** The value of a downward-API field, as the kubelet would hand it to the container. */
function fieldValue(pod: Pod, fieldPath: string): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return pod.metadata?.[keyed[1] as 'labels' | 'annotations']?.[keyed[2]!];
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name;
    case 'metadata.namespace':
      return pod.metadata?.namespace;
    case 'metadata.uid':
      return pod.metadata?.uid;
    case 'spec.nodeName':
      return pod.spec?.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName;
    case 'status.podIP':
      return pod.status?.podIP;
    case 'status.hostIP':
      return pod.status?.hostIP;
    default:
      return undefined;
  }
}

/** Replaces `$(NAME)` with `lookup(NAME)` where it answers; `$$` is a literal `$`. */
export function expandReferences(input: string, lookup: (name: string) => string | undefined): string {
  return input.replace(/\$\$|\$\(([^)]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return lookup(name!) ?? whole;
  });
}

/** The container's environment as far as it can be known from the pod object alone. */
export function containerEnvironment(pod: Pod, container: Container): Map<string, string> {
  const environment = new Map<string, string>();
  for (const variable of container.env ?? ([] as EnvVar[])) {
    if (variable.value !== undefined)
      environment.set(
        variable.name,
        expandReferences(variable.value, (name) => environment.get(name)),
      );
    else if (variable.valueFrom?.fieldRef) {
      const value = fieldValue(pod, variable.valueFrom.fieldRef.fieldPath);
      if (value !== undefined) environment.set(variable.name, value);
    } else if (variable.valueFrom === undefined) environment.set(variable.name, '');
  }
  return environment;
}

export function expandSubPathExpr(expression: string, pod: Pod, container: Container): ExpandedSubPath {
  const environment = containerEnvironment(pod, container);
  const unresolved: string[] = [];
  const path = expandReferences(expression, (name) => {
    const value = environment.get(name);
    if (value === undefined && !unresolved.includes(name)) unresolved.push(name);
    return value;
  });
  return { path, unresolved };
}
