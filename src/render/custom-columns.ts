// `-o custom-columns=HEADER:JSONPATH,…` and `-o custom-columns-file=FILE`, as kubectl prints them:
// one row per list item (one row for a single report), each cell the JSONPath's values printed
// as Go's fmt.Sprint and joined by commas, `<none>` when there is none, laid out by Go's
// tabwriter (columns three spaces apart, at least six wide; widths counted in characters).
// Checked against real kubectl in test/render/custom-columns-oracle.test.ts.
import { goSprint } from './go-values.ts';
import type { GoValue } from './go-values.ts';
import { JsonPathExecuteError, JsonPathParseError, findJsonPathResults, parseJsonPath } from './jsonpath.ts';
import type { ListNode } from './jsonpath.ts';
import { terminalSafeCell } from './terminal-text.ts';

export interface CustomColumn {
  header: string;
  /** The column's JSONPath as kubectl normalises it (`{.metadata.name}`). */
  path: string;
  template: ListNode;
}

/** A custom-columns specification kubectl would refuse; the message is kubectl's. */
export class CustomColumnsError extends Error {}

const RELAXED = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/**
 * kubectl's RelaxedJSONPathExpression: `name`, `.name`, `{name}` and `{.name}` all mean
 * `{.name}` (used by custom-columns and --sort-by).
 */
export function relaxedJsonPath(expression: string): string {
  if (expression === '') return expression;
  const match = RELAXED.exec(expression);
  if (!match) {
    throw new CustomColumnsError(
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  }
  return `{.${match[1] || match[2]}}`;
}

function column(header: string, expression: string): CustomColumn {
  const path = relaxedJsonPath(expression);
  try {
    return { header, path, template: parseJsonPath(path) };
  } catch (error) {
    if (error instanceof JsonPathParseError) throw new CustomColumnsError(error.message);
    throw error;
  }
}

/** `NAME:.name,READY:.replicas.ready` (the value of -o custom-columns=). */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '')
    throw new CustomColumnsError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      throw new CustomColumnsError(
        `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`,
      );
    }
    return column(part.slice(0, colon), part.slice(colon + 1));
  });
}

const TEMPLATE_FORMAT =
  'Expected format is one line of space separated headers, one line of space separated column specs.';

/** A custom-columns file: a line of headers, then a line of JSONPaths, separated by whitespace. */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const words = (line: string | undefined) => (line ?? '').split(/\s+/).filter(Boolean);
  if (lines.length < 1 || (lines.length === 1 && lines[0] === ''))
    throw new CustomColumnsError(`invalid template, missing header line. ${TEMPLATE_FORMAT}`);
  if (lines.length < 2 || (lines.length === 2 && lines[1] === ''))
    throw new CustomColumnsError(`invalid template, missing spec line. ${TEMPLATE_FORMAT}`);
  const headers = words(lines[0]);
  const specs = words(lines[1]);
  if (headers.length !== specs.length) {
    throw new CustomColumnsError(
      `number of headers (${headers.length}) and field specifications (${specs.length}) don't match`,
    );
  }
  return headers.map((header, index) => column(header, specs[index]!));
}

/** One cell: every value of the path, printed as Go prints it, joined by commas. */
function cell(template: ListNode, item: GoValue): string {
  let results: GoValue[][];
  try {
    results = findJsonPathResults(template, item, { allowMissingKeys: true });
  } catch (error) {
    // kubectl prints the rows before this one, then `error: <reason>`; here nothing is printed.
    if (error instanceof JsonPathExecuteError) throw new CustomColumnsError(error.message);
    throw error;
  }
  const values: string[] = [];
  if (results.length === 0 || results[0]!.length === 0) values.push('<none>');
  for (const group of results) for (const value of group) values.push(terminalSafeCell(goSprint(value)));
  return values.join(',');
}

/**
 * Go's tabwriter as kubectl configures it (minimum width 6, padding 3, spaces): every column but
 * the last is padded to its widest cell plus three, counted in characters (runes).
 */
export function tabwriterLayout(rows: string[][]): string {
  const runes = (text: string) => (/[\ud800-\udfff]/.test(text) ? [...text].length : text.length);
  const widths: number[] = [];
  for (const row of rows) {
    for (let index = 0; index < row.length - 1; index++)
      widths[index] = Math.max(widths[index] ?? 6, runes(row[index]!) + 3);
  }
  let out = '';
  for (const row of rows) {
    row.forEach((text, index) => {
      out += index < row.length - 1 ? text + ' '.repeat(widths[index]! - runes(text)) : text;
    });
    out += '\n';
  }
  return out;
}

/** The table for `items` (one row each), with the header row unless noHeaders. */
export function renderCustomColumns(
  columns: CustomColumn[],
  items: GoValue[],
  options: { noHeaders: boolean },
): string {
  const rows = items.map((item) => columns.map((col) => cell(col.template, item)));
  return tabwriterLayout(options.noHeaders ? rows : [columns.map((col) => col.header), ...rows]);
}
