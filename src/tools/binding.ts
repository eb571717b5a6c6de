/**
 * Tools that run cells honour what the user approved: at the moment the
 * code goes to the kernel, it must be the code the approval dialog showed
 * (see `core/approved.ts`).
 */

import { notApproved, type ICellToRun } from '../core/approved';
import { ToolDenied } from '../mcp/dispatcher';
import type { JupyterToolContext } from './services';

/**
 * A check of the cells about to run in `notebookPath` against what the
 * user approved for this call; undefined when the user was not asked.
 * It throws a {@link ToolDenied} (nothing runs) when they differ.
 */
export function approvedRun(
  context: JupyterToolContext,
  notebookPath: string
): ((cells: ICellToRun | readonly ICellToRun[]) => void) | undefined {
  const approved = context.approved;
  if (!approved) {
    return undefined;
  }
  return cells => {
    const problem = notApproved(
      approved,
      notebookPath,
      Array.isArray(cells) ? cells : [cells as ICellToRun]
    );
    if (problem) {
      throw new ToolDenied(problem);
    }
  };
}
