/**
 * Running a code cell of the live notebook so its output shows in the page.
 */

import { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { KernelMessage } from '@jupyterlab/services';

import { ToolError } from '../mcp/tool';

/**
 * How an execution ended.
 */
export type ExecutionStatus = 'ok' | 'error' | 'timeout' | 'cancelled';

/**
 * The result of running a cell.
 */
export interface IExecution {
  status: ExecutionStatus;
  executionCount: number | null;
  outputs: nbformat.IOutput[];
  elapsedMs: number;
}

/**
 * Options of {@link runCodeCell}.
 */
export interface IRunOptions {
  timeoutMs: number;
  /**
   * Aborting interrupts the kernel.
   */
  signal: AbortSignal;
  /**
   * Called with the text of each new output message (stream text, results,
   * errors) as the kernel sends it.
   */
  onOutput?: (text: string) => void;
}

/**
 * Run the code cell at `index` through the page (the same path as the
 * user's Shift+Enter, without moving their selection or focus).
 */
export async function runCodeCell(
  panel: NotebookPanel,
  index: number,
  options: IRunOptions
): Promise<IExecution> {
  const cell = panel.content.widgets[index];
  if (!(cell instanceof CodeCell)) {
    throw new ToolError(
      `Cell ${index} is a ${cell?.model.type ?? 'missing'} cell; only code cells run.`
    );
  }
  const sessionContext = panel.sessionContext;
  await sessionContext.ready;
  const kernel = sessionContext.session?.kernel;
  if (!kernel) {
    throw new ToolError(
      `The notebook "${panel.context.path}" has no kernel: select one in JupyterLab, or reopen it with use_notebook.`
    );
  }
  const started = Date.now();
  const onIOPub = (_: unknown, message: KernelMessage.IIOPubMessage) => {
    const request = cell.outputArea.future?.msg.header.msg_id;
    if (request && message.parent_header.msg_id === request) {
      const text = Private.describe(message);
      if (text) {
        options.onOutput?.(text);
      }
    }
  };
  kernel.iopubMessage.connect(onIOPub);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const execution = CodeCell.execute(cell, sessionContext, {
      deletedCells: panel.content.model?.deletedCells ?? []
    }).then(reply => (reply?.content.status === 'ok' ? 'ok' : 'error'));
    const timeout = new Promise<ExecutionStatus>(resolve => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    });
    const cancelled = new Promise<ExecutionStatus>(resolve => {
      onAbort = () => {
        void kernel.interrupt();
        resolve('cancelled');
      };
      if (options.signal.aborted) {
        onAbort();
      } else {
        options.signal.addEventListener('abort', onAbort);
      }
    });
    const status: ExecutionStatus = await Promise.race([
      execution,
      timeout,
      cancelled
    ]);
    return {
      status,
      executionCount: cell.model.executionCount,
      outputs: Private.outputsOf(cell),
      elapsedMs: Date.now() - started
    };
  } finally {
    clearTimeout(timer);
    if (onAbort) {
      options.signal.removeEventListener('abort', onAbort);
    }
    kernel.iopubMessage.disconnect(onIOPub);
  }
}

namespace Private {
  /**
   * The text an output message adds, for progress.
   */
  export function describe(message: KernelMessage.IIOPubMessage): string {
    if (KernelMessage.isStreamMsg(message)) {
      return message.content.text;
    }
    if (KernelMessage.isErrorMsg(message)) {
      return `${message.content.ename}: ${message.content.evalue}`;
    }
    if (
      KernelMessage.isExecuteResultMsg(message) ||
      KernelMessage.isDisplayDataMsg(message)
    ) {
      const data = message.content.data;
      const plain = data['text/plain'];
      return typeof plain === 'string'
        ? plain
        : `[${Object.keys(data).join(', ')}]`;
    }
    return '';
  }

  export function outputsOf(cell: CodeCell): nbformat.IOutput[] {
    return cell.model.outputs.toJSON();
  }
}
