import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderJson } from '../../src/render/json.ts';
import { describeChanges, renderStatus } from '../../src/render/status.ts';
import { renderYaml } from '../../src/render/yaml.ts';
import { buildStatusReport } from '../../src/report/status.ts';
import { makeClaim, makePod, makeSet, makeSnapshot } from '../report/objects.ts';

const options = { clusterDomain: 'cluster.local', diagnose: () => [] };
const report = (pods = [makePod(0), makePod(1), makePod(2)]) =>
  buildStatusReport(makeSnapshot({ statefulSet: makeSet(), pods }), options);

describe('machine-readable output carries the keys scripts rely on', () => {
  const keys = [
    'statefulSet.name',
    'statefulSet.namespace',
    'pods.0.ordinal',
    'pods.0.name',
    'pods.0.ready',
    'pods.0.readyOrder',
    'pods.0.dns',
    'pods.0.volumes.0.claim',
    'pods.0.volumes.0.phase',
    'pods.0.volumes.0.volume',
    'diagnostics',
  ];
  const lookup = (object: unknown, path: string) =>
    path
      .split('.')
      .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);

  it.each([
    { format: 'json', parse: (text: string) => JSON.parse(text) as unknown, render: renderJson },
    { format: 'yaml', parse: (text: string) => parse(text) as unknown, render: renderYaml },
  ])('$format round-trips to the same report with every key present', ({ parse: read, render }) => {
    const built = report([makePod(0), makePod(1, { readyAt: null })]);
    const parsed = read(render(built));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(built)));
    for (const key of keys) expect(lookup(parsed, key), key).not.toBeUndefined();
    expect(lookup(parsed, 'pods.1.readyOrder')).toBeNull();
    expect(lookup(parsed, 'pods.2.volumes.0.claim')).toBe('data-web-2');
  });
});

describe('renderStatus', () => {
  it('reads the same without colour: no escape codes when colour is off', () => {
    const text = renderStatus(report([makePod(0, { waiting: 'CrashLoopBackOff', readyAt: null })]), {
      wide: false,
      noHeaders: false,
      color: false,
    });
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('CrashLoopBackOff');
  });

  it('colours problem states when colour is on', () => {
    const text = renderStatus(report([makePod(0, { waiting: 'CrashLoopBackOff', readyAt: null })]), {
      wide: false,
      noHeaders: false,
      color: true,
    });
    expect(text).toContain('\x1b[31mCrashLoopBackOff\x1b[0m');
  });
});

describe('renderStatus: storage being deleted', () => {
  it('shows a claim with a deletionTimestamp as Terminating, like kubectl get pvc', () => {
    const claim = makeClaim('data-web-0');
    claim.metadata!.deletionTimestamp = '2026-01-01T12:30:00Z';
    const built = buildStatusReport(
      makeSnapshot({ statefulSet: makeSet({ replicas: 1 }), pods: [makePod(0)], claims: [claim] }),
      options,
    );
    const text = renderStatus(built, { wide: false, noHeaders: true, color: false });
    expect(text).toMatch(/^web-0 .* data-web-0 +Terminating +pv-data-web-0$/m);
  });
});

describe('describeChanges: one line per change for a non-TTY watch', () => {
  const time = new Date(2026, 0, 1, 12, 0, 1);

  it('prints the set and every pod the first time', () => {
    const lines = describeChanges(undefined, report([makePod(0)]), time);
    expect(lines).toEqual([
      '12:00:01 statefulset/web ready 3/3 updated 3/3 revision current',
      '12:00:01 web-0 Running 1/1 Ready (order 1) [data-web-0 Bound]',
      '12:00:01 web-1 Missing [data-web-1 Bound]',
      '12:00:01 web-2 Missing [data-web-2 Bound]',
    ]);
  });

  it('prints only what changed afterwards', () => {
    const before = report([makePod(0), makePod(1, { readyAt: null })]);
    const after = report([makePod(0), makePod(1, { readyAt: 30 })]);
    expect(describeChanges(before, after, time)).toEqual([
      '12:00:01 web-1 Running 1/1 Ready (order 2) [data-web-1 Bound]',
    ]);
  });

  it('prints nothing when nothing changed', () => {
    expect(describeChanges(report(), report(), time)).toEqual([]);
  });
});
