// Test controls of the simulated API server: who is calling (bearer tokens), what they may do
// (RBAC denials), what goes wrong (fault injection) and what was asked (the request log).
import { ApiError } from './errors.ts';

export interface RequestAttributes {
  user: string;
  verb: string;
  /** API group of the resource ('' for core). */
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface RequestLogEntry extends RequestAttributes {
  time: Date;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  /** The client's User-Agent (tells kubectl's requests from the plugin's). */
  userAgent?: string;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.#limit) this.entries.splice(0, this.entries.length - this.#limit);
  }

  /** Entries matching every given attribute (e.g. `{ verb: 'list', resource: 'pods' }`). */
  filter(match: Partial<RequestAttributes> & { status?: number } = {}): RequestLogEntry[] {
    return this.entries.filter((entry) =>
      Object.entries(match).every(
        ([key, value]) => value === undefined || entry[key as keyof RequestLogEntry] === value,
      ),
    );
  }

  count(match: Partial<RequestAttributes> & { status?: number } = {}): number {
    return this.filter(match).length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

export class Auth {
  readonly #tokens = new Map<string, string>();
  readonly adminUser = 'kubernetes-admin';

  get enabled(): boolean {
    return this.#tokens.size > 0;
  }

  addToken(token: string, user: string): void {
    this.#tokens.set(token, user);
  }

  /** The user behind an Authorization header, or undefined when it is missing or wrong. */
  authenticate(authorization: string | undefined): string | undefined {
    if (!this.enabled) return this.adminUser;
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    return match ? this.#tokens.get(match[1]!.trim()) : undefined;
  }
}

export interface RbacRule {
  user?: string;
  verb?: string | string[];
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function ruleMatches(rule: RbacRule, attrs: RequestAttributes): boolean {
  if (rule.user !== undefined && rule.user !== attrs.user) return false;
  if (rule.verb !== undefined) {
    const verbs = Array.isArray(rule.verb) ? rule.verb : [rule.verb];
    if (!verbs.includes(attrs.verb) && !verbs.includes('*')) return false;
  }
  if (rule.group !== undefined && rule.group !== attrs.group) return false;
  if (rule.resource !== undefined && rule.resource !== '*' && rule.resource !== attrs.resource) return false;
  if (rule.subresource !== undefined && rule.subresource !== (attrs.subresource ?? '')) return false;
  if (rule.namespace !== undefined && rule.namespace !== attrs.namespace) return false;
  if (rule.name !== undefined && rule.name !== attrs.name) return false;
  return true;
}

/** Allow-all authorisation with explicit denials, enough to reproduce 403s in tests. */
export class Rbac {
  readonly #denials: RbacRule[] = [];

  /** Denies every request matching the rule (unset fields match anything). Returns an undo. */
  deny(rule: RbacRule): () => void {
    this.#denials.push(rule);
    return () => {
      const index = this.#denials.indexOf(rule);
      if (index !== -1) this.#denials.splice(index, 1);
    };
  }

  clear(): void {
    this.#denials.length = 0;
  }

  allowed(attrs: RequestAttributes): boolean {
    return !this.#denials.some((rule) => ruleMatches(rule, attrs));
  }

  /** The 403 the apiserver sends, word for word. */
  forbidden(attrs: RequestAttributes): ApiError {
    const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
    const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    const details: NonNullable<ApiError['details']> = {};
    if (attrs.name) details.name = attrs.name;
    if (attrs.group) details.group = attrs.group;
    details.kind = attrs.resource;
    return new ApiError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${attrs.user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`,
      details,
    );
  }
}

export interface FaultRule {
  /** Which requests: unset fields match anything. `verb` uses API verbs (get, list, watch, create, patch…). */
  match?: Partial<RequestAttributes>;
  /** Delay before the request is handled (ms, real time). */
  latencyMs?: number;
  /** Answer with this error instead (e.g. 500, 503, 429). */
  status?: number;
  message?: string;
  /** With status 429: the Retry-After header and details.retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** For watches: end the stream after this many ms without a final event. */
  dropWatchAfterMs?: number;
  /** Apply to this many matching requests, then expire (default: until removed). */
  times?: number;
}

export interface FaultDecision {
  latencyMs: number;
  error?: ApiError;
  retryAfterSeconds?: number;
  dropWatchAfterMs?: number;
}

export class Faults {
  readonly #rules: { rule: FaultRule; remaining: number }[] = [];
  readonly #watchClosers = new Set<() => void>();

  /** Adds a fault; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const entry = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.#rules.push(entry);
    return () => {
      const index = this.#rules.indexOf(entry);
      if (index !== -1) this.#rules.splice(index, 1);
    };
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Ends every open watch stream now, as a dropped connection would. Returns how many. */
  dropWatches(): number {
    const closers = [...this.#watchClosers];
    for (const close of closers) close();
    return closers.length;
  }

  trackWatch(close: () => void): () => void {
    this.#watchClosers.add(close);
    return () => this.#watchClosers.delete(close);
  }

  decide(attrs: RequestAttributes): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const entry of [...this.#rules]) {
      const match = entry.rule.match ?? {};
      const matches = Object.entries(match).every(
        ([key, value]) => value === undefined || (attrs as unknown as Record<string, unknown>)[key] === value,
      );
      if (!matches || entry.remaining <= 0) continue;
      const rule = entry.rule;
      // One error answers a request; later error rules wait for later requests.
      if (rule.status !== undefined && decision.error) continue;
      entry.remaining--;
      if (entry.remaining <= 0) this.#rules.splice(this.#rules.indexOf(entry), 1);
      decision.latencyMs += rule.latencyMs ?? 0;
      if (rule.dropWatchAfterMs !== undefined) decision.dropWatchAfterMs = rule.dropWatchAfterMs;
      if (rule.status !== undefined) {
        decision.error = faultError(rule);
        if (rule.retryAfterSeconds !== undefined) decision.retryAfterSeconds = rule.retryAfterSeconds;
      }
    }
    return decision;
  }
}

function faultError(rule: FaultRule): ApiError {
  const status = rule.status!;
  if (status === 429) {
    return new ApiError(
      429,
      'TooManyRequests',
      rule.message ?? 'Too many requests, please try again later.',
      {
        retryAfterSeconds: rule.retryAfterSeconds ?? 1,
      },
    );
  }
  if (status === 503) {
    return new ApiError(
      503,
      'ServiceUnavailable',
      rule.message ?? 'the server is currently unable to handle the request',
    );
  }
  if (status === 504)
    return new ApiError(
      504,
      'Timeout',
      rule.message ??
        'the server was unable to return a response in the time allotted, but may still be processing the request',
    );
  if (status >= 500) {
    return new ApiError(
      status,
      'InternalError',
      `Internal error occurred: ${rule.message ?? 'injected fault'}`,
      {
        causes: [{ message: rule.message ?? 'injected fault' }],
      },
    );
  }
  return new ApiError(status, 'BadRequest', rule.message ?? 'injected fault');
}
