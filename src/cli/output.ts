// From the output and list flags to plain options, checked before anything is fetched (kubectl
// builds its printer before its request too): -o with its templates parsed, --sort-by parsed,
// label columns split, selectors checked. Messages are kubectl's where kubectl has one.
import { readFileSync } from 'node:fs';
import { CustomColumnsError, parseCustomColumns, parseCustomColumnsFile } from '../render/custom-columns.ts';
import type { CustomColumn } from '../render/custom-columns.ts';
import { JsonPathExecuteError, JsonPathParseError, parseJsonPath } from '../render/jsonpath.ts';
import type { ListNode } from '../render/jsonpath.ts';
import { SortError, parseSortField, sortItems } from '../render/sort.ts';
import type { SortField } from '../render/sort.ts';
import { STATEFULSET_FIELDS, parseFieldSelector, parseLabelSelector } from '../core/selectors.ts';
import { usageError } from './errors.ts';
import { REPORT_OUTPUT_FORMATS, colourEnabled } from './flags.ts';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'jsonpath' | 'custom-columns';

export interface OutputOptions {
  format: OutputFormat;
  noHeaders: boolean;
  color: boolean;
  /** -o jsonpath=… / jsonpath-file=…: the parsed template and its text. */
  jsonPath?: { template: ListNode; source: string; allowMissingKeys: boolean };
  /** -o custom-columns=… / custom-columns-file=…: the parsed columns. */
  customColumns?: CustomColumn[];
}

export interface OutputFlags {
  output?: string;
  'no-headers'?: boolean;
  color?: string;
  'allow-missing-template-keys'?: boolean;
}

const HINT = 'see the accepted formats with --help';

function readTemplateFile(path: string, format: string): string {
  if (path === '')
    throw usageError('template format specified but no template given', `give the file: -o ${format}=FILE`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw usageError(`cannot read the template file "${path}" for -o ${format}: ${reason}`, 'check the path');
  }
}

function jsonPathFrom(template: string, allowMissingKeys: boolean): OutputOptions['jsonPath'] {
  if (template === '')
    throw usageError(
      'template format specified but no template given',
      "e.g. -o jsonpath='{.statefulSet.name}'",
    );
  try {
    return { template: parseJsonPath(template), source: template, allowMissingKeys };
  } catch (error) {
    if (error instanceof JsonPathParseError)
      throw usageError(
        `error parsing jsonpath ${template}, ${error.message}`,
        'fix the template (kubectl JSONPath syntax)',
      );
    throw error;
  }
}

function columnsFrom(parse: () => CustomColumn[]): CustomColumn[] {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CustomColumnsError)
      throw usageError(
        error.message,
        "e.g. -o custom-columns='NAME:.statefulSet.name,READY:.statefulSet.replicas.ready'",
      );
    throw error;
  }
}

/**
 * The output options of a command. `formats` are the -o values the command accepts (verify-pvc's
 * flag already restricts them; status and dns take every report format and are checked here).
 */
export function toOutputOptions(
  flags: OutputFlags,
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
  formats: readonly string[] = REPORT_OUTPUT_FORMATS,
): OutputOptions {
  const value = flags.output ?? 'table';
  const equals = value.indexOf('=');
  const format = equals < 0 ? value : value.slice(0, equals);
  const argument = equals < 0 ? '' : value.slice(equals + 1);
  const withTemplate = ['jsonpath', 'jsonpath-file', 'custom-columns', 'custom-columns-file'];
  if (!formats.includes(format) || (equals >= 0 && !withTemplate.includes(format))) {
    throw usageError(
      `unable to match a printer suitable for the output format "${value}", allowed formats are: ${[...formats].sort().join(',')}`,
      HINT,
    );
  }
  const options: OutputOptions = {
    format: 'table',
    noHeaders: flags['no-headers'] ?? false,
    color: colourEnabled(flags.color ?? 'auto', stream, env),
  };
  const allowMissingKeys = flags['allow-missing-template-keys'] ?? true;
  switch (format) {
    case 'jsonpath':
      return { ...options, format: 'jsonpath', jsonPath: jsonPathFrom(argument, allowMissingKeys) };
    case 'jsonpath-file':
      return {
        ...options,
        format: 'jsonpath',
        jsonPath: jsonPathFrom(readTemplateFile(argument, format), allowMissingKeys),
      };
    case 'custom-columns':
      return {
        ...options,
        format: 'custom-columns',
        customColumns: columnsFrom(() => parseCustomColumns(argument)),
      };
    case 'custom-columns-file': {
      const text = readTemplateFile(argument, format);
      return {
        ...options,
        format: 'custom-columns',
        customColumns: columnsFrom(() => parseCustomColumnsFile(text)),
      };
    }
    default:
      return { ...options, format: format as OutputFormat };
  }
}

/** Selection and layout of a list view (status and dns without NAME). */
export interface ListOptions {
  /** -l, checked; sent to the API server as is. */
  labelSelector: string | undefined;
  /** --field-selector, checked; sent to the API server as is. */
  fieldSelector: string | undefined;
  sortBy: SortField | undefined;
  /** -L: label keys, one column each. */
  labelColumns: string[];
  showLabels: boolean;
}

export interface ListFlags {
  selector?: string;
  'field-selector'?: string;
  'sort-by'?: string;
  'show-labels'?: boolean;
  'label-columns'?: string[];
}

/**
 * The list options; `name` is the NAME argument. kubectl refuses a selector with a name ("name
 * cannot be provided when a selector is specified"); the list layout flags have nothing to act
 * on for one StatefulSet here, so they are refused too rather than ignored.
 */
export function toListOptions(flags: ListFlags, name: string | undefined, command: string): ListOptions {
  const selector = flags.selector;
  const fieldSelector = flags['field-selector'];
  if (name !== undefined && (selector !== undefined || fieldSelector !== undefined))
    throw usageError(
      'name cannot be provided when a selector is specified',
      `drop NAME to list the StatefulSets that match, e.g. kubectl sts ${command} -l app=db`,
    );
  const layout = (['sort-by', 'show-labels', 'label-columns'] as const).find((flag) =>
    flag === 'show-labels' ? flags[flag] === true : flags[flag] !== undefined,
  );
  if (name !== undefined && layout)
    throw usageError(
      `--${layout} applies to the list of StatefulSets; it takes no NAME`,
      `run \`kubectl sts ${command} --${layout} …\` without NAME`,
    );
  try {
    if (selector !== undefined) parseLabelSelector(selector);
  } catch (error) {
    throw usageError((error as Error).message, 'e.g. -l app=db, -l "tier in (data,cache)", -l \'!canary\'');
  }
  if (fieldSelector !== undefined) {
    let fields: string[];
    try {
      fields = parseFieldSelector(fieldSelector).map((requirement) => requirement.field);
    } catch (error) {
      throw usageError((error as Error).message, 'e.g. --field-selector metadata.name=web');
    }
    // The API server's answer for other fields, given before any request (and the same offline).
    const unsupported = fields.find((field) => !STATEFULSET_FIELDS.includes(field));
    if (unsupported !== undefined)
      throw usageError(
        `field label not supported: ${unsupported}`,
        `StatefulSets can be selected by ${STATEFULSET_FIELDS.join(' and ')}; use -l for labels`,
      );
  }
  let sortBy: SortField | undefined;
  if (flags['sort-by'] !== undefined) {
    try {
      sortBy = parseSortField(flags['sort-by']);
    } catch (error) {
      if (error instanceof SortError)
        throw usageError(error.message, `e.g. --sort-by=.name (a JSONPath over each item of -o json)`);
      throw error;
    }
  }
  const labelColumns = (flags['label-columns'] ?? [])
    .flatMap((value) => value.split(','))
    .filter((key) => key !== '');
  return {
    labelSelector: selector,
    fieldSelector,
    sortBy,
    labelColumns,
    showLabels: flags['show-labels'] ?? false,
  };
}

/**
 * A failure of the user's template or sort field on the document that was fetched: a usage
 * error with kubectl's message (kubectl exits 1 with the same words; our usage code is 2).
 */
export function outputError(error: unknown): unknown {
  if (error instanceof JsonPathExecuteError) {
    return usageError(
      error.message,
      'the template runs over the -o json document; --allow-missing-template-keys (the default) prints nothing for a missing key',
    );
  }
  if (error instanceof SortError)
    return usageError(
      error.message,
      'sort by a field that holds a string or a number in every item (see -o json)',
    );
  return error;
}

/** `items` sorted by --sort-by (unchanged without it). */
export function sortedItems<T>(items: readonly T[], list: ListOptions): T[] {
  if (!list.sortBy) return [...items];
  try {
    return sortItems(items, list.sortBy);
  } catch (error) {
    throw outputError(error);
  }
}
