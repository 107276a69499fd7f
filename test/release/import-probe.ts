// Start-up checks need to know which modules a CLI run loaded. A preload script (passed with
// NODE_OPTIONS=--import, so it also works through the sh launchers) appends every resolved
// module URL to a log file; tests then ask whether a given package was among them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PRELOAD = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    appendFileSync(process.env.IMPORT_PROBE_LOG, result.url + '\\n');
    return result;
  },
});
`;

export interface ImportProbe {
  /** Environment for a run whose module resolutions go to a fresh log. */
  env(): NodeJS.ProcessEnv;
  /** Module URLs resolved by the runs since the last env(). */
  loaded(): string[];
  dispose(): void;
}

export function createImportProbe(): ImportProbe {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-sts-probe-'));
  const preload = path.join(dir, 'preload.mjs');
  writeFileSync(preload, PRELOAD);
  let run = 0;
  let log = '';
  return {
    env() {
      log = path.join(dir, `run-${++run}.log`);
      writeFileSync(log, '');
      return { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}`, IMPORT_PROBE_LOG: log };
    },
    loaded() {
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CLIENT_NODE = '/node_modules/@kubernetes/client-node/';
