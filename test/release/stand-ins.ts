// Stand-ins for the tools the release scripts call (gh, npm, xcrun, ditto): executables put in a
// directory that goes first on PATH. A stand-in is a script of this directory run with the
// Node that runs the tests, or a few lines of sh.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes `binDir`/`name`: `script` (a file beside this one) run by this Node, or the sh `body`. */
export function writeStandIn(binDir: string, name: string, stand: { script: string } | { sh: string }): void {
  const file = path.join(binDir, name);
  const text =
    'script' in stand
      ? `exec '${process.execPath}' '${fileURLToPath(new URL(stand.script, import.meta.url))}' "$@"\n`
      : stand.sh;
  writeFileSync(file, `#!/bin/sh\n${text}`);
  chmodSync(file, 0o755);
}
