// An oclif root plugin built from the explicit command map in memory instead of from files:
// used by the single-file bundle (nothing on disk to read) and by the manifest generator.
import { Plugin } from '@oclif/core';
import type { Command, Interfaces } from '@oclif/core';

export async function pluginFromCommandMap(
  root: string,
  pjson: Interfaces.PJSON,
  commands: Record<string, Command.Class>,
): Promise<Plugin> {
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true });
  // oclif keeps the loaded command map in this (TypeScript-private) field and only imports
  // pjson.oclif.commands.target when it is empty; filling it first avoids that import.
  (plugin as unknown as { commandCache: Record<string, Command.Class> }).commandCache = commands;
  await plugin.load();
  return plugin;
}
