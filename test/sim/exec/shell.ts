// The interpreter behind `sh -c`: expands words, wires redirections through the container's
// file trees and runs builtins and utilities. Two flavours mirror the shells found in images:
// busybox ash (alpine, busybox) and dash with GNU coreutils (debian-based images); they differ
// only in the wording of error messages.
import { FsError, normalizePath } from './fs.ts';
import type { Vfs } from './fs.ts';
import { SyntaxError, parseScript } from './syntax.ts';
import type { Command, Pipeline, Redirect, Script, Word } from './syntax.ts';

export type Flavor = 'busybox' | 'gnu';

export type Sink = (data: Buffer) => void;

/**
 * A process's standard input: bytes arrive over time (exec stdin) or all at once (a file, a
 * pipe). Reads consume, so `read` then `cat` sees the rest, as with a real file descriptor.
 */
export class Input {
  private data = Buffer.alloc(0);
  private ended = false;
  private waiters: (() => void)[] = [];

  static of(data: Buffer): Input {
    const input = new Input();
    input.push(data);
    input.end();
    return input;
  }

  push(data: Buffer): void {
    if (this.ended) return;
    this.data = Buffer.concat([this.data, data]);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Everything until end of input. */
  async all(): Promise<Buffer> {
    while (!this.ended) await this.next();
    const rest = this.data;
    this.data = Buffer.alloc(0);
    return rest;
  }

  /** One line without its newline, as soon as it is complete; undefined at end of input. */
  async line(): Promise<{ text: string; complete: boolean } | undefined> {
    for (;;) {
      const newline = this.data.indexOf(10);
      if (newline >= 0) {
        const text = this.data.subarray(0, newline).toString('utf8');
        this.data = this.data.subarray(newline + 1);
        return { text, complete: true };
      }
      if (this.ended) {
        if (this.data.length === 0) return undefined;
        const text = this.data.toString('utf8');
        this.data = Buffer.alloc(0);
        return { text, complete: false };
      }
      await this.next();
    }
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export interface Io {
  stdin: Input;
  stdout: Sink;
  stderr: Sink;
}

export interface UtilityContext {
  argv: string[];
  io: Io;
  shell: Shell;
}

/** A program in the container image: returns its exit status. */
export type Utility = (context: UtilityContext) => number | Promise<number>;

export interface ShellOptions {
  vfs: Vfs;
  flavor: Flavor;
  env: Record<string, string>;
  cwd: string;
  /** Programs on $PATH, by name. */
  utilities: Map<string, Utility>;
  /** Waits `ms` of simulated time (sleep). */
  sleep: (ms: number) => Promise<void>;
  signal: AbortSignal;
}

class ExitSignal {
  readonly status: number;
  constructor(status: number) {
    this.status = status;
  }
}

class BreakSignal {}

class ArithmeticError extends Error {}

export class Shell {
  readonly vfs: Vfs;
  readonly flavor: Flavor;
  readonly vars: Map<string, string>;
  readonly utilities: Map<string, Utility>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly signal: AbortSignal;
  cwd: string;
  status = 0;
  positional: string[] = [];
  /** `$0`, also the prefix of error messages (`sh: ...`). */
  name = 'sh';
  /** dash numbers its messages with the script line; scripts here are one logical line. */
  private readonly lineNumber = 1;

  constructor(options: ShellOptions) {
    this.vfs = options.vfs;
    this.flavor = options.flavor;
    this.vars = new Map(Object.entries(options.env));
    this.utilities = options.utilities;
    this.sleep = options.sleep;
    this.signal = options.signal;
    this.cwd = options.cwd;
  }

  resolve(path: string): string {
    return normalizePath(path, this.cwd);
  }

  /** The shell's own error line: `sh: <text>` (ash) or `sh: 1: <text>` (dash). */
  shellError(io: Io, text: string): void {
    const prefix = this.flavor === 'gnu' ? `${this.name}: ${this.lineNumber}: ` : `${this.name}: `;
    io.stderr(Buffer.from(`${prefix}${text}\n`));
  }

  /** Runs a whole script; returns the exit status. */
  async runScript(source: string, io: Io): Promise<number> {
    let script: Script;
    try {
      script = parseScript(source);
    } catch (error) {
      if (error instanceof SyntaxError) {
        this.shellError(io, `syntax error: ${error.message}`);
        return 2;
      }
      throw error;
    }
    try {
      return await this.runList(script, io);
    } catch (signal) {
      if (signal instanceof ExitSignal) return signal.status;
      throw signal;
    }
  }

  /** Runs one argv directly (no shell parsing), as the container runtime does for `exec`. */
  async runArgv(argv: string[], io: Io): Promise<number> {
    try {
      return await this.invoke(argv, io);
    } catch (signal) {
      if (signal instanceof ExitSignal) return signal.status;
      throw signal;
    }
  }

  private async runList(script: Script, io: Io): Promise<number> {
    for (const andOr of script) {
      let status = await this.runPipeline(andOr.first, io);
      for (const { op, pipeline } of andOr.rest) {
        if ((op === '&&' && status === 0) || (op === '||' && status !== 0)) {
          status = await this.runPipeline(pipeline, io);
        }
      }
      this.status = status;
    }
    return this.status;
  }

  private async runPipeline(pipeline: Pipeline, io: Io): Promise<number> {
    if (this.signal.aborted) throw new ExitSignal(137);
    let status = 0;
    let input = io.stdin;
    for (let index = 0; index < pipeline.commands.length; index++) {
      const last = index === pipeline.commands.length - 1;
      const chunks: Buffer[] = [];
      const stdout: Sink = last ? io.stdout : (data) => chunks.push(data);
      status = await this.runCommand(pipeline.commands[index]!, { stdin: input, stdout, stderr: io.stderr });
      if (!last) input = Input.of(Buffer.concat(chunks));
    }
    const result = pipeline.negate ? (status === 0 ? 1 : 0) : status;
    this.status = result;
    return result;
  }

  private async runCommand(command: Command, outer: Io): Promise<number> {
    const io = await this.applyRedirects(command.redirects, outer);
    // A failed redirection fails the command: dash reports 2, busybox ash 1.
    if (!io) return this.flavor === 'gnu' ? 2 : 1;
    switch (command.type) {
      case 'simple':
        return this.runSimple(command.words, io);
      case 'group':
        return this.runList(command.body, io);
      case 'if': {
        for (const branch of command.branches) {
          if ((await this.runList(branch.condition, io)) === 0) return this.runList(branch.body, io);
        }
        if (command.otherwise) return this.runList(command.otherwise, io);
        this.status = 0;
        return 0;
      }
      case 'while': {
        let status = 0;
        try {
          for (;;) {
            const condition = await this.runList(command.condition, io);
            if ((condition === 0) === command.until) break;
            status = await this.runList(command.body, io);
          }
        } catch (signal) {
          if (!(signal instanceof BreakSignal)) throw signal;
        }
        this.status = status;
        return status;
      }
      case 'for': {
        const items = command.items ? await this.expandWords(command.items, io) : this.positional;
        let status = 0;
        try {
          for (const item of items) {
            this.vars.set(command.name, item);
            status = await this.runList(command.body, io);
          }
        } catch (signal) {
          if (!(signal instanceof BreakSignal)) throw signal;
        }
        this.status = status;
        return status;
      }
    }
  }

  private async runSimple(words: Word[], io: Io): Promise<number> {
    // Leading NAME=value words are assignments.
    let index = 0;
    const assignments: [string, string][] = [];
    for (; index < words.length; index++) {
      const word = words[index]!;
      const first = word[0];
      if (!first || first.type !== 'lit' || first.quoted) break;
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text);
      if (!match) break;
      const valueWord: Word = [{ ...first, text: first.text.slice(match[0].length) }, ...word.slice(1)];
      assignments.push([match[1]!, (await this.expandWord(valueWord, io, false))[0] ?? '']);
    }
    const argv = await this.expandWords(words.slice(index), io);
    if (argv.length === 0) {
      for (const [name, value] of assignments) this.vars.set(name, value);
      return this.status;
    }
    const saved = assignments.map(([name]) => [name, this.vars.get(name)] as const);
    for (const [name, value] of assignments) this.vars.set(name, value);
    try {
      return await this.invoke(argv, io);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) this.vars.delete(name);
        else this.vars.set(name, value);
      }
    }
  }

  private async invoke(argv: string[], io: Io): Promise<number> {
    const name = argv[0]!;
    const builtin = this.builtin(name);
    if (builtin) return builtin(argv, io);
    const program = name.includes('/') ? this.programAtPath(name) : this.utilities.get(name);
    if (!program) {
      this.shellError(io, `${name}: not found`);
      return 127;
    }
    return program({ argv, io, shell: this });
  }

  private programAtPath(path: string): Utility | undefined {
    const match = /^\/(?:usr\/)?s?bin\/([^/]+)$/.exec(normalizePath(path));
    return match ? this.utilities.get(match[1]!) : undefined;
  }

  private builtin(name: string): ((argv: string[], io: Io) => Promise<number> | number) | undefined {
    switch (name) {
      case 'exit':
        return (argv) => {
          throw new ExitSignal(argv[1] === undefined ? this.status : Number(argv[1]) & 255);
        };
      case 'break':
        return () => {
          throw new BreakSignal();
        };
      case ':':
      case 'true':
        return () => 0;
      case 'false':
        return () => 1;
      case 'cd':
        return (argv, io) => {
          const target = this.resolve(argv[1] ?? this.vars.get('HOME') ?? '/');
          if (this.vfs.kind(target) !== 'dir') {
            const reason = this.vfs.kind(target) === 'file' ? 'Not a directory' : 'No such file or directory';
            this.shellError(
              io,
              this.flavor === 'gnu' ? `cd: can't cd to ${argv[1]}` : `cd: can't cd to ${argv[1]}: ${reason}`,
            );
            return 2;
          }
          this.cwd = target;
          this.vars.set('PWD', target);
          return 0;
        };
      case 'pwd':
        return (_argv, io) => {
          io.stdout(Buffer.from(`${this.cwd}\n`));
          return 0;
        };
      case 'export':
        return (argv) => {
          for (const arg of argv.slice(1)) {
            const eq = arg.indexOf('=');
            if (eq > 0) this.vars.set(arg.slice(0, eq), arg.slice(eq + 1));
          }
          return 0;
        };
      case 'unset':
        return (argv) => {
          for (const arg of argv.slice(1)) this.vars.delete(arg);
          return 0;
        };
      case 'read':
        return async (argv, io) => {
          const names = argv.slice(1).filter((arg) => !arg.startsWith('-'));
          if (names.length === 0) names.push('REPLY');
          const line = await io.stdin.line();
          if (!line) {
            for (const name of names) this.vars.set(name, '');
            return 1;
          }
          const fields = line.text.trim().split(/[ \t]+/);
          names.forEach((name, index) => {
            const last = index === names.length - 1;
            this.vars.set(name, (last ? fields.slice(index).join(' ') : fields[index]) ?? '');
          });
          return line.complete ? 0 : 1;
        };
      case 'command':
        return (argv, io) => {
          // Only `command -v NAME...`: where each program is, exit 1 when one is missing.
          if (argv[1] !== '-v') return this.invoke(argv.slice(1), io);
          let status = 0;
          for (const name of argv.slice(2)) {
            if (this.builtin(name)) io.stdout(Buffer.from(`${name}\n`));
            else if (this.utilities.has(name)) io.stdout(Buffer.from(`/usr/bin/${name}\n`));
            else status = 1;
          }
          return status;
        };
      case 'set':
        return (argv) => {
          const dashDash = argv.indexOf('--');
          if (dashDash >= 0) this.positional = argv.slice(dashDash + 1);
          return 0;
        };
      default:
        return undefined;
    }
  }

  private async applyRedirects(redirects: Redirect[], outer: Io): Promise<Io | undefined> {
    if (redirects.length === 0) return outer;
    const fds: { 0: Io['stdin']; 1: Sink; 2: Sink } = { 0: outer.stdin, 1: outer.stdout, 2: outer.stderr };
    for (const redirect of redirects) {
      const target = (await this.expandWord(redirect.target, outer, false)).join(' ');
      if (redirect.op === '>&' || redirect.op === '<&') {
        const from = Number(target);
        if (redirect.fd === 0 || !(from === 1 || from === 2)) {
          this.shellError(outer, `${target}: bad file descriptor`);
          return undefined;
        }
        fds[redirect.fd as 1 | 2] = fds[from as 1 | 2];
        continue;
      }
      const path = this.resolve(target);
      if (redirect.op === '<') {
        try {
          fds[0] = Input.of(this.vfs.read(path));
        } catch (error) {
          if (!(error instanceof FsError)) throw error;
          this.shellError(
            outer,
            this.flavor === 'gnu'
              ? `cannot open ${target}: ${gnuReason(error.code)}`
              : `can't open '${target}': ${gnuReason(error.code)}`,
          );
          return undefined;
        }
        continue;
      }
      try {
        if (redirect.op === '>') this.vfs.write(path, Buffer.alloc(0));
        else this.vfs.write(path, Buffer.alloc(0), true);
      } catch (error) {
        if (!(error instanceof FsError)) throw error;
        const reason =
          this.flavor === 'gnu'
            ? `cannot create ${target}: ${dashReason(error.code)}`
            : `can't create ${target}: ${ashReason(error.code)}`;
        this.shellError(outer, reason);
        return undefined;
      }
      const sink: Sink = (data) => this.vfs.write(path, data, true);
      if (redirect.fd === 1 || redirect.fd === 2) fds[redirect.fd] = sink;
    }
    return { stdin: fds[0], stdout: fds[1], stderr: fds[2] };
  }

  async expandWords(words: Word[], io: Io): Promise<string[]> {
    const out: string[] = [];
    for (const word of words) out.push(...(await this.expandWord(word, io, true)));
    return out;
  }

  /** Expands one word; unquoted expansions are split into fields when `split` is set. */
  async expandWord(word: Word, io: Io, split: boolean): Promise<string[]> {
    const fields: string[] = [];
    let current = '';
    let hasContent = false;
    for (const part of word) {
      let text: string;
      if (part.type === 'lit') {
        current += part.text;
        hasContent = true;
        continue;
      } else if (part.type === 'param') {
        const value = this.param(part.name);
        if (part.op && (value === undefined || (part.op === ':-' && value === ''))) {
          text = (await this.expandWord(part.fallback ?? [], io, false)).join(' ');
        } else text = value ?? '';
      } else if (part.type === 'arith') {
        text = String(this.arithmetic(part.expression, io));
      } else {
        text = (await this.substitute(part.script, io)).replace(/\n+$/, '');
      }
      if (part.quoted || !split) {
        current += text;
        hasContent = true;
        continue;
      }
      const pieces = text.split(/[ \t\n]+/);
      for (let index = 0; index < pieces.length; index++) {
        if (index > 0) {
          if (hasContent) fields.push(current);
          current = '';
          hasContent = false;
        }
        if (pieces[index]) {
          current += pieces[index];
          hasContent = true;
        }
      }
    }
    if (hasContent) fields.push(current);
    return fields;
  }

  /** `$((…))`: integer arithmetic with + - * / %, comparisons and parentheses; names read variables. */
  private arithmetic(expression: string, io: Io): number {
    const tokens =
      expression
        .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9?#])\}?/g, (_m, name: string) => this.param(name) || '0')
        .match(/\d+|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!]|\S/g) ?? [];
    let pos = 0;
    const fail = (): never => {
      throw new ArithmeticError();
    };
    const primary = (): number => {
      const token = tokens[pos++];
      if (token === undefined) return fail();
      if (token === '(') {
        const value = orExpr();
        if (tokens[pos++] !== ')') fail();
        return value;
      }
      if (token === '-') return -primary();
      if (token === '+') return primary();
      if (token === '!') return primary() === 0 ? 1 : 0;
      if (/^\d+$/.test(token)) return Number(token);
      if (/^[A-Za-z_]/.test(token)) return Number(this.vars.get(token) ?? 0) || 0;
      return fail();
    };
    const binary =
      (next: () => number, ops: string[]): (() => number) =>
      () => {
        let value = next();
        while (ops.includes(tokens[pos] ?? '')) {
          const op = tokens[pos++]!;
          const right = next();
          switch (op) {
            case '*':
              value *= right;
              break;
            case '/':
              if (right === 0) fail();
              value = Math.trunc(value / right);
              break;
            case '%':
              if (right === 0) fail();
              value %= right;
              break;
            case '+':
              value += right;
              break;
            case '-':
              value -= right;
              break;
            case '<':
              value = Number(value < right);
              break;
            case '<=':
              value = Number(value <= right);
              break;
            case '>':
              value = Number(value > right);
              break;
            case '>=':
              value = Number(value >= right);
              break;
            case '==':
              value = Number(value === right);
              break;
            case '!=':
              value = Number(value !== right);
              break;
            case '&&':
              value = Number(value !== 0 && right !== 0);
              break;
            case '||':
              value = Number(value !== 0 || right !== 0);
              break;
          }
        }
        return value;
      };
    const product = binary(primary, ['*', '/', '%']);
    const sum = binary(product, ['+', '-']);
    const compare = binary(sum, ['<', '<=', '>', '>=']);
    const equality = binary(compare, ['==', '!=']);
    const andExpr = binary(equality, ['&&']);
    const orExpr = binary(andExpr, ['||']);
    try {
      const value = orExpr();
      if (pos !== tokens.length) fail();
      return value;
    } catch (error) {
      if (!(error instanceof ArithmeticError)) throw error;
      this.shellError(io, `arithmetic syntax error`);
      throw new ExitSignal(2);
    }
  }

  private param(name: string): string | undefined {
    if (name === '?') return String(this.status);
    if (name === '$') return '1';
    if (name === '#') return String(this.positional.length);
    if (name === '0') return this.name;
    if (name === '@' || name === '*') return this.positional.join(' ');
    if (/^\d+$/.test(name)) return this.positional[Number(name) - 1];
    return this.vars.get(name);
  }

  private async substitute(script: string, io: Io): Promise<string> {
    const chunks: Buffer[] = [];
    const child = new Shell({
      vfs: this.vfs,
      flavor: this.flavor,
      env: Object.fromEntries(this.vars),
      cwd: this.cwd,
      utilities: this.utilities,
      sleep: this.sleep,
      signal: this.signal,
    });
    child.positional = this.positional;
    child.status = this.status;
    await child.runScript(script, {
      stdin: io.stdin,
      stdout: (data) => chunks.push(data),
      stderr: io.stderr,
    });
    this.status = child.status;
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** strerror() wording, shared by GNU tools and busybox applets. */
export function gnuReason(code: FsError['code']): string {
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EEXIST':
      return 'File exists';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOTEMPTY':
      return 'Directory not empty';
    case 'EBUSY':
      return 'Resource busy';
  }
}

function ashReason(code: FsError['code']): string {
  return code === 'ENOENT' ? 'nonexistent directory' : gnuReason(code);
}

function dashReason(code: FsError['code']): string {
  return code === 'ENOENT' ? 'Directory nonexistent' : gnuReason(code);
}
