// The todo-db example (kiamol ch. 8, reduced): a headless Service and an OrderedReady
// StatefulSet with one claim template, as YAML for the simulator or kubectl apply.
export function todoDbManifest(replicas: number): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: todo-db, namespace: default, labels: { app: todo-db } }
spec:
  clusterIP: None
  selector: { app: todo-db }
  ports: [{ port: 5432, name: postgres }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: todo-db, namespace: default }
spec:
  serviceName: todo-db
  replicas: ${replicas}
  selector: { matchLabels: { app: todo-db } }
  template:
    metadata: { labels: { app: todo-db } }
    spec:
      containers:
        - name: db
          image: postgres:11.6-alpine
          volumeMounts: [{ name: data, mountPath: /var/lib/postgresql/data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: 1Gi } }
`;
}
