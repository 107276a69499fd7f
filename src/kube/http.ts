// A small HTTP client for the Kubernetes API: keep-alive agents, raw JSON (timestamps stay
// strings; no ObjectSerializer, so listing thousands of pods stays cheap), bounded retries of
// idempotent reads, and the mapping of every failure to one StsError a user can act on.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ExitCode, StsError } from '../cli/errors.ts';
import type { ExitCodeValue } from '../cli/errors.ts';
import { redactHeaderValue, redactText } from '../cli/redact.ts';
import type { ApiStatus } from './types.ts';
import { formatDuration } from '../core/duration.ts';

/** TLS material and headers computed by client-node from the kubeconfig user and cluster. */
export interface AuthMaterial {
  headers: Record<string, string>;
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Set only when the cluster needs a proxy agent (proxy-url); otherwise ours is used. */
  agent?: http.Agent;
}

export type AuthSource = () => Promise<AuthMaterial>;

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound for a server's Retry-After, so a bad header cannot stall the command. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  maxRetryAfterMs: 30_000,
};

/** Who we are talking as; used only to word errors and hints. */
export interface ConnectionLabels {
  context?: string;
  cluster?: string;
  user?: string;
}

/**
 * The limits kubectl's transport has even when --request-timeout is 0 (client-go: a 30 s dialer,
 * net/http's 10 s TLS handshake, and 32 s for discovery, the first request every `kubectl get`
 * sends). Without them a server that accepts the connection and never answers hangs the command
 * for ever. docs/connecting.md has the measurements against real kubectl.
 */
export interface TransportTimeouts {
  /** TCP connection to the server (client-go's net.Dialer Timeout). */
  connectMs: number;
  /** TLS handshake, once connected (net/http's TLSHandshakeTimeout). */
  tlsHandshakeMs: number;
  /**
   * With --request-timeout 0: how long the server may stay silent while an answer is due (its
   * headers, then each part of its body). kubectl's discovery requests give up after 32 s.
   * Watch streams, once open, may stay silent: the server ends them itself.
   */
  silenceMs: number;
}

export const DEFAULT_TRANSPORT_TIMEOUTS: TransportTimeouts = {
  connectMs: 30_000,
  tlsHandshakeMs: 10_000,
  silenceMs: 32_000,
};

export interface HttpClientOptions {
  server: string;
  auth: AuthSource;
  /** Per request; 0 = no limit (the transport's own limits still apply). */
  requestTimeoutMs: number;
  /** Injected in tests; kubectl's defaults otherwise. */
  transportTimeouts?: Partial<TransportTimeouts>;
  userAgent: string;
  labels?: ConnectionLabels;
  /** Receives --debug trace lines (already redacted). */
  trace?: (line: string) => void;
  retry?: Partial<RetryPolicy>;
  /** Injected in tests to observe backoff without waiting for it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Overrides the generic "check the name" hint of a 404. */
  notFoundHint?: string;
  /** Content-Type of the body (default application/json; a PATCH names its patch type). */
  contentType?: string;
}

/** An answer from the API server that was not a success; keeps the Status for callers. */
export class KubeApiError extends StsError {
  readonly status: number;
  readonly reason: string | undefined;
  readonly apiStatus: ApiStatus | undefined;

  constructor(
    message: string,
    options: {
      exitCode: ExitCodeValue;
      hint?: string;
      status: number;
      apiStatus?: ApiStatus;
      cause?: unknown;
    },
  ) {
    super(message, { exitCode: options.exitCode, hint: options.hint, cause: options.cause });
    this.name = 'KubeApiError';
    this.status = options.status;
    this.reason = options.apiStatus?.reason;
    this.apiStatus = options.apiStatus;
  }
}

export function isKubeApiError(error: unknown, status?: number): error is KubeApiError {
  return error instanceof KubeApiError && (status === undefined || error.status === status);
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TLS_CODES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate signed by unknown authority (self-signed)',
  CERT_UNTRUSTED: 'certificate signed by unknown authority',
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not yet valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is not valid for this host name",
  CERT_SIGNATURE_FAILURE: "the server's certificate signature is invalid",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS (is it http://?)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server rejected the client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server rejected the client certificate (unknown CA)',
};
const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
};

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Why requests still in flight end when the command closes its connection. */
class ClientClosedError extends Error {
  constructor() {
    super('the command ended; its connection was closed');
    this.name = 'ClientClosedError';
  }
}

class RequestTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`);
    this.name = 'RequestTimeoutError';
  }
}

/** One of the transport's own limits (TransportTimeouts) ran out. */
class TransportTimeoutError extends Error {
  readonly phase: 'connect' | 'tls' | 'headers' | 'body';
  readonly timeoutMs: number;
  constructor(phase: TransportTimeoutError['phase'], timeoutMs: number) {
    super(`${phase} timeout after ${formatDuration(timeoutMs)}`);
    this.name = 'TransportTimeoutError';
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** One answer: read to the end, or (an opened watch) still streaming. */
type Answer =
  | { status: number; headers: http.IncomingHttpHeaders; body: Buffer; stream?: undefined }
  | { status: number; headers: http.IncomingHttpHeaders; body?: undefined; stream: Readable };

type BufferedAnswer = Extract<Answer, { body: Buffer }>;

const VERB_BY_METHOD: Record<string, string> = {
  GET: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export class HttpClient {
  readonly server: string;
  readonly labels: ConnectionLabels;
  private readonly base: URL;
  private readonly options: HttpClientOptions;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly timeouts: TransportTimeouts;
  private agent: http.Agent | undefined;
  private agentKey: string | undefined;
  /** client-node's agent for a proxy-url cluster; closed with ours. */
  private proxyAgent: http.Agent | undefined;
  /** Requests sent, retries included; tests and --debug use it to prove a fixed API cost. */
  requestCount = 0;
  /**
   * Aborted by close(): a command that ends (or fails on its first error) leaves reads it no
   * longer needs in flight, and they must neither be retried nor trace after its last line.
   */
  private readonly closing = new AbortController();

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.base = new URL(options.server.replace(/\/+$/, ''));
    // Messages name the server; credentials embedded in its URL must not travel with them.
    this.server = displayUrl(this.base).replace(/\/+$/, '');
    this.labels = options.labels ?? {};
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.timeouts = { ...DEFAULT_TRANSPORT_TIMEOUTS, ...options.transportTimeouts };
  }

  /** How long the WebSocket handshake of an exec may take: --request-timeout, else the transport's limit. */
  get handshakeTimeoutMs(): number {
    return this.options.requestTimeoutMs || this.timeouts.connectMs + this.timeouts.silenceMs;
  }

  /** --request-timeout in milliseconds; 0 = no limit. */
  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs;
  }

  /** A URL on the server, keeping any path prefix of the server (`https://host/k8s/clusters/x`). */
  url(apiPath: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.base.href.replace(/\/$/, '') + apiPath);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
      else url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Headers and TLS options for one request or WebSocket, fresh from the auth source (tokens may rotate). */
  async connectionOptions(): Promise<{
    headers: Record<string, string>;
    agent: http.Agent;
    tls: AuthMaterial;
  }> {
    const material = await this.options.auth();
    if (material.agent) this.proxyAgent = material.agent;
    const headers: Record<string, string> = { 'User-Agent': this.options.userAgent, ...material.headers };
    return { headers, agent: material.agent ?? this.agentFor(material), tls: material };
  }

  close(): void {
    this.closing.abort(new ClientClosedError());
    this.agent?.destroy();
    this.agent = undefined;
    this.proxyAgent?.destroy();
    this.proxyAgent = undefined;
  }

  /** GET/POST/DELETE returning parsed JSON; reads are retried, everything failing is a StsError. */
  async json<T>(method: string, apiPath: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(apiPath, this.withServerTimeout(options.query));
    const response = await this.send(method, url, options);
    return parseJson<T>(response.body, url);
  }

  /** Like json() but a 404 answers `undefined`, for getX methods that return `| undefined`. */
  async jsonOrUndefined<T>(
    method: string,
    apiPath: string,
    options: RequestOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.json<T>(method, apiPath, options);
    } catch (error) {
      if (isKubeApiError(error, 404)) return undefined;
      throw error;
    }
  }

  /**
   * Opens a streaming GET (watch). Establishing it is retried like any read; the returned response
   * is already known to be 2xx. The request timeout covers only the wait for the response headers.
   */
  async openStream(
    apiPath: string,
    query: RequestOptions['query'],
    callerSignal?: AbortSignal,
  ): Promise<Readable> {
    const url = this.url(apiPath, query);
    const signal = this.signalFor(callerSignal);
    const answer = await this.withRetries('GET', url, signal, () =>
      this.once('GET', url, undefined, signal, true),
    );
    // withRetries only returns 2xx answers, and a 2xx answer to a streaming request is a stream.
    return answer.stream!;
  }

  private withServerTimeout(query: RequestOptions['query']): RequestOptions['query'] {
    const timeoutMs = this.options.requestTimeoutMs;
    if (!timeoutMs || query?.watch) return query;
    // As kubectl does: the server gets the same budget and stops working on our behalf after it.
    return { ...query, timeout: `${Math.max(1, Math.ceil(timeoutMs / 1000))}s` };
  }

  private agentFor(material: AuthMaterial): http.Agent {
    const key = JSON.stringify([
      String(material.ca ?? ''),
      String(material.cert ?? ''),
      String(material.key ?? ''),
      material.rejectUnauthorized,
      material.servername,
    ]);
    if (this.agent && this.agentKey === key) return this.agent;
    if (this.base.protocol === 'https:') checkTlsMaterial(material, this.labels);
    this.agent?.destroy();
    const common = { keepAlive: true, maxSockets: 32 };
    this.agent =
      this.base.protocol === 'http:'
        ? new http.Agent(common)
        : new https.Agent({
            ...common,
            ca: material.ca,
            cert: material.cert,
            key: material.key,
            rejectUnauthorized: material.rejectUnauthorized ?? true,
            servername: material.servername,
          });
    this.agentKey = key;
    return this.agent;
  }

  /** The caller's signal, if any, joined with the client's own (aborted by close()). */
  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  private async send(method: string, url: URL, options: RequestOptions): Promise<BufferedAnswer> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const signal = this.signalFor(options.signal);
    const run = (): Promise<Answer> => this.once(method, url, body, signal, false, options.contentType);
    const answer =
      method === 'GET'
        ? await this.withRetries(method, url, signal, run, options.notFoundHint)
        : await this.onceOnly(method, url, run, options.notFoundHint);
    return answer as BufferedAnswer;
  }

  /** Writes are sent once: repeating one the server may have applied is not ours to decide. */
  private async onceOnly(
    method: string,
    url: URL,
    run: () => Promise<Answer>,
    notFoundHint: string | undefined,
  ): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await run();
    } catch (error) {
      throw this.transportError(method, url, error);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.statusError(
      method,
      url,
      answer.status,
      decodeStatus(answer.body ?? Buffer.alloc(0)),
      1,
      notFoundHint,
    );
  }

  /** Runs one attempt at a time; retries on 429/5xx and connection resets with jittered backoff. Returns only 2xx. */
  private async withRetries(
    method: string,
    url: URL,
    signal: AbortSignal | undefined,
    attempt: () => Promise<Answer>,
    notFoundHint?: string,
  ): Promise<Answer> {
    for (let number = 1; ; number++) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await attempt();
      } catch (error) {
        failure = error;
      }
      const retryable = answer ? RETRYABLE_STATUS.has(answer.status) : isConnectionReset(failure);
      if (!retryable || number >= this.retry.maxAttempts || signal?.aborted) {
        if (!answer) throw this.transportError(method, url, failure, number);
        if (answer.status >= 200 && answer.status < 300) return answer;
        const body = answer.body ?? (await readAll(answer.stream));
        throw this.statusError(method, url, answer.status, decodeStatus(body), number, notFoundHint);
      }
      const retryAfter = answer ? parseRetryAfter(headerValue(answer.headers['retry-after'])) : undefined;
      const delay = this.backoff(number, retryAfter);
      this.trace(
        `retry ${number}/${this.retry.maxAttempts - 1} of ${method} ${displayUrl(url)} in ${delay}ms`,
      );
      answer?.stream?.resume();
      try {
        await this.sleep(delay, signal);
      } catch (error) {
        throw this.transportError(method, url, error, number);
      }
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.retry.maxRetryAfterMs);
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the exponential step, so retries never bunch at zero.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async once(
    method: string,
    url: URL,
    body: string | undefined,
    signal: AbortSignal | undefined,
    stream: boolean,
    contentType = 'application/json',
  ): Promise<Answer> {
    const { headers, agent } = await this.connectionOptions();
    // Closed while the credentials were computed: no request, and the agent just made for it
    // is destroyed as well.
    if (this.closing.signal.aborted) {
      this.close();
      throw this.closing.signal.reason;
    }
    headers.Accept = 'application/json';
    // The API server compresses large answers (a list of thousands of pods) when asked to.
    headers['Accept-Encoding'] = 'gzip';
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const started = performance.now();
    this.requestCount++;
    this.traceRequest(method, url, headers);
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = this.options.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const request = transport.request(url, { method, headers, agent, signal }, (response) => {
        const status = response.statusCode ?? 0;
        const elapsed = (): string => `${Math.round(performance.now() - started)}ms`;
        if (stream && status >= 200 && status < 300) {
          if (timer) clearTimeout(timer);
          watchdog.stop();
          this.trace(`${method} ${displayUrl(url)} ${status} (stream opened in ${elapsed()})`);
          resolve({ status, headers: response.headers, stream: decoded(response) });
          return;
        }
        const chunks: Buffer[] = [];
        watchdog.body();
        response.on('data', (chunk: Buffer) => {
          watchdog.body();
          chunks.push(chunk);
        });
        response.on('error', (error) => {
          if (timer) clearTimeout(timer);
          watchdog.stop();
          reject(error);
        });
        response.on('end', () => {
          if (timer) clearTimeout(timer);
          watchdog.stop();
          const raw = Buffer.concat(chunks);
          let body: Buffer;
          try {
            body = isGzip(response) ? gunzipSync(raw) : raw;
          } catch (error) {
            reject(error);
            return;
          }
          this.trace(
            `${method} ${displayUrl(url)} ${status} in ${elapsed()}, ${formatBytes(raw.length)}${isGzip(response) ? ` gzip (${formatBytes(body.length)})` : ''}`,
          );
          resolve({ status, headers: response.headers, body });
        });
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => request.destroy(new RequestTimeoutError(timeoutMs)), timeoutMs);
      }
      const watchdog = this.watchdog(request, timeoutMs === 0);
      request.on('error', (error) => {
        if (timer) clearTimeout(timer);
        watchdog.stop();
        this.trace(
          `${method} ${displayUrl(url)} failed after ${Math.round(performance.now() - started)}ms: ${errorCode(error) ?? error.message}`,
        );
        reject(error);
      });
      request.end(body);
    });
  }

  /**
   * The transport's own limits on one request (TransportTimeouts): connecting, the TLS handshake,
   * and, when no --request-timeout bounds the request, the server's silence while an answer is
   * due. A connection the agent kept alive is already through the first two.
   */
  private watchdog(request: http.ClientRequest, limitSilence: boolean): { body(): void; stop(): void } {
    const { connectMs, tlsHandshakeMs, silenceMs } = this.timeouts;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const arm = (phase: TransportTimeoutError['phase'], ms: number): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (stopped || ms <= 0) return;
      timer = setTimeout(() => request.destroy(new TransportTimeoutError(phase, ms)), ms);
      timer.unref?.();
    };
    const awaitAnswer = (): void => {
      if (limitSilence) arm('headers', silenceMs);
      else arm('headers', 0);
    };
    request.once('socket', (socket: Socket) => {
      if (!socket.connecting) return awaitAnswer();
      arm('connect', connectMs);
      socket.once('connect', () => {
        // A TLS socket (not `instanceof`: node:tls is a stand-in in the start-up snapshot). Through
        // a proxy agent the socket may be a plain one; then only the answer is timed.
        if ((socket as Partial<TLSSocket>).encrypted === true) {
          arm('tls', tlsHandshakeMs);
          socket.once('secureConnect', awaitAnswer);
        } else awaitAnswer();
      });
    });
    return {
      body: () => {
        if (limitSilence) arm('body', silenceMs);
      },
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
      },
    };
  }

  private trace(line: string): void {
    if (this.closing.signal.aborted) return;
    this.options.trace?.(redactText(line));
  }

  private traceRequest(method: string, url: URL, headers: Record<string, string>): void {
    if (!this.options.trace) return;
    this.trace(`${method} ${displayUrl(url)}`);
    for (const [name, value] of Object.entries(headers))
      this.trace(`  ${name}: ${redactHeaderValue(name, value)}`);
  }

  /** Maps an HTTP error answer to the one-line error the user sees. */
  statusError(
    method: string,
    url: URL,
    status: number,
    apiStatus: ApiStatus | undefined,
    attempts: number,
    notFoundHint?: string,
  ): KubeApiError {
    const apiMessage = apiStatus?.message?.trim();
    const where = displayUrl(url);
    const { context, user } = this.labels;
    switch (status) {
      case 401:
        return new KubeApiError(
          `the server at ${this.server} rejected the credentials${user ? ` of user "${user}"` : ''} (401 Unauthorized)`,
          {
            exitCode: ExitCode.AUTH,
            status,
            apiStatus,
            hint: `log in again or refresh the token, or check the user of context "${context ?? '(none)'}" (kubectl config view --minify)`,
          },
        );
      case 403:
        return forbiddenError(method, url, apiStatus);
      case 404: {
        const missingNamespace = namespaceFromStatus(apiStatus);
        if (missingNamespace) {
          return new KubeApiError(`namespace "${missingNamespace}" does not exist`, {
            exitCode: ExitCode.NOT_FOUND,
            status,
            apiStatus,
            hint: 'check -n/--namespace or the namespace of the context; list namespaces with `kubectl get namespaces`',
          });
        }
        return new KubeApiError(apiMessage || `the server could not find ${where}`, {
          exitCode: ExitCode.NOT_FOUND,
          status,
          apiStatus,
          hint: notFoundHint ?? 'check the name and the namespace (-n)',
        });
      }
      case 408:
      case 504:
        if (attempts >= this.retry.maxAttempts || status === 408) {
          return new KubeApiError(
            `the API server timed out answering ${method} ${where}${attempts > 1 ? ` (${attempts} attempts)` : ''}${apiMessage ? `: ${apiMessage}` : ''}`,
            {
              exitCode: ExitCode.SERVER,
              status,
              apiStatus,
              hint: 'the control plane may be overloaded; retry later',
            },
          );
        }
        break;
      case 429:
        return new KubeApiError(
          `the API server is throttling requests (429 Too Many Requests${attempts > 1 ? ` after ${attempts} attempts` : ''})${apiMessage ? `: ${apiMessage}` : ''}`,
          { exitCode: ExitCode.SERVER, status, apiStatus, hint: 'wait a moment and retry' },
        );
    }
    if (status >= 500) {
      return new KubeApiError(
        `the API server failed on ${method} ${where} with ${status} ${http.STATUS_CODES[status] ?? ''}${attempts > 1 ? ` after ${attempts} attempts` : ''}${apiMessage ? `: ${apiMessage}` : ''}`.replace(
          / +:/,
          ':',
        ),
        {
          exitCode: ExitCode.SERVER,
          status,
          apiStatus,
          hint: 'the control plane may be overloaded or restarting; retry later',
        },
      );
    }
    return new KubeApiError(
      apiMessage || `${method} ${where} failed with ${status} ${http.STATUS_CODES[status] ?? ''}`.trim(),
      {
        exitCode: ExitCode.SERVER,
        status,
        apiStatus,
        hint: 're-run with --debug to see the request',
      },
    );
  }

  private transportTimeoutError(error: TransportTimeoutError): StsError {
    const { cluster, context } = this.labels;
    const clusterName = cluster ? `cluster "${cluster}"` : 'the cluster';
    const within = formatDuration(error.timeoutMs);
    const checkServer = `check that the cluster is running and that ${clusterName}${context ? ` of context "${context}"` : ''} has the right server`;
    switch (error.phase) {
      case 'connect':
        return new StsError(
          `cannot reach the Kubernetes API server at ${this.server}: no connection within ${within}`,
          { exitCode: ExitCode.UNREACHABLE, cause: error, hint: checkServer },
        );
      case 'tls':
        return new StsError(`TLS handshake with ${this.server} did not complete within ${within}`, {
          exitCode: ExitCode.UNREACHABLE,
          cause: error,
          hint: `${checkServer} (its TLS port, not another service)`,
        });
      case 'headers':
      case 'body':
        return new StsError(
          `the server at ${this.server} ${error.phase === 'headers' ? 'accepted the connection but did not answer' : 'stopped sending its answer'} within ${within}`,
          {
            exitCode: ExitCode.UNREACHABLE,
            cause: error,
            hint: 'the API server or a proxy in front of it is not answering; check the cluster, or give --request-timeout to wait longer',
          },
        );
    }
  }

  /** Maps a failure to talk to the server at all (refused, DNS, TLS, timeout) to UNREACHABLE. */
  transportError(method: string, url: URL, error: unknown, attempts = 1): StsError {
    if (error instanceof StsError) return error;
    const { cluster, context } = this.labels;
    const clusterName = cluster ? `cluster "${cluster}"` : 'the cluster';
    if (isAbort(error)) {
      return new StsError(`${method} ${displayUrl(url)} was interrupted`, {
        exitCode: ExitCode.INTERRUPTED,
        cause: error,
      });
    }
    if (error instanceof TransportTimeoutError) return this.transportTimeoutError(error);
    if (error instanceof RequestTimeoutError) {
      return new StsError(`request to ${this.server} ${error.message} (--request-timeout)`, {
        exitCode: ExitCode.UNREACHABLE,
        cause: error,
        hint: 'the server is slow or unreachable; check the cluster or raise --request-timeout',
      });
    }
    const code = errorCode(error);
    if (code && TLS_CODES[code]) {
      const clientSide = code.includes('ALERT');
      return new StsError(`TLS handshake with ${this.server} failed: ${TLS_CODES[code]}`, {
        exitCode: ExitCode.UNREACHABLE,
        cause: error,
        hint: clientSide
          ? `check client-certificate and client-key of the user in context "${context ?? '(none)'}"`
          : code === 'ERR_SSL_WRONG_VERSION_NUMBER'
            ? `check the server URL of ${clusterName} in the kubeconfig`
            : `set certificate-authority(-data) of ${clusterName} in the kubeconfig to the CA that signed the server certificate (or insecure-skip-tls-verify: true for a throwaway test cluster)`,
      });
    }
    if (!isNetworkError(error)) {
      // Not the network: a local failure (a file or module that cannot be read, a bug). Calling
      // it "unreachable" would send the user to check a cluster that is fine.
      const message = error instanceof Error ? error.message : String(error);
      return new StsError(`unexpected error while sending ${method} ${displayUrl(url)}: ${message}`, {
        exitCode: ExitCode.INTERNAL,
        cause: error,
        hint: 're-run with --debug and report the output',
      });
    }
    const reason = (code && CONNECT_CODES[code]) ?? (error instanceof Error ? error.message : String(error));
    const host = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? ` (${this.base.hostname})` : '';
    return new StsError(
      `cannot reach the Kubernetes API server at ${this.server}: ${reason}${host}${attempts > 1 ? ` (${attempts} attempts)` : ''}`,
      {
        exitCode: ExitCode.UNREACHABLE,
        cause: error,
        hint: `check that the cluster is running and that ${clusterName}${context ? ` of context "${context}"` : ''} has the right server`,
      },
    );
  }
}

/**
 * The kubeconfig's certificates and key, checked before the first connection as kubectl checks
 * them when it builds its transport (`tls: failed to find any PEM data in key input`, `unable to
 * load root certificates`): otherwise a key that is not a key fails deep inside the TLS stack
 * as an internal error, and a CA that holds no certificate looks like an untrusted server.
 */
function checkTlsMaterial(material: AuthMaterial, labels: ConnectionLabels): void {
  const user = `user "${labels.user ?? '(none)'}"`;
  const cluster = `cluster "${labels.cluster ?? '(none)'}"`;
  const fail = (what: string, error: unknown, hint: string): never => {
    const reason = error instanceof Error ? error.message.replace(/^error:[0-9A-F]+:/, '') : String(error);
    throw new StsError(`${what} (${reason})`, { exitCode: ExitCode.CONFIG, cause: error, hint });
  };
  const userHint = `fix client-certificate(-data) and client-key(-data) of ${user} in the kubeconfig`;
  if (material.cert) {
    try {
      new X509Certificate(material.cert);
    } catch (error) {
      fail(`the client certificate of ${user} is not a PEM certificate`, error, userHint);
    }
  }
  if (material.key) {
    try {
      createPrivateKey(material.key);
    } catch (error) {
      fail(`the client key of ${user} is not a PEM private key`, error, userHint);
    }
  }
  if (material.cert && material.key) {
    try {
      createSecureContext({ cert: material.cert, key: material.key });
    } catch (error) {
      fail(`the client key of ${user} does not belong to its certificate`, error, userHint);
    }
  }
  const authorities = [material.ca ?? []].flat();
  for (const authority of authorities) {
    const blocks =
      String(authority).match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    let usable = 0;
    for (const block of blocks) {
      try {
        new X509Certificate(block);
        usable++;
      } catch {
        // kubectl's loader, too, needs only one certificate it can read.
      }
    }
    if (usable === 0) {
      fail(
        `the certificate authority of ${cluster} holds no PEM certificate`,
        'unable to load root certificates',
        `fix certificate-authority(-data) of ${cluster} in the kubeconfig`,
      );
    }
  }
}

function forbiddenError(method: string, url: URL, apiStatus: ApiStatus | undefined): KubeApiError {
  const message = apiStatus?.message ?? '';
  const match =
    /cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?/.exec(
      message,
    );
  const verb = match?.[1] ?? VERB_BY_METHOD[method] ?? method.toLowerCase();
  const resource = match?.[2] ?? resourceFromPath(url.pathname);
  const namespace = match?.[4] ?? /\/namespaces\/([^/]+)\//.exec(url.pathname)?.[1];
  const who = /User "([^"]*)"/.exec(message)?.[1];
  // The API prefixes "<resource> is forbidden: "; the rest already names user, verb and resource.
  const detail = message.replace(/^.*? is forbidden: /, '');
  const text = detail
    ? `forbidden: ${detail}`
    : `forbidden: ${who ? `User "${who}"` : 'the user'} cannot ${verb} resource "${resource}"${namespace ? ` in the namespace "${namespace}"` : ''}`;
  const check = `kubectl auth can-i ${verb} ${resource}${namespace ? ` -n ${namespace}` : ''}`;
  return new KubeApiError(text, {
    exitCode: ExitCode.AUTH,
    status: 403,
    apiStatus,
    hint: `ask a cluster admin for "${verb}" on "${resource}"; check with \`${check}\``,
  });
}

function resourceFromPath(pathname: string): string {
  const parts = pathname.split('/').filter(Boolean);
  // /api/v1/namespaces/x/pods/name or /apis/apps/v1/statefulsets
  const start = parts[0] === 'api' ? 2 : 3;
  const rest = parts.slice(start);
  if (rest[0] === 'namespaces' && rest.length > 2) return rest[2]!;
  return rest[0] ?? pathname;
}

function namespaceFromStatus(status: ApiStatus | undefined): string | undefined {
  if (status?.details?.kind === 'namespaces' && status.details.name) return status.details.name;
  return /^namespaces "([^"]+)" not found/.exec(status?.message ?? '')?.[1];
}

function decodeStatus(body: Buffer): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as ApiStatus;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    const text = body.toString('utf8').trim();
    return text ? { message: text.split('\n')[0] } : undefined;
  }
}

function parseJson<T>(body: Buffer, url: URL): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (error) {
    throw new StsError(`the server answered ${displayUrl(url)} with something that is not JSON`, {
      exitCode: ExitCode.SERVER,
      hint: 'check that the kubeconfig server points at a Kubernetes API server',
      cause: error,
    });
  }
}

function isGzip(response: IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(response.headers['content-encoding'] ?? ''));
}

/** The response body as a stream of plain bytes; a transport error or abort ends it with an error. */
function decoded(response: IncomingMessage): Readable {
  if (!isGzip(response)) return response;
  const gunzip = createGunzip();
  pipeline(response, gunzip, () => undefined);
  return gunzip;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** System calls whose failure means the network or the server, not this machine's files. */
const NETWORK_SYSCALLS = new Set([
  'connect',
  'getaddrinfo',
  'getnameinfo',
  'read',
  'write',
  'writev',
  'shutdown',
]);

/** Whether a failure to get an answer came from the connection (so: unreachable) rather than from here. */
function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (code && (CONNECT_CODES[code] || TLS_CODES[code] || RESET_CODES.has(code))) return true;
  if (code && /^(ERR_SSL_|ERR_TLS_|ERR_HTTP_|HPE_|UND_ERR_)/.test(code)) return true;
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall;
  if (typeof syscall === 'string' && NETWORK_SYSCALLS.has(syscall)) return true;
  return isConnectionReset(error);
}

function isConnectionReset(error: unknown): boolean {
  const code = errorCode(error);
  return (
    (code !== undefined && RESET_CODES.has(code)) ||
    (error instanceof Error && error.message === 'socket hang up')
  );
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError' || errorCode(error) === 'ABORT_ERR';
}

/** URL for messages: never includes credentials a server URL might carry. */
export function displayUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  // Readable (`labelSelector=app=web`), but a malformed escape is shown as it is, not an error.
  return copy.href.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
