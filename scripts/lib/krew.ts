// krew plugin manifests: filling the template, checking a manifest with the rules krew's
// `validate-krew-manifest` applies (internal/index/validation and cmd/validate-krew-manifest,
// re-implemented here from their documented behaviour), and installing an archive the way
// `kubectl krew install --manifest --archive` lays it out, so tests can run the result.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { isMap, isSeq } from 'yaml';

export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

export interface FileOperation {
  from: string;
  to: string;
}

export interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirement[];
}

export interface KrewPlatform {
  selector?: LabelSelector;
  uri?: string;
  sha256?: string;
  files?: FileOperation[];
  bin?: string;
}

export interface KrewPlugin {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    version?: string;
    homepage?: string;
    shortDescription?: string;
    description?: string;
    caveats?: string;
    platforms?: KrewPlatform[];
  };
}

/** Every os/arch pair krew knows; a platform entry must select at least one of them. */
export const KREW_PLATFORMS: readonly { os: string; arch: string }[] = [
  { os: 'windows', arch: '386' },
  { os: 'windows', arch: 'amd64' },
  { os: 'windows', arch: 'arm64' },
  { os: 'linux', arch: '386' },
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm' },
  { os: 'linux', arch: 'arm64' },
  { os: 'linux', arch: 'ppc64le' },
  { os: 'darwin', arch: '386' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

// ---------------------------------------------------------------------------------------
// Rendering

export interface RenderInput {
  version: string;
  /** spec.homepage; unset removes the field. */
  homepage?: string;
  /** Built archives by `os/arch`; platforms of the template without one are left out. */
  archives: Map<string, { uri: string; sha256: string }>;
}

function withoutHeaderComment(template: string): string {
  return template.replace(/^(#.*\n)+/, '');
}

const PLATFORM_PLACEHOLDER = /\{\{(uri|sha256) ([a-z]+\/[a-z0-9]+)\}\}/g;

/**
 * The template as a manifest for `input`: krew-manifest.yaml with its placeholders filled
 * (`{{version}}`, `{{homepage}}`, `{{uri os/arch}}`, `{{sha256 os/arch}}`) and its header
 * comment, which describes the template, left out.
 */
export function renderKrewManifest(template: string, input: RenderInput): string {
  const filled = withoutHeaderComment(template)
    .replaceAll('{{version}}', `v${input.version}`)
    .replaceAll('{{homepage}}', input.homepage ?? '')
    .replace(PLATFORM_PLACEHOLDER, (placeholder, field: string, id: string) => {
      const archive = input.archives.get(id);
      if (!archive) return placeholder;
      return field === 'uri' ? archive.uri : archive.sha256;
    });
  const document = parseDocument(filled);
  if (document.errors.length > 0)
    throw new Error(`the template is not valid YAML: ${document.errors[0]!.message}`);
  if (input.homepage === undefined) document.deleteIn(['spec', 'homepage']);
  const platforms = document.getIn(['spec', 'platforms']);
  if (!isSeq(platforms)) throw new Error('template has no spec.platforms list');
  platforms.items = platforms.items.filter((item) => {
    if (!isMap(item)) return false;
    return !String(item.get('sha256')).includes('{{');
  });
  const text = document.toString({ lineWidth: 0 });
  if (text.includes('{{')) throw new Error(`a placeholder is left: ${/.*\{\{.*/.exec(text)![0].trim()}`);
  return text;
}

/**
 * The template as krew-release-bot's `.krew.yaml` (a Go text/template): the bot sets
 * `.TagName` from the pushed tag, downloads each asset that `addURIAndSha` names from the
 * published release and writes its uri and sha256 (`indent 6` places the sha256 line under the
 * uri line of a platform entry), then opens the krew-index pull request. `repositoryUrl` comes
 * from the workflow's context (`github.server_url`/`github.repository`).
 */
export function renderKrewReleaseBotTemplate(
  template: string,
  repositoryUrl: string,
  archiveNameForTag: (tag: string, id: string) => string,
): string {
  const repository = repositoryUrl.replace(/\/+$/, '');
  const lines: string[] = [];
  for (const line of withoutHeaderComment(template).split('\n')) {
    const uri = /^( *)uri: '\{\{uri ([a-z]+\/[a-z0-9]+)\}\}'$/.exec(line);
    if (uri) {
      const [, indent, id] = uri;
      const url = `${repository}/releases/download/{{ .TagName }}/${archiveNameForTag('{{ .TagName }}', id!)}`;
      lines.push(`${indent}{{ addURIAndSha "${url}" .TagName | indent ${indent!.length} }}`);
    } else if (!/^ *sha256: '\{\{sha256 [a-z]+\/[a-z0-9]+\}\}'$/.test(line)) {
      lines.push(line.replaceAll('{{version}}', '{{ .TagName }}').replaceAll('{{homepage}}', repository));
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Validation

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const PLUGIN_KEYS = ['apiVersion', 'kind', 'metadata', 'spec'];
const SPEC_KEYS = ['version', 'homepage', 'shortDescription', 'description', 'caveats', 'platforms'];
const PLATFORM_KEYS = ['selector', 'uri', 'sha256', 'files', 'bin'];

function rejectUnknownKeys(value: unknown, allowed: string[], where: string): void {
  if (!value || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ManifestError(`unknown field "${key}" in ${where}`);
  }
}

/** Parses manifest text strictly, as krew's index scanner does (unknown fields are errors). */
export function parseKrewManifest(text: string): KrewPlugin {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new ManifestError(`invalid YAML: ${document.errors[0]!.message}`);
  const plugin = document.toJS() as KrewPlugin;
  if (!plugin || typeof plugin !== 'object') throw new ManifestError('manifest is not a YAML mapping');
  rejectUnknownKeys(plugin, PLUGIN_KEYS, 'the manifest');
  rejectUnknownKeys(plugin.metadata, ['name', 'annotations', 'labels'], 'metadata');
  rejectUnknownKeys(plugin.spec, SPEC_KEYS, 'spec');
  for (const platform of plugin.spec?.platforms ?? [])
    rejectUnknownKeys(platform, PLATFORM_KEYS, 'a platform');
  return plugin;
}

/** krew's semver: a leading `v`, then Kubernetes' ParseSemantic (no zero-prefixed numbers). */
export function isKrewSemver(version: string): boolean {
  const identifier = '[0-9A-Za-z-]+';
  const pattern = new RegExp(
    `^v(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)` +
      `(?:-(${identifier}(?:\\.${identifier})*))?(?:\\+(${identifier}(?:\\.${identifier})*))?$`,
  );
  const match = pattern.exec(version);
  if (!match) return false;
  // Numeric pre-release identifiers must not have leading zeros either.
  return (match[4] ?? '').split('.').every((part) => !/^0\d+$/.test(part));
}

export function isSafePluginName(name: string): boolean {
  const reserved = [
    'CON',
    'PRN',
    'AUX',
    'NUL',
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`]),
  ];
  return /^[\w-]+$/.test(name) && !reserved.includes(name.toUpperCase());
}

function validateSelector(selector: LabelSelector | undefined | null): void {
  if (!selector) throw new ManifestError('nil selector is not supported');
  const { matchLabels, matchExpressions } = selector;
  if (!matchLabels && (!matchExpressions || matchExpressions.length === 0)) {
    throw new ManifestError('empty selector is not supported');
  }
  const keys = [
    ...Object.keys(matchLabels ?? {}),
    ...(matchExpressions ?? []).map((expression) => expression.key),
  ];
  for (const key of keys) {
    if (key !== 'os' && key !== 'arch') throw new ManifestError(`selector key "${key}" not supported`);
  }
  if (matchLabels && Object.keys(matchLabels).length === 0) {
    throw new ManifestError('`matchLabels` specified but empty');
  }
  if (matchExpressions && matchExpressions.length === 0) {
    throw new ManifestError('`matchExpressions` specified but empty');
  }
  for (const expression of matchExpressions ?? []) {
    const needsValues = expression.operator === 'In' || expression.operator === 'NotIn';
    const takesNoValues = expression.operator === 'Exists' || expression.operator === 'DoesNotExist';
    if (!needsValues && !takesNoValues)
      throw new ManifestError(`selector operator "${expression.operator}" is invalid`);
    if (needsValues && !expression.values?.length)
      throw new ManifestError(`operator ${expression.operator} needs values`);
    if (takesNoValues && expression.values?.length)
      throw new ManifestError(`operator ${expression.operator} takes no values`);
  }
}

/** Label-selector semantics (matchLabels AND every matchExpression). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = key in labels;
    const value = labels[key];
    if (operator === 'In' && !(present && values.includes(value!))) return false;
    if (operator === 'NotIn' && present && values.includes(value!)) return false;
    if (operator === 'Exists' && !present) return false;
    if (operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

function validatePlatform(platform: KrewPlatform, index: number): void {
  const where = `spec.platforms[${index}]`;
  if (!platform.uri) throw new ManifestError(`${where}: \`uri\` has to be set`);
  if (!platform.sha256) throw new ManifestError(`${where}: \`sha256\` sum has to be set`);
  if (!/^[a-f0-9]{64}$/.test(platform.sha256)) {
    throw new ManifestError(`${where}: \`sha256\` value ${platform.sha256} is not 64 lower-case hex digits`);
  }
  if (!platform.bin) throw new ManifestError(`${where}: \`bin\` has to be set`);
  if (platform.files !== undefined && platform.files !== null) {
    if (platform.files.length === 0)
      throw new ManifestError(`${where}: \`files\` has to be unspecified or non-empty`);
    for (const operation of platform.files) {
      if (!operation.from) throw new ManifestError(`${where}: \`files\`: \`from\` field has to be set`);
      if (!operation.to) throw new ManifestError(`${where}: \`files\`: \`to\` field has to be set`);
    }
  }
  try {
    validateSelector(platform.selector);
  } catch (error) {
    throw new ManifestError(`${where}: invalid platform selector: ${(error as Error).message}`);
  }
}

/**
 * Structural validation of a manifest named `<name>.yaml`: everything validate-krew-manifest
 * (cmd/validate-krew-manifest, internal/index/validation) checks before it installs anything.
 * Throws ManifestError on the first problem. krew has no warnings: a manifest passes or fails.
 */
export function validateKrewManifest(plugin: KrewPlugin, nameFromFile: string): void {
  if (plugin.apiVersion !== KREW_API_VERSION) {
    throw new ManifestError(
      `plugin manifest has apiVersion="${plugin.apiVersion}", only "${KREW_API_VERSION}" is supported`,
    );
  }
  if (plugin.kind !== 'Plugin')
    throw new ManifestError(`plugin manifest has kind="${plugin.kind}", only "Plugin" is supported`);
  if (!isSafePluginName(nameFromFile))
    throw new ManifestError(`the plugin name "${nameFromFile}" is not allowed`);
  if (plugin.metadata?.name !== nameFromFile) {
    throw new ManifestError(`plugin should be named "${nameFromFile}", not "${plugin.metadata?.name}"`);
  }
  const spec = plugin.spec ?? {};
  if (!spec.shortDescription) throw new ManifestError('should have a short description');
  if (/[\r\n]/.test(spec.shortDescription))
    throw new ManifestError('should not have line breaks in short description');
  if (!spec.platforms?.length) throw new ManifestError('should have a platform specified');
  if (!spec.version) throw new ManifestError('should have a version specified');
  if (!isKrewSemver(spec.version))
    throw new ManifestError(`version "${spec.version}" is not a semantic version with a leading "v"`);
  spec.platforms.forEach((platform, index) => validatePlatform(platform, index));

  spec.platforms.forEach((platform, index) => {
    if (!KREW_PLATFORMS.some((pair) => selectorMatches(platform.selector!, pair))) {
      throw new ManifestError(`spec.platforms[${index}]'s selector doesn't match any supported platform`);
    }
  });
  for (const pair of KREW_PLATFORMS) {
    const matching = spec.platforms.flatMap((platform, index) =>
      selectorMatches(platform.selector!, pair) ? [index] : [],
    );
    if (matching.length > 1) {
      throw new ManifestError(
        `overlapping platform selectors: spec.platforms at indexes [${matching.join(' ')}] all select os=${pair.os}/arch=${pair.arch}`,
      );
    }
  }
}

/** The platform entry krew would pick on `os`/`arch` (the first whose selector matches). */
export function matchingPlatform(plugin: KrewPlugin, os: string, arch: string): KrewPlatform | undefined {
  return plugin.spec?.platforms?.find(
    (platform) => platform.selector && selectorMatches(platform.selector, { os, arch }),
  );
}

// ---------------------------------------------------------------------------------------
// Installation (what `kubectl krew install --manifest=... --archive=...` does on disk)

/** krew's name for this machine's OS (Go's GOOS). */
export function krewOs(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const LICENSE_NAMES = new Set([
  'license',
  'license.txt',
  'license.md',
  'licenses',
  'licenses.txt',
  'licenses.md',
  'copying',
  'copying.txt',
]);

function globToRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end === -1) throw new ManifestError(`bad glob pattern "${segment}"`);
      source += `[${segment
        .slice(i + 1, end)
        .replace(/^\^/, '^')
        .replace(/^!/, '^')}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Go's filepath.Glob over `pattern` relative to `dir` (segments matched one by one). */
function globFiles(dir: string, pattern: string): string[] {
  let matches = [dir];
  for (const segment of pattern.split('/').filter((part) => part !== '' && part !== '.')) {
    const regexp = globToRegExp(segment);
    matches = matches.flatMap((base) => {
      if (!existsSync(base) || !lstatSync(base).isDirectory()) return [];
      return readdirSync(base)
        .filter((entry) => regexp.test(entry))
        .sort()
        .map((entry) => path.join(base, entry));
    });
  }
  return matches.filter((match) => match !== dir);
}

function isInside(base: string, candidate: string): boolean {
  const relative = path.relative(base, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Applies krew's `files` operations from the extracted archive into the install dir. */
export function applyFileOperations(
  fromDir: string,
  toDir: string,
  operations: FileOperation[] | undefined,
): void {
  for (const operation of operations ?? [{ from: '*', to: '.' }]) {
    // Go's filepath.Clean: krew rejects a `to` that is not already in that form.
    const clean = path.posix.normalize(operation.to).replace(/(.)\/+$/, '$1');
    if (clean !== operation.to) {
      throw new ManifestError(`the provided path is not clean, "${operation.to}" should be "${clean}"`);
    }
    const direct = path.join(fromDir, operation.from);
    let moves: { from: string; to: string }[];
    // Like krew, an existing path is a direct move (and may rename); anything else is a glob.
    if (existsSync(direct)) {
      const target = operation.to === '.' ? path.basename(direct) : operation.to;
      moves = [{ from: direct, to: path.join(toDir, target) }];
    } else {
      const found = globFiles(fromDir, operation.from);
      if (found.length === 0) {
        throw new ManifestError(`no files in the plugin archive matched the glob pattern=${operation.from}`);
      }
      moves = found.map((file) => ({ from: file, to: path.join(toDir, operation.to, path.basename(file)) }));
    }
    for (const move of moves) {
      if (!isInside(fromDir, move.from) || !isInside(toDir, move.to)) {
        throw new ManifestError(`can't move ${move.from} to ${move.to}: outside the plugin directories`);
      }
      mkdirSync(path.dirname(move.to), { recursive: true });
      cpSync(move.from, move.to, { recursive: true });
    }
  }
}

/**
 * Extracts with the system's own tools, so our archive writer is checked by an independent
 * reader. Windows' own tar (bsdtar, in System32) reads zip too; the one Git Bash puts first on
 * PATH is GNU tar, which reads no zip and takes C: for a remote host.
 */
export function extractArchive(archive: string, into: string): void {
  mkdirSync(into, { recursive: true });
  if (process.platform === 'win32') {
    const tar = path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'tar.exe');
    execFileSync(tar, ['-xf', archive, '-C', into]);
  } else if (archive.endsWith('.zip')) execFileSync('unzip', ['-q', archive, '-d', into]);
  else execFileSync('tar', ['-xzf', archive, '-C', into]);
}

export interface InstallResult {
  /** krew's store dir of this version: <root>/store/<name>/<version>. */
  installDir: string;
  /** <root>/bin, to put on PATH. */
  binDir: string;
  /** The symlink krew creates: <root>/bin/kubectl-<name> (with .exe on Windows). */
  link: string;
  installedFiles: string[];
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** The link krew puts in bin for plugin `name`: kubectl-<name>, with .exe on Windows. */
function pluginLinkName(name: string, os: string): string {
  return `kubectl-${name.replaceAll('-', '_')}${os === 'windows' ? '.exe' : ''}`;
}

/**
 * Installs one platform of a validated manifest into a krew root: checks the archive's
 * sha256, extracts it, applies `files`, checks that `bin` exists inside the install dir and
 * that a license file came along, and links bin/kubectl-<name> to it. `os` is the machine krew
 * runs on (krew's own KREW_OS): on Windows the link is named kubectl-<name>.exe.
 */
export function installFromArchive(
  plugin: KrewPlugin,
  platform: KrewPlatform,
  archive: string,
  krewRoot: string,
  os: string = krewOs(),
): InstallResult {
  const name = plugin.metadata!.name!;
  const actual = sha256File(archive);
  if (actual !== platform.sha256) {
    throw new ManifestError(
      `checksum mismatch for ${path.basename(archive)}: manifest says ${platform.sha256}, archive is ${actual}`,
    );
  }
  const staging = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-krew-staging-'));
  try {
    extractArchive(archive, staging);
    const installDir = path.join(path.resolve(krewRoot), 'store', name, plugin.spec!.version!);
    rmSync(installDir, { recursive: true, force: true });
    mkdirSync(installDir, { recursive: true });
    applyFileOperations(staging, installDir, platform.files);
    const bin = path.join(installDir, platform.bin!);
    if (!isInside(installDir, bin))
      throw new ManifestError(`bin "${platform.bin}" points outside the install directory`);
    if (!existsSync(bin))
      throw new ManifestError(`bin "${platform.bin}" is not in the archive after applying files`);
    const installedFiles = listFiles(installDir);
    if (!installedFiles.some((file) => LICENSE_NAMES.has(path.basename(file).toLowerCase()))) {
      throw new ManifestError(
        `LICENSE (or alike) file is not extracted; installed files: ${installedFiles.join(', ')}`,
      );
    }
    const binDir = path.join(path.resolve(krewRoot), 'bin');
    mkdirSync(binDir, { recursive: true });
    const link = path.join(binDir, pluginLinkName(name, os));
    rmSync(link, { force: true });
    // krew links to the absolute path of the binary in its store (createOrUpdateLink).
    symlinkSync(bin, link);
    return { installDir, binDir, link, installedFiles };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * `kubectl krew uninstall <name>` (internal/installation.Uninstall): removes the link in bin and
 * the plugin's whole store directory, every version. Anything else users put in bin (the
 * completion helper the caveats have them copy) stays.
 */
export function uninstallLikeKrew(plugin: KrewPlugin, krewRoot: string, os: string = krewOs()): void {
  const name = plugin.metadata!.name!;
  const root = path.resolve(krewRoot);
  rmSync(path.join(root, 'bin', pluginLinkName(name, os)), { force: true });
  rmSync(path.join(root, 'store', name), { recursive: true, force: true });
}
