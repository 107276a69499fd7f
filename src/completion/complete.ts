// Completion of `kubectl sts <words>` in kubectl's `__complete` protocol (cobra's): one
// candidate per line, optionally `name<TAB>description`, then `:<directive>`. Pure: the
// command specs and the dynamic lookups (cluster, kubeconfig) are passed in. Which values a
// flag offers and which typed flags reach the lookups come from src/cli/flags.ts (FLAG_VALUES,
// CONNECTION_OPTIONS): a connection flag declared there is honoured here without a line of its own.
import { FLAG_VALUES, connectionOptionForFlag } from '../cli/flags.ts';
import type { ConnectionOptions, ValueSource } from '../cli/flags.ts';

/** cobra's ShellCompDirective bits, which kubectl forwards to the shell script. */
export const Directive = {
  Default: 0,
  Error: 1,
  NoSpace: 2,
  NoFileComp: 4,
  FilterFileExt: 8,
  FilterDirs: 16,
  KeepOrder: 32,
} as const;

export interface FlagSpec {
  name: string;
  char?: string;
  /** False for boolean flags, which never consume the next word. */
  takesValue: boolean;
  options?: readonly string[];
  description?: string;
  hidden?: boolean;
}

export interface ArgSpec {
  name: string;
  options?: readonly string[];
  description?: string;
}

export interface CommandSpec {
  id: string;
  description?: string;
  hidden?: boolean;
  flags: readonly FlagSpec[];
  args: readonly ArgSpec[];
}

/** What a dynamic lookup may be asked for. */
export type DynamicKind = Exclude<ValueSource, 'file' | { values: readonly string[] }>;

/** What is already on the line, so lookups honour it. */
export interface LineContext {
  /** The connection flags typed on the line (each read as the command would; bad ones left out). */
  connection: Partial<ConnectionOptions>;
  allNamespaces: boolean;
  /** The StatefulSet NAME already given (for --ordinal, --from, -c). */
  statefulSet?: string;
}

export type CompletionSource = (kind: DynamicKind, context: LineContext) => Promise<string[]>;

export interface Completion {
  candidates: { value: string; description?: string }[];
  directive: number;
}

/** Flags every oclif command accepts even if not declared. */
const ROOT_FLAGS: FlagSpec[] = [
  { name: 'help', char: 'h', takesValue: false, description: 'Show help.' },
  { name: 'version', takesValue: false, description: 'Show the plugin version.' },
];

/** A positional argument naming a StatefulSet completes from the cluster. */
function argKind(arg: ArgSpec): DynamicKind | undefined {
  const text = `${arg.name} ${arg.description ?? ''}`.toLowerCase();
  return arg.name.toLowerCase() === 'name' || text.includes('statefulset') ? 'statefulset' : undefined;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n')[0]?.trim();
  return line ? line : undefined;
}

interface ParsedLine {
  command: CommandSpec | undefined;
  positionals: string[];
  /** Values of connection flags, by flag name, as typed. */
  raw: Record<string, string | string[] | boolean>;
  allNamespaces: boolean;
  /** Set when the previous word is a flag waiting for its value. */
  pendingFlag: FlagSpec | undefined;
  flagsEnded: boolean;
}

function findFlag(flags: readonly FlagSpec[], word: string): FlagSpec | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0];
    return flags.find((flag) => flag.name === name);
  }
  if (word.startsWith('-') && word.length >= 2) return flags.find((flag) => flag.char === word[1]);
  return undefined;
}

/** Remembers the value of a connection flag (any declared in CONNECTION_OPTIONS). */
function recordValue(parsed: ParsedLine, flag: FlagSpec, value: string | boolean): void {
  const option = connectionOptionForFlag(flag.name);
  if (!option) return;
  const [, spec] = option;
  if (spec.kind === 'strings') {
    const before = parsed.raw[flag.name];
    parsed.raw[flag.name] = [...(Array.isArray(before) ? before : []), String(value)];
  } else parsed.raw[flag.name] = spec.kind === 'boolean' ? value !== false && value !== 'false' : value;
}

/** The connection options of the line; a value the command would refuse is left out. */
function connectionOf(raw: ParsedLine['raw']): Partial<ConnectionOptions> {
  const connection: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const [key, spec] = connectionOptionForFlag(name)!;
    try {
      connection[key] = spec.read(value);
    } catch {
      // e.g. --request-timeout soon: the lookup uses its own limit anyway.
    }
  }
  return connection as Partial<ConnectionOptions>;
}

function lineContext(parsed: ParsedLine): LineContext {
  return {
    connection: connectionOf(parsed.raw),
    allNamespaces: parsed.allNamespaces,
    ...(parsed.positionals[0] !== undefined ? { statefulSet: parsed.positionals[0] } : {}),
  };
}

/** Reads the completed words (all but the one being typed) the way oclif would parse them. */
function parseLine(done: readonly string[], commands: readonly CommandSpec[]): ParsedLine {
  const parsed: ParsedLine = {
    command: undefined,
    positionals: [],
    raw: {},
    allNamespaces: false,
    pendingFlag: undefined,
    flagsEnded: false,
  };
  // Flags typed before the command still tell us the namespace/context; accept any known flag.
  const allFlags = [...ROOT_FLAGS, ...commands.flatMap((command) => command.flags)];
  for (const word of done) {
    const flags = parsed.command ? [...parsed.command.flags, ...ROOT_FLAGS] : allFlags;
    if (parsed.pendingFlag) {
      recordValue(parsed, parsed.pendingFlag, word);
      parsed.pendingFlag = undefined;
      continue;
    }
    if (!parsed.flagsEnded && word === '--') {
      parsed.flagsEnded = true;
      continue;
    }
    if (!parsed.flagsEnded && word.startsWith('-') && word !== '-') {
      const flag = findFlag(flags, word);
      if (!flag) continue;
      const inline = word.startsWith('--') ? word.indexOf('=') : word.length > 2 ? 2 : -1;
      if (!flag.takesValue) {
        const on = !(word.startsWith('--') && inline >= 0 && /^(0|f|false)$/i.test(word.slice(inline + 1)));
        if (flag.name === 'all-namespaces') parsed.allNamespaces = on;
        recordValue(parsed, flag, on);
        continue;
      }
      if (inline >= 0) {
        const value = word.slice(word.startsWith('--') ? inline + 1 : inline).replace(/^=/, '');
        recordValue(parsed, flag, value);
      } else parsed.pendingFlag = flag;
      continue;
    }
    if (!parsed.command) {
      const command = commands.find((candidate) => candidate.id === word);
      if (command) {
        parsed.command = command;
        continue;
      }
    }
    parsed.positionals.push(word);
  }
  return parsed;
}

async function valuesFor(
  flag: FlagSpec,
  context: LineContext,
  source: CompletionSource,
): Promise<{ values: string[]; directive: number }> {
  if (flag.options?.length) return { values: [...flag.options], directive: Directive.NoFileComp };
  const from = FLAG_VALUES[flag.name];
  if (from === undefined) return { values: [], directive: Directive.NoFileComp };
  if (from === 'file') return { values: [], directive: Directive.Default }; // let the shell complete paths
  if (typeof from === 'object') return { values: [...from.values], directive: Directive.NoFileComp };
  return { values: await lookup(source, from, context), directive: Directive.NoFileComp };
}

/** Lookups that fail (no cluster, bad kubeconfig) complete nothing rather than print errors. */
async function lookup(source: CompletionSource, kind: DynamicKind, context: LineContext): Promise<string[]> {
  try {
    return await source(kind, context);
  } catch {
    return [];
  }
}

function flagCandidates(flags: readonly FlagSpec[], current: string): Completion['candidates'] {
  const visible = flags.filter((flag) => !flag.hidden);
  if (current.startsWith('--') || current === '-') {
    const long = visible.map((flag) => ({
      value: `--${flag.name}`,
      description: firstLine(flag.description),
    }));
    if (current === '-') {
      const short = visible
        .filter((flag) => flag.char)
        .map((flag) => ({ value: `-${flag.char}`, description: firstLine(flag.description) }));
      return [...short, ...long];
    }
    return long;
  }
  return visible
    .filter((flag) => flag.char && `-${flag.char}` === current)
    .map((flag) => ({ value: `-${flag.char}`, description: firstLine(flag.description) }));
}

/**
 * Candidates for the last word of `words` (the words after `kubectl sts`; the last one is
 * what the user is typing and may be empty).
 */
export async function complete(
  words: readonly string[],
  commands: readonly CommandSpec[],
  source: CompletionSource,
): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const parsed = parseLine(words.slice(0, -1), commands);
  const command = parsed.command;
  const flags = command ? [...command.flags, ...ROOT_FLAGS] : ROOT_FLAGS;
  const byPrefix = (candidates: Completion['candidates'], prefix = current) =>
    candidates.filter((candidate) => candidate.value.startsWith(prefix));

  if (parsed.pendingFlag) {
    const { values, directive } = await valuesFor(parsed.pendingFlag, lineContext(parsed), source);
    return { candidates: byPrefix(values.map((value) => ({ value }))), directive };
  }

  if (!parsed.flagsEnded && current.startsWith('-')) {
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals > 0) {
      const flag = findFlag(flags, current);
      if (!flag?.takesValue) return { candidates: [], directive: Directive.NoFileComp };
      const { values, directive } = await valuesFor(flag, lineContext(parsed), source);
      const head = current.slice(0, equals + 1);
      return { candidates: byPrefix(values.map((value) => ({ value: `${head}${value}` }))), directive };
    }
    return { candidates: byPrefix(flagCandidates(flags, current)), directive: Directive.NoFileComp };
  }

  const visibleCommands = () =>
    commands
      .filter((candidate) => !candidate.hidden)
      .map((candidate) => ({ value: candidate.id, description: firstLine(candidate.description) }));
  if (!command) return { candidates: byPrefix(visibleCommands()), directive: Directive.NoFileComp };

  const arg = command.args[parsed.positionals.length];
  if (!arg) return { candidates: [], directive: Directive.NoFileComp };
  // `help COMMAND` names one of the commands.
  if (command.id === 'help')
    return { candidates: byPrefix(visibleCommands()), directive: Directive.NoFileComp };
  if (arg.options?.length) {
    return { candidates: byPrefix(arg.options.map((value) => ({ value }))), directive: Directive.NoFileComp };
  }
  const kind = argKind(arg);
  if (!kind) return { candidates: [], directive: Directive.NoFileComp };
  const names = await lookup(source, kind, lineContext(parsed));
  // A name already given earlier on the line is not offered again.
  const unused = names.filter((name) => !parsed.positionals.includes(name));
  return { candidates: byPrefix(unused.map((value) => ({ value }))), directive: Directive.NoFileComp };
}

/** kubectl's wire format for the result. */
export function formatCompletion(completion: Completion): string {
  const lines = completion.candidates.map((candidate) =>
    candidate.description ? `${candidate.value}\t${candidate.description}` : candidate.value,
  );
  return `${[...lines, `:${completion.directive}`].join('\n')}\n`;
}
