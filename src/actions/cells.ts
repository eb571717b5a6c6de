/**
 * Cell actions over the shared notebook model: insert, overwrite, edit,
 * delete, move, clear outputs, change type. Pure (no widgets, no
 * services), like JupyterLab's `NotebookActions` without the widgets, so
 * they run in Node against a `YNotebook`.
 *
 * Each action checks everything first and throws a {@link ToolError}
 * naming the argument and what it accepts, changing nothing; otherwise it
 * makes its change in one transaction that is one undo step (see
 * {@link agentEdit}) and returns what the tool reports, in the tool
 * result's field names.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type {
  ISharedBase,
  ISharedCell,
  ISharedCodeCell,
  ISharedNotebook,
  SharedCell
} from '@jupyter/ydoc';
import { z } from 'zod';

import {
  cellVersion,
  resolveCellList,
  resolveCellRef,
  resolveInsertIndex,
  type ICellRef,
  validIndexes
} from '../core/cells';
import { lineDiff } from '../core/diff';
import { ToolError } from '../mcp/tool';

/**
 * The cell types an agent may create.
 */
export type CellType = 'code' | 'markdown' | 'raw';

/**
 * A cell after an insertion (insert_cell's output schema).
 */
export const insertedCell = {
  index: z.number().int(),
  id: z.string(),
  version: z.string(),
  total_cells: z.number().int(),
  filled_blank_cell: z
    .boolean()
    .describe("The new cell took the place of a new notebook's blank cell.")
};

/**
 * A cell after an insertion.
 */
export type IInsertedCell = z.output<z.ZodObject<typeof insertedCell>>;

/**
 * A cell after its source changed (the output schema of the tools that
 * change one).
 */
export const sourceChange = {
  index: z.number().int().describe('Index of the cell.'),
  id: z.string().describe('Id of the cell.'),
  version: z.string().describe('The new version of the cell.'),
  diff: z.string().describe('A line diff of the change.')
};

/**
 * A cell after its source changed.
 */
export type ISourceChange = z.output<z.ZodObject<typeof sourceChange>>;

/**
 * Apply `change` to a notebook or cell shared model in one transaction that
 * is its own undo step: Yjs merges changes made close together (within its
 * capture timeout) into one step, so capturing is stopped before (not to
 * merge with the user's typing) and after (not to merge with the next
 * edit).
 */
export function agentEdit(model: ISharedBase, change: () => void): void {
  const undo = Private.undoManagerOf(model);
  undo?.stopCapturing();
  model.transact(change);
  undo?.stopCapturing();
}

/**
 * The ids of a notebook's cells, in order.
 */
export function cellIds(notebook: ISharedNotebook): string[] {
  return notebook.cells.map(cell => cell.id);
}

/**
 * The index of the cell named by `cell_index` or `cell_id`.
 */
export function resolveCell(notebook: ISharedNotebook, ref: ICellRef): number {
  const result = resolveCellRef(ref, cellIds(notebook));
  if (!result.ok) {
    throw new ToolError(result.error);
  }
  return result.index;
}

/**
 * The version of a cell now (see {@link cellVersion}).
 */
export function versionOf(cell: ISharedCell): string {
  return cellVersion(cell.cell_type, cell.getSource());
}

/**
 * Refuse when the cell at `index` changed since the agent read it
 * (`expected` is the version it read; undefined skips the check). The
 * refusal shows the current source.
 */
export function checkVersion(
  notebook: ISharedNotebook,
  index: number,
  expected: string | undefined
): void {
  if (expected === undefined) {
    return;
  }
  const cell = notebook.cells[index];
  const current = versionOf(cell);
  if (current !== expected) {
    throw new ToolError(
      `"expected_version": cell ${index} (id ${cell.id}) changed since you read it (your version ${expected}, now ${current}), probably because the user edited it. Nothing was changed. Its current source:\n${cell.getSource()}`
    );
  }
}

/**
 * Whether the notebook holds only JupyterLab's blank starting cell: one
 * empty code cell that never ran.
 */
export function isBlankPlaceholder(notebook: ISharedNotebook): boolean {
  if (notebook.cells.length !== 1) {
    return false;
  }
  const cell = notebook.cells[0];
  return (
    cell.cell_type === 'code' &&
    cell.getSource() === '' &&
    (cell as ISharedCodeCell).execution_count === null &&
    (cell as ISharedCodeCell).getOutputs().length === 0
  );
}

/**
 * Insert a cell before the cell now at `index` (-1 or the cell count
 * appends). A notebook holding only the blank starting cell gets the new
 * cell in its place, unless `keepBlankCell` (the user's cursor is in it).
 */
export function insertCell(
  notebook: ISharedNotebook,
  options: {
    index: number;
    type: CellType;
    source: string;
    /**
     * The user is typing in the blank cell: keep it (default false).
     */
    keepBlankCell?: boolean;
  }
): IInsertedCell {
  const position = resolveInsertIndex(options.index, notebook.cells.length);
  if (!position.ok) {
    throw new ToolError(position.error);
  }
  const placeholder = !options.keepBlankCell && isBlankPlaceholder(notebook);
  const index = placeholder ? 0 : position.index;
  agentEdit(notebook, () => {
    notebook.insertCell(index, {
      cell_type: options.type,
      source: options.source
    });
    if (placeholder) {
      notebook.deleteCell(1);
    }
  });
  return {
    index,
    id: notebook.cells[index].id,
    version: cellVersion(options.type, options.source),
    total_cells: notebook.cells.length,
    filled_blank_cell: placeholder
  };
}

/**
 * Replace the whole source of a cell.
 */
export function overwriteSource(
  notebook: ISharedNotebook,
  ref: ICellRef,
  source: string,
  expectedVersion?: string
): ISourceChange {
  const index = resolveCell(notebook, ref);
  checkVersion(notebook, index, expectedVersion);
  const cell = notebook.cells[index];
  const previous = cell.getSource();
  agentEdit(cell, () => {
    cell.setSource(source);
  });
  return {
    index,
    id: cell.id,
    version: versionOf(cell),
    diff: lineDiff(previous, source)
  };
}

/**
 * Replace exact text in a cell's source: exactly one occurrence, or every
 * one with `replaceAll`.
 */
export function editSource(
  notebook: ISharedNotebook,
  ref: ICellRef,
  options: {
    oldText: string;
    newText: string;
    replaceAll: boolean;
    expectedVersion?: string;
  }
): ISourceChange & { replacements: number } {
  const index = resolveCell(notebook, ref);
  checkVersion(notebook, index, options.expectedVersion);
  const cell = notebook.cells[index];
  const { oldText, newText } = options;
  const previous = cell.getSource();
  const count = countReplacements(
    { index, id: cell.id, source: previous },
    oldText,
    options.replaceAll
  );
  const next = editedSource(previous, oldText, newText, options.replaceAll);
  agentEdit(cell, () => {
    cell.setSource(next);
  });
  return {
    index,
    id: cell.id,
    version: versionOf(cell),
    diff: lineDiff(previous, next),
    replacements: options.replaceAll ? count : 1
  };
}

/**
 * A source with `oldText` replaced by `newText`: the first occurrence, or
 * every one with `replaceAll` (`newText` is taken literally, `$&` too).
 */
export function editedSource(
  source: string,
  oldText: string,
  newText: string,
  replaceAll: boolean
): string {
  return replaceAll
    ? source.split(oldText).join(newText)
    : source.replace(oldText, () => newText);
}

/**
 * How many times `oldText` occurs in a cell's source, refusing an empty
 * text, one not found, or one found several times without `replaceAll`.
 */
export function countReplacements(
  cell: { index: number; id: string; source: string },
  oldText: string,
  replaceAll: boolean
): number {
  if (oldText === '') {
    throw new ToolError('"old_text" must not be empty.');
  }
  const count = cell.source.split(oldText).length - 1;
  if (count === 0) {
    throw new ToolError(
      `"old_text" was not found in cell ${cell.index} (id ${cell.id}); nothing was changed. Read the cell to see its current source.`
    );
  }
  if (count > 1 && !replaceAll) {
    throw new ToolError(
      `"old_text" occurs ${count} times in cell ${cell.index} (id ${cell.id}); give more context to make it unique, or set "replace_all": true. Nothing was changed.`
    );
  }
  return count;
}

/**
 * The index a cell moves to (`toIndex`, -1: the end) in a notebook of
 * `count` cells, or a ToolError naming `to_index`.
 */
export function moveTarget(toIndex: number, count: number): number {
  const to = toIndex === -1 ? count - 1 : toIndex;
  if (!Number.isInteger(toIndex) || to < 0 || to >= count) {
    throw new ToolError(
      `"to_index" ${toIndex} is out of range: ${validIndexes(count)}.`
    );
  }
  return to;
}

/**
 * Delete the cells named by `indices` (negative from the end) or `ids`:
 * all are checked first, and if any is invalid none is deleted.
 */
export function deleteCells(
  notebook: ISharedNotebook,
  refs: { indices?: readonly number[]; ids?: readonly string[] }
): { deleted: { index: number; id: string }[]; total_cells: number } {
  const ids = cellIds(notebook);
  const resolved = resolveCellList(refs, ids);
  if (!resolved.ok) {
    throw new ToolError(resolved.error);
  }
  const indexes = resolved.indexes;
  const ordered = [...indexes].sort((a, b) => b - a);
  const deleted = ordered.map(index => ({ index, id: ids[index] })).reverse();
  agentEdit(notebook, () => {
    for (const index of ordered) {
      notebook.deleteCell(index);
    }
  });
  return { deleted, total_cells: notebook.cells.length };
}

/**
 * Move a cell so that its index becomes `toIndex` (-1: the end).
 */
export function moveCell(
  notebook: ISharedNotebook,
  ref: ICellRef,
  toIndex: number
): { id: string; from_index: number; index: number } {
  const from = resolveCell(notebook, ref);
  const to = moveTarget(toIndex, notebook.cells.length);
  const id = notebook.cells[from].id;
  if (from !== to) {
    agentEdit(notebook, () => notebook.moveCell(from, to));
  }
  return { id, from_index: from, index: to };
}

/**
 * Clear the outputs and execution count of one cell, or of every cell with
 * `all` (then no cell may be named). Returns how many cells had something
 * to clear.
 */
export function clearOutputs(
  notebook: ISharedNotebook,
  options: { ref: ICellRef; all: boolean }
): { cleared: number; indexes: number[] } {
  const named =
    options.ref.cell_index !== undefined || options.ref.cell_id !== undefined;
  let indexes: number[];
  if (options.all) {
    if (named) {
      throw new ToolError(
        'Give either "all": true or one cell ("cell_index" or "cell_id"), not both.'
      );
    }
    indexes = [...notebook.cells.keys()];
  } else {
    indexes = [resolveCell(notebook, options.ref)];
  }
  const code = indexes
    .map(index => notebook.cells[index])
    .filter((cell): cell is ISharedCodeCell => cell.cell_type === 'code');
  const cleared = code.filter(
    cell => cell.getOutputs().length > 0 || cell.execution_count !== null
  );
  if (cleared.length) {
    agentEdit(notebook, () => {
      for (const cell of cleared) {
        cell.setOutputs([]);
        cell.execution_count = null;
      }
    });
  }
  return { cleared: cleared.length, indexes };
}

/**
 * Change a cell's type, keeping its id, source and metadata, and its
 * attachments between markdown and raw. A code cell's outputs and
 * execution count are dropped; a cell with attachments is refused as a
 * code cell (code cells cannot hold attachments).
 */
export function changeCellType(
  notebook: ISharedNotebook,
  ref: ICellRef,
  type: CellType,
  expectedVersion?: string
): {
  index: number;
  id: string;
  cell_type: string;
  version: string;
  changed: boolean;
} {
  const index = resolveCell(notebook, ref);
  checkVersion(notebook, index, expectedVersion);
  const cell = notebook.cells[index];
  const id = cell.id;
  const changed = cell.cell_type !== type;
  if (changed) {
    const json = cell.toJSON() as nbformat.IBaseCell & {
      attachments?: nbformat.IAttachments;
    };
    const attachments =
      json.attachments && Object.keys(json.attachments).length
        ? json.attachments
        : undefined;
    if (attachments && type === 'code') {
      throw new ToolError(
        `"cell_type": cell ${index} (id ${id}) has attachments (${Object.keys(attachments).join(', ')}), which a code cell cannot hold; nothing was changed. Convert it to "markdown" or "raw", or remove the attachments first.`
      );
    }
    const replacement: SharedCell.Cell = {
      id,
      cell_type: type,
      source: cell.getSource(),
      metadata: cell.getMetadata(),
      ...(attachments ? { attachments } : {})
    };
    agentEdit(notebook, () => {
      notebook.deleteCell(index);
      notebook.insertCell(index, replacement);
    });
  }
  const now = notebook.cells[index];
  return {
    index,
    id: now.id,
    cell_type: now.cell_type,
    version: versionOf(now),
    changed
  };
}

namespace Private {
  /**
   * The Yjs undo manager of a notebook or cell model (the concrete
   * `YNotebook` and `YBaseCell` classes have one; the interfaces do not).
   */
  export function undoManagerOf(
    model: ISharedBase
  ): { stopCapturing(): void } | null {
    const candidate = (model as { undoManager?: unknown }).undoManager;
    return candidate &&
      typeof (candidate as { stopCapturing?: unknown }).stopCapturing ===
        'function'
      ? (candidate as { stopCapturing(): void })
      : null;
  }
}
