// Kubeconfig resolution with kubectl's rules (client-go's clientcmd loading rules), not
// client-node's: with several KUBECONFIG files the FIRST file wins for current-context and for
// every duplicate cluster/user/context name, missing files are skipped, and relative paths are
// resolved against the file that wrote them. client-node only receives the one resolved
// context afterwards, to produce authentication material.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CORE_SCHEMA, loadAll as loadYamlDocuments } from 'js-yaml';
import { ExitCode, StsError } from '../cli/errors.ts';
import type { KubeconfigOverrideOptions } from '../cli/flags.ts';
import { MAX_FLOW_DEPTH, exceedsFlowDepth, yamlFailureReason } from '../cli/input-limits.ts';
import { checkNamespaceFlag, checkPathSegment } from './names.ts';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  [other: string]: unknown;
}

export interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
  [other: string]: unknown;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  as?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string; config?: Record<string, unknown> };
  [other: string]: unknown;
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** Where the kubeconfig comes from, after applying kubectl's precedence. */
export type KubeconfigSource =
  { kind: 'flag'; path: string } | { kind: 'env'; paths: string[] } | { kind: 'home'; path: string };

/** The merged view of every loaded file: name → entry, first definition wins. */
export interface MergedKubeconfig {
  source: KubeconfigSource;
  /** Files actually read (missing KUBECONFIG entries are not listed). */
  files: string[];
  currentContext: string | undefined;
  clusters: Map<string, KubeconfigCluster>;
  users: Map<string, KubeconfigUser>;
  contexts: Map<string, KubeconfigContext>;
}

/** The connection flags that override the kubeconfig: declared in CONNECTION_OPTIONS (src/cli/flags.ts). */
export type KubeconfigOverrides = KubeconfigOverrideOptions;

/** The single context everything else works with (kubectl's `config view --minify`). */
export interface ResolvedKubeconfig {
  contextName: string | undefined;
  clusterName: string;
  userName: string | undefined;
  cluster: KubeconfigCluster & { server: string };
  user: KubeconfigUser;
  /** -n, else the context's namespace, else `default`. */
  namespace: string;
  /** The files the configuration was read from, for messages. */
  files: string[];
}

export interface ResolveEnvironment {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  /** Where a pod's service account is mounted (tests point it elsewhere). */
  serviceAccountDir?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const GET_CONTEXTS_HINT = 'list the contexts with `kubectl config get-contexts`';

function configError(message: string, hint: string, cause?: unknown): StsError {
  return new StsError(message, { exitCode: ExitCode.CONFIG, hint, cause });
}

/** kubectl's precedence: --kubeconfig, else KUBECONFIG (a path list), else ~/.kube/config. */
export function kubeconfigSource(
  flag: string | undefined,
  environment: ResolveEnvironment = {},
): KubeconfigSource {
  const env = environment.env ?? process.env;
  const platform = environment.platform ?? process.platform;
  if (flag) return { kind: 'flag', path: path.resolve(flag) };
  const list = env.KUBECONFIG;
  if (list) {
    const separator = platform === 'win32' ? ';' : ':';
    const seen = new Set<string>();
    for (const entry of list.split(separator)) {
      if (entry === '') continue;
      // client-go de-duplicates the list, keeping the first occurrence.
      seen.add(path.resolve(entry));
    }
    return { kind: 'env', paths: [...seen] };
  }
  const home = environment.home ?? env.HOME ?? env.USERPROFILE ?? homedir();
  return { kind: 'home', path: path.join(home, '.kube', 'config') };
}

interface ParsedFile {
  path: string;
  currentContext: string | undefined;
  clusters: [string, KubeconfigCluster][];
  users: [string, KubeconfigUser][];
  contexts: [string, KubeconfigContext][];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field's type as kubectl's decoder (clientcmd/api/v1) requires it. */
type FieldType = 'string' | 'boolean' | 'strings' | 'list' | 'mapping';

/**
 * The fields of each entry kind whose type kubectl checks when it loads a file: a value of another
 * type makes kubectl refuse the whole file ("json: cannot unmarshal number into Go struct field
 * AuthInfo.users.user.token of type string"), and so do we, instead of failing later on it.
 */
const FIELD_TYPES: Record<'cluster' | 'user' | 'context', Record<string, FieldType>> = {
  cluster: {
    server: 'string',
    'certificate-authority': 'string',
    'certificate-authority-data': 'string',
    'insecure-skip-tls-verify': 'boolean',
    'tls-server-name': 'string',
    'proxy-url': 'string',
    'disable-compression': 'boolean',
    extensions: 'list',
  },
  user: {
    token: 'string',
    tokenFile: 'string',
    'client-certificate': 'string',
    'client-certificate-data': 'string',
    'client-key': 'string',
    'client-key-data': 'string',
    username: 'string',
    password: 'string',
    as: 'string',
    'as-uid': 'string',
    'as-groups': 'strings',
    'as-user-extra': 'mapping',
    exec: 'mapping',
    'auth-provider': 'mapping',
    extensions: 'list',
  },
  context: { cluster: 'string', user: 'string', namespace: 'string', extensions: 'list' },
};

const EXEC_FIELD_TYPES: Record<string, FieldType> = {
  apiVersion: 'string',
  command: 'string',
  args: 'strings',
  env: 'list',
  installHint: 'string',
  provideClusterInfo: 'boolean',
  interactiveMode: 'string',
};

/** YAML 1.1 booleans, which kubectl's YAML reader (go-yaml v2) takes for true and false. */
const YAML11_BOOLEANS: Record<string, boolean> = Object.fromEntries([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, true]),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((word) => [
    word,
    false,
  ]),
]);

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function fits(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'list':
      return Array.isArray(value);
    case 'mapping':
      return isRecord(value);
  }
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  boolean: 'true or false',
  strings: 'a list of strings',
  list: 'a list',
  mapping: 'a mapping',
};

/**
 * Checks (and normalises) the typed fields of one entry body in place: null means unset, as in
 * client-go; a YAML 1.1 boolean word is a boolean. Throws a CONFIG error naming the field.
 */
function checkFieldTypes(
  body: Record<string, unknown>,
  types: Record<string, FieldType>,
  where: () => string,
): void {
  for (const key of Object.keys(body)) {
    const type = types[key];
    if (!type) continue;
    const value = body[key];
    if (value === null) {
      delete body[key];
      continue;
    }
    if (type === 'boolean' && typeof value === 'string' && value in YAML11_BOOLEANS) {
      body[key] = YAML11_BOOLEANS[value];
      continue;
    }
    if (!fits(value, type)) {
      throw configError(
        `${where()}.${key} must be ${EXPECTED[type]}, not ${typeName(value)}`,
        'fix the file, or point --kubeconfig / KUBECONFIG at another one',
      );
    }
  }
}

function checkUserBody(user: Record<string, unknown>, where: () => string): void {
  const exec = user.exec;
  if (isRecord(exec)) {
    checkFieldTypes(exec, EXEC_FIELD_TYPES, () => `${where()}.exec`);
    for (const variable of (exec.env as unknown[] | undefined) ?? []) {
      if (!isRecord(variable) || typeof variable.name !== 'string' || typeof variable.value !== 'string') {
        throw configError(
          `${where()}.exec.env must be a list of {name, value} string pairs`,
          'fix the file, or point --kubeconfig / KUBECONFIG at another one',
        );
      }
    }
  }
  const provider = user['auth-provider'];
  if (isRecord(provider)) {
    if (provider.name != null && typeof provider.name !== 'string') {
      throw configError(
        `${where()}.auth-provider.name must be a string, not ${typeName(provider.name)}`,
        'fix the file, or point --kubeconfig / KUBECONFIG at another one',
      );
    }
    const config = provider.config;
    if (config != null) {
      // client-go's AuthProviderConfig.Config is map[string]string: an object here (such as a
      // nested `exec:`) is refused when the file is loaded, so it never reaches any provider.
      const bad = isRecord(config)
        ? Object.entries(config).find(([, value]) => typeof value !== 'string')
        : ['', config];
      if (bad) {
        throw configError(
          `${where()}.auth-provider.config${bad[0] ? `.${bad[0]}` : ''} must be ${bad[0] ? 'a string' : 'a mapping of strings'}, not ${typeName(bad[1])}`,
          'fix the file, or point --kubeconfig / KUBECONFIG at another one',
        );
      }
    }
  }
}

function namedEntries<T>(
  file: string,
  list: unknown,
  field: 'clusters' | 'users' | 'contexts',
  key: 'cluster' | 'user' | 'context',
): [string, T][] {
  if (list == null) return [];
  if (!Array.isArray(list)) {
    throw configError(`kubeconfig "${file}" is invalid: ${field} must be a list`, 'fix the file');
  }
  const out: [string, T][] = [];
  // A set, not a scan of `out`: a file with tens of thousands of entries must load in linear time.
  const names = new Set<string>();
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.name !== 'string') {
      throw configError(`kubeconfig "${file}" is invalid: an entry of ${field} has no name`, 'fix the file');
    }
    if (names.has(entry.name)) {
      // client-go rejects the file too ("duplicate name in list"); across files, the first wins.
      throw configError(
        `kubeconfig "${file}" is invalid: ${field} has two entries named "${entry.name}"`,
        'remove one of them from the file',
      );
    }
    names.add(entry.name);
    const body = entry[key];
    if (body != null && !isRecord(body)) {
      throw configError(
        `kubeconfig "${file}" is invalid: ${field}[${JSON.stringify(entry.name)}].${key} must be a mapping, not ${typeName(body)}`,
        'fix the file, or point --kubeconfig / KUBECONFIG at another one',
      );
    }
    const record = body ?? {};
    const where = () => `kubeconfig "${file}" is invalid: ${field}[${JSON.stringify(entry.name)}].${key}`;
    checkFieldTypes(record, FIELD_TYPES[key], where);
    if (key === 'user') checkUserBody(record, where);
    out.push([entry.name, record as T]);
  }
  return out;
}

function resolveAgainst(dir: string, file: string | undefined): string | undefined {
  if (!file) return file;
  return path.isAbsolute(file) ? file : path.join(dir, file);
}

/** Relative paths in a file mean "relative to this file", as client-go's ResolveLocalPaths does. */
function resolveLocalPaths(parsed: ParsedFile): void {
  const dir = path.dirname(parsed.path);
  for (const [, cluster] of parsed.clusters) {
    cluster['certificate-authority'] = resolveAgainst(dir, cluster['certificate-authority']);
  }
  for (const [, user] of parsed.users) {
    user['client-certificate'] = resolveAgainst(dir, user['client-certificate']);
    user['client-key'] = resolveAgainst(dir, user['client-key']);
    user.tokenFile = resolveAgainst(dir, user.tokenFile);
    // A bare command name is looked up on PATH; only a path with a separator is file-relative.
    const command = user.exec?.command;
    if (user.exec && command && command.includes('/') && !path.isAbsolute(command)) {
      user.exec = { ...user.exec, command: path.join(dir, command) };
    }
  }
}

/** Reads and parses one kubeconfig file; an empty file is an empty configuration, as in client-go. */
export function parseKubeconfigFile(file: string, text: string): ParsedFile {
  let document: unknown;
  try {
    if (exceedsFlowDepth(text)) throw new Error(`values nested more than ${MAX_FLOW_DEPTH} levels deep`);
    // js-yaml with the YAML 1.2 core schema (no timestamps, no merge keys, no custom tags):
    // ~8x faster than the yaml package on a 3 MB kubeconfig (50,000 entries: 0.5 s against 4 s),
    // which kubectl parses in ~4 s. Aliases are shared, never expanded, so an alias bomb costs
    // nothing; duplicate keys are refused, as by kubectl. Like kubectl, only the first document
    // of the file counts, and one with only comments is empty.
    document = text.trim() === '' ? {} : loadYamlDocuments(text, { schema: CORE_SCHEMA })[0];
  } catch (error) {
    // The YAML library's first line ends with ':' before an excerpt of the file on the next lines.
    const reason = yamlFailureReason(error);
    throw configError(
      `error loading kubeconfig "${file}": invalid YAML (${reason})`,
      'fix the file, or point --kubeconfig / KUBECONFIG at another one',
      error,
    );
  }
  return kubeconfigFromDocument(file, document);
}

/** The entries of one parsed kubeconfig document, checked as kubectl checks them when it loads a file. */
export function kubeconfigFromDocument(file: string, document: unknown): ParsedFile {
  if (document == null) document = {};
  if (!isRecord(document)) {
    throw configError(
      `error loading kubeconfig "${file}": the file is not a kubeconfig (expected a mapping with clusters, users and contexts)`,
      'fix the file, or point --kubeconfig / KUBECONFIG at another one',
    );
  }
  const currentContext = document['current-context'];
  const parsed: ParsedFile = {
    path: file,
    currentContext: typeof currentContext === 'string' && currentContext !== '' ? currentContext : undefined,
    clusters: namedEntries<KubeconfigCluster>(file, document.clusters, 'clusters', 'cluster'),
    users: namedEntries<KubeconfigUser>(file, document.users, 'users', 'user'),
    contexts: namedEntries<KubeconfigContext>(file, document.contexts, 'contexts', 'context'),
  };
  resolveLocalPaths(parsed);
  return parsed;
}

function readKubeconfigFile(file: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw configError(
      `cannot read kubeconfig "${file}" (${code ?? 'read error'})`,
      code === 'EACCES' ? 'check the file permissions' : 'check the path given by --kubeconfig or KUBECONFIG',
      error,
    );
  }
  return parseKubeconfigFile(file, text);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Loads and merges the kubeconfig files with kubectl's rules. */
export function loadKubeconfig(
  flag: string | undefined,
  environment: ResolveEnvironment = {},
): MergedKubeconfig {
  const source = kubeconfigSource(flag, environment);
  let paths: string[];
  if (source.kind === 'flag') {
    if (!existsSync(source.path)) {
      throw configError(
        `the kubeconfig file "${source.path}" given by --kubeconfig does not exist`,
        'check the path, or leave --kubeconfig out to use KUBECONFIG or ~/.kube/config',
      );
    }
    paths = [source.path];
  } else if (source.kind === 'env') {
    paths = source.paths.filter(isFile);
  } else {
    paths = isFile(source.path) ? [source.path] : [];
  }
  const merged: MergedKubeconfig = {
    source,
    files: paths,
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const file of paths) {
    const parsed = readKubeconfigFile(file);
    merged.currentContext ??= parsed.currentContext;
    keepFirst(merged.clusters, parsed.clusters);
    keepFirst(merged.users, parsed.users);
    keepFirst(merged.contexts, parsed.contexts);
  }
  return merged;
}

/** kubectl's merge: a name already defined by an earlier file keeps that file's whole entry. */
function keepFirst<T>(into: Map<string, T>, entries: [string, T][]): void {
  for (const [name, entry] of entries) if (!into.has(name)) into.set(name, entry);
}

function describeSource(merged: MergedKubeconfig): string {
  switch (merged.source.kind) {
    case 'flag':
      return `"${merged.source.path}"`;
    case 'env':
      return merged.files.length > 0 ? `KUBECONFIG (${merged.files.join(', ')})` : 'KUBECONFIG';
    case 'home':
      return `"${merged.source.path}"`;
  }
}

function noConfiguration(merged: MergedKubeconfig): StsError {
  if (merged.files.length === 0) {
    const where =
      merged.source.kind === 'env'
        ? merged.source.paths.length === 0
          ? 'KUBECONFIG is set but names no file'
          : `none of the files in KUBECONFIG exist (${merged.source.paths.join(', ')})`
        : merged.source.kind === 'home'
          ? `KUBECONFIG is not set and "${merged.source.path}" does not exist`
          : `"${merged.source.path}" is empty`;
    return configError(
      `no configuration has been provided: ${where}`,
      "pass --kubeconfig FILE or set KUBECONFIG to your cluster's kubeconfig",
    );
  }
  return configError(
    `no current context is set in ${describeSource(merged)}`,
    `pass --context NAME or run \`kubectl config use-context NAME\`; ${GET_CONTEXTS_HINT}`,
  );
}

/** Picks the one context, cluster and user kubectl would use, applying --context/--cluster/--user/-n. */
export function minifyKubeconfig(
  merged: MergedKubeconfig,
  overrides: KubeconfigOverrides = {},
): ResolvedKubeconfig {
  const contextName = overrides.context || merged.currentContext;
  let context: KubeconfigContext = {};
  if (contextName) {
    const found = merged.contexts.get(contextName);
    if (!found) {
      if (overrides.context) {
        throw configError(
          `context "${contextName}" does not exist in ${describeSource(merged)}`,
          `pass an existing context to --context; ${GET_CONTEXTS_HINT}`,
        );
      }
      throw configError(
        `the current context "${contextName}" does not exist in ${describeSource(merged)}`,
        `run \`kubectl config use-context NAME\` with an existing context or pass --context; ${GET_CONTEXTS_HINT}`,
      );
    }
    context = found;
  } else if (!overrides.cluster) {
    throw noConfiguration(merged);
  }

  const clusterName = overrides.cluster || context.cluster;
  if (!clusterName) {
    throw configError(
      `context "${contextName}" names no cluster`,
      'set the cluster of the context in the kubeconfig or pass --cluster NAME',
    );
  }
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    const via = overrides.cluster ? 'given by --cluster' : `used by context "${contextName}"`;
    throw configError(
      `cluster "${clusterName}" (${via}) does not exist in ${describeSource(merged)}`,
      'list the clusters with `kubectl config get-clusters`',
    );
  }
  if (!cluster.server) {
    throw configError(
      `cluster "${clusterName}" has no server defined`,
      `set clusters[].cluster.server for "${clusterName}" in the kubeconfig`,
    );
  }

  const userName = overrides.user || context.user || undefined;
  let user: KubeconfigUser = {};
  if (userName) {
    const found = merged.users.get(userName);
    if (!found) {
      const via = overrides.user ? 'given by --user' : `used by context "${contextName}"`;
      throw configError(
        `user "${userName}" (${via}) does not exist in ${describeSource(merged)}`,
        "list the users with `kubectl config get-users`, or fix the context's user",
      );
    }
    user = found;
  }
  checkCredentialFiles(clusterName, cluster, userName, user);
  const server = normalizeServer(clusterName, cluster);
  // client-go applies the user's credentials only over TLS; that is where kubectl refuses them.
  if (server.startsWith('https:')) checkAuthProvider(userName, user);

  return {
    contextName: contextName || undefined,
    clusterName,
    userName,
    cluster: { ...cluster, server },
    user,
    namespace: checkedNamespace(overrides, context.namespace, contextName),
    files: merged.files,
  };
}

/** -n, else the context's namespace, else `default`; refused, as kubectl does, if not a path segment. */
function checkedNamespace(
  overrides: KubeconfigOverrides,
  fromContext: string | undefined,
  contextName: string | undefined,
): string {
  if (overrides.namespace) {
    checkNamespaceFlag(overrides.namespace);
    return overrides.namespace;
  }
  if (fromContext) {
    checkPathSegment(fromContext, {
      what: 'namespace',
      exitCode: ExitCode.CONFIG,
      hint: `fix the namespace of context "${contextName ?? ''}" in the kubeconfig, or pass -n`,
    });
    return fromContext;
  }
  return 'default';
}

/**
 * Where kubectl (>= 1.26) tells the user to install a credential plugin. client-node still has
 * the legacy gcp and azure providers, and they run `cmd-path` + `cmd-args` through /bin/sh: a
 * kubeconfig that kubectl refuses would run shell commands. Refused here, before any credential
 * code is loaded, with kubectl's words.
 */
const REMOVED_AUTH_PROVIDERS: Record<string, { plugin: string; see: string }> = {
  gcp: {
    plugin: '"gke-gcloud-auth-plugin"',
    see: 'https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke',
  },
  azure: {
    plugin: 'https://github.com/Azure/kubelogin',
    see: 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins',
  },
};

/** The auth-provider names kubectl still has; any other is refused as kubectl refuses it. */
const SUPPORTED_AUTH_PROVIDERS = new Set(['oidc']);

function checkAuthProvider(userName: string | undefined, user: KubeconfigUser): void {
  const provider = user['auth-provider'];
  if (!provider) return;
  const name = provider.name ?? '';
  const removed = REMOVED_AUTH_PROVIDERS[name];
  if (removed) {
    throw configError(
      `the ${name} auth plugin has been removed (auth-provider of user "${userName ?? ''}")`,
      `use the ${removed.plugin} kubectl/client-go credential plugin instead (an exec entry in the kubeconfig); see ${removed.see}`,
    );
  }
  if (!SUPPORTED_AUTH_PROVIDERS.has(name)) {
    throw configError(
      `no Auth Provider found for name ${JSON.stringify(name)} (auth-provider of user "${userName ?? ''}")`,
      'use an exec credential plugin (users[].user.exec) or oidc, as kubectl supports',
    );
  }
}

/**
 * The server as a URL. A bare `host:port` is plain http: that is what kubectl (1.27-1.33) does
 * with it, whatever TLS settings the cluster has.
 */
function normalizeServer(clusterName: string, cluster: KubeconfigCluster): string {
  const server = String(cluster.server).trim();
  // Go's url.Parse refuses a bad %-escape (kubectl: `invalid URL escape "%zz"`); WHATWG URL keeps
  // it, and every message that shows the URL would later fail to decode it.
  const badEscape = /%(?![0-9a-f]{2})[\s\S]{0,2}/i.exec(server);
  if (badEscape) {
    throw configError(
      `the server "${server}" of cluster "${clusterName}" is not a valid URL: invalid URL escape ${JSON.stringify(badEscape[0])}`,
      'fix clusters[].cluster.server in the kubeconfig (a literal % is written %25)',
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `http://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw configError(
      `the server "${server}" of cluster "${clusterName}" is not a valid URL`,
      'fix clusters[].cluster.server in the kubeconfig',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(
      `the server "${server}" of cluster "${clusterName}" uses ${url.protocol.replace(':', '')}, not https or http`,
      'fix clusters[].cluster.server in the kubeconfig',
    );
  }
  return withScheme.replace(/\/+$/, '');
}

/** kubectl refuses to start with unreadable certificate files; so do we, naming the file. */
function checkCredentialFiles(
  clusterName: string,
  cluster: KubeconfigCluster,
  userName: string | undefined,
  user: KubeconfigUser,
): void {
  const files: [string | undefined, string][] = [
    [cluster['certificate-authority'], `certificate-authority of cluster "${clusterName}"`],
    [user['client-certificate'], `client-certificate of user "${userName}"`],
    [user['client-key'], `client-key of user "${userName}"`],
    [user.tokenFile, `tokenFile of user "${userName}"`],
  ];
  for (const [file, what] of files) {
    if (file && !isFile(file)) {
      throw configError(
        `unable to read the ${what}: "${file}" does not exist`,
        'fix the path in the kubeconfig',
      );
    }
  }
  if (
    cluster['insecure-skip-tls-verify'] === true &&
    (cluster['certificate-authority'] || cluster['certificate-authority-data'])
  ) {
    throw configError(
      `cluster "${clusterName}" sets both a certificate authority and insecure-skip-tls-verify`,
      'remove one of them from the kubeconfig (kubectl refuses this combination too)',
    );
  }
  const hasCert = Boolean(user['client-certificate'] || user['client-certificate-data']);
  const hasKey = Boolean(user['client-key'] || user['client-key-data']);
  if (hasCert !== hasKey) {
    throw configError(
      `user "${userName}" has a client ${hasCert ? 'certificate but no client key' : 'key but no client certificate'}`,
      'set both client-certificate(-data) and client-key(-data) in the kubeconfig',
    );
  }
}

/** The whole resolution, from flags and environment to the one context to use. */
export function resolveKubeconfig(
  overrides: KubeconfigOverrides = {},
  environment: ResolveEnvironment = {},
): ResolvedKubeconfig {
  const merged = loadKubeconfig(overrides.kubeconfig, environment);
  const empty = merged.contexts.size === 0 && merged.clusters.size === 0 && merged.users.size === 0;
  if (empty && !overrides.kubeconfig && !overrides.context && !overrides.cluster) {
    const inCluster = inClusterConfig(overrides, environment);
    if (inCluster) return inCluster;
  }
  return minifyKubeconfig(merged, overrides);
}

/**
 * Inside a pod with no kubeconfig, kubectl uses the pod's service account (client-go's
 * InClusterConfig): the API server from KUBERNETES_SERVICE_HOST/PORT, the mounted CA and token,
 * and the mounted namespace.
 */
export function inClusterConfig(
  overrides: KubeconfigOverrides,
  environment: ResolveEnvironment = {},
): ResolvedKubeconfig | undefined {
  const env = environment.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const dir = environment.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const tokenFile = path.join(dir, 'token');
  if (!host || !port || !isFile(tokenFile)) return undefined;
  const caFile = path.join(dir, 'ca.crt');
  const namespaceFile = path.join(dir, 'namespace');
  const mountedNamespace = isFile(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : '';
  const namespace = overrides.namespace || mountedNamespace || 'default';
  if (overrides.namespace) checkNamespaceFlag(overrides.namespace);
  else
    checkPathSegment(namespace, {
      what: 'namespace',
      exitCode: ExitCode.CONFIG,
      hint: `fix ${namespaceFile}, or pass -n`,
    });
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    contextName: undefined,
    clusterName: 'in-cluster',
    userName: 'service-account',
    cluster: {
      server: `https://${hostPart}:${port}`,
      ...(isFile(caFile) ? { 'certificate-authority': caFile } : {}),
    },
    user: { tokenFile },
    namespace,
    files: [],
  };
}

/**
 * The resolved context in the shape `KubeConfig.loadFromOptions` takes, so client-node computes
 * the credentials (tokens, token files, certificates, exec plugins, auth providers) exactly as it
 * does for its own callers.
 */
export function toClientNodeOptions(resolved: ResolvedKubeconfig): {
  clusters: Record<string, unknown>[];
  users: Record<string, unknown>[];
  contexts: Record<string, unknown>[];
  currentContext: string;
} {
  const { cluster, user } = resolved;
  const contextName = resolved.contextName ?? 'kubectl-sts';
  const userName = resolved.userName ?? 'kubectl-sts-anonymous';
  let authProvider = clientNodeAuthProvider(resolved);
  // client-node's FileAuth re-reads the token file like client-go does; a literal token wins.
  if (!authProvider && !user.token && user.tokenFile) {
    authProvider = { name: 'tokenFile', config: { tokenFile: user.tokenFile } };
  }
  let exec = user.exec;
  if (exec) {
    // kubectl always tells the plugin how it is run; some plugins require it.
    const info = {
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    };
    exec = {
      ...exec,
      env: [...(exec.env ?? []), { name: 'KUBERNETES_EXEC_INFO', value: JSON.stringify(info) }],
    };
  }
  return {
    clusters: [
      {
        name: resolved.clusterName,
        server: cluster.server.replace(/\/$/, ''),
        caData: cluster['certificate-authority-data'],
        caFile: cluster['certificate-authority'],
        skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
        tlsServerName: cluster['tls-server-name'],
        proxyUrl: cluster['proxy-url'],
      },
    ],
    users: [
      {
        name: userName,
        token: user.token,
        certData: user['client-certificate-data'],
        certFile: user['client-certificate'],
        keyData: user['client-key-data'],
        keyFile: user['client-key'],
        username: user.username,
        password: user.password,
        impersonateUser: user.as,
        exec,
        authProvider,
      },
    ],
    contexts: [
      { name: contextName, cluster: resolved.clusterName, user: userName, namespace: resolved.namespace },
    ],
    currentContext: contextName,
  };
}

/** The settings of client-go's oidc provider; client-node's ExecAuth would take an `exec` key. */
const OIDC_SETTINGS = new Set([
  'client-id',
  'client-secret',
  'id-token',
  'refresh-token',
  'idp-issuer-url',
  'idp-certificate-authority',
  'idp-certificate-authority-data',
  'extra-scopes',
]);

/**
 * The auth-provider in the form client-node gets it: only a provider kubectl supports, and only
 * its string settings. client-node picks its authenticator by looking at the object (any provider
 * whose config holds an `exec` runs it; gcp/azure run a shell), so nothing else may get through,
 * whoever resolved the context.
 */
function clientNodeAuthProvider(resolved: ResolvedKubeconfig): Record<string, unknown> | undefined {
  const provider = resolved.user['auth-provider'];
  if (!provider || !resolved.cluster.server.startsWith('https:')) return undefined;
  checkAuthProvider(resolved.userName, resolved.user);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(provider.config ?? {}))
    if (OIDC_SETTINGS.has(key) && typeof value === 'string') config[key] = value;
  return { name: provider.name, config };
}
