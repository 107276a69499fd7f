// From connection flags to a ready gateway: resolve the kubeconfig with kubectl's rules, let
// client-node compute credentials for the one resolved context, and wire the HTTP client.
// client-node is imported lazily so commands that never call the API start fast.
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { ConnectionOptions } from '../cli/flags.ts';
import { ExitCode, StsError } from '../cli/errors.ts';
import { pluginVersion } from '../version.ts';
import { redactText } from '../cli/redact.ts';
import { terminalSafe } from '../render/terminal.ts';
import type { ClusterGateway } from './gateway.ts';
import { HttpGateway } from './http-gateway.ts';
import { spawnCredentialPlugin } from './credential-plugin.ts';
import { HttpClient } from './http.ts';
import type { AuthMaterial, AuthSource, HttpClientOptions } from './http.ts';
import { resolveKubeconfig, toClientNodeOptions } from './kubeconfig.ts';
import type { ResolveEnvironment, ResolvedKubeconfig } from './kubeconfig.ts';

export interface Connection {
  gateway: ClusterGateway;
  namespace: string;
  context: string | undefined;
  cluster: string | undefined;
  server: string;
  close(): void;
}

export interface ConnectExtras {
  /** Where --debug lines go (default: stderr). */
  trace?: (line: string) => void;
  environment?: ResolveEnvironment;
  retry?: HttpClientOptions['retry'];
}

/** How long computed credentials are reused; client-node itself re-reads token files and exec plugins. */
const AUTH_REUSE_MS = 10_000;

export async function connect(options: ConnectionOptions, extras: ConnectExtras = {}): Promise<Connection> {
  const resolved = resolveKubeconfig(options, extras.environment);
  const trace =
    extras.trace ??
    (options.debug
      ? (line: string) => void process.stderr.write(`debug: ${terminalSafe(line)}\n`)
      : undefined);
  trace?.(
    `kubeconfig: context "${resolved.contextName ?? ''}", cluster "${resolved.clusterName}", user "${resolved.userName ?? ''}", namespace "${resolved.namespace}" from ${resolved.files.join(', ') || '(no file)'}`,
  );
  const plainHttp = resolved.cluster.server.startsWith('http:');
  // client-go applies the kubeconfig user only over TLS; kubectl never sends a token, a client
  // certificate or runs an exec plugin for an http:// server, and neither do we.
  if (plainHttp) trace?.('the server is plain http: no credentials are sent (as with kubectl)');
  const auth: AuthSource = plainHttp ? async () => ({ headers: {} }) : deferred(clientNodeAuth(resolved));
  const client = new HttpClient({
    server: resolved.cluster.server,
    auth,
    requestTimeoutMs: options.requestTimeoutMs,
    userAgent: `kubectl-sts/${pluginVersion()}`,
    labels: { context: resolved.contextName, cluster: resolved.clusterName, user: resolved.userName },
    trace,
    retry: extras.retry,
  });
  return {
    gateway: new HttpGateway(client),
    namespace: resolved.namespace,
    context: resolved.contextName,
    cluster: resolved.clusterName,
    server: client.server,
    close: () => client.close(),
  };
}

/**
 * Loading client-node takes a noticeable part of a second; it starts now and the first request
 * waits for it, so whatever the command does meanwhile overlaps with the load.
 */
function deferred(pending: Promise<AuthSource>): AuthSource {
  pending.catch(() => undefined); // reported by the first request, not as an unhandled rejection
  return async () => (await pending)();
}

/**
 * Credentials through client-node's KubeConfig, fed only the resolved context. Concurrent
 * requests share one computation so an exec plugin runs once, not once per parallel request.
 */
export async function clientNodeAuth(resolved: ResolvedKubeconfig): Promise<AuthSource> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = toClientNodeOptions(resolved);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(config);
  if (resolved.user.exec) useOwnSpawn(kubeConfig);
  const usesProxy = Boolean(resolved.cluster['proxy-url']);

  let cached: { at: number; material: Promise<AuthMaterial> } | undefined;
  const compute = async (): Promise<AuthMaterial> => {
    const opts: HttpsRequestOptions = {};
    try {
      await kubeConfig.applyToHTTPSOptions(opts);
    } catch (error) {
      throw credentialError(resolved, error);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      // Token files usually end in a newline; client-go trims it, client-node does not.
      if (value !== undefined) headers[name] = String(value).trim();
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return {
      headers,
      ca: opts.ca as AuthMaterial['ca'],
      cert: opts.cert as AuthMaterial['cert'],
      key: opts.key as AuthMaterial['key'],
      rejectUnauthorized: opts.rejectUnauthorized,
      servername: opts.servername,
      agent: usesProxy ? (opts.agent as AuthMaterial['agent']) : undefined,
    };
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > AUTH_REUSE_MS) {
      const material = compute();
      cached = { at: now, material };
      // A failure must not be remembered: the next request tries again.
      material.catch(() => {
        if (cached?.material === material) cached = undefined;
      });
    }
    return cached.material;
  };
}

/**
 * client-node's ExecAuth runs plugins with its `execFn` (child_process.spawn); ours forces
 * `shell: false` and stops the plugin when the command is interrupted. If client-node ever stops
 * exposing it, nothing may run a plugin behind our back: fail instead.
 */
function useOwnSpawn(kubeConfig: object): void {
  const authenticators = (kubeConfig as { authenticators?: unknown[] }).authenticators ?? [];
  const execAuth = authenticators.find(
    (authenticator): authenticator is { execFn: unknown } =>
      typeof (authenticator as { execFn?: unknown } | null)?.execFn === 'function',
  );
  if (!execAuth) {
    throw new StsError('cannot run the exec credential plugin: this client-node has no ExecAuth.execFn', {
      exitCode: ExitCode.INTERNAL,
      hint: 're-run with --debug and report the output',
    });
  }
  execAuth.execFn = spawnCredentialPlugin;
}

function credentialError(resolved: ResolvedKubeconfig, error: unknown): StsError {
  const user = resolved.userName ?? '(none)';
  const exec = resolved.user.exec;
  const code = (error as { code?: string } | undefined)?.code;
  if (exec) {
    // What a plugin prints is never shown as it is: its stdout holds the credential itself (a
    // parse error would quote its first characters) and its stderr often an OAuth error body
    // with tokens. The cause kept for --debug carries only the redacted text.
    let reason: string;
    let cause: Error;
    if (code === 'ENOENT') {
      reason = `the exec credential plugin "${exec.command}" was not found`;
      cause = new Error(reason);
    } else if (error instanceof SyntaxError) {
      reason = `the exec credential plugin "${exec.command}" printed something that is not an ExecCredential (not JSON)`;
      cause = new Error(reason);
    } else {
      const text = redactText(error instanceof Error ? error.message : String(error));
      reason = `the exec credential plugin "${exec.command}" failed: ${firstLine(text)}`;
      cause = new Error(text);
    }
    return new StsError(`cannot get credentials for user "${user}": ${reason}`, {
      exitCode: ExitCode.CONFIG,
      cause,
      hint: exec.installHint
        ? firstLine(exec.installHint)
        : 'check the plugin with `kubectl get --raw /version`',
    });
  }
  const text = redactText(error instanceof Error ? error.message : String(error));
  return new StsError(`cannot get credentials for user "${user}": ${firstLine(text)}`, {
    exitCode: ExitCode.CONFIG,
    cause: new Error(text),
    hint: 'check the user entry of the context in the kubeconfig',
  });
}

function firstLine(value: unknown): string {
  const text = value instanceof Error ? value.message : String(value);
  return text.trim().split('\n')[0] || 'unknown error';
}
