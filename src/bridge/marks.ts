/**
 * Brief marks on the cells agents edit or run, naming the client; and,
 * when the user asks to follow the agent, revealing those cells.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker } from '@jupyterlab/notebook';

/**
 * Marks cells touched by agents.
 */
export class CellMarker {
  constructor(options: CellMarker.IOptions) {
    this._tracker = options.tracker;
    this._shell = options.shell;
    this._follow = options.follow;
    this._durationMs = options.durationMs ?? CellMarker.DURATION_MS;
  }

  /**
   * Mark the cell `cellId` of the notebook at `path` for a few seconds with
   * the client's name. Never scrolls and never moves the focus, unless the
   * user asked to follow the agent.
   */
  mark(path: string, cellId: string, client: string): void {
    const panel = this._tracker.find(p => p.context.path === path);
    if (!panel) {
      return;
    }
    const widgets = panel.content.widgets;
    const index = widgets.findIndex(widget => widget.model.id === cellId);
    if (index < 0) {
      return;
    }
    const cell = widgets[index];
    cell.addClass(CellMarker.CLASS);
    cell.node.dataset.mcpBridgeAgent = client;
    const previous = this._timers.get(cell);
    if (previous !== undefined) {
      clearTimeout(previous);
    }
    this._timers.set(
      cell,
      setTimeout(() => {
        this._timers.delete(cell);
        cell.removeClass(CellMarker.CLASS);
        delete cell.node.dataset.mcpBridgeAgent;
      }, this._durationMs)
    );
    if (this._follow()) {
      this._shell.activateById(panel.id);
      void panel.content.scrollToItem(index, 'smart');
    }
  }

  private _tracker: INotebookTracker;
  private _shell: JupyterFrontEnd.IShell;
  private _follow: () => boolean;
  private _durationMs: number;
  private _timers = new Map<Cell, ReturnType<typeof setTimeout>>();
}

/**
 * A namespace for CellMarker statics.
 */
export namespace CellMarker {
  /**
   * The class of a marked cell.
   */
  export const CLASS = 'jp-McpBridge-agentCell';

  /**
   * How long a mark stays.
   */
  export const DURATION_MS = 4000;

  /**
   * Constructor options.
   */
  export interface IOptions {
    tracker: INotebookTracker;
    shell: JupyterFrontEnd.IShell;
    /**
     * Whether to reveal touched cells (the `followAgent` setting).
     */
    follow: () => boolean;
    durationMs?: number;
  }
}
