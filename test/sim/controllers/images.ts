// Which images a registry would serve. A real registry answers "not found" for a tag that does
// not exist, "pull access denied" for a Docker Hub repository that does not exist, and a node
// cannot even resolve a registry host that does not exist; the simulated kubelet used to pull
// anything. This is a small catalogue of well-known repositories and their tags (everything the
// project's scenarios and fixtures use, and the common database and web images); anything else
// fails as it would on a real node. The pod annotation `sim.kubectl-sts.dev/image-pull: pass`
// declares an image outside the catalogue as existing; `fail` makes every pull fail.

/** Registries that exist (their repositories are checked); any other host cannot be resolved. */
const KNOWN_HOSTS = new Set(['docker.io', 'registry.k8s.io', 'k8s.gcr.io', 'gcr.io', 'quay.io', 'ghcr.io']);

const V = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

/** Repository (host/path) → the tags it has. */
const CATALOGUE: [repository: RegExp, tags: RegExp][] = [
  [
    /^docker\.io\/library\/nginx$/,
    V(
      'latest|stable|mainline|alpine|alpine-slim|perl|stable-alpine|mainline-alpine|1|1\\.(1[0-9]|2[0-8])(\\.\\d{1,2})?(-(alpine|alpine-slim|perl|bookworm|bullseye))?',
    ),
  ],
  [
    /^docker\.io\/library\/postgres$/,
    V('latest|alpine|(9\\.6|1[0-7])(\\.\\d{1,2})?(-(alpine|bookworm|bullseye))?'),
  ],
  [
    /^docker\.io\/library\/busybox$/,
    V('latest|stable|musl|glibc|uclibc|1\\.(2[89]|3[0-7])(\\.\\d)?(-(musl|glibc|uclibc))?'),
  ],
  [/^docker\.io\/library\/alpine$/, V('latest|edge|3(\\.(1[0-9]|2[0-2])(\\.\\d{1,2})?)?')],
  [
    /^docker\.io\/library\/debian$/,
    V(
      'latest|stable|(jessie|stretch|buster|bullseye|bookworm|trixie)(-slim)?|(8|9|10|11|12|13)(\\.\\d{1,2})?(-slim)?',
    ),
  ],
  [/^docker\.io\/library\/ubuntu$/, V('latest|(18|20|22|24)\\.04|jammy|noble|focal')],
  [/^docker\.io\/library\/redis$/, V('latest|alpine|(5|6|7|8)(\\.\\d)?(\\.\\d{1,2})?(-alpine)?')],
  [
    /^docker\.io\/library\/mysql$/,
    V('latest|lts|5\\.[67](\\.\\d{1,2})?|8\\.[0-4](\\.\\d{1,2})?|9(\\.\\d)?(\\.\\d)?'),
  ],
  [/^docker\.io\/library\/mariadb$/, V('latest|lts|1[01](\\.\\d{1,2})?(\\.\\d{1,2})?')],
  [/^docker\.io\/library\/mongo$/, V('latest|[4-8](\\.\\d)?(\\.\\d{1,2})?')],
  [
    /^docker\.io\/library\/rabbitmq$/,
    V('latest|management|3(\\.\\d{1,2})?(\\.\\d{1,2})?(-management)?(-alpine)?|4(\\.\\d)?(-management)?'),
  ],
  [/^docker\.io\/library\/(httpd|memcached|zookeeper|cassandra)$/, V('latest|\\d+(\\.\\d+){0,2}(-alpine)?')],
  [/^docker\.io\/library\/java$/, V('latest|openjdk-[678]-(jre|jdk)(-alpine)?|[678](-jre|-jdk)?')],
  [/^docker\.io\/kiamol\/[a-z0-9-]+$/, V('latest')],
  [/^docker\.io\/cockroachdb\/cockroach$/, V('latest|v\\d+\\.\\d+(\\.\\d+)?')],
  [/^docker\.io\/cockroachdb\/cockroach-k8s-init$/, V('0\\.[1-2]')],
  [
    /^docker\.io\/(hashicorp\/(vault|consul)|bitnami\/(postgresql|redis|kafka|zookeeper|mongodb))$/,
    V('latest|\\d+(\\.\\d+){0,2}(-debian-\\d+-r\\d+)?'),
  ],
  [/^(registry\.k8s\.io|k8s\.gcr\.io)\/pause$/, V('3\\.([0-9]|10)')],
  // etcd images since 3.5 are distroless: no shell (see the exec profiles).
  [/^(registry\.k8s\.io|k8s\.gcr\.io)\/etcd$/, V('3\\.[0-6]\\.\\d{1,2}(-\\d)?')],
  [/^(registry\.k8s\.io|k8s\.gcr\.io)\/nginx-slim$/, V('0\\.(\\d|1\\d|2[0-7])')],
  [/^(registry\.k8s\.io|k8s\.gcr\.io)\/kubernetes-zookeeper$/, V('1\\.0-3\\.4\\.10')],
  [/^(registry\.k8s\.io|k8s\.gcr\.io)\/(mysql|cassandra)-e2e-test$/, V('0\\.1')],
  [/^k8s\.gcr\.io\/(mysql-galera|galera-install|etcd-statefulset-e2e-test)$/, V('e2e|0\\.[01]')],
  [/^gcr\.io\/google_containers\/[a-z0-9.-]+$/, V('e2e')],
  [/^gcr\.io\/google-samples\/xtrabackup$/, V('1\\.0')],
  [/^gcr\.io\/google-samples\/cassandra$/, V('v1[1-4]')],
  [
    /^gcr\.io\/distroless\/(static|base|cc|java\d*|python3|nodejs\d*)(-debian1[12])?$/,
    V('latest|nonroot|debug|debug-nonroot'),
  ],
];

/** Docker's reference parts: host, repository path and tag (or digest). */
export interface ImageReference {
  /** As containerd normalises it: `docker.io/library/postgres:11`. */
  reference: string;
  host: string;
  /** host/path without tag or digest. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageReference {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const firstSlash = rest.indexOf('/');
  const first = firstSlash > 0 ? rest.slice(0, firstSlash) : '';
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const repository = hasHost ? rest : firstSlash > 0 ? `docker.io/${rest}` : `docker.io/library/${rest}`;
  if (!tag && !digest) tag = 'latest';
  const host = repository.slice(0, repository.indexOf('/'));
  const reference = `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { reference, host, repository, tag, digest };
}

export type PullResult =
  | { ok: true }
  | {
      ok: false;
      /** The gRPC code containerd returns to the kubelet. */
      code: 'NotFound' | 'Unknown';
      /** containerd's error, as the kubelet quotes it (`failed to pull and unpack image …`). */
      error: string;
    };

const VALID_REFERENCE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Whether the image reference is one the kubelet accepts at all (else InvalidImageName). */
export function isValidImageName(image: string): boolean {
  return VALID_REFERENCE.test(image.trim());
}

/** What a pull of `image` gives, as containerd words it. */
export function pullImage(image: string): PullResult {
  const ref = parseImage(image);
  const resolve = `failed to pull and unpack image "${ref.reference}": failed to resolve reference "${ref.reference}"`;
  if (!KNOWN_HOSTS.has(ref.host)) {
    const path = ref.repository.slice(ref.host.length + 1);
    const manifest = ref.digest ?? ref.tag ?? 'latest';
    return {
      ok: false,
      code: 'Unknown',
      error: `${resolve}: failed to do request: Head "https://${ref.host}/v2/${path}/manifests/${manifest}": dial tcp: lookup ${ref.host.replace(/:\d+$/, '')} on 127.0.0.53:53: no such host`,
    };
  }
  const entry = CATALOGUE.find(([repository]) => repository.test(ref.repository));
  if (!entry) {
    if (ref.host === 'docker.io') {
      return {
        ok: false,
        code: 'Unknown',
        error: `${resolve}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
      };
    }
    return { ok: false, code: 'NotFound', error: `${resolve}: ${ref.reference}: not found` };
  }
  // A digest of a known repository is taken to exist: digests are what CI pins, and the
  // catalogue cannot list them.
  if (ref.digest && /^sha256:[a-f0-9]{64}$/.test(ref.digest)) return { ok: true };
  if (ref.tag && entry[1].test(ref.tag)) return { ok: true };
  return { ok: false, code: 'NotFound', error: `${resolve}: ${ref.reference}: not found` };
}
