/**
 * Notebook tools: list, use, read.
 */

import { z } from 'zod';

import { cellInfo, describeCell, type ICellInfo } from '../actions/notebooks';
import { pageOf } from '../core/cells';
import { withTimeout } from '../core/timeout';
import { jsonOutput, ToolError } from '../mcp/tool';
import { notebookSummary, NotebookWorkspace } from '../jupyter/workspace';
import { notebookFor, notebookPath } from './arguments';
import { defineJupyterTool, saveAfterEdit, type JupyterTool } from './services';
import { checkKernelName, checkNotebook } from './checks';

const listNotebooks = defineJupyterTool({
  name: 'list_notebooks',
  title: 'List open notebooks',
  description:
    'List the notebooks open in the user\'s JupyterLab: path, kernel and its status, whether they have unsaved changes, which one the user is looking at ("active"), and which one this session is using. Call this first to see what the user is working on.',
  category: 'read',
  input: {},
  output: {
    notebooks: z.array(z.object(notebookSummary)),
    session_notebook: z
      .string()
      .nullable()
      .describe('The notebook this session uses, if any.')
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (_, context) => {
    const notebooks = context.services.workspace.list(context.session);
    return jsonOutput(
      notebooks.length
        ? `${notebooks.length} notebook(s) open.`
        : 'No notebook is open. Call use_notebook to open or create one.',
      { notebooks, session_notebook: context.session.notebookPath }
    );
  }
});

const useNotebook = defineJupyterTool({
  name: 'use_notebook',
  title: 'Use a notebook',
  description:
    'Open a notebook by path (creating it, with a kernel, when no file exists there) and make it the notebook this session works on: later tools default to it. It opens in a JupyterLab tab beside the user\'s, without taking their focus unless "activate" is true. Other sessions keep their own notebook.',
  category: 'edit',
  input: {
    notebook_path: z
      .string()
      .min(1)
      .describe(
        'Path of the notebook relative to the Jupyter server root, ending in .ipynb, e.g. "experiments/run1.ipynb".'
      ),
    create: z
      .boolean()
      .default(true)
      .describe(
        'Create the notebook when no file exists at the path (default true).'
      ),
    kernel_name: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Kernelspec for a new notebook, e.g. "python3". Default: the server\'s default kernel.'
      ),
    activate: z
      .boolean()
      .default(false)
      .describe(
        "Bring the notebook's tab to the front and focus it (default false: the user keeps their focus)."
      )
  },
  output: {
    path: z.string(),
    created: z.boolean(),
    kernel: z.object({ name: z.string(), id: z.string() }).nullable(),
    cell_count: z.number().int()
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    const path = NotebookWorkspace.checkNotebookPath(args.notebook_path);
    const found = await context.services.workspace.peek(path);
    if (!found && !args.create) {
      await checkNotebook({ notebook_path: path }, context);
    }
    if (!found) {
      await checkKernelName(args.kernel_name, context);
      if (!(await context.services.files.parentExists(path))) {
        throw new ToolError(
          `Cannot create "${path}": its directory does not exist (create it with create_directory).`
        );
      }
    }
  },
  run: async (args, context) => {
    const path = NotebookWorkspace.checkNotebookPath(args.notebook_path);
    const { panel, created } = await context.services.workspace.open(path, {
      create: args.create,
      activate: args.activate,
      kernelName: args.kernel_name
    });
    context.session.notebookPath = path;
    context.saveSession();
    const kernel = panel.sessionContext.session?.kernel;
    if (created && kernel) {
      // JupyterLab writes the kernel's language_info into a new notebook
      // once the kernel answers: wait for it and save that too, so that the
      // new notebook holds no unsaved change of nobody's.
      const info = await withTimeout(kernel.info, 10_000).catch(() => null);
      if (info && !info.timedOut) {
        saveAfterEdit(panel, context);
      }
    }
    return jsonOutput(
      `${created ? 'Created and opened' : 'Using'} "${path}".`,
      {
        path,
        created,
        kernel: kernel ? { name: kernel.name, id: kernel.id } : null,
        cell_count: panel.context.model.cells.length
      }
    );
  }
});

const readNotebook = defineJupyterTool({
  name: 'read_notebook',
  title: 'Read a notebook',
  description:
    'Read a notebook\'s cells: index, id, type, execution count, version (pass it back to edits to be refused if the cell changed) and source. "brief" gives the first line of each cell; "detailed" gives whole sources and a short text summary of outputs (use read_cell for full outputs and images). Page through long notebooks with "start_index" and "limit".',
  category: 'read',
  input: {
    notebook_path: notebookPath,
    response_format: z
      .enum(['brief', 'detailed'])
      .default('brief')
      .describe('"brief" (first line of each cell, default) or "detailed".'),
    start_index: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Index of the first cell to return (default 0).'),
    limit: z
      .number()
      .int()
      .min(0)
      .default(50)
      .describe('Largest number of cells to return (default 50; 0 for all).')
  },
  output: {
    path: z.string(),
    total_cells: z.number().int(),
    start_index: z.number().int(),
    cells: z.array(cellInfo),
    notebook_version: z
      .string()
      .nullable()
      .describe(
        "The notebook's change version now: pass it to get_notebook_changes to learn what changed since (cells added, removed, moved, edited, outputs)."
      )
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const total = panel.context.model.cells.length;
    const page = pageOf(total, args.start_index, args.limit);
    const detailed = args.response_format === 'detailed';
    const maxChars = context.services.limits().maxOutputChars;
    const cells: ICellInfo[] = [];
    for (let i = page.start; i < page.end; i++) {
      cells.push(
        describeCell(panel.context.model.sharedModel, i, detailed, maxChars)
      );
    }
    const more =
      page.end < total
        ? ` More cells follow: call again with start_index=${page.end}.`
        : '';
    return jsonOutput(
      `"${panel.context.path}": cells ${page.start} to ${page.end - 1} of ${total}.${more}`,
      {
        path: panel.context.path,
        total_cells: total,
        start_index: page.start,
        cells,
        notebook_version: context.services.changes.log(panel)?.tag ?? null
      }
    );
  }
});

const unuseNotebook = defineJupyterTool({
  name: 'unuse_notebook',
  title: 'Stop using a notebook',
  description:
    'Stop using a notebook: this session forgets it, and its tab is closed unless it has unsaved changes (then it stays open and the user is asked nothing). The file and its kernel are kept.',
  category: 'edit',
  input: {
    notebook_path: notebookPath
  },
  output: {
    path: z.string(),
    closed: z.boolean().describe('Its tab was closed.'),
    session_notebook: z.string().nullable()
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async args => {
    if (args.notebook_path !== undefined) {
      NotebookWorkspace.checkNotebookPath(args.notebook_path);
    }
  },
  run: async (args, context) => {
    const path =
      args.notebook_path !== undefined
        ? NotebookWorkspace.checkNotebookPath(args.notebook_path)
        : context.session.notebookPath;
    if (!path) {
      throw new ToolError(
        'No notebook is in use by this session; pass "notebook_path" to close a notebook.'
      );
    }
    if (context.session.notebookPath === path) {
      context.session.notebookPath = null;
      context.saveSession();
    }
    const panel = context.services.workspace.find(path);
    let closed = false;
    let note = 'It was not open.';
    if (panel) {
      // An agent's edit being saved is not the user's unsaved change, nor
      // are JupyterLab's own on opening a notebook.
      await context.services.workspace.settled(panel);
      if (context.services.workspace.changedByUser(panel)) {
        note = 'It has unsaved changes, so its tab stays open for the user.';
      } else {
        await context.services.workspace.close(panel);
        closed = true;
        note = 'Its tab was closed.';
      }
    }
    return jsonOutput(`This session no longer uses "${path}". ${note}`, {
      path,
      closed,
      session_notebook: context.session.notebookPath
    });
  }
});

/**
 * The notebook tools.
 */
export const notebookTools: JupyterTool[] = [
  listNotebooks,
  useNotebook,
  unuseNotebook,
  readNotebook
];
