/**
 * Agent edits as single steps on JupyterLab's undo stacks.
 */

import type { ISharedBase } from '@jupyter/ydoc';

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
