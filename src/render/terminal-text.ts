// Where the user-shaped output formats (-o custom-columns, -o jsonpath) make text from the
// cluster safe for a terminal. One definition of "safe" (terminalSafe in ./terminal.ts); these
// two say only which characters are layout in each format.
import { terminalSafe } from './terminal.ts';

/** A table cell (custom-columns): every control character visible, so rows stay one line each. */
export function terminalSafeCell(text: string): string {
  return terminalSafe(text);
}

/**
 * Free-form output (-o jsonpath) bound for a terminal: control characters visible except the
 * newlines and tabs a template prints on purpose. Output into a pipe or file stays byte for byte
 * kubectl's, for scripts.
 */
export function terminalSafeText(text: string, toTerminal: boolean): string {
  return toTerminal ? terminalSafe(text, { keepLayout: true }) : text;
}
