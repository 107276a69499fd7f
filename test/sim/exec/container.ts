// What a running container looks like from inside: which programs its image carries, its
// environment, and its mount table resolved to file trees that outlive it exactly as the
// real storage does (PV trees follow the bound volume, emptyDir dies with the pod UID).
import type {
  ConfigMap,
  Container,
  KubeObject,
  Pod,
  PersistentVolumeClaim,
  Volume,
} from '../../../src/kube/types.ts';
import type { Store } from '../contract.ts';
import { FileTree, Vfs, normalizePath } from './fs.ts';
import type { Mount } from './fs.ts';
import { hostsFileFor, resolvConfFor } from './dns.ts';
import type { Flavor } from './shell.ts';

/**
 * Pod annotation that overrides what the image carries, for every container
 * (`sim.kubectl-sts.dev/tools`) or one container (`sim.kubectl-sts.dev/tools.<container>`):
 * `none` (no shell, nothing to exec), or a comma list from `shell`, `nslookup`, `getent`
 * (a shell and coreutils are implied by any list other than `none`).
 */
export const TOOLS_ANNOTATION = 'sim.kubectl-sts.dev/tools';

export interface ImageProfile {
  /** false: the image has no shell and no utilities at all (distroless, scratch). */
  shell: boolean;
  flavor: Flavor;
  nslookup: 'busybox' | 'bind' | undefined;
  getent: boolean;
}

/** Defaults by image name: busybox has nslookup only; alpine adds musl getent; glibc images have getent only. */
export function profileFor(pod: Pod, container: Container): ImageProfile {
  const image = (container.image ?? '').toLowerCase();
  const flavor: Flavor = /busybox|alpine|kiamol\//.test(image) ? 'busybox' : 'gnu';
  const annotations = pod.metadata?.annotations ?? {};
  const override = annotations[`${TOOLS_ANNOTATION}.${container.name}`] ?? annotations[TOOLS_ANNOTATION];
  if (override !== undefined) {
    const tools = new Set(
      override
        .split(',')
        .map((tool) => tool.trim())
        .filter(Boolean),
    );
    if (tools.has('none')) return { shell: false, flavor, nslookup: undefined, getent: false };
    return {
      shell: true,
      flavor,
      nslookup: tools.has('nslookup') ? (flavor === 'busybox' ? 'busybox' : 'bind') : undefined,
      getent: tools.has('getent'),
    };
  }
  // Distroless images have no shell: gcr.io/distroless/*, the pause image, and etcd from 3.5 on
  // (registry.k8s.io/etcd:3.5.x-0 is built FROM distroless).
  if (/distroless|(^|\/)scratch(:|$)|(^|\/)pause(:|$)|(^|\/)etcd:3\.([5-9]|\d{2,})/.test(image)) {
    return { shell: false, flavor, nslookup: undefined, getent: false };
  }
  if (/busybox/.test(image)) return { shell: true, flavor, nslookup: 'busybox', getent: false };
  if (flavor === 'busybox') return { shell: true, flavor, nslookup: 'busybox', getent: true };
  return { shell: true, flavor, nslookup: undefined, getent: true };
}

/** The container's environment: spec env (with the common valueFrom sources) plus what the runtime adds. */
export function environmentFor(store: Store, pod: Pod, container: Container): Record<string, string> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    HOME: '/root',
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
  };
  type EnvVar = {
    name: string;
    value?: string;
    valueFrom?: {
      fieldRef?: { fieldPath?: string };
      configMapKeyRef?: { name?: string; key?: string };
      secretKeyRef?: { name?: string; key?: string };
    };
  };
  for (const variable of (container.env ?? []) as EnvVar[]) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (m, name: string) => env[name] ?? m,
      );
      continue;
    }
    const from = variable.valueFrom;
    let value: string | undefined;
    if (from?.fieldRef?.fieldPath) value = fieldValue(pod, from.fieldRef.fieldPath);
    else if (from?.configMapKeyRef?.name && from.configMapKeyRef.key) {
      value = store.get<ConfigMap>('configmaps', namespace, from.configMapKeyRef.name)?.data?.[
        from.configMapKeyRef.key
      ];
    } else if (from?.secretKeyRef?.name && from.secretKeyRef.key) {
      const data = store.get<KubeObject & { data?: Record<string, string> }>(
        'secrets',
        namespace,
        from.secretKeyRef.name,
      )?.data;
      const encoded = data?.[from.secretKeyRef.key];
      if (encoded !== undefined) value = Buffer.from(encoded, 'base64').toString('utf8');
    }
    env[variable.name] = value ?? '';
  }
  return env;
}

function fieldValue(pod: Pod, path: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
      if (label) return pod.metadata?.labels?.[label[1]!] ?? '';
      const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
      if (annotation) return pod.metadata?.annotations?.[annotation[1]!] ?? '';
      return '';
    }
  }
}

/** Every file tree the simulator holds, keyed by what owns its lifetime. */
export class TreeRegistry {
  private readonly trees = new Map<string, FileTree>();

  obtain(key: string, create: (tree: FileTree) => void = () => {}): FileTree {
    let tree = this.trees.get(key);
    if (!tree) {
      tree = new FileTree();
      create(tree);
      this.trees.set(key, tree);
    }
    return tree;
  }

  /** Drops every tree whose key starts with `prefix` (a deleted pod's emptyDirs and roots). */
  drop(prefix: string): void {
    for (const key of [...this.trees.keys()]) if (key.startsWith(prefix)) this.trees.delete(key);
  }

  has(key: string): boolean {
    return this.trees.has(key);
  }
}

const ROOT_DIRS = ['/bin', '/dev', '/etc', '/home', '/proc', '/root', '/sys', '/tmp', '/usr', '/var'];

/** The mounts a container sees, with `/` its own ephemeral root. */
export function mountsFor(
  store: Store,
  registry: TreeRegistry,
  pod: Pod,
  container: Container,
  clusterDomain: string,
  env: Record<string, string>,
): Mount[] {
  const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
  const root = registry.obtain(`pod:${uid}/root:${container.name}`, (tree) => {
    for (const dir of ROOT_DIRS) tree.mkdir(dir);
    tree.write('/etc/hostname', Buffer.from(`${pod.spec?.hostname ?? pod.metadata?.name ?? ''}\n`));
    tree.write('/etc/hosts', Buffer.from(hostsFileFor(pod, clusterDomain)));
    tree.write('/etc/resolv.conf', Buffer.from(resolvConfFor(pod, clusterDomain)));
  });
  const mounts: Mount[] = [{ path: '/', tree: root, root: '/', readOnly: false }];
  const volumeMounts = [...(container.volumeMounts ?? [])].sort(
    (a, b) => normalizePath(a.mountPath).split('/').length - normalizePath(b.mountPath).split('/').length,
  );
  for (const volumeMount of volumeMounts) {
    const volume = pod.spec?.volumes?.find((candidate) => candidate.name === volumeMount.name);
    if (!volume) continue;
    const { tree, readOnly } = treeForVolume(store, registry, pod, volume);
    const subPath =
      volumeMount.subPath ??
      volumeMount.subPathExpr?.replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (_m, name: string) => env[name] ?? '',
      );
    const inner = normalizePath(subPath ?? '/');
    // The kubelet creates a missing subPath directory, and the runtime the mount point.
    if (inner !== '/' && !tree.kind(inner)) tree.mkdir(inner, true);
    const path = normalizePath(volumeMount.mountPath);
    try {
      new Vfs(mounts.map((mount) => ({ ...mount, readOnly: false }))).mkdir(path, true);
    } catch {
      // A file sits where the mount point should be; the mount still shadows it.
    }
    mounts.push({ path, tree, root: inner, readOnly: readOnly || volumeMount.readOnly === true });
  }
  return mounts;
}

function treeForVolume(
  store: Store,
  registry: TreeRegistry,
  pod: Pod,
  volume: Volume,
): { tree: FileTree; readOnly: boolean } {
  const namespace = pod.metadata?.namespace ?? 'default';
  const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
  if (volume.persistentVolumeClaim) {
    const claim = store.get<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      namespace,
      volume.persistentVolumeClaim.claimName,
    );
    const key = claim?.spec?.volumeName
      ? `pv:${claim.spec.volumeName}`
      : `pvc:${claim?.metadata?.uid ?? `${namespace}/${volume.persistentVolumeClaim.claimName}`}`;
    return { tree: registry.obtain(key), readOnly: volume.persistentVolumeClaim.readOnly === true };
  }
  if (volume.hostPath) {
    return {
      tree: registry.obtain(`host:${pod.spec?.nodeName ?? ''}:${normalizePath(volume.hostPath.path)}`),
      readOnly: false,
    };
  }
  if (volume.configMap || volume.secret) {
    const tree = new FileTree();
    const items = ((volume.configMap ?? volume.secret) as { items?: { key: string; path: string }[] }).items;
    let data: Record<string, Buffer> = {};
    if (volume.configMap?.name) {
      const configMap = store.get<ConfigMap & { binaryData?: Record<string, string> }>(
        'configmaps',
        namespace,
        volume.configMap.name,
      );
      for (const [key, value] of Object.entries(configMap?.data ?? {})) data[key] = Buffer.from(value);
      for (const [key, value] of Object.entries(configMap?.binaryData ?? {}))
        data[key] = Buffer.from(value, 'base64');
    } else if (volume.secret?.secretName) {
      const secret = store.get<
        KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }
      >('secrets', namespace, volume.secret.secretName);
      for (const [key, value] of Object.entries(secret?.data ?? {})) data[key] = Buffer.from(value, 'base64');
      for (const [key, value] of Object.entries(secret?.stringData ?? {})) data[key] = Buffer.from(value);
    }
    if (items) {
      const picked: Record<string, Buffer> = {};
      for (const item of items) if (data[item.key]) picked[item.path] = data[item.key]!;
      data = picked;
    }
    for (const [path, content] of Object.entries(data)) {
      const target = normalizePath(path);
      tree.mkdir(normalizePath(`${target}/..`), true);
      tree.write(target, content);
    }
    return { tree, readOnly: true };
  }
  if (volume.projected) {
    const tree = new FileTree();
    tree.write('/namespace', Buffer.from(namespace));
    tree.write('/ca.crt', Buffer.alloc(0));
    tree.write('/token', Buffer.alloc(0));
    return { tree, readOnly: true };
  }
  // emptyDir, and any volume type the simulator does not model, lives and dies with the pod.
  return { tree: registry.obtain(`pod:${uid}/volume:${volume.name}`), readOnly: false };
}
