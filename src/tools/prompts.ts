/**
 * The MCP prompts of the page: cite cells (the reference server's
 * `jupyter_cite`), explain or fix a cell's error, summarize a notebook.
 *
 * Each prompt is defined like a tool of the `read` category (its arguments
 * are strings, as MCP prompt arguments are), so that getting it goes
 * through the dispatcher: argument checks, the user's policy, the activity
 * log. Its content blocks become the prompt's user messages.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

import { renderNotebookText } from '../core/notebooktext';
import {
  citeText,
  errorCells,
  errorPromptText,
  parseCellIndices,
  summaryText
} from '../core/prompts';
import { ToolError, textOutput } from '../mcp/tool';
import { htmlToText } from '../jupyter/html';
import { NotebookWorkspace } from '../jupyter/workspace';
import {
  defineJupyterTool,
  type JupyterTool,
  type JupyterToolContext
} from './services';

/**
 * The `notebook_path` argument of the prompts (completed from the open
 * notebooks and the notebook files).
 */
const promptNotebookPath = (fallback: string) =>
  z
    .string()
    .optional()
    .describe(
      `Path of the notebook, relative to the Jupyter server root. Default: ${fallback}.`
    );

const cellIndexArgument = z
  .string()
  .optional()
  .describe(
    "Index of the cell (0-based). Default: the notebook's active cell (the one the user is on)."
  );

/**
 * Define a prompt: a tool definition of the `read` category that is not
 * listed among the tools.
 */
const definePrompt = defineJupyterTool;

const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
};

const jupyterCite = definePrompt({
  name: 'jupyter_cite',
  title: 'Cite notebook cells',
  description:
    'Like @ or # in a coding IDE or CLI: cite cells of a notebook (their sources, as the page holds them, unsaved changes included) and put them into the prompt, followed by your instruction.',
  category: 'read',
  input: {
    prompt: z.string().describe('User prompt for the cited cells.'),
    cell_indices: z
      .string()
      .describe(
        "Cell indices to cite (0-based), supporting flexible range format, e.g. '0,1,2', '0-2' or '0-2,4' ('3-' runs to the last cell)."
      ),
    notebook_path: promptNotebookPath(
      'the notebook this session uses, else the one the user is in'
    )
  },
  annotations: READ_ONLY,
  run: async (args, context) => {
    const panel = await Private.notebook(
      args.notebook_path,
      context,
      'session'
    );
    const cells = Private.cells(panel);
    const parsed = parseCellIndices(args.cell_indices, cells.length);
    if (!parsed.ok) {
      throw new ToolError(parsed.error);
    }
    return textOutput(
      citeText(panel.context.path, cells, parsed.indices, args.prompt)
    );
  }
});

/**
 * The two error prompts differ only in what they ask.
 */
function errorPrompt(fix: boolean): JupyterTool {
  return definePrompt({
    name: fix ? 'fix_cell_error' : 'explain_cell_error',
    title: fix ? "Fix a cell's error" : "Explain a cell's error",
    description: fix
      ? "Fix the error a code cell raised (by default the active cell of the notebook the user is in): the prompt holds the cell's source, its version and the cleaned traceback, and asks to change the cell (refusing stale edits) and run it again."
      : "Explain the error a code cell raised (by default the active cell of the notebook the user is in): the prompt holds the cell's source and the cleaned traceback.",
    category: 'read',
    input: {
      notebook_path: promptNotebookPath(
        'the notebook the user is in, else the one this session uses'
      ),
      cell_index: cellIndexArgument
    },
    annotations: READ_ONLY,
    run: async (args, context) => {
      const panel = await Private.notebook(args.notebook_path, context, 'user');
      const cells = Private.cells(panel);
      const index = Private.cellIndex(args.cell_index, panel, cells.length);
      const language = Private.language(panel);
      const result = errorPromptText(
        {
          path: panel.context.path,
          language,
          index,
          cell: cells[index],
          cellsWithErrors: errorCells(cells),
          maxChars: context.services.limits().maxOutputChars
        },
        fix
      );
      if (!result.ok) {
        throw new ToolError(result.error);
      }
      return textOutput(result.text);
    }
  });
}

const summarizeNotebook = definePrompt({
  name: 'summarize_notebook',
  title: 'Summarize a notebook',
  description:
    'Summarize a notebook: the prompt holds the live notebook as Markdown (cells with ids, sources and outputs cut short, as its notebook:// resource reads) and asks for its purpose, data, steps, results and loose ends.',
  category: 'read',
  input: {
    notebook_path: promptNotebookPath(
      'the notebook this session uses, else the one the user is in'
    ),
    focus: z
      .string()
      .optional()
      .describe('What the summary should dwell on (optional).')
  },
  annotations: READ_ONLY,
  run: async (args, context) => {
    const panel = await Private.notebook(
      args.notebook_path,
      context,
      'session'
    );
    const limits = context.services.limits();
    const content = panel.context.model.toJSON() as nbformat.INotebookContent;
    const text = renderNotebookText(panel.context.path, content, {
      maxOutputChars: Math.min(limits.maxOutputChars, Private.OUTPUT_CHARS),
      htmlToText,
      kernel: panel.sessionContext.session?.kernel?.name ?? null
    });
    return textOutput(
      summaryText(
        panel.context.path,
        text,
        args.focus ?? '',
        limits.maxResultChars
      )
    );
  }
});

/**
 * The prompts the bridge serves.
 */
export function jupyterPrompts(): JupyterTool[] {
  return [
    jupyterCite,
    errorPrompt(false),
    errorPrompt(true),
    summarizeNotebook
  ];
}

/**
 * The notebook a prompt reads when no path is given: the session's or the
 * one the user is in, in the order `first` says.
 */
export function defaultPromptNotebook(
  context: JupyterToolContext,
  first: 'session' | 'user'
): string | null {
  const user = context.services.tracker.currentWidget?.context.path ?? null;
  const session = context.session.notebookPath;
  return first === 'session' ? (session ?? user) : (user ?? session);
}

namespace Private {
  /**
   * Characters of each output in a summarized notebook, as in its
   * notebook:// resource.
   */
  export const OUTPUT_CHARS = 2000;

  /**
   * The notebook a prompt reads ('' counts as not given: some clients send
   * every argument).
   */
  export async function notebook(
    path: string | undefined,
    context: JupyterToolContext,
    first: 'session' | 'user'
  ): Promise<NotebookPanel> {
    const target = path ? path : defaultPromptNotebook(context, first);
    if (!target) {
      throw new ToolError(
        'No notebook is open in the page and this session uses none: pass "notebook_path".'
      );
    }
    const checked = NotebookWorkspace.checkNotebookPath(target);
    const { panel } = await context.services.workspace.open(checked, {
      create: false,
      activate: false
    });
    return panel;
  }

  /**
   * The cells of the live notebook, unsaved changes included.
   */
  export function cells(panel: NotebookPanel): nbformat.ICell[] {
    return (panel.context.model.toJSON() as nbformat.INotebookContent).cells;
  }

  /**
   * The cell an error prompt reads: `cell_index`, else the active cell.
   */
  export function cellIndex(
    text: string | undefined,
    panel: NotebookPanel,
    count: number
  ): number {
    const range = count
      ? `0 to ${count - 1}`
      : 'none: the notebook has no cells';
    if (!text) {
      const active = panel.content.activeCellIndex;
      if (active < 0 || active >= count) {
        throw new ToolError(
          `"${panel.context.path}" has no active cell: pass "cell_index" (${range}).`
        );
      }
      return active;
    }
    if (!/^\d+$/.test(text.trim()) || Number(text) >= count) {
      throw new ToolError(
        `Argument "cell_index" ("${text}") is not a cell index of "${panel.context.path}" (valid: ${range}).`
      );
    }
    return Number(text);
  }

  /**
   * The notebook's language, for the source fence.
   */
  export function language(panel: NotebookPanel): string {
    const metadata = panel.context.model.getMetadata('language_info') as
      { name?: unknown } | undefined;
    return typeof metadata?.name === 'string' ? metadata.name : 'python';
  }
}
