import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  markerContent,
  markerFileName,
  markerPathIn,
  pathInVolume,
  readMarkerCommand,
  removeMarkerCommand,
  writeMarkerCommand,
} from '../../src/flows/verify-pvc-markers.ts';
import type { PlannedClaim } from '../../src/flows/verify-pvc.ts';
import { FakeCluster } from './fake-cluster.ts';
import { runAgainst } from './harness.ts';

// Directory names a user (--path) or a cluster (mountPath) might hand us that would break or
// hijack a command line built by string concatenation.
const hostileDirectories = [
  'with space',
  "it's",
  'say "hi"',
  '$HOME',
  '$(touch pwned)',
  '`touch pwned`',
  'semi;colon && touch pwned',
  'new\nline',
  '-n',
  '*',
];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs an exec argv the way the container runtime does: no shell in between, argv as given. */
function runArgv(argv: string[], stdin = ''): { status: number; stdout: string } {
  try {
    const stdout = execFileSync(argv[0]!, argv.slice(1), { input: stdin, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout };
  } catch (error) {
    return { status: (error as { status?: number }).status ?? -1, stdout: '' };
  }
}

describe('marker commands under a real POSIX sh', () => {
  it.each(hostileDirectories)(
    'write, read back and remove a marker in a directory named %j',
    async (name) => {
      const root = mkdtempSync(join(tmpdir(), 'verify-pvc-'));
      dirs.push(root);
      const { mkdirSync } = await import('node:fs');
      const directory = join(root, name);
      mkdirSync(directory);
      const path = markerPathIn(directory, 'abc123');
      const content = 'marker content with $HOME and `backticks` and "quotes"\n';

      expect(runArgv(writeMarkerCommand(path, content)).status).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(content);
      expect(runArgv(readMarkerCommand(path))).toEqual({ status: 0, stdout: content });
      expect(runArgv(removeMarkerCommand(path)).status).toBe(0);
      expect(existsSync(path)).toBe(false);
      // Nothing was executed or created anywhere else: the directory tree is exactly what we made.
      expect(readdirSync(root)).toEqual([name]);
      expect(readdirSync(directory)).toEqual([]);
      expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
    },
  );

  it('reports a missing marker as a non-zero exit, which cleanup reads as "absent"', () => {
    const root = mkdtempSync(join(tmpdir(), 'verify-pvc-'));
    dirs.push(root);
    expect(runArgv(readMarkerCommand(join(root, 'nope'))).status).not.toBe(0);
    expect(runArgv(removeMarkerCommand(join(root, 'nope'))).status).not.toBe(0);
  });
});

describe('marker commands never carry cluster or user text in the script', () => {
  it.each(hostileDirectories)('keeps %j out of the sh -c script and passes it as $1', (name) => {
    const path = markerPathIn(`/data/${name}`, 'id1');
    const content = `content naming ${name}`;
    for (const argv of [
      writeMarkerCommand(path, content),
      readMarkerCommand(path),
      removeMarkerCommand(path),
    ]) {
      expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
      expect(argv[2]).not.toContain(name);
      expect(argv[4]).toBe(path);
    }
    expect(writeMarkerCommand(path, content)[5]).toBe(content);
  });

  it('rejects marker ids that are not filename-safe', () => {
    expect(() => markerFileName('../etc')).toThrow(/not filename-safe/);
    expect(() => markerFileName('a b')).toThrow(/not filename-safe/);
    expect(markerFileName('a1-b2.c_3')).toBe('.kubectl-sts-verify-pvc-a1-b2.c_3');
  });

  it('sends the whole flow through the gateway with paths only in argv, even for --path with quotes and $', async () => {
    const fake = new FakeCluster();
    try {
      const path = `/data/it's "$HOME" \`x\``;
      const { report } = await runAgainst(fake, { paths: [path] });
      expect(report?.result).toBe('PASS');
      const scripts = new Set(fake.execLog.map((e) => e.command[2]));
      expect([...scripts].sort()).toEqual(['cat "$1"', 'exit 0', 'printf \'%s\' "$2" > "$1"', 'rm "$1"']);
      const written = fake.execLog.find((e) => e.command[2]!.startsWith('printf'))!;
      expect(written.command[4]!.startsWith(`${path}/.kubectl-sts-verify-pvc-`)).toBe(true);
      expect(written.command[5]).toContain('claim=data-web-1');
      // No stdin at all: exec's v4 protocol could not close it.
      expect(fake.execLog.every((e) => e.stdin === undefined)).toBe(true);
    } finally {
      fake.close();
    }
  });
});

describe('marker identity', () => {
  it('names the pod, claim and uids so a stray file explains itself', () => {
    const content = markerContent({
      id: 'x1',
      pod: 'web-1',
      podUid: 'u-1',
      claim: 'data-web-1',
      claimUid: 'c-1',
      writtenAt: new Date('2026-01-02T03:04:05Z'),
    });
    expect(content).toBe(
      'kubectl-sts verify-pvc marker; safe to delete\nid=x1\npod=web-1\npodUID=u-1\nclaim=data-web-1\nclaimUID=c-1\nwritten=2026-01-02T03:04:05.000Z\n',
    );
  });

  it.each([
    ['/data', null, '/data/.m', '/.m'],
    ['/var/lib/postgresql/data', 'pgdata', '/var/lib/postgresql/data/.m', '/pgdata/.m'],
    ['/data', 'a/b', '/data/sub/.m', '/a/b/sub/.m'],
  ])('locates %s (subPath %s) marker %s at %s inside the volume', (mountPath, subPath, marker, expected) => {
    const claim = { mountPath, subPath } as PlannedClaim;
    expect(pathInVolume(claim, marker)).toBe(expected);
  });
});
