// bin/run.js chooses what to run: the bundle for commands, dist/ with the manifest for
// --version/--help, and never a bundle or manifest older than dist/. Checked on a copy of the
// launcher in a temporary package whose dist/main.js and bundle only report that they ran.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const RUN_JS = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

let pkg: string;

beforeAll(() => {
  pkg = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-launcher-'));
  mkdirSync(path.join(pkg, 'bin'));
  mkdirSync(path.join(pkg, 'dist', 'bundle'), { recursive: true });
  copyFileSync(RUN_JS, path.join(pkg, 'bin', 'run.js'));
  writeFileSync(path.join(pkg, 'package.json'), '{ "type": "module" }\n');
});

afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

type Age = 'newer' | 'older' | 'absent';

/** Lays out dist/main.js, and the bundle and manifest newer or older than it (or absent). */
function layout(bundle: Age, manifest: Age): void {
  const files = {
    'dist/main.js':
      'export async function main(args, _url, options) { process.stdout.write(JSON.stringify({ ran: "dist", args, ignoreManifest: options.ignoreManifest })); }\n',
    'dist/bundle/kubectl-sts.cjs':
      'process.stdout.write(JSON.stringify({ ran: "bundle", args: process.argv.slice(2) }));\n',
    'oclif.manifest.json': '{ "commands": {}, "version": "0.0.0" }\n',
  };
  const ages: Record<string, Age> = {
    'dist/main.js': 'newer',
    'dist/bundle/kubectl-sts.cjs': bundle,
    'oclif.manifest.json': manifest,
  };
  const distTime = new Date('2026-01-01T00:00:10Z');
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(pkg, file);
    rmSync(target, { force: true });
    if (ages[file] === 'absent') continue;
    writeFileSync(target, content);
    const time =
      file === 'dist/main.js'
        ? distTime
        : new Date(distTime.getTime() + (ages[file] === 'newer' ? 5_000 : -5_000));
    utimesSync(target, time, time);
  }
}

async function launch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const { stdout } = await run(process.execPath, [path.join(pkg, 'bin', 'run.js'), ...args], {
    env: { ...process.env, NODE_COMPILE_CACHE: path.join(pkg, 'cache'), ...env },
  });
  return JSON.parse(stdout);
}

describe('bin/run.js runs the bundle for commands and dist/ with the manifest for --version/--help', () => {
  it.each<[string, Age, Age, string[], unknown]>([
    [
      'a command runs from the bundle',
      'newer',
      'newer',
      ['status', 'web'],
      { ran: 'bundle', args: ['status', 'web'] },
    ],
    [
      '--version is answered from the manifest',
      'newer',
      'newer',
      ['--version'],
      { ran: 'dist', args: ['--version'], ignoreManifest: false },
    ],
    [
      '--help of a command is answered from the manifest',
      'newer',
      'newer',
      ['status', '--help'],
      { ran: 'dist', args: ['status', '--help'], ignoreManifest: false },
    ],
    [
      'no arguments (root help) are answered from the manifest',
      'newer',
      'newer',
      [],
      { ran: 'dist', args: [], ignoreManifest: false },
    ],
    [
      'a bundle older than dist/ is not used',
      'older',
      'newer',
      ['status', 'web'],
      { ran: 'dist', args: ['status', 'web'], ignoreManifest: false },
    ],
    [
      'a manifest older than dist/ is not used (the bundle answers)',
      'newer',
      'older',
      ['--version'],
      { ran: 'bundle', args: ['--version'] },
    ],
    [
      'both older than dist/: dist/ reads the commands themselves',
      'older',
      'older',
      ['--version'],
      { ran: 'dist', args: ['--version'], ignoreManifest: true },
    ],
    [
      'neither built (a bare tsc): dist/ reads the commands themselves',
      'absent',
      'absent',
      ['status', 'web'],
      { ran: 'dist', args: ['status', 'web'], ignoreManifest: true },
    ],
  ])('%s', async (_behaviour, bundle, manifest, args, expected) => {
    layout(bundle, manifest);
    expect(await launch(args)).toEqual(expected);
  });

  it('a compile cache directory that cannot be created does not stop the command', async () => {
    layout('newer', 'newer');
    const unwritable = path.join(pkg, 'dist', 'main.js', 'cache'); // below a regular file
    expect(await launch(['status', 'web'], { NODE_COMPILE_CACHE: unwritable })).toEqual({
      ran: 'bundle',
      args: ['status', 'web'],
    });
  });
});
