// The three patch types, with the strategic-merge directives kubectl sends.
import { describe, expect, it } from 'vitest';
import type { Json } from '../sim/server/json.ts';
import { applyJsonPatch, applyMergePatch, applyPatch, applyStrategicPatch } from '../sim/server/patch.ts';

const podSpec = (): Json => ({
  containers: [
    {
      name: 'app',
      image: 'app:1',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      ports: [{ containerPort: 80, name: 'http' }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    },
    { name: 'sidecar', image: 'side:1' },
  ],
  volumes: [{ name: 'data', emptyDir: {} }],
});

describe('strategic merge patch', () => {
  it.each<[string, Json, (result: Json) => unknown, unknown]>([
    [
      'merges containers by name',
      { containers: [{ name: 'sidecar', image: 'side:2' }] },
      (r) => r.containers.map((c: Json) => `${c.name}=${c.image}`),
      ['app=app:1', 'sidecar=side:2'],
    ],
    [
      'merges env by name inside a container',
      {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
          },
        ],
      },
      (r) => r.containers[0].env,
      [
        { name: 'A', value: '1' },
        { name: 'B', value: '3' },
        { name: 'C', value: '4' },
      ],
    ],
    [
      'deletes a list item with $patch: delete',
      { containers: [{ name: 'sidecar', $patch: 'delete' }] },
      (r) => r.containers.map((c: Json) => c.name),
      ['app'],
    ],
    [
      'replaces a list with $patch: replace',
      { volumes: [{ $patch: 'replace' }, { name: 'other', emptyDir: {} }] },
      (r) => r.volumes,
      [{ name: 'other', emptyDir: {} }],
    ],
    [
      'orders a merged list with $setElementOrder',
      {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
        containers: [{ name: 'app', image: 'app:2' }],
      },
      (r) => r.containers.map((c: Json) => c.name),
      ['sidecar', 'app'],
    ],
    [
      'merges container ports by containerPort',
      { containers: [{ name: 'app', ports: [{ containerPort: 443, name: 'https' }] }] },
      (r) => r.containers[0].ports.map((p: Json) => p.containerPort),
      [80, 443],
    ],
    [
      'merges volumeMounts by mountPath',
      { containers: [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] }] },
      (r) => r.containers[0].volumeMounts,
      [{ name: 'data', mountPath: '/data', readOnly: true }],
    ],
    ['removes a key set to null', { volumes: null }, (r) => 'volumes' in r, false],
  ])('%s', (_name, patch, select, expected) => {
    expect(select(applyStrategicPatch(podSpec(), patch) as Json)).toEqual(expected);
  });

  it('keeps only the listed keys with $retainKeys', () => {
    const result = applyStrategicPatch(
      { strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
      { strategy: { $retainKeys: ['type'], type: 'OnDelete' } },
    );
    expect(result).toEqual({ strategy: { type: 'OnDelete' } });
  });

  it('removes finalizers with $deleteFromPrimitiveList and merges new ones as a set', () => {
    const result = applyStrategicPatch(
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c', 'b'] } },
    ) as Json;
    expect(result.metadata.finalizers).toEqual(['b', 'c']);
  });

  it('merges Service ports by port', () => {
    const result = applyStrategicPatch(
      { ports: [{ port: 80, name: 'http' }] },
      { ports: [{ port: 80, targetPort: 8080 }] },
    ) as Json;
    expect(result.ports).toEqual([{ port: 80, name: 'http', targetPort: 8080 }]);
  });

  it('replaces lists without a merge key (args)', () => {
    const result = applyStrategicPatch({ args: ['a', 'b'] }, { args: ['c'] }) as Json;
    expect(result.args).toEqual(['c']);
  });
});

describe('JSON merge patch', () => {
  it('merges maps, replaces lists and deletes nulls', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({
      a: { b: 1, d: 3 },
      l: [3],
    });
  });
});

describe('JSON patch', () => {
  it.each<[string, Json[], unknown]>([
    ['adds', [{ op: 'add', path: '/spec/replicas', value: 3 }], { spec: { replicas: 3, list: ['a'] } }],
    ['appends with -', [{ op: 'add', path: '/spec/list/-', value: 'b' }], { spec: { list: ['a', 'b'] } }],
    ['replaces', [{ op: 'replace', path: '/spec/list/0', value: 'z' }], { spec: { list: ['z'] } }],
    ['removes', [{ op: 'remove', path: '/spec/list' }], { spec: {} }],
    [
      'copies',
      [{ op: 'copy', from: '/spec/list', path: '/spec/copy' }],
      { spec: { list: ['a'], copy: ['a'] } },
    ],
  ])('%s', (_name, ops, expected) => {
    expect(applyJsonPatch({ spec: { list: ['a'] } }, ops)).toEqual(expected);
  });

  it('fails a test operation that does not hold', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
  });
});

it('rejects an unknown patch content type with 415', () => {
  expect(() => applyPatch('application/yaml', {}, {})).toThrow(expect.objectContaining({ code: 415 }));
});
