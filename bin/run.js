#!/usr/bin/env node
// Refuse old runtimes with one clear line before anything else is loaded: the Kubernetes
// client needs Node >= 22.19 and would crash with an obscure stack on older ones.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `error: kubectl-sts needs Node.js >= 22.19 but was started with ${process.version} (${process.execPath}); ` +
      'put Node.js >= 22.19 on PATH (or set KUBECTL_STS_NODE to one), or install a release archive, which carries its own runtime\n',
  );
  process.exit(3);
}

const { enableCompileCache } = await import('node:module');
const { statSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const path = await import('node:path');

// Compiling oclif and the command modules is most of a short command's run time; Node's
// on-disk compile cache skips it from the second run on. It must be on before the dynamic
// import below. A read-only or missing cache directory only costs speed (the call reports
// failure instead of throwing), and NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE still win.
try {
  const base = process.env.XDG_CACHE_HOME || tmpdir();
  enableCompileCache(process.env.NODE_COMPILE_CACHE || path.join(base, 'kubectl-sts', 'compile-cache'));
} catch {
  // Never let a cache problem stop the command.
}

// `kubectl sts … | head`: once the reader has gone, output nobody reads is not an error; end
// quietly with exit 0 as kubectl does (src/cli/base.ts does the same for bin/dev.js).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// `npm run build` compiles dist/, writes oclif.manifest.json, then bundles everything into
// dist/bundle/kubectl-sts.cjs. Running a command is fastest from the bundle (one file instead
// of ~300 modules); --version and --help (of any command) are fastest from dist/ with the
// manifest, which answers them without loading any command. Both give the same output. A
// bundle or manifest older than dist/ (rebuilt by a bare `tsc`) may describe code that
// changed, so it is not used.
const root = path.dirname(import.meta.dirname);
const mtime = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs;
const distAt = mtime('dist/main.js') ?? Number.POSITIVE_INFINITY;
const fresh = (file) => (mtime(file) ?? Number.NEGATIVE_INFINITY) >= distAt;
const args = process.argv.slice(2);
const asksOclifOnly =
  args.length === 0 || args[0] === '--version' || args[0] === 'help' || args.includes('--help');

if (fresh('dist/bundle/kubectl-sts.cjs') && !(asksOclifOnly && fresh('oclif.manifest.json'))) {
  const { createRequire } = await import('node:module');
  createRequire(import.meta.url)('../dist/bundle/kubectl-sts.cjs'); // runs the command
} else {
  // oclif checks at import that Node satisfies its own engines (>= 18), loading all of semver
  // to do so (~9 ms); the check above is stricter, so it can never warn. Set for the import
  // only (the bundle has it compiled in: scripts/lib/bundle.ts), so commands' children do not
  // inherit it.
  const skipEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined;
  if (skipEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
  const { main } = await import('../dist/main.js');
  if (skipEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
  await main(args, import.meta.url, { ignoreManifest: !fresh('oclif.manifest.json') });
}
