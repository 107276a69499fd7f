// Stand-ins for modules that read the environment or the terminal when they load (see
// lazyModulesPlugin in bundle.ts). Loaded while the start-up snapshot is built, such a module
// would answer every later run with the build's environment (no terminal, no DEBUG, 80
// columns); a stand-in loads the real module on first use, in the run that uses it.
'use strict';

/** The real module, loaded once, never while the snapshot is being built. */
function loader(name, loadReal) {
  let real;
  let loaded = false;
  const load = () => {
    if (!loaded) {
      if (require('node:v8').startupSnapshot.isBuildingSnapshot())
        throw new Error(
          `${name} was used while building the start-up snapshot; what it reads at load would be frozen`,
        );
      real = loadReal();
      loaded = true;
    }
    return real;
  };
  return { load, isLoaded: () => loaded };
}

/**
 * An object (or function) module: every property read, `in` test and call goes to the real
 * module. `esModule` is the real module's `__esModule` flag, answered without loading it because
 * esbuild's and TypeScript's import helpers ask for it at import time.
 */
function lazyModule(name, loadReal, esModule) {
  const { load } = loader(name, loadReal);
  const standIn = new Proxy(function lazy() {}, {
    get(_target, key) {
      if (key === '__esModule') return esModule || undefined;
      if (key === 'default' && !esModule) return standIn;
      return load()[key];
    },
    set(_target, key, value) {
      load()[key] = value;
      return true;
    },
    has: (_target, key) => key in load(),
    apply: (_target, self, args) => load().apply(self, args),
  });
  return standIn;
}

/**
 * The `debug` package. It decides the enabled namespaces from DEBUG (and its colours from the
 * terminal) when it loads, and oclif creates its loggers when oclif loads: `require('debug')(ns)`
 * ran while the snapshot was built. So the stand-in hands out lazy debuggers. While the real
 * module is not loaded and DEBUG is unset or empty, no namespace can be enabled (DEBUG is the
 * only source, and enable() or `.enabled = true` load the real module first): a call costs one
 * environment read. Otherwise each lazy debugger forwards to a real one made on first use.
 */
function lazyDebug(loadReal) {
  const { load, isLoaded } = loader('debug', loadReal);
  const quiet = () => !isLoaded() && !process.env.DEBUG;

  function lazyDebugger(namespace) {
    let real;
    let log;
    const instance = () => {
      if (!real) {
        real = load()(namespace);
        if (log !== undefined) real.log = log;
      }
      return real;
    };
    function debug(...args) {
      if (quiet()) return;
      return instance().apply(this, args);
    }
    Object.defineProperties(debug, {
      namespace: { value: namespace, enumerable: true, writable: true },
      enabled: {
        enumerable: true,
        get: () => !quiet() && instance().enabled,
        set: (value) => {
          instance().enabled = value;
        },
      },
      // The real extend: the child's namespace joined with ':' unless told otherwise, and the
      // parent's log function.
      extend: {
        value(child, delimiter) {
          const extended = lazyDebugger(`${namespace}${delimiter === undefined ? ':' : delimiter}${child}`);
          extended.log = debug.log;
          return extended;
        },
        writable: true,
      },
      log: {
        enumerable: true,
        get: () => (real ? real.log : log),
        set: (value) => {
          log = value;
          if (real) real.log = value;
        },
      },
    });
    for (const key of ['useColors', 'color', 'diff', 'destroy', 'inspectOpts'])
      Object.defineProperty(debug, key, {
        get: () => instance()[key],
        set: (value) => {
          instance()[key] = value;
        },
      });
    return debug;
  }

  const standIn = new Proxy(function debug() {}, {
    get(_target, key) {
      if (key === '__esModule') return undefined;
      if (key === 'default' || key === 'debug') return standIn;
      return load()[key];
    },
    set(_target, key, value) {
      load()[key] = value;
      return true;
    },
    has: (_target, key) => key in load(),
    apply: (_target, _self, [namespace]) => lazyDebugger(namespace),
  });
  return standIn;
}

module.exports = { lazyModule, lazyDebug };
