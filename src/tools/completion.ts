/**
 * Completion of prompt arguments and resource template variables from the
 * page: notebook paths (open notebooks, then the notebook files of the
 * directory typed so far), cells with an error, cell ids and output
 * indexes of the output:// template.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { errorCells } from '../core/prompts';
import type { ICompletionProvider, ICompletionRequest } from '../mcp/prompts';
import { NOTEBOOK_TEMPLATE, OUTPUT_TEMPLATE } from './resources';
import { defaultPromptNotebook } from './prompts';
import type { IJupyterServices, JupyterToolContext } from './services';

/**
 * The completion provider of the page.
 */
export function jupyterCompletions(): ICompletionProvider<IJupyterServices> {
  return {
    complete: async (request, context) => {
      const { ref, argument } = request;
      if (ref.type === 'ref/resource') {
        return Private.resource(ref.uri, request, context);
      }
      switch (argument.name) {
        case 'notebook_path':
          return Private.notebookPaths(argument.value, context, true);
        case 'cell_index': {
          const panel = Private.panel(request, context, 'user');
          return panel ? errorCells(Private.cells(panel)).map(String) : [];
        }
        case 'cell_indices': {
          const panel = Private.panel(request, context, 'session');
          const count = panel?.context.model.cells.length ?? 0;
          return count ? [`0-${count - 1}`, ...Private.range(count)] : [];
        }
        default:
          return [];
      }
    }
  };
}

namespace Private {
  /**
   * Completion of a resource template's variables.
   */
  export async function resource(
    uri: string,
    request: ICompletionRequest,
    context: JupyterToolContext
  ): Promise<string[] | null> {
    const { argument } = request;
    if (uri === NOTEBOOK_TEMPLATE) {
      return argument.name === 'notebook_path'
        ? notebookPaths(argument.value, context, false)
        : [];
    }
    if (uri !== OUTPUT_TEMPLATE) {
      return null;
    }
    if (argument.name === 'notebook_path') {
      return notebookPaths(argument.value, context, false);
    }
    const path = request.arguments.notebook_path;
    const panel = path ? context.services.workspace.find(path) : undefined;
    if (!panel) {
      return [];
    }
    const cells = Private.cells(panel);
    if (argument.name === 'cell_id') {
      return cells
        .filter(cell => cell.cell_type === 'code' && outputsOf(cell).length)
        .map(cell => String(cell.id ?? ''));
    }
    if (argument.name === 'output_index') {
      const cell = cells.find(item => item.id === request.arguments.cell_id);
      return cell ? range(outputsOf(cell).length) : [];
    }
    return [];
  }

  /**
   * Notebook paths: the open notebooks, then (for prompts, which open
   * notebooks themselves) the notebooks and directories of the directory
   * typed so far. Resources are read from open notebooks only.
   */
  export async function notebookPaths(
    value: string,
    context: JupyterToolContext,
    withFiles: boolean
  ): Promise<string[]> {
    const open: string[] = [];
    context.services.tracker.forEach(panel => open.push(panel.context.path));
    if (!withFiles) {
      return open;
    }
    const slash = value.lastIndexOf('/');
    const directory = slash >= 0 ? value.slice(0, slash) : '';
    let files: string[] = [];
    try {
      const listing = await context.services.files.list(directory, {
        depth: 1
      });
      files = listing.entries
        .filter(
          entry =>
            entry.type === 'directory' ||
            (entry.type === 'notebook' && entry.path.endsWith('.ipynb'))
        )
        .map(entry =>
          entry.type === 'directory' ? `${entry.path}/` : entry.path
        );
    } catch {
      // No such directory (yet): the open notebooks are all there is.
    }
    return [...open, ...files];
  }

  /**
   * The notebook named by the filled-in arguments, or the default one.
   */
  export function panel(
    request: ICompletionRequest,
    context: JupyterToolContext,
    first: 'session' | 'user'
  ): NotebookPanel | undefined {
    const path =
      request.arguments.notebook_path || defaultPromptNotebook(context, first);
    return path ? context.services.workspace.find(path) : undefined;
  }

  export function cells(panel: NotebookPanel): nbformat.ICell[] {
    return (panel.context.model.toJSON() as nbformat.INotebookContent).cells;
  }

  export function outputsOf(cell: nbformat.ICell): nbformat.IOutput[] {
    return cell.cell_type === 'code'
      ? ((cell as nbformat.ICodeCell).outputs ?? [])
      : [];
  }

  export function range(count: number): string[] {
    return Array.from({ length: count }, (_, i) => String(i));
  }
}
