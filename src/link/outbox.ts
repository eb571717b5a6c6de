/**
 * The page's messages to the relay that only the latest of counts (a
 * session's state, a call's note), held for one turn of the event loop so
 * that a call that updates them several times sends each once, and sent
 * before any other message so that the relay never sees them out of order.
 * Several held at once go in one frame. So do answers that others follow
 * closely (the page answers several requests at once under load): each
 * frame costs the browser more than the JSON in it.
 */

/**
 * Messages to one peer, some of them (`H`) held and superseded by later
 * ones, and sent together in one message when several are held.
 */
export class Outbox<T, H extends T = T> {
  /**
   * @param send - sends one message now.
   * @param combine - makes one message of several held ones (in order),
   *   at most `maxCombined` at a time.
   * @param maxCombined - most held messages in one combined message (the
   *   peer refuses more).
   * @param schedule - runs the flush later (default: the next macrotask).
   */
  constructor(
    send: (message: T) => void,
    combine: (held: H[]) => T,
    maxCombined: number,
    schedule: (flush: () => void) => void = flush => {
      setTimeout(flush, 0);
    }
  ) {
    this._send = send;
    this._combine = combine;
    this._maxCombined = Math.max(1, maxCombined);
    this._schedule = schedule;
  }

  /**
   * Send what `build` makes at the next flush, unless a later call with the
   * same `key` replaces it first. `build` runs at the flush, once.
   */
  later(key: string, build: () => H): void {
    // A replaced entry keeps its place: deletion then insertion would put
    // it after messages queued since.
    this._pending.set(key, build);
    this._scheduleFlush();
  }

  /**
   * Send `message` now, after the held ones.
   */
  now(message: T): void {
    this.flush();
    this._send(message);
  }

  /**
   * Send `message` now when it goes `alone` (nothing else is on its way
   * that could go with it); else at the end of this turn, with whatever
   * else comes by then, after the held ones, in combined messages.
   */
  soon(message: H, alone: boolean): void {
    if (alone) {
      this.now(message);
      return;
    }
    this._queued.push(message);
    this._scheduleFlush();
  }

  /**
   * Send the held messages now, then those {@link soon} queued.
   */
  flush(): void {
    const messages = [...this._pending.values()].map(build => build());
    this._pending.clear();
    messages.push(...this._queued);
    this._queued = [];
    for (let i = 0; i < messages.length; i += this._maxCombined) {
      const part = messages.slice(i, i + this._maxCombined);
      this._send(part.length === 1 ? part[0] : this._combine(part));
    }
  }

  /**
   * Drop the held messages (the peer went away).
   */
  clear(): void {
    this._pending.clear();
    this._queued = [];
  }

  /**
   * Number of messages held.
   */
  get size(): number {
    return this._pending.size + this._queued.length;
  }

  /**
   * Flush at the end of this turn (once).
   */
  private _scheduleFlush(): void {
    if (this._scheduled) {
      return;
    }
    this._scheduled = true;
    this._schedule(() => {
      this._scheduled = false;
      this.flush();
    });
  }

  private _send: (message: T) => void;
  private _combine: (held: H[]) => T;
  private _maxCombined: number;
  private _schedule: (flush: () => void) => void;
  private _scheduled = false;
  private _pending = new Map<string, () => H>();
  private _queued: H[] = [];
}
