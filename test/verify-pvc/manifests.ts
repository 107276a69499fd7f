// The StatefulSet the verify-pvc tests run against on the simulator: busybox (it has a shell)
// with one `data` claim mounted at /data, in as many variants as the tests need.
export interface ClaimSetOptions {
  replicas?: number;
  /** Pod labels besides `app: <name>` (a budget over several sets). */
  labels?: Record<string, string>;
  /** Pod template annotations (the simulator's steering annotations). */
  annotations?: Record<string, string>;
  storageClass?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
}

export function claimSet(name: string, options: ClaimSetOptions = {}): string {
  const labels = { app: name, ...(options.labels ?? {}) };
  return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${name}
  replicas: ${options.replicas ?? 2}
  podManagementPolicy: ${options.podManagementPolicy ?? 'OrderedReady'}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: ${JSON.stringify(labels)}
      annotations: ${JSON.stringify(options.annotations ?? {})}
    spec:
      containers:
      - name: main
        image: busybox:1.36
        volumeMounts:
        - {name: data, mountPath: /data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]${options.storageClass ? `\n      storageClassName: ${options.storageClass}` : ''}
      resources: {requests: {storage: 1Gi}}
`;
}
