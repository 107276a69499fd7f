// A TLS cluster with one empty StatefulSet `web`: the plugin computes credentials with
// client-node for https servers only, so calling it is what makes a build load the client
// library (a separate chunk, see scripts/lib/bundle.ts).
import { startSimCluster } from '../sim/index.ts';
import type { SimCluster } from '../sim/index.ts';

export function startTlsWebCluster(): Promise<SimCluster> {
  return startSimCluster({
    tls: true,
    controllers: false,
    manifests: `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web, namespace: default }
spec:
  serviceName: web
  replicas: 0
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: main, image: registry.k8s.io/pause:3.10 }] }
`,
  });
}
