// krew-manifest.yaml and the template it is filled from, held to the rules of krew's
// validate-krew-manifest; each rule is shown to reject a manifest that breaks it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ManifestError,
  applyFileOperations,
  isKrewSemver,
  parseKrewManifest,
  renderKrewManifest,
  selectorMatches,
  validateKrewManifest,
} from '../../scripts/lib/krew.ts';
import type { KrewPlugin } from '../../scripts/lib/krew.ts';
import { DEFAULT_BASE_URI } from '../../scripts/lib/release.ts';
import { RELEASE_TARGETS, archiveName, targetId } from '../../scripts/lib/targets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATE = readFileSync(path.join(ROOT, 'scripts/krew-manifest.template.yaml'), 'utf8');
const SHA = 'a'.repeat(64);

function validPlugin(): KrewPlugin {
  return {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: 'sts' },
    spec: {
      version: 'v0.1.0',
      shortDescription: 'Explain StatefulSets',
      platforms: [
        {
          selector: { matchLabels: { os: 'linux', arch: 'amd64' } },
          uri: 'https://x/a.tar.gz',
          sha256: SHA,
          bin: 'kubectl-sts',
        },
        {
          selector: { matchLabels: { os: 'darwin', arch: 'arm64' } },
          uri: 'https://x/b.tar.gz',
          sha256: SHA,
          bin: 'kubectl-sts',
        },
      ],
    },
  };
}

describe('validateKrewManifest', () => {
  it('accepts a well-formed manifest', () => {
    expect(validateKrewManifest(validPlugin(), 'sts')).toEqual({ warnings: [] });
  });

  const broken: { name: string; change: (plugin: KrewPlugin) => void; file?: string; error: RegExp }[] = [
    {
      name: 'another apiVersion',
      change: (p) => (p.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1'),
      error: /apiVersion/,
    },
    { name: 'another kind', change: (p) => (p.kind = 'Index'), error: /kind="Index"/ },
    {
      name: 'a name that differs from the file name',
      change: (p) => (p.metadata = { name: 'statefulset' }),
      error: /should be named "sts"/,
    },
    {
      name: 'an unsafe plugin name',
      change: (p) => (p.metadata = { name: 'a/b' }),
      file: 'a/b',
      error: /not allowed/,
    },
    {
      name: 'a Windows device name',
      change: (p) => (p.metadata = { name: 'con' }),
      file: 'con',
      error: /not allowed/,
    },
    {
      name: 'no shortDescription',
      change: (p) => delete p.spec!.shortDescription,
      error: /short description/,
    },
    {
      name: 'a line break in shortDescription',
      change: (p) => (p.spec!.shortDescription = 'a\nb'),
      error: /line breaks/,
    },
    { name: 'no platforms', change: (p) => (p.spec!.platforms = []), error: /platform specified/ },
    { name: 'no version', change: (p) => delete p.spec!.version, error: /version specified/ },
    { name: 'a version without v', change: (p) => (p.spec!.version = '0.1.0'), error: /leading "v"/ },
    {
      name: 'a version that is not semver',
      change: (p) => (p.spec!.version = 'v1.2'),
      error: /semantic version/,
    },
    {
      name: 'a platform without uri',
      change: (p) => delete p.spec!.platforms![0]!.uri,
      error: /`uri` has to be set/,
    },
    {
      name: 'a platform without sha256',
      change: (p) => delete p.spec!.platforms![0]!.sha256,
      error: /`sha256` sum/,
    },
    {
      name: 'an upper-case sha256',
      change: (p) => (p.spec!.platforms![0]!.sha256 = 'A'.repeat(64)),
      error: /hex digits/,
    },
    {
      name: 'a short sha256',
      change: (p) => (p.spec!.platforms![0]!.sha256 = 'a'.repeat(63)),
      error: /hex digits/,
    },
    {
      name: 'a platform without bin',
      change: (p) => delete p.spec!.platforms![0]!.bin,
      error: /`bin` has to be set/,
    },
    {
      name: 'an empty files list',
      change: (p) => (p.spec!.platforms![0]!.files = []),
      error: /unspecified or non-empty/,
    },
    {
      name: 'a file operation without from',
      change: (p) => (p.spec!.platforms![0]!.files = [{ from: '', to: '.' }]),
      error: /`from`/,
    },
    {
      name: 'a file operation without to',
      change: (p) => (p.spec!.platforms![0]!.files = [{ from: '*', to: '' }]),
      error: /`to`/,
    },
    { name: 'no selector', change: (p) => delete p.spec!.platforms![0]!.selector, error: /nil selector/ },
    {
      name: 'an empty selector',
      change: (p) => (p.spec!.platforms![0]!.selector = {}),
      error: /empty selector/,
    },
    {
      name: 'a selector key other than os/arch',
      change: (p) => (p.spec!.platforms![0]!.selector = { matchLabels: { os: 'linux', distro: 'debian' } }),
      error: /key "distro" not supported/,
    },
    {
      name: 'a selector matching no supported platform',
      change: (p) => (p.spec!.platforms![0]!.selector = { matchLabels: { os: 'plan9', arch: 'amd64' } }),
      error: /doesn't match any supported platform/,
    },
    {
      name: 'two platforms selecting the same os/arch',
      change: (p) => (p.spec!.platforms![1]!.selector = { matchLabels: { os: 'linux' } }),
      error: /overlapping platform selectors: .*\[0 1\].*os=linux\/arch=amd64/,
    },
    {
      name: 'overlap through matchExpressions',
      change: (p) =>
        (p.spec!.platforms![1]!.selector = {
          matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64', 'arm64'] }],
        }),
      error: /overlapping platform selectors/,
    },
  ];
  it.each(broken)('rejects $name', ({ change, file, error }) => {
    const plugin = validPlugin();
    change(plugin);
    expect(() => validateKrewManifest(plugin, file ?? 'sts')).toThrow(error);
  });

  it('warns, as krew does, about description lines over 80 characters', () => {
    const plugin = validPlugin();
    plugin.spec!.description = `${'word '.repeat(20)}\nshort`;
    expect(validateKrewManifest(plugin, 'sts').warnings).toEqual([
      'line length in `description` exceeds 80 characters',
    ]);
  });
});

describe('parseKrewManifest', () => {
  it('rejects unknown fields, as krew reads manifests strictly', () => {
    expect(() => parseKrewManifest('apiVersion: x\nkind: Plugin\nspec:\n  versoin: v1.0.0\n')).toThrow(
      /unknown field "versoin"/,
    );
  });
  it('rejects duplicate keys', () => {
    expect(() => parseKrewManifest('kind: Plugin\nkind: Plugin\n')).toThrow(ManifestError);
  });
});

describe('isKrewSemver', () => {
  it.each([
    ['v0.1.0', true],
    ['v1.0.0-rc.1', true],
    ['v1.0.0+build.5', true],
    ['0.1.0', false],
    ['v01.0.0', false],
    ['v1.0', false],
    ['v1.0.0-01', false],
  ])('%s → %s', (version, expected) => {
    expect(isKrewSemver(version)).toBe(expected);
  });
});

describe('selectorMatches', () => {
  it.each([
    [{ matchLabels: { os: 'linux' } }, true],
    [{ matchLabels: { os: 'linux', arch: 'arm64' } }, false],
    [{ matchExpressions: [{ key: 'os', operator: 'NotIn', values: ['windows'] }] }, true],
    [{ matchExpressions: [{ key: 'arch', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'arch', operator: 'DoesNotExist' }] }, false],
  ])('%j on linux/amd64 → %s', (selector, expected) => {
    expect(selectorMatches(selector, { os: 'linux', arch: 'amd64' })).toBe(expected);
  });
});

describe('the template and krew-manifest.yaml', () => {
  const archives = new Map(
    RELEASE_TARGETS.map((target) => [
      targetId(target),
      { uri: `https://example.test/${archiveName('0.1.0', target)}`, sha256: SHA },
    ]),
  );

  it('renders to a valid manifest with one platform per release target', () => {
    const plugin = parseKrewManifest(
      renderKrewManifest(TEMPLATE, { version: '0.1.0', homepage: 'https://example.test', archives }),
    );
    expect(validateKrewManifest(plugin, 'sts').warnings).toEqual([]);
    expect(
      plugin.spec!.platforms!.map((p) => `${p.selector!.matchLabels!.os}/${p.selector!.matchLabels!.arch}`),
    ).toEqual(RELEASE_TARGETS.map(targetId));
    expect(plugin.spec!.version).toBe('v0.1.0');
  });

  it('leaves out the platforms that were not built', () => {
    const one = new Map([['linux/amd64', archives.get('linux/amd64')!]]);
    const plugin = parseKrewManifest(
      renderKrewManifest(TEMPLATE, { version: '0.1.0', homepage: 'h', archives: one }),
    );
    expect(plugin.spec!.platforms).toHaveLength(1);
    expect(plugin.spec!.platforms![0]!.uri).toBe(one.get('linux/amd64')!.uri);
  });

  it('krew-manifest.yaml (written by npm run release) passes structural validation for all five targets', () => {
    const plugin = parseKrewManifest(readFileSync(path.join(ROOT, 'krew-manifest.yaml'), 'utf8'));
    expect(validateKrewManifest(plugin, 'sts').warnings).toEqual([]);
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(plugin.spec!.version).toBe(`v${version}`);
    const base = DEFAULT_BASE_URI.replace('{version}', `v${version}`);
    expect(plugin.spec!.platforms!.map((p) => p.uri)).toEqual(
      RELEASE_TARGETS.map((target) => `${base}/${archiveName(version, target)}`),
    );
  });
});

describe('applyFileOperations (krew files: from/to)', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-files-'));
    mkdirSync(path.join(work, 'from', 'dir'), { recursive: true });
    for (const file of ['kubectl-sts', 'LICENSE', 'dir/a.txt', 'dir/b.md'])
      writeFileSync(path.join(work, 'from', file), file);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const listing = (dir: string) => readdirRecursive(dir).sort();

  it.each([
    {
      name: 'no files: everything, as krew defaults to from "*" to "."',
      ops: undefined,
      expected: ['LICENSE', 'dir/a.txt', 'dir/b.md', 'kubectl-sts'],
    },
    { name: 'a direct file to "."', ops: [{ from: 'kubectl-sts', to: '.' }], expected: ['kubectl-sts'] },
    {
      name: 'a direct file renamed',
      ops: [{ from: 'LICENSE', to: 'LICENSE.txt' }],
      expected: ['LICENSE.txt'],
    },
    { name: 'a glob into a directory', ops: [{ from: 'dir/*.txt', to: 'docs' }], expected: ['docs/a.txt'] },
  ])('$name', ({ ops, expected }) => {
    applyFileOperations(path.join(work, 'from'), path.join(work, 'to'), ops);
    expect(listing(path.join(work, 'to'))).toEqual(expected);
  });

  it('fails when a pattern matches nothing', () => {
    expect(() =>
      applyFileOperations(path.join(work, 'from'), path.join(work, 'to'), [{ from: '*.exe', to: '.' }]),
    ).toThrow(/no files in the plugin archive matched/);
  });

  it.each(['docs/', './docs', 'a//b'])('rejects the unclean destination %s, as krew does', (to) => {
    expect(() =>
      applyFileOperations(path.join(work, 'from'), path.join(work, 'to'), [{ from: 'LICENSE', to }]),
    ).toThrow(/not clean/);
  });

  it('refuses to write outside the install directory', () => {
    expect(() =>
      applyFileOperations(path.join(work, 'from'), path.join(work, 'to'), [
        { from: 'LICENSE', to: '../escape' },
      ]),
    ).toThrow(ManifestError);
  });
});

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}
