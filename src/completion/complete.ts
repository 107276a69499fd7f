// Completion of `kubectl sts <words>` in kubectl's `__complete` protocol (cobra's): one
// candidate per line, optionally `name<TAB>description`, then `:<directive>`. Pure: the
// command specs and the dynamic lookups (cluster, kubeconfig) are passed in.

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
export type DynamicKind = 'statefulset' | 'namespace' | 'context' | 'cluster' | 'user';

/** The connection flags already typed on the line, so lookups honour them. */
export interface LineConnection {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  allNamespaces: boolean;
}

export type CompletionSource = (kind: DynamicKind, connection: LineConnection) => Promise<string[]>;

export interface Completion {
  candidates: { value: string; description?: string }[];
  directive: number;
}

/** Flags every oclif command accepts even if not declared. */
const ROOT_FLAGS: FlagSpec[] = [
  { name: 'help', char: 'h', takesValue: false, description: 'Show help.' },
  { name: 'version', takesValue: false, description: 'Show the plugin version.' },
];

const DYNAMIC_FLAG_VALUES: Record<string, DynamicKind> = {
  namespace: 'namespace',
  context: 'context',
  cluster: 'cluster',
  user: 'user',
};

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
  connection: LineConnection;
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

function recordValue(connection: LineConnection, flag: FlagSpec, value: string): void {
  if (flag.name === 'kubeconfig') connection.kubeconfig = value;
  else if (flag.name === 'context') connection.context = value;
  else if (flag.name === 'cluster') connection.cluster = value;
  else if (flag.name === 'user') connection.user = value;
  else if (flag.name === 'namespace') connection.namespace = value;
}

/** Reads the completed words (all but the one being typed) the way oclif would parse them. */
function parseLine(done: readonly string[], commands: readonly CommandSpec[]): ParsedLine {
  const parsed: ParsedLine = {
    command: undefined,
    positionals: [],
    connection: { allNamespaces: false },
    pendingFlag: undefined,
    flagsEnded: false,
  };
  // Flags typed before the command still tell us the namespace/context; accept any known flag.
  const allFlags = [...ROOT_FLAGS, ...commands.flatMap((command) => command.flags)];
  for (const word of done) {
    const flags = parsed.command ? [...parsed.command.flags, ...ROOT_FLAGS] : allFlags;
    if (parsed.pendingFlag) {
      recordValue(parsed.connection, parsed.pendingFlag, word);
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
      if (flag.name === 'all-namespaces') parsed.connection.allNamespaces = true;
      if (!flag.takesValue) continue;
      const inline = word.startsWith('--') ? word.indexOf('=') : word.length > 2 ? 2 : -1;
      if (inline >= 0) {
        const value = word.slice(word.startsWith('--') ? inline + 1 : inline).replace(/^=/, '');
        recordValue(parsed.connection, flag, value);
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
  connection: LineConnection,
  source: CompletionSource,
): Promise<{ values: string[]; directive: number }> {
  if (flag.options?.length) return { values: [...flag.options], directive: Directive.NoFileComp };
  if (flag.name === 'kubeconfig') return { values: [], directive: Directive.Default }; // let the shell complete paths
  const kind = DYNAMIC_FLAG_VALUES[flag.name];
  if (!kind) return { values: [], directive: Directive.NoFileComp };
  return { values: await lookup(source, kind, connection), directive: Directive.NoFileComp };
}

/** Lookups that fail (no cluster, bad kubeconfig) complete nothing rather than print errors. */
async function lookup(
  source: CompletionSource,
  kind: DynamicKind,
  connection: LineConnection,
): Promise<string[]> {
  try {
    return await source(kind, connection);
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
    const { values, directive } = await valuesFor(parsed.pendingFlag, parsed.connection, source);
    return { candidates: byPrefix(values.map((value) => ({ value }))), directive };
  }

  if (!parsed.flagsEnded && current.startsWith('-')) {
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals > 0) {
      const flag = findFlag(flags, current);
      if (!flag?.takesValue) return { candidates: [], directive: Directive.NoFileComp };
      const { values, directive } = await valuesFor(flag, parsed.connection, source);
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
  const names = await lookup(source, kind, parsed.connection);
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
