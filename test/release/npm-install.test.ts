// `npm i -g` of the packed package: kubectl finds kubectl-sts (and kubectl_complete-sts) in
// the prefix's bin, the sh launcher picks a new-enough Node, and the shipped oclif manifest
// spares --version/--help from importing any command. The package is staged from the built
// dist/ (npm's prepare would rebuild dist/ under other tests' feet) and installed offline-first.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NODE, createImportProbe } from './import-probe.ts';
import type { ImportProbe } from './import-probe.ts';
import { checkPackedTarball } from '../../scripts/lib/npm-check.ts';
import type { NpmCheckResult } from '../../scripts/lib/npm-check.ts';
import { packStaged } from '../../scripts/lib/npm-package.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PJSON = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
};
const PINNED_NODE_DIR = path.dirname(process.execPath);
const KUBECTL_DIR = path.dirname(
  (await run('sh', ['-c', 'readlink -f "$(command -v kubectl)"'])).stdout.trim(),
);
const SYSTEM_NODE = await run('/usr/bin/node', ['-p', 'process.versions.node']).then(
  (result) => result.stdout.trim(),
  () => undefined,
);

let work: string;
let prefixBin: string;
let probe: ImportProbe;
let packedFiles: string[];
let tarball: string;
let checked: NpmCheckResult;

// Installed by the check the release's npm-pack job runs on the tarball it publishes.
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-npm-'));
  probe = createImportProbe();
  ({ tarball, packedFiles } = await packStaged(ROOT, work));
  checked = await checkPackedTarball({ tarball, work, tag: `v${PJSON.version}`, preferOffline: true });
  prefixBin = checked.binDir!;
}, 240_000);

afterAll(() => {
  probe?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `command` with the global prefix's bin first on PATH, then `extraPath`. */
function runWith(extraPath: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(command, args, {
    env: { PATH: `${prefixBin}:${extraPath}`, HOME: work, KUBECONFIG: path.join(work, 'none'), ...env },
  });
}

describe('the check of the packed tarball (the release\'s npm-pack job)', () => {
  it('installs it into a prefix of its own and runs it', () => {
    expect(checked.steps.filter((step) => !step.ok)).toEqual([]);
    expect(checked.steps.map((step) => step.name)).toEqual([
      `the tarball is kubectl-sts@${PJSON.version}, the version of v${PJSON.version}`,
      'it holds what a user needs and no start-up snapshot (it only loads into the Node that built it)',
      `npm i -g ${path.basename(tarball)} into a prefix of its own`,
      'kubectl-sts version -o json',
      'kubectl sts version',
      'kubectl-sts --version',
      'kubectl __complete sts vers',
    ]);
  });

  it.each([
    {
      what: 'of another version than the tag',
      options: { tag: 'v9.9.9' },
      detail: `its package.json says ${PJSON.version}, the tag v9.9.9; bump package.json or tag v${PJSON.version}`,
    },
    {
      what: 'without the repository npm\'s provenance needs',
      options: { repository: 'https://github.com/example/kubectl-sts' },
      detail:
        'repository.url is undefined, not "git+https://github.com/example/kubectl-sts.git"; set it before npm pack',
    },
  ])('refuses a tarball $what, before installing it', async ({ options, detail }) => {
    const result = await checkPackedTarball({ tarball, work: path.join(work, 'refused'), ...options });
    expect(result.binDir).toBeUndefined();
    expect(result.steps.filter((step) => !step.ok).map((step) => step.detail)).toEqual([detail]);
  });
});

describe('npm i -g of the package', () => {
  const withPinnedNode = `${PINNED_NODE_DIR}:${KUBECTL_DIR}:/usr/bin:/bin`;

  it('leaves the start-up snapshot out of the package (it only loads into the Node that built it)', () => {
    expect(packedFiles).toContain('dist/bundle/kubectl-sts.cjs');
    expect(packedFiles.filter((file) => /kubectl-sts-snapshot|\.blob$/.test(file))).toEqual([]);
  });

  it('links kubectl-sts and kubectl_complete-sts into the prefix bin, which kubectl plugin list finds', async () => {
    const { stdout } = await runWith(withPinnedNode, 'kubectl', ['plugin', 'list']);
    expect(stdout).toContain(path.join(prefixBin, 'kubectl-sts'));
  });

  it('runs as kubectl sts version on a new-enough Node from PATH', async () => {
    const { stdout } = await runWith(withPinnedNode, 'kubectl', ['sts', 'version']);
    expect(stdout).toBe(`kubectl-sts v${PJSON.version}\n`);
  });

  it('completes through kubectl', async () => {
    const { stdout } = await runWith(withPinnedNode, 'kubectl', ['__complete', 'sts', 'vers']);
    expect(stdout).toBe('version\tPrint the plugin version.\n:4\n');
  });

  it('answers --version and --help from the shipped manifest, importing no command module', async () => {
    for (const args of [['--version'], ['--help']]) {
      await runWith(withPinnedNode, 'kubectl-sts', args, probe.env());
      const loaded = probe.loaded();
      expect(loaded.some((url) => url.includes('/kubectl-sts/dist/main.js'))).toBe(true);
      expect(loaded.filter((url) => url.includes('/dist/commands/') || url.includes(CLIENT_NODE))).toEqual(
        [],
      );
    }
  });

  it.skipIf(!SYSTEM_NODE || Number(SYSTEM_NODE.split('.')[0]) >= 22)(
    'refuses an old Node on PATH with one line and exit code 3 (CONFIG)',
    async () => {
      const failure = await runWith('/usr/bin:/bin', 'kubectl-sts', ['version']).catch(
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 3, stdout: '' });
      const stderr = (failure as { stderr: string }).stderr;
      expect(stderr).toMatch(/^error: kubectl-sts needs Node\.js >= 22\.19 but was started with v\d+/);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    },
  );

  it('says so, with exit code 3, when there is no node at all', async () => {
    const tools = path.join(work, 'tools');
    mkdirSync(tools, { recursive: true });
    for (const tool of ['dirname', 'readlink']) symlinkSync(`/usr/bin/${tool}`, path.join(tools, tool));
    const failure = await runWith(tools, '/bin/sh', ['-c', 'kubectl-sts version']).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 3 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^error: kubectl-sts needs Node\.js >= 22\.19 and none was found/,
    );
  });
});
