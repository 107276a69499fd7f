// The CLI as two CommonJS files: the main script (oclif, the command map, everything that runs
// on every invocation) and @kubernetes/client-node on its own. A SEA or `node file.cjs` compiles
// its whole main script at start, so keeping the 3 MB client library out of it makes commands
// that never call the API (--version, --help, completion) start about three times faster. The
// main script loads the library on first use: from a SEA asset inside a single executable, else
// from the file beside it (the macOS launcher layout).
import { build } from 'esbuild';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLIENT_NODE, CLIENT_NODE_CHUNK } from './client-node-chunk.ts';
import { readPackageVersion, versionDefine } from './package-version.ts';

export { CLIENT_NODE_CHUNK };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BundleResult {
  /** The main script. */
  file: string;
  /** The client library chunk, next to `file`. */
  clientNodeFile: string;
  bytes: number;
  metafile: Metafile;
}

// ESM dependencies read import.meta.url; in a CommonJS bundle that is the bundle itself.
const IMPORT_META_URL = 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;';

/**
 * Runs before the main script: `require` (builtins only inside a SEA) is wrapped so that the
 * one non-builtin the bundle leaves external, the client library, is compiled on first use.
 */
const CLIENT_NODE_LOADER = `var __stsBuiltinRequire = require, __stsClientNode;
require = function (id) {
  if (id !== ${JSON.stringify(CLIENT_NODE)}) return __stsBuiltinRequire(id);
  if (__stsClientNode) return __stsClientNode.exports;
  var sea = __stsBuiltinRequire("node:sea");
  var file = __stsBuiltinRequire("node:path").join(__dirname, ${JSON.stringify(CLIENT_NODE_CHUNK)});
  var code = sea.isSea() ? sea.getAsset(${JSON.stringify(CLIENT_NODE_CHUNK)}, "utf8") : __stsBuiltinRequire("node:fs").readFileSync(file, "utf8");
  __stsClientNode = { exports: {} };
  __stsBuiltinRequire("node:vm").compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: file })(__stsClientNode.exports, __stsBuiltinRequire, __stsClientNode, file, __dirname);
  return __stsClientNode.exports;
};`;

/** What the snapshot's stand-in for a lazy builtin knows of it without loading it. */
export interface LazyBuiltinShape {
  /** Its export names. */
  keys: string[];
  /** The exports that are functions. */
  functions: string[];
  /** The functions with a custom promisified form (`util.promisify.custom`), like execFile. */
  promisified: string[];
}

/**
 * Banner of the snapshot bundle. While the snapshot is built, Node's `require` loads builtins
 * only, and a few builtins may not be loaded at all: node:http's parser is a native handle V8
 * cannot serialise, and tty / child_process / readline / net hold process state of the build.
 * They are handed out as stand-ins that load the real module on first use, after start-up.
 * A function read from one before that (wsl-utils, which oclif imports on every run, does
 * `promisify(childProcess.execFile)` at import) is itself a stand-in until it is called, so
 * that reading it does not load the module (child_process: ~2.5 ms of every run).
 * The Kubernetes client library is loaded with the real require the main function installs.
 */
export function snapshotBanner(shapes: Record<string, LazyBuiltinShape>): string {
  return `var __stsBuildRequire = require, __stsLazyShapes = ${JSON.stringify(shapes)}, __stsClientNode, __stsPromisifyCustom = Symbol.for("nodejs.util.promisify.custom");
require = function (id) {
  if (id === ${JSON.stringify(CLIENT_NODE)}) return (__stsClientNode ??= globalThis.__stsRequire(id));
  var shape = __stsLazyShapes[id];
  if (!shape) return __stsBuildRequire(id);
  var keys = shape.keys, real, standIns = {};
  var load = function () { return (real ??= (globalThis.__stsRequire || __stsBuildRequire)(id)); };
  var lazyFunction = function (key) {
    return (standIns[key] ??= new Proxy(function () {}, {
      apply: function (_, self, args) { return Reflect.apply(load()[key], self, args); },
      construct: function (_, args, newTarget) {
        var fn = load()[key];
        return Reflect.construct(fn, args, newTarget === standIns[key] ? fn : newTarget);
      },
      get: function (_, prop) {
        if (prop === __stsPromisifyCustom && !real && shape.promisified.includes(key))
          return (standIns[key + ".promisified"] ??= function () { return load()[key][__stsPromisifyCustom].apply(this, arguments); });
        return load()[key][prop];
      },
    }));
  };
  return new Proxy({}, {
    get: function (_, key) { return !real && shape.functions.includes(key) ? lazyFunction(key) : load()[key]; },
    has: function (_, key) { return keys.includes(key); },
    ownKeys: function () { return keys; },
    getOwnPropertyDescriptor: function (_, key) {
      return keys.includes(key) ? { configurable: true, enumerable: true, get: function () { return load()[key]; } } : undefined;
    },
  });
};`;
}

/**
 * The environment a snapshot is built in (npm run build, and the release's single executable):
 * bare, so that nothing of the building shell (colours, DEBUG, a terminal) ends up in the heap.
 */
export function snapshotBuildEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_NO_WARNINGS: '1' };
}

/** Builtins the snapshot must not load while it is built (see snapshotBanner). */
export const SNAPSHOT_LAZY_BUILTINS = [
  'http',
  'https',
  'net',
  'tls',
  'tty',
  'child_process',
  'readline',
  'dns',
  'worker_threads',
].flatMap((name) => [name, `node:${name}`]);

/** The shapes of SNAPSHOT_LAZY_BUILTINS, read by this (normally started) process. */
export function snapshotBuiltinShapes(): Record<string, LazyBuiltinShape> {
  const require = createRequire(import.meta.url);
  return Object.fromEntries(
    SNAPSHOT_LAZY_BUILTINS.map((id) => {
      const real = require(id) as Record<string, unknown>;
      const keys = Object.getOwnPropertyNames(real);
      const functions = keys.filter((key) => typeof real[key] === 'function');
      const promisified = functions.filter(
        (key) => typeof (real[key] as Record<symbol, unknown>)[promisify.custom] === 'function',
      );
      return [id, { keys, functions, promisified }];
    }),
  );
}

/** What every bundle shares; `version` (package.json's) is compiled in (src/version.ts). */
export function commonOptions(version: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The oldest runtime allowed by package.json "engines".
    target: 'node22.19',
    minify: process.env.KUBECTL_STS_BUNDLE_DEBUG !== '1',
    // oclif prints class names in some messages; keep them readable.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      'import.meta.url': '__importMetaUrl',
      // oclif checks at import that Node satisfies its own engines (>= 18), loading all of semver
      // to do so (~9 ms a run). Every way this bundle starts has a Node >= 22.19 (bin/run.js
      // refuses older ones; a release carries Node 26), so the check can never warn.
      'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"',
      ...versionDefine(version),
    },
  };
}

export async function bundleCli(
  outfile: string,
  version = readPackageVersion(REPO_ROOT),
): Promise<BundleResult> {
  const common = commonOptions(version);
  const clientNodeFile = path.join(path.dirname(outfile), CLIENT_NODE_CHUNK);
  const main = await build({
    ...common,
    entryPoints: [path.join(REPO_ROOT, 'scripts/lib/sea-entry.ts')],
    outfile,
    metafile: true,
    banner: { js: `${CLIENT_NODE_LOADER}\n${IMPORT_META_URL}` },
    // oclif only reads tsconfig.json (through `typescript`, 4 MB) when it loads commands from
    // .ts files on disk, which the bundle never does; its require sits in a try/catch.
    external: ['typescript', CLIENT_NODE],
    // Turn `await import(CLIENT_NODE)` into a require() call, which the loader above serves; a
    // real import() inside a SEA can only load builtins.
    supported: { 'dynamic-import': false },
  });
  const chunk = await build({
    ...common,
    stdin: {
      contents: `module.exports = require(${JSON.stringify(CLIENT_NODE)});`,
      resolveDir: REPO_ROOT,
      loader: 'js',
    },
    outfile: clientNodeFile,
    metafile: true,
    banner: { js: IMPORT_META_URL },
  });
  const outputs = [...Object.values(main.metafile.outputs), ...Object.values(chunk.metafile.outputs)];
  return {
    file: outfile,
    clientNodeFile,
    bytes: outputs.reduce((total, output) => total + output.bytes, 0),
    metafile: main.metafile,
  };
}

/**
 * The CLI as the entry of a V8 start-up snapshot (scripts/lib/snapshot-entry.ts). `builtinShapes`
 * describe SNAPSHOT_LAZY_BUILTINS, read by the (normally started) build.
 */
export async function bundleSnapshotEntry(
  outfile: string,
  builtinShapes: Record<string, LazyBuiltinShape>,
  version = readPackageVersion(REPO_ROOT),
): Promise<void> {
  await build({
    ...commonOptions(version),
    entryPoints: [path.join(REPO_ROOT, 'scripts/lib/snapshot-entry.ts')],
    outfile,
    banner: { js: `${snapshotBanner(builtinShapes)}\n${IMPORT_META_URL}` },
    external: ['typescript', CLIENT_NODE],
    supported: { 'dynamic-import': false },
    plugins: [lazyModulesPlugin()],
  });
}

/**
 * Modules that read the environment or the terminal when they load, which for the snapshot
 * would be once, at build time, with the build's bare environment. Matched by the file a
 * specifier resolves to (oclif reaches screen.js as "../screen" and "../../screen").
 * - ansis: oclif's colours, decided at load from the terminal and NO_COLOR/FORCE_COLOR.
 * - supports-color: the same decision for oclif's help headings (lib/ux/supports-color.js
 *   reads its stdout/stderr when called, so the package is the one to defer) and debug's colours;
 *   it also reads --color flags from process.argv.
 * - @oclif/core/lib/screen.js: help's width from OCLIF_COLUMNS or the terminal.
 * - debug: the namespaces DEBUG enables, and its colours and options from the environment.
 * Not deferred: @oclif/core/lib/ux/index.js picks its `action` (spinner on a terminal, simple
 * otherwise) at load. The plugin never starts oclif's action (progress is ora's), and the one
 * oclif call, action.stop() in Command.catch, returns at once when no task was started, which
 * both kinds do alike; so the build's choice is never observable.
 */
const LAZY_MODULES: { file: string; name: string; esModule: boolean; debug?: true }[] = [
  { file: 'node_modules/ansis/index.js', name: 'ansis', esModule: false },
  { file: 'node_modules/supports-color/index.js', name: 'supports-color', esModule: false },
  { file: 'node_modules/@oclif/core/lib/screen.js', name: '@oclif/core/lib/screen.js', esModule: true },
  { file: 'node_modules/debug/src/index.js', name: 'debug', esModule: false, debug: true },
];

/**
 * Replaces LAZY_MODULES, in the snapshot bundle only, by stand-ins (scripts/lib/lazy-module.cjs)
 * that load the real module, bundled beside them, on first use after start-up; a stand-in used
 * while the snapshot is built throws, so the build fails instead of freezing a value.
 */
function lazyModulesPlugin(): Plugin {
  const standIns = path.join(REPO_ROOT, 'scripts/lib/lazy-module.cjs');
  const NAMESPACE = 'sts-lazy';
  const SKIP = Symbol('resolving the real module');
  const replaced = new Set<string>();
  return {
    name: 'lazy-modules',
    setup(on) {
      on.onStart(() => replaced.clear());
      on.onResolve({ filter: /^(ansis|supports-color|debug)$|\/screen$/ }, async (args) => {
        if (args.pluginData === SKIP || args.namespace === NAMESPACE) return undefined;
        const real = await on.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        });
        // By the end of the path: node_modules may be a link (the resolved path is the real one),
        // and a nested copy of the same module reads the environment at load just the same.
        const lazy = LAZY_MODULES.find((module) => real.path.endsWith(`${path.sep}${module.file}`));
        if (!lazy) return undefined;
        replaced.add(lazy.name);
        return { path: real.path, namespace: NAMESPACE, pluginData: lazy };
      });
      // A dependency update that moves one of these files must not quietly freeze it again.
      on.onEnd(() => ({
        errors: LAZY_MODULES.filter((lazy) => !replaced.has(lazy.name)).map((lazy) => ({
          text: `${lazy.file} was not bundled: update LAZY_MODULES (scripts/lib/bundle.ts)`,
        })),
      }));
      on.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const lazy = args.pluginData as (typeof LAZY_MODULES)[number];
        const loadReal = `() => require(${JSON.stringify(args.path)})`;
        const contents = lazy.debug
          ? `module.exports = require(${JSON.stringify(standIns)}).lazyDebug(${loadReal});`
          : `module.exports = require(${JSON.stringify(standIns)}).lazyModule(${JSON.stringify(lazy.name)}, ${loadReal}, ${lazy.esModule});`;
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}
