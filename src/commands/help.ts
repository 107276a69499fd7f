import { Args, loadHelpClass } from '@oclif/core';
import { StsCommand } from '../cli/base.ts';
import { usageError } from '../cli/errors.ts';
import { fromCommandLineOnly } from '../cli/flags.ts';

/**
 * `kubectl sts help [COMMAND]`, as `kubectl help get`: the same text as `--help`, for people
 * who type it the other way round.
 */
export default class Help extends StsCommand {
  static override summary = 'Show help for kubectl sts, or for one of its commands.';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help verify-pvc'];
  static override args = {
    command: Args.string({
      description: 'The command to show help for.',
      required: false,
      ...fromCommandLineOnly,
    }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Help);
    const words = args.command === undefined ? [] : [args.command];
    if (args.command !== undefined && !this.config.findCommand(args.command)) {
      throw usageError(
        `unknown command "${args.command}" for "kubectl sts"`,
        "run 'kubectl sts help' to list the commands",
      );
    }
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, this.config.pjson.oclif?.helpOptions ?? {}).showHelp(words);
  }
}
