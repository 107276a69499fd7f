import { Flags } from '@oclif/core';
import { StsCommand } from '../cli/base.ts';
import { pluginVersion } from '../version.ts';

export interface VersionInfo {
  version: string;
  node: string;
  platform: string;
}

export default class Version extends StsCommand {
  static override description = 'Print the plugin version.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version -o json'];
  static override flags = {
    output: Flags.string({
      char: 'o',
      options: ['text', 'json', 'yaml'],
      default: 'text',
      description: 'Output format.',
    }),
  };

  async run(): Promise<VersionInfo> {
    const { flags } = await this.parse(Version);
    const info: VersionInfo = {
      version: `v${pluginVersion()}`,
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    };
    if (flags.output === 'json') process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else if (flags.output === 'yaml')
      process.stdout.write(`version: ${info.version}\nnode: ${info.node}\nplatform: ${info.platform}\n`);
    else process.stdout.write(`kubectl-sts ${info.version}\n`);
    return info;
  }
}
