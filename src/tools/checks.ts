/**
 * Checks of a call's targets before anything happens (see
 * `IToolDefinition.check`): the notebook exists, the cells named are
 * there, the kernelspec is installed. They open nothing and change
 * nothing, so that a call the user is asked about is one that can run.
 */

import {
  cellVersion,
  resolveCellList,
  resolveCellRef,
  resolveInsertIndex
} from '../core/cells';
import { KernelService } from '../jupyter/kernels';
import { NotebookWorkspace, type INotebookPeek } from '../jupyter/workspace';
import { ToolError } from '../mcp/tool';
import type { JupyterToolContext } from './services';

/**
 * The notebook a call names (its `notebook_path`, else the session's),
 * which must exist; its cells as they are now.
 */
export async function checkNotebook(
  args: { notebook_path?: string },
  context: JupyterToolContext
): Promise<INotebookPeek> {
  const path = NotebookWorkspace.target(args.notebook_path, context.session);
  const peek = await context.services.workspace.peek(path);
  if (!peek) {
    throw new ToolError(
      `No notebook at "${path}". Call use_notebook with this path to create it, or list_notebooks to see open ones.`
    );
  }
  return peek;
}

/**
 * The cell a call names by `cell_index` or `cell_id`, which must exist
 * (and be a code cell with `code`, and still have `expected_version`).
 */
export async function checkCell(
  args: {
    notebook_path?: string;
    cell_index?: number;
    cell_id?: string;
    expected_version?: string;
  },
  context: JupyterToolContext,
  options: { code?: boolean } = {}
): Promise<{ notebook: INotebookPeek; index: number }> {
  const notebook = await checkNotebook(args, context);
  const { cells } = notebook;
  const resolved = resolveCellRef(
    { cell_index: args.cell_index, cell_id: args.cell_id },
    cells.map(cell => cell.id)
  );
  if (!resolved.ok) {
    throw new ToolError(resolved.error);
  }
  const cell = cells[resolved.index];
  if (options.code && cell.type !== 'code') {
    throw new ToolError(
      `Cell ${resolved.index} is a ${cell.type} cell; only code cells run.`
    );
  }
  if (
    args.expected_version !== undefined &&
    cellVersion(cell.type, cell.source) !== args.expected_version
  ) {
    throw new ToolError(
      `Cell ${resolved.index} (id ${cell.id}) changed since you read it (version ${args.expected_version}; now ${cellVersion(cell.type, cell.source)}). Nothing was changed. Its source now:\n${cell.source}`
    );
  }
  return { notebook, index: resolved.index };
}

/**
 * The cells a call names by `cell_indices` or `cell_ids`: all must exist.
 */
export async function checkCellList(
  args: {
    notebook_path?: string;
    cell_indices?: number[];
    cell_ids?: string[];
  },
  context: JupyterToolContext
): Promise<void> {
  const { cells } = await checkNotebook(args, context);
  const resolved = resolveCellList(
    { indices: args.cell_indices, ids: args.cell_ids },
    cells.map(cell => cell.id)
  );
  if (!resolved.ok) {
    throw new ToolError(resolved.error);
  }
}

/**
 * An insertion position `cell_index` of the notebook a call names.
 */
export async function checkInsert(
  args: { notebook_path?: string; cell_index: number },
  context: JupyterToolContext
): Promise<void> {
  const { cells } = await checkNotebook(args, context);
  const resolved = resolveInsertIndex(args.cell_index, cells.length);
  if (!resolved.ok) {
    throw new ToolError(resolved.error);
  }
}

/**
 * A kernelspec name (undefined: the default), which must be installed.
 */
export async function checkKernelName(
  name: string | undefined,
  context: JupyterToolContext
): Promise<void> {
  if (name === undefined) {
    return;
  }
  await new KernelService(
    context.services.app,
    context.services.tracker
  ).checkSpec(name);
}
