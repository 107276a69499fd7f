// How kubectl (Go) prints a value decoded from JSON, so that our JSONPath and custom-columns
// output is byte-for-byte kubectl's on the same document. kubectl decodes objects "unstructured":
// a JSON integer becomes an int64, any other number a float64, and the printers then use Go's
// fmt.Sprint (custom-columns), fmt's %v (JSONPath scalars) or encoding/json (JSONPath objects).

/**
 * A JSON value as kubectl's engine holds it. GoByte is one byte of a string (`{.name.*}`);
 * GoFloat a float64 written in a template (`2.0`), which compares as a float even when whole.
 */
export type GoValue =
  null | boolean | number | string | GoValue[] | { [key: string]: GoValue } | GoByte | GoFloat;

/** One byte of a string's UTF-8 encoding (Go iterates strings by byte). */
export class GoByte {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A float64 constant from a template. */
export class GoFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export function isGoMap(value: unknown): value is { [key: string]: GoValue } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof GoByte) &&
    !(value instanceof GoFloat)
  );
}

/**
 * Whether Go decoded this number as an int64: JSON.stringify writes integers below 1e21 without
 * a fraction or exponent, which is what the unstructured decoder reads as an integer.
 */
export function isGoInt(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 1e21;
}

/** Go's name for the value's dynamic type, as its error messages print it. */
export function goTypeName(value: GoValue): string {
  if (value === null) return 'interface {}';
  if (value instanceof GoByte) return 'uint8';
  if (value instanceof GoFloat) return 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'number') return isGoInt(value) ? 'int64' : 'float64';
  return typeof value === 'string' ? 'string' : 'bool';
}

/** Go's %v for a float64: the shortest digits, in %e form when the exponent is < -4 or >= 6. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const shown = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const magnitude = Math.abs(exponent);
    return `${sign}${shown}e${exponent < 0 ? '-' : '+'}${magnitude < 10 ? `0${magnitude}` : magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

function formatNumber(value: number): string {
  return isGoInt(value) ? String(value) : formatGoFloat(value);
}

const SURROGATE = /[\ud800-\udfff]/;

/** Go orders strings by their UTF-8 bytes, which is code point order (not UTF-16 order). */
export function compareGoStrings(a: string, b: string): number {
  // Without surrogates UTF-16 order is code point order already (the usual case, and fast).
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortedKeys(map: { [key: string]: GoValue }): string[] {
  return Object.keys(map).sort(compareGoStrings);
}

/** fmt.Sprint of the value (what custom-columns prints): `map[a:1 b:[x y]]`, `<nil>`. */
export function goSprint(value: GoValue): string {
  if (value === null) return '<nil>';
  if (value instanceof GoByte) return String(value.value);
  if (value instanceof GoFloat) return formatGoFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(goSprint).join(' ')}]`;
  if (typeof value === 'object')
    return `map[${sortedKeys(value)
      .map((key) => `${key}:${goSprint(value[key]!)}`)
      .join(' ')}]`;
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

const HEX = '0123456789abcdef';

/** A string as encoding/json writes it: HTML-safe (<, >, & escaped) and U+2028/2029 escaped. */
function goJsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (code < 0x20 || char === '<' || char === '>' || char === '&')
      out += `\\u00${HEX[code >> 4]}${HEX[code & 0xf]}`;
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`;
    // A lone surrogate cannot be valid UTF-8: Go's decoder had made it U+FFFD.
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else out += char;
  }
  return `${out}"`;
}

/** json.Marshal of the value: compact, map keys sorted, HTML-safe strings. */
export function goJson(value: GoValue): string {
  if (value === null) return 'null';
  if (value instanceof GoByte) return String(value.value);
  if (value instanceof GoFloat) return String(value.value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object')
    return `{${sortedKeys(value)
      .map((key) => `${goJsonString(key)}:${goJson(value[key]!)}`)
      .join(',')}}`;
  // encoding/json and JavaScript agree on numbers (exponent below 1e-6 and from 1e21).
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return goJsonString(value);
  return String(value);
}

/** %v of a scalar as JSONPath prints it (a JSON null prints as `null`). */
export function goText(value: GoValue): string {
  if (value === null) return 'null';
  if (value instanceof GoByte) return String(value.value);
  if (value instanceof GoFloat) return formatGoFloat(value.value);
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}
