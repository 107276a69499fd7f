// A dump is a file anyone can edit: every field of every object, replaced by a value of each
// other type (or removed), must give either a report or one usage error, never an internal
// error. Runs the whole offline path in-process: parse → group → snapshot → report → table,
// JSON and the watch's change lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import { groupObjects, parseDump, snapshotFromDump, snapshotsFromDump } from '../../src/collect/offline.ts';
import { renderJson } from '../../src/render/json.ts';
import { describeChanges, renderOverview, renderStatus } from '../../src/render/status.ts';
import { healthOf } from '../../src/report/overview.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { caseTitle } from './cases.ts';

const DUMP = new URL('../diagnostics/fixtures/sim-forced-rollback-dump.yaml', import.meta.url);
const HANDWRITTEN = new URL('../diagnostics/fixtures/handwritten-dump.yaml', import.meta.url);

const REPLACEMENTS: [string, unknown][] = [
  ['a string', 'x'],
  ['an integer', 7],
  ['a negative integer', -3],
  ['a fraction', 1.5],
  ['a boolean', true],
  ['a mapping', { a: 1 }],
  ['a list', ['a', 1]],
  ['null', null],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a field in `value`, lists by index (the first two items only, to stay small). */
function fieldPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.slice(0, 2).forEach((item, index) => {
      paths.push([...prefix, index], ...fieldPaths(item, [...prefix, index]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      paths.push([...prefix, key], ...fieldPaths(item, [...prefix, key]));
    }
  }
  return paths;
}

function mutate(value: Json, path: (string | number)[], replacement: unknown, remove: boolean): Json {
  const copy = structuredClone(value);
  let parent = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (remove && Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (remove) delete parent[last];
  else parent[last] = replacement as Json;
  return copy;
}

/** Everything `kubectl sts status [-f]` does with a dump, without the process around it. */
function runOffline(text: string): void {
  const dump = groupObjects(parseDump(text, 'dump.yaml'), ['dump.yaml']);
  const reports = snapshotsFromDump(dump).map((snapshot) =>
    buildStatusReport(snapshot, { clusterDomain: 'cluster.local' }),
  );
  for (const report of reports) {
    renderStatus(report, { wide: true, noHeaders: false, color: true });
    renderJson(report);
    describeChanges(undefined, report, new Date(0));
  }
  for (const set of dump.statefulSets) {
    if (!set.metadata?.name) continue; // cannot be asked for by NAME
    const snapshot = snapshotFromDump(dump, set.metadata!.name!, { namespace: set.metadata!.namespace });
    renderStatus(buildStatusReport(snapshot, { clusterDomain: 'cluster.local' }), {
      wide: false,
      noHeaders: true,
      color: false,
    });
  }
  // `status -f dump` without NAME, as the command builds it.
  renderOverview(
    { items: reports.map((report) => healthOf(report)), unreadable: [], generatedAt: '' },
    { wide: true, noHeaders: false, color: false, allNamespaces: true },
  );
}

/** One object of each kind from a dump (the first), as the base to mutate. */
function samples(url: URL): { kind: string; object: Json; rest: Json[] }[] {
  const list = parse(readFileSync(url, 'utf8')) as { items: Json[] };
  const seen = new Set<string>();
  const out: { kind: string; object: Json; rest: Json[] }[] = [];
  list.items.forEach((item, index) => {
    const kind = (item as { kind: string }).kind;
    if (seen.has(kind)) return;
    seen.add(kind);
    out.push({ kind, object: item, rest: list.items.filter((_, other) => other !== index) });
  });
  return out;
}

interface Outcome {
  tried: number;
  reports: number;
  usageErrors: number;
  failures: string[];
}

function fuzz(url: URL): Outcome {
  const outcome: Outcome = { tried: 0, reports: 0, usageErrors: 0, failures: [] };
  for (const { kind, object, rest } of samples(url)) {
    for (const path of fieldPaths(object)) {
      const variants: [string, Json][] = [
        ['removed', mutate(object, path, undefined, true)],
        ...REPLACEMENTS.map(([label, value]): [string, Json] => [label, mutate(object, path, value, false)]),
      ];
      for (const [label, mutated] of variants) {
        outcome.tried++;
        // JSON: the same reader path after parsing, and fast enough for thousands of variants.
        const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [mutated, ...rest] });
        try {
          runOffline(text);
          outcome.reports++;
        } catch (error) {
          if (error instanceof StsError && error.exitCode === ExitCode.USAGE && !error.message.includes('\n'))
            outcome.usageErrors++;
          else
            outcome.failures.push(
              `${kind} ${path.join('.')} → ${label}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            );
        }
      }
    }
  }
  return outcome;
}

describe(caseTitle('D05'), () => {
  it.each([
    ['the simulator dump (every kind)', DUMP],
    ['the hand-written dump', HANDWRITTEN],
  ])(
    '%s: a report or one usage error, never an internal error',
    (_name, url) => {
      const outcome = fuzz(url);
      expect(outcome.failures.slice(0, 20), `${outcome.failures.length} of ${outcome.tried} failed`).toEqual(
        [],
      );
      // Both kinds of outcome occur: the checks neither refuse everything nor nothing.
      expect(outcome.reports).toBeGreaterThan(100);
      expect(outcome.usageErrors).toBeGreaterThan(100);
    },
    300_000,
  );

  it('names the object and the field, as kubectl apply does', () => {
    const text = stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { replicas: 'three' },
        },
      ],
    });
    expect(() => parseDump(text, 'dump.yaml')).toThrow(
      '"dump.yaml": StatefulSet shop/web: spec.replicas must be an integer, not a string',
    );
  });
});
