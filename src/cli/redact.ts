// Secrets must never reach the terminal, also not with --debug: bearer tokens, client keys,
// passwords in URLs and exec-plugin tokens are masked before anything is logged.

const SENSITIVE_KEYS =
  /^(token|id-token|refresh-token|access-token|client-key-data|client-key|password|authorization|client-secret|bearertoken)$/i;

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

/** `token: x`, `"password":"x"`, `access_token=x`: a sensitive key followed by its value. */
const SENSITIVE_ASSIGNMENT =
  /\b(token|id-token|refresh-token|access[-_]token|client-key-data|password|client-secret)(["']?\s*[:=]\s*["']?)(?!<redacted>)[^\s"'&,;}]+/gi;

/** Masks bearer/basic credentials, sensitive key-value pairs, URL passwords and PEM private keys in free text. */
export function redactText(text: string): string {
  return text
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1<redacted>')
    .replace(/(Basic\s+)[A-Za-z0-9+/=]{8,}/g, '$1<redacted>')
    .replace(SENSITIVE_ASSIGNMENT, '$1$2<redacted>')
    .replace(/(\/\/[^/\s:@]+:)[^/\s@]+@/g, '$1<redacted>@')
    .replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
      '<redacted private key>',
    );
}
