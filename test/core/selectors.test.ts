// Selectors as the API server reads them: the good and bad strings of apimachinery's own tests
// (labels/selector_test.go, fields/selector_test.go), and matching for dumps read offline.
import { describe, expect, it } from 'vitest';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/core/selectors.ts';

describe('label selectors', () => {
  it.each([
    'x=a,y=b,z=c',
    '',
    'x!=a,y=b',
    'x=',
    'x= ',
    'x=,z= ',
    'x= ,z= ',
    '!x',
    'x>1',
    'x>1,z<5',
    'x in (a,b,c)',
    'x in (a,b),y notin (c,d)',
    'app.kubernetes.io/name=db',
    'tier in ()',
    'x==a',
  ])('accepts %j', (selector) => {
    expect(() => parseLabelSelector(selector)).not.toThrow();
  });

  it.each([
    'x=a||y=b',
    'x==a==b',
    '!x=a',
    'x<a',
    'x in a',
    'x in (a',
    'x in (a,b',
    'x=(a,b)',
    'x,,y',
    '=x',
    'a b',
    '-bad=x',
    'x=-bad-',
    `x=${'v'.repeat(64)}`,
    'Bad_Prefix/x=y',
  ])('refuses %j with a reason', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(/invalid label (selector|key|value)/);
  });

  it.each([
    ['tier=data', { tier: 'data' }, true],
    ['tier=data', { tier: 'cache' }, false],
    ['tier!=data', {}, true],
    ['tier in (data,cache)', { tier: 'cache' }, true],
    ['tier notin (data,cache)', { tier: 'web' }, true],
    ['tier notin (data)', {}, true],
    ['tier', {}, false],
    ['!tier', {}, true],
    ['gen>3', { gen: '4' }, true],
    ['gen>3', { gen: 'x' }, false],
    ['gen<3', { gen: '4' }, false],
    ['a=1,b=2', { a: '1', b: '2' }, true],
    ['a=1,b=2', { a: '1' }, false],
    ['', {}, true],
  ] as const)('%j on %j: %s', (selector, labels, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });
});

describe('field selectors', () => {
  it.each(['x=a,y=b,z=c', '', 'x!=a,y=b', 'metadata.name==web'])('accepts %j', (selector) => {
    expect(() => parseFieldSelector(selector)).not.toThrow();
  });

  it.each(['x', 'metadata.name'])('refuses %j as the API server does', (selector) => {
    expect(() => parseFieldSelector(selector)).toThrow(
      `invalid selector: '${selector}'; can't understand '${selector}'`,
    );
  });

  it('matches a StatefulSet by name and namespace, and refuses other fields', () => {
    const fields = { 'metadata.name': 'web', 'metadata.namespace': 'shop' };
    expect(matchesFieldSelector(parseFieldSelector('metadata.name=web'), fields)).toBe(true);
    expect(matchesFieldSelector(parseFieldSelector('metadata.namespace!=shop'), fields)).toBe(false);
    expect(() => matchesFieldSelector(parseFieldSelector('spec.replicas=1'), fields)).toThrow(
      'field label not supported: spec.replicas',
    );
  });
});
