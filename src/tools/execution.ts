/**
 * Execution tools: run cells (waiting or not), collect runs, answer
 * `input()`, run scratch code, run all cells.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

import { insertCell, resolveCell } from '../actions/cells';
import { resolveInsertIndex } from '../core/cells';
import { summarizeOutputs } from '../core/outputs';
import {
  KEEP_FINISHED_RUNS,
  runAllCells,
  runScratchCode,
  type CellExecution,
  type WaitOutcome
} from '../jupyter/execute';
import {
  jsonOutput,
  MAX_SESSION_RUNS,
  rememberRun,
  ToolError,
  type IToolOutput
} from '../mcp/tool';
import {
  cellId,
  cellIndex,
  checkTimeout,
  notebookFor,
  notebookPath
} from './arguments';
import { approvedRun } from './binding';
import { checkCell, checkInsert, checkNotebook } from './checks';
import { ProgressReporter } from './progress';
import { renderForAgent } from './render';
import {
  asAgent,
  defineJupyterTool,
  saveAfterEdit,
  userIsTypingIn,
  type JupyterTool,
  type JupyterToolContext
} from './services';

/**
 * What the tools that run or collect a cell return.
 */
const runReport = {
  execution_id: z
    .string()
    .describe('Pass it to get_execution_result or send_input.'),
  index: z
    .number()
    .int()
    .describe('Index of the cell now (-1 when it was deleted).'),
  id: z.string().describe('Id of the cell.'),
  state: z
    .enum([
      'queued',
      'running',
      'waiting_for_input',
      'ok',
      'error',
      'interrupted'
    ])
    .describe(
      '"queued": waiting behind another cell (perhaps the user\'s), which is never interrupted for it.'
    ),
  execution_count: z
    .number()
    .int()
    .nullable()
    .describe('Set once the run finished.'),
  elapsed_seconds: z.number(),
  output_count: z.number().int(),
  input_prompt: z
    .string()
    .optional()
    .describe('The prompt of a pending input() (state "waiting_for_input").')
};

const timeoutSeconds = z
  .number()
  .positive()
  .optional()
  .describe(
    'Seconds to wait (default from the settings, normally 120; at most the configured maximum, normally 3600).'
  );

const onTimeout = z
  .enum(['continue', 'interrupt'])
  .default('continue')
  .describe(
    'At the timeout: "continue" (default) returns the outputs so far and lets the cell run on (collect it later with get_execution_result); "interrupt" interrupts the kernel.'
  );

const wait = z
  .boolean()
  .default(true)
  .describe(
    'Wait for the cell (default true). false returns at once with an execution_id to pass to get_execution_result: use it for long runs such as training.'
  );

const executeCell = defineJupyterTool({
  name: 'execute_cell',
  title: 'Run a cell',
  description:
    'Run a code cell in the notebook\'s kernel, in the user\'s page (its output appears there and is saved), and return its outputs: stream text, results, tables as Markdown, errors as "Name: message" with a clean traceback, images (downscaled). While it runs, progress notifications carry new output (if the client sent a progress token). At "timeout_seconds" it returns the outputs so far, and by "on_timeout" leaves the cell running or interrupts it. With "wait": false it returns at once with an execution_id. Cancelling the call interrupts the kernel. A cell that calls input() returns with state "waiting_for_input" and its prompt: answer with send_input. Called as an MCP task, it answers at once with the task and follows the run to its end (the task is input_required while the cell waits in input(), until send_input answers), waiting up to timeout_seconds (default: the maximum); tasks/cancel interrupts this run only.',
  category: 'execute',
  taskSupport: 'optional',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    timeout_seconds: timeoutSeconds,
    on_timeout: onTimeout,
    wait
  },
  output: runReport,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    checkTimeout(args.timeout_seconds, context);
    await checkCell(args, context, { code: true });
  },
  preview: async (args, { target, services, preview }) => {
    const path = target.notebookPath;
    const index = target.cellIndex;
    if (!path || index === null) {
      return;
    }
    const cell = (await services.workspace.peek(path))?.cells[index];
    if (cell) {
      preview.run(path, [{ id: cell.id, index, source: cell.source }]);
    }
  },
  run: async (args, context) => {
    const timeout = checkTimeout(args.timeout_seconds, context);
    const panel = await notebookFor(args, context);
    const index = resolveCell(panel.context.model.sharedModel, args);
    context.note?.(
      `Cell ${index} had not been sent to the kernel yet: nothing ran.`
    );
    const execution = await Private.start(panel, index, context, {
      owner: context.session.id,
      before: approvedRun(context, panel.context.path)
    });
    Private.started(execution, context);
    return Private.follow(execution, context, {
      timeout,
      onTimeout: args.on_timeout,
      wait: args.wait
    });
  }
});

const insertExecuteCodeCell = defineJupyterTool({
  name: 'insert_execute_code_cell',
  title: 'Insert and run a code cell',
  description:
    'Insert a code cell (before "cell_index"; -1 appends) and run it at once, as insert_cell then execute_cell (also as an MCP task). Returns the new cell\'s index and id with its outputs.',
  category: 'execute',
  taskSupport: 'optional',
  input: {
    notebook_path: notebookPath,
    cell_index: z
      .number()
      .int()
      .default(-1)
      .describe('Position of the new cell (default -1: append).'),
    cell_source: z.string().describe('The code to insert and run.'),
    timeout_seconds: timeoutSeconds,
    on_timeout: onTimeout,
    wait
  },
  output: runReport,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    checkTimeout(args.timeout_seconds, context);
    await checkInsert(args, context);
  },
  preview: async (args, { target, services, preview }) => {
    const path = target.notebookPath;
    if (!path) {
      return;
    }
    const notebook = await services.workspace.peek(path);
    const position = resolveInsertIndex(
      args.cell_index,
      notebook?.cells.length ?? 0
    );
    preview.newCode(
      `a new cell at index ${position.ok ? position.index : '?'} of ${path}`,
      args.cell_source
    );
    preview.showsArguments('cell_source');
  },
  run: async (args, context) => {
    const timeout = checkTimeout(args.timeout_seconds, context);
    const panel = await notebookFor(args, context);
    const inserted = asAgent(context, () =>
      insertCell(panel.context.model.sharedModel, {
        index: args.cell_index,
        type: 'code',
        source: args.cell_source,
        keepBlankCell: userIsTypingIn(panel, 0)
      })
    );
    saveAfterEdit(panel, context);
    context.note?.(
      `The cell was inserted at index ${inserted.index} (id ${inserted.id}), not yet sent to the kernel: it did not run. Read the notebook before inserting it again.`
    );
    const execution = await Private.start(
      panel,
      inserted.index,
      context,
      // Its code is the argument the approval dialog showed.
      { owner: context.session.id }
    );
    Private.started(execution, context, 'inserted and ');
    return Private.follow(execution, context, {
      timeout,
      onTimeout: args.on_timeout,
      wait: args.wait
    });
  }
});

const getExecutionResult = defineJupyterTool({
  name: 'get_execution_result',
  title: 'Collect a run',
  description:
    'Get the state and outputs of a run started with execute_cell (with "wait": false, or one that timed out): waits up to "timeout_seconds" (default 0: answer at once) for it to finish.',
  category: 'read',
  input: {
    execution_id: z
      .string()
      .min(1)
      .describe(
        'The execution_id returned by execute_cell or insert_execute_code_cell.'
      ),
    timeout_seconds: z
      .number()
      .min(0)
      .default(0)
      .describe('Seconds to wait for the run to finish (default 0).'),
    on_timeout: onTimeout
  },
  output: runReport,
  // Not read-only: with "on_timeout": "interrupt" it interrupts the kernel.
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    Private.execution(args.execution_id, context);
  },
  run: async (args, context) => {
    const execution = Private.execution(args.execution_id, context);
    const timeout = Math.min(
      args.timeout_seconds,
      context.services.limits().maxTimeoutSeconds
    );
    return Private.follow(execution, context, {
      timeout,
      onTimeout: args.on_timeout,
      wait: true
    });
  }
});

const sendInput = defineJupyterTool({
  name: 'send_input',
  title: 'Answer input()',
  description:
    'Answer a cell that is waiting in input() (state "waiting_for_input"), as the user would type it in the page, then wait for the run as get_execution_result does.',
  category: 'execute',
  input: {
    execution_id: z
      .string()
      .min(1)
      .describe('The execution_id of the waiting run.'),
    value: z.string().describe('The line to send (without a newline).'),
    timeout_seconds: z
      .number()
      .min(0)
      .default(10)
      .describe('Seconds to wait for the run afterwards (default 10).')
  },
  output: runReport,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    Private.execution(args.execution_id, context);
  },
  run: async (args, context) => {
    const execution = Private.execution(args.execution_id, context);
    execution.answerInput(args.value);
    return Private.follow(execution, context, {
      timeout: Math.min(
        args.timeout_seconds,
        context.services.limits().maxTimeoutSeconds
      ),
      onTimeout: 'continue',
      wait: true
    });
  }
});

const executeCode = defineJupyterTool({
  name: 'execute_code',
  title: 'Run scratch code',
  description:
    "Run code in a notebook's kernel without adding a cell (IPython magics such as %timeit and shell commands such as !pip list work), e.g. to inspect data. Nothing is added to the notebook or its history. input() is not available here. At the timeout the kernel is interrupted if it is running this code; code still queued behind another cell (perhaps the user's) is left queued, never interrupting that cell. It may run as an MCP task (timeout default: the maximum).",
  category: 'execute',
  taskSupport: 'optional',
  input: {
    notebook_path: notebookPath,
    code: z.string().min(1).describe('The code to run.'),
    timeout_seconds: timeoutSeconds
  },
  output: {
    state: z
      .enum(['ok', 'error', 'interrupted', 'queued'])
      .describe(
        '"queued": still waiting behind another cell at the timeout; it runs later, and its output is not collected.'
      ),
    elapsed_seconds: z.number(),
    output_count: z.number().int()
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    checkTimeout(args.timeout_seconds, context);
    await checkNotebook(args, context);
  },
  run: async (args, context) => {
    const timeout = checkTimeout(args.timeout_seconds, context);
    const panel = await notebookFor(args, context);
    const reporter = new ProgressReporter(context);
    let run;
    try {
      context.note?.(
        'The code was sent to the kernel: it may have run, but its outputs are lost.'
      );
      run = await runScratchCode(panel, args.code, {
        timeoutMs: timeout * 1000,
        signal: context.signal,
        interruptOnAbort: () => context.cancelledByClient(),
        onOutput: text => reporter.output(text)
      });
    } finally {
      reporter.stop();
    }
    const { state, outputs } = run;
    const seconds = Math.round(run.elapsedMs / 100) / 10;
    const header =
      state === 'interrupted'
        ? `Interrupted after ${timeout} s (timeout); outputs so far:`
        : state === 'queued'
          ? `Still queued after ${timeout} s: the kernel is busy with another cell (perhaps the user's), which was left alone. The code runs when the kernel is free; its output will not come back here.`
          : `Ran in ${seconds.toFixed(1)} s (${state}); ${outputs.length} output(s).`;
    return {
      content: [
        { type: 'text', text: header },
        ...(await renderForAgent(outputs, context.services.limits(), null))
      ],
      structuredContent: {
        state,
        elapsed_seconds: seconds,
        output_count: outputs.length
      }
    };
  }
});

const runAllCellsTool = defineJupyterTool({
  name: 'notebook_run-all-cells',
  title: 'Run all cells',
  description:
    'Run every cell of the notebook with JupyterLab\'s "Run All Cells" command, as if the user chose it (the notebook is not brought to the front), and wait until they finish or "timeout_seconds" passes. Returns, per code cell, its execution count and a short output summary; use read_cell for full outputs. It may run as an MCP task (timeout default: the maximum).',
  category: 'execute',
  taskSupport: 'optional',
  input: {
    notebook_path: notebookPath,
    timeout_seconds: timeoutSeconds
  },
  output: {
    path: z.string(),
    status: z
      .enum(['ok', 'error', 'timeout'])
      .describe(
        '"ok", "error" (stopped at an error) or "timeout" (still running).'
      ),
    cells: z.array(
      z.object({
        index: z.number().int(),
        id: z.string(),
        execution_count: z.number().int().nullable(),
        outputs: z.string().describe('A short summary of its outputs.')
      })
    )
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    checkTimeout(args.timeout_seconds, context);
    await checkNotebook(args, context);
  },
  preview: async (args, { target, services, preview }) => {
    const path = target.notebookPath;
    const notebook = path ? await services.workspace.peek(path) : null;
    if (path && notebook) {
      preview.run(
        path,
        notebook.cells
          .map((cell, index) => ({ ...cell, index }))
          .filter(cell => cell.type === 'code')
      );
    }
  },
  run: async (args, context) => {
    const timeout = checkTimeout(args.timeout_seconds, context);
    const panel = await notebookFor(args, context);
    const started = Date.now();
    const running = runAllCells(
      context.services.commands,
      panel,
      timeout * 1000,
      approvedRun(context, panel.context.path)
    );
    context.services.changes.runBy(panel, null, context.session.id, running);
    const status = await running;
    if (status !== 'timeout') {
      saveAfterEdit(panel, context);
    }
    const cells = [];
    const model = panel.context.model.cells;
    for (let i = 0; i < model.length; i++) {
      const cell = model.get(i);
      if (cell.type !== 'code') {
        continue;
      }
      const json = cell.toJSON() as nbformat.ICodeCell;
      cells.push({
        index: i,
        id: cell.id,
        execution_count: json.execution_count ?? null,
        outputs: summarizeOutputs(json.outputs, 300)
      });
    }
    return jsonOutput(
      status === 'timeout'
        ? `Cells still running after ${timeout} s; the outputs so far:`
        : `Ran all cells of "${panel.context.path}" in ${((Date.now() - started) / 1000).toFixed(1)} s (${status === 'ok' ? 'no error' : 'stopped at an error'}).`,
      { path: panel.context.path, status, cells }
    );
  }
});

/**
 * The execution tools.
 */
export const executionTools: JupyterTool[] = [
  executeCell,
  insertExecuteCodeCell,
  getExecutionResult,
  sendInput,
  executeCode,
  runAllCellsTool
];

namespace Private {
  /**
   * The structured result of a run.
   */
  export type IRunReport = z.output<z.ZodObject<typeof runReport>>;

  /**
   * Start running the cell at `index`. Its outputs count as the session's
   * own changes of the notebook from the start (JupyterLab clears them as
   * it sends the cell), for subscribers to the notebook.
   */
  export async function start(
    panel: NotebookPanel,
    index: number,
    context: JupyterToolContext,
    options: Parameters<
      JupyterToolContext['services']['executions']['start']
    >[2]
  ): Promise<CellExecution> {
    const cellId = panel.context.model.sharedModel.cells[index]?.id ?? '';
    let release = (): void => undefined;
    const ran = new Promise<void>(resolve => (release = resolve));
    context.services.changes.runBy(panel, cellId, context.session.id, ran);
    try {
      const execution = await context.services.executions.start(
        panel,
        index,
        options
      );
      void execution.done.finally(release);
      return execution;
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * A run was sent to the kernel: keep it in the session's state (a page
   * the session moves to can tell of it), and note it for the error the
   * agent gets should this page go away before the run ends.
   */
  export function started(
    execution: CellExecution,
    context: JupyterToolContext,
    how = ''
  ): void {
    rememberRun(context.session, {
      id: execution.id,
      notebookPath: execution.panel.context.path,
      cellId: execution.cellId,
      startedAt: execution.startedAt,
      pageId: context.services.pages().thisPage
    });
    context.saveSession();
    // Saved when it ends, as the settings ask, whether the agent waits for
    // it, collects it later, or went away.
    void execution.done.then(() => saveAfterEdit(execution.panel, context));
    context.note?.(
      `Cell ${execution.index} (id ${execution.cellId}) was ${how}sent to the kernel as run ${execution.id}: it may still be running or have run, but its outputs did not reach the notebook. Read the cell (read_cell) before you run it again.`
    );
  }

  /**
   * The run of an execution_id in this page, or a ToolError that says what
   * is known of it: the session started it in a page that went away (the
   * session moved here), or nothing.
   */
  export function execution(
    id: string,
    context: JupyterToolContext
  ): CellExecution {
    const execution = context.services.executions.get(id);
    if (execution && execution.owner === context.session.id) {
      return execution;
    }
    const earlier = context.session.runs.find(run => run.id === id);
    const thisPage = context.services.pages().thisPage;
    if (earlier && earlier.pageId === thisPage) {
      throw new ToolError(
        `Run "${id}" finished long ago and was forgotten (a page keeps its last ${KEEP_FINISHED_RUNS} finished runs, for an hour); its outputs are in the cell: read_cell(cell_id="${earlier.cellId}", notebook_path="${earlier.notebookPath}").`
      );
    }
    if (!earlier) {
      throw new ToolError(
        `No run has execution_id "${id}" in this session (a page keeps its last ${KEEP_FINISHED_RUNS} finished runs, and a session that moves to another page takes its last ${MAX_SESSION_RUNS} along).`
      );
    }
    const panel = context.services.workspace.find(earlier.notebookPath);
    const index =
      panel?.context.model.sharedModel.cells.findIndex(
        cell => cell.id === earlier.cellId
      ) ?? -1;
    const where =
      index >= 0
        ? `It is cell ${index} now; read it with read_cell(cell_id="${earlier.cellId}")`
        : `Read the notebook with read_notebook(notebook_path="${earlier.notebookPath}") to find the cell`;
    throw new ToolError(
      `Run "${id}" (cell id ${earlier.cellId} of "${earlier.notebookPath}", started ${new Date(earlier.startedAt).toISOString()}) was in a JupyterLab tab that has since closed or reloaded; this session moved to another tab. Its kernel may have finished it, but its outputs did not reach the notebook, and it cannot be collected here. ${where}, and run it again if you need its outputs.`
    );
  }

  /**
   * Wait for a run as asked, and report it.
   */
  export async function follow(
    execution: CellExecution,
    context: JupyterToolContext,
    options: {
      timeout: number;
      onTimeout: 'continue' | 'interrupt';
      wait: boolean;
    }
  ): Promise<IToolOutput<IRunReport>> {
    let outcome: WaitOutcome | 'started' = 'started';
    if (options.wait) {
      const reporter = new ProgressReporter(context);
      execution.output.connect(reporter.onOutput, reporter);
      const deadline = Date.now() + options.timeout * 1000;
      const task = context.task;
      if (task && execution.state === 'queued') {
        task.status(
          'working',
          `Cell ${execution.index} (id ${execution.cellId}) is queued behind another cell (perhaps the user's), which is never interrupted for it (run ${execution.id}).`
        );
      }
      try {
        for (;;) {
          outcome = await execution.follow({
            timeoutMs: Math.max(0, deadline - Date.now()),
            onTimeout: options.onTimeout,
            signal: context.signal,
            interruptOnAbort: () => context.cancelledByClient()
          });
          if (outcome !== 'input' || !task) {
            break;
          }
          // A task follows the run through input(): it waits for send_input.
          task.status(
            'input_required',
            `Cell ${execution.index} (id ${execution.cellId}) waits in input(${JSON.stringify(execution.inputPrompt)}): answer with send_input(execution_id="${execution.id}", value=...).`
          );
          const answer = await inputAnswered(
            execution,
            deadline,
            context.signal
          );
          if (answer === 'cancelled') {
            if (context.cancelledByClient()) {
              await execution.interrupt();
            }
            outcome = 'cancelled';
            break;
          }
          if (answer === 'timeout') {
            if (options.onTimeout === 'interrupt') {
              await execution.interrupt();
            }
            outcome = 'timeout';
            break;
          }
          task.status(
            'working',
            `Input sent; cell ${execution.index} (id ${execution.cellId}) runs on (run ${execution.id}).`
          );
        }
      } finally {
        execution.output.disconnect(reporter.onOutput, reporter);
        reporter.stop();
      }
      if (
        outcome === 'cancelled' &&
        task &&
        context.cancelledByClient() &&
        execution.begun
      ) {
        // A cancelled task's result tells how its run ended: give the
        // interrupted cell a moment to stop.
        await execution.wait(CANCEL_SETTLE_MS, new AbortController().signal);
      }
    }
    if (outcome === 'cancelled' && !context.cancelledByClient()) {
      throw new ToolError(
        `The session ended while cell ${execution.index} (id ${execution.cellId}) ran (run ${execution.id}); the run goes on in the page.`
      );
    }
    const lost = execution.kernelLost;
    if (lost) {
      throw new ToolError(
        `The kernel ${lost} while cell ${execution.index} (id ${execution.cellId}) ran (run ${execution.id}), so the cell did not finish and the kernel's variables are gone. ${lost === 'died' ? 'Call restart_notebook to start it again' : 'It is starting again (call restart_notebook if it does not come back)'}, then re-run the cells this one needs.`
      );
    }
    if (execution.state === 'interrupted') {
      void context.log?.(
        'notice',
        `Cell ${execution.cellId} of "${execution.panel.context.path}" was interrupted (execution ${execution.id}).`
      );
    }
    return report(execution, outcome, options.timeout, context);
  }

  /**
   * Wait until a run's pending input() is answered (or the run ends), the
   * deadline passes, or `signal` aborts.
   */
  async function inputAnswered(
    execution: CellExecution,
    deadline: number,
    signal: AbortSignal
  ): Promise<'answered' | 'timeout' | 'cancelled'> {
    while (execution.inputPrompt !== null && !execution.finished) {
      if (signal.aborted) {
        return 'cancelled';
      }
      if (Date.now() >= deadline) {
        return 'timeout';
      }
      await new Promise(resolve => setTimeout(resolve, INPUT_POLL_MS));
    }
    return 'answered';
  }

  /**
   * How often a task waiting for input() looks whether it was answered.
   */
  const INPUT_POLL_MS = 100;

  /**
   * How long a cancelled task waits for its interrupted cell to stop.
   */
  const CANCEL_SETTLE_MS = 10_000;

  /**
   * The result of a run so far.
   */
  async function report(
    execution: CellExecution,
    outcome: WaitOutcome | 'started',
    timeout: number,
    context: JupyterToolContext
  ): Promise<IToolOutput<IRunReport>> {
    const index = execution.index;
    const state = execution.state;
    const elapsed =
      ((execution.finishedAt ?? Date.now()) - execution.startedAt) / 1000;
    const count = execution.executionCount;
    const where = `Cell ${index} (id ${execution.cellId})${count !== null && execution.finished ? ` [${count}]` : ''}`;
    let header: string;
    switch (state) {
      case 'ok':
        header = execution.blank
          ? `${where} is blank: nothing was sent to the kernel.`
          : `${where} ran in ${elapsed.toFixed(1)} s.`;
        break;
      case 'error':
        header = `${where} raised an error after ${elapsed.toFixed(1)} s:`;
        break;
      case 'interrupted':
        header = `${where} was interrupted after ${elapsed.toFixed(1)} s${outcome === 'cancelled' ? ' (the call was cancelled)' : ''}:`;
        break;
      case 'waiting_for_input':
        header = `${where} is waiting for input, prompt: ${JSON.stringify(execution.inputPrompt)}. Answer with send_input(execution_id="${execution.id}", value=...).`;
        break;
      case 'queued':
        header =
          outcome === 'started'
            ? `${where} is queued behind another cell (execution_id ${execution.id}); collect it with get_execution_result.`
            : `${where} is still queued after ${timeout} s: the kernel is busy with another cell (perhaps the user's), which was left alone${outcome === 'cancelled' ? '; the call was cancelled, and the cell will run when the kernel is free' : ''}. Collect it with get_execution_result(execution_id="${execution.id}").`;
        break;
      default:
        header =
          outcome === 'started'
            ? `${where} started (execution_id ${execution.id}); collect it with get_execution_result.`
            : outcome === 'cancelled'
              ? `${where}: the call was cancelled and the kernel interrupted; outputs so far:`
              : `${where} is still running after ${timeout} s (execution_id ${execution.id}); outputs so far. Collect the rest with get_execution_result.`;
    }
    const outputs = execution.outputs();
    const limits = context.services.limits();
    return {
      content: [
        { type: 'text', text: header },
        ...(outcome === 'started'
          ? []
          : await renderForAgent(outputs, limits, {
              notebookPath: execution.panel.context.path,
              cellId: execution.cellId
            }))
      ],
      structuredContent: {
        execution_id: execution.id,
        index,
        id: execution.cellId,
        state,
        execution_count: execution.finished ? count : null,
        elapsed_seconds: Math.round(elapsed * 10) / 10,
        output_count: outputs.length,
        ...(execution.inputPrompt !== null
          ? { input_prompt: execution.inputPrompt }
          : {})
      }
    };
  }
}
