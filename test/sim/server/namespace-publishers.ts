// What kube-controller-manager puts in every namespace: the root-ca-cert-publisher's ConfigMap
// `kube-root-ca.crt` (the cluster CA, mounted by the projected service-account volume) and the
// serviceaccount controller's `default` ServiceAccount.
import type { Store } from '../contract.ts';
import { isApiError } from './errors.ts';
import type { Json } from './json.ts';

const NAME = 'kube-root-ca.crt';

/** Without TLS there is no CA; pods still see a certificate-shaped file, as the volume needs one. */
const PLACEHOLDER_CA =
  '-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVkIGNsdXN0ZXIgQ0E=\n-----END CERTIFICATE-----\n';

export function installNamespacePublishers(store: Store, caPem: string | undefined): { stop(): void } {
  const publish = (namespace: Json): void => {
    const name: string = namespace.metadata?.name;
    if (!name || namespace.metadata?.deletionTimestamp) return;
    const ensure = (resource: 'configmaps' | 'serviceaccounts', object: Json): void => {
      if (store.get(resource, name, object.metadata.name)) return;
      try {
        store.create(resource, object);
      } catch (error) {
        // The namespace went away (or is terminating) between the event and the write.
        if (!isApiError(error)) throw error;
      }
    };
    ensure('configmaps', {
      metadata: {
        name: NAME,
        namespace: name,
        annotations: { 'kubernetes.io/description': descriptionText },
      },
      data: { 'ca.crt': caPem ?? PLACEHOLDER_CA },
    });
    ensure('serviceaccounts', { metadata: { name: 'default', namespace: name } });
  };
  for (const namespace of store.list<Json>('namespaces')) publish(namespace);
  const offNamespaces = store.subscribe('namespaces', (event) => {
    if (event.type !== 'DELETED') publish(event.object as Json);
  });
  const offConfigMaps = store.subscribe('configmaps', (event) => {
    // Deleted by hand: the publisher puts it back, as the real one does.
    if (event.type === 'DELETED' && event.object.metadata?.name === NAME) {
      const namespace = store.get<Json>('namespaces', undefined, event.object.metadata?.namespace ?? '');
      if (namespace) publish(namespace);
    }
  });
  return {
    stop() {
      offNamespaces();
      offConfigMaps();
    },
  };
}

const descriptionText =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
