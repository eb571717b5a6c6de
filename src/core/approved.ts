/**
 * Approval binds to what the dialog showed: the code of the cells a call
 * runs, the text a call replaces. What the user approved is kept, and the
 * call is refused when what it is about to act on differs. Pure.
 */

/**
 * A cell whose code the approval dialog showed as what runs.
 */
export interface IApprovedCell {
  notebookPath: string;
  /**
   * Its id ('' when the notebook file had no cell ids: it is then known by
   * its index).
   */
  cellId: string;
  index: number;
  source: string;
}

/**
 * What the user saw when they approved a call.
 */
export interface IApprovedContent {
  /**
   * The cells the call may run, with the code shown.
   */
  readonly cells: readonly IApprovedCell[];
}

/**
 * A cell about to run.
 */
export interface ICellToRun {
  id: string;
  index: number;
  source: string;
}

/**
 * Why running `toRun` (cells of `notebookPath`) is not what the user
 * approved, or null when it is: each cell must be one the dialog showed
 * (same id, or same index for cells without ids), with the same code.
 */
export function notApproved(
  approved: IApprovedContent,
  notebookPath: string,
  toRun: readonly ICellToRun[]
): string | null {
  const shown = approved.cells.filter(
    cell => cell.notebookPath === notebookPath
  );
  for (const cell of toRun) {
    const match = shown.find(entry =>
      entry.cellId ? entry.cellId === cell.id : entry.index === cell.index
    );
    if (!match) {
      return `Cell ${cell.index} (id ${cell.id}) of "${notebookPath}" is not one of the cells whose code the user approved (the cells moved, or another cell became the one to run, while the approval dialog was open). It was not run; nothing was changed. Read the notebook and call again: the user will be asked about the cells as they are now.`;
    }
    if (match.source !== cell.source) {
      return `Cell ${cell.index} (id ${cell.id}) of "${notebookPath}" changed while the user's approval dialog was open, so what the user approved is not what would run. It was not run; nothing was changed. The user approved:\n${Private.quote(match.source)}\nThe cell is now:\n${Private.quote(cell.source)}\nCall again to ask the user about the code as it is now.`;
    }
  }
  return null;
}

/**
 * Why a text the dialog showed (a file's content, a cell's source before
 * an edit) no longer holds, or null: `shown` null means "nothing was
 * there".
 */
export function textChanged(
  what: string,
  shown: string | null,
  now: string | null
): string | null {
  if (shown === now) {
    return null;
  }
  const how =
    shown === null
      ? 'it did not exist when the user was asked, and now it does'
      : now === null
        ? 'it existed when the user was asked, and now it does not'
        : 'its content is not what the approval dialog showed';
  return `${what} changed while the user's approval dialog was open (${how}), so the change the user approved is not the one that would be made. Nothing was changed. Read it again and call again: the user will be asked about the change as it is now.`;
}

namespace Private {
  const QUOTE_LINES = 20;

  /**
   * A source as an indented block, cut after {@link QUOTE_LINES} lines.
   */
  export function quote(source: string): string {
    const lines = source.split('\n');
    const shown = lines.slice(0, QUOTE_LINES).map(line => `    ${line}`);
    if (lines.length > QUOTE_LINES) {
      shown.push(`    … (${lines.length - QUOTE_LINES} more lines)`);
    }
    return shown.join('\n');
  }
}
