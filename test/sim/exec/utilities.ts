// Programs found on $PATH in a simulated image. Output and error wording follow busybox
// applets or GNU coreutils depending on the shell's flavour, byte for byte where a script
// could compare it.
import { createHash } from 'node:crypto';
import { FsError, baseName, compareBytes } from './fs.ts';
import { gnuReason } from './shell.ts';
import type { Shell, Utility, UtilityContext } from './shell.ts';

function write(context: UtilityContext, text: string): void {
  context.io.stdout(Buffer.from(text));
}

function fail(context: UtilityContext, text: string): void {
  context.io.stderr(Buffer.from(`${text}\n`));
}

/** Splits `-abc` style flags from operands; `--` ends flags. */
function parseFlags(args: string[], known: string): { flags: Set<string>; operands: string[] } {
  const flags = new Set<string>();
  const operands: string[] = [];
  let done = false;
  for (const arg of args) {
    if (!done && arg === '--') done = true;
    else if (
      !done &&
      arg.length > 1 &&
      arg.startsWith('-') &&
      [...arg.slice(1)].every((c) => known.includes(c))
    ) {
      for (const c of arg.slice(1)) flags.add(c);
    } else operands.push(arg);
  }
  return { flags, operands };
}

const echo: Utility = (context) => {
  let args = context.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) {
    const cut = text.indexOf('\\c');
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = unescape(text);
  }
  write(context, newline ? `${text}\n` : text);
  return 0;
};

function unescape(text: string): string {
  return text.replace(/\\(0[0-7]{0,3}|[0-7]{1,3}|[abefnrtv\\])/g, (_match, code: string) => {
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      e: '\x1b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (code in simple) return simple[code]!;
    return String.fromCharCode(parseInt(code, 8));
  });
}

const printf: Utility = (context) => {
  const [format, ...args] = context.argv.slice(1);
  if (format === undefined) {
    fail(
      context,
      context.shell.flavor === 'gnu' ? 'printf: missing operand' : 'Usage: printf FORMAT [ARGUMENT]...',
    );
    return context.shell.flavor === 'gnu' ? 1 : 1;
  }
  let out = '';
  let status = 0;
  let index = 0;
  const spec = /%([-+ #0]*)(\d*)(?:\.(\d+))?([sdiuxXocb%])/g;
  do {
    let consumed = false;
    const rendered = format.replace(
      /%%|%([-+ #0]*)(\d*)(?:\.(\d+))?([sdiuxXocb])|\\(?:0[0-7]{0,3}|[0-7]{1,3}|.)/g,
      (m) => {
        if (m === '%%') return '%';
        if (m.startsWith('\\')) return unescape(m);
        spec.lastIndex = 0;
        const [, flagText = '', width = '', precision, conversion] = spec.exec(m)!;
        const arg = args[index];
        if (arg !== undefined) consumed = true;
        index++;
        let value: string;
        switch (conversion) {
          case 's':
            value = arg ?? '';
            if (precision !== undefined) value = value.slice(0, Number(precision));
            break;
          case 'b':
            value = unescape(arg ?? '');
            break;
          case 'c':
            value = (arg ?? '').slice(0, 1);
            break;
          default: {
            const number = arg === undefined || arg === '' ? 0 : Number(arg);
            if (!Number.isFinite(number)) {
              fail(context, `printf: invalid number '${arg}'`);
              status = 1;
              value = '0';
              break;
            }
            const n = Math.trunc(number);
            if (conversion === 'x') value = n.toString(16);
            else if (conversion === 'X') value = n.toString(16).toUpperCase();
            else if (conversion === 'o') value = n.toString(8);
            else value = String(n);
            if (flagText.includes('+') && n >= 0) value = `+${value}`;
          }
        }
        const w = Number(width || 0);
        if (value.length < w) {
          if (flagText.includes('-')) value = value.padEnd(w);
          else if (flagText.includes('0') && conversion !== 's') value = value.padStart(w, '0');
          else value = value.padStart(w);
        }
        return value;
      },
    );
    out += rendered;
    if (!consumed) break;
  } while (index < args.length);
  write(context, out);
  return status;
};

const cat: Utility = (context) => {
  const { operands } = parseFlags(context.argv.slice(1), 'u');
  return (async () => {
    if (operands.length === 0) operands.push('-');
    let status = 0;
    for (const operand of operands) {
      if (operand === '-') {
        context.io.stdout(await context.io.stdin.all());
        continue;
      }
      try {
        context.io.stdout(context.shell.vfs.read(context.shell.resolve(operand)));
      } catch (error) {
        if (!(error instanceof FsError)) throw error;
        status = 1;
        if (context.shell.flavor === 'gnu') fail(context, `cat: ${operand}: ${gnuReason(error.code)}`);
        else if (error.code === 'EISDIR') fail(context, 'cat: read error: Is a directory');
        else fail(context, `cat: can't open '${operand}': ${gnuReason(error.code)}`);
      }
    }
    return status;
  })();
};

const rm: Utility = (context) => {
  const { flags, operands } = parseFlags(context.argv.slice(1), 'rRfvid');
  const recursive = flags.has('r') || flags.has('R');
  const force = flags.has('f');
  const cannot = context.shell.flavor === 'gnu' ? 'cannot' : "can't";
  if (operands.length === 0 && !force) {
    fail(context, context.shell.flavor === 'gnu' ? 'rm: missing operand' : 'BusyBox: rm: missing operand');
    return 1;
  }
  let status = 0;
  for (const operand of operands) {
    const path = context.shell.resolve(operand);
    try {
      if (context.shell.vfs.kind(path) === 'dir' && !recursive) throw new FsError('EISDIR');
      context.shell.vfs.remove(path, recursive);
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      if (force && error.code === 'ENOENT') continue;
      fail(context, `rm: ${cannot} remove '${operand}': ${gnuReason(error.code)}`);
      status = 1;
    }
  }
  return status;
};

const mkdir: Utility = (context) => {
  const { flags, operands } = parseFlags(context.argv.slice(1), 'pv');
  const cannot = context.shell.flavor === 'gnu' ? 'cannot' : "can't";
  let status = 0;
  for (const operand of operands) {
    try {
      context.shell.vfs.mkdir(context.shell.resolve(operand), flags.has('p'));
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      fail(context, `mkdir: ${cannot} create directory '${operand}': ${gnuReason(error.code)}`);
      status = 1;
    }
  }
  return status;
};

const touch: Utility = (context) => {
  const { operands } = parseFlags(context.argv.slice(1), 'acm');
  let status = 0;
  for (const operand of operands) {
    const path = context.shell.resolve(operand);
    try {
      if (!context.shell.vfs.kind(path)) context.shell.vfs.write(path, Buffer.alloc(0));
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      fail(
        context,
        context.shell.flavor === 'gnu'
          ? `touch: cannot touch '${operand}': ${gnuReason(error.code)}`
          : `touch: ${operand}: ${gnuReason(error.code)}`,
      );
      status = 1;
    }
  }
  return status;
};

const ls: Utility = (context) => {
  const { flags, operands } = parseFlags(context.argv.slice(1), 'aA1lFdh');
  const vfs = context.shell.vfs;
  if (operands.length === 0) operands.push('.');
  let status = 0;
  const files: string[] = [];
  const dirs: string[] = [];
  for (const operand of operands) {
    const kind = vfs.kind(context.shell.resolve(operand));
    if (!kind) {
      fail(
        context,
        context.shell.flavor === 'gnu'
          ? `ls: cannot access '${operand}': No such file or directory`
          : `ls: ${operand}: No such file or directory`,
      );
      status = context.shell.flavor === 'gnu' ? 2 : 1;
    } else if (kind === 'file' || flags.has('d')) files.push(operand);
    else dirs.push(operand);
  }
  const blocks: string[] = [];
  if (files.length > 0)
    blocks.push(
      files
        .sort(compareBytes)
        .map((f) => `${f}\n`)
        .join(''),
    );
  for (const dir of dirs.sort(compareBytes)) {
    let names = vfs.list(context.shell.resolve(dir));
    if (flags.has('a')) names = ['.', '..', ...names];
    const suffix = (name: string): string =>
      flags.has('F') && vfs.kind(context.shell.resolve(`${dir}/${name}`)) === 'dir' ? '/' : '';
    const body = names.map((name) => `${name}${suffix(name)}\n`).join('');
    blocks.push(operands.length > 1 ? `${dir}:\n${body}` : body);
  }
  write(context, blocks.join(operands.length > 1 ? '\n' : ''));
  return status;
};

function testExpression(args: string[], shell: Shell): boolean | 'error' {
  if (args.length === 0) return false;
  if (args[0] === '!') {
    const inner = testExpression(args.slice(1), shell);
    return inner === 'error' ? inner : !inner;
  }
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, operand = ''] = args;
    const path = shell.resolve(operand);
    switch (op) {
      case '-e':
        return shell.vfs.kind(path) !== undefined;
      case '-f':
        return shell.vfs.kind(path) === 'file';
      case '-d':
        return shell.vfs.kind(path) === 'dir';
      case '-s':
        return (
          shell.vfs.kind(path) !== undefined && (shell.vfs.kind(path) === 'dir' || shell.vfs.size(path) > 0)
        );
      case '-r':
      case '-w':
      case '-x':
        return shell.vfs.kind(path) !== undefined;
      case '-n':
        return operand !== '';
      case '-z':
        return operand === '';
      default:
        return 'error';
    }
  }
  if (args.length === 3) {
    const [left = '', op, right = ''] = args;
    switch (op) {
      case '=':
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '-eq':
        return Number(left) === Number(right);
      case '-ne':
        return Number(left) !== Number(right);
      case '-lt':
        return Number(left) < Number(right);
      case '-le':
        return Number(left) <= Number(right);
      case '-gt':
        return Number(left) > Number(right);
      case '-ge':
        return Number(left) >= Number(right);
      default:
        return 'error';
    }
  }
  return 'error';
}

function makeTest(bracket: boolean): Utility {
  return (context) => {
    let args = context.argv.slice(1);
    const name = bracket ? '[' : 'test';
    if (bracket) {
      if (args[args.length - 1] !== ']') {
        context.shell.shellError(context.io, `${name}: missing ]`);
        return 2;
      }
      args = args.slice(0, -1);
    }
    const result = testExpression(args, context.shell);
    if (result === 'error') {
      context.shell.shellError(context.io, `${name}: syntax error`);
      return 2;
    }
    return result ? 0 : 1;
  };
}

/** `sleep N` waits N seconds of simulated time (suffixes s, m, h as in coreutils). */
const sleep: Utility = async (context) => {
  let total = 0;
  for (const arg of context.argv.slice(1)) {
    const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg);
    if (!match) {
      fail(context, `sleep: invalid time interval '${arg}'`);
      return 1;
    }
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
    total += Number(match[1]) * unit * 1000;
  }
  await context.shell.sleep(total);
  return 0;
};

const env: Utility = (context) => {
  write(context, [...context.shell.vars.entries()].map(([key, value]) => `${key}=${value}\n`).join(''));
  return 0;
};

const wc: Utility = async (context) => {
  const { flags, operands } = parseFlags(context.argv.slice(1), 'clw');
  const data = operands[0]
    ? context.shell.vfs.read(context.shell.resolve(operands[0]))
    : await context.io.stdin.all();
  const text = data.toString('utf8');
  const counts: number[] = [];
  const all = flags.size === 0;
  if (all || flags.has('l')) counts.push((text.match(/\n/g) ?? []).length);
  if (all || flags.has('w')) counts.push(text.split(/\s+/).filter(Boolean).length);
  if (all || flags.has('c')) counts.push(data.length);
  const suffix = operands[0] ? ` ${operands[0]}` : '';
  write(context, `${counts.join(' ')}${suffix}\n`);
  return 0;
};

const head: Utility = async (context) => {
  const args = context.argv.slice(1);
  let lines = 10;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-n') lines = Number(args[++i]);
    else if (/^-n?\d+$/.test(arg)) lines = Number(arg.replace(/^-n?/, ''));
    else operands.push(arg);
  }
  const data = operands[0]
    ? context.shell.vfs.read(context.shell.resolve(operands[0]))
    : await context.io.stdin.all();
  const parts = data.toString('utf8').split('\n');
  write(context, parts.slice(0, lines).join('\n') + (parts.length > lines ? '\n' : ''));
  return 0;
};

function digest(algorithm: 'md5' | 'sha256', name: string): Utility {
  return async (context) => {
    const operands = context.argv.slice(1);
    if (operands.length === 0) operands.push('-');
    let status = 0;
    for (const operand of operands) {
      try {
        const data =
          operand === '-'
            ? await context.io.stdin.all()
            : context.shell.vfs.read(context.shell.resolve(operand));
        write(context, `${createHash(algorithm).update(data).digest('hex')}  ${operand}\n`);
      } catch (error) {
        if (!(error instanceof FsError)) throw error;
        fail(
          context,
          context.shell.flavor === 'gnu'
            ? `${name}: ${operand}: ${gnuReason(error.code)}`
            : `${name}: can't open '${operand}': ${gnuReason(error.code)}`,
        );
        status = 1;
      }
    }
    return status;
  };
}

const basename: Utility = (context) => {
  write(context, `${baseName(context.argv[1] ?? '')}\n`);
  return 0;
};

const grep: Utility = async (context) => {
  const { flags, operands } = parseFlags(context.argv.slice(1), 'qvcinEFsl');
  const [pattern, ...files] = operands;
  if (pattern === undefined) {
    fail(
      context,
      context.shell.flavor === 'gnu'
        ? 'Usage: grep [OPTION]... PATTERNS [FILE]...'
        : 'BusyBox: grep: missing PATTERN',
    );
    return 2;
  }
  let regex: RegExp;
  try {
    const source = flags.has('F')
      ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      : flags.has('E')
        ? pattern
        : pattern.replace(/\\([(){}|+?])/g, '$1');
    regex = new RegExp(source, flags.has('i') ? 'i' : '');
  } catch {
    fail(context, `grep: invalid pattern '${pattern}'`);
    return 2;
  }
  const sources = files.length > 0 ? files : ['-'];
  let matched = false;
  let status = 0;
  for (const file of sources) {
    let data: Buffer;
    try {
      data =
        file === '-' ? await context.io.stdin.all() : context.shell.vfs.read(context.shell.resolve(file));
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      if (!flags.has('s')) fail(context, `grep: ${file}: ${gnuReason(error.code)}`);
      status = 2;
      continue;
    }
    const text = data.toString('utf8');
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    let count = 0;
    lines.forEach((line, index) => {
      if (regex.test(line) === flags.has('v')) return;
      count++;
      matched = true;
      if (flags.has('q') || flags.has('c') || flags.has('l')) return;
      const prefix = `${sources.length > 1 ? `${file}:` : ''}${flags.has('n') ? `${index + 1}:` : ''}`;
      write(context, `${prefix}${line}\n`);
    });
    if (flags.has('q') && matched) return 0;
    if (flags.has('c')) write(context, `${sources.length > 1 ? `${file}:` : ''}${count}\n`);
    if (flags.has('l') && count > 0) write(context, `${file}\n`);
  }
  return status === 2 && !matched ? 2 : matched ? 0 : 1;
};

const tail: Utility = async (context) => {
  const args = context.argv.slice(1);
  let count = 10;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-n') count = Number(args[++i]);
    else if (/^-n?\d+$/.test(arg)) count = Number(arg.replace(/^-n?/, ''));
    else operands.push(arg);
  }
  const data = operands[0]
    ? context.shell.vfs.read(context.shell.resolve(operands[0]))
    : await context.io.stdin.all();
  const text = data.toString('utf8');
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  if (text === '') return 0;
  write(context, `${lines.slice(Math.max(0, lines.length - count)).join('\n')}\n`);
  return 0;
};

const seq: Utility = (context) => {
  const numbers = context.argv.slice(1).map(Number);
  const [first, last] = numbers.length >= 2 ? [numbers[0]!, numbers[1]!] : [1, numbers[0] ?? 1];
  let out = '';
  for (let n = first; n <= last; n++) out += `${n}\n`;
  write(context, out);
  return 0;
};

function date(now: () => Date): Utility {
  return (context) => {
    const at = now();
    const format = context.argv.slice(1).find((arg) => arg.startsWith('+'));
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][at.getUTCDay()]!;
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
      at.getUTCMonth()
    ]!;
    const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
    const ymd = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
    if (!format) {
      write(
        context,
        `${day} ${month} ${String(at.getUTCDate()).padStart(2)} ${time} UTC ${at.getUTCFullYear()}\n`,
      );
      return 0;
    }
    const codes: Record<string, string> = {
      s: String(Math.floor(at.getTime() / 1000)),
      Y: String(at.getUTCFullYear()),
      m: pad(at.getUTCMonth() + 1),
      d: pad(at.getUTCDate()),
      H: pad(at.getUTCHours()),
      M: pad(at.getUTCMinutes()),
      S: pad(at.getUTCSeconds()),
      F: ymd,
      T: time,
      '%': '%',
    };
    write(context, `${format.slice(1).replace(/%(.)/g, (m, code: string) => codes[code] ?? m)}\n`);
    return 0;
  };
}

/** Coreutils-level programs every image with a shell carries. */
export function coreUtilities(hostname: string, now: () => Date = () => new Date()): Map<string, Utility> {
  return new Map<string, Utility>([
    ['echo', echo],
    ['printf', printf],
    ['cat', cat],
    ['rm', rm],
    ['mkdir', mkdir],
    ['touch', touch],
    ['ls', ls],
    ['test', makeTest(false)],
    ['[', makeTest(true)],
    ['sleep', sleep],
    ['env', env],
    ['wc', wc],
    ['head', head],
    ['md5sum', digest('md5', 'md5sum')],
    ['sha256sum', digest('sha256', 'sha256sum')],
    ['basename', basename],
    ['grep', grep],
    ['tail', tail],
    ['seq', seq],
    ['date', date(now)],
    [
      'id',
      (context) => {
        write(context, 'uid=0(root) gid=0(root) groups=0(root)\n');
        return 0;
      },
    ],
    [
      'whoami',
      (context) => {
        write(context, 'root\n');
        return 0;
      },
    ],
    [
      'hostname',
      (context) => {
        write(context, `${hostname}\n`);
        return 0;
      },
    ],
  ]);
}
