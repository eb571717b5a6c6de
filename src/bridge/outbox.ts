/**
 * The page's messages to the relay that only the latest of counts (a
 * session's state, a call's note), held for one turn of the event loop so
 * that a call that updates them several times sends each once, and sent
 * before any other message so that the relay never sees them out of order.
 */

/**
 * Messages to one peer, some of them superseded by later ones.
 */
export class Outbox<T> {
  /**
   * @param send - sends one message now.
   * @param schedule - runs the flush later (default: the next macrotask).
   */
  constructor(
    send: (message: T) => void,
    schedule: (flush: () => void) => void = flush => {
      setTimeout(flush, 0);
    }
  ) {
    this._send = send;
    this._schedule = schedule;
  }

  /**
   * Send what `build` makes at the next flush, unless a later call with the
   * same `key` replaces it first. `build` runs at the flush, once.
   */
  later(key: string, build: () => T): void {
    // A replaced entry keeps its place: deletion then insertion would put
    // it after messages queued since.
    this._pending.set(key, build);
    if (!this._scheduled) {
      this._scheduled = true;
      this._schedule(() => {
        this._scheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Send `message` now, after the held ones.
   */
  now(message: T): void {
    this.flush();
    this._send(message);
  }

  /**
   * Send the held messages now.
   */
  flush(): void {
    if (this._pending.size === 0) {
      return;
    }
    const builds = [...this._pending.values()];
    this._pending.clear();
    for (const build of builds) {
      this._send(build());
    }
  }

  /**
   * Drop the held messages (the peer went away).
   */
  clear(): void {
    this._pending.clear();
  }

  /**
   * Number of messages held.
   */
  get size(): number {
    return this._pending.size;
  }

  private _send: (message: T) => void;
  private _schedule: (flush: () => void) => void;
  private _scheduled = false;
  private _pending = new Map<string, () => T>();
}
