// The kubectl look, shared by every table the plugin prints: no borders, left-aligned columns
// separated by three spaces, upper-case headers, no trailing spaces.
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

/**
 * Renders rows under headers, kubectl style. Cells may carry ANSI colour (added by the caller
 * only when colour is enabled); widths are measured without it. Returns text ending in a newline,
 * or an empty string when there is nothing to print.
 */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const body = options.noHeaders ? rows : [headers.map((header) => header.toUpperCase()), ...rows];
  if (body.length === 0) return '';
  const table = new Table({
    chars: NO_BORDER,
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const row of body) table.push(row.map((cell) => (cell === '' ? ' ' : cell)));
  const lines = table
    .toString()
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''));
  // cli-table3 emits an empty line for the (blank) top and bottom borders.
  while (lines[0] === '') lines.shift();
  while (lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
