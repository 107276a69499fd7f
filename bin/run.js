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
const { main } = await import('../dist/main.js');
await main(process.argv.slice(2), import.meta.url);
