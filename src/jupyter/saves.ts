/**
 * Saving documents after agents' edits, off the path of the tools' results:
 * one save at a time per document, when its edits pause, requests made
 * meanwhile folded into the next one, changes made during a save kept
 * marked as unsaved, and a way for whatever reads files to wait for them
 * (which starts a waiting save at once).
 */

import { Signal, type ISignal } from '@lumino/signaling';

import { isWithin } from '../core/files';
import { withTimeout } from '../core/timeout';

/**
 * What {@link SaveQueue} saves: a document context (JupyterLab's
 * `DocumentRegistry.Context` has this shape).
 */
export interface ISavable {
  readonly path: string;
  readonly isDisposed: boolean;
  readonly model: {
    dirty: boolean;
    readonly contentChanged: ISignal<unknown, unknown>;
  };
  /**
   * Every save of the document, the user's and JupyterLab's own included.
   */
  readonly saveState: ISignal<unknown, 'started' | 'completed' | 'failed'>;
  save(): Promise<void>;
}

/**
 * Background saves of documents.
 */
export class SaveQueue {
  /**
   * @param quietMs - how long a document waits, after the latest request,
   *   before its save starts: an agent's burst of edits or runs makes one
   *   save when it pauses, not one per call (each save serializes the
   *   whole notebook, and the server and the page do five requests' work
   *   for it, on the cores the kernel and the next call need).
   * @param maxDelayMs - the longest a requested save waits while requests
   *   keep coming.
   */
  constructor(
    readonly quietMs = SaveQueue.QUIET_MS,
    readonly maxDelayMs = SaveQueue.MAX_DELAY_MS
  ) {}

  /**
   * The default of {@link quietMs}.
   */
  static readonly QUIET_MS = 250;

  /**
   * The default of {@link maxDelayMs}.
   */
  static readonly MAX_DELAY_MS = 2000;

  /**
   * Save `document` soon: once no request for it came for
   * {@link quietMs}, at most {@link maxDelayMs} after the first request
   * the save takes along, or at once when something waits for the saves
   * ({@link settled}). A save already waiting to start takes this change
   * along; a save under way is followed by one more. Resolves when a save
   * that started after this request has ended: with null, or with the
   * error's message when it failed (it never rejects).
   */
  request(document: ISavable): Promise<string | null> {
    this._watch(document);
    const entry = this._entries.get(document);
    if (entry?.waiting) {
      entry.last = Date.now();
      return entry.tail;
    }
    const now = Date.now();
    const next: Private.IEntry = {
      waiting: true,
      tail: Promise.resolve(null),
      first: now,
      last: now,
      urgent: false,
      kick: null
    };
    const start = async (): Promise<string | null> => {
      await this._quiet(next);
      // Never beside another save of the document (the user's, or
      // JupyterLab's autosave): JupyterLab would take the first one's write
      // for a change on disk and ask the user about it.
      await withTimeout(
        this._others.get(document) ?? Promise.resolve(),
        Private.OTHER_SAVE_WAIT_MS
      );
      next.waiting = false;
      if (document.isDisposed) {
        return 'the document was closed before it could be saved';
      }
      // JupyterLab marks the document clean when a save ends, even when
      // the user typed while it ran: mark it unsaved again then, so that
      // closing the tab still asks before their text is lost.
      let changed = false;
      const onChange = (): void => {
        changed = true;
      };
      document.model.contentChanged.connect(onChange);
      try {
        await document.save();
        if (changed && !document.isDisposed) {
          document.model.dirty = true;
        }
        this._saved.emit(document.path);
        return null;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      } finally {
        document.model.contentChanged.disconnect(onChange);
      }
    };
    next.tail = (entry ? entry.tail : Promise.resolve(null)).then(start);
    this._entries.set(document, next);
    void next.tail.then(() => {
      if (this._entries.get(document) === next) {
        this._entries.delete(document);
      }
    });
    return next.tail;
  }

  /**
   * Resolves once no save is requested or under way for a document at
   * `path` or under it (`''`: any document).
   */
  async settled(path = ''): Promise<void> {
    for (;;) {
      const entries = [...this._entries]
        .filter(([document]) => path === '' || isWithin(document.path, path))
        .map(([, entry]) => entry);
      if (entries.length === 0) {
        return;
      }
      for (const entry of entries) {
        // Whoever waits for the file should not wait for a quiet moment.
        entry.urgent = true;
        entry.kick?.();
      }
      await Promise.all(entries.map(entry => entry.tail));
    }
  }

  /**
   * Documents with a save requested or under way.
   */
  get pending(): number {
    return this._entries.size;
  }

  /**
   * Emitted with a document's path when a save of it succeeded.
   */
  get saved(): ISignal<this, string> {
    return this._saved;
  }

  /**
   * Follow the document's saves: a save under way is in `_others` until it
   * ends.
   */
  private _watch(document: ISavable): void {
    if (this._watched.has(document)) {
      return;
    }
    this._watched.add(document);
    let end: (() => void) | null = null;
    document.saveState.connect((_, state) => {
      if (state === 'started') {
        end?.();
        this._others.set(
          document,
          new Promise<void>(resolve => (end = resolve))
        );
      } else {
        end?.();
        end = null;
        this._others.delete(document);
      }
    }, this);
  }

  /**
   * Wait until `entry`'s save is due: at least one turn of the event loop
   * (the answer of the call that asked for it goes out before the notebook
   * is serialized), then until the document is quiet, the longest delay
   * has passed, or something waits for the saves. Requests meanwhile join
   * the entry.
   */
  private _quiet(entry: Private.IEntry): Promise<void> {
    return new Promise<void>(resolve => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const due = (): number =>
        entry.urgent
          ? 0
          : Math.min(entry.last + this.quietMs, entry.first + this.maxDelayMs) -
            Date.now();
      const done = (): void => {
        clearTimeout(timer);
        entry.kick = null;
        resolve();
      };
      const check = (): void => {
        const wait = due();
        if (wait <= 0) {
          done();
        } else {
          timer = setTimeout(check, wait);
        }
      };
      entry.kick = () => {
        clearTimeout(timer);
        timer = setTimeout(done, 0);
      };
      timer = setTimeout(check, Math.max(0, due()));
    });
  }

  private _entries = new Map<ISavable, Private.IEntry>();
  private _watched = new WeakSet<ISavable>();
  private _others = new WeakMap<ISavable, Promise<void>>();
  private _saved = new Signal<this, string>(this);
}

namespace Private {
  /**
   * Longest wait for another save of a document (one the user must answer
   * a dialog about, say) before an agent's save goes ahead.
   */
  export const OTHER_SAVE_WAIT_MS = 30_000;

  /**
   * The latest save of a document: `waiting` until it starts.
   */
  export interface IEntry {
    waiting: boolean;
    tail: Promise<string | null>;
    /** When the first and the latest request it takes along came (ms). */
    first: number;
    last: number;
    /** Something waits for the saves: start at once. */
    urgent: boolean;
    /** Ends the wait for a quiet moment, while it lasts. */
    kick: (() => void) | null;
  }
}
