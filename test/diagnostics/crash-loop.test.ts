// A crash-looping container between back-offs: running for a moment, or just exited. The
// simulator scenario (sim-scenarios-2) reads it live; these cases pin the boundaries.
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/kube/types.ts';
import { failureOf } from '../../src/report/diagnostics/facts.ts';

const now = new Date('2026-11-24T02:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

type Status = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

function podWith(status: Partial<Status>): Pod {
  return {
    metadata: { name: 'web-0' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: secondsAgo(1) }],
      containerStatuses: [
        { name: 'app', image: 'app:1', imageID: '', ready: true, restartCount: 0, ...status },
      ],
    },
  };
}

describe('failureOf: crash loops between back-offs', () => {
  it.each([
    {
      behaviour: 'running again after 2 restarts, last exit 1: crash looping',
      status: {
        restartCount: 2,
        state: { running: { startedAt: secondsAgo(1) } },
        lastState: { terminated: { exitCode: 1 } },
      },
      failing:
        'container app is crash looping (2 restarts, last exit code 1); between back-offs it runs only briefly',
    },
    {
      behaviour: 'just exited with 137 after 3 restarts: crash looping',
      status: { restartCount: 3, state: { terminated: { exitCode: 137 } } },
      failing:
        'container app is crash looping (3 restarts, last exit code 137); between back-offs it runs only briefly',
    },
    {
      behaviour: 'one restart (a single OOM kill) is not a loop',
      status: {
        restartCount: 1,
        state: { running: { startedAt: secondsAgo(1) } },
        lastState: { terminated: { exitCode: 137 } },
      },
      failing: undefined,
    },
    {
      behaviour: 'restarts that exited cleanly are not a crash',
      status: {
        restartCount: 4,
        state: { running: { startedAt: secondsAgo(1) } },
        lastState: { terminated: { exitCode: 0 } },
      },
      failing: undefined,
    },
    {
      behaviour: 'running for less than the back-off it last waited: still in the loop',
      status: {
        restartCount: 6,
        state: { running: { startedAt: secondsAgo(100) } },
        lastState: { terminated: { exitCode: 1, finishedAt: secondsAgo(260) } },
      },
      failing:
        'container app is crash looping (6 restarts, last exit code 1); between back-offs it runs only briefly',
    },
    {
      behaviour: 'running longer than the back-off it last waited (recovered by itself): out of the loop',
      status: {
        restartCount: 3,
        state: { running: { startedAt: secondsAgo(30) } },
        lastState: { terminated: { exitCode: 1, finishedAt: secondsAgo(50) } },
      },
      failing: undefined,
    },
    {
      behaviour: 'running longer than the longest back-off since the last crash: out of the loop',
      status: {
        restartCount: 9,
        state: { running: { startedAt: secondsAgo(301) } },
        lastState: { terminated: { exitCode: 1 } },
      },
      failing: undefined,
    },
  ])('$behaviour', ({ status, failing }) => {
    expect(failureOf(podWith(status as Partial<Status>), now)).toBe(failing);
  });
});
