import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ExitCode, StsError } from '../../src/cli/errors.ts';
import {
  groupObjects,
  parseDump,
  readDump,
  snapshotFromDump,
  snapshotsFromDump,
  type OfflineDump,
} from '../../src/collect/offline.ts';
import { diagnose } from '../../src/report/diagnostics/index.ts';
import { THIRD_PARTY_FIXTURES } from '../helpers/fixtures.ts';

const HANDWRITTEN = new URL('./fixtures/handwritten-dump.yaml', import.meta.url).pathname;
const K9S = join(THIRD_PARTY_FIXTURES, 'live-objects/k9s/');

let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kubectl-sts-offline-'));
});
afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

function codesOf(dump: OfflineDump, name: string): string[] {
  return diagnose(snapshotFromDump(dump, name)).map((d) => d.code);
}

// data-db-3 is kept by whenScaled: Retain after a scale-down: the report lists it, no finding.
const EXPECTED_DB_CODES = [
  'ServiceNotHeadless',
  'OrderedReadyBlocked',
  'ForcedRollbackTrap',
  'VolumeReleased',
  'RollingUpdateInProgress',
];

describe('offline analysis of a hand-written dump', () => {
  it('finds the forced-rollback trap with the exact delete command, and the other problems', async () => {
    const dump = await readDump(HANDWRITTEN);
    const findings = diagnose(snapshotFromDump(dump, 'db'));
    expect(findings.map((d) => d.code)).toEqual(EXPECTED_DB_CODES);
    const trap = findings.find((d) => d.code === 'ForcedRollbackTrap')!;
    expect(trap.ordinals).toEqual([1]);
    expect(trap.advice).toContain('`kubectl delete pod db-1 -n shop`');
    expect(trap.evidence.join('\n')).toContain('BackOff on pod/db-1 (x212, last seen 0s ago)');
    const blocked = findings.find((d) => d.code === 'OrderedReadyBlocked')!;
    expect(blocked.ordinals).toEqual([1, 2]);
  });

  it('reads the dump at the moment it was taken (its newest timestamp), not at the wall clock', async () => {
    const snapshot = snapshotFromDump(await readDump(HANDWRITTEN), 'db');
    expect(snapshot.now.toISOString()).toBe('2026-03-02T11:00:00.000Z');
  });

  it('marks kinds absent from the dump as unreadable so no finding rests on them', async () => {
    const snapshot = snapshotFromDump(await readDump(HANDWRITTEN), 'db');
    expect(snapshot.unreadable.map((u) => u.resource).sort()).toEqual([
      'endpointslices',
      'nodes',
      'storageclasses',
    ]);
    expect(snapshot.unreadable.every((u) => u.reason === 'offline')).toBe(true);
    expect(snapshot.unreadable.map((u) => u.message)).toContain(
      'endpointslices of namespace shop are not in the dump: DNS publication not checked',
    );
  });

  it('reports nothing for the healthy set in the same dump', async () => {
    expect(codesOf(await readDump(HANDWRITTEN), 'cache')).toEqual([]);
  });

  it('gives the same findings from JSON, multi-document YAML and a directory of files', async () => {
    const objects = parseDump(await readFile(HANDWRITTEN, 'utf8'), HANDWRITTEN);
    const jsonFile = join(workdir, 'dump.json');
    await writeFile(jsonFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2));
    const multiFile = join(workdir, 'multi.yaml');
    await writeFile(multiFile, objects.map((o) => stringify(o)).join('---\n'));
    const directory = join(workdir, 'dir');
    await mkdir(join(directory, 'nested'), { recursive: true });
    await writeFile(
      join(directory, 'sets.yaml'),
      stringify({ kind: 'List', items: objects.filter((o) => o.kind === 'StatefulSet') }),
    );
    await writeFile(
      join(directory, 'nested', 'rest.json'),
      JSON.stringify({ kind: 'List', items: objects.filter((o) => o.kind !== 'StatefulSet') }),
    );
    await writeFile(join(directory, 'README.txt'), 'not a dump');
    for (const path of [jsonFile, multiFile, directory]) {
      expect(codesOf(await readDump(path), 'db'), path).toEqual(EXPECTED_DB_CODES);
    }
  });

  it('lists every set with findings for --problems', async () => {
    const dump = await readDump(HANDWRITTEN);
    const withProblems = snapshotsFromDump(dump)
      .filter((s) => diagnose(s).length > 0)
      .map((s) => s.statefulSet.metadata?.name);
    expect(withProblems).toEqual(['db']);
  });
});

describe('offline analysis of a dump real kubectl wrote from the simulator', () => {
  // Regenerate: UPDATE_SIM_DUMP=1 vitest run test/diagnostics/sim-scenarios.test.ts -t forced-rollback
  const SIM_DUMP = new URL('./fixtures/sim-forced-rollback-dump.yaml', import.meta.url).pathname;

  it('finds the forced-rollback trap on web-2 with the exact command, from the dump alone', async () => {
    const findings = diagnose(snapshotFromDump(await readDump(SIM_DUMP), 'web', { namespace: 'diag' }));
    const trap = findings.find((d) => d.code === 'ForcedRollbackTrap');
    expect(trap?.ordinals).toEqual([2]);
    expect(trap?.advice).toContain('`kubectl delete pod web-2 -n diag`');
    expect(trap?.evidence.join('\n')).toMatch(/ImagePullBackOff/);
  });

  it('reads volumes and endpoint slices from the dump, and marks storage classes and nodes unreadable', async () => {
    const snapshot = snapshotFromDump(await readDump(SIM_DUMP), 'web');
    expect(snapshot.volumes.size).toBe(3);
    expect(snapshot.endpointSlices.length).toBe(1);
    expect(snapshot.unreadable.map((u) => u.resource).sort()).toEqual(['nodes', 'storageclasses']);
  });
});

describe('offline: a kind the dump does not hold is unknown, not none', () => {
  const set = (name: string, namespace: string, ready = 3) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace, generation: 2, creationTimestamp: '2026-03-01T10:00:00Z' },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } },
      ],
    },
    status: {
      observedGeneration: 2,
      replicas: 3,
      readyReplicas: ready,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: `${name}-abc`,
      updateRevision: `${name}-abc`,
    },
  });

  it('a dump of StatefulSets only agrees with their status: no "has not been created", no Missing claims', () => {
    const dump = groupObjects(parseDump(stringify({ kind: 'List', items: [set('web', 'default')] }), 'x'), [
      'x',
    ]);
    const snapshot = snapshotFromDump(dump, 'web');
    expect(diagnose(snapshot)).toEqual([]);
    expect(snapshot.unreadable.map((u) => u.resource)).toEqual(
      expect.arrayContaining(['pods', 'persistentvolumeclaims', 'services', 'events']),
    );
  });

  it('presence is per namespace: Services of another namespace say nothing about this one', () => {
    const other = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'other' },
      spec: {},
    };
    const dump = groupObjects(
      parseDump(stringify({ kind: 'List', items: [set('web', 'default'), other] }), 'x'),
      ['x'],
    );
    const codes = diagnose(snapshotFromDump(dump, 'web')).map((d) => d.code);
    expect(codes).not.toContain('ServiceMissing');
    // A Service of the same namespace, not the governing one: now its absence is known.
    const neighbour = { ...other, metadata: { name: 'api', namespace: 'default' } };
    const known = groupObjects(
      parseDump(stringify({ kind: 'List', items: [set('web', 'default'), neighbour] }), 'x'),
      ['x'],
    );
    expect(diagnose(snapshotFromDump(known, 'web')).map((d) => d.code)).toContain('ServiceMissing');
  });

  it("pods of the namespace but none of the set's while its status counts some: its pods are unknown", () => {
    const other = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api-7d9f', namespace: 'default', labels: { app: 'api' } },
      status: { phase: 'Running' },
    };
    const dump = groupObjects(
      parseDump(stringify({ kind: 'List', items: [set('web', 'default'), other] }), 'x'),
      ['x'],
    );
    const snapshot = snapshotFromDump(dump, 'web');
    expect(snapshot.unreadable.find((u) => u.resource === 'pods')?.why).toBe(
      "none of web's pods are in the dump although its status counts 3: they were not captured, so its pods are unknown",
    );
    expect(diagnose(snapshot).map((d) => d.code)).not.toContain('OrderedReadyBlocked');
  });

  it('accepts duplicate YAML keys as kubectl does: the last one wins', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata:',
      '  name: web',
      '  name: db',
      '  namespace: default',
      'spec:',
      '  replicas: 1',
      '  replicas: 2',
    ].join('\n');
    const [object] = parseDump(text, 'dup.yaml') as {
      metadata: { name: string };
      spec: { replicas: number };
    }[];
    expect([object!.metadata.name, object!.spec.replicas]).toEqual(['db', 2]);
  });

  it('a support bundle: per-namespace files, error files skipped with a note, empty typed lists known empty', async () => {
    const root = join(workdir, 'bundle', 'cluster-resources');
    await mkdir(join(root, 'statefulsets'), { recursive: true });
    await mkdir(join(root, 'pods'), { recursive: true });
    await writeFile(
      join(root, 'statefulsets', 'shop.json'),
      JSON.stringify({ kind: 'StatefulSetList', apiVersion: 'apps/v1', items: [set('db', 'shop', 1)] }),
    );
    // Read and empty: the pods of shop are known to be none.
    await writeFile(
      join(root, 'pods', 'shop.json'),
      JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [] }),
    );
    await writeFile(
      join(root, 'pvcs-errors.json'),
      JSON.stringify([
        'persistentvolumeclaims is forbidden: User "support" cannot list resource "persistentvolumeclaims" in API group "" in the namespace "shop"',
      ]),
    );
    const dump = await readDump(join(workdir, 'bundle'));
    expect(dump.skipped).toEqual([
      {
        file: join(root, 'pvcs-errors.json'),
        reason: expect.stringMatching(
          /^not Kubernetes objects: the collector's errors, e\.g\. "persistentvolumeclaims is forbidden/,
        ),
      },
    ]);
    const snapshot = snapshotFromDump(dump, 'db');
    const resources = snapshot.unreadable.map((u) => u.resource);
    expect(resources).not.toContain('pods');
    expect(resources).toContain('persistentvolumeclaims');
    expect(snapshot.source).toMatchObject({
      kind: 'offline',
      path: join(workdir, 'bundle'),
      asOf: '2026-03-01T10:00:00Z',
    });
    // Pods known to be none: the controller has not created db-0, which is concluded.
    const blocked = diagnose(snapshot).find((d) => d.code === 'OrderedReadyBlocked');
    expect(blocked?.message).toContain('db-0 has not been created');
  });
});

describe('dump parsing', () => {
  it('gives typed-list items their kind back (raw API PodList)', () => {
    const objects = parseDump(
      JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'a' } }] }),
      'x',
    );
    expect(objects).toEqual([{ kind: 'Pod', metadata: { name: 'a' } }]);
  });

  it('reads events.k8s.io/v1 events as core events', () => {
    const dump = groupObjects(
      parseDump(
        stringify({
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'e', namespace: 'shop' },
          regarding: { kind: 'Pod', name: 'db-1', namespace: 'shop' },
          note: 'Back-off restarting failed container',
          reason: 'BackOff',
          type: 'Warning',
          series: { count: 4, lastObservedTime: '2026-03-02T10:00:00Z' },
        }),
        'x',
      ),
      ['x'],
    );
    expect(dump.events[0]).toMatchObject({
      involvedObject: { kind: 'Pod', name: 'db-1' },
      message: 'Back-off restarting failed container',
      count: 4,
      lastTimestamp: '2026-03-02T10:00:00Z',
    });
  });

  it('copes with real-world object dumps (k9s fixtures) and reads them offline', async () => {
    const dump = await readDump(K9S);
    expect(dump.statefulSets.map((s) => s.metadata?.name)).toEqual(['nginx-sts']);
    const snapshot = snapshotFromDump(dump, 'nginx-sts', { namespace: 'default' });
    expect(snapshot.claims.map((c) => c.metadata?.name)).toContain('www-nginx-sts-0');
    expect(() => diagnose(snapshot)).not.toThrow();
  });

  it.each([
    {
      name: 'a missing file',
      run: () => readDump(join(tmpdir(), 'kubectl-sts-no-such-dump.yaml')),
      exitCode: ExitCode.USAGE,
      message: /cannot read dump .*no such file/,
    },
    {
      name: 'a file that is not YAML',
      run: async () => {
        const file = join(workdir, 'broken.yaml');
        await writeFile(file, 'items: [unclosed\n  - : :');
        return readDump(file);
      },
      exitCode: ExitCode.USAGE,
      // The parser's reason and position, without the colon that introduces its excerpt.
      message: /is not valid YAML or JSON: .+ at line \d+, column \d+$/,
    },
    {
      name: 'a set that is not in the dump',
      run: async () => snapshotFromDump(await readDump(HANDWRITTEN), 'nope'),
      exitCode: ExitCode.NOT_FOUND,
      message: /statefulset "nope" not found in the dump/,
      hint: /the dump holds: shop\/cache, shop\/db/,
    },
  ])('refuses $name with one clear error', async ({ run, exitCode, message, hint }) => {
    const error = await Promise.resolve()
      .then((): Promise<unknown> => run())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(StsError);
    expect((error as StsError).exitCode).toBe(exitCode);
    expect((error as StsError).message).toMatch(message);
    if (hint) expect((error as StsError).hint).toMatch(hint);
  });
});
