// The single place where the user-shaped output formats (-o custom-columns, -o jsonpath) make
// text from the cluster safe for a terminal. A value may hold escape sequences (a label, an event
// message); written raw they could move the cursor, rewrite earlier lines or set the window title.
// When the render layer's own terminal-safety function exists, these two functions should call
// it; until then they follow kubectl (printers.EscapeTerminal: ESC → `^[`, CR → `\r`) and make
// the other control characters visible too.

/** Caret notation for C0 controls and DEL (`^G`, `^?`), `\u0085` for C1 controls. */
function visible(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\r') return '\\r';
  if (char === '\n') return '\\n';
  if (char === '\t') return '\\t';
  if (code < 0x20 || code === 0x7f) return `^${String.fromCharCode(code ^ 0x40)}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A table cell (custom-columns): every control character visible, so rows stay one line each. */
export function terminalSafeCell(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * Free-form output (-o jsonpath) bound for a terminal: control characters visible except the
 * newlines and tabs a template prints on purpose. Output into a pipe or file stays byte for byte
 * kubectl's, for scripts.
 */
export function terminalSafeText(text: string, toTerminal: boolean): string {
  return toTerminal ? text.replace(CONTROL_BUT_LAYOUT, visible) : text;
}
