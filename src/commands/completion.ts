import { Args } from '@oclif/core';
import type { Command } from '@oclif/core';
import { fromCommandLineOnly } from '../cli/flags.ts';
import { StsCommand } from '../cli/base.ts';
import { usageError } from '../cli/errors.ts';
import { complete, formatCompletion } from '../completion/complete.ts';
import type { CommandSpec, Completion as CompletionResult } from '../completion/complete.ts';
import { SHELLS, completionScript } from '../completion/scripts.ts';
import type { Shell } from '../completion/scripts.ts';

/** The protocol entry kubectl_complete-sts uses: `completion __complete -- <words>`. */
const PROTOCOL = '__complete';

/** oclif's cached command metadata (from the manifest) is all completion needs: no command is loaded. */
export function toCommandSpecs(commands: readonly Command.Loadable[]): CommandSpec[] {
  return commands.map((command) => ({
    id: command.id,
    description: command.summary ?? command.description,
    hidden: command.hidden,
    flags: Object.values(command.flags ?? {}).map((flag) => ({
      name: flag.name,
      char: flag.char,
      takesValue: flag.type === 'option',
      options: flag.type === 'option' ? flag.options : undefined,
      description: flag.summary ?? flag.description,
      hidden: flag.hidden,
    })),
    args: Object.values(command.args ?? {}).map((arg) => ({
      name: arg.name,
      // This command's own argument also accepts the hidden protocol word, so its shells are
      // not declared as oclif options (help would list __complete); offer them here instead.
      options: command.id === 'completion' && arg.name === 'shell' ? SHELLS : arg.options,
      description: arg.description,
    })),
  }));
}

export default class Completion extends StsCommand {
  static override description =
    'Print a shell completion script for running the plugin as kubectl-sts.\n' +
    'Completion of `kubectl sts ...` through kubectl 1.26+ needs no script: kubectl calls ' +
    'kubectl_complete-sts from PATH.';
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    'source <(<%= config.bin %> completion zsh)',
    '<%= config.bin %> completion fish | source',
  ];
  static override strict = false;
  static override args = {
    // Not `required`: a missing shell gets our own one-line usage error, not oclif's listing.
    shell: Args.string({ description: 'The shell: bash, zsh or fish.', ...fromCommandLineOnly }),
  };

  async run(): Promise<CompletionResult | { shell: Shell; script: string }> {
    // The words to complete are taken as typed: a parser would swallow a `--` being typed
    // (`kubectl sts status web --<TAB>` completed the name again) or read the words' flags.
    if (this.argv[0] === PROTOCOL) {
      const after = this.argv.slice(1);
      const words = after[0] === '--' ? after.slice(1) : after;
      const { clusterCompletionSource } = await import('../completion/sources.ts');
      const result = await complete(
        words.length > 0 ? words : [''],
        toCommandSpecs(this.config.commands),
        clusterCompletionSource,
      );
      process.stdout.write(formatCompletion(result));
      return result;
    }
    const { args, argv } = await this.parse(Completion);
    const hint = `use one of ${SHELLS.join(', ')}, e.g. source <(kubectl sts completion bash)`;
    if (!args.shell) throw usageError('missing the shell to print a completion script for', hint);
    if (argv.length > 1) throw usageError(`unexpected arguments after "${args.shell}"`, hint);
    if (!(SHELLS as readonly string[]).includes(args.shell)) {
      throw usageError(`unsupported shell "${args.shell}"`, hint);
    }
    const shell = args.shell as Shell;
    const script = completionScript(shell);
    process.stdout.write(script);
    return { shell, script };
  }
}
