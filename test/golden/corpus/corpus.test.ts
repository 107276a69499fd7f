// The diagnostics corpus (kubectl-status's idea: tests/artifacts/*.yaml → *.out): every case is a
// dump in the shape kubectl (or troubleshoot.sh) writes it, and its expected output is what
// `kubectl sts status -f` prints for it: the list, the list with --problems, and each set's
// report. Regenerate the outputs with `npm run golden` and review the diff like code; rebuild the
// dumps themselves with `npm run corpus:dumps` (README.md says where each case comes from).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { offlineOutput, statusRequestFrom } from '../../../src/commands/status.ts';
import type { OverviewReport } from '../../../src/report/overview.ts';
import { expectGolden } from '../golden.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The dump of a case: `dump.yaml`, a `dump/` directory (a support bundle), or `dump.path` naming one. */
function dumpOf(name: string): string | undefined {
  const base = join(HERE, name);
  if (existsSync(join(base, 'dump.yaml'))) return join(base, 'dump.yaml');
  if (existsSync(join(base, 'dump'))) return join(base, 'dump');
  if (existsSync(join(base, 'dump.path')))
    return join(REPOSITORY, readFileSync(join(base, 'dump.path'), 'utf8').trim());
  return undefined;
}

const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));

const cases = readdirSync(HERE, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && dumpOf(entry.name) !== undefined)
  .map((entry) => entry.name)
  .sort();

/** One command as a user types it, and what it printed (stdout, then stderr if any). */
async function transcript(dump: string, args: string[]): Promise<string> {
  const flags: Record<string, unknown> = { filename: dump };
  const words = [...args];
  let name: string | undefined;
  while (words.length > 0) {
    const word = words.shift()!;
    if (word === '-A') flags['all-namespaces'] = true;
    else if (word === '--problems') flags.problems = true;
    else if (word === '-n') flags.namespace = words.shift();
    else name = word;
  }
  const printed = await offlineOutput(dump, statusRequestFrom({ name }, flags));
  const command = `$ kubectl sts status ${args.join(' ')} -f ${dump}`;
  const stderr = printed.stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => `[stderr] ${line}\n`)
    .join('');
  return `${command}\n${stderr}${printed.stdout}`;
}

describe('diagnostics corpus: kubectl sts status -f <dump>', () => {
  it.each(cases)('%s', async (name) => {
    // Paths as a user in the repository would type them: the offline header shows them.
    const dump = relative(REPOSITORY, dumpOf(name)!);
    const list = (
      await offlineOutput(dump, statusRequestFrom({}, { filename: dump, 'all-namespaces': true }))
    ).result as OverviewReport;
    const parts = [await transcript(dump, ['-A']), await transcript(dump, ['-A', '--problems'])];
    for (const item of list.items) parts.push(await transcript(dump, [item.name, '-n', item.namespace]));
    expectGolden(`corpus/${name}/expected.out`, parts.join('\n'));
  });
});
