/**
 * Files of the Jupyter server root, through the page's contents service,
 * keeping the documents open in the page consistent: writes reload clean
 * documents, renames are followed by their tabs, deletes close them.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { Contents } from '@jupyterlab/services';
import { z } from 'zod';

import {
  isWithin,
  notebookJsonProblem,
  parentOf,
  resolveRootPath
} from '../core/files';
import {
  compileGlob,
  GlobBudget,
  GlobError,
  type IGlobMatcher
} from '../core/glob';
import { ToolError } from '../mcp/tool';
import type { NotebookBaselines } from './baselines';
import type { SaveQueue } from './saves';

/**
 * A file or directory as the file tools report it (list_files' output
 * schema of an entry).
 */
export const fileEntry = {
  name: z.string(),
  path: z.string(),
  type: z.string().describe('"file", "directory" or "notebook".'),
  // Bytes; null for directories.
  size: z.number().int().nullable(),
  last_modified: z.string()
};

/**
 * A file or directory as the file tools report it.
 */
export type IFileEntry = z.output<z.ZodObject<typeof fileEntry>>;

/**
 * Options of {@link FileWorkspace.list}.
 */
export interface IListOptions {
  depth: number;
  glob?: string;
}

/**
 * The outcome of {@link FileWorkspace.list}.
 */
export interface IListing {
  entries: IFileEntry[];
  /**
   * True when the walk stopped at {@link FileWorkspace.MAX_SCAN} entries.
   */
  scanTruncated: boolean;
}

/**
 * A document open in the page.
 */
export interface IOpenDocument {
  path: string;
  dirty: boolean;
  /**
   * Whether the user changed it since it was loaded or saved (for
   * notebooks, JupyterLab's own changes on opening one do not count).
   */
  changedByUser: boolean;
  /**
   * Whether it is a shared document of the collaboration server
   * (jupyter-collaboration): every tab and user holds the same document.
   */
  collaborative: boolean;
  revert(): Promise<void>;
  /**
   * Put new text into the document's model and save it; resolves with
   * null, or with why the save failed. Absent for documents that are not
   * text (images, other binaries).
   */
  replace?(text: string): Promise<string | null>;
}

/**
 * The model of a path without its content, or null if nothing is there.
 *
 * Looked up in its parent directory's listing (and the parent in its own),
 * never by asking for a missing path: a 404 would show as an error in the
 * browser's console, and any other failure is not "nothing is there".
 */
export async function statPath(
  contents: Contents.IManager,
  path: string
): Promise<Contents.IModel | null> {
  const clean = path.replace(/^\/+|\/+$/g, '');
  try {
    if (!clean) {
      return await contents.get('', { content: false });
    }
    const slash = clean.lastIndexOf('/');
    const dir = slash < 0 ? '' : clean.slice(0, slash);
    const parent = dir ? await statPath(contents, dir) : null;
    if (dir && parent?.type !== 'directory') {
      return null;
    }
    const listing = await contents.get(dir, { content: true });
    const entries = Array.isArray(listing.content)
      ? (listing.content as Contents.IModel[])
      : [];
    return entries.find(entry => entry.path === clean) ?? null;
  } catch (error) {
    if (error instanceof ToolError) {
      throw error;
    }
    throw Private.toolError(error, path);
  }
}

/**
 * The files of the server root, for tools.
 */
export class FileWorkspace {
  constructor(options: FileWorkspace.IOptions) {
    this._app = options.app;
    this._docManager = options.docManager;
    this._saves = options.saves;
    this._baselines = options.baselines ?? null;
  }

  /**
   * Most entries one listing walks through.
   */
  static readonly MAX_SCAN = 10000;

  /**
   * Largest file read whole through the contents service, in bytes.
   */
  static readonly MAX_READ_BYTES = 20 * 1024 * 1024;

  /**
   * Most steps of glob matching one listing may take (see
   * {@link GlobBudget}): the matcher never backtracks, and this bounds the
   * work of a call on the page's main thread.
   */
  static readonly MAX_GLOB_STEPS = 50_000_000;

  /**
   * Compile a `glob` argument, or a {@link ToolError} naming it.
   */
  static checkGlob(glob: string): IGlobMatcher {
    try {
      return compileGlob(glob);
    } catch (error) {
      throw Private.globError(error);
    }
  }

  /**
   * Check a path argument (inside the server root, no `..`) and return it
   * relative to the root. `allowRoot` accepts the root itself ('').
   */
  check(path: string, argument: string, allowRoot = false): string {
    const result = resolveRootPath(
      path,
      argument,
      PageConfig.getOption('serverRoot'),
      allowRoot
    );
    if (!result.ok) {
      throw new ToolError(result.error);
    }
    return result.path;
  }

  /**
   * The model of a path without its content, or null if nothing is there.
   */
  async stat(path: string): Promise<Contents.IModel | null> {
    await this._saves.settled(path);
    return statPath(this._contents, path);
  }

  /**
   * The model of a path, or a {@link ToolError} naming `argument`.
   */
  async require(path: string, argument: string): Promise<Contents.IModel> {
    const model = await this.stat(path);
    if (!model) {
      throw new ToolError(
        `"${argument}": nothing exists at "${path}" (call list_files to see what is there).`
      );
    }
    return model;
  }

  /**
   * List a directory, `depth` levels deep, keeping entries whose path
   * relative to the directory matches `glob`. Sorted by path.
   */
  async list(directory: string, options: IListOptions): Promise<IListing> {
    await this._saves.settled(directory);
    const pattern = options.glob ? FileWorkspace.checkGlob(options.glob) : null;
    const budget = new GlobBudget(FileWorkspace.MAX_GLOB_STEPS);
    const entries: IFileEntry[] = [];
    let scanned = 0;
    let scanTruncated = false;
    let level: string[] = [directory];
    for (let depth = 1; depth <= options.depth && level.length; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        const model = await this._contents.get(dir, { content: true });
        const items = (model.content ?? []) as Contents.IModel[];
        for (const item of items) {
          scanned += 1;
          if (scanned > FileWorkspace.MAX_SCAN) {
            scanTruncated = true;
            break;
          }
          const relative = directory
            ? item.path.slice(directory.length + 1)
            : item.path;
          if (!pattern || Private.matches(budget, pattern, relative)) {
            entries.push(Private.entry(item));
          }
          if (item.type === 'directory') {
            next.push(item.path);
          }
        }
        if (scanTruncated) {
          break;
        }
      }
      if (scanTruncated) {
        break;
      }
      level = next;
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { entries, scanTruncated };
  }

  /**
   * Read a file's content: text when it is UTF-8, else base64.
   */
  async read(
    path: string,
    format?: 'text' | 'base64'
  ): Promise<{ content: string; format: 'text' | 'base64' }> {
    await this._saves.settled(path);
    // An absent key, not `format: undefined` (it would be sent as "undefined").
    const model = await this._contents.get(path, {
      type: 'file',
      content: true,
      ...(format ? { format } : {})
    });
    return {
      content: String(model.content ?? ''),
      format: model.format === 'base64' ? 'base64' : 'text'
    };
  }

  /**
   * Write a text file (creating or overwriting it). A document open on it
   * takes the text into its model, which is then saved: the page shows it
   * at once, the user can undo it, and what they type meanwhile stays (it
   * is not reloaded from disk). Other documents open on the path (another
   * kind of view) are reloaded.
   */
  async writeText(path: string, text: string): Promise<Contents.IModel> {
    const open = this.openDocuments(path).filter(
      document => document.path === path
    );
    const editable = open.find(document => document.replace);
    if (!editable?.replace) {
      const model = await this._contents.save(path, {
        type: 'file',
        format: 'text',
        content: text
      });
      for (const document of open) {
        await document.revert();
      }
      return model;
    }
    const failure = await editable.replace(text);
    if (failure) {
      throw new ToolError(
        `"${path}" now shows the new content in JupyterLab, but saving it failed: ${failure}. The file on disk is unchanged.`
      );
    }
    for (const document of open) {
      if (document !== editable) {
        await document.revert();
      }
    }
    const model = await this.stat(path);
    if (!model) {
      throw new ToolError(`"${path}" was saved but is no longer there.`);
    }
    return model;
  }

  /**
   * Create a directory and its missing parents; the created paths.
   */
  async makeDirectories(path: string): Promise<string[]> {
    const parts = path.split('/');
    const created: string[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const current = parts.slice(0, i).join('/');
      const model = await this.stat(current);
      if (model && model.type !== 'directory') {
        throw new ToolError(
          `"path": "${current}" exists and is a ${model.type}, not a directory.`
        );
      }
      if (!model) {
        await this._contents.save(current, { type: 'directory' });
        created.push(current);
      }
    }
    return created;
  }

  /**
   * Rename or move a path; open documents follow (JupyterLab's document
   * contexts listen to the contents service's `fileChanged`).
   */
  async rename(path: string, newPath: string): Promise<Contents.IModel> {
    try {
      return await this._contents.rename(path, newPath);
    } catch (error) {
      throw Private.toolError(error, path);
    }
  }

  /**
   * Delete a file, or a directory with everything in it (deepest first).
   * Open documents are closed and notebooks' kernel sessions stopped, as
   * JupyterLab's file browser does. Returns the number of paths deleted.
   */
  async remove(path: string, type: string): Promise<number> {
    let count = 0;
    if (type === 'directory') {
      const model = await this._contents.get(path, { content: true });
      for (const item of (model.content ?? []) as Contents.IModel[]) {
        count += await this.remove(item.path, item.type);
      }
    }
    try {
      if (type === 'directory') {
        await this._contents.delete(path);
      } else {
        await this._docManager.deleteFile(path);
      }
    } catch (error) {
      throw Private.toolError(error, path);
    }
    return count + 1;
  }

  /**
   * The documents open in the page at `path` or under it.
   */
  openDocuments(path: string): IOpenDocument[] {
    const seen = new Set<unknown>();
    const result: IOpenDocument[] = [];
    for (const widget of this._app.shell.widgets('main')) {
      const context = this._docManager.contextForWidget(widget);
      if (!context || seen.has(context) || !isWithin(context.path, path)) {
        continue;
      }
      seen.add(context);
      const format = context.contentsModel?.format;
      const textual =
        context.contentsModel?.type === 'notebook' || format === 'text';
      result.push({
        path: context.path,
        dirty: context.model.dirty,
        changedByUser:
          this._baselines?.changedByUser(context) ?? context.model.dirty,
        collaborative: context.model.collaborative === true,
        revert: () => context.revert(),
        replace: textual
          ? text => {
              context.model.fromString(text);
              return this._saves.request(context);
            }
          : undefined
      });
    }
    return result;
  }

  /**
   * Another page saved an agent's change to `path`: reload the documents
   * open on it here that have no unsaved change (shared documents of the
   * collaboration server already have it). Returns how many have
   * (they keep the user's text; saving them asks before overwriting).
   */
  async reloadClean(path: string): Promise<number> {
    let kept = 0;
    for (const document of this.openDocuments(path)) {
      if (document.path !== path || document.collaborative) {
        // A shared document already holds the change: reloading it from
        // disk would drop what others typed since the server saved it.
        continue;
      }
      if (document.changedByUser) {
        kept++;
      } else {
        await document.revert().catch(() => undefined);
      }
    }
    return kept;
  }

  /**
   * Refuse when a document at or under `path` has unsaved changes of the
   * user's (JupyterLab's own on opening a notebook do not count).
   */
  refuseUnsaved(path: string, action: string): void {
    const dirty = this.openDocuments(path).filter(
      document => document.changedByUser
    );
    if (dirty.length) {
      const paths = dirty.map(document => `"${document.path}"`).join(', ');
      throw new ToolError(
        `Cannot ${action} "${path}": ${paths} ${dirty.length === 1 ? 'is' : 'are'} open in JupyterLab with unsaved changes. Ask the user to save or close ${dirty.length === 1 ? 'it' : 'them'} first; nothing was changed.`
      );
    }
  }

  /**
   * Whether the parent directory of `path` exists.
   */
  async parentExists(path: string): Promise<boolean> {
    const parent = parentOf(path);
    if (!parent) {
      return true;
    }
    const model = await this.stat(parent);
    return model?.type === 'directory';
  }

  /**
   * Check that a text file can be written at `path` (checked), creating
   * it or, with `overwrite`, replacing it: refused over a directory, an
   * existing file without `overwrite`, into a missing directory, with
   * `.ipynb` content that is not notebook JSON, or over a document open
   * with unsaved changes. Returns what is there now (null: nothing).
   */
  async checkWrite(
    path: string,
    content: string,
    overwrite: boolean
  ): Promise<Contents.IModel | null> {
    const existing = await this.stat(path);
    if (existing?.type === 'directory') {
      throw new ToolError(`"path": "${path}" is a directory.`);
    }
    if (existing && !overwrite) {
      throw new ToolError(
        `"path": "${path}" already exists and "overwrite" is false; nothing was written.`
      );
    }
    if (!existing && !(await this.parentExists(path))) {
      throw new ToolError(
        `"path": the directory of "${path}" does not exist; create it with create_directory first.`
      );
    }
    if (path.endsWith('.ipynb')) {
      const problem = notebookJsonProblem(content);
      if (problem) {
        throw new ToolError(`${problem} Nothing was written.`);
      }
    }
    this.refuseUnsaved(path, 'write');
    return existing;
  }

  /**
   * Write a text file at `path` (checked) as {@link checkWrite} allows;
   * nothing is written when it refuses.
   */
  async write(
    path: string,
    content: string,
    overwrite: boolean
  ): Promise<{ created: boolean; model: Contents.IModel; reloaded: number }> {
    const existing = await this.checkWrite(path, content, overwrite);
    const reloaded = this.openDocuments(path).length;
    const model = await this.writeText(path, content);
    return { created: !existing, model, reloaded };
  }

  /**
   * Check that `path` can be renamed or moved to `newPath` (both checked):
   * refused onto itself, into itself, onto something that exists or into
   * a missing directory. Returns the model of `path`.
   */
  async checkMove(path: string, newPath: string): Promise<Contents.IModel> {
    if (path === newPath) {
      throw new ToolError(`"new_path" is the same as "path" ("${path}").`);
    }
    if (isWithin(newPath, path)) {
      throw new ToolError(
        `"new_path" "${newPath}" is inside "${path}": a directory cannot move into itself.`
      );
    }
    const model = await this.require(path, 'path');
    if (await this.stat(newPath)) {
      throw new ToolError(
        `"new_path": "${newPath}" already exists; delete it first or choose another path. Nothing was moved.`
      );
    }
    if (!(await this.parentExists(newPath))) {
      throw new ToolError(
        `"new_path": the directory of "${newPath}" does not exist; create it with create_directory first.`
      );
    }
    return model;
  }

  /**
   * Rename or move `path` to `newPath` as {@link checkMove} allows. Open
   * documents follow.
   */
  async move(
    path: string,
    newPath: string
  ): Promise<{ type: string; path: string; followed: number }> {
    const model = await this.checkMove(path, newPath);
    const followed = this.openDocuments(path).length;
    const renamed = await this.rename(path, newPath);
    return { type: model.type, path: renamed.path, followed };
  }

  /**
   * Check that `path` (checked) can be deleted: a non-empty directory only
   * with `recursive`, and nothing when a document open at or under it has
   * unsaved changes. Returns its model.
   */
  async checkDelete(
    path: string,
    recursive: boolean
  ): Promise<Contents.IModel> {
    const model = await this.require(path, 'path');
    if (model.type === 'directory' && !recursive) {
      const { entries } = await this.list(path, { depth: 1 });
      if (entries.length) {
        throw new ToolError(
          `"path": the directory "${path}" is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); pass "recursive": true to delete it with its contents. Nothing was deleted.`
        );
      }
    }
    this.refuseUnsaved(path, 'delete');
    return model;
  }

  /**
   * Delete `path` as {@link checkDelete} allows. Open documents are closed
   * first.
   */
  async delete(
    path: string,
    recursive: boolean
  ): Promise<{ type: string; count: number; closed: string[] }> {
    const model = await this.checkDelete(path, recursive);
    const closed = this.openDocuments(path).map(document => document.path);
    const count = await this.remove(path, model.type);
    return { type: model.type, count, closed };
  }

  /**
   * Check that directories can be made at `path` (checked): no part of it
   * is a file.
   */
  async checkDirectories(path: string): Promise<void> {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const current = parts.slice(0, i).join('/');
      const model = await this.stat(current);
      if (!model) {
        return;
      }
      if (model.type !== 'directory') {
        throw new ToolError(
          `"path": "${current}" exists and is a ${model.type}, not a directory.`
        );
      }
    }
  }

  private get _contents(): Contents.IManager {
    return this._app.serviceManager.contents;
  }

  private _app: JupyterFrontEnd;
  private _docManager: IDocumentManager;
  private _saves: SaveQueue;
  private _baselines: NotebookBaselines | null;
}

/**
 * A namespace for FileWorkspace statics.
 */
export namespace FileWorkspace {
  /**
   * Constructor options.
   */
  export interface IOptions {
    app: JupyterFrontEnd;
    docManager: IDocumentManager;
    /**
     * The page's background saves: reads wait for them, so that they find
     * what agents' edits saved.
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
   * A glob refusal as a tool error naming the argument.
   */
  export function globError(error: unknown): unknown {
    return error instanceof GlobError
      ? new ToolError(`"glob": ${error.message}`)
      : error;
  }

  /**
   * Whether `path` matches, within the call's budget.
   */
  export function matches(
    budget: GlobBudget,
    pattern: IGlobMatcher,
    path: string
  ): boolean {
    try {
      return budget.test(pattern, path);
    } catch (error) {
      throw globError(error);
    }
  }

  export function entry(model: Contents.IModel): IFileEntry {
    return {
      name: model.name,
      path: model.path,
      type: model.type,
      size: model.type === 'directory' ? null : (model.size ?? null),
      last_modified: model.last_modified
    };
  }

  /**
   * A server error as a tool error (no credentials: only the message).
   */
  export function toolError(error: unknown, path: string): ToolError {
    const message = error instanceof Error ? error.message : String(error);
    return new ToolError(
      `The Jupyter server refused the operation on "${path}": ${message}`
    );
  }
}
