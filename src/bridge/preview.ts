/**
 * What the approval dialog shows of a call beyond its arguments, and what
 * the approval then binds to: the code of the cells it runs, read when the
 * dialog opens; for an edit of a cell or a file, the change as a line diff
 * against what is there now.
 */

import type { IApprovedCell, IApprovedContent } from '../core/approved';
import { cellsRunBy, runsCells } from '../core/commandcategories';
import { resolveInsertIndex } from '../core/cells';
import { diffLines, type IDiffLine } from '../core/diff';
import { cellsRunByCommand, commandNotebook } from '../jupyter/commands';
import type { ICallTarget } from '../tokens';
import type { IJupyterServices } from '../tools/services';

/**
 * The change a call would make, as a line diff.
 */
export interface IChangePreview {
  /**
   * What is changed ("cell 3 (id …) of analysis.ipynb", "data/a.csv").
   */
  title: string;
  /**
   * Every line, unchanged, removed or added (the dialog shows the changes
   * with some context, and the rest on request).
   */
  lines: IDiffLine[];
}

/**
 * Code a call would run.
 */
export interface ICodePreview {
  /**
   * Which cell ("cell 3 (id …) of analysis.ipynb", "a new cell at index
   * 4 of analysis.ipynb").
   */
  title: string;
  code: string;
  /**
   * The cell's id ('' for a cell the call inserts).
   */
  cellId: string;
}

/**
 * A text the dialog showed as the base of a change (a cell's source, a
 * file's content): the approval holds only while it is unchanged.
 */
export interface IBoundText {
  /**
   * What it is, for the refusal ("Cell 2 (id …) of a.ipynb", "The file
   * "src/main.py"").
   */
  what: string;
  /**
   * The text shown (null: nothing was there).
   */
  shown: string | null;
  /**
   * The text now.
   */
  current(): Promise<string | null>;
}

/**
 * Everything the dialog shows of a call besides its arguments, and what
 * approving it binds to.
 */
export interface IApprovalPreview {
  changes: IChangePreview[];
  code: ICodePreview[];
  /**
   * Short facts about the target ("src/main.py does not exist yet: it
   * will be created").
   */
  notes: string[];
  /**
   * The cells whose code was shown as what runs (the tool refuses to run
   * anything else).
   */
  approved: IApprovedContent;
  /**
   * Texts to check again once the user approves.
   */
  bound: IBoundText[];
  /**
   * The arguments whose value the changes or the code show in full (the
   * dialog does not repeat them).
   */
  shown: string[];
}

/**
 * The preview of a call, against the live notebook or the file on disk.
 * A target that cannot be read gives no change and no code (the arguments
 * are shown in full anyway); a call that runs cells is then bound to none,
 * so that approving it runs nothing.
 */
export async function previewCall(
  tool: string,
  args: Record<string, unknown>,
  target: ICallTarget,
  services: Pick<IJupyterServices, 'workspace' | 'files' | 'tracker'>
): Promise<IApprovalPreview> {
  const preview: IApprovalPreview = {
    changes: [],
    code: [],
    notes: [],
    approved: { cells: [] },
    bound: [],
    shown: []
  };
  try {
    switch (tool) {
      case 'overwrite_cell_source':
      case 'edit_cell_source':
      case 'delete_cell':
        Private.cellChanges(tool, args, target, services, preview);
        break;
      case 'write_file':
        await Private.fileChange(args, target, services, preview);
        break;
      case 'execute_cell':
        await Private.cellRun(target, services, preview);
        break;
      case 'insert_execute_code_cell':
        await Private.insertedRun(args, target, services, preview);
        break;
      case 'notebook_run-all-cells':
        await Private.allCellsRun(target, services, preview);
        break;
      case 'execute_command':
        await Private.commandRun(args, target, services, preview);
        break;
    }
  } catch {
    // Shown without a preview; nothing is bound but what was read.
  }
  return preview;
}

namespace Private {
  type Services = Pick<IJupyterServices, 'workspace' | 'files' | 'tracker'>;

  function cellTitle(index: number, id: string, path: string): string {
    return id
      ? `cell ${index} (id ${id}) of ${path}`
      : `cell ${index} of ${path}`;
  }

  /**
   * Show cells as the code that runs, and bind the approval to them.
   */
  function showRun(
    preview: IApprovalPreview,
    path: string,
    cells: { id: string; index: number; source: string }[]
  ): void {
    const approved: IApprovedCell[] = [];
    for (const cell of cells) {
      preview.code.push({
        title: cellTitle(cell.index, cell.id, path),
        code: cell.source,
        cellId: cell.id
      });
      approved.push({
        notebookPath: path,
        cellId: cell.id,
        index: cell.index,
        source: cell.source
      });
    }
    preview.approved = { cells: approved };
  }

  export function cellChanges(
    tool: string,
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): void {
    const path = target.notebookPath;
    const panel = path ? services.workspace.find(path) : undefined;
    if (!panel || !path) {
      return;
    }
    const cells = panel.context.model.sharedModel.cells;
    const change = (index: number, after: string) => {
      const cell = cells[index];
      const before = cell.getSource();
      const id = cell.id;
      preview.changes.push({
        title: cellTitle(index, id, path),
        lines: diffLines(before, after)
      });
      preview.bound.push({
        what: `Cell ${index} (id ${id}) of "${path}"`,
        shown: before,
        current: async () => {
          const now = services.workspace
            .find(path)
            ?.context.model.sharedModel.cells.find(c => c.id === id);
          return now ? now.getSource() : null;
        }
      });
    };
    if (tool === 'delete_cell') {
      for (const index of deletedIndexes(args, cells)) {
        change(index, '');
      }
      return;
    }
    const index = target.cellIndex;
    if (index === null || index < 0 || index >= cells.length) {
      return;
    }
    const before = cells[index].getSource();
    if (tool === 'overwrite_cell_source') {
      change(index, String(args.cell_source ?? ''));
      preview.shown.push('cell_source');
      return;
    }
    const oldText = String(args.old_text ?? '');
    const newText = String(args.new_text ?? '');
    if (!oldText || !before.includes(oldText)) {
      return;
    }
    change(
      index,
      args.replace_all
        ? before.split(oldText).join(newText)
        : before.replace(oldText, () => newText)
    );
    preview.shown.push('old_text', 'new_text');
  }

  function deletedIndexes(
    args: Record<string, unknown>,
    cells: readonly { id: string }[]
  ): number[] {
    const count = cells.length;
    const indexes = new Set<number>();
    if (Array.isArray(args.cell_indices)) {
      for (const raw of args.cell_indices) {
        if (typeof raw === 'number') {
          const index = raw < 0 ? count + raw : raw;
          if (index >= 0 && index < count) {
            indexes.add(index);
          }
        }
      }
    }
    if (Array.isArray(args.cell_ids)) {
      const wanted = new Set(args.cell_ids);
      cells.forEach((cell, i) => {
        if (wanted.has(cell.id)) {
          indexes.add(i);
        }
      });
    }
    return [...indexes].sort((a, b) => a - b);
  }

  /**
   * The content of a text file now (null: no file).
   */
  async function fileText(
    services: Services,
    path: string
  ): Promise<string | null> {
    const model = await services.files.stat(path);
    if (!model) {
      return null;
    }
    if (model.type === 'directory') {
      throw new Error(`${path} is a directory`);
    }
    const current = await services.files.read(path, 'text');
    return current.content;
  }

  export async function fileChange(
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): Promise<void> {
    const path = target.path;
    if (!path || typeof args.content !== 'string') {
      return;
    }
    const current = await fileText(services, path);
    preview.bound.push({
      what: `The file "${path}"`,
      shown: current,
      current: () => fileText(services, path)
    });
    preview.shown.push('content');
    if (current === null) {
      preview.notes.push(`${path} does not exist yet: it will be created.`);
      preview.changes.push({
        title: `${path} (new file)`,
        lines: addedLines(args.content)
      });
      return;
    }
    const count = current.split('\n').length - (current.endsWith('\n') ? 1 : 0);
    preview.notes.push(
      `${path} exists (${count} line${count === 1 ? '' : 's'}): its content is replaced.`
    );
    preview.changes.push({
      title: path,
      lines: diffLines(current, args.content)
    });
  }

  /**
   * The lines of a new text, all added.
   */
  function addedLines(text: string): IDiffLine[] {
    if (!text) {
      return [];
    }
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    return body.split('\n').map((line, index) => ({
      kind: '+',
      text: line,
      oldNumber: null,
      newNumber: index + 1
    }));
  }

  export async function cellRun(
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): Promise<void> {
    const path = target.notebookPath;
    const index = target.cellIndex;
    if (!path || index === null) {
      return;
    }
    const notebook = await services.workspace.peek(path);
    const cell = notebook?.cells[index];
    if (cell) {
      showRun(preview, path, [{ id: cell.id, index, source: cell.source }]);
    }
  }

  export async function insertedRun(
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): Promise<void> {
    const path = target.notebookPath;
    if (!path || typeof args.cell_source !== 'string') {
      return;
    }
    const notebook = await services.workspace.peek(path);
    const position = resolveInsertIndex(
      typeof args.cell_index === 'number' ? args.cell_index : -1,
      notebook?.cells.length ?? 0
    );
    preview.code.push({
      title: `a new cell at index ${position.ok ? position.index : '?'} of ${path}`,
      code: args.cell_source,
      cellId: ''
    });
    preview.shown.push('cell_source');
  }

  export async function allCellsRun(
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): Promise<void> {
    const path = target.notebookPath;
    if (!path) {
      return;
    }
    const notebook = await services.workspace.peek(path);
    if (notebook) {
      showRun(
        preview,
        path,
        notebook.cells
          .map((cell, index) => ({ ...cell, index }))
          .filter(cell => cell.type === 'code')
      );
    }
  }

  export async function commandRun(
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Services,
    preview: IApprovalPreview
  ): Promise<void> {
    const id =
      typeof args.command_id === 'string' ? args.command_id.trim() : '';
    if (!runsCells(id)) {
      return;
    }
    const commandArgs = (args.args ?? {}) as Record<string, unknown>;
    if (typeof args.notebook_path === 'string' && target.notebookPath) {
      const path = target.notebookPath;
      const panel = services.workspace.find(path);
      if (panel) {
        showRun(preview, path, cellsRunByCommand(id, panel));
        return;
      }
      // Not open yet: the command will find it as JupyterLab opens it, on
      // its first cell, nothing selected.
      const notebook = await services.workspace.peek(path);
      if (notebook) {
        const indexes = cellsRunBy(id, {
          count: notebook.cells.length,
          activeIndex: 0,
          selected: []
        });
        showRun(
          preview,
          path,
          indexes
            .filter(index => notebook.cells[index].type === 'code')
            .map(index => ({
              id: notebook.cells[index].id,
              index,
              source: notebook.cells[index].source
            }))
        );
      }
      return;
    }
    const panel = commandNotebook(
      services.tracker,
      commandArgs as Parameters<typeof commandNotebook>[1]
    );
    if (panel) {
      preview.notes.push(
        `The command acts on ${panel.context.path}, the notebook in front.`
      );
      showRun(preview, panel.context.path, cellsRunByCommand(id, panel));
    }
  }
}
