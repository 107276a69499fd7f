// kubectl's JSONPath dialect (client-go util/jsonpath), written from its documented and observed
// behaviour and checked against real kubectl on the same documents (test/render/jsonpath-oracle):
// templates mix literal text with `{…}` actions; `{range …}…{end}`, filters `[?(@.a=="x")]`,
// `..` recursive descent, `[*]`, slices `[1:3:2]`, unions `[0,2]`, `['key']`, quoted text
// `{"\n"}`. Missing keys print nothing unless allowMissingKeys is false (kubectl's
// --allow-missing-template-keys). Its quirks are kept on purpose, since scripts are written against
// kubectl: `{.}` prints nothing (`{$}` or `{@}` is the document), a range's body cannot see the
// document root, an empty slice ends the step for every later value, a number and a float never
// compare. The one deliberate difference: kubectl walks an object's keys in random order (`.*`,
// `..`); this engine walks them in the order the document lists them.
import {
  GoByte,
  GoFloat,
  compareGoStrings,
  goJson,
  goSprint,
  goText,
  goTypeName,
  isGoInt,
  isGoMap,
} from './go-values.ts';
import type { GoValue } from './go-values.ts';

interface SliceParam {
  value: number;
  known: boolean;
  /** The end index was not written (`[3]`): it is start + 1. */
  derived: boolean;
}

export type JsonPathNode =
  | ListNode
  | { type: 'text'; text: string }
  | { type: 'field'; name: string }
  | { type: 'array'; params: [SliceParam, SliceParam, SliceParam] }
  | { type: 'filter'; left: ListNode; right: ListNode; operator: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | { type: 'union'; lists: ListNode[] }
  | { type: 'identifier'; name: string };

export interface ListNode {
  type: 'list';
  nodes: JsonPathNode[];
}

/** A template kubectl would not parse; the message is kubectl's. */
export class JsonPathParseError extends Error {}
/** A template that failed on this document; the message is kubectl's. */
export class JsonPathExecuteError extends Error {}

const EOF = -1;

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09;
}
function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}
function isDigit(r: number): boolean {
  return r >= 0 && /\p{Nd}/u.test(String.fromCodePoint(r));
}
function isAlphaNumeric(r: number): boolean {
  return r === 0x5f || (r >= 0 && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r)));
}
function isTerminator(r: number): boolean {
  return r === EOF || isSpace(r) || isEndOfLine(r) || '.,[]$@{}'.includes(String.fromCodePoint(r));
}

/** Go's %#U: `U+007E '~'`, without the character when it is not printable. */
function describeRune(r: number): string {
  const code = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
  const char = String.fromCodePoint(r);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(char) ? `${code} '${char}'` : code;
}

const INT64_MAX = 2n ** 63n - 1n;

/** strconv.Atoi: ASCII digits with an optional sign, within int64. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const big = BigInt(text);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return undefined;
  return Number(big);
}

const UNQUOTE_SYNTAX = 'invalid syntax';

/** strconv.Unquote, also for single-quoted strings of any length (client-go's UnquoteExtend). */
function unquoteExtend(quoted: string): string {
  const n = quoted.length;
  if (n < 2) throw new Error(UNQUOTE_SYNTAX);
  const quote = quoted[0]!;
  if (quote !== quoted[n - 1] || (quote !== '"' && quote !== "'")) throw new Error(UNQUOTE_SYNTAX);
  const body = quoted.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const bytes: number[] = [];
  const input = Buffer.from(body, 'utf8');
  let i = 0;
  const hex = (count: number): number => {
    if (i + count > input.length) throw new Error(UNQUOTE_SYNTAX);
    let value = 0;
    for (let j = 0; j < count; j++) {
      const digit = parseInt(String.fromCharCode(input[i + j]!), 16);
      if (Number.isNaN(digit)) throw new Error(UNQUOTE_SYNTAX);
      value = value * 16 + digit;
    }
    i += count;
    return value;
  };
  const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  while (i < input.length) {
    const c = input[i]!;
    if (c === quote.charCodeAt(0)) throw new Error(UNQUOTE_SYNTAX);
    if (c !== 0x5c) {
      bytes.push(c);
      i++;
      continue;
    }
    if (i + 1 >= input.length) throw new Error(UNQUOTE_SYNTAX);
    const escape = String.fromCharCode(input[i + 1]!);
    i += 2;
    if (escape in SIMPLE) bytes.push(SIMPLE[escape]!);
    else if (escape === 'x') bytes.push(hex(2));
    else if (escape === 'u' || escape === 'U') {
      const rune = hex(escape === 'u' ? 4 : 8);
      if (rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) throw new Error(UNQUOTE_SYNTAX);
      bytes.push(...Buffer.from(String.fromCodePoint(rune), 'utf8'));
    } else if (escape >= '0' && escape <= '7') {
      if (i + 2 > input.length) throw new Error(UNQUOTE_SYNTAX);
      let value = Number(escape);
      for (let j = 0; j < 2; j++) {
        const digit = input[i + j]! - 0x30;
        if (digit < 0 || digit > 7) throw new Error(UNQUOTE_SYNTAX);
        value = value * 8 + digit;
      }
      i += 2;
      if (value > 255) throw new Error(UNQUOTE_SYNTAX);
      bytes.push(value);
    } else if (escape === "'" || escape === '"') {
      if (escape !== quote) throw new Error(UNQUOTE_SYNTAX);
      bytes.push(escape.charCodeAt(0));
    } else throw new Error(UNQUOTE_SYNTAX);
  }
  return Buffer.from(bytes).toString('utf8');
}

class Parser {
  private pos = 0;
  private start = 0;
  private width = 0;
  readonly root: ListNode = { type: 'list', nodes: [] };
  private readonly input: string;

  constructor(input: string) {
    this.input = input;
  }

  parse(): ListNode {
    for (;;) {
      const open = this.input.indexOf('{', this.pos);
      if (open < 0) break;
      this.pos = open;
      if (this.pos > this.start) this.root.nodes.push({ type: 'text', text: this.consume() });
      this.pos += 1;
      this.consume();
      const action: ListNode = { type: 'list', nodes: [] };
      this.root.nodes.push(action);
      this.parseInsideAction(action);
    }
    this.pos = this.input.length;
    if (this.pos > this.start) this.root.nodes.push({ type: 'text', text: this.consume() });
    return this.root;
  }

  private consume(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  /** Parses until the action's closing brace (consumed). */
  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      const rest = this.input.slice(this.pos, this.pos + 3);
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consume();
        return;
      }
      if (rest === '[?(') {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathParseError('unclosed action');
      if (r === 0x20 || r === 0x40 || r === 0x24)
        this.consume(); // ' ', '@', '$'
      else if (r === 0x5b) this.parseArray(cur);
      else if (r === 0x22 || r === 0x27) this.parseQuote(cur, r);
      else if (r === 0x2e) this.parseField(cur);
      else if (r === 0x2b || r === 0x2d || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else throw new JsonPathParseError(`unrecognized character in action: ${describeRune(r)}`);
    }
  }

  private parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.next()));
    this.backup();
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'bool', value: value === 'true' });
    else cur.nodes.push({ type: 'identifier', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.type === 'recursive')
      throw new JsonPathParseError('invalid multiple recursive descent');
    this.pos += 2;
    this.consume();
    cur.nodes.push({ type: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const sign = this.peek();
    if (sign === 0x2b || sign === 0x2d) this.next();
    for (;;) {
      const r = this.next();
      if (r !== 0x2e && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    const int = atoi(value);
    if (int !== undefined) cur.nodes.push({ type: 'int', value: int });
    else if (/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(value))
      cur.nodes.push({ type: 'float', value: Number(value) });
    else throw new JsonPathParseError(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonPathParseError('unterminated array');
      if (r === 0x5d) break;
    }
    let text = this.consume().slice(1, -1);
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) {
      const lists = parts.map((part) => parseAction(`[${part.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ type: 'union', lists });
      return;
    }
    const key = /^'([^']*)'$/.exec(text);
    if (key) {
      cur.nodes.push(...parseAction(`.${key[1]}`).nodes);
      return;
    }
    const slice = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/.exec(text);
    if (!slice) throw new JsonPathParseError(`invalid array index ${text}`);
    const params: SliceParam[] = [];
    for (let i = 0; i < 3; i++) {
      let part = slice[i + 1] ?? '';
      if (part !== '') {
        if (i > 0) part = part.slice(1);
        if (i > 0 && part === '') params.push({ value: 0, known: false, derived: false });
        else {
          const value = atoi(part);
          if (value === undefined) throw new JsonPathParseError(`array index ${part} is not a number`);
          params.push({ value, known: true, derived: false });
        }
      } else if (i === 1) params.push({ value: params[0]!.value + 1, known: true, derived: true });
      else params.push({ value: 0, known: false, derived: false });
    }
    cur.nodes.push({ type: 'array', params: params as [SliceParam, SliceParam, SliceParam] });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonPathParseError('unterminated filter');
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === 0x29 && begin === end) break;
    }
    if (this.next() !== 0x5d) throw new JsonPathParseError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const comparison = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(text);
    if (!comparison) {
      cur.nodes.push({ type: 'filter', left: parseAction(text), right: emptyList(), operator: 'exists' });
      return;
    }
    const left = parseAction(comparison[1]!);
    const right = parseAction(comparison[3]!);
    cur.nodes.push({ type: 'filter', left, right, operator: comparison[2]! });
  }

  private parseQuote(cur: ListNode, quote: number): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonPathParseError('unterminated quoted string');
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consume();
    try {
      cur.nodes.push({ type: 'text', text: unquoteExtend(value) });
    } catch (error) {
      throw new JsonPathParseError(`unquote string ${value} error ${(error as Error).message}`);
    }
  }

  private parseField(cur: ListNode): void {
    this.consume();
    while (this.advance());
    const value = this.consume();
    if (value === '*') cur.nodes.push({ type: 'wildcard' });
    else cur.nodes.push({ type: 'field', name: value.replaceAll('\\', '') });
  }

  /** One step of a field name; a backslash takes the next character literally. */
  private advance(): boolean {
    const r = this.next();
    if (r === 0x5c) this.next();
    else if (isTerminator(r)) {
      this.backup();
      return false;
    }
    return true;
  }
}

function emptyList(): ListNode {
  return { type: 'list', nodes: [] };
}

/** Parses `text` as the inside of one action (`{text}`), as filters and unions do. */
function parseAction(text: string): ListNode {
  return new Parser(`{${text}}`).parse().nodes[0] as ListNode;
}

/** Parses a template; throws JsonPathParseError with kubectl's message. */
export function parseJsonPath(template: string): ListNode {
  return new Parser(template).parse();
}

/** The root of a range body whose range had no results: Go's invalid (nil) reflect.Value. */
const NO_VALUE = Symbol('no value');
type Value = GoValue | typeof NO_VALUE;

interface Step {
  values: Value[];
  error?: string;
}

const ok = (values: Value[]): Step => ({ values });
const fail = (values: Value[], error: string): Step => ({ values, error });

function childrenOf(value: Value): Value[] {
  if (value === null || value === NO_VALUE) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...Buffer.from(value, 'utf8')].map((byte) => new GoByte(byte));
  if (isGoMap(value)) return Object.values(value);
  return [];
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string';
const INVALID_TYPE = 'invalid type for comparison';
const INCOMPATIBLE = 'incompatible types for comparison';

function kindOf(value: Value): Kind {
  if (value instanceof GoByte) return 'uint';
  if (value instanceof GoFloat) return 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return isGoInt(value) ? 'int' : 'float';
  throw new Error(INVALID_TYPE);
}

function scalar(value: Value): number | string | boolean {
  return value instanceof GoByte || value instanceof GoFloat
    ? value.value
    : (value as number | string | boolean);
}

/** text/template's eq for two basic values. */
function goEqual(left: Value, right: Value): boolean {
  const k1 = kindOf(left);
  const k2 = kindOf(right);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int'))
      return scalar(left) === scalar(right);
    throw new Error(INCOMPATIBLE);
  }
  return scalar(left) === scalar(right);
}

/** text/template's lt for two basic values. */
function goLess(left: Value, right: Value): boolean {
  const k1 = kindOf(left);
  const k2 = kindOf(right);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int'))
      return (scalar(left) as number) < (scalar(right) as number);
    throw new Error(INCOMPATIBLE);
  }
  if (k1 === 'bool') throw new Error(INVALID_TYPE);
  if (k1 === 'string') return compareGoStrings(left as string, right as string) < 0;
  return (scalar(left) as number) < (scalar(right) as number);
}

function compare(operator: string, left: Value, right: Value): boolean {
  switch (operator) {
    case '<':
      return goLess(left, right);
    case '>':
      return !(goLess(left, right) || goEqual(left, right));
    case '==':
      return goEqual(left, right);
    case '!=':
      return !goEqual(left, right);
    case '<=':
      return goLess(left, right) || goEqual(left, right);
    case '>=':
      return !goLess(left, right);
    default:
      throw new Error(`unrecognized filter operator ${operator}`);
  }
}

export interface JsonPathOptions {
  /** kubectl's --allow-missing-template-keys (default true): a missing key prints nothing. */
  allowMissingKeys: boolean;
}

/** One evaluation of a parsed template; carries the range bookkeeping kubectl's engine has. */
class Evaluation {
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEnd = -1;
  private readonly nodes: JsonPathNode[];
  private readonly options: JsonPathOptions;

  constructor(nodes: JsonPathNode[], options: JsonPathOptions) {
    this.nodes = nodes;
    this.options = options;
  }

  /** Each top-level node's results, in order; a range repeats its body once per value. */
  findResults(data: Value, from = 0): Value[][] {
    const all: Value[][] = [];
    for (let i = from; i < this.nodes.length; i++) {
      const step = this.walk([data], this.nodes[i]!);
      if (step.error !== undefined) throw new JsonPathExecuteError(step.error);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEnd = i;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (step.values.length > 0)
          // A null item becomes the body's root as Go's invalid value, like no item at all.
          for (const value of step.values) all.push(...this.findResults(value ?? NO_VALUE, i + 1));
        // Even with nothing to range over, the body is walked so that its {end} is found.
        else this.findResults(NO_VALUE, i + 1);
        this.inRange--;
        for (let k = i + 1; k < this.nodes.length; k++) {
          if (k === this.lastEnd) {
            i = k;
            break;
          }
        }
        continue;
      }
      all.push(step.values);
    }
    return all;
  }

  private walk(input: Value[], node: JsonPathNode): Step {
    switch (node.type) {
      case 'list':
        return this.evalList(input, node);
      case 'text':
        return ok([node.text]);
      case 'field':
        return this.evalField(input, node.name);
      case 'array':
        return this.evalArray(input, node.params);
      case 'filter':
        return this.evalFilter(input, node);
      case 'int':
      case 'bool':
        return ok(input.map(() => node.value));
      case 'float':
        return ok(input.map(() => new GoFloat(node.value)));
      case 'wildcard':
        return ok(input.flatMap(childrenOf));
      case 'recursive':
        return ok(this.evalRecursive(input));
      case 'union': {
        const values: Value[] = [];
        for (const list of node.lists) {
          const step = this.evalList(input, list);
          if (step.error !== undefined) return fail(input, step.error);
          values.push(...step.values);
        }
        return ok(values);
      }
      case 'identifier':
        return this.evalIdentifier(input, node.name);
    }
  }

  private evalList(input: Value[], list: ListNode): Step {
    let current = input;
    for (const node of list.nodes) {
      const step = this.walk(current, node);
      if (step.error !== undefined) return step;
      current = step.values;
    }
    return ok(current);
  }

  private evalIdentifier(input: Value[], name: string): Step {
    if (name === 'range') {
      this.beginRange++;
      return ok(input);
    }
    if (name === 'end') {
      if (this.inRange > 0) {
        this.endRange++;
        return ok([]);
      }
      return fail([], 'not in range, nothing to end');
    }
    return fail(input, `unrecognized identifier ${name}`);
  }

  private evalField(input: Value[], name: string): Step {
    const values: Value[] = [];
    for (const value of input) {
      if (isGoMap(value) && Object.hasOwn(value, name)) values.push(value[name]!);
    }
    if (values.length === 0 && input.length > 0 && !this.options.allowMissingKeys)
      return fail([], `${name} is not found`);
    return ok(values);
  }

  private evalArray(input: Value[], params: [SliceParam, SliceParam, SliceParam]): Step {
    const values: Value[] = [];
    for (const value of input) {
      if (value === null || value === NO_VALUE) continue;
      if (!Array.isArray(value)) return fail(input, `${goTypeName(value)} is not array or slice`);
      const length = value.length;
      let start = params[0].known ? params[0].value : 0;
      if (start < 0) start += length;
      let end = params[1].known ? params[1].value : length;
      if (end < 0 || (end === 0 && params[1].derived)) end += length;
      // kubectl returns at the first empty slice, leaving later values out too.
      if (end === start) return ok(values);
      if (start >= length || start < 0)
        return fail(input, `array index out of bounds: index ${start}, length ${length}`);
      if (end > length || end < 0)
        return fail(input, `array index out of bounds: index ${end - 1}, length ${length}`);
      if (start > end) return fail(input, `starting index ${start} is greater than ending index ${end}`);
      let step = 1;
      if (params[2].known) {
        if (params[2].value <= 0) return fail(input, 'step must be > 0');
        step = params[2].value;
      }
      const slice = value.slice(start, end);
      for (let i = 0; i < slice.length; i += step) values.push(slice[i]!);
    }
    return ok(values);
  }

  private evalRecursive(input: Value[]): Value[] {
    const values: Value[] = [];
    for (const value of input) {
      const children = childrenOf(value);
      if (children.length === 0) continue;
      values.push(value, ...this.evalRecursive(children));
    }
    return values;
  }

  private evalFilter(input: Value[], node: { left: ListNode; right: ListNode; operator: string }): Step {
    const values: Value[] = [];
    for (const value of input) {
      if (!Array.isArray(value)) {
        const shown = value === NO_VALUE ? '<invalid reflect.Value>' : goSprint(value);
        return fail(input, `${shown} is not array or slice and cannot be filtered`);
      }
      for (const element of value) {
        const lefts = this.evalList([element], node.left);
        if (node.operator === 'exists') {
          if (lefts.values.length > 0) values.push(element);
          continue;
        }
        if (lefts.error !== undefined) return fail(input, lefts.error);
        if (lefts.values.length === 0) continue;
        if (lefts.values.length > 1) return fail(input, 'can only compare one element at a time');
        const rights = this.evalList([element], node.right);
        if (rights.error !== undefined) return fail(input, rights.error);
        if (rights.values.length === 0) continue;
        if (rights.values.length > 1) return fail(input, 'can only compare one element at a time');
        try {
          if (compare(node.operator, lefts.values[0]!, rights.values[0]!)) values.push(element);
        } catch (error) {
          return fail(values, (error as Error).message);
        }
      }
    }
    return ok(values);
  }
}

/** The values each top-level part of the template yields, for callers that print them their own way. */
export function findJsonPathResults(
  template: ListNode,
  data: GoValue,
  options: JsonPathOptions,
): GoValue[][] {
  const results = new Evaluation(template.nodes, options).findResults(data);
  return results.map((values) => values.map((value) => (value === NO_VALUE ? null : value)));
}

/** A value as kubectl's JSONPath printer writes it: objects and arrays as JSON, scalars as text. */
export function jsonPathText(value: GoValue): string {
  return Array.isArray(value) || isGoMap(value) ? goJson(value) : goText(value);
}

/** Evaluates and prints like `kubectl -o jsonpath=…`: the values of one part separated by spaces. */
export function executeJsonPath(template: ListNode, data: GoValue, options: JsonPathOptions): string {
  return new Evaluation(template.nodes, options)
    .findResults(data)
    .map((values) =>
      // The root of a range body over a null item is Go's invalid value, printed as `<no value>`.
      values.map((value) => (value === NO_VALUE ? '<no value>' : jsonPathText(value))).join(' '),
    )
    .join('');
}
