// `--sort-by` as kubectl sorts a list: the JSONPath (relaxed: `.name` or `{.name}`) is evaluated
// on every item and items compare on its first value. Numbers compare with numbers, strings as
// quantities when both parse as one (`500Mi` before `1Gi`), else byte by byte (`web-10` before
// `web-9`, as kubectl 1.32 sorts them); an item without the field sorts first; booleans, objects, arrays, or a number against
// a float cannot be sorted and are an error, as in kubectl. Checked against real kubectl in
// test/render/custom-columns-oracle.test.ts.
import { CustomColumnsError, relaxedJsonPath } from './custom-columns.ts';
import { GoByte, GoFloat, compareGoStrings, goTypeName } from './go-values.ts';
import type { GoValue } from './go-values.ts';
import { JsonPathExecuteError, JsonPathParseError, findJsonPathResults, parseJsonPath } from './jsonpath.ts';
import type { ListNode } from './jsonpath.ts';

/** A --sort-by kubectl would refuse, or a list it cannot sort; the message is kubectl's. */
export class SortError extends Error {}

export interface SortField {
  /** The expression as kubectl normalises it (`{.name}`). */
  path: string;
  template: ListNode;
}

/** Checks and parses a --sort-by value (before anything is fetched). */
export function parseSortField(expression: string): SortField {
  try {
    const path = relaxedJsonPath(expression);
    return { path, template: parseJsonPath(path) };
  } catch (error) {
    if (error instanceof CustomColumnsError || error instanceof JsonPathParseError)
      throw new SortError(error.message);
    throw error;
  }
}

const BINARY: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL: Record<string, bigint> = {
  n: -9n,
  u: -6n,
  m: -3n,
  '': 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
};

/** A resource.Quantity as an exact fraction, or undefined when the text is not one. */
export function parseQuantity(text: string): { numerator: bigint; denominator: bigint } | undefined {
  const match = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(.*)$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  let exponent10 = 0n;
  if (suffix in BINARY) numerator *= 2n ** BINARY[suffix]!;
  else if (suffix in DECIMAL) exponent10 = DECIMAL[suffix]!;
  else {
    const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    if (!exponent) return undefined;
    exponent10 = BigInt(exponent[1]!);
  }
  if (exponent10 >= 0n) numerator *= 10n ** exponent10;
  else denominator *= 10n ** -exponent10;
  return { numerator, denominator };
}

const UNSORTABLE_INTERFACE = 'unsortable interface: interface';

/** kubectl's isLess for two values of the field (both present). */
function isLess(a: GoValue, b: GoValue): boolean {
  if (a === null && b === null) return false;
  if (a === null) return true;
  if (b === null) return false;
  const sameKind = (x: GoValue, y: GoValue) => goTypeName(x) === goTypeName(y);
  if (typeof a === 'number' || a instanceof GoFloat || a instanceof GoByte) {
    if (!sameKind(a, b)) throw new SortError(UNSORTABLE_INTERFACE);
    const x = typeof a === 'number' ? a : a.value;
    const y = typeof b === 'number' ? b : (b as GoFloat | GoByte).value;
    return x < y;
  }
  if (typeof a === 'string') {
    if (typeof b !== 'string') throw new SortError(UNSORTABLE_INTERFACE);
    const qa = parseQuantity(a);
    const qb = qa && parseQuantity(b);
    if (qa && qb) return qa.numerator * qb.denominator < qb.numerator * qa.denominator;
    return compareGoStrings(a, b) < 0;
  }
  throw new SortError(`unsortable type: ${goTypeName(a)}`);
}

/** The first value of the field in an item, or undefined when it has none. */
function firstValue(field: SortField, item: GoValue): GoValue | undefined {
  const results = findJsonPathResults(field.template, item, { allowMissingKeys: true });
  return results.length > 0 && results[0]!.length > 0 ? results[0]![0] : undefined;
}

/**
 * `items` in kubectl's --sort-by order. Lists up to 12 long are sorted exactly as kubectl's
 * Go sort does (an insertion sort: equal items keep their order); longer ones stably.
 */
export function sortItems<T>(items: readonly T[], field: SortField): T[] {
  if (items.length === 0) return [];
  let found = false;
  // The items as the -o json document holds them (no undefined), converted once.
  const documents = JSON.parse(JSON.stringify(items)) as GoValue[];
  const keys = documents.map((item) => {
    try {
      const key = firstValue(field, item);
      found ||= key !== undefined;
      return key;
    } catch (error) {
      if (!(error instanceof JsonPathExecuteError)) throw error;
      // kubectl looks for the field item by item until one has it (an error there is its
      // message alone), then while comparing stops with "Failed to get i values for <object>".
      throw new SortError(
        found ? `Failed to get values for an item using ${field.path}: ${error.message}` : error.message,
      );
    }
  });
  if (!found) throw new SortError(`couldn't find any field with path "${field.path}" in the list of objects`);
  const less = (i: number, j: number): boolean => {
    if (keys[i] === undefined) return true;
    if (keys[j] === undefined) return false;
    try {
      return isLess(keys[i]!, keys[j]!);
    } catch (error) {
      throw new SortError(
        `Field ${field.path} in *unstructured.Unstructured is an unsortable type: interface, err: ${(error as Error).message}`,
      );
    }
  };
  const order = items.map((_, index) => index);
  if (order.length <= 12) {
    for (let i = 1; i < order.length; i++) {
      for (let j = i; j > 0 && less(order[j]!, order[j - 1]!); j--) {
        [order[j - 1], order[j]] = [order[j]!, order[j - 1]!];
      }
    }
  } else {
    order.sort((i, j) => (less(i, j) ? -1 : less(j, i) ? 1 : i - j));
  }
  return order.map((index) => items[index]!);
}
