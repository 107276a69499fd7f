// The plugin's one version: package.json's "version". The bundler compiles it into every bundle
// as a constant (src/version.ts reads it through this define), so the single executables, the
// npm package's bundle and the start-up snapshots all say what package.json says at build time.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The global src/version.ts reads; esbuild replaces it with a string literal. */
export const VERSION_GLOBAL = 'KUBECTL_STS_VERSION';

export function readPackageVersion(root: string): string {
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pjson.version !== 'string' || pjson.version === '') {
    throw new Error(`${path.join(root, 'package.json')} has no "version"`);
  }
  return pjson.version;
}

/** esbuild `define` entries that compile `version` into a bundle. */
export function versionDefine(version: string): Record<string, string> {
  return { [VERSION_GLOBAL]: JSON.stringify(version) };
}
