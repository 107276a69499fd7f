// What a fresh kind cluster has before anyone applies anything: the system namespaces, Ready
// nodes with zone labels, the default StorageClass, CoreDNS's configuration and the
// `kubernetes` Service. kind's `standard` class uses rancher.io/local-path with
// WaitForFirstConsumer; the simulator keeps both.
import type { Store } from './contract.ts';
import type { Json } from './server/json.ts';

export interface BootstrapOptions {
  clusterDomain: string;
  /** Number of nodes, the first being the control plane (default 3). */
  nodes: number;
  /** Kubernetes version the nodes report (kubeletVersion). */
  kubeletVersion: string;
}

export const DEFAULT_STORAGE_CLASS = 'standard';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

export function nodeNames(count: number): string[] {
  const names = ['sim-control-plane'];
  for (let i = 1; i < count; i++) names.push(i === 1 ? 'sim-worker' : `sim-worker${i}`);
  return names;
}

/** Zones cycle a, b, c so that a 3-node cluster spreads over three zones. */
export function zoneFor(index: number): string {
  return `zone-${String.fromCharCode('a'.charCodeAt(0) + (index % 3))}`;
}

function corefile(clusterDomain: string): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;
}

function node(name: string, index: number, kubeletVersion: string, now: string): Json {
  const controlPlane = index === 0;
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'topology.kubernetes.io/zone': zoneFor(index),
    'topology.kubernetes.io/region': 'sim',
  };
  if (controlPlane) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const condition = (type: string, status: string, reason: string, message: string): Json => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      podCIDRs: [`10.244.${index}.0/24`],
      providerID: `kind://docker/sim/${name}`,
      ...(controlPlane
        ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }
        : {}),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: `172.18.0.${index + 2}` },
        { type: 'Hostname', address: name },
      ],
      allocatable: { cpu: '8', 'ephemeral-storage': '100Gi', memory: '16Gi', pods: '110' },
      capacity: { cpu: '8', 'ephemeral-storage': '100Gi', memory: '16Gi', pods: '110' },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: 'containerd://1.7.18',
        kernelVersion: '6.1.0-sim',
        kubeProxyVersion: kubeletVersion,
        kubeletVersion,
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        machineID: `sim${index}`,
        systemUUID: `sim${index}`,
        bootID: `sim${index}`,
      },
    },
  };
}

export function bootstrapCluster(store: Store, options: BootstrapOptions, now: string): void {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']) {
    store.create('namespaces', { metadata: { name } });
  }
  nodeNames(options.nodes).forEach((name, index) => {
    const created = store.create<Json>('nodes', node(name, index, options.kubeletVersion, now));
    // Status is written by the kubelet, not by whoever creates the Node.
    store.updateStatus<Json>('nodes', {
      ...created,
      status: node(name, index, options.kubeletVersion, now).status,
    });
    // The kubelet's heartbeat; `kubectl describe node` shows it.
    store.create('leases', {
      metadata: {
        name,
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: created.metadata.uid }],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now.replace('Z', '.000000Z') },
    } as Json);
  });
  store.create('storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  } as Json);
  store.create('configmaps', {
    metadata: { name: 'coredns', namespace: 'kube-system' },
    data: { Corefile: corefile(options.clusterDomain) },
  } as Json);
  store.create('services', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
  } as Json);
  store.create('services', {
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: {
        'k8s-app': 'kube-dns',
        'kubernetes.io/cluster-service': 'true',
        'kubernetes.io/name': 'CoreDNS',
      },
    },
    spec: {
      clusterIP: '10.96.0.10',
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  } as Json);
}
