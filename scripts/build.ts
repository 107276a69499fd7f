// Second half of `npm run build` (after tsc has written dist/): the CLI as one CommonJS file,
// dist/bundle/kubectl-sts.cjs, which bin/run.js prefers over dist/. One file instead of ~300
// modules (oclif, semver, yaml, ora, …) is what makes a command start fast: Node's per-module
// resolution, file reads and ESM linking were most of `status` start-up.
//
// The bundle comes from the release bundler (scripts/lib/bundle.ts), so the npm install and the
// single executables run the same code. The one difference: it would carry its own 4 MB copy
// of @kubernetes/client-node, which an npm install does not need, since the package is
// installed beside it. The chunk is replaced by a one-line file that requires the installed
// package, so Node's compile cache covers it and module hooks see it load.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, bundleCli } from './lib/bundle.ts';

const started = performance.now();
const outDir = path.join(REPO_ROOT, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });
const result = await bundleCli(path.join(outDir, 'kubectl-sts.cjs'));
writeFileSync(result.clientNodeFile, 'module.exports = require("@kubernetes/client-node");\n');
const kib = Math.round(statSync(result.file).size / 1024);
process.stderr.write(
  `wrote ${path.relative(REPO_ROOT, result.file)} (${kib} KiB) in ${Math.round(performance.now() - started)} ms\n`,
);
