/**
 * What the user is looking at: the tab in front, the notebook they last
 * used, its active and selected cells, and the text selected in the
 * active cell's editor.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

/**
 * The tab in front of the main area.
 */
export interface IFrontTab {
  id: string;
  label: string;
  /**
   * "notebook", "document" (another file) or "other" (launcher, terminal,
   * settings...).
   */
  kind: 'notebook' | 'document' | 'other';
  path: string | null;
}

/**
 * A position in a cell's source (0-based line and column).
 */
export interface IEditorPosition {
  line: number;
  column: number;
}

/**
 * The state of the active cell's editor.
 */
export interface IEditorState {
  /**
   * Whether the user is typing in it (the editor has keyboard focus).
   */
  has_focus: boolean;
  cursor: IEditorPosition;
  /**
   * The selected text, if any (start before end).
   */
  selection: {
    start: IEditorPosition;
    end: IEditorPosition;
    text: string;
  } | null;
}

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
