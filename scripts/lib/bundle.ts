// One CommonJS file holding the whole CLI (oclif, the command map, client-node), which is
// what a Node single executable application runs as its main script.
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BundleResult {
  file: string;
  bytes: number;
  metafile: Metafile;
}

export async function bundleCli(outfile: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, 'scripts/lib/sea-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The oldest runtime the bundle is ever run by (npm-installed launchers share no code with it,
    // but keep the floor the same as package.json "engines").
    target: 'node22.19',
    minify: true,
    // oclif prints class names in some messages; keep them readable.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    // oclif only reads tsconfig.json (through `typescript`, 4 MB) when it loads commands from
    // .ts files on disk, which the bundle never does; its require sits in a try/catch.
    external: ['typescript'],
    // ESM dependencies read import.meta.url; in a CommonJS bundle that is the bundle itself.
    banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__importMetaUrl' },
  });
  const bytes = Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
  return { file: outfile, bytes, metafile: result.metafile };
}
