/**
 * Brief marks on the cells agents edit or run, naming the client, and on
 * the tabs of their notebooks (until the user has seen the tab); and,
 * when the user asks to follow the agent, revealing those cells.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

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
    this._markTab(panel, client);
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

  /**
   * Mark the tab of the notebook at `path` as one an agent works in.
   */
  markTab(path: string, client: string): void {
    const panel = this._tracker.find(p => p.context.path === path);
    if (panel) {
      this._markTab(panel, client);
    }
  }

  /**
   * The tab keeps its mark for a while after the agent's last touch, and
   * until the user has seen the notebook.
   */
  private _markTab(panel: NotebookPanel, client: string): void {
    const title = panel.title;
    const classes = title.className.split(' ').filter(c => c);
    if (!classes.includes(CellMarker.TAB_CLASS)) {
      title.className = [...classes, CellMarker.TAB_CLASS].join(' ');
    }
    // Each change of the title re-renders the tab: only what changed.
    if (title.dataset['mcp-bridge-agent'] !== client) {
      title.dataset = { ...title.dataset, 'mcp-bridge-agent': client };
    }
    const previous = this._tabTimers.get(panel);
    if (previous !== undefined) {
      clearTimeout(previous);
    }
    const expire = () => {
      if (!panel.isDisposed && !panel.isVisible) {
        this._tabTimers.set(panel, setTimeout(expire, this._durationMs));
        return;
      }
      this._tabTimers.delete(panel);
      title.className = title.className
        .split(' ')
        .filter(c => c && c !== CellMarker.TAB_CLASS)
        .join(' ');
      const dataset = { ...title.dataset };
      delete dataset['mcp-bridge-agent'];
      title.dataset = dataset;
    };
    this._tabTimers.set(panel, setTimeout(expire, this._durationMs));
  }

  private _tracker: INotebookTracker;
  private _shell: JupyterFrontEnd.IShell;
  private _follow: () => boolean;
  private _durationMs: number;
  private _timers = new Map<Cell, ReturnType<typeof setTimeout>>();
  private _tabTimers = new Map<NotebookPanel, ReturnType<typeof setTimeout>>();
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
   * The class of the tab of a notebook an agent works in.
   */
  export const TAB_CLASS = 'jp-McpBridge-agentTab';

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
