// The plugin's version is package.json's "version", and only that. The bundles (dist/bundle of
// the npm package, the single executables and both start-up snapshots) have it compiled in by
// esbuild's `define` (scripts/lib/bundle.ts): a build-time constant, as the snapshot needs, so
// nothing is read at run time. dist/ (compiled by tsc) and the sources read the package.json
// above them on first use: in an npm install that is the package's own.
import { readFileSync } from 'node:fs';

/** Replaced by the bundler with package.json's version; undefined outside a bundle. */
declare const KUBECTL_STS_VERSION: string | undefined;

let fromPackageJson: string | undefined;

export function pluginVersion(): string {
  if (typeof KUBECTL_STS_VERSION === 'string') return KUBECTL_STS_VERSION;
  fromPackageJson ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return fromPackageJson;
}
