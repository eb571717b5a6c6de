/**
 * What a JupyterLab command does, in the policy's categories: a command
 * that runs cells is `execute`, one that restarts or switches kernels
 * `kernel`, one that opens terminals `terminal`, one that changes files
 * `files`, one that changes cells `edit`. `execute_command` of such a
 * command is under those categories' policy as well as `commands`, so
 * that no category can be reached around its own policy. Pure.
 */

import type { PolicyCategory } from './policy';

/**
 * The categories a command counts under, besides `commands` (empty for
 * commands that only change the view: toggling panels, collapsing
 * headings, refreshing the file browser).
 */
export function commandCategories(id: string): PolicyCategory[] {
  const found = new Set<PolicyCategory>();
  for (const [category, patterns] of Private.RULES) {
    if (patterns.some(pattern => Private.matches(id, pattern))) {
      found.add(category);
    }
  }
  return [...found];
}

/**
 * Whether `id` runs cells of a notebook (the approval dialog then shows
 * their code).
 */
export function runsCells(id: string): boolean {
  return Private.CELL_RUNS.some(pattern => Private.matches(id, pattern));
}

/**
 * Where the user is in a notebook, as the run commands read it.
 */
export interface INotebookSelection {
  /**
   * How many cells it has.
   */
  count: number;
  /**
   * The active cell's index (-1: none).
   */
  activeIndex: number;
  /**
   * The indexes of the selected cells (the active one may be among them).
   */
  selected: readonly number[];
}

/**
 * The indexes of the cells a cell-running command runs (code and others;
 * JupyterLab renders markdown cells and runs code cells), as JupyterLab's
 * notebook actions choose them. Commands this does not know are taken to
 * run every cell.
 */
export function cellsRunBy(id: string, where: INotebookSelection): number[] {
  const all = Array.from({ length: where.count }, (_, i) => i);
  const selected = new Set(where.selected);
  if (where.activeIndex >= 0) {
    selected.add(where.activeIndex);
  }
  const selection = all.filter(i => selected.has(i));
  switch (id) {
    case 'notebook:run-cell':
    case 'notebook:run-cell-and-select-next':
    case 'notebook:run-cell-and-insert-below':
    case 'notebook:run-in-console':
    case 'runmenu:run':
      return selection;
    case 'notebook:run-all-above':
      return where.activeIndex < 1 ? [] : all.slice(0, where.activeIndex);
    case 'notebook:run-all-below':
      return where.activeIndex < 0 ? [] : all.slice(where.activeIndex);
    case 'notebook:restart-and-run-to-selected':
      return selection.length
        ? all.slice(0, selection[selection.length - 1] + 1)
        : [];
    default:
      return all;
  }
}

namespace Private {
  /**
   * Exact ids, or prefixes ending in `*`.
   */
  export const CELL_RUNS = [
    'notebook:run-*',
    'notebook:restart-run-all',
    'notebook:restart-and-run-to-selected',
    'runmenu:run*',
    'runmenu:restart-and-run-all'
  ];

  export const RULES: [PolicyCategory, string[]][] = [
    [
      'execute',
      [
        ...CELL_RUNS,
        'console:run-*',
        'console:inject',
        'console:create',
        'fileeditor:run-*',
        'notebook:interrupt-kernel',
        'kernelmenu:interrupt',
        'console:interrupt-kernel',
        'debugger:*',
        'notebook:create-console',
        'notebook:create-output-view'
      ]
    ],
    [
      'kernel',
      [
        'notebook:restart-*',
        'notebook:shutdown-kernel',
        'notebook:change-kernel',
        'notebook:reconnect-to-kernel',
        'kernelmenu:restart*',
        'kernelmenu:shutdown*',
        'kernelmenu:change',
        'kernelmenu:reconnect-to-kernel',
        'console:restart-kernel',
        'console:change-kernel',
        'console:shutdown',
        'runmenu:restart-and-run-all',
        'running:*'
      ]
    ],
    ['terminal', ['terminal:*']],
    [
      'files',
      [
        'docmanager:save*',
        'docmanager:rename',
        'docmanager:delete*',
        'docmanager:duplicate',
        'docmanager:new-untitled',
        'docmanager:restore-checkpoint',
        'filebrowser:delete',
        'filebrowser:rename',
        'filebrowser:paste',
        'filebrowser:cut',
        'filebrowser:duplicate',
        'filebrowser:create-new-*',
        'filebrowser:upload',
        'notebook:create-new',
        'fileeditor:create-new*',
        'notebook:trust',
        'settingeditor:*'
      ]
    ],
    [
      'edit',
      [
        'notebook:insert-*',
        'notebook:paste-*',
        'notebook:merge-*',
        'notebook:split-*',
        'notebook:move-cell-*',
        'notebook:change-cell-to-*',
        'notebook:clear-*',
        'notebook:delete-cell',
        'notebook:cut-cell',
        'notebook:duplicate-below',
        'notebook:undo-cell-action',
        'notebook:redo-cell-action',
        'notebook:replace-selection',
        'notebook:run-cell-and-insert-below',
        'notebook:restart-clear-output'
      ]
    ]
  ];

  export function matches(id: string, pattern: string): boolean {
    return pattern.endsWith('*')
      ? id.startsWith(pattern.slice(0, -1))
      : id === pattern;
  }
}
