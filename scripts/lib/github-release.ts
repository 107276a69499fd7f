// Publishing the GitHub release of a tag so that nothing public is ever unchecked, and a re-run
// of the workflow is safe: the assets go into a draft, are downloaded again and compared with
// what was built, and only then is the draft published. A draft left by an earlier, failed run
// is replaced; a release already published is never touched. Everything goes through `gh`, with
// the repository in GH_REPO and the token in GH_TOKEN. Node builtins only: the publishing job
// runs it on the runner's Node, without installing the project's packages (no install scripts
// run where the token can write).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HintedError } from './hinted-error.ts';

export class PublishError extends HintedError {
  override name = 'PublishError';
}

interface Release {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  assets?: { id: number; name: string; size: number }[];
}

export interface PublishOptions {
  /** The directory holding the archives, SHA256SUMS and sts.yaml (assemble's output). */
  dir: string;
  tag: string;
  /** owner/name (GH_REPO). */
  repository: string;
  log: (line: string) => void;
  /** Where the published assets are downloaded to for the check. */
  workDir: string;
}

const ASSET_PATTERN = /\.(tar\.gz|zip)$|^SHA256SUMS$|^sts\.yaml$/;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function gh(args: string[], options: { stdoutFile?: string } = {}): string {
  const fd = options.stdoutFile ? openSync(options.stdoutFile, 'w') : undefined;
  try {
    const result = spawnSync('gh', args, {
      encoding: 'utf8',
      stdio: ['ignore', fd ?? 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error)
      throw new PublishError(`cannot run gh: ${result.error.message}`, 'install the GitHub CLI');
    if (result.status !== 0) {
      const said = (result.stderr || result.stdout || '').trim().split('\n')[0] || 'no output';
      throw new PublishError(
        `gh ${args.slice(0, 3).join(' ')} failed (exit ${result.status}): ${said}`,
        'see the log above',
      );
    }
    return result.stdout ?? '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function ghJson<T>(args: string[]): T {
  return JSON.parse(gh(args)) as T;
}

/** Every release of the repository whose tag is `tag`, drafts included (they need push access). */
function releasesOfTag(repository: string, tag: string): Release[] {
  const found: Release[] = [];
  for (let page = 1; ; page++) {
    const releases = ghJson<Release[]>(['api', `repos/${repository}/releases?per_page=100&page=${page}`]);
    found.push(...releases.filter((release) => release.tag_name === tag));
    if (releases.length < 100) return found;
  }
}

/** The files to publish, checked against the SHA256SUMS beside them first. */
export function localAssets(dir: string, tag: string): string[] {
  const names = readdirSync(dir)
    .filter((name) => ASSET_PATTERN.test(name))
    .sort();
  const archives = names.filter((name) => /\.(tar\.gz|zip)$/.test(name));
  for (const required of ['SHA256SUMS', 'sts.yaml']) {
    if (!names.includes(required)) {
      throw new PublishError(
        `${required} is not in ${dir}`,
        'run `npm run release -- assemble` on the archives first',
      );
    }
  }
  if (archives.length === 0)
    throw new PublishError(`no archives in ${dir}`, "download the build jobs' artifacts first");
  const stranger = archives.find((name) => !name.includes(`_${tag}_`));
  if (stranger) {
    throw new PublishError(
      `${stranger} is not an archive of ${tag}`,
      'publish only the archives built for this tag',
    );
  }
  checkSums(dir, archives, 'the built archives');
  return names;
}

/** Fails unless SHA256SUMS in `dir` lists exactly `archives`, each with its file's digest. */
function checkSums(dir: string, archives: string[], what: string): void {
  const listed = new Map(
    readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
        if (!match)
          throw new PublishError(`SHA256SUMS has a malformed line: ${JSON.stringify(line)}`, 'rebuild it');
        return [match[2]!, match[1]!] as const;
      }),
  );
  const names = [...listed.keys()].sort();
  if (names.join('\n') !== [...archives].sort().join('\n')) {
    throw new PublishError(
      `SHA256SUMS lists ${names.join(', ') || 'nothing'}, but ${what} are ${archives.join(', ')}`,
      'assemble SHA256SUMS from exactly these archives',
    );
  }
  for (const [name, digest] of listed) {
    if (sha256(path.join(dir, name)) !== digest) {
      throw new PublishError(
        `${name} does not match its line in SHA256SUMS (${what})`,
        'assemble the release again',
      );
    }
  }
}

/**
 * Publishes `options.dir` as the GitHub release of `options.tag`: a draft first, its assets
 * downloaded and checked byte for byte, then published. Returns the release's page.
 */
export function publishGitHubRelease(options: PublishOptions): string {
  const { dir, tag, repository, log } = options;
  const names = localAssets(dir, tag);

  const existing = releasesOfTag(repository, tag);
  const published = existing.find((release) => !release.draft);
  if (published) {
    throw new PublishError(
      `${tag} is already published (${published.html_url}) and a published release is never replaced`,
      'if only a later job failed, use "Re-run failed jobs"; if the release itself is broken, publish a new version (docs/release.md, "When a release fails")',
    );
  }
  for (const draft of existing) {
    log(`deleting draft ${draft.id} of ${tag}, left by an earlier run`);
    gh(['api', '--method', 'DELETE', `repos/${repository}/releases/${draft.id}`]);
  }

  log(`creating a draft release of ${tag} with ${names.length} assets`);
  gh([
    'release',
    'create',
    tag,
    '--draft',
    '--verify-tag',
    '--title',
    tag,
    '--generate-notes',
    ...(tag.includes('-') ? ['--prerelease'] : []),
    ...names.map((name) => path.join(dir, name)),
  ]);
  const drafts = releasesOfTag(repository, tag).filter((release) => release.draft);
  if (drafts.length !== 1) {
    throw new PublishError(
      `expected one draft of ${tag} after creating it, found ${drafts.length}`,
      "look at the repository's releases",
    );
  }
  const draft = ghJson<Release>(['api', `repos/${repository}/releases/${drafts[0]!.id}`]);

  // What users will download is what was built and checked: every asset, downloaded from the
  // draft, is compared with the local file, and the downloaded SHA256SUMS with the downloaded
  // archives.
  const keep = 'it stays a draft: delete it, then re-run the workflow';
  const uploaded = (draft.assets ?? []).map((asset) => asset.name).sort();
  if (uploaded.join('\n') !== names.join('\n')) {
    throw new PublishError(
      `the draft of ${tag} holds ${uploaded.join(', ') || 'nothing'}, not ${names.join(', ')}`,
      keep,
    );
  }
  const downloads = path.join(options.workDir, 'published');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  for (const asset of draft.assets!) {
    const file = path.join(downloads, asset.name);
    gh(['api', '-H', 'Accept: application/octet-stream', `repos/${repository}/releases/assets/${asset.id}`], {
      stdoutFile: file,
    });
    if (sha256(file) !== sha256(path.join(dir, asset.name))) {
      throw new PublishError(
        `${asset.name} as downloaded from the draft of ${tag} differs from the one built`,
        keep,
      );
    }
  }
  try {
    checkSums(
      downloads,
      names.filter((name) => /\.(tar\.gz|zip)$/.test(name)),
      'the downloaded archives',
    );
  } catch (error) {
    throw new PublishError((error as Error).message, keep);
  }
  log(`the draft's ${names.length} assets are the built ones, byte for byte`);

  const result = ghJson<Release>([
    'api',
    '--method',
    'PATCH',
    `repos/${repository}/releases/${draft.id}`,
    '-F',
    'draft=false',
  ]);
  if (result.draft) throw new PublishError(`GitHub kept ${tag} a draft`, 'publish it by hand once checked');
  log(`published ${result.html_url}`);
  return result.html_url;
}
