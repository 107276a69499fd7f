// The snapshot bundle's banner hands out stand-ins for builtins that may not be loaded while
// the snapshot is built (scripts/lib/bundle.ts, snapshotBanner). They must behave as the real
// module once used, and reading a function from one (what `promisify(execFile)` does at import)
// must not load it: oclif imports such a module on every run.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { snapshotBanner, snapshotBuiltinShapes } from '../../scripts/lib/bundle.ts';

const realRequire = createRequire(import.meta.url);

// The stand-ins are untyped, as the builtins they stand for are to the bundle.
type Module = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Evaluates the banner with a recording require; returns its require and what it loaded. */
function bannerRequire(): { require: (id: string) => Module; loaded: string[] } {
  const loaded: string[] = [];
  const context = vm.createContext({
    require: (id: string) => {
      loaded.push(id);
      return realRequire(id);
    },
    globalThis: {},
    Proxy,
    Reflect,
    Symbol,
  });
  vm.runInContext(`${snapshotBanner(snapshotBuiltinShapes())}\nthis.bannerRequire = require;`, context);
  return { require: context.bannerRequire as (id: string) => Module, loaded };
}

describe('stand-ins for builtins kept out of the snapshot', () => {
  it('loads nothing while a function is read or promisified', () => {
    const { require, loaded } = bannerRequire();
    const childProcess = require('node:child_process');
    const run = promisify(childProcess.execFile);
    expect(typeof childProcess.spawn).toBe('function');
    expect(typeof run).toBe('function');
    expect(loaded).toEqual([]);
  });

  it('loads the module on the first call, with the real promisified form', async () => {
    const { require, loaded } = bannerRequire();
    const run = promisify(require('node:child_process').execFile);
    const reference = promisify(execFile);
    const [ours, theirs] = await Promise.all([
      run(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']),
      reference(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']),
    ]);
    // execFile's custom promisified form resolves {stdout, stderr}, not only stdout.
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({ stdout: 'out', stderr: 'err' });
    expect(loaded).toEqual(['node:child_process']);
  });

  it('constructs classes read before the module loaded', () => {
    const { require } = bannerRequire();
    const { Agent } = require('node:http');
    const agent = new Agent({ keepAlive: true });
    expect(agent).toBeInstanceOf(realRequire('node:http').Agent);
    agent.destroy();
  });

  it('hands out the real exports once the module is loaded', () => {
    const { require } = bannerRequire();
    const http = require('node:http');
    expect(http.STATUS_CODES[404]).toBe('Not Found');
    expect(http.request).toBe(realRequire('node:http').request);
    expect(Object.keys(http)).toEqual(Object.getOwnPropertyNames(realRequire('node:http')));
    expect('createServer' in http).toBe(true);
  });

  it('passes other modules to the build require untouched', () => {
    const { require, loaded } = bannerRequire();
    expect(require('node:path')).toBe(realRequire('node:path'));
    expect(loaded).toEqual(['node:path']);
  });
});
