// Measuring helpers for the benchmark: run a command several times after a warm-up and keep
// wall time (and peak RSS where /usr/bin/time is available). Absolute times on a shared
// machine are noise; the figures worth quoting are ratios measured side by side in one run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Sample {
  ms: number;
  /** Peak resident set size of the process, in KiB (undefined when not measurable). */
  maxRssKiB: number | undefined;
  exitCode: number;
  stdoutBytes: number;
}

export interface Summary {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianRssMiB: number | undefined;
}

const GNU_TIME = '/usr/bin/time';

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs argv once; stdout is counted, not kept, so large outputs do not skew memory here. */
export function runOnce(argv: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const withTime = existsSync(GNU_TIME);
  const [file, ...args] = withTime ? [GNU_TIME, '-f', '%M', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let maxRssKiB: number | undefined;
      if (withTime) {
        const lines = stderr.trimEnd().split('\n');
        const last = Number(lines.at(-1));
        if (Number.isFinite(last)) maxRssKiB = last;
        stderr = lines.slice(0, -1).join('\n');
      }
      if (code !== 0) {
        reject(
          new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
        );
        return;
      }
      resolve({ ms, maxRssKiB, exitCode: code ?? 0, stdoutBytes });
    });
  });
}

export async function measure(
  argv: string[],
  env: NodeJS.ProcessEnv,
  options: { runs: number; warmup: number },
): Promise<Summary> {
  for (let i = 0; i < options.warmup; i++) await runOnce(argv, env);
  const samples: Sample[] = [];
  for (let i = 0; i < options.runs; i++) samples.push(await runOnce(argv, env));
  return summarize(samples);
}

/**
 * Measures a plugin command and its kubectl baseline in alternation (A B A B …) after a warm-up
 * of each, so that a load change on a shared machine hits both sides alike and the ratio of the
 * medians compares like with like.
 */
export async function measurePair(
  plugin: string[],
  baseline: string[],
  env: NodeJS.ProcessEnv,
  options: { runs: number; warmup: number },
): Promise<[Summary, Summary]> {
  for (let i = 0; i < options.warmup; i++) {
    await runOnce(plugin, env);
    await runOnce(baseline, env);
  }
  const pluginSamples: Sample[] = [];
  const baselineSamples: Sample[] = [];
  for (let i = 0; i < options.runs; i++) {
    pluginSamples.push(await runOnce(plugin, env));
    baselineSamples.push(await runOnce(baseline, env));
  }
  return [summarize(pluginSamples), summarize(baselineSamples)];
}

function summarize(samples: Sample[]): Summary {
  const times = samples.map((s) => s.ms);
  const rss = samples.map((s) => s.maxRssKiB).filter((v): v is number => v !== undefined);
  return {
    runs: samples.length,
    medianMs: round(median(times)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
    medianRssMiB: rss.length ? round(median(rss) / 1024) : undefined,
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Fixed-width text table (the benchmark prints to a terminal and into the README). */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}
