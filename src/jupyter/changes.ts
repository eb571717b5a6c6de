/**
 * Watching the open notebooks of the page: every change of their cells
 * (whoever made it: the user, an agent, JupyterLab, a run) goes into the
 * notebook's change log and out to subscribers, with the MCP session that
 * made it when an agent's tool did.
 *
 * Agents' edits are told apart from the user's by a synchronous scope:
 * a tool makes its edit inside {@link NotebookChanges.asAgent} (the shared
 * model's signals fire before the edit returns, so nothing the user types
 * can fall inside). The outputs of a run an agent started count as that
 * session's ({@link NotebookChanges.runBy}).
 */

import type { CellChange, ISharedCell, NotebookChange } from '@jupyter/ydoc';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';

import {
  ChangeLog,
  diffOrder,
  type ChangeKind,
  type ICellChange
} from '../core/changes';

/**
 * The change logs of the open notebooks.
 */
export class NotebookChanges implements IDisposable {
  constructor(tracker: INotebookTracker) {
    tracker.forEach(panel => this._track(panel));
    tracker.widgetAdded.connect((_, panel) => this._track(panel), this);
  }

  /**
   * Emitted for every change of an open notebook's cells.
   */
  get changed(): ISignal<this, ICellChange> {
    return this._changed;
  }

  /**
   * Emitted when a notebook opens, closes or is renamed.
   */
  get listChanged(): ISignal<this, void> {
    return this._listChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * The change log of an open notebook (null before it has loaded).
   */
  log(panel: NotebookPanel): ChangeLog | null {
    return this._logs.get(panel)?.log ?? null;
  }

  /**
   * Run `edit` as the edit of an MCP session: the changes it makes count
   * as that session's.
   */
  asAgent<T>(sessionId: string, edit: () => T): T {
    const outer = this._scope;
    this._scope = sessionId;
    try {
      return edit();
    } finally {
      this._scope = outer;
    }
  }

  /**
   * The outputs of cell `cellId` of a notebook (of every cell when null)
   * count as `sessionId`'s until `until` settles: the session runs it.
   */
  runBy(
    panel: NotebookPanel,
    cellId: string | null,
    sessionId: string,
    until: Promise<unknown>
  ): void {
    const key = cellId ?? Private.ALL_CELLS;
    let runs = this._runs.get(panel);
    if (!runs) {
      runs = new Map();
      this._runs.set(panel, runs);
    }
    const owner = { sessionId };
    runs.set(key, owner);
    const release = () => {
      const current = this._runs.get(panel);
      if (current?.get(key) === owner) {
        current.delete(key);
      }
    };
    void until.then(release, release);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const panel of [...this._logs.keys()]) {
      this._untrack(panel);
    }
    Signal.clearData(this);
  }

  private _track(panel: NotebookPanel): void {
    this._listChanged.emit(undefined);
    panel.context.pathChanged.connect(this._onPathChanged, this);
    panel.disposed.connect(() => {
      this._untrack(panel);
      this._listChanged.emit(undefined);
    }, this);
    void panel.context.ready.then(() => {
      if (panel.isDisposed || this._disposed) {
        return;
      }
      const shared = panel.context.model.sharedModel;
      const entry: Private.IEntry = {
        log: new ChangeLog(Private.newLogId()),
        order: shared.cells.map(cell => cell.id),
        types: new Map(shared.cells.map(cell => [cell.id, cell.cell_type])),
        watched: new WeakSet(),
        onCells: (_: unknown, change: NotebookChange) =>
          this._onCells(panel, change),
        onCell: (cell: ISharedCell, change: CellChange) =>
          this._onCell(panel, cell, change)
      };
      this._logs.set(panel, entry);
      shared.changed.connect(entry.onCells);
      this._watchCells(entry, shared.cells);
    });
  }

  private _untrack(panel: NotebookPanel): void {
    const entry = this._logs.get(panel);
    this._logs.delete(panel);
    this._runs.delete(panel);
    panel.context.pathChanged.disconnect(this._onPathChanged, this);
    if (entry && !panel.context.model.isDisposed) {
      const shared = panel.context.model.sharedModel;
      shared.changed.disconnect(entry.onCells);
      for (const cell of shared.cells) {
        (cell.changed as ISignal<ISharedCell, CellChange>).disconnect(
          entry.onCell
        );
      }
    }
  }

  private _onPathChanged(): void {
    this._listChanged.emit(undefined);
  }

  /**
   * Listen to the cells not listened to yet.
   */
  private _watchCells(entry: Private.IEntry, cells: readonly ISharedCell[]) {
    for (const cell of cells) {
      if (!entry.watched.has(cell)) {
        entry.watched.add(cell);
        (cell.changed as ISignal<ISharedCell, CellChange>).connect(
          entry.onCell
        );
      }
    }
  }

  private _onCells(panel: NotebookPanel, change: NotebookChange): void {
    const entry = this._logs.get(panel);
    if (!entry || !change.cellsChange) {
      return;
    }
    const cells = panel.context.model.sharedModel.cells;
    const reinserted = new Set<string>();
    for (const part of change.cellsChange) {
      for (const cell of part.insert ?? []) {
        if (entry.types.has(cell.id)) {
          reinserted.add(cell.id);
        }
      }
    }
    const order = cells.map(cell => cell.id);
    const diff = diffOrder(entry.order, order, reinserted);
    const types = new Map(cells.map(cell => [cell.id, cell.cell_type]));
    for (const id of diff.removed) {
      this._record(panel, entry, id, 'removed');
    }
    for (const id of diff.added) {
      this._record(panel, entry, id, 'added');
    }
    for (const id of diff.moved) {
      this._record(panel, entry, id, 'moved');
    }
    for (const id of diff.replaced) {
      this._record(panel, entry, id, 'edited');
    }
    entry.order = order;
    entry.types = types;
    this._watchCells(entry, cells);
  }

  private _onCell(
    panel: NotebookPanel,
    cell: ISharedCell,
    change: CellChange
  ): void {
    const entry = this._logs.get(panel);
    if (!entry || !entry.types.has(cell.id)) {
      return;
    }
    if (change.sourceChange || change.attachmentsChange) {
      this._record(panel, entry, cell.id, 'edited');
    }
    if (
      change.outputsChange ||
      change.streamOutputChange ||
      change.executionCountChange ||
      change.executionStateChange
    ) {
      this._record(panel, entry, cell.id, 'outputs');
    }
  }

  private _record(
    panel: NotebookPanel,
    entry: Private.IEntry,
    cellId: string,
    kind: ChangeKind
  ): void {
    let origin = this._scope;
    if (origin === null && kind === 'outputs') {
      const runs = this._runs.get(panel);
      origin =
        (runs?.get(cellId) ?? runs?.get(Private.ALL_CELLS))?.sessionId ?? null;
    }
    entry.log.record(cellId, kind, origin);
    this._changed.emit({
      path: panel.context.path,
      cellId,
      kind,
      origin,
      version: entry.log.tag
    });
  }

  private _disposed = false;
  private _scope: string | null = null;
  private _logs = new Map<NotebookPanel, Private.IEntry>();
  private _runs = new Map<NotebookPanel, Map<string, { sessionId: string }>>();
  private _changed = new Signal<this, ICellChange>(this);
  private _listChanged = new Signal<this, void>(this);
}

namespace Private {
  /**
   * The key of a run of every cell (Run All).
   */
  export const ALL_CELLS = '\u0000all';

  /**
   * What is kept of an open notebook.
   */
  export interface IEntry {
    log: ChangeLog;
    /** The cell ids after the last structural change. */
    order: string[];
    /** Each cell's type by id. */
    types: Map<string, string>;
    /** The cell models listened to. */
    watched: WeakSet<ISharedCell>;
    onCells: (sender: unknown, change: NotebookChange) => void;
    onCell: (cell: ISharedCell, change: CellChange) => void;
  }

  /**
   * A new log id: random letters and digits.
   */
  export function newLogId(): string {
    const bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return [...bytes].map(byte => (byte % 36).toString(36)).join('');
  }
}
