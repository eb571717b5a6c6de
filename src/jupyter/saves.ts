/**
 * Saving documents after agents' edits, off the path of the tools' results:
 * one save at a time per document, requests made meanwhile folded into the
 * next one, changes made during a save kept marked as unsaved, and a way for
 * whatever reads files to wait for them.
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
   * @param minIntervalMs - least time between the starts of two saves of a
   *   document: an agent's burst of edits or runs makes a few saves, not
   *   one per call (each save serializes the notebook, and the page
   *   refreshes what shows the file).
   */
  constructor(readonly minIntervalMs = SaveQueue.MIN_INTERVAL_MS) {}

  /**
   * The default of {@link minIntervalMs}.
   */
  static readonly MIN_INTERVAL_MS = 250;

  /**
   * Save `document` soon (at once, or {@link minIntervalMs} after the
   * previous save of it started). A save already waiting to start takes
   * this change along; a save under way is followed by one more. Resolves
   * when a
   * save that started after this request has ended: with null, or with the
   * error's message when it failed (it never rejects).
   */
  request(document: ISavable): Promise<string | null> {
    this._watch(document);
    const entry = this._entries.get(document);
    if (entry?.waiting) {
      return entry.tail;
    }
    const next: Private.IEntry = {
      waiting: true,
      tail: Promise.resolve(null)
    };
    const start = async (): Promise<string | null> => {
      const wait =
        (this._lastStart.get(document) ?? -Infinity) +
        this.minIntervalMs -
        Date.now();
      // At least one turn of the event loop: the answer of the call that
      // asked for the save goes out before the notebook is serialized.
      // Still waiting: requests meanwhile join this save.
      await new Promise(resolve => setTimeout(resolve, Math.max(0, wait)));
      // Never beside another save of the document (the user's, or
      // JupyterLab's autosave): JupyterLab would take the first one's write
      // for a change on disk and ask the user about it.
      await withTimeout(
        this._others.get(document) ?? Promise.resolve(),
        Private.OTHER_SAVE_WAIT_MS
      );
      next.waiting = false;
      this._lastStart.set(document, Date.now());
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
      const tails = [...this._entries]
        .filter(([document]) => path === '' || isWithin(document.path, path))
        .map(([, entry]) => entry.tail);
      if (tails.length === 0) {
        return;
      }
      await Promise.all(tails);
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

  private _entries = new Map<ISavable, Private.IEntry>();
  private _watched = new WeakSet<ISavable>();
  private _others = new WeakMap<ISavable, Promise<void>>();
  private _lastStart = new WeakMap<ISavable, number>();
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
  }
}
