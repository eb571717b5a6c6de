/**
 * The queue of calls waiting for the user's approval: one question at a
 * time, never stacked, each with a deadline. Pure (no DOM): the question is
 * asked through an injected `ask` function.
 */

/**
 * The user's answer, or why there is none.
 */
export type ApprovalAnswer =
  'once' | 'session' | 'deny' | 'timeout' | 'cancelled';

/**
 * A question being shown; `close` withdraws it (timeout, cancellation).
 */
export interface IApprovalQuestion {
  answer: Promise<ApprovalAnswer>;
  close(): void;
}

/**
 * Shows one question; `deadline` is when it times out (ms since the epoch).
 */
export type AskFunction<T> = (item: T, deadline: number) => IApprovalQuestion;

/**
 * An entry of the queue, as observers see it.
 */
export interface IPendingItem<T> {
  readonly item: T;
  /**
   * When it was queued (ms since the epoch).
   */
  readonly queuedAt: number;
  /**
   * Whether its question is the one shown.
   */
  readonly shown: boolean;
}

/**
 * Options of one request.
 */
export interface IRequestOptions {
  /**
   * How long the question waits for an answer once shown.
   */
  timeoutMs: number;
  /**
   * Aborting withdraws the request (answer `cancelled`).
   */
  signal?: AbortSignal;
}

/**
 * Asks the user about one call at a time, first come first served.
 */
export class ApprovalQueue<T> {
  constructor(options: ApprovalQueue.IOptions<T>) {
    this._ask = options.ask;
    this._precheck = options.precheck ?? (() => null);
    this._onChange = options.onChange ?? (() => undefined);
    this._now = options.now ?? Date.now;
  }

  /**
   * The requests waiting, oldest first (the first one is shown).
   */
  get pending(): IPendingItem<T>[] {
    return this._entries.map(entry => ({
      item: entry.item,
      queuedAt: entry.queuedAt,
      shown: entry === this._current
    }));
  }

  /**
   * Ask about `item` once the questions before it are answered. Resolves
   * with the answer; never rejects.
   */
  request(item: T, options: IRequestOptions): Promise<ApprovalAnswer> {
    if (options.signal?.aborted) {
      return Promise.resolve('cancelled');
    }
    return new Promise(resolve => {
      const entry: Private.IEntry<T> = {
        item,
        queuedAt: this._now(),
        timeoutMs: options.timeoutMs,
        resolve,
        question: null,
        timer: null,
        detach: () => undefined
      };
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this._settle(entry, 'cancelled');
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this._entries.push(entry);
      this._onChange();
      this._next();
    });
  }

  /**
   * Withdraw every request for which `predicate` holds (answer
   * `cancelled`), e.g. those of a session that ended.
   */
  cancelWhere(predicate: (item: T) => boolean): void {
    for (const entry of [...this._entries]) {
      if (predicate(entry.item)) {
        this._settle(entry, 'cancelled');
      }
    }
  }

  private _next(): void {
    while (!this._current && this._entries.length) {
      const entry = this._entries[0];
      const early = this._precheck(entry.item);
      if (early) {
        this._settle(entry, early);
        continue;
      }
      this._current = entry;
      const deadline = this._now() + entry.timeoutMs;
      entry.question = this._ask(entry.item, deadline);
      entry.timer = setTimeout(
        () => this._settle(entry, 'timeout'),
        entry.timeoutMs
      );
      entry.question.answer.then(
        answer => this._settle(entry, answer),
        () => this._settle(entry, 'deny')
      );
      this._onChange();
    }
  }

  private _settle(entry: Private.IEntry<T>, answer: ApprovalAnswer): void {
    const index = this._entries.indexOf(entry);
    if (index < 0) {
      return;
    }
    this._entries.splice(index, 1);
    if (entry.timer !== null) {
      clearTimeout(entry.timer);
    }
    entry.detach();
    if (this._current === entry) {
      this._current = null;
      entry.question?.close();
    }
    entry.resolve(answer);
    this._onChange();
    this._next();
  }

  private _ask: AskFunction<T>;
  private _precheck: (item: T) => ApprovalAnswer | null;
  private _onChange: () => void;
  private _now: () => number;
  private _entries: Private.IEntry<T>[] = [];
  private _current: Private.IEntry<T> | null = null;
}

/**
 * A namespace for ApprovalQueue statics.
 */
export namespace ApprovalQueue {
  /**
   * Constructor options.
   */
  export interface IOptions<T> {
    /**
     * Show a question.
     */
    ask: AskFunction<T>;
    /**
     * Answer a request without asking when it reaches the front (e.g. the
     * user allowed that tool for the session meanwhile); null asks.
     */
    precheck?: (item: T) => ApprovalAnswer | null;
    /**
     * Called whenever the pending list changes.
     */
    onChange?: () => void;
    /**
     * The clock (tests).
     */
    now?: () => number;
  }
}

namespace Private {
  export interface IEntry<T> {
    item: T;
    queuedAt: number;
    timeoutMs: number;
    resolve: (answer: ApprovalAnswer) => void;
    question: IApprovalQuestion | null;
    timer: ReturnType<typeof setTimeout> | null;
    detach: () => void;
  }
}
