// The one declaration of the connection flags (CONNECTION_OPTIONS in src/cli/flags.ts) drives
// every place that needs them. For each entry, whatever it is: every command that talks to a
// cluster has the oclif flag, toConnectionOptions reads it, completion records it when typed on
// the line and hands it to the cluster lookups, and its values complete as declared. A new entry
// is covered here without a line of its own; its meaning gets its own test. And every flag that
// takes a value says what completion offers for it, so a new flag cannot be left out silently.
import { Config } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_ENTRIES,
  CONNECTION_OPTIONS,
  FLAG_VALUES,
  FREE_TEXT_FLAGS,
  connectionFlags,
  toConnectionOptions,
} from '../../src/cli/flags.ts';
import type { ConnectionOptions, KubeconfigOverrideOptions } from '../../src/cli/flags.ts';
import { toCommandSpecs } from '../../src/commands/completion.ts';
import { COMMANDS } from '../../src/commands/index.ts';
import { complete } from '../../src/completion/complete.ts';
import type { DynamicKind, LineContext } from '../../src/completion/complete.ts';
import type { KubeconfigOverrides } from '../../src/kube/kubeconfig.ts';
import { REPO_ROOT } from '../helpers/cli.ts';

const CLUSTER_COMMANDS = ['status', 'dns', 'verify-pvc'] as const;

// Compile-time: the kubeconfig resolution takes exactly the entries marked overridesKubeconfig.
const overrides: KubeconfigOverrides = {} as KubeconfigOverrideOptions;
const allOptions: ConnectionOptions = toConnectionOptions({});
void overrides;
void allOptions;

describe.each(CONNECTION_ENTRIES.map(([key, spec]) => [spec.flag, key, spec] as const))(
  'connection flag --%s',
  (flag, key, spec) => {
    it.each(CLUSTER_COMMANDS)('is a flag of `%s`, as declared', (command) => {
      const declared = COMMANDS[command].flags[flag as keyof (typeof COMMANDS)[typeof command]['flags']] as
        { char?: string; type: string; helpGroup?: string } | undefined;
      expect(declared).toBe(connectionFlags[flag as keyof typeof connectionFlags]);
      expect(declared?.char).toBe(spec.char);
      expect(declared?.type).toBe(spec.kind === 'boolean' ? 'boolean' : 'option');
      expect(declared?.helpGroup).toBe('KUBECTL');
    });

    it('is read by toConnectionOptions into its option', () => {
      const raw = spec.kind === 'boolean' ? true : spec.kind === 'strings' ? [spec.example] : spec.example;
      expect(toConnectionOptions({ [flag]: raw })[key as keyof ConnectionOptions]).toEqual(spec.read(raw));
    });

    it('typed on a completion line, reaches the cluster lookup', async () => {
      const config = await Config.load({ root: REPO_ROOT });
      const commands = toCommandSpecs(config.commands);
      const seen: LineContext[] = [];
      const source = async (_kind: DynamicKind, context: LineContext) => {
        seen.push(context);
        return [];
      };
      const typed = spec.kind === 'boolean' ? [`--${flag}`] : [`--${flag}`, spec.example];
      await complete(['status', ...typed, ''], commands, source);
      const value = spec.kind === 'boolean' ? true : spec.kind === 'strings' ? [spec.example] : spec.example;
      expect(seen).toHaveLength(1);
      expect(seen[0]!.connection[key as keyof ConnectionOptions]).toEqual(spec.read(value));
    });

    it('completes its values as declared', () => {
      expect(FLAG_VALUES[flag]).toEqual(spec.complete);
    });
  },
);

describe('every flag that takes a value says what completion offers', () => {
  const flags = Object.entries(COMMANDS).flatMap(([command, definition]) =>
    Object.entries(definition.flags ?? {}).map(([name, flag]) => [command, name, flag] as const),
  );
  it.each(
    flags
      .filter(([, , flag]) => flag.type === 'option')
      .map(([command, name, flag]) => [`${command} --${name}`, name, flag] as const),
  )('%s', (_label, name, flag) => {
    const hasOptions = 'options' in flag && Array.isArray(flag.options) && flag.options.length > 0;
    const decided = hasOptions || name in FLAG_VALUES || FREE_TEXT_FLAGS.includes(name);
    expect(decided, `add --${name} to FLAG_VALUES or FREE_TEXT_FLAGS in src/cli/flags.ts`).toBe(true);
  });
});

describe('the table itself', () => {
  it('declares each flag name and shorthand once', () => {
    const names = CONNECTION_ENTRIES.map(([, spec]) => spec.flag);
    const chars = CONNECTION_ENTRIES.flatMap(([, spec]) => (spec.char ? [spec.char] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(chars).size).toBe(chars.length);
  });

  it('has an example each entry reads without error', () => {
    for (const [, spec] of Object.entries(CONNECTION_OPTIONS))
      expect(() => spec.read(spec.example)).not.toThrow();
  });
});
