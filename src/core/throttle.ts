/**
 * At most one call per interval and key: the first of a burst goes at once,
 * the rest of the burst is folded into one call at the end of the
 * interval. Pure but for the clock and timers it is given.
 */

/**
 * The clock and timers a {@link Throttle} uses (the real ones by default).
 */
export interface IThrottleClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: IThrottleClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/**
 * Calls `fire(key)` at most once per `intervalMs` for each key.
 */
export class Throttle<Key> {
  constructor(
    private readonly _intervalMs: number,
    private readonly _fire: (key: Key) => void,
    private readonly _clock: IThrottleClock = REAL_CLOCK
  ) {}

  /**
   * Something happened for `key`: fire now, or once the interval since the
   * last firing has passed.
   */
  trigger(key: Key): void {
    if (this._timers.has(key)) {
      return;
    }
    const now = this._clock.now();
    const last = this._last.get(key);
    if (last === undefined || now - last >= this._intervalMs) {
      this._last.set(key, now);
      this._fire(key);
      return;
    }
    const handle = this._clock.setTimeout(
      () => {
        this._timers.delete(key);
        this._last.set(key, this._clock.now());
        this._fire(key);
      },
      last + this._intervalMs - now
    );
    this._timers.set(key, handle);
  }

  /**
   * Forget a key: a pending call is dropped.
   */
  cancel(key: Key): void {
    const handle = this._timers.get(key);
    if (handle !== undefined) {
      this._clock.clearTimeout(handle);
      this._timers.delete(key);
    }
    this._last.delete(key);
  }

  /**
   * Drop every pending call.
   */
  dispose(): void {
    for (const key of [...this._timers.keys()]) {
      this.cancel(key);
    }
    this._last.clear();
  }

  /**
   * How many calls are pending.
   */
  get pending(): number {
    return this._timers.size;
  }

  private _last = new Map<Key, number>();
  private _timers = new Map<Key, unknown>();
}
