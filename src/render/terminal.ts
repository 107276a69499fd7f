// Cluster data is never written raw to a terminal. Anyone who can create an Event, label a pod or
// hand over a dump controls some of the strings we print; an escape sequence among them could
// retitle the window, erase or hide lines, or fake a verdict. Every string from the cluster or a
// dump that is drawn as text has its control characters made visible, in ONE way:
//
//   - ESC → `^[` and CR → `\r`, exactly as kubectl writes them (printers.EscapeTerminal), so
//     that our output of kubectl's formats is kubectl's byte for byte; the other C0 controls
//     and DEL in caret notation:
//     a newline inside a value → `^J`, TAB → `^I`, BEL → `^G`, DEL → `^?`;
//   - invisible controls beyond ASCII (C1 such as U+009B CSI, bidi overrides and isolates,
//     line/paragraph separators) as `<U+009B>`.
//
// It is applied by construction: text renderers are wrapped with forTerminal(), which escapes
// every string of their arguments before they draw (so the colour codes a renderer adds itself
// survive), and the few lines written outside a renderer (errors, progress, --debug traces) go
// through terminalSafe() whole. JSON and YAML output is not touched: it carries the data exact.

// Matching control characters is the point here.
/* eslint-disable no-control-regex */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_LAYOUT =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

function visible(character: string): string {
  const code = character.charCodeAt(0);
  if (character === '\r') return '\\r';
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

export interface TerminalSafeOptions {
  /** Keep newlines and tabs (multi-line text we composed, such as a --debug stack). */
  keepLayout?: boolean;
}

/** `text` with every control character made visible; the same string when there is none. */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(options.keepLayout ? UNSAFE_KEEP_LAYOUT : UNSAFE_ALL, visible);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A copy of `value` with terminalSafe applied to every string in it, map keys included.
 * Unchanged parts are shared, not copied; objects other than plain ones and arrays (a Date)
 * are kept as they are.
 */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return terminalSafe(value) as T;
  if (value === null || typeof value !== 'object') return value;
  // Plain loops, no Object.entries: this runs over every report a table draws (1,000 pods).
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index] as unknown;
      const safe = terminalSafeDeep(item);
      if (safe !== item) (copy ??= [...(value as unknown[])])[index] = safe;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    const item = record[key];
    const safeKey = terminalSafe(key);
    const safe = terminalSafeDeep(item);
    if (safe === item && safeKey === key) continue;
    copy ??= { ...record };
    if (safeKey !== key) delete copy[key];
    copy[safeKey] = safe;
  }
  return (copy ?? value) as T;
}

/**
 * A text renderer whose arguments are made terminal-safe (terminalSafeDeep) before it draws:
 * `export const renderX = forTerminal(function renderX(report, options) { … })`.
 */
export function forTerminal<A extends unknown[], R>(render: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => render(...(args.map((arg) => terminalSafeDeep(arg)) as A));
}
