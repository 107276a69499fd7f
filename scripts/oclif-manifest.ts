// Writes oclif.manifest.json (command ids, flags, args, descriptions) so an installed package
// can answer --help, --version and completion without importing any command module.
//   node scripts/oclif-manifest.ts           write it (npm run build, and npm "prepack")
//   node scripts/oclif-manifest.ts --remove  delete it
//   node scripts/oclif-manifest.ts --out F   write it to F instead (tests staging a package)
// It is git-ignored and rewritten by every build; bin/run.js ignores a manifest older than
// dist/, so a stale one can never hide commands added since it was written.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Interfaces } from '@oclif/core';
import { COMMANDS } from '../src/commands/index.ts';
import { REPO_ROOT } from './lib/bundle.ts';
import { pluginFromCommandMap } from './lib/oclif-plugin.ts';

const outIndex = process.argv.indexOf('--out');
const file =
  outIndex > 0 ? path.resolve(process.argv[outIndex + 1] ?? '') : path.join(REPO_ROOT, 'oclif.manifest.json');
if (process.argv.includes('--remove')) {
  rmSync(file, { force: true });
} else {
  const pjson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Interfaces.PJSON;
  const plugin = await pluginFromCommandMap(REPO_ROOT, pjson, COMMANDS);
  writeFileSync(
    file,
    `${JSON.stringify({ commands: plugin.manifest.commands, version: pjson.version }, null, 2)}\n`,
  );
  process.stderr.write(
    `wrote ${path.relative(process.cwd(), file) || file}: ${Object.keys(plugin.manifest.commands).length} commands\n`,
  );
}
