// Real kubectl binaries as conformance oracles: every installed kubectl from 1.30 up (the
// versioned binaries beside the one on PATH, and that one), run against a simulator's kubeconfig.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export interface Kubectl {
  path: string;
  minor: number;
  /** `kubectl 1.31`, for test names. */
  label: string;
}

export const MIN_MINOR = 30;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function clientMinor(path: string): number | undefined {
  try {
    const output = execFileSync(path, ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const minor = (JSON.parse(output) as { clientVersion?: { minor?: string } }).clientVersion?.minor;
    return minor ? Number.parseInt(minor, 10) : undefined;
  } catch {
    return undefined;
  }
}

/** Installed kubectl binaries ≥ 1.30, one per minor version, oldest first. */
export function installedKubectls(): Kubectl[] {
  const found = new Map<number, Kubectl>();
  const primary = onPath('kubectl');
  const candidates: string[] = [];
  if (primary) {
    candidates.push(primary);
    const dir = dirname(realpathSync(primary));
    for (const name of readdirSync(dir).sort()) {
      if (/^kubectl\.\d+\.\d+$/.test(name)) candidates.push(join(dir, name));
    }
  }
  for (const path of candidates) {
    const minor = clientMinor(path);
    if (minor === undefined || minor < MIN_MINOR || found.has(minor)) continue;
    found.set(minor, { path, minor, label: `kubectl 1.${minor}` });
  }
  return [...found.values()].sort((a, b) => a.minor - b.minor);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Discovery cache shared by the runs of one test (kubectl then skips re-discovery); default: a fresh one. */
  cacheDir?: string;
}

/** Runs kubectl with the given kubeconfig, never the user's ~/.kube. */
export function runKubectl(
  kubectl: Kubectl,
  kubeconfig: string,
  args: string[],
  options: RunOptions | number = {},
): Promise<KubectlResult> {
  const { timeoutMs = 60_000, cacheDir } = typeof options === 'number' ? { timeoutMs: options } : options;
  const dir = cacheDir ?? mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  return new Promise((resolve) => {
    execFile(
      kubectl.path,
      args,
      {
        timeout: timeoutMs,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig, KUBECACHEDIR: dir },
      },
      (error, stdout, stderr) => {
        if (!cacheDir) rmSync(dir, { recursive: true, force: true });
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A discovery cache for one test's kubectl runs; remove it with the returned function. */
export function kubectlCache(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collapses runs of spaces so table rows compare without caring for column widths. */
export function squeeze(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim().replace(/\s{2,}/g, '  '))
    .filter((line) => line !== '');
}
