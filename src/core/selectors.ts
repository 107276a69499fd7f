// Label selectors (-l) and field selectors (--field-selector) in the API server's syntax: checked
// on the command line (a typo is a usage error, before any request), sent to the server as typed,
// and applied here only where no server answers (`status -f dump.yaml`).

export type LabelOperator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Token = { kind: 'id' | 'op' | 'end'; text: string };

/** The lexer of apimachinery's labels.Parse: identifiers, operators, parentheses and commas. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (SPECIAL.has(char)) {
      const two = input.slice(i, i + 2);
      const text = two === '!=' || two === '==' ? two : char;
      tokens.push({ kind: 'op', text });
      i += text.length;
      continue;
    }
    let end = i;
    while (end < input.length && !SPECIAL.has(input[end]!) && !/\s/.test(input[end]!)) end++;
    tokens.push({ kind: 'id', text: input.slice(i, end) });
    i = end;
  }
  tokens.push({ kind: 'end', text: 'end of string' });
  return tokens;
}

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    throw new Error(`invalid label key "${key}": the prefix must be a DNS subdomain`);
  if (name.length > 63 || !NAME.test(name))
    throw new Error(
      `invalid label key "${key}": a name of up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
}

function checkValue(value: string): void {
  if (value !== '' && (value.length > 63 || !NAME.test(value)))
    throw new Error(
      `invalid label value "${value}": up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
}

/** Parses a label selector; throws an Error saying what is wrong. An empty selector selects all. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at]!;
  const take = () => tokens[at++]!;
  const fail = (found: Token, expected: string) =>
    new Error(`invalid label selector "${input}": found '${found.text}', expected: ${expected}`);
  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    let operator: LabelOperator | undefined;
    let token = take();
    if (token.kind === 'op' && token.text === '!') {
      operator = '!';
      token = take();
    }
    if (token.kind !== 'id') throw fail(token, operator ? 'identifier' : "!, identifier, or 'end of string'");
    const key = token.text;
    checkKey(key);
    let values: string[] = [];
    if (!operator) {
      const next = peek();
      if (next.kind === 'end' || next.text === ',') operator = 'exists';
      else {
        const op = take();
        const known: Record<string, LabelOperator> = {
          '=': '=',
          '==': '=',
          '!=': '!=',
          in: 'in',
          notin: 'notin',
          '>': 'gt',
          '<': 'lt',
        };
        operator = known[op.text];
        if (!operator) throw fail(op, 'in, notin, =, ==, !=, >, <');
        if (operator === 'in' || operator === 'notin') {
          const open = take();
          if (open.text !== '(') throw fail(open, "'('");
          for (;;) {
            const value = take();
            // `x in ()` is the empty value, as apimachinery reads it.
            if (value.text === ')' && values.length === 0) {
              values.push('');
              break;
            }
            if (value.kind !== 'id') throw fail(value, 'identifier');
            values.push(value.text);
            const separator = take();
            if (separator.text === ')') break;
            if (separator.text !== ',') throw fail(separator, "',' or ')'");
          }
        } else {
          const value = peek();
          if (value.kind === 'id') values = [take().text];
          else if (value.kind === 'end' || value.text === ',') values = [''];
          else throw fail(value, 'identifier');
          if ((operator === 'gt' || operator === 'lt') && !/^-?[0-9]+$/.test(values[0]!))
            throw new Error(`invalid label selector "${input}": '${op.text}' needs an integer value`);
        }
        if (operator !== 'gt' && operator !== 'lt') values.forEach(checkValue);
      }
    }
    requirements.push({ key, operator, values });
    const after = take();
    if (after.kind === 'end') return requirements;
    if (after.text !== ',') throw fail(after, "',' or 'end of string'");
  }
}

export function matchesLabelSelector(
  requirements: readonly LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const have = labels ?? {};
  return requirements.every(({ key, operator, values }) => {
    const present = Object.hasOwn(have, key);
    const value = have[key];
    switch (operator) {
      case 'exists':
        return present;
      case '!':
        return !present;
      case '=':
      case 'in':
        return present && values.includes(value!);
      case '!=':
      case 'notin':
        return !present || !values.includes(value!);
      case 'gt':
        return present && /^-?[0-9]+$/.test(value!) && Number(value) > Number(values[0]);
      case 'lt':
        return present && /^-?[0-9]+$/.test(value!) && Number(value) < Number(values[0]);
    }
  });
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Parses a field selector (`metadata.name=web,metadata.namespace!=test`) as fields.ParseSelector does. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  return input
    .split(',')
    .filter((term) => term !== '')
    .map((term) => {
      for (let i = 0; i < term.length; i++) {
        for (const op of ['!=', '==', '='] as const) {
          if (term.startsWith(op, i))
            return {
              field: term.slice(0, i),
              operator: op === '!=' ? '!=' : '=',
              value: term.slice(i + op.length),
            };
        }
      }
      throw new Error(`invalid selector: '${input}'; can't understand '${term}'`);
    });
}

/** The fields a StatefulSet can be selected by (the API server's: metadata.name and metadata.namespace). */
export const STATEFULSET_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Applies a field selector to an object's field values; an unsupported field is an error, as from the server. */
export function matchesFieldSelector(
  requirements: readonly FieldRequirement[],
  fields: Record<string, string>,
): boolean {
  return requirements.every(({ field, operator, value }) => {
    if (!Object.hasOwn(fields, field)) throw new Error(`field label not supported: ${field}`);
    return operator === '=' ? fields[field] === value : fields[field] !== value;
  });
}
