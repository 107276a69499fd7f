// The kubectl look, shared by every table the plugin prints: no borders, left-aligned columns
// separated by three spaces, upper-case headers, no trailing spaces. Text that needs Unicode
// width measurement (wide or combining characters) is laid out by cli-table3; plain ASCII, the
// usual case, directly: cli-table3 spends about 1.5 ms per row (1,000 pods would take seconds)
// and, even for three rows, ~8 ms compiling string-width's regular expressions on every run.
// Tests check that both produce identical text.
import Table from 'cli-table3';

export interface TableOptions {
  /** Leave out the header row (`--no-headers`). */
  noHeaders?: boolean;
}

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
};

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

class NotAscii extends Error {}

/** cli-table3 draws an empty cell as one space; both layouts do. */
const cellText = (cell: string) => (cell === '' ? ' ' : cell);

/**
 * The cli-table3 layout for plain-ASCII cells (colour codes allowed): every column as wide as
 * its widest cell, three spaces between columns. Throws NotAscii for other text (wide or
 * combining characters), which cli-table3 measures.
 */
export function fastLayout(body: string[][]): string[] {
  const widths: number[] = [];
  const visible: number[][] = [];
  for (const row of body) {
    const lengths: number[] = [];
    row.forEach((cell, column) => {
      const plain = cellText(cell).replace(ANSI, '');
      if (!PRINTABLE_ASCII.test(plain)) throw new NotAscii();
      lengths.push(plain.length);
      widths[column] = Math.max(widths[column] ?? 0, plain.length);
    });
    visible.push(lengths);
  }
  return body.map((row, r) =>
    row
      .map((cell, column) => cellText(cell) + ' '.repeat(widths[column]! - visible[r]![column]!))
      .join('   ')
      .replace(/\s+$/, ''),
  );
}

function cliTableLayout(body: string[][]): string[] {
  const table = new Table({
    chars: NO_BORDER,
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const row of body) table.push(row.map(cellText));
  // With every border character empty, cli-table3 draws no border lines: one line per row.
  return table
    .toString()
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''));
}

/** Lays out `body` directly when it is plain ASCII, else with cli-table3; the text is the same. */
export function layoutRows(body: string[][], options: { fast?: boolean } = {}): string[] {
  if (options.fast ?? true) {
    try {
      return fastLayout(body);
    } catch (error) {
      if (!(error instanceof NotAscii)) throw error;
    }
  }
  return cliTableLayout(body);
}

/**
 * Renders rows under headers, kubectl style. Cells may carry ANSI colour (added by the caller
 * only when colour is enabled); widths are measured without it. Returns text ending in a newline,
 * or an empty string when there is nothing to print.
 */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const body = options.noHeaders ? rows : [headers.map((header) => header.toUpperCase()), ...rows];
  if (body.length === 0) return '';
  const lines = layoutRows(body);
  return `${lines.join('\n')}\n`;
}
