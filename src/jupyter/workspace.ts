/**
 * The notebooks of the live page, as tools see them: find, open, create
 * and save, without taking the user's focus.
 */

import { LabShell, type JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { PageConfig } from '@jupyterlab/coreutils';
import type { Contents } from '@jupyterlab/services';
import { z } from 'zod';

import { resolveRootPath } from '../core/files';
import { withTimeout } from '../core/timeout';
import { statPath } from './files';
import type { NotebookBaselines } from './baselines';
import type { SaveQueue } from './saves';
import { ToolError, type ISessionState } from '../mcp/tool';

/**
 * A notebook as `list_notebooks` reports it (its output schema of a
 * notebook).
 */
export const notebookSummary = {
  path: z.string(),
  name: z.string(),
  kernel: z.object({ name: z.string(), status: z.string() }).nullable(),
  unsaved_changes: z.boolean(),
  active: z.boolean(),
  in_use_by_this_session: z.boolean(),
  cell_count: z.number().int()
};

/**
 * A notebook as `list_notebooks` reports it.
 */
export type INotebookSummary = z.output<z.ZodObject<typeof notebookSummary>>;

/**
 * A cell as {@link NotebookWorkspace.peek} sees it.
 */
export interface IPeekedCell {
  /**
   * Its id ('' for a cell of a file without ids, nbformat before 4.5).
   */
  id: string;
  type: string;
  readonly source: string;
}

/**
 * A notebook's cells now, read without opening it.
 */
export interface INotebookPeek {
  path: string;
  /**
   * Its tab, when it is open (the cells are then the live ones).
   */
  panel: NotebookPanel | null;
  cells: IPeekedCell[];
}

/**
 * Options of {@link NotebookWorkspace.open}.
 */
export interface IOpenOptions {
  /**
   * Create the notebook when no file exists at the path.
   */
  create: boolean;
  /**
   * Take the user's focus (bring the tab to the front).
   */
  activate: boolean;
  /**
   * Kernel to start when creating; default: the server's default kernelspec.
   */
  kernelName?: string;
}

/**
 * Access to the notebooks of the live page.
 */
export class NotebookWorkspace {
  constructor(options: NotebookWorkspace.IOptions) {
    this._app = options.app;
    this._tracker = options.tracker;
    this._docManager = options.docManager;
    this._saves = options.saves;
    this._baselines = options.baselines ?? null;
  }

  /**
   * Check a notebook path: relative to the server root, no `..`, ending in
   * `.ipynb`. Returns the normalized path.
   */
  static checkNotebookPath(path: string): string {
    const normalized = NotebookWorkspace.checkPath(path, 'notebook_path');
    if (!normalized.endsWith('.ipynb')) {
      throw new ToolError(
        `"notebook_path" must end in .ipynb (got "${path}").`
      );
    }
    return normalized;
  }

  /**
   * Check a path inside the server root; `argument` names it in errors.
   */
  static checkPath(path: string, argument: string): string {
    const result = resolveRootPath(
      path,
      argument,
      PageConfig.getOption('serverRoot')
    );
    if (!result.ok) {
      throw new ToolError(result.error);
    }
    return result.path;
  }

  /**
   * The open notebooks.
   */
  list(session: ISessionState): INotebookSummary[] {
    const result: INotebookSummary[] = [];
    this._tracker.forEach(panel => {
      const kernel = panel.sessionContext.session?.kernel;
      result.push({
        path: panel.context.path,
        name: panel.context.path.split('/').pop() ?? panel.context.path,
        kernel: kernel
          ? {
              name: kernel.name,
              status: panel.sessionContext.kernelDisplayStatus
            }
          : null,
        unsaved_changes: panel.context.model.dirty,
        active: this._tracker.currentWidget === panel,
        in_use_by_this_session: session.notebookPath === panel.context.path,
        cell_count: panel.context.model.cells.length
      });
    });
    return result;
  }

  /**
   * The open panel of a path, if any.
   */
  find(path: string): NotebookPanel | undefined {
    return this._tracker.find(panel => panel.context.path === path);
  }

  /**
   * The cells of a notebook now, without opening it: the live ones when it
   * is open, else those of the file; null when no file is there.
   */
  async peek(path: string): Promise<INotebookPeek | null> {
    const panel = this.find(path);
    if (panel) {
      await panel.context.ready;
      // Sources are read only when asked for (a check needs one or none).
      const cells = panel.context.model.sharedModel.cells.map(cell => ({
        id: cell.id,
        type: cell.cell_type,
        get source() {
          return cell.getSource();
        }
      }));
      return { path, panel, cells };
    }
    const model = await statPath(this._contents, path);
    if (!model) {
      return null;
    }
    if (model.type !== 'notebook') {
      throw new ToolError(
        `"notebook_path": "${path}" is a ${model.type}, not a notebook.`
      );
    }
    await this._saves.settled(path);
    const file = await this._contents.get(path, {
      type: 'notebook',
      content: true
    });
    const content = file.content as {
      cells?: { id?: string; cell_type?: string; source?: string | string[] }[];
    } | null;
    const cells = (content?.cells ?? []).map(cell => ({
      id: typeof cell.id === 'string' ? cell.id : '',
      type: cell.cell_type ?? 'code',
      source: Array.isArray(cell.source)
        ? cell.source.join('')
        : (cell.source ?? '')
    }));
    return { path, panel: null, cells };
  }

  /**
   * The notebook path a call names (`path` when given, checked, else the
   * session's notebook), or a ToolError when there is none.
   */
  static target(path: string | undefined, session: ISessionState): string {
    const target =
      path !== undefined
        ? NotebookWorkspace.checkNotebookPath(path)
        : session.notebookPath;
    if (!target) {
      throw new ToolError(
        'No notebook is in use by this session: call use_notebook first, or pass "notebook_path".'
      );
    }
    return target;
  }

  /**
   * The panel a tool acts on: `path` if given, else the session's notebook.
   * A notebook that is not open is opened in the background.
   */
  async resolve(
    path: string | undefined,
    session: ISessionState
  ): Promise<NotebookPanel> {
    const target = NotebookWorkspace.target(path, session);
    const { panel } = await this.open(target, {
      create: false,
      activate: false
    });
    return panel;
  }

  /**
   * Open (or create) a notebook, wait until its model and kernel session are
   * ready, and return it.
   */
  async open(
    path: string,
    options: IOpenOptions
  ): Promise<{ panel: NotebookPanel; created: boolean }> {
    let created = false;
    let panel = this.find(path);
    if (!panel && !(this._app.shell instanceof LabShell)) {
      const open: string[] = [];
      this._tracker.forEach(other => open.push(other.context.path));
      throw new ToolError(Private.cannotOpenHere(this._app.name, path, open));
    }
    if (!panel) {
      const exists = await this._exists(path);
      if (!exists) {
        if (!options.create) {
          throw new ToolError(
            `No notebook at "${path}". Call use_notebook with this path to create it, or list_notebooks to see open ones.`
          );
        }
        await this._create(path, options.kernelName);
        created = true;
      }
      const widget = this._docManager.openOrReveal(
        path,
        'Notebook',
        undefined,
        { activate: options.activate, mode: 'tab-after' }
      );
      panel = this.find(path);
      if (!widget || !panel) {
        throw new ToolError(
          `JupyterLab could not open "${path}" as a notebook.`
        );
      }
    } else if (options.activate) {
      this._app.shell.activateById(panel.id);
    }
    const ready = await withTimeout(
      Promise.all([panel.context.ready, panel.sessionContext.ready]),
      Private.OPEN_TIMEOUT_MS
    );
    if (ready.timedOut) {
      throw new ToolError(
        `"${path}" did not finish opening within ${Private.OPEN_TIMEOUT_MS / 1000} s (its tab is open in JupyterLab; the kernel may still be starting). Try again in a moment.`
      );
    }
    return { panel, created };
  }

  /**
   * Save a notebook soon, in the background (see {@link SaveQueue}):
   * resolves with null once saved, or with why the save failed.
   */
  saveSoon(panel: NotebookPanel): Promise<string | null> {
    return this._saves.request(panel.context);
  }

  /**
   * Resolves when the background saves of a notebook have ended, so that
   * its `dirty` flag tells of the user's unsaved changes only.
   */
  settled(panel: NotebookPanel): Promise<void> {
    return this._saves.settled(panel.context.path);
  }

  /**
   * Whether the user changed a notebook since it was loaded or saved
   * (JupyterLab's own changes on opening it do not count; its `dirty` flag
   * when that is not known).
   */
  changedByUser(panel: NotebookPanel): boolean {
    return (
      this._baselines?.changedByUser(panel.context) ?? panel.context.model.dirty
    );
  }

  /**
   * Close a notebook's tab (the file stays on disk). Only for a notebook
   * the user did not change: JupyterLab's own unsaved changes (trusted
   * cells, the kernel's language_info) are dropped, without a dialog.
   */
  async close(panel: NotebookPanel): Promise<void> {
    await panel.context.sessionContext.ready;
    panel.context.model.dirty = false;
    panel.close();
  }

  /**
   * Whether something is at `path`. A failure to tell (the server refused,
   * the network failed) is an error, never "no file": use_notebook must not
   * create a notebook over a file it could not see.
   */
  private async _exists(path: string): Promise<boolean> {
    return (await statPath(this._contents, path)) !== null;
  }

  private async _create(path: string, kernelName?: string): Promise<void> {
    const specs = this._app.serviceManager.kernelspecs;
    await specs.ready;
    const name = kernelName ?? specs.specs?.default ?? 'python3';
    const spec = specs.specs?.kernelspecs[name];
    if (!spec) {
      const known = Object.keys(specs.specs?.kernelspecs ?? {});
      throw new ToolError(
        `"kernel_name" "${name}" is not an available kernelspec; available: ${known.join(', ') || '(none)'}.`
      );
    }
    const directory = path.includes('/')
      ? path.slice(0, path.lastIndexOf('/'))
      : '';
    if (directory && !(await this._exists(directory))) {
      throw new ToolError(
        `Cannot create "${path}": the directory "${directory}" does not exist.`
      );
    }
    const content = {
      cells: [],
      metadata: {
        kernelspec: {
          name: spec.name,
          display_name: spec.display_name,
          language: spec.language
        },
        language_info: { name: spec.language }
      },
      nbformat: 4,
      nbformat_minor: 5
    };
    const model: Partial<Contents.IModel> = {
      type: 'notebook',
      format: 'json',
      content
    };
    await this._contents.save(path, model);
  }

  private get _contents(): Contents.IManager {
    return this._app.serviceManager.contents;
  }

  private _app: JupyterFrontEnd;
  private _tracker: INotebookTracker;
  private _docManager: IDocumentManager;
  private _saves: SaveQueue;
  private _baselines: NotebookBaselines | null;
}

/**
 * A namespace for NotebookWorkspace statics.
 */
export namespace NotebookWorkspace {
  /**
   * Constructor options.
   */
  export interface IOptions {
    app: JupyterFrontEnd;
    tracker: INotebookTracker;
    docManager: IDocumentManager;
    /**
     * The page's background saves (shared with the file tools).
     */
    saves: SaveQueue;
    /**
     * Tells the user's changes to open notebooks from JupyterLab's own.
     */
    baselines?: NotebookBaselines;
  }
}

namespace Private {
  /**
   * How long opening a notebook (model and kernel session) may take.
   */
  export const OPEN_TIMEOUT_MS = 60_000;

  /**
   * Why a page whose shell holds one document (Jupyter Notebook 7) does
   * not open another notebook for an agent: its document opener would open
   * a new browser tab, which is another page.
   */
  export function cannotOpenHere(
    appName: string,
    path: string,
    open: string[]
  ): string {
    return (
      `This page is ${appName}, where each notebook has a browser tab of its own: the bridge cannot open or create "${path}" from here, and nothing was changed. ` +
      `Notebooks open in this page: ${open.map(p => `"${p}"`).join(', ') || 'none'}; the tools work on those. ` +
      `Ask the user to open "${path}" in ${appName} (its tab serves new MCP sessions once the user focuses it), or to use JupyterLab (/lab), where the bridge opens and creates notebooks itself.`
    );
  }
}
