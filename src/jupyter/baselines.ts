/**
 * Whether the user changed an open notebook since it was last loaded or
 * saved. JupyterLab's own `dirty` flag cannot tell: it is set as soon as a
 * notebook opens (cells are marked trusted, the kernel's `language_info`
 * is written), with nothing of the user's to lose. Used to reload a copy
 * of a notebook that an agent saved from another page.
 */

import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

/**
 * What the user's work in a notebook is, for comparison: the cells' types,
 * sources, execution counts (a run changes its count) and metadata but for
 * `trusted` (JupyterLab sets it on opening), in order.
 */
export function notebookFingerprint(
  cells: Iterable<{
    cell_type: string;
    source: string;
    execution_count?: number | null;
    metadata?: Record<string, unknown>;
  }>
): string {
  const parts: string[] = [];
  for (const cell of cells) {
    const metadata = { ...cell.metadata };
    delete metadata.trusted;
    parts.push(
      [
        cell.cell_type,
        cell.execution_count ?? '',
        JSON.stringify(metadata),
        cell.source
      ].join('\u0000')
    );
  }
  return parts.join('\u0001');
}

/**
 * The fingerprint of every open notebook as last loaded or saved.
 */
export class NotebookBaselines {
  constructor(tracker: INotebookTracker) {
    tracker.forEach(panel => this._watch(panel));
    tracker.widgetAdded.connect((_, panel) => this._watch(panel), this);
  }

  /**
   * Whether the user changed the notebook of a document context since it
   * was last loaded or saved; null when that is not known (not an open
   * notebook, or not loaded yet).
   */
  changedByUser(context: object): boolean | null {
    const entry = this._baselines.get(context);
    return entry ? entry.base !== Private.fingerprint(entry.panel) : null;
  }

  private _watch(panel: NotebookPanel): void {
    if (this._watched.has(panel)) {
      return;
    }
    this._watched.add(panel);
    const context = panel.context;
    let saving: string | null = null;
    const record = (): void => {
      if (saving === null && !panel.isDisposed) {
        this._baselines.set(context, {
          panel,
          base: Private.fingerprint(panel)
        });
      }
    };
    void context.ready.then(record, () => undefined);
    context.saveState.connect((_, state) => {
      if (state === 'started') {
        // What is saved is the content when the save starts; a change made
        // while it runs is still the user's.
        saving = Private.fingerprint(panel);
      } else {
        if (state === 'completed' && saving !== null) {
          this._baselines.set(context, { panel, base: saving });
        }
        saving = null;
      }
    }, this);
    // Reloaded from disk (reverted) or changed on disk.
    context.fileChanged.connect(record, this);
    panel.disposed.connect(() => {
      this._watched.delete(panel);
      this._baselines.delete(context);
    }, this);
  }

  private _watched = new Set<NotebookPanel>();
  /**
   * By document context: its panel, and its fingerprint as last loaded or
   * saved.
   */
  private _baselines = new Map<
    object,
    { panel: NotebookPanel; base: string }
  >();
}

namespace Private {
  export function fingerprint(panel: NotebookPanel): string {
    const cells = panel.context.model.sharedModel.cells;
    return notebookFingerprint(
      cells.map(cell => ({
        cell_type: cell.cell_type,
        source: cell.getSource(),
        execution_count:
          'execution_count' in cell ? cell.execution_count : null,
        metadata: cell.getMetadata()
      }))
    );
  }
}
