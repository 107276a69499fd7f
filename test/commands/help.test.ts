// `kubectl sts help [COMMAND]` prints what `--help` prints, as `kubectl help get` does, and a
// command it does not know is a one-line usage error.
import { describe, expect, it } from 'vitest';
import { runPlugin } from '../helpers/cli.ts';

describe('kubectl sts help', () => {
  it.each([
    { words: ['help'], same: ['--help'] },
    { words: ['help', 'status'], same: ['status', '--help'] },
    { words: ['help', 'verify-pvc'], same: ['verify-pvc', '--help'] },
    { words: ['help', 'help'], same: ['help', '--help'] },
  ])('$words.1 prints the same as $same', async ({ words, same }) => {
    const [help, flag] = await Promise.all([runPlugin(words), runPlugin(same)]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^USAGE$/m);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stderr).toBe('');
  });

  it('lists itself among the commands', async () => {
    const { stdout } = await runPlugin(['help']);
    expect(stdout).toMatch(/^ {2}help +Show help for kubectl sts, or for one of its commands\.$/m);
  });

  it.each([
    {
      words: ['help', 'nope'],
      says: 'error: unknown command "nope" for "kubectl sts"; run \'kubectl sts help\' to list the commands',
    },
    {
      words: ['help', 'status', 'dns'],
      says: "error: Unexpected argument: dns; see 'kubectl sts help --help' for the accepted flags and arguments",
    },
  ])('$words is a usage error', async ({ words, says }) => {
    const result = await runPlugin(words);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${says}\n`);
    expect(result.stdout).toBe('');
  });

  it('is found by real kubectl', async () => {
    const result = await runPlugin(['help', 'dns'], { viaKubectl: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}\$ kubectl sts dns /m);
  });
});
