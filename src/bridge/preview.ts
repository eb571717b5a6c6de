/**
 * What the approval dialog shows of a call beyond its arguments: for an
 * edit of a cell or a file, the change as a diff against what is there now.
 */

import { lineDiff } from '../core/diff';
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
   * Lines prefixed `-`, `+` or a space (see {@link lineDiff}).
   */
  diff: string;
}

/**
 * The changes a call would make, computed against the live notebook or the
 * file on disk; empty when the call is not an edit, or its target cannot be
 * read (the arguments are shown in full anyway).
 */
export async function previewChanges(
  tool: string,
  args: Record<string, unknown>,
  target: ICallTarget,
  services: Pick<IJupyterServices, 'workspace' | 'files'>
): Promise<IChangePreview[]> {
  try {
    switch (tool) {
      case 'overwrite_cell_source':
      case 'edit_cell_source':
      case 'delete_cell':
        return Private.cellChanges(tool, args, target, services);
      case 'write_file':
        return await Private.fileChange(args, target, services);
      default:
        return [];
    }
  } catch {
    return [];
  }
}

namespace Private {
  const CONTEXT_LINES = 3;

  export function cellChanges(
    tool: string,
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Pick<IJupyterServices, 'workspace'>
  ): IChangePreview[] {
    const panel = target.notebookPath
      ? services.workspace.find(target.notebookPath)
      : undefined;
    if (!panel) {
      return [];
    }
    const cells = panel.context.model.cells;
    const sourceOf = (index: number) =>
      cells.get(index).sharedModel.getSource();
    const titleOf = (index: number) =>
      `cell ${index} (id ${cells.get(index).id}) of ${target.notebookPath}`;
    if (tool === 'delete_cell') {
      const indexes = deletedIndexes(args, panel, cells.length);
      return indexes.map(index => ({
        title: titleOf(index),
        diff: lineDiff(sourceOf(index), '', CONTEXT_LINES)
      }));
    }
    const index = target.cellIndex;
    if (index === null || index < 0 || index >= cells.length) {
      return [];
    }
    const before = sourceOf(index);
    let after: string;
    if (tool === 'overwrite_cell_source') {
      after = String(args.cell_source ?? '');
    } else {
      const oldText = String(args.old_text ?? '');
      const newText = String(args.new_text ?? '');
      if (!oldText || !before.includes(oldText)) {
        return [];
      }
      after = args.replace_all
        ? before.split(oldText).join(newText)
        : before.replace(oldText, () => newText);
    }
    return [
      { title: titleOf(index), diff: lineDiff(before, after, CONTEXT_LINES) }
    ];
  }

  function deletedIndexes(
    args: Record<string, unknown>,
    panel: {
      context: { model: { cells: { get(i: number): { id: string } } } };
    },
    count: number
  ): number[] {
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
      for (let i = 0; i < count; i++) {
        if (wanted.has(panel.context.model.cells.get(i).id)) {
          indexes.add(i);
        }
      }
    }
    return [...indexes].sort((a, b) => a - b);
  }

  export async function fileChange(
    args: Record<string, unknown>,
    target: ICallTarget,
    services: Pick<IJupyterServices, 'files'>
  ): Promise<IChangePreview[]> {
    const path = target.path;
    if (!path || typeof args.content !== 'string') {
      return [];
    }
    const model = await services.files.stat(path);
    if (!model || model.type === 'directory') {
      return [];
    }
    const current = await services.files.read(path, 'text');
    if (current.format !== 'text') {
      return [];
    }
    return [
      {
        title: path,
        diff: lineDiff(current.content, args.content, CONTEXT_LINES)
      }
    ];
  }
}
