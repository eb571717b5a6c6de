/**
 * Execution tools: run a cell, run all cells.
 */

import type * as nbformat from '@jupyterlab/nbformat';
import { z } from 'zod';

import {
  renderOutputs,
  stripAnsi,
  summarizeOutputs
} from '../core/outputs';
import { runCodeCell } from '../jupyter/execute';
import { jsonOutput, ToolError } from '../mcp/tool';
import { cellId, cellIndex, cellIndexOf, notebookPath } from './arguments';
import {
  defineJupyterTool,
  type JupyterTool,
  type JupyterToolContext
} from './services';

/**
 * Milliseconds between "still running" progress notifications.
 */
const HEARTBEAT_MS = 5000;

/**
 * Longest text of one progress notification.
 */
const MAX_PROGRESS_CHARS = 2000;

const executeCell = defineJupyterTool({
  name: 'execute_cell',
  title: 'Run a cell',
  description:
    'Run a code cell in the notebook\'s kernel, in the user\'s page (its output appears there and is saved), and return its outputs: stream text, results, errors as "Name: message" with a clean traceback, PNG/JPEG images as image content. Sends progress notifications with new output while it runs, if the client asked for progress. After "timeout_seconds" it returns the outputs so far and the cell keeps running. Cancelling the call interrupts the kernel.',
  category: 'execute',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    timeout_seconds: z
      .number()
      .positive()
      .optional()
      .describe(
        'Seconds to wait for the cell to finish (default from the settings, normally 120; at most the configured maximum, normally 3600).'
      )
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  run: async (args, context) => {
    const limits = context.services.limits();
    const timeout = args.timeout_seconds ?? limits.defaultTimeoutSeconds;
    if (timeout > limits.maxTimeoutSeconds) {
      throw new ToolError(
        `"timeout_seconds" ${timeout} is above the maximum of ${limits.maxTimeoutSeconds} seconds (set in the bridge settings).`
      );
    }
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
    const index = cellIndexOf(panel, args);
    const id = panel.context.model.cells.get(index).id;
    const reporter = new Private.ProgressReporter(context);
    let execution;
    try {
      execution = await runCodeCell(panel, index, {
        timeoutMs: timeout * 1000,
        signal: context.signal,
        onOutput: outputs => reporter.output(outputs)
      });
    } finally {
      reporter.stop();
    }
    if (execution.status !== 'timeout') {
      await context.services.workspace.save(panel);
    }
    const header = Private.header(index, id, execution);
    return {
      content: [
        { type: 'text', text: header },
        ...renderOutputs(execution.outputs, limits)
      ],
      structuredContent: {
        index,
        id,
        status: execution.status,
        execution_count: execution.executionCount,
        elapsed_seconds: Math.round(execution.elapsedMs / 100) / 10,
        output_count: execution.outputs.length
      }
    };
  }
});

const runAllCells = defineJupyterTool({
  name: 'notebook_run-all-cells',
  title: 'Run all cells',
  description:
    'Run every cell of the notebook with JupyterLab\'s "Run All Cells" command, as if the user chose it, and wait until they finish (or "timeout_seconds" passes). Returns, per code cell, its execution count and a short output summary; use read_cell for full outputs.',
  category: 'execute',
  input: {
    notebook_path: notebookPath,
    timeout_seconds: z
      .number()
      .positive()
      .optional()
      .describe('Seconds to wait for all cells (default and maximum from the settings).')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  run: async (args, context) => {
    const limits = context.services.limits();
    const timeout = args.timeout_seconds ?? limits.defaultTimeoutSeconds;
    if (timeout > limits.maxTimeoutSeconds) {
      throw new ToolError(
        `"timeout_seconds" ${timeout} is above the maximum of ${limits.maxTimeoutSeconds} seconds (set in the bridge settings).`
      );
    }
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
    if (!panel.sessionContext.session?.kernel) {
      throw new ToolError(
        `The notebook "${panel.context.path}" has no kernel: select one in JupyterLab first.`
      );
    }
    const started = Date.now();
    const run = context.services.commands.execute('notebook:run-all-cells', {
      semanticWidget: panel.id,
      activate: false
    }) as Promise<boolean>;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), timeout * 1000);
    });
    const outcome = await Promise.race([run, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') {
      await context.services.workspace.save(panel);
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
        execution_count: json.execution_count,
        outputs: summarizeOutputs(json.outputs, 300)
      });
    }
    const status =
      outcome === 'timeout' ? 'timeout' : outcome ? 'ok' : 'error';
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
export const executionTools: JupyterTool[] = [executeCell, runAllCells];

namespace Private {
  /**
   * The first line of an execution result.
   */
  export function header(
    index: number,
    id: string,
    execution: { status: string; executionCount: number | null; elapsedMs: number; outputs: unknown[] }
  ): string {
    const seconds = (execution.elapsedMs / 1000).toFixed(1);
    const count =
      execution.executionCount !== null ? ` [${execution.executionCount}]` : '';
    switch (execution.status) {
      case 'timeout':
        return `Cell ${index} (id ${id}) is still running after ${seconds} s; outputs so far (${execution.outputs.length}):`;
      case 'cancelled':
        return `Cell ${index} (id ${id}) was cancelled after ${seconds} s and the kernel interrupted; outputs so far:`;
      case 'error':
        return `Cell ${index} (id ${id})${count} raised an error after ${seconds} s:`;
      default:
        return `Cell ${index} (id ${id})${count} ran in ${seconds} s; ${execution.outputs.length} output(s).`;
    }
  }

  /**
   * Turns output changes into progress notifications: new text as it
   * arrives, and a heartbeat so that clients do not give up.
   */
  export class ProgressReporter {
    constructor(context: JupyterToolContext) {
      this._context = context;
      this._started = Date.now();
      this._heartbeat = setInterval(() => {
        const seconds = Math.round((Date.now() - this._started) / 1000);
        this._send(`Still running (${seconds} s).`);
      }, HEARTBEAT_MS);
    }

    output(text: string): void {
      const clean = stripAnsi(text);
      if (clean.trim()) {
        this._send(
          clean.length > MAX_PROGRESS_CHARS
            ? clean.slice(-MAX_PROGRESS_CHARS)
            : clean
        );
      }
    }

    stop(): void {
      clearInterval(this._heartbeat);
    }

    private _send(message: string): void {
      this._count += 1;
      void this._context.progress(message, this._count).catch(() => {
        // A closed stream is the client's business; the run goes on.
      });
    }

    private _context: JupyterToolContext;
    private _started: number;
    private _heartbeat: ReturnType<typeof setInterval>;
    private _count = 0;
  }
}
