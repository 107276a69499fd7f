// krew-manifest.yaml (the template every release fills) and the manifests it renders, held to
// the rules of krew's validate-krew-manifest; each rule is shown to reject a manifest that
// breaks it. Also the template krew-release-bot renders, and release tags.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ManifestError,
  applyFileOperations,
  installFromArchive,
  isKrewSemver,
  parseKrewManifest,
  renderKrewManifest,
  renderKrewReleaseBotTemplate,
  selectorMatches,
  uninstallLikeKrew,
  validateKrewManifest,
} from '../../scripts/lib/krew.ts';
import type { KrewPlugin } from '../../scripts/lib/krew.ts';
import {
  ReleaseUsageError,
  checkReleaseTag,
  repositoryUrlFromRemote,
} from '../../scripts/lib/release.ts';
import { completionCaveat, runCaveatCommand } from '../../scripts/lib/smoke.ts';
import { createTarGz, createZip } from '../../scripts/lib/archive.ts';
import { COMPLETE_SCRIPT_WINDOWS } from '../../scripts/lib/sea.ts';
import { headerFor } from './executable-headers.ts';
import {
  RELEASE_TARGETS,
  archiveName,
  archiveNameForTag,
  executableName,
  findTarget,
  targetId,
} from '../../scripts/lib/targets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATE = readFileSync(path.join(ROOT, 'krew-manifest.yaml'), 'utf8');
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
    expect(() => validateKrewManifest(validPlugin(), 'sts')).not.toThrow();
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
    expect(() => validateKrewManifest(plugin, 'sts')).not.toThrow();
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

  it('leaves out homepage when the repository is not known', () => {
    const plugin = parseKrewManifest(renderKrewManifest(TEMPLATE, { version: '0.1.0', archives }));
    expect(plugin.spec).not.toHaveProperty('homepage');
    expect(() => validateKrewManifest(plugin, 'sts')).not.toThrow();
  });

  it('refuses to leave a placeholder behind', () => {
    expect(() =>
      renderKrewManifest(TEMPLATE.replace("homepage: '{{homepage}}'", "homepage: '{{repository}}'"), {
        version: '0.1.0',
        homepage: 'https://example.test',
        archives,
      }),
    ).toThrow(/placeholder is left/);
  });

  // The committed file is the template: nothing in it can go stale when archives change.
  it('krew-manifest.yaml carries no version, URI or checksum, only a placeholder per release target', () => {
    expect(TEMPLATE).not.toMatch(/[a-f0-9]{64}/);
    expect(TEMPLATE).not.toMatch(/https?:\/\//);
    expect(TEMPLATE).toMatch(/version: '\{\{version\}\}'/);
    const placeholders = [...TEMPLATE.matchAll(/\{\{(uri|sha256) ([a-z0-9/]+)\}\}/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(placeholders).toEqual(RELEASE_TARGETS.flatMap((t) => [`uri ${targetId(t)}`, `sha256 ${targetId(t)}`]));
  });

  // krew's plugin-manifest guide: no list of commands in `description` (that is what --help is
  // for); `caveats` for the extra steps a plugin needs.
  it('follows krew\'s manifest guide in description and caveats', () => {
    const plugin = parseKrewManifest(renderKrewManifest(TEMPLATE, { version: '0.1.0', archives }));
    const { description = '', caveats = '' } = plugin.spec!;
    expect(description).not.toMatch(/kubectl sts|\b(status|dns|verify-pvc) NAME|^\s+-/m);
    expect(caveats).toMatch(/No Node\.js install is needed/);
    expect(caveats).toMatch(/kubectl_complete-sts/);
    expect(caveats).toMatch(/kubectl_complete-sts\.cmd/);
  });

  it('its caveats say how fish users load completion', () => {
    const plugin = parseKrewManifest(renderKrewManifest(TEMPLATE, { version: '0.1.0', archives }));
    expect(plugin.spec!.caveats).toContain('kubectl completion fish | source');
  });
});

// The caveats' commands, run against what krew installs: the helper is copied from the
// directory krew really installs into (store/sts/<version>/, on Windows too), and removed again
// after an uninstall, leaving nothing behind.
describe('the completion caveat', () => {
  const VERSION = '0.2.0-rc.1';
  let work: string;
  let home: string;
  let krewRoot: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-caveat-'));
    home = path.join(work, 'home');
    krewRoot = path.join(home, '.krew');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const helperOf = (id: string) =>
    id === 'windows/amd64'
      ? { name: 'kubectl_complete-sts.cmd', data: Buffer.from(COMPLETE_SCRIPT_WINDOWS) }
      : { name: 'kubectl_complete-sts', data: readFileSync(path.join(ROOT, 'bin', 'kubectl_complete-sts')) };

  /** The manifest and an installed archive of platform `id`, as krew on that platform leaves them. */
  function install(id: string) {
    const target = findTarget(id)!;
    const helper = helperOf(id);
    const entries = [
      { name: executableName(target), data: headerFor(target), mode: 0o755 },
      { ...helper, mode: 0o755 },
      { name: 'LICENSE', data: Buffer.from('Apache License'), mode: 0o644 },
    ];
    const file = path.join(work, archiveName(VERSION, target));
    writeFileSync(file, target.archiveFormat === 'zip' ? createZip(entries, 0) : createTarGz(entries, 0));
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const plugin = parseKrewManifest(
      renderKrewManifest(TEMPLATE, { version: VERSION, archives: new Map([[id, { uri: `file://${file}`, sha256 }]]) }),
    );
    installFromArchive(plugin, plugin.spec!.platforms![0]!, file, krewRoot, target.os);
    return { plugin, helper };
  }
  const leftInKrewRoot = () => readdirSync(krewRoot, { recursive: true }).map(String).sort();

  it('names four commands, with this release\'s directory in the copies', () => {
    const { plugin } = install('linux/amd64');
    expect(completionCaveat(plugin)).toEqual({
      setup: `cp ~/.krew/store/sts/v${VERSION}/kubectl_complete-sts ~/.krew/bin/`,
      setupWindows: `cp ~\\.krew\\store\\sts\\v${VERSION}\\kubectl_complete-sts.cmd ~\\.krew\\bin\\`,
      remove: 'rm ~/.krew/bin/kubectl_complete-sts',
      removeWindows: 'rm ~\\.krew\\bin\\kubectl_complete-sts.cmd',
    });
  });

  it('bash, zsh, fish: sh runs the copy as written, and the removal after krew uninstall', () => {
    const { plugin, helper } = install('linux/amd64');
    const caveat = completionCaveat(plugin);
    const sh = (command: string) => execFileSync('sh', ['-ec', command], { env: { PATH: '/usr/bin:/bin', HOME: home } });
    sh(caveat.setup);
    const copied = path.join(krewRoot, 'bin', 'kubectl_complete-sts');
    expect(readFileSync(copied)).toEqual(helper.data);
    expect(statSync(copied).mode & 0o111).not.toBe(0);
    uninstallLikeKrew(plugin, krewRoot, 'linux');
    expect(leftInKrewRoot()).toEqual(['bin', 'bin/kubectl_complete-sts', 'store']);
    sh(caveat.remove);
    expect(leftInKrewRoot()).toEqual(['bin', 'store']);
  });

  it('Windows: the copy finds kubectl_complete-sts.cmd where krew installs it, and the removal leaves nothing', () => {
    const { plugin, helper } = install('windows/amd64');
    const caveat = completionCaveat(plugin);
    runCaveatCommand(caveat.setupWindows, krewRoot);
    expect(readFileSync(path.join(krewRoot, 'bin', 'kubectl_complete-sts.cmd'))).toEqual(helper.data);
    uninstallLikeKrew(plugin, krewRoot, 'windows');
    expect(leftInKrewRoot()).toEqual(['bin', 'bin/kubectl_complete-sts.cmd', 'store']);
    runCaveatCommand(caveat.removeWindows, krewRoot);
    expect(leftInKrewRoot()).toEqual(['bin', 'store']);
  });

  it('refuses caveats whose commands lost their shape', () => {
    const plugin = parseKrewManifest(
      renderKrewManifest(TEMPLATE.replace('/kubectl_complete-sts ~/.krew/bin/', '/kubectl_complete-sts'), {
        version: VERSION,
        archives: new Map(),
      }),
    );
    expect(() => completionCaveat(plugin)).toThrow('the caveats should have one command to copy kubectl_complete-sts, not 0');
  });
});

describe('the krew-release-bot template', () => {
  const REPOSITORY = 'https://github.com/example/kubectl-sts';
  const TAG = 'v1.2.3';
  const botTemplate = renderKrewReleaseBotTemplate(TEMPLATE, REPOSITORY, (tag, id) =>
    archiveNameForTag(tag, findTarget(id)!),
  );
  const shaOf = (name: string) => createHash('sha256').update(name).digest('hex');

  it('fetches every archive from the release of the pushed tag in the workflow\'s repository', () => {
    const urls = [...botTemplate.matchAll(/addURIAndSha "([^"]+)" \.TagName/g)].map((m) => m[1]);
    expect(urls).toEqual(
      RELEASE_TARGETS.map(
        (t) => `${REPOSITORY}/releases/download/{{ .TagName }}/${archiveNameForTag('{{ .TagName }}', t)}`,
      ),
    );
    expect(botTemplate).not.toMatch(/^#/m);
  });

  it('renders, as the bot renders it, to the manifest npm run release writes for the same archives', () => {
    const rendered = renderLikeKrewReleaseBot(botTemplate, TAG, (url) => shaOf(url.split('/').pop()!));
    const expected = renderKrewManifest(TEMPLATE, {
      version: TAG.slice(1),
      homepage: REPOSITORY,
      archives: new Map(
        RELEASE_TARGETS.map((t) => {
          const name = archiveNameForTag(TAG, t);
          return [targetId(t), { uri: `${REPOSITORY}/releases/download/${TAG}/${name}`, sha256: shaOf(name) }];
        }),
      ),
    });
    const plugin = parseKrewManifest(rendered);
    expect(() => validateKrewManifest(plugin, 'sts')).not.toThrow();
    expect(plugin).toEqual(parseKrewManifest(expected));
  });
});

/**
 * What krew-release-bot's template step does (pkg/source/template.go): `addURIAndSha URL TAG`
 * becomes `uri: URL` and, four spaces in, `sha256: <digest of the downloaded asset>`; `indent N`
 * moves that sha256 line under the uri line at N spaces. Go's text/template fails on any other
 * action, so one left over fails here too.
 */
function renderLikeKrewReleaseBot(template: string, tag: string, sha256Of: (url: string) => string): string {
  const rendered = template
    .replace(/\{\{ addURIAndSha "([^"]+)" \.TagName \| indent (\d+) \}\}/g, (_, url: string, spaces: string) => {
      const uri = url.replaceAll('{{ .TagName }}', tag);
      const value = `uri: ${uri}\n    sha256: ${sha256Of(uri)}`.replaceAll('    sha256:', 'sha256:');
      const pad = ' '.repeat(Number(spaces));
      return (pad + value.replaceAll('\n', `\n${pad}`)).trim();
    })
    .replaceAll('{{ .TagName }}', tag);
  if (rendered.includes('{{')) throw new Error(`the bot cannot render: ${/.*\{\{.*/.exec(rendered)![0]}`);
  return rendered;
}

describe('release tags and repositories', () => {
  it.each([
    ['https://github.com/example/kubectl-sts.git', 'https://github.com/example/kubectl-sts'],
    ['https://github.com/example/kubectl-sts', 'https://github.com/example/kubectl-sts'],
    ['https://token@github.com/example/kubectl-sts.git', 'https://github.com/example/kubectl-sts'],
    ['git@github.com:example/kubectl-sts.git', 'https://github.com/example/kubectl-sts'],
    ['ssh://git@github.com/example/kubectl-sts.git', 'https://github.com/example/kubectl-sts'],
    ['/work/main', undefined],
    ['file:///work/main', undefined],
  ])('the remote %s publishes at %s', (remote, expected) => {
    expect(repositoryUrlFromRemote(remote)).toBe(expected);
  });

  it('accepts only the tag of package.json\'s version', () => {
    expect(() => checkReleaseTag('v0.1.0', '0.1.0')).not.toThrow();
    expect(() => checkReleaseTag('v0.1.1', '0.1.0')).toThrow(/does not match package.json version 0\.1\.0/);
    expect(() => checkReleaseTag('0.1.0', '0.1.0')).toThrow(ReleaseUsageError);
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
