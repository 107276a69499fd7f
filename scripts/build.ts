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
import { spawnSync } from 'node:child_process';
import { realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  bundleCli,
  bundleSnapshotEntry,
  snapshotBuildEnvironment,
  snapshotBuiltinShapes,
} from './lib/bundle.ts';

const started = performance.now();
const outDir = path.join(REPO_ROOT, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });
const result = await bundleCli(path.join(outDir, 'kubectl-sts.cjs'));
writeFileSync(result.clientNodeFile, 'module.exports = require("@kubernetes/client-node");\n');
const kib = Math.round(statSync(result.file).size / 1024);
process.stderr.write(
  `wrote ${path.relative(REPO_ROOT, result.file)} (${kib} KiB) in ${Math.round(performance.now() - started)} ms\n`,
);

// The start-up snapshot (see scripts/lib/snapshot-entry.ts). A blob only loads into the Node
// binary that wrote it, so it is built only when this build runs on the pinned runtime, the one
// bin/kubectl-sts starts; the launcher also ignores a blob older than that binary or than dist/.
const pinnedNode = path.join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
const realOrNone = (file: string) => {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
};
if (realOrNone(process.execPath) !== realOrNone(pinnedNode)) {
  process.stderr.write(
    `no start-up snapshot: this build runs on ${process.execPath}, not the pinned ${path.relative(REPO_ROOT, pinnedNode)}\n`,
  );
} else {
  const snapshotStarted = performance.now();
  const builtinShapes = snapshotBuiltinShapes();
  const entry = path.join(outDir, 'kubectl-sts-snapshot.cjs');
  const blob = path.join(outDir, 'kubectl-sts.blob');
  await bundleSnapshotEntry(entry, builtinShapes);
  const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
    cwd: outDir,
    env: snapshotBuildEnvironment(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (built.status !== 0) {
    rmSync(blob, { force: true });
    process.stderr.write(`${built.stdout}${built.stderr}`);
    throw new Error(`building the start-up snapshot failed (exit ${built.status ?? built.signal})`);
  }
  const mib = (statSync(blob).size / 2 ** 20).toFixed(1);
  process.stderr.write(
    `wrote ${path.relative(REPO_ROOT, blob)} (${mib} MiB) in ${Math.round(performance.now() - snapshotStarted)} ms\n`,
  );
}
