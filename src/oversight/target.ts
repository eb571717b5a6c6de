/**
 * Where a tool call acts (notebook and cell, or file), read from its
 * arguments and the session, for the activity log, the cell marks and the
 * approval dialog.
 */

import { PageConfig } from '@jupyterlab/coreutils';

import { resolveCellRef } from '../core/cells';
import { resolveRootPath } from '../core/files';
import type { ISessionState } from '../mcp/tool';
import type { IJupyterServices, JupyterTool } from '../tools/services';

/**
 * Where a tool call acts, as far as its arguments tell.
 */
export interface ICallTarget {
  /**
   * The notebook (its path), if the call acts on one.
   */
  readonly notebookPath: string | null;
  /**
   * The cell's id, when known.
   */
  readonly cellId: string | null;
  /**
   * The cell's index when the call started.
   */
  readonly cellIndex: number | null;
  /**
   * The file or directory, for file tools.
   */
  readonly path: string | null;
}

/**
 * The target of a call when it starts. Cells are resolved on the notebook
 * if it is open; tools that take a position rather than a cell
 * (`cell_index` without `cell_id`, as `insert_cell`) name their cell only
 * in their result (see {@link resultCell}).
 */
export function callTarget(
  tool: JupyterTool,
  args: unknown,
  session: Pick<ISessionState, 'notebookPath'>,
  services: Pick<IJupyterServices, 'workspace'>
): ICallTarget {
  const values = (args ?? {}) as Record<string, unknown>;
  const shape = tool.schema.shape;
  const target: {
    notebookPath: string | null;
    cellId: string | null;
    cellIndex: number | null;
    path: string | null;
  } = { notebookPath: null, cellId: null, cellIndex: null, path: null };
  if ('notebook_path' in shape) {
    target.notebookPath =
      typeof values.notebook_path === 'string'
        ? Private.clean(values.notebook_path)
        : session.notebookPath;
  }
  if ('path' in shape && typeof values.path === 'string') {
    target.path = Private.clean(values.path);
  }
  if ('cell_id' in shape && target.notebookPath) {
    const panel = services.workspace.find(target.notebookPath);
    const ids: string[] = [];
    if (panel) {
      const cells = panel.context.model.cells;
      for (let i = 0; i < cells.length; i++) {
        ids.push(cells.get(i).id);
      }
    }
    const cellId = typeof values.cell_id === 'string' ? values.cell_id : null;
    const cellIndex =
      typeof values.cell_index === 'number' ? values.cell_index : undefined;
    if (cellId !== null || cellIndex !== undefined) {
      const resolved = resolveCellRef(
        { cell_index: cellIndex, cell_id: cellId ?? undefined },
        ids
      );
      if (resolved.ok) {
        target.cellIndex = resolved.index;
        target.cellId = ids[resolved.index];
      } else {
        target.cellId = cellId;
        target.cellIndex = cellIndex ?? null;
      }
    }
  }
  return target;
}

/**
 * The cell a result names (`id` and `index` of its structured content), if
 * any: the cell a call inserted, edited or ran.
 */
export function resultCell(
  structured: Record<string, unknown> | undefined
): { cellId: string; cellIndex: number | null } | null {
  if (!structured) {
    return null;
  }
  const id = structured.id ?? structured.cell_id;
  if (typeof id !== 'string' || !id) {
    return null;
  }
  const index = structured.index ?? structured.cell_index;
  return { cellId: id, cellIndex: typeof index === 'number' ? index : null };
}

namespace Private {
  /**
   * A path in the canonical form the tools act on (`src/./main.py` and
   * `src//main.py` are `src/main.py`; an absolute path inside the server
   * root is made relative to it), or as given when it is not valid (such
   * a call is refused before anything shows it).
   */
  export function clean(path: string): string {
    const resolved = resolveRootPath(
      path,
      'path',
      PageConfig.getOption('serverRoot'),
      true
    );
    return resolved.ok ? resolved.path : path;
  }
}
