// `npm run release`: builds every platform's archive into release/ and fills krew-manifest.yaml.
//   node scripts/release.ts [--platform linux/amd64 ...] [--out DIR] [--base-uri URI]
// The base URI may also come from KUBECTL_STS_RELEASE_BASE_URI; `{version}` in it becomes v<semver>.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/bundle.ts';
import { buildRelease, releaseDefaults, verifyRelease } from './lib/release.ts';
import { RELEASE_TARGETS, findTarget, targetId } from './lib/targets.ts';

function fail(message: string, hint: string): never {
  process.stderr.write(`error: ${message}; ${hint}\n`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        platform: { type: 'string', multiple: true },
        out: { type: 'string', default: path.join(REPO_ROOT, 'release') },
        'base-uri': { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    return fail(
      (error as Error).message,
      'usage: npm run release -- [--platform OS/ARCH ...] [--out DIR] [--base-uri URI]',
    );
  }
}
const { values } = parseFlags();

const known = RELEASE_TARGETS.map(targetId).join(', ');
const targets = (values.platform ?? []).map(
  (id) => findTarget(id) ?? fail(`unknown platform "${id}"`, `use one of ${known}`),
);
const log = (line: string) => process.stderr.write(`${line}\n`);
const defaults = releaseDefaults();
const started = Date.now();
const result = await buildRelease({
  ...defaults,
  targets: targets.length > 0 ? targets : defaults.targets,
  baseUri: values['base-uri'] ?? defaults.baseUri,
  outDir: path.resolve(values.out),
  log,
});

try {
  verifyRelease(result, log);
} catch (error) {
  process.stderr.write(
    `error: the release does not pass krew's checks: ${(error as Error).message}; fix scripts/krew-manifest.template.yaml or the archive contents\n`,
  );
  process.exit(1);
}

// The top-level manifest is the published one: only a complete release may replace it.
if (result.archives.length === RELEASE_TARGETS.length) {
  writeFileSync(path.join(REPO_ROOT, 'krew-manifest.yaml'), result.manifest);
  process.stderr.write('wrote krew-manifest.yaml\n');
}
process.stderr.write(
  `released v${defaults.version}: ${result.archives.length} archive(s), manifest ${result.manifestFile} ` +
    `(${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
);
