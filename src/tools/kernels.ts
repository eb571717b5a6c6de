/**
 * Kernel tools: list kernels and kernelspecs, start, change, interrupt,
 * restart and shut down a notebook's kernel, inspect its variables.
 */

import { z } from 'zod';

import { describeVariable } from '../core/variables';
import {
  KernelService,
  kernelInfo,
  kernelSpecInfo,
  notebookKernel
} from '../jupyter/kernels';
import { jsonOutput } from '../mcp/tool';
import { notebookFor, notebookPath } from './arguments';
import {
  defineJupyterTool,
  saveAfterEdit,
  type JupyterTool,
  type JupyterToolContext
} from './services';
import { checkKernelName, checkNotebook } from './checks';

const kernelName = z
  .string()
  .min(1)
  .describe(
    'Name of an installed kernelspec, e.g. "python3" (list_kernels shows the available ones).'
  );

const listKernels = defineJupyterTool({
  name: 'list_kernels',
  title: 'List kernels',
  description:
    'List the kernels running on the Jupyter server (id, kernelspec name, execution state, number of connections, last activity, and which open notebooks and server sessions use each), and the installed kernelspecs (name, display name, language, which is the default). Use it to pick a "kernel_name" for start_kernel, change_kernel or use_notebook, or to see what is busy.',
  category: 'read',
  input: {},
  output: {
    kernels: z.array(z.object(kernelInfo)),
    kernelspecs: z.array(z.object(kernelSpecInfo)),
    default_kernelspec: z.string().nullable()
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (_, context) => {
    const listed = await Private.kernels(context).list();
    const lines = listed.kernels.map(
      kernel =>
        `- ${kernel.name} ${kernel.id} (${kernel.execution_state ?? 'unknown'})${kernel.open_notebooks.length ? ` used by ${kernel.open_notebooks.join(', ')}` : ''}`
    );
    const specs = listed.kernelspecs
      .map(spec => `${spec.name}${spec.is_default ? ' (default)' : ''}`)
      .join(', ');
    return jsonOutput(
      `${listed.kernels.length} kernel(s) running${lines.length ? ':\n' + lines.join('\n') : '.'}\nKernelspecs: ${specs || '(none)'}.`,
      { ...listed }
    );
  }
});

const startKernel = defineJupyterTool({
  name: 'start_kernel',
  title: 'Start a kernel',
  description:
    "Start a kernel for a notebook that has none (for example after shutdown_kernel), as the user would by selecting a kernel. Without \"kernel_name\" it starts the kernelspec named in the notebook's metadata, or the server's default. Returns the new kernel's id, name and status. Use change_kernel for a notebook that already has a kernel.",
  category: 'execute',
  input: {
    notebook_path: notebookPath,
    kernel_name: kernelName
      .optional()
      .describe(
        'Kernelspec to start, e.g. "python3" (default: the notebook\'s own kernelspec, else the server default; list_kernels shows the available ones).'
      )
  },
  output: notebookKernel,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
    await checkKernelName(args.kernel_name, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = await Private.kernels(context).start(
      panel,
      args.kernel_name
    );
    saveAfterEdit(panel, context);
    return jsonOutput(
      `Started kernel "${result.kernel?.name}" for "${result.path}".`,
      { ...result }
    );
  }
});

const changeKernel = defineJupyterTool({
  name: 'change_kernel',
  title: "Change a notebook's kernel",
  description:
    "Switch a notebook to a kernel of another kernelspec (e.g. another Python environment or language): the current kernel is shut down, so its variables are lost, and the notebook's kernelspec metadata is updated and saved. Does nothing if the notebook already runs that kernelspec. Returns the new kernel's id, name and status.",
  category: 'kernel',
  input: {
    notebook_path: notebookPath,
    kernel_name: kernelName
  },
  output: {
    ...notebookKernel,
    changed: z.boolean().describe('False when it already ran that kernelspec.'),
    previous_kernel: z
      .string()
      .nullable()
      .describe('The kernelspec it ran before.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
    await checkKernelName(args.kernel_name, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = await Private.kernels(context).change(
      panel,
      args.kernel_name
    );
    if (!result.changed) {
      return jsonOutput(
        `"${result.path}" already runs kernel "${args.kernel_name}"; nothing changed.`,
        result
      );
    }
    saveAfterEdit(panel, context);
    const was = result.previous_kernel;
    return jsonOutput(
      `"${result.path}" now runs kernel "${result.kernel?.name}"${was ? ` (was "${was}")` : ''}.`,
      result
    );
  }
});

const interruptKernel = defineJupyterTool({
  name: 'interrupt_kernel',
  title: 'Interrupt a kernel',
  description:
    "Interrupt a notebook's kernel, as the user's stop button does: the running cell ends with KeyboardInterrupt (collect it with get_execution_result) and queued cells are not run. Variables are kept. Use it to stop a cell that runs too long.",
  category: 'execute',
  input: {
    notebook_path: notebookPath
  },
  output: {
    ...notebookKernel,
    interrupted_executions: z
      .array(z.string())
      .describe('The execution_id of each run interrupted.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const runs = context.services.executions.runningIn(panel);
    const result = await Private.kernels(context).interrupt(panel, runs);
    const ids = runs.map(run => run.id);
    return jsonOutput(
      `Interrupted the kernel of "${result.path}"${ids.length ? `; interrupted run(s): ${ids.join(', ')}` : ''}.`,
      { ...result, interrupted_executions: ids }
    );
  }
});

const restartNotebook = defineJupyterTool({
  name: 'restart_notebook',
  title: "Restart a notebook's kernel",
  description:
    "Restart a notebook's kernel without asking the user: all variables and imports are lost, cell outputs stay. Use it to start from a clean state, or after installing packages; then re-run the cells you need. Returns when the restarted kernel is ready.",
  category: 'kernel',
  input: {
    notebook_path: notebookPath
  },
  output: notebookKernel,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const { restartedBy, ...result } =
      await Private.kernels(context).restart(panel);
    return jsonOutput(
      restartedBy === 'server'
        ? `The kernel "${result.kernel?.name}" of "${result.path}" had died, and the Jupyter server restarted it; it is ${result.kernel?.status ?? 'gone'} now, and its variables are gone.`
        : `Restarted kernel "${result.kernel?.name}" of "${result.path}"; its variables are gone.`,
      { ...result }
    );
  }
});

const shutdownKernel = defineJupyterTool({
  name: 'shutdown_kernel',
  title: 'Shut down a kernel',
  description:
    "Shut down a notebook's kernel: its variables are lost and its memory freed; the notebook stays open, without a kernel, until start_kernel. Returns the id and name of the kernel shut down.",
  category: 'kernel',
  input: {
    notebook_path: notebookPath
  },
  output: {
    path: z.string(),
    kernel: z
      .object({ id: z.string(), name: z.string() })
      .describe('The kernel shut down.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkNotebook(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = await Private.kernels(context).shutdown(panel);
    return jsonOutput(
      `Shut down kernel "${result.kernel.name}" (${result.kernel.id}) of "${result.path}"; the notebook has no kernel now.`,
      { ...result }
    );
  }
});

const inspectVariables = defineJupyterTool({
  name: 'inspect_variables',
  title: 'Inspect variables',
  description:
    'List the user variables of a notebook\'s kernel (Python kernels): name, type, shape and dtype(s) for pandas DataFrames/Series and numpy arrays, length for other sized objects, and a short repr. Modules, functions, classes, IPython internals and names starting with "_" are left out. Runs silently: nothing is added to the notebook, its history or its variables. Use it to see what data exists before writing code.',
  category: 'read',
  input: {
    notebook_path: notebookPath,
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe(
        'Largest number of variables to return (default 100, at most 1000).'
      ),
    max_repr_chars: z
      .number()
      .int()
      .min(20)
      .max(5000)
      .default(200)
      .describe(
        'Longest repr of each variable, in characters (default 200, 20 to 5000).'
      )
  },
  output: {
    path: z.string(),
    variables: z.array(
      z.object({
        name: z.string(),
        type: z.string(),
        shape: z.array(z.number().int()).optional(),
        length: z.number().int().optional(),
        dtype: z.string().optional(),
        dtypes: z.string().optional(),
        repr: z.string()
      })
    ),
    total: z.number().int().describe('User variables, beyond the limit too.'),
    truncated: z.boolean().describe('Variables were left out by "limit".')
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
    const result = await Private.kernels(context).variables(panel, {
      limit: args.limit,
      maxRepr: args.max_repr_chars
    });
    const more = result.truncated
      ? `\n(${result.total - result.variables.length} more not shown: raise "limit".)`
      : '';
    const text = result.variables.length
      ? `${result.total} variable(s) in the kernel of "${panel.context.path}":\n${result.variables.map(describeVariable).join('\n')}${more}`
      : `No user variables in the kernel of "${panel.context.path}".`;
    return {
      content: [{ type: 'text', text }],
      structuredContent: { path: panel.context.path, ...result }
    };
  }
});

/**
 * The kernel tools.
 */
export const kernelTools: JupyterTool[] = [
  listKernels,
  startKernel,
  changeKernel,
  interruptKernel,
  restartNotebook,
  shutdownKernel,
  inspectVariables
];

namespace Private {
  /**
   * The kernel operations of the calling page.
   */
  export function kernels(context: JupyterToolContext): KernelService {
    return new KernelService(context.services.app, context.services.tracker);
  }
}
