// The two duration styles (src/core/duration.ts): ages as kubectl prints AGE, and measured
// durations in messages. Every layer prints durations through these two functions.
import { describe, expect, it } from 'vitest';
import { formatDuration, humanDuration } from '../../src/core/duration.ts';

describe('humanDuration: ages as kubectl prints them', () => {
  it.each([
    [-5, '<invalid>'],
    [0, '0s'],
    [45, '45s'],
    [119, '119s'],
    [120, '2m'],
    [302, '5m2s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600 + 600, '3h10m'],
    [8 * 3600, '8h'],
    [47 * 3600, '47h'],
    [4 * 86400 + 2 * 3600, '4d2h'],
    [30 * 86400, '30d'],
    [(2 * 365 + 30) * 86400, '2y30d'],
    [9 * 365 * 86400, '9y'],
  ])('%i s → %s', (seconds, want) => {
    expect(humanDuration(seconds)).toBe(want);
  });
});

describe('formatDuration: measured durations in messages', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [850.7, '850ms'],
    [1000, '1s'],
    [3_240, '3.2s'],
    [9_999, '9.9s'],
    [45_300, '45s'],
    [59_900, '59s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [125_000, '2m5s'],
    [5 * 3_600_000 + 4 * 60_000 + 59_000, '5h4m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d3h'],
    [-5_000, '-5s'],
    [Number.NaN, 'unknown'],
  ])('%s ms → %s', (ms, want) => {
    expect(formatDuration(ms)).toBe(want);
  });
});
