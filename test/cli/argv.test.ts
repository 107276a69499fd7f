// The command line read as kubectl reads it. Errors: the same words as real kubectl for the
// same mistakes on flags both have (`kubectl get` shares -n, -A, -o, -w, -l, -L, --sort-by…).
// Accepted forms: rewritten into what oclif parses to the same values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeArgv } from '../../src/cli/argv.ts';
import type { ArgvFlag } from '../../src/cli/argv.ts';
import { StsError } from '../../src/cli/errors.ts';
import { COMMANDS } from '../../src/commands/index.ts';
import { startKubectlOracle } from '../helpers/kubectl-oracle.ts';
import type { KubectlOracle } from '../helpers/kubectl-oracle.ts';

const STATUS_FLAGS: ArgvFlag[] = Object.entries(COMMANDS.status.flags).map(([name, flag]) => ({
  name,
  char: flag.char,
  type: flag.type,
  multiple: flag.type === 'option' ? flag.multiple : false,
  allowNo: flag.type === 'boolean' ? flag.allowNo : false,
}));

function errorOf(argv: string[]): string | undefined {
  try {
    normalizeArgv(argv, STATUS_FLAGS, 'status');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(StsError);
    expect((error as StsError).exitCode).toBe(2);
    expect((error as StsError).hint).toBe("see 'kubectl sts status --help' for usage");
    return (error as StsError).message;
  }
}

describe('flag errors in kubectl’s words (real kubectl get as the oracle)', () => {
  let oracle: KubectlOracle;
  let namespace: string;
  beforeAll(async () => {
    oracle = await startKubectlOracle();
    namespace = oracle.dataset([]);
  });
  afterAll(async () => {
    await oracle?.stop();
  });

  it.each([
    [['--namspace=x']],
    [['--namspace', 'x']],
    [['--bogus', '--other']],
    [['-x']],
    [['-Ax']],
    [['-xA']],
    [['-Awx']],
    [['web', '-n']],
    [['--namespace']],
    [['-o']],
    [['--sort-by']],
    [['-l']],
    [['--watch=maybe']],
    [['-w=maybe']],
    [['-A=2']],
    [['--show-labels=yes']],
    [['--no-headers=']],
    [['--=x']],
  ])('%j', async (argv) => {
    const run = await oracle.get(namespace, argv);
    expect(run.code).not.toBe(0);
    const theirs = run.stderr.split('\n')[0]!.replace(/^(Error|error): /, '');
    expect(errorOf(argv)).toBe(theirs);
  });
});

describe('forms kubectl accepts, rewritten for oclif', () => {
  it.each([
    { argv: ['web', '-n', 'shop'], out: ['--namespace=shop', '--', 'web'] },
    { argv: ['-nshop', 'web'], out: ['--namespace=shop', '--', 'web'] },
    { argv: ['-n=shop'], out: ['--namespace=shop'] },
    { argv: ['-Aw'], out: ['--all-namespaces', '--watch'] },
    { argv: ['-Ao', 'json'], out: ['--all-namespaces', '--output=json'] },
    { argv: ['-Aojson'], out: ['--all-namespaces', '--output=json'] },
    { argv: ['--watch=false', 'web'], out: ['--', 'web'] },
    { argv: ['--watch', '--watch=false'], out: [] },
    { argv: ['-w=true'], out: ['--watch'] },
    { argv: ['--no-headers=1'], out: ['--no-headers'] },
    { argv: ['--allow-missing-template-keys=false'], out: ['--no-allow-missing-template-keys'] },
    { argv: ['--no-allow-missing-template-keys'], out: ['--no-allow-missing-template-keys'] },
    { argv: ['-n', 'a', '-n', 'b'], out: ['--namespace=b'] },
    { argv: ['-L', 'app', '-L', 'tier,zone'], out: ['--label-columns=app', '--label-columns=tier,zone'] },
    { argv: ['--sort-by', '-weird'], out: ['--sort-by=-weird'] },
    { argv: ['-o', 'jsonpath={.items[*].name}'], out: ['--output=jsonpath={.items[*].name}'] },
    { argv: ['web', '--', '-dash'], out: ['--', 'web', '-dash'] },
    { argv: ['-', 'web'], out: ['--', '-', 'web'] },
    { argv: ['--help', 'web'], out: ['--help', '--', 'web'] },
    { argv: ['-h'], out: ['-h'] },
  ])('$argv → $out', ({ argv, out }) => {
    expect(normalizeArgv(argv, STATUS_FLAGS, 'status')).toEqual(out);
  });
});
