// Simulated time. Controllers schedule through the clock, so a speed factor makes a minute of
// cluster time pass in a second of test time, and a manual clock lets tests step time exactly.
import type { SimClock } from './contract.ts';

export interface ClockOptions {
  /** Simulated milliseconds per real millisecond (default 1). */
  speed?: number;
  /** Simulated time at creation (default: the real time). */
  start?: Date;
  /** When true, time moves only through advance(); timers fire during advance(). */
  manual?: boolean;
  /**
   * How timestamps reach API clients. `wall` (the default): at the moment each simulated instant
   * happened in real time, so at --speed > 1 no timestamp is ever ahead of the clients' clocks
   * (kubectl would show `<invalid>` ages; kubectl-sts would report clock skew) and durations read
   * from timestamps are real durations. `simulated`: as the controllers wrote them, for tests
   * that read the cluster with the simulated clock as theirs (time-based findings in seconds).
   */
  timestamps?: 'wall' | 'simulated';
}

const TIMESTAMP = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?Z"/g;

interface Timer {
  due: number;
  fn: () => void;
  cancelled: boolean;
  handle?: ReturnType<typeof setTimeout>;
}

export class SimulatedClock implements SimClock {
  readonly speed: number;
  readonly #manual: boolean;
  readonly #realStart: number;
  #simStart: number;
  /** The fixed correspondence of simulated and real time (advance() moves #simStart, not this). */
  readonly #anchorSim: number;
  readonly #wallTimestamps: boolean;
  #timers = new Set<Timer>();
  #stopped = false;

  constructor(options: ClockOptions = {}) {
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new Error(`clock speed must be positive, got ${options.speed}`);
    this.#manual = options.manual ?? false;
    this.#realStart = Date.now();
    this.#simStart = (options.start ?? new Date()).getTime();
    this.#anchorSim = this.#simStart;
    this.#wallTimestamps = (options.timestamps ?? 'wall') === 'wall' && !this.#manual && this.speed !== 1;
  }

  /** The real instant at which the simulated instant `date` happened (identity unless wall timestamps). */
  present(date: Date): Date {
    if (!this.#wallTimestamps) return date;
    return new Date(this.#realStart + (date.getTime() - this.#anchorSim) / this.speed);
  }

  /**
   * Rewrites every RFC 3339 timestamp of a JSON text (metav1.Time, MicroTime) as clients see it:
   * one place, on the way out of the API server, so the controllers keep simulated time.
   */
  presentJson(text: string): string {
    if (!this.#wallTimestamps) return text;
    return text.replace(TIMESTAMP, (_match, seconds: string, fraction: string | undefined) => {
      const shown = this.present(
        new Date(`${seconds}${fraction ? fraction.slice(0, 4) : ''}Z`),
      ).toISOString();
      // Keep the field's precision: seconds for Time, microseconds for MicroTime.
      return `"${fraction ? `${shown.slice(0, 19)}.${(shown.slice(20, 23) + '000000000').slice(0, fraction.length - 1)}Z` : `${shown.slice(0, 19)}Z`}"`;
    });
  }

  #nowMs(): number {
    if (this.#manual) return this.#simStart;
    return this.#simStart + (Date.now() - this.#realStart) * this.speed;
  }

  now(): Date {
    return new Date(this.#nowMs());
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer: Timer = { due: this.#nowMs() + Math.max(0, ms), fn, cancelled: false };
    if (this.#stopped) return { cancel() {} };
    this.#timers.add(timer);
    if (!this.#manual) this.#arm(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers.delete(timer);
        if (timer.handle) clearTimeout(timer.handle);
      },
    };
  }

  /** Real timers may fire a millisecond early; a timer never runs before its simulated due time. */
  #arm(timer: Timer): void {
    const wait = Math.max(0, (timer.due - this.#nowMs()) / this.speed);
    timer.handle = setTimeout(() => {
      if (timer.cancelled || this.#stopped) return;
      if (this.#nowMs() < timer.due) {
        this.#arm(timer);
        return;
      }
      this.#timers.delete(timer);
      timer.fn();
    }, Math.ceil(wait));
    timer.handle.unref?.();
  }

  /** Manual clocks: moves time forward, firing due timers in order. Real-time clocks: shifts time. */
  advance(ms: number): void {
    if (!this.#manual) {
      this.#simStart += ms;
      return;
    }
    const target = this.#simStart + ms;
    for (;;) {
      const due = [...this.#timers].filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.#timers.delete(due);
      this.#simStart = Math.max(this.#simStart, due.due);
      if (!due.cancelled) due.fn();
    }
    this.#simStart = target;
  }

  /** Cancels every pending timer; later setTimeout calls do nothing. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) {
      timer.cancelled = true;
      if (timer.handle) clearTimeout(timer.handle);
    }
    this.#timers.clear();
  }
}
