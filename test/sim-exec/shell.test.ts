// The simulated container shell: sh -c scripts and direct argv commands, byte-exact output.
import { beforeEach, describe, expect, it } from 'vitest';
import { createExecHandler } from '../sim/exec/index.ts';
import { MemoryStore, instantClock, runExec, runningPod } from './helpers.ts';

interface Case {
  name: string;
  script: string;
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  image?: string;
}

const cases: Case[] = [
  { name: 'echo prints its arguments with a newline', script: 'echo hello   world', stdout: 'hello world\n' },
  { name: 'echo -n omits the newline', script: 'echo -n abc', stdout: 'abc' },
  { name: 'single quotes keep spaces and $', script: "echo 'a  $HOME  b'", stdout: 'a  $HOME  b\n' },
  {
    name: 'double quotes expand variables but keep spaces',
    script: 'X="1  2"; echo "[$X]" [$X]',
    stdout: '[1  2] [1 2]\n',
  },
  {
    name: 'braced variables and defaults expand',
    script: 'echo ${HOSTNAME}-${NOPE:-none}',
    stdout: 'web-0-none\n',
  },
  { name: 'backslash escapes the next character', script: 'echo a\\ b \\$HOME', stdout: 'a b $HOME\n' },
  { name: 'container env is visible', script: 'echo $GREETING', stdout: 'hi there\n' },
  { name: '$? is the last exit status', script: 'false; echo $?; true; echo $?', stdout: '1\n0\n' },
  { name: '&& runs only after success', script: 'false && echo no; true && echo yes', stdout: 'yes\n' },
  {
    name: '|| runs only after failure',
    script: 'false || echo fallback; true || echo no',
    stdout: 'fallback\n',
  },
  { name: 'newlines separate commands', script: 'echo one\necho two', stdout: 'one\ntwo\n' },
  {
    name: 'exit N ends the script with N',
    script: 'echo before; exit 3; echo after',
    stdout: 'before\n',
    exitCode: 3,
  },
  { name: 'the status of the last command is the exit code', script: 'true; false', exitCode: 1 },
  { name: 'printf formats %s and %d and escapes', script: "printf '%s=%d\\n' a 1 b 2", stdout: 'a=1\nb=2\n' },
  { name: 'printf pads with a width', script: "printf '[%-5s][%3d]\\n' ab 7", stdout: '[ab   ][  7]\n' },
  {
    name: 'redirection writes a file, cat reads it back',
    script: 'echo data > /tmp/f; cat /tmp/f',
    stdout: 'data\n',
  },
  { name: '>> appends', script: 'echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f', stdout: 'a\nb\n' },
  { name: '> truncates', script: 'echo long-line > /tmp/f; printf x > /tmp/f; cat /tmp/f', stdout: 'x' },
  {
    name: '2> sends errors to a file',
    script: 'cat /nope 2>/tmp/err; cat /tmp/err',
    stdout: "cat: can't open '/nope': No such file or directory\n",
  },
  {
    name: '2>&1 merges errors into stdout',
    script: 'cat /nope 2>&1',
    stdout: "cat: can't open '/nope': No such file or directory\n",
    exitCode: 1,
  },
  { name: '< feeds a file to stdin', script: 'echo in > /tmp/i; cat < /tmp/i', stdout: 'in\n' },
  { name: 'pipes pass stdout along', script: 'printf "a\\nb\\nc\\n" | wc -l', stdout: '3\n' },
  {
    name: 'command substitution captures output',
    script: 'echo "name: $(hostname)"',
    stdout: 'name: web-0\n',
  },
  {
    name: 'test -f tells files from directories',
    script: 'touch /tmp/t; test -f /tmp/t && echo file; test -f /tmp || echo notfile',
    stdout: 'file\nnotfile\n',
  },
  {
    name: '[ -d ] and [ -e ] check existence',
    script: '[ -d /tmp ] && echo dir; [ -e /missing ] || echo missing',
    stdout: 'dir\nmissing\n',
  },
  {
    name: '[ -s ] is false for an empty file',
    script: 'touch /tmp/e; [ -s /tmp/e ] || echo empty; echo x > /tmp/e; [ -s /tmp/e ] && echo full',
    stdout: 'empty\nfull\n',
  },
  {
    name: 'string comparisons',
    script: '[ a = a ] && echo eq; [ a != b ] && echo ne; test "$X" = "" && echo unset',
    stdout: 'eq\nne\nunset\n',
  },
  { name: '[ without ] is an error', script: '[ -f /tmp', stderr: 'sh: [: missing ]\n', exitCode: 2 },
  {
    name: 'mkdir -p creates parents, ls lists sorted',
    script: 'mkdir -p /tmp/a/b; touch /tmp/a/z /tmp/a/B; ls /tmp/a',
    stdout: 'B\nb\nz\n',
  },
  {
    name: 'mkdir of an existing directory fails',
    script: 'mkdir /tmp',
    stderr: "mkdir: can't create directory '/tmp': File exists\n",
    exitCode: 1,
  },
  {
    name: 'rm removes files, rm -f ignores missing',
    script: 'touch /tmp/r; rm /tmp/r; rm -f /tmp/r; test -e /tmp/r || echo gone',
    stdout: 'gone\n',
  },
  {
    name: 'rm of a missing file fails',
    script: 'rm /tmp/none',
    stderr: "rm: can't remove '/tmp/none': No such file or directory\n",
    exitCode: 1,
  },
  {
    name: 'rm of a directory needs -r',
    script: 'mkdir /tmp/d; rm /tmp/d; rm -r /tmp/d && echo removed',
    stdout: 'removed\n',
    stderr: "rm: can't remove '/tmp/d': Is a directory\n",
  },
  {
    name: 'ls of a missing path fails',
    script: 'ls /nope',
    stderr: 'ls: /nope: No such file or directory\n',
    exitCode: 1,
  },
  {
    name: 'writing under a missing directory fails',
    script: 'echo x > /no/dir/f',
    stderr: "sh: can't create /no/dir/f: nonexistent directory\n",
    exitCode: 1,
  },
  {
    name: 'cd changes the directory for relative paths',
    script: 'mkdir /tmp/w; cd /tmp/w; echo r > rel; cat /tmp/w/rel; pwd',
    stdout: 'r\n/tmp/w\n',
  },
  { name: 'hostname prints the pod hostname', script: 'hostname', stdout: 'web-0\n' },
  { name: 'sleep waits on the simulated clock', script: 'sleep 30 && echo woke', stdout: 'woke\n' },
  {
    name: 'unknown commands exit 127',
    script: 'frobnicate --now',
    stderr: 'sh: frobnicate: not found\n',
    exitCode: 127,
  },
  {
    name: 'syntax errors exit 2',
    script: 'echo "unterminated',
    stderr: 'sh: syntax error: unterminated quoted string\n',
    exitCode: 2,
  },
  {
    name: 'if/else picks a branch',
    script: 'if [ -d /tmp ]; then echo yes; else echo no; fi',
    stdout: 'yes\n',
  },
  { name: 'for loops over words', script: 'for i in 1 2 3; do printf "$i,"; done; echo', stdout: '1,2,3,\n' },
  {
    name: 'while loops until the condition fails',
    script: 'touch /tmp/n; while [ "$(cat /tmp/n)" != xxx ]; do printf x >> /tmp/n; done; cat /tmp/n',
    stdout: 'xxx',
  },
  {
    name: 'arithmetic expansion counts',
    script: 'i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo $i $((7 / 2)) $(( (1+2)*3 ))',
    stdout: '3 3 9\n',
  },
  {
    name: 'read consumes stdin line by line',
    script: 'printf "a 1\\nb 2\\n" > /tmp/l; while read k v; do echo "$v=$k"; done < /tmp/l',
    stdout: '1=a\n2=b\n',
  },
  {
    name: 'grep prints matching lines and exits 1 when none match',
    script: 'printf "x\\ny\\nxy\\n" > /tmp/g; grep x /tmp/g; grep -q z /tmp/g || echo none',
    stdout: 'x\nxy\nnone\n',
  },
  { name: 'grep -c counts and -v inverts', script: 'printf "x\\ny\\nxy\\n" | grep -vc x', stdout: '1\n' },
  { name: 'tail -n keeps the last lines', script: 'seq 5 | tail -n 2', stdout: '4\n5\n' },
  {
    name: 'date prints the simulated clock',
    script: 'date; date +%F',
    stdout: 'Thu Jan  1 00:00:00 UTC 2026\n2026-01-01\n',
  },
  {
    name: 'id and whoami say root',
    script: 'id; whoami',
    stdout: 'uid=0(root) gid=0(root) groups=0(root)\nroot\n',
  },
  {
    name: 'command -v finds programs and fails for missing ones',
    script: 'command -v cat; command -v nope || echo none',
    stdout: '/usr/bin/cat\nnone\n',
  },
  {
    name: 'sha256sum digests a file',
    script: 'printf abc > /tmp/h; sha256sum /tmp/h',
    stdout: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  /tmp/h\n',
  },
  {
    name: 'dash words errors with a line number',
    image: 'debian:12',
    script: 'nope',
    stderr: 'sh: 1: nope: not found\n',
    exitCode: 127,
  },
  {
    name: 'GNU cat names the file in its error',
    image: 'debian:12',
    script: 'cat /nope',
    stderr: 'cat: /nope: No such file or directory\n',
    exitCode: 1,
  },
  {
    name: 'GNU ls exits 2 for a missing path',
    image: 'debian:12',
    script: 'ls /nope',
    stderr: "ls: cannot access '/nope': No such file or directory\n",
    exitCode: 2,
  },
  {
    name: 'GNU rm says cannot',
    image: 'debian:12',
    script: 'rm /nope',
    stderr: "rm: cannot remove '/nope': No such file or directory\n",
    exitCode: 1,
  },
  {
    name: 'dash reports a missing directory for >',
    image: 'debian:12',
    script: 'echo x > /no/f',
    stderr: 'sh: 1: cannot create /no/f: Directory nonexistent\n',
    exitCode: 2,
  },
];

describe('sh -c in a simulated container', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });

  it.each(cases)('$name', async ({ script, stdout = '', stderr = '', exitCode = 0, image }) => {
    store.create('pods', runningPod('web-0', { image, env: [{ name: 'GREETING', value: 'hi there' }] }));
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    const result = await runExec(handler, { pod: 'web-0', command: ['sh', '-c', script] });
    expect(result).toEqual({ stdout, stderr, exitCode });
  });
});

describe('direct argv commands', () => {
  it.each([
    { argv: ['echo', 'a b', 'c'], stdout: 'a b c\n', exitCode: 0 },
    { argv: ['/bin/echo', '$HOME'], stdout: '$HOME\n', exitCode: 0 },
    { argv: ['cat', '/etc/hostname'], stdout: 'web-0\n', exitCode: 0 },
    { argv: ['ls', '/'], stdout: 'bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n', exitCode: 0 },
  ])('$argv runs without a shell', async ({ argv, stdout, exitCode }) => {
    const store = new MemoryStore();
    store.create('pods', runningPod('web-0'));
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    expect(await runExec(handler, { pod: 'web-0', command: argv })).toEqual({ stdout, stderr: '', exitCode });
  });

  it('reads the script from stdin for a bare sh', async () => {
    const store = new MemoryStore();
    store.create('pods', runningPod('web-0'));
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    const result = await runExec(handler, { pod: 'web-0', command: ['sh'] }, 'echo from-stdin\nexit 4\n');
    expect(result).toEqual({ stdout: 'from-stdin\n', stderr: '', exitCode: 4 });
  });

  it('cat without arguments copies stdin', async () => {
    const store = new MemoryStore();
    store.create('pods', runningPod('web-0'));
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    const result = await runExec(
      handler,
      { pod: 'web-0', command: ['sh', '-c', 'cat > /tmp/in; cat /tmp/in'] },
      'piped\n',
    );
    expect(result).toEqual({ stdout: 'piped\n', stderr: '', exitCode: 0 });
  });

  it('a tty turns newlines into CRLF and merges stderr', async () => {
    const store = new MemoryStore();
    store.create('pods', runningPod('web-0'));
    const handler = createExecHandler(store, instantClock, { clusterDomain: 'cluster.local' });
    const result = await runExec(handler, {
      pod: 'web-0',
      tty: true,
      command: ['sh', '-c', 'echo a; cat /x'],
    });
    expect(result).toEqual({
      stdout: "a\r\ncat: can't open '/x': No such file or directory\r\n",
      stderr: '',
      exitCode: 1,
    });
  });

  it('kill ends a sleeping process with 137', async () => {
    const store = new MemoryStore();
    store.create('pods', runningPod('web-0'));
    const slowClock = { ...instantClock, setTimeout: () => ({ cancel() {} }) };
    const handler = createExecHandler(store, slowClock, { clusterDomain: 'cluster.local' });
    const session = handler.start({
      namespace: 'default',
      pod: 'web-0',
      container: undefined,
      command: ['sleep', '3600'],
      stdin: false,
      tty: false,
    });
    await new Promise((resolve) => setImmediate(resolve));
    session.kill();
    expect(await session.exit).toBe(137);
  });
});
