// bin/kubectl-sts starts the pinned Node from the start-up snapshot only when the blob can be
// trusted: it was written after that Node binary was installed and after dist/ was compiled.
// Checked on a copy of the launcher in a temporary package whose "Node" only reports its
// arguments, so each case shows exactly what the launcher would have run.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const LAUNCHER = fileURLToPath(new URL('../../bin/kubectl-sts', import.meta.url));

let pkg: string;

beforeAll(() => {
  pkg = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-snapshot-launcher-'));
  for (const dir of ['bin', 'dist/bundle', 'node_modules/node/bin'])
    mkdirSync(path.join(pkg, dir), { recursive: true });
  copyFileSync(LAUNCHER, path.join(pkg, 'bin', 'kubectl-sts'));
  writeFileSync(path.join(pkg, 'bin', 'run.js'), '');
  const fakeNode = path.join(pkg, 'node_modules', 'node', 'bin', 'node');
  writeFileSync(fakeNode, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(fakeNode, 0o755);
});

afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

type Age = 'newer' | 'older' | 'absent';

/** Sets the blob's age relative to the pinned Node binary and to dist/main.js. */
function layout(blobVsNode: Age, blobVsDist: 'newer' | 'older' = 'newer'): void {
  const base = new Date('2026-01-01T00:00:10Z').getTime();
  const at = (offset: number) => new Date(base + offset);
  const node = path.join(pkg, 'node_modules', 'node', 'bin', 'node');
  const mainJs = path.join(pkg, 'dist', 'main.js');
  const blob = path.join(pkg, 'dist', 'bundle', 'kubectl-sts.blob');
  writeFileSync(mainJs, '');
  utimesSync(node, at(0), at(0));
  utimesSync(
    mainJs,
    at(blobVsDist === 'newer' ? -5_000 : 5_000),
    at(blobVsDist === 'newer' ? -5_000 : 5_000),
  );
  rmSync(blob, { force: true });
  if (blobVsNode === 'absent') return;
  writeFileSync(blob, '');
  const blobTime = at(blobVsNode === 'newer' ? 2_000 : -2_000);
  utimesSync(blob, blobTime, blobTime);
}

async function launch(
  env: NodeJS.ProcessEnv = {},
  args = ['status', 'web'],
  launcher = path.join(pkg, 'bin', 'kubectl-sts'),
  cwd?: string,
): Promise<string[]> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('KUBECTL_STS_NODE' in env)) delete childEnv.KUBECTL_STS_NODE;
  if (!('KUBECTL_STS_NO_SNAPSHOT' in env)) delete childEnv.KUBECTL_STS_NO_SNAPSHOT;
  if (!('DEBUG' in env)) delete childEnv.DEBUG;
  const { stdout } = await run(launcher, args, { env: childEnv, ...(cwd ? { cwd } : {}) });
  return stdout.trimEnd().split('\n');
}

const fromSnapshot = () => [
  '--min-semi-space-size=16',
  '--snapshot-blob',
  path.join(pkg, 'dist', 'bundle', 'kubectl-sts.blob'),
  path.join(pkg, 'bin', 'run.js'),
  'status',
  'web',
];
const fromRunJs = () => ['--min-semi-space-size=16', path.join(pkg, 'bin', 'run.js'), 'status', 'web'];

describe('bin/kubectl-sts and the start-up snapshot', () => {
  it('starts the pinned Node from the blob written after that Node and after dist/', async () => {
    layout('newer');
    expect(await launch()).toEqual(fromSnapshot());
  });

  it('ignores a blob older than the pinned Node (Node reinstalled since; it would refuse the blob)', async () => {
    layout('older');
    expect(await launch()).toEqual(fromRunJs());
  });

  it('ignores a blob older than dist/ (recompiled by a bare tsc since)', async () => {
    layout('newer', 'older');
    expect(await launch()).toEqual(fromRunJs());
  });

  it('runs run.js when there is no blob (a build on another Node writes none)', async () => {
    layout('absent');
    expect(await launch()).toEqual(fromRunJs());
  });

  it('runs run.js when KUBECTL_STS_NO_SNAPSHOT is set', async () => {
    layout('newer');
    expect(await launch({ KUBECTL_STS_NO_SNAPSHOT: '1' })).toEqual(fromRunJs());
  });

  it('never hands the blob to another Node (KUBECTL_STS_NODE)', async () => {
    layout('newer');
    const other = path.join(pkg, 'node_modules', 'node', 'bin', 'node');
    const otherLink = path.join(pkg, 'other-node');
    copyFileSync(other, otherLink);
    chmodSync(otherLink, 0o755);
    expect(await launch({ KUBECTL_STS_NODE: otherLink })).toEqual(fromRunJs());
  });

  // Help's width and colours are decided after start-up (the snapshot defers the modules that
  // read them: test/perf/snapshot-parity.test.ts compares both starts), so help starts from the
  // blob like any other command.
  it.each([
    { case: 'root help (no arguments)', args: [] },
    { case: 'root help', args: ['--help'] },
    { case: 'help command', args: ['help', 'status'] },
    { case: 'command help', args: ['status', '--help'] },
    { case: 'command help (-h)', args: ['dns', 'web', '-h'] },
  ])('starts help from the blob: $case', async ({ args }) => {
    layout('newer');
    expect(await launch({}, args)).toEqual([...fromSnapshot().slice(0, 4), ...args]);
  });

  // oclif's debug log describes the process and the start-up the snapshot skips: a DEBUG run
  // shows the normal start's.
  it("runs from run.js when DEBUG asks for oclif's debug log", async () => {
    layout('newer');
    expect(await launch({ DEBUG: '*' })).toEqual(fromRunJs());
  });

  it('starts from the blob when DEBUG is set but empty', async () => {
    layout('newer');
    expect(await launch({ DEBUG: '' })).toEqual(fromSnapshot());
  });

  // Found however it is reached, always as the package's physical directory: the snapshot finds
  // its bundle from run.js's path, and a path through a link or with `..` would be another one.
  it.each([
    {
      case: 'a relative link to the launcher (npm i -g)',
      make: (links: string) => {
        symlinkSync(
          path.relative(links, path.join(pkg, 'bin', 'kubectl-sts')),
          path.join(links, 'kubectl-sts'),
        );
        return { launcher: path.join(links, 'kubectl-sts') };
      },
    },
    {
      case: 'a linked bin directory',
      make: (links: string) => {
        symlinkSync(path.join(pkg, 'bin'), path.join(links, 'bin'));
        return { launcher: path.join(links, 'bin', 'kubectl-sts') };
      },
    },
    {
      case: 'a path with ..',
      make: () => ({ launcher: path.join(pkg, 'bin', '..', 'bin', 'kubectl-sts') }),
    },
    {
      case: 'a relative path',
      make: () => ({ launcher: './bin/kubectl-sts', cwd: pkg }),
    },
  ])('finds its package through $case', async ({ make }) => {
    layout('newer');
    const links = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-launcher-links-'));
    try {
      const { launcher, cwd } = make(links) as { launcher: string; cwd?: string };
      expect(await launch({}, ['status', 'web'], launcher, cwd)).toEqual(fromSnapshot());
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });

  it('reads words after -- as arguments, not as a request for help', async () => {
    layout('newer');
    const args = ['status', 'help', '--', '--help'];
    expect(await launch({}, args)).toEqual([...fromSnapshot().slice(0, 4), ...args]);
  });
});
