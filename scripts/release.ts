// `npm run release`: builds every platform's archive into release/ and fills krew-manifest.yaml.
//   node scripts/release.ts [--platform linux/amd64 ...] [--out DIR] [--base-uri URI]
// The base URI may also come from KUBECTL_STS_RELEASE_BASE_URI; `{version}` in it becomes v<semver>.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/bundle.ts';
import { buildRelease, releaseDefaults } from './lib/release.ts';
import { RELEASE_TARGETS, findTarget, targetId } from './lib/targets.ts';

function fail(message: string, hint: string): never {
  process.stderr.write(`error: ${message}; ${hint}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    platform: { type: 'string', multiple: true },
    out: { type: 'string', default: path.join(REPO_ROOT, 'release') },
    'base-uri': { type: 'string' },
  },
  strict: true,
});

const known = RELEASE_TARGETS.map(targetId).join(', ');
const targets = (values.platform ?? []).map(
  (id) => findTarget(id) ?? fail(`unknown platform "${id}"`, `use one of ${known}`),
);
const defaults = releaseDefaults();
const started = Date.now();
const result = await buildRelease({
  ...defaults,
  targets: targets.length > 0 ? targets : defaults.targets,
  baseUri: values['base-uri'] ?? defaults.baseUri,
  outDir: path.resolve(values.out),
  log: (line) => process.stderr.write(`${line}\n`),
});

// The top-level manifest is the published one: only a complete release may replace it.
if (result.archives.length === RELEASE_TARGETS.length) {
  writeFileSync(path.join(REPO_ROOT, 'krew-manifest.yaml'), result.manifest);
  process.stderr.write('wrote krew-manifest.yaml\n');
}
process.stderr.write(
  `released v${defaults.version}: ${result.archives.length} archive(s), manifest ${result.manifestFile} ` +
    `(${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
);
