/**
 * What the approval dialog shows of a call beyond its arguments, and what
 * the approval then binds to: the code of the cells it runs, the change a
 * call makes to a cell or a file as a line diff against what is there now.
 * Each tool builds its own preview (`IToolDefinition.preview`) from the
 * same functions its edit uses; this is the container they fill. Pure.
 */

import type { IApprovedCell, IApprovedContent } from './approved';
import { diffLines, type IDiffLine } from './diff';

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
  readonly changes: readonly IChangePreview[];
  readonly code: readonly ICodePreview[];
  /**
   * Short facts about the target ("src/main.py does not exist yet: it
   * will be created").
   */
  readonly notes: readonly string[];
  /**
   * The cells whose code was shown as what runs (the tool refuses to run
   * anything else).
   */
  readonly approved: IApprovedContent;
  /**
   * Texts to check again once the user approves.
   */
  readonly bound: readonly IBoundText[];
  /**
   * The arguments whose value the changes or the code show in full (the
   * dialog does not repeat them).
   */
  readonly shown: readonly string[];
}

/**
 * Where a call acts, as its preview needs it (the approval's target).
 */
export interface IPreviewTarget {
  readonly notebookPath: string | null;
  readonly cellIndex: number | null;
  readonly path: string | null;
}

/**
 * A cell to show as code that runs.
 */
export interface IRunCell {
  id: string;
  index: number;
  source: string;
}

/**
 * A preview being built by a tool: what it adds is what the dialog shows.
 */
export class ApprovalPreview implements IApprovalPreview {
  get changes(): readonly IChangePreview[] {
    return this._changes;
  }

  get code(): readonly ICodePreview[] {
    return this._code;
  }

  get notes(): readonly string[] {
    return this._notes;
  }

  get approved(): IApprovedContent {
    return { cells: this._approved };
  }

  get bound(): readonly IBoundText[] {
    return this._bound;
  }

  get shown(): readonly string[] {
    return this._shown;
  }

  /**
   * Show a change of `before` into `after` (`before` null: a new text,
   * every line added), and bind the approval to `before`.
   */
  change(
    title: string,
    before: string | null,
    after: string,
    bound: Omit<IBoundText, 'shown'>
  ): void {
    this._changes.push({
      title,
      lines: before === null ? addedLines(after) : diffLines(before, after)
    });
    this._bound.push({ ...bound, shown: before });
  }

  /**
   * Show cells as the code that runs, and bind the approval to them: the
   * tool runs nothing else.
   */
  run(path: string, cells: readonly IRunCell[]): void {
    for (const cell of cells) {
      this._code.push({
        title: cellTitle(cell.index, cell.id, path),
        code: cell.source,
        cellId: cell.id
      });
      this._approved.push({
        notebookPath: path,
        cellId: cell.id,
        index: cell.index,
        source: cell.source
      });
    }
  }

  /**
   * Show code that runs in a cell the call makes (not bound: the cell is
   * not there yet).
   */
  newCode(title: string, code: string): void {
    this._code.push({ title, code, cellId: '' });
  }

  /**
   * Add a short fact about the target.
   */
  note(text: string): void {
    this._notes.push(text);
  }

  /**
   * Name the arguments whose value the preview shows in full.
   */
  showsArguments(...names: string[]): void {
    this._shown.push(...names);
  }

  private _changes: IChangePreview[] = [];
  private _code: ICodePreview[] = [];
  private _notes: string[] = [];
  private _approved: IApprovedCell[] = [];
  private _bound: IBoundText[] = [];
  private _shown: string[] = [];
}

/**
 * How a preview names a cell: "cell 3 (id abc) of a.ipynb".
 */
export function cellTitle(index: number, id: string, path: string): string {
  return id
    ? `cell ${index} (id ${id}) of ${path}`
    : `cell ${index} of ${path}`;
}

/**
 * The lines of a new text, all added (a final newline ends the last line,
 * it does not start another).
 */
export function addedLines(text: string): IDiffLine[] {
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
