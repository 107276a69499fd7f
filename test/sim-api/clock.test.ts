// Simulated time: a manual clock steps exactly; a fast clock runs timers early in real time.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../sim/clock.ts';

const START = new Date('2026-01-01T00:00:00Z');

describe('manual clock', () => {
  it('fires due timers in time order as it advances, and not before', () => {
    const clock = new SimulatedClock({ manual: true, start: START });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now().toISOString()}`), 2_000);
    clock.setTimeout(() => fired.push(`a@${clock.now().toISOString()}`), 1_000);
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1_001);
    expect(fired).toEqual(['a@2026-01-01T00:00:01.000Z', 'b@2026-01-01T00:00:02.000Z']);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:02.000Z');
  });

  it('runs timers scheduled by timers within the same advance', () => {
    const clock = new SimulatedClock({ manual: true, start: START });
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(1);
      clock.setTimeout(() => fired.push(2), 500);
    }, 500);
    clock.advance(1_000);
    expect(fired).toEqual([1, 2]);
  });

  it('does not fire cancelled timers, nor any after stop()', () => {
    const clock = new SimulatedClock({ manual: true, start: START });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('cancelled'), 10).cancel();
    clock.setTimeout(() => fired.push('stopped'), 10);
    clock.stop();
    clock.setTimeout(() => fired.push('late'), 10);
    clock.advance(100);
    expect(fired).toEqual([]);
  });
});

describe('real-time clock', () => {
  it('runs a simulated minute in a fraction of a second at speed 1000', async () => {
    const clock = new SimulatedClock({ speed: 1000, start: START });
    const at = await new Promise<Date>((resolve) => clock.setTimeout(() => resolve(clock.now()), 60_000));
    expect(at.getTime() - START.getTime()).toBeGreaterThanOrEqual(60_000);
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new SimulatedClock({ speed: 0 })).toThrow('clock speed must be positive');
  });
});

describe('timestamps at speed > 1', () => {
  it('are served at the real moment each simulated instant happened: never ahead of the wall clock', async () => {
    const clock = new SimulatedClock({ speed: 50 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const simulated = clock.now();
    const wall = Date.now();
    // Two simulated seconds have passed in 40 real milliseconds.
    expect(simulated.getTime() - wall).toBeGreaterThan(1_000);
    const shown = clock.present(simulated).getTime();
    expect(shown).toBeLessThanOrEqual(Date.now());
    expect(wall - shown).toBeLessThan(50);
  });

  it("rewrites every timestamp of a JSON text, keeping each field's precision", () => {
    const clock = new SimulatedClock({ speed: 10 });
    const later = new Date(clock.now().getTime() + 100_000);
    const text = JSON.stringify({
      creationTimestamp: later.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventTime: later.toISOString().replace('Z', '000Z'),
      message: 'not a timestamp: 2026',
    });
    const shown = JSON.parse(clock.presentJson(text)) as Record<string, string>;
    expect(shown.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(shown.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // 100 simulated seconds are 10 real ones.
    expect(Date.parse(shown.creationTimestamp!) - clock.present(clock.now()).getTime()).toBeGreaterThan(
      8_000,
    );
    expect(Date.parse(shown.creationTimestamp!) - clock.present(clock.now()).getTime()).toBeLessThan(11_000);
    expect(shown.message).toBe('not a timestamp: 2026');
  });

  it('are served as simulated when asked (tests that read the cluster on the simulated clock)', () => {
    const clock = new SimulatedClock({ speed: 10, timestamps: 'simulated' });
    const text = '{"t":"2026-01-01T00:00:00Z"}';
    expect(clock.presentJson(text)).toBe(text);
  });
});
