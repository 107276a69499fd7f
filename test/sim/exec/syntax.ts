// The subset of POSIX sh grammar the simulated containers understand: lists (`;`, newline,
// `&&`, `||`), pipelines, quoting, parameter and command substitution, redirections, and the
// compound commands scripts commonly use (`if`, `while`, `for`, `{ }`).

export type WordPart =
  | { type: 'lit'; text: string; quoted: boolean }
  | { type: 'param'; name: string; quoted: boolean; fallback?: Word; op?: ':-' | '-' }
  | { type: 'cmdsub'; script: string; quoted: boolean }
  | { type: 'arith'; expression: string; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&';
  target: Word;
}

export type Command =
  | { type: 'simple'; words: Word[]; redirects: Redirect[] }
  | { type: 'if'; branches: { condition: Script; body: Script }[]; otherwise?: Script; redirects: Redirect[] }
  | { type: 'while'; until: boolean; condition: Script; body: Script; redirects: Redirect[] }
  | { type: 'for'; name: string; items: Word[] | undefined; body: Script; redirects: Redirect[] }
  | { type: 'group'; body: Script; redirects: Redirect[] };

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

export type Script = AndOr[];

export class SyntaxError extends Error {}

type Token =
  | { type: 'word'; word: Word; raw: string }
  | { type: 'op'; op: ';' | '&' | '&&' | '||' | '|' | '\n' | '(' | ')' }
  | { type: 'redir'; fd: number | undefined; op: Redirect['op'] }
  | { type: 'eof' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word: Word | undefined;
  let raw = '';

  const pushLit = (text: string, quoted: boolean): void => {
    word ??= [];
    const last = word[word.length - 1];
    if (last && last.type === 'lit' && last.quoted === quoted) last.text += text;
    else word.push({ type: 'lit', text, quoted });
  };
  const endWord = (): void => {
    if (word) tokens.push({ type: 'word', word, raw });
    word = undefined;
    raw = '';
  };

  // Reads `$...` at source[i] (i points at `$`), returns the part and the new index.
  const readDollar = (quoted: boolean): void => {
    const next = source[i + 1];
    if (next === '(' && source[i + 2] === '(') {
      const close = source.indexOf('))', i + 3);
      if (close < 0) throw new SyntaxError("unterminated arithmetic expansion '$(('");
      word ??= [];
      word.push({ type: 'arith', expression: source.slice(i + 3, close), quoted });
      raw += source.slice(i, close + 2);
      i = close + 2;
      return;
    }
    if (next === '(') {
      let depth = 1;
      let j = i + 2;
      let inSingle = false;
      let inDouble = false;
      for (; j < source.length && depth > 0; j++) {
        const c = source[j];
        if (c === '\\' && !inSingle) {
          j++;
          continue;
        }
        if (c === "'" && !inDouble) inSingle = !inSingle;
        else if (c === '"' && !inSingle) inDouble = !inDouble;
        else if (!inSingle && !inDouble && c === '(') depth++;
        else if (!inSingle && !inDouble && c === ')') depth--;
      }
      if (depth !== 0) throw new SyntaxError("unterminated command substitution '$('");
      word ??= [];
      word.push({ type: 'cmdsub', script: source.slice(i + 2, j - 1), quoted });
      raw += source.slice(i, j);
      i = j;
      return;
    }
    if (next === '{') {
      const close = source.indexOf('}', i + 2);
      if (close < 0) throw new SyntaxError('bad substitution');
      const body = source.slice(i + 2, close);
      const match = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#$@*!])(?:(:-|-)(.*))?$/s.exec(body);
      if (!match) throw new SyntaxError('bad substitution');
      word ??= [];
      const part: WordPart = { type: 'param', name: match[1]!, quoted };
      if (match[2]) {
        part.op = match[2] as ':-' | '-';
        part.fallback = lexWord(match[3] ?? '', quoted);
      }
      word.push(part);
      raw += source.slice(i, close + 1);
      i = close + 1;
      return;
    }
    if (next !== undefined && '?#$@*!0123456789'.includes(next)) {
      word ??= [];
      word.push({ type: 'param', name: next, quoted });
      raw += source.slice(i, i + 2);
      i += 2;
      return;
    }
    const name = NAME.exec(source.slice(i + 1));
    if (name) {
      word ??= [];
      word.push({ type: 'param', name: name[0], quoted });
      raw += source.slice(i, i + 1 + name[0].length);
      i += 1 + name[0].length;
      return;
    }
    pushLit('$', quoted);
    raw += '$';
    i++;
  };

  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if (c === '\n') {
      endWord();
      tokens.push({ type: 'op', op: '\n' });
      i++;
      continue;
    }
    if (c === '#' && !word) {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      const next = source[i + 1];
      if (next === '\n') {
        i += 2;
        continue;
      }
      if (next !== undefined) pushLit(next, true);
      raw += source.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = source.indexOf("'", i + 1);
      if (close < 0) throw new SyntaxError('unterminated quoted string');
      pushLit(source.slice(i + 1, close), true);
      raw += source.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      word ??= [];
      pushLit('', true);
      raw += '"';
      i++;
      while (i < source.length && source[i] !== '"') {
        const d = source[i]!;
        if (d === '\\' && i + 1 < source.length && '$`"\\\n'.includes(source[i + 1]!)) {
          if (source[i + 1] !== '\n') pushLit(source[i + 1]!, true);
          raw += source.slice(i, i + 2);
          i += 2;
        } else if (d === '$') {
          readDollar(true);
        } else {
          pushLit(d, true);
          raw += d;
          i++;
        }
      }
      if (i >= source.length) throw new SyntaxError('unterminated quoted string');
      raw += '"';
      i++;
      continue;
    }
    if (c === '$') {
      readDollar(false);
      continue;
    }
    if (c === '`') throw new SyntaxError('backquote command substitution is not simulated; use $(...)');
    if (c === '>' || c === '<') {
      let fd: number | undefined;
      if (
        word &&
        word.length === 1 &&
        word[0]!.type === 'lit' &&
        !word[0]!.quoted &&
        /^\d$/.test(word[0]!.text)
      ) {
        fd = Number(word[0]!.text);
        word = undefined;
        raw = '';
      } else endWord();
      let op: Redirect['op'];
      if (c === '>' && source[i + 1] === '>') {
        op = '>>';
        i += 2;
      } else if (source[i + 1] === '&') {
        op = c === '>' ? '>&' : '<&';
        i += 2;
      } else {
        op = c === '>' ? '>' : '<';
        i += source[i + 1] === '|' && c === '>' ? 2 : 1;
      }
      tokens.push({ type: 'redir', fd, op });
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endWord();
      const two = source.slice(i, i + 2);
      if (two === '&&' || two === '||') {
        tokens.push({ type: 'op', op: two });
        i += 2;
      } else {
        tokens.push({ type: 'op', op: c });
        i++;
      }
      continue;
    }
    pushLit(c, false);
    raw += c;
    i++;
  }
  endWord();
  tokens.push({ type: 'eof' });
  return tokens;
}

/** Lexes the text of a `${X:-text}` fallback as one word. */
function lexWord(text: string, quoted: boolean): Word {
  if (text === '') return [{ type: 'lit', text: '', quoted: true }];
  const tokens = lex(quoted ? `"${text.replace(/"/g, '\\"')}"` : text);
  const words = tokens.filter((t): t is Extract<Token, { type: 'word' }> => t.type === 'word');
  return words.flatMap((w, index) =>
    index === 0 ? w.word : [{ type: 'lit', text: ' ', quoted: false }, ...w.word],
  );
}

const RESERVED_END = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', '}']);

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private reserved(): string | undefined {
    const token = this.peek();
    if (token.type !== 'word') return undefined;
    return token.raw;
  }

  private skipNewlines(): void {
    while (this.isOp('\n')) this.pos++;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token.type === 'op' && token.op === op;
  }

  private expectWord(text: string): void {
    this.skipSeparators();
    const token = this.next();
    if (token.type !== 'word' || token.raw !== text) throw new SyntaxError(`expected "${text}"`);
  }

  private skipSeparators(): void {
    while (this.isOp('\n') || this.isOp(';')) this.pos++;
  }

  parseScript(terminators: Set<string> = new Set()): Script {
    const script: Script = [];
    for (;;) {
      this.skipSeparators();
      const token = this.peek();
      if (token.type === 'eof') break;
      const word = this.reserved();
      if (word !== undefined && terminators.has(word)) break;
      if (word !== undefined && RESERVED_END.has(word)) throw new SyntaxError(`unexpected "${word}"`);
      if (token.type === 'op' && token.op === ')') throw new SyntaxError('unexpected ")"');
      script.push(this.parseAndOr());
      const after = this.peek();
      if (after.type === 'op' && (after.op === ';' || after.op === '&' || after.op === '\n')) this.pos++;
      else if (after.type !== 'eof' && !(after.type === 'word' && terminators.has(after.raw))) {
        throw new SyntaxError(`unexpected ${after.type === 'op' ? `"${after.op}"` : 'word'}`);
      }
    }
    return script;
  }

  private parseAndOr(): AndOr {
    const first = this.parsePipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'op' && (token.op === '&&' || token.op === '||')) {
        this.pos++;
        this.skipNewlines();
        rest.push({ op: token.op, pipeline: this.parsePipeline() });
      } else break;
    }
    return { first, rest };
  }

  private parsePipeline(): Pipeline {
    let negate = false;
    if (this.reserved() === '!') {
      negate = true;
      this.pos++;
    }
    const commands = [this.parseCommand()];
    while (this.isOp('|')) {
      this.pos++;
      this.skipNewlines();
      commands.push(this.parseCommand());
    }
    return { negate, commands };
  }

  private parseCommand(): Command {
    const word = this.reserved();
    let command: Command | undefined;
    if (word === 'if') command = this.parseIf();
    else if (word === 'while' || word === 'until') command = this.parseWhile(word === 'until');
    else if (word === 'for') command = this.parseFor();
    else if (word === '{') {
      this.pos++;
      const body = this.parseScript(new Set(['}']));
      this.expectWord('}');
      command = { type: 'group', body, redirects: [] };
    }
    if (command) {
      command.redirects.push(...this.parseRedirects());
      return command;
    }
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'word') {
        words.push(token.word);
        this.pos++;
      } else if (token.type === 'redir') {
        redirects.push(this.parseRedirect());
      } else break;
    }
    if (words.length === 0 && redirects.length === 0) {
      const token = this.peek();
      throw new SyntaxError(
        token.type === 'eof'
          ? 'unexpected end of file'
          : `unexpected "${token.type === 'op' ? token.op : '?'}"`,
      );
    }
    return { type: 'simple', words, redirects };
  }

  private parseRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    while (this.peek().type === 'redir') redirects.push(this.parseRedirect());
    return redirects;
  }

  private parseRedirect(): Redirect {
    const token = this.next() as Extract<Token, { type: 'redir' }>;
    const target = this.next();
    if (target.type !== 'word') throw new SyntaxError('unexpected redirection');
    const fd = token.fd ?? (token.op === '<' || token.op === '<&' ? 0 : 1);
    return { fd, op: token.op, target: target.word };
  }

  private parseIf(): Command {
    this.pos++;
    const branches: { condition: Script; body: Script }[] = [];
    let otherwise: Script | undefined;
    const condition = this.parseScript(new Set(['then']));
    this.expectWord('then');
    branches.push({ condition, body: this.parseScript(new Set(['elif', 'else', 'fi'])) });
    for (;;) {
      const word = this.reserved();
      if (word === 'elif') {
        this.pos++;
        const c = this.parseScript(new Set(['then']));
        this.expectWord('then');
        branches.push({ condition: c, body: this.parseScript(new Set(['elif', 'else', 'fi'])) });
      } else if (word === 'else') {
        this.pos++;
        otherwise = this.parseScript(new Set(['fi']));
      } else break;
    }
    this.expectWord('fi');
    return { type: 'if', branches, otherwise, redirects: [] };
  }

  private parseWhile(until: boolean): Command {
    this.pos++;
    const condition = this.parseScript(new Set(['do']));
    this.expectWord('do');
    const body = this.parseScript(new Set(['done']));
    this.expectWord('done');
    return { type: 'while', until, condition, body, redirects: [] };
  }

  private parseFor(): Command {
    this.pos++;
    const nameToken = this.next();
    if (nameToken.type !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameToken.raw)) {
      throw new SyntaxError('bad for loop variable');
    }
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.reserved() === 'in') {
      this.pos++;
      items = [];
      while (this.peek().type === 'word') items.push((this.next() as Extract<Token, { type: 'word' }>).word);
    }
    this.skipSeparators();
    this.expectWord('do');
    const body = this.parseScript(new Set(['done']));
    this.expectWord('done');
    return { type: 'for', name: nameToken.raw, items, body, redirects: [] };
  }
}

/** Parses a whole script; throws SyntaxError with a short reason. */
export function parseScript(source: string): Script {
  const parser = new Parser(lex(source));
  return parser.parseScript();
}
