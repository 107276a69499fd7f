// The output formats that work on the document a command prints with -o json, the same way for
// every report: json, yaml, name, jsonpath and custom-columns (tables are each command's own).
// A list document has `items`; custom-columns prints one row per item (one row for a single
// report) and -o name one line per item, as kubectl does for a list and for one object.
import type { OutputOptions } from '../cli/output.ts';
import { renderCustomColumns } from './custom-columns.ts';
import type { GoValue } from './go-values.ts';
import { JsonPathExecuteError, executeJsonPath } from './jsonpath.ts';
import { renderJson } from './json.ts';
import { terminalSafeCell, terminalSafeText } from './terminal-text.ts';

export interface PrintableDocument<Item> {
  /** Exactly what -o json prints. */
  document: unknown;
  /** The list's items, or undefined for a single report. */
  items?: readonly Item[];
  /** The StatefulSet's name for -o name: of each item, or of the single report. */
  nameOf: (item: Item | undefined) => string;
}

/** kubectl's -o name for a StatefulSet. */
export function resourceName(name: string): string {
  return `statefulset.apps/${name}`;
}

/** The document as kubectl's engine sees it: plain JSON, no undefined. */
function asJson(value: unknown): GoValue {
  return JSON.parse(JSON.stringify(value)) as GoValue;
}

/**
 * The renderer of every format but table/wide (undefined for those: the command draws its
 * table), loaded ahead so that it can be called synchronously (a watch prints from a callback).
 * The renderer throws JsonPathExecuteError for a template that fails on a document, and
 * terminal-safe text is chosen by whether `stream` is a terminal.
 */
export async function documentRenderer<Item>(
  output: OutputOptions,
  stream: { isTTY?: boolean } = process.stdout,
): Promise<((printable: PrintableDocument<Item>) => string) | undefined> {
  switch (output.format) {
    case 'json':
      return (printable) => renderJson(printable.document);
    case 'yaml': {
      const { renderYaml } = await import('./yaml.ts');
      return (printable) => renderYaml(printable.document);
    }
    case 'name':
      return (printable) =>
        (printable.items
          ? printable.items.map((item) => printable.nameOf(item))
          : [printable.nameOf(undefined)]
        )
          .map((name) => `${terminalSafeCell(resourceName(name))}\n`)
          .join('');
    case 'jsonpath': {
      const { template, source, allowMissingKeys } = output.jsonPath!;
      return (printable) => {
        try {
          const text = executeJsonPath(template, asJson(printable.document), { allowMissingKeys });
          return terminalSafeText(text, Boolean(stream.isTTY));
        } catch (error) {
          // kubectl's words: `error executing jsonpath "{.x}": … x is not found`.
          if (error instanceof JsonPathExecuteError)
            throw new JsonPathExecuteError(
              `error executing jsonpath ${JSON.stringify(source)}: ${error.message}`,
            );
          throw error;
        }
      };
    }
    case 'custom-columns': {
      const columns = output.customColumns!;
      return (printable) =>
        renderCustomColumns(
          columns,
          printable.items ? printable.items.map(asJson) : [asJson(printable.document)],
          { noHeaders: output.noHeaders },
        );
    }
    default:
      return undefined;
  }
}
