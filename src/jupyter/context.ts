/**
 * What the user is looking at: the tab in front, the notebook they last
 * used, its active and selected cells, and the text selected in the
 * active cell's editor.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

/**
 * The tab in front of the main area (get_active_context's output schema
 * of it). Its kind: "notebook", "document" (another file) or "other"
 * (launcher, terminal, settings...).
 */
export const frontTabSchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['notebook', 'document', 'other']),
  path: z.string().nullable()
});

/**
 * The tab in front of the main area.
 */
export type IFrontTab = z.output<typeof frontTabSchema>;

/**
 * A position in a cell's source (0-based line and column).
 */
const position = z.object({
  line: z.number().int().describe('0-based line.'),
  column: z.number().int().describe('0-based column.')
});

/**
 * A position in a cell's source.
 */
export type IEditorPosition = z.output<typeof position>;

/**
 * The state of the active cell's editor (get_active_context's output
 * schema of it): whether the user is typing in it (it has the keyboard
 * focus), the cursor, and the selected text if any (start before end).
 */
export const editorStateSchema = z.object({
  has_focus: z.boolean(),
  cursor: position,
  selection: z
    .object({ start: position, end: position, text: z.string() })
    .nullable()
});

/**
 * The state of the active cell's editor.
 */
export type IEditorState = z.output<typeof editorStateSchema>;

/**
 * The user's notebook as the page shows it.
 */
export interface INotebookFocus {
  panel: NotebookPanel;
  /**
   * Whether it is the tab in front (else it is the notebook last in front).
   */
  inFront: boolean;
  /**
   * "command" or "edit" (typing in a cell).
   */
  mode: string;
  activeIndex: number;
  selectedIndexes: number[];
  editor: IEditorState | null;
}

/**
 * The tab in front of the main area, if any.
 */
export function frontTab(
  app: JupyterFrontEnd,
  tracker: INotebookTracker
): IFrontTab | null {
  const widget = app.shell.currentWidget;
  if (!widget) {
    return null;
  }
  const isNotebook = tracker.has(widget);
  const context = (widget as { context?: { path?: unknown } }).context;
  const path =
    context && typeof context.path === 'string' ? context.path : null;
  return {
    id: widget.id,
    label: widget.title.label,
    kind: isNotebook ? 'notebook' : path !== null ? 'document' : 'other',
    path
  };
}

/**
 * The notebook the user is in or last was in, with its active and selected
 * cells, or null when no notebook is open.
 */
export function notebookFocus(
  app: JupyterFrontEnd,
  tracker: INotebookTracker
): INotebookFocus | null {
  const panel = tracker.currentWidget;
  if (!panel || !panel.context.model) {
    return null;
  }
  const notebook = panel.content;
  const selectedIndexes: number[] = [];
  notebook.widgets.forEach((cell, index) => {
    if (notebook.isSelectedOrActive(cell)) {
      selectedIndexes.push(index);
    }
  });
  const active = notebook.activeCell;
  return {
    panel,
    inFront: app.shell.currentWidget === panel,
    mode: notebook.mode,
    activeIndex: notebook.activeCellIndex,
    selectedIndexes,
    editor: active?.editor ? Private.editorState(active.editor) : null
  };
}

namespace Private {
  export function editorState(
    editor: NonNullable<Cell['editor']>
  ): IEditorState {
    const cursor = editor.getCursorPosition();
    const range = editor.getSelection();
    let start = range.start;
    let end = range.end;
    let from = editor.getOffsetAt(start);
    let to = editor.getOffsetAt(end);
    if (from > to) {
      [start, end] = [end, start];
      [from, to] = [to, from];
    }
    const source = editor.model.sharedModel.getSource();
    return {
      has_focus: editor.hasFocus(),
      cursor: { line: cursor.line, column: cursor.column },
      selection:
        from === to
          ? null
          : {
              start: { line: start.line, column: start.column },
              end: { line: end.line, column: end.column },
              text: source.slice(from, to)
            }
    };
  }
}
