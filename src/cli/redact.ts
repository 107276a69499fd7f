// Secrets must never reach the terminal, also not with --debug: bearer tokens, client keys,
// passwords in URLs and exec-plugin tokens are masked before anything is logged.

const SENSITIVE_KEYS =
  /^(token|(id|refresh|access)[-_]token|client[-_]key[-_]data|client-key|password|authorization|client[-_]secret|bearertoken)$/i;

export function redactHeaderValue(name: string, value: string): string {
  if (/^(authorization|proxy-authorization)$/i.test(name))
    return value.replace(/^(\w+)\s+.*/, '$1 <redacted>');
  if (/^cookie$/i.test(name)) return '<redacted>';
  return value;
}

/** Deep copy of a value with every sensitive key's value replaced by "<redacted>". */
export function redactObject<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactObject(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SENSITIVE_KEYS.test(key) && inner != null ? '<redacted>' : redactObject(inner);
    }
    return out as T;
  }
  return value;
}

/**
 * `token: x`, `"password":"x"`, `access_token=x`, `refresh_token=x`, `"id_token": "x"`,
 * `client_secret=x`: a sensitive key followed by its value, in YAML, JSON, a query string or an
 * OAuth error body, with either `-` or `_` between the words.
 */
const SENSITIVE_ASSIGNMENT =
  /\b(token|(?:id|refresh|access)[-_]token|client[-_]key[-_]data|password|client[-_]secret)(["']?\s*[:=]\s*["']?)(?!<redacted>)[^\s"'&,;}]+/gi;

/**
 * A JSON Web Token on its own (an OIDC id_token, a service-account token): three base64url parts,
 * the first two JSON objects (so they start `eyJ`, base64 of `{"`).
 */
const BARE_JWT = /\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** Masks bearer/basic credentials, sensitive key-value pairs, JWTs, URL passwords and PEM private keys in free text. */
export function redactText(text: string): string {
  return text
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1<redacted>')
    .replace(/(Basic\s+)[A-Za-z0-9+/=]{8,}/g, '$1<redacted>')
    .replace(SENSITIVE_ASSIGNMENT, '$1$2<redacted>')
    .replace(BARE_JWT, '<redacted token>')
    .replace(/(\/\/[^/\s:@]+:)[^/\s@]+@/g, '$1<redacted>@')
    .replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
      '<redacted private key>',
    );
}
