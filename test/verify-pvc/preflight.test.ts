import { describe, expect, it } from 'vitest';
import {
  accessChecksFor,
  claimNameFor,
  ordinalsOf,
  rolloutInProgress,
} from '../../src/flows/verify-pvc-preflight.ts';
import type { StatefulSet } from '../../src/kube/types.ts';

function set(spec: StatefulSet['spec'], status: StatefulSet['status'], generation = 1): StatefulSet {
  return { metadata: { name: 'web', generation }, spec, status };
}

describe('ordinals verify-pvc considers, highest first', () => {
  it.each([
    ['3 replicas', { replicas: 3 }, [2, 1, 0]],
    ['ordinals.start 5', { replicas: 2, ordinals: { start: 5 } }, [6, 5]],
    ['replicas unset (defaults to 1)', {}, [0]],
    ['scaled to zero', { replicas: 0 }, []],
  ])('%s', (_name, spec, expected) => {
    expect(ordinalsOf(set(spec, {}))).toEqual(expected);
  });
});

describe('a set is mid-rollout when', () => {
  const atRest = {
    observedGeneration: 2,
    updatedReplicas: 3,
    currentRevision: 'web-a',
    updateRevision: 'web-a',
  };
  it.each([
    ['at rest', atRest, 2, undefined],
    [
      'the controller lags a generation',
      { ...atRest, observedGeneration: 1 },
      2,
      /has not observed generation 2/,
    ],
    [
      'revisions differ',
      { ...atRest, updateRevision: 'web-b' },
      2,
      /currentRevision web-a differs from updateRevision web-b/,
    ],
    [
      'replicas are not all updated',
      { ...atRest, updatedReplicas: 2 },
      2,
      /only 2 of 3 replicas are updated/,
    ],
    ['status is empty', {}, 2, /has not observed generation 2/],
  ])('%s', (_name, status, generation, expected) => {
    const reason = rolloutInProgress(set({ replicas: 3 }, status, generation));
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe('names and permissions', () => {
  it('names claims the way the StatefulSet controller does', () => {
    expect(claimNameFor('data', 'todo-db', 1)).toBe('data-todo-db-1');
  });

  it.each([
    [false, 'create pods/eviction'],
    [true, 'delete pods'],
  ])(
    'with --force-delete=%s asks for %s besides reading pods, exec and reading and annotating claims',
    (force, removal) => {
      const checks = accessChecksFor('ns', force).map(
        (c) => `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`,
      );
      expect(checks).toEqual([
        'get pods',
        'list pods',
        'watch pods',
        'create pods/exec',
        removal,
        'get persistentvolumeclaims',
        'patch persistentvolumeclaims',
      ]);
      expect(accessChecksFor('ns', force).every((c) => c.namespace === 'ns')).toBe(true);
    },
  );
});
