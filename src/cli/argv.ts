// The command line read the way kubectl (cobra/pflag) reads it, before oclif parses it: the
// errors in pflag's words (`unknown flag: --namspace`, `unknown shorthand flag: 'x' in -x`,
// `flag needs an argument: 'n' in -n`, `invalid argument "maybe" for "-w, --watch" flag: …`),
// and the forms pflag accepts that oclif reads differently, rewritten into one oclif reads
// the same way: `--watch=false` (oclif took `false` as the NAME), `-Aw`, `-nshop`, `-n=shop`,
// `-o=json`, a repeated flag (pflag keeps the last value; oclif refused it), a value that starts
// with a dash (`--sort-by -x` is a value to pflag).
import { usageError } from './errors.ts';

/** What the normaliser needs to know of an oclif flag. */
export interface ArgvFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  multiple?: boolean;
  allowNo?: boolean;
}

/** Flags oclif answers itself wherever they appear. */
const PASS_THROUGH = new Set(['--help', '-h', '--version']);

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function usage(flag: ArgvFlag): string {
  return flag.char ? `-${flag.char}, --${flag.name}` : `--${flag.name}`;
}

function parseBool(flag: ArgvFlag, value: string, fail: (message: string) => Error): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw fail(
    `invalid argument "${value}" for "${usage(flag)}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
  );
}

/**
 * Reads `argv` as pflag does and returns it in a form oclif parses to the same result:
 * `--flag` / `--no-flag` for switches, `--flag=value` for values (once per value of a repeatable
 * flag, else only the last), then `--` and the arguments. Throws a usage error in pflag's words.
 */
export function normalizeArgv(
  argv: readonly string[],
  flags: readonly ArgvFlag[],
  command?: string,
): string[] {
  const help = command ? `kubectl sts ${command} --help` : 'kubectl sts --help';
  const flagError = (message: string) => usageError(message, `see '${help}' for usage`);
  const byName = new Map(flags.map((flag) => [flag.name, flag]));
  const byChar = new Map(flags.filter((flag) => flag.char).map((flag) => [flag.char!, flag]));
  const values = new Map<string, string[] | boolean>();
  const positionals: string[] = [];
  const passThrough: string[] = [];
  const set = (flag: ArgvFlag, value: string | boolean) => {
    if (typeof value === 'boolean') values.set(flag.name, value);
    else if (flag.multiple)
      values.set(flag.name, [...((values.get(flag.name) as string[] | undefined) ?? []), value]);
    else values.set(flag.name, [value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (PASS_THROUGH.has(arg)) {
      passThrough.push(arg);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals < 0 ? undefined : equals);
      if (name === '') throw flagError(`bad flag syntax: ${arg}`);
      const flag = byName.get(name);
      // oclif's negation of a switch declared with allowNo (--no-allow-missing-template-keys).
      const negated = !flag && name.startsWith('no-') ? byName.get(name.slice(3)) : undefined;
      if (negated?.type === 'boolean' && negated.allowNo && equals < 0) {
        set(negated, false);
        continue;
      }
      if (!flag) throw flagError(`unknown flag: --${name}`);
      if (flag.type === 'boolean') {
        set(flag, equals < 0 ? true : parseBool(flag, arg.slice(equals + 1), flagError));
        continue;
      }
      if (equals >= 0) set(flag, arg.slice(equals + 1));
      else if (i + 1 < argv.length) set(flag, argv[++i]!);
      else throw flagError(`flag needs an argument: --${name}`);
      continue;
    }
    // A group of shorthand flags: -Aw, -nshop, -n=shop, -on (o takes the rest).
    let rest = arg.slice(1);
    while (rest.length > 0) {
      const char = String.fromCodePoint(rest.codePointAt(0)!);
      const after = rest.slice(char.length);
      if (char === 'h' && !byChar.has('h')) {
        passThrough.push('-h');
        rest = after;
        continue;
      }
      const flag = byChar.get(char);
      if (!flag) throw flagError(`unknown shorthand flag: '${char}' in -${rest}`);
      if (flag.type === 'boolean') {
        if (after.startsWith('=')) {
          set(flag, parseBool(flag, after.slice(1), flagError));
          break;
        }
        set(flag, true);
        rest = after;
        continue;
      }
      if (after !== '') set(flag, after.startsWith('=') ? after.slice(1) : after);
      else if (i + 1 < argv.length) set(flag, argv[++i]!);
      else throw flagError(`flag needs an argument: '${char}' in -${char}`);
      break;
    }
  }
  const out: string[] = [...passThrough];
  for (const [name, value] of values) {
    const flag = byName.get(name)!;
    if (typeof value === 'boolean') {
      if (value) out.push(`--${name}`);
      else if (flag.allowNo) out.push(`--no-${name}`);
    } else for (const item of value) out.push(`--${name}=${item}`);
  }
  return positionals.length > 0 ? [...out, '--', ...positionals] : out;
}
