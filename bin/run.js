#!/usr/bin/env node
// Refuse old runtimes with one clear line before anything else is loaded: the Kubernetes
// client needs Node >= 22.19 and would crash with an obscure stack on older ones.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `error: kubectl-sts needs Node.js >= 22.19 but was started with ${process.version} (${process.execPath}); ` +
      'run "npm ci" in the plugin directory to install its pinned runtime, or install a release binary\n',
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

// `npm run build` writes oclif.manifest.json after compiling dist/, so --version, --help and
// completion need not import every command module. A manifest older than dist/ (dist rebuilt
// by a bare `tsc`) could describe flags that changed: then oclif reads the commands themselves.
const root = path.dirname(import.meta.dirname);
const mtime = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs;
const manifestAt = mtime('oclif.manifest.json');
const distAt = mtime('dist/commands/index.js');
const ignoreManifest = manifestAt !== undefined && distAt !== undefined && manifestAt < distAt;

const { main } = await import('../dist/main.js');
await main(process.argv.slice(2), import.meta.url, { ignoreManifest });
