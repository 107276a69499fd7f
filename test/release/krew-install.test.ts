// The release as a user gets it: build this machine's archive, check it against the manifest
// like validate-krew-manifest, install it into a krew-like tree, and run it with real kubectl,
// including the smoke test that CI runs on every platform's own runner (scripts/lib/smoke.ts).
// Only the host platform is built here: the others cannot run on this machine.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/bundle.ts';
import { describeFormat, expectedFormat } from '../../scripts/lib/executable-format.ts';
import {
  installFromArchive,
  matchingPlatform,
  parseKrewManifest,
  sha256File,
  validateKrewManifest,
} from '../../scripts/lib/krew.ts';
import type { InstallResult, KrewPlugin } from '../../scripts/lib/krew.ts';
import { nodeBinaryFor } from '../../scripts/lib/node-dist.ts';
import {
  buildRelease,
  readPackageVersion,
  releaseDefaults,
  verifyRelease,
} from '../../scripts/lib/release.ts';
import type { ReleaseResult } from '../../scripts/lib/release.ts';
import { smokeTestRelease } from '../../scripts/lib/smoke.ts';
import { hostTarget } from '../../scripts/lib/targets.ts';
import { startTlsWebCluster } from '../helpers/tls-cluster.ts';
import type { SimCluster } from '../sim/index.ts';

const run = promisify(execFile);
const host = hostTarget();
const SCRIPT = '/usr/bin/script';
const RUN_JS = path.join(REPO_ROOT, 'bin', 'run.js');
const VERSION = readPackageVersion();
const KUBECTL_DIR = path.dirname(
  (await run('sh', ['-c', 'readlink -f "$(command -v kubectl)"'])).stdout.trim(),
);

let work: string;
let release: ReleaseResult;
let plugin: KrewPlugin;

/** kubectl with only the krew bin dir, kubectl itself and the system tools on PATH. */
function kubectlIn(binDir: string, home: string) {
  return (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run('kubectl', args, {
      env: {
        PATH: `${binDir}:${KUBECTL_DIR}:/usr/bin:/bin`,
        HOME: home,
        KUBECONFIG: path.join(home, 'no-kubeconfig'),
        ...env,
      },
    });
}

// Calls to a TLS cluster make the binaries load the client library (see the helper).
let cluster: SimCluster;
beforeAll(async () => {
  cluster = await startTlsWebCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

async function expectApiCallWorks(kubectl: ReturnType<typeof kubectlIn>): Promise<void> {
  const { stdout } = await kubectl(['sts', 'dns', 'web', '-o', 'json'], {
    KUBECONFIG: cluster.kubeconfigPath,
  });
  expect(JSON.parse(stdout)).toMatchObject({ statefulSet: { name: 'web', namespace: 'default' } });
}

describe.skipIf(!host)('release archive for this machine, installed the krew way', () => {
  let installed: InstallResult;
  let kubectl: ReturnType<typeof kubectlIn>;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-krew-'));
    release = await buildRelease({
      ...releaseDefaults(),
      targets: [host!],
      outDir: path.join(work, 'release'),
      // Fastest gzip: the archive is unpacked right away; only the format matters here.
      compressionLevel: 1,
      log: () => {},
    });
    plugin = parseKrewManifest(readFileSync(release.manifestFile, 'utf8'));
    installed = installFromArchive(
      plugin,
      matchingPlatform(plugin, host!.os, host!.arch)!,
      release.archives[0]!.file,
      path.join(work, 'krew'),
    );
    kubectl = kubectlIn(installed.binDir, work);
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes a manifest named sts.yaml that passes validation', () => {
    expect(path.basename(release.manifestFile)).toBe('sts.yaml');
    expect(() => validateKrewManifest(plugin, 'sts')).not.toThrow();
    expect(plugin.spec!.version).toBe(`v${VERSION}`);
  });

  it('passes the self-check npm run release ends with (validate, install every archive, run this machine\'s)', () => {
    const lines: string[] = [];
    verifyRelease(release, (line) => lines.push(line));
    const id = `${host!.os}/${host!.arch}`;
    expect(lines).toEqual([
      `${id}: installs as krew would (3 files, bin kubectl-sts, ${describeFormat(expectedFormat(host!))})`,
      `${id}: runs, and \`version -o json\` says v${VERSION}, as package.json`,
    ]);
  });

  // After `npm version 0.2.0-rc.1`, an executable built before the bump (or one with a version of
  // its own) says the old version: npm run release must fail, not exit 0.
  it('fails the self-check when the executable says another version than package.json', () => {
    expect(() => verifyRelease({ ...release, version: '0.2.0-rc.1' }, () => {})).toThrow(
      `the ${host!.os}/${host!.arch} executable says it is v${VERSION}, but package.json says 0.2.0-rc.1`,
    );
  });

  it('records the archive sha256 in the manifest and in SHA256SUMS', () => {
    const archive = release.archives[0]!;
    expect(matchingPlatform(plugin, host!.os, host!.arch)!.sha256).toBe(sha256File(archive.file));
    expect(readFileSync(path.join(path.dirname(archive.file), 'SHA256SUMS'), 'utf8')).toBe(
      `${archive.sha256}  ${path.basename(archive.file)}\n`,
    );
  });

  it('lays out store/sts/<version>/ with the binary, the completion helper and the license', () => {
    expect(installed.installDir).toBe(path.join(work, 'krew', 'store', 'sts', `v${VERSION}`));
    expect(installed.installedFiles.sort()).toEqual(['LICENSE', 'kubectl-sts', 'kubectl_complete-sts']);
    expect(lstatSync(installed.link).isSymbolicLink()).toBe(true);
    // krew links to the absolute path of the binary in its store.
    expect(readlinkSync(installed.link)).toBe(path.join(installed.installDir, 'kubectl-sts'));
  });

  it('passes the smoke test CI runs on each platform (status, dns --probe, verify-pvc, completion)', async () => {
    const lines: string[] = [];
    const steps = await smokeTestRelease({
      releaseDir: path.dirname(release.manifestFile),
      log: (line) => lines.push(line),
    });
    expect(steps.filter((step) => !step.ok), lines.join('\n')).toEqual([]);
    expect(steps.map((step) => step.name)).toEqual([
      `install ${path.basename(release.archives[0]!.file)} from sts.yaml as krew does`,
      `set up completion as the caveats say (cp ~/.krew/store/sts/v${VERSION}/kubectl_complete-sts ~/.krew/bin/)`,
      'the simulated todo-db StatefulSet is Ready',
      'kubectl plugin list',
      'kubectl sts version -o json',
      'kubectl sts status todo-db',
      'kubectl sts dns todo-db --probe',
      'kubectl sts verify-pvc todo-db --yes',
      'kubectl __complete sts vers',
      'kubectl __complete sts status ""',
      'uninstall as krew does, then remove the helper as the caveats say: nothing is left',
    ]);
  }, 120_000);

  // The symbol table is for debuggers; the runtime never reads it (scripts/lib/sea.ts).
  it.skipIf(host?.os !== 'linux')('ships a Node binary without its symbol table: smaller than the official one, bundle and snapshot included', () => {
    const binary = readFileSync(path.join(installed.installDir, 'kubectl-sts'));
    const official = nodeBinaryFor(host!, process.versions.node, releaseDefaults().nodeCacheDir);
    expect(elfSectionNames(binary)).not.toContain('.symtab');
    expect(elfSectionNames(readFileSync(official))).toContain('.symtab');
    expect(binary.length).toBeLessThan(statSync(official).size);
  });

  it('is listed by kubectl plugin list', async () => {
    const { stdout, stderr } = await kubectl(['plugin', 'list']);
    expect(stdout).toContain(installed.link);
    expect(stderr).not.toMatch(/warning/i);
  });

  it('runs as kubectl sts version with its embedded runtime, not a Node on PATH', async () => {
    const { stdout } = await kubectl(['sts', 'version', '-o', 'json']);
    expect(JSON.parse(stdout)).toEqual({
      version: `v${VERSION}`,
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    });
    // The only node on this PATH is the machine's old one; the binary must not have used it.
    const pathNode = await run('sh', ['-c', 'command -v node && node --version'], {
      env: { PATH: '/usr/bin:/bin' },
    }).catch(() => undefined);
    if (pathNode) expect(pathNode.stdout).not.toContain(process.version);
  });

  it('answers --version and --help', async () => {
    expect((await kubectl(['sts', '--version'])).stdout).toMatch(
      new RegExp(`^kubectl-sts/${VERSION.replaceAll('.', '\\.')} `),
    );
    const help = (await kubectl(['sts', '--help'])).stdout;
    expect(help).toMatch(/^COMMANDS$/m);
    expect(help).toMatch(/^\s+completion\s/m);
    expect(help).toMatch(/^\s+version\s/m);
  });

  it('calls a TLS API server (loading the client library chunk from the binary)', async () => {
    await expectApiCallWorks(kubectl);
  });

  // The build host's binary is a SEA with useSnapshot (scripts/lib/sea.ts): oclif's root plugin,
  // the command map, was loaded when the snapshot was built. oclif's own debug log shows it: a
  // normal start logs loading it, this binary logs only what runs after start-up (which also
  // shows that DEBUG is read at run time, not frozen into the snapshot).
  it('starts from a V8 start-up snapshot of the CLI', async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: work, DEBUG: 'oclif:config*' };
    const binary = path.join(installed.installDir, 'kubectl-sts');
    const fromSnapshot = await run(binary, ['--version'], { env });
    expect(fromSnapshot.stderr).toMatch(/oclif:config config done/);
    expect(fromSnapshot.stderr).not.toMatch(/loading core plugin/);
    const normal = await run(process.execPath, [RUN_JS, '--version'], { env });
    expect(normal.stderr).toMatch(/oclif:config loading core plugin from /);
    expect(fromSnapshot.stdout).toBe(normal.stdout);
  });

  // Help decides its width and colours from the terminal after start-up, not at build time.
  it.skipIf(!existsSync(SCRIPT)).each([
    { args: ['--help'], columns: 60 },
    { args: ['status', '--help'], columns: 60 },
    { args: ['status', '--help'], columns: 132 },
  ])('answers $args on a pty of $columns columns exactly as bin/run.js does', async ({ args, columns }) => {
    const onPty = async (command: string[]) => {
      const line = `stty cols ${columns} && exec ${command.map((word) => `'${word}'`).join(' ')}`;
      const env = { PATH: '/usr/bin:/bin', HOME: work, TERM: 'xterm-256color', SHELL: '/bin/sh' };
      return (await run(SCRIPT, ['-qfec', line, '/dev/null'], { env })).stdout;
    };
    const fromBinary = await onPty([path.join(installed.installDir, 'kubectl-sts'), ...args]);
    const fromRunJs = await onPty([process.execPath, RUN_JS, ...args]);
    expect(fromBinary).toContain('\x1b[1mUSAGE\x1b[22m');
    expect(fromBinary).toBe(fromRunJs);
  });

});

/** Section names of a 64-bit little-endian ELF file. */
function elfSectionNames(elf: Buffer): string[] {
  const sectionsAt = Number(elf.readBigUInt64LE(0x28));
  const entrySize = elf.readUInt16LE(0x3a);
  const count = elf.readUInt16LE(0x3c);
  const namesIndex = elf.readUInt16LE(0x3e);
  const header = (index: number) => sectionsAt + index * entrySize;
  const namesAt = Number(elf.readBigUInt64LE(header(namesIndex) + 0x18));
  return Array.from({ length: count }, (_, index) => {
    const start = namesAt + elf.readUInt32LE(header(index));
    return elf.toString('latin1', start, elf.indexOf(0, start));
  });
}
