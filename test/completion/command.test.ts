// `kubectl sts completion SHELL`: the scripts work in the real shells (each asks the plugin
// for candidates through the same protocol kubectl uses), and bad input is one usage line.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_BIN = fileURLToPath(new URL('../../bin', import.meta.url));
const ENV = {
  PATH: `${REPO_BIN}:${process.env.PATH}`,
  HOME: '/nonexistent',
  KUBECONFIG: '/nonexistent/kubeconfig',
};

const hasShell = async (shell: string) =>
  run('sh', ['-c', `command -v ${shell}`]).then(
    () => true,
    () => false,
  );

describe('kubectl sts completion SHELL: usage errors', () => {
  it.each([
    {
      args: [],
      message: 'error: missing the shell to print a completion script for; use one of bash, zsh, fish',
    },
    { args: ['ksh'], message: 'error: unsupported shell "ksh"; use one of bash, zsh, fish' },
    {
      args: ['bash', 'zsh'],
      message: 'error: unexpected arguments after "bash"; use one of bash, zsh, fish',
    },
  ])('$args → exit 2, one line', async ({ args, message }) => {
    const failure = await run('kubectl-sts', ['completion', ...args], { env: ENV }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('the bash script', () => {
  async function bashComplete(words: string[]): Promise<string[]> {
    const script = [
      'source <(kubectl-sts completion bash)',
      `COMP_WORDS=(kubectl-sts ${words.map((word) => `'${word}'`).join(' ')})`,
      `COMP_CWORD=${words.length}`,
      '_kubectl_sts_complete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script], { env: ENV });
    return stdout.split('\n').filter(Boolean);
  }

  it.each([
    { words: ['vers'], expected: ['version'] },
    { words: ['completion', ''], expected: ['bash', 'zsh', 'fish'] },
    { words: ['version', '--out'], expected: ['--output'] },
    { words: ['version', '-o', 'y'], expected: ['yaml'] },
  ])('completes $words to $expected', async ({ words, expected }) => {
    expect(await bashComplete(words)).toEqual(expected);
  });
});

describe.skipIf(!(await hasShell('zsh')))('the zsh script', () => {
  // Outside an interactive completion, zsh's _describe and _files are replaced by stubs that
  // print what they were given; compdef is a no-op.
  async function zshComplete(words: string[]): Promise<string[]> {
    const script = [
      'compdef() { :; }',
      '_describe() { print -rl -- "${(@P)2}"; }',
      '_files() { print -r -- "<files>"; }',
      'source <(kubectl-sts completion zsh)',
      `words=(kubectl-sts ${words.map((word) => `'${word}'`).join(' ')})`,
      `CURRENT=${words.length + 1}`,
      '_kubectl_sts',
    ].join('\n');
    const { stdout } = await run('zsh', ['-f', '-c', script], { env: ENV });
    return stdout.split('\n').filter(Boolean);
  }

  it.each([
    { words: ['vers'], expected: ['version:Print the plugin version.'] },
    { words: ['completion', ''], expected: ['bash', 'zsh', 'fish'] },
    { words: ['dns', '--kubeconfig', ''], expected: ['<files>'] },
  ])('offers $words → $expected', async ({ words, expected }) => {
    expect(await zshComplete(words)).toEqual(expected);
  });

  it('loads in zsh and registers a completion function for kubectl-sts', async () => {
    const script =
      'autoload -Uz compinit && compinit -u -D; source <(kubectl-sts completion zsh); print -r -- $_comps[kubectl-sts]';
    const { stdout } = await run('zsh', ['-f', '-c', script], { env: ENV });
    expect(stdout.trim()).toBe('_kubectl_sts');
  });
});

describe.skipIf(!(await hasShell('fish')))('the fish script', () => {
  it('completes subcommands with descriptions through fish', async () => {
    const script = 'kubectl-sts completion fish | source; complete -C "kubectl-sts vers"';
    const { stdout } = await run('fish', ['--no-config', '-c', script], { env: ENV });
    expect(stdout).toBe('version\tPrint the plugin version.\n');
  });
});
