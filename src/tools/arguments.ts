/**
 * Argument schemas shared by several tools, described for an LLM.
 */

import type { NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

import { ToolError } from '../mcp/tool';
import type { JupyterToolContext } from './services';

/**
 * The optional notebook path every notebook tool takes.
 */
export const notebookPath = z
  .string()
  .min(1)
  .optional()
  .describe(
    'Path of the notebook, relative to the Jupyter server root (e.g. "analysis/report.ipynb"). Default: the notebook this session is using (see use_notebook).'
  );

/**
 * A cell named by index.
 */
export const cellIndex = z
  .number()
  .int()
  .optional()
  .describe(
    'Index of the cell (0-based; -1 is the last cell). Give this or "cell_id".'
  );

/**
 * A cell named by id.
 */
export const cellId = z
  .string()
  .min(1)
  .optional()
  .describe(
    'Id of the cell, as returned by read_notebook; stays the same when cells move. Give this or "cell_index".'
  );

/**
 * A cell type.
 */
export const cellType = z
  .enum(['code', 'markdown', 'raw'])
  .describe('Cell type: "code", "markdown" or "raw".');

/**
 * The version of a cell as last read, to refuse stale edits.
 */
export const expectedVersion = z
  .string()
  .min(1)
  .optional()
  .describe(
    'The cell\'s "version" from your last read: if the cell changed since (for example the user edited it), the edit is refused and nothing changes.'
  );

/**
 * The notebook a tool acts on: `notebook_path` if given, else the
 * session's notebook (opened in the background if it is not open).
 */
export function notebookFor(
  args: { notebook_path?: string },
  context: JupyterToolContext
): Promise<NotebookPanel> {
  return context.services.workspace.resolve(
    args.notebook_path,
    context.session
  );
}

/**
 * A timeout asked for by the agent, or the default from the settings (for
 * a call run as an MCP task, the largest allowed: the task is there to
 * wait); refused above the configured maximum.
 */
export function checkTimeout(
  requested: number | undefined,
  context: JupyterToolContext
): number {
  const limits = context.services.limits();
  const value =
    requested ??
    (context.task ? limits.maxTimeoutSeconds : limits.defaultTimeoutSeconds);
  if (value > limits.maxTimeoutSeconds) {
    throw new ToolError(
      `"timeout_seconds" ${value} is above the maximum of ${limits.maxTimeoutSeconds} seconds (set in the bridge settings).`
    );
  }
  return value;
}
