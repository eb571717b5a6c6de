/**
 * Running code cells of the live notebook so their output shows in the
 * page, and keeping track of the runs so that an agent can wait for a run,
 * leave it, and collect it later.
 */

import { CodeCell } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { KernelMessage, type Kernel } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';
import { Signal, type ISignal } from '@lumino/signaling';

import { withTimeout } from '../core/timeout';
import { ToolError } from '../mcp/tool';

/**
 * How far an execution got.
 */
export type ExecutionState =
  'queued' | 'running' | 'waiting_for_input' | 'ok' | 'error' | 'interrupted';

/**
 * What {@link CellExecution.wait} saw first.
 */
export type WaitOutcome = 'finished' | 'timeout' | 'cancelled' | 'input';

/**
 * One run of a code cell.
 */
export class CellExecution {
  constructor(
    panel: NotebookPanel,
    cell: CodeCell,
    kernel: Kernel.IKernelConnection,
    owner = ''
  ) {
    this.id = Private.newId();
    this.owner = owner;
    this.panel = panel;
    this.cellId = cell.model.id;
    this.startedAt = Date.now();
    this.blank = !cell.model.sharedModel.getSource().trim();
    this._cell = cell;
    this._kernel = kernel;
    kernel.iopubMessage.connect(this._onIOPub, this);
    kernel.anyMessage.connect(this._onAny, this);
    kernel.statusChanged.connect(this._onStatus, this);
    this.done = CodeCell.execute(cell, panel.sessionContext, {
      deletedCells: panel.content.model?.deletedCells ?? []
    })
      .then(reply => {
        // A blank cell sends no request: JupyterLab clears it, which is
        // its whole run.
        const status = reply ? reply.content.status : this.blank ? 'ok' : '';
        this._state =
          status === 'ok' ? 'ok' : this._interrupted ? 'interrupted' : 'error';
      })
      .catch(() => {
        this._state = 'error';
      })
      .finally(() => this._finish());
  }

  /**
   * The run's id: random, so that it cannot be guessed.
   */
  readonly id: string;
  /**
   * The MCP session that started it: only that session may collect or
   * answer it.
   */
  readonly owner: string;
  /**
   * Whether the cell's code was blank when the run started (nothing is
   * sent to the kernel).
   */
  readonly blank: boolean;
  readonly panel: NotebookPanel;
  readonly cellId: string;
  readonly startedAt: number;
  finishedAt: number | null = null;

  /**
   * Resolves when the kernel has finished the cell.
   */
  readonly done: Promise<void>;

  get state(): ExecutionState {
    if (this._inputPrompt !== null) {
      return 'waiting_for_input';
    }
    return this._state === 'running' && !this._begun ? 'queued' : this._state;
  }

  /**
   * Whether the kernel has begun this run (it may be queued behind another
   * cell, for example one the user is running).
   */
  get begun(): boolean {
    return this._begun;
  }

  get finished(): boolean {
    return this.finishedAt !== null;
  }

  /**
   * Set when the kernel died or restarted before the cell finished: the
   * run is over without a reply, and the kernel's variables are gone.
   */
  get kernelLost(): 'died' | 'restarted' | null {
    return this._kernelLost;
  }

  /**
   * The prompt of a pending `input()` call, or null.
   */
  get inputPrompt(): string | null {
    return this._inputPrompt;
  }

  /**
   * Emitted with the text of each new output message.
   */
  get output(): ISignal<this, string> {
    return this._output;
  }

  /**
   * The cell's outputs now.
   */
  outputs(): nbformat.IOutput[] {
    return this._cell.model.outputs.toJSON();
  }

  /**
   * The execution count the cell shows.
   */
  get executionCount(): number | null {
    return this._cell.model.executionCount;
  }

  /**
   * Wait until the cell finishes, `timeoutMs` passes, `signal` aborts, or
   * the cell asks for input. When `signal` aborts and `interruptOnAbort`
   * says so (the client cancelled, rather than went away), the kernel is
   * interrupted.
   */
  async wait(
    timeoutMs: number,
    signal: AbortSignal,
    interruptOnAbort: () => boolean = () => true
  ): Promise<WaitOutcome> {
    if (this.finished) {
      return 'finished';
    }
    if (this._inputPrompt !== null) {
      return 'input';
    }
    let onAbort: (() => void) | undefined;
    let onChange: (() => void) | undefined;
    const ended = new Promise<WaitOutcome>(resolve => {
      void this.done.then(() => resolve('finished'));
      onAbort = () => {
        // A run still queued behind another cell is not ours to stop yet:
        // interrupting would stop that other cell (maybe the user's).
        if (interruptOnAbort()) {
          void this.interrupt();
        }
        resolve('cancelled');
      };
      onChange = () => {
        if (this.finished) {
          // Also when the kernel died: no reply will come.
          resolve('finished');
        } else if (this._inputPrompt !== null) {
          resolve('input');
        }
      };
      this._changed.connect(onChange);
      if (signal.aborted) {
        onAbort();
      } else {
        signal.addEventListener('abort', onAbort);
      }
    });
    try {
      const outcome = await withTimeout(ended, timeoutMs);
      return outcome.timedOut ? 'timeout' : outcome.value;
    } finally {
      if (onAbort) {
        signal.removeEventListener('abort', onAbort);
      }
      if (onChange) {
        this._changed.disconnect(onChange);
      }
    }
  }

  /**
   * Wait as {@link wait} does; at the timeout with `interrupt`, interrupt
   * the kernel and give the run a moment to end.
   */
  async follow(options: {
    timeoutMs: number;
    onTimeout: 'continue' | 'interrupt';
    signal: AbortSignal;
    interruptOnAbort?: () => boolean;
  }): Promise<WaitOutcome> {
    const outcome = await this.wait(
      options.timeoutMs,
      options.signal,
      options.interruptOnAbort
    );
    if (
      outcome === 'timeout' &&
      options.onTimeout === 'interrupt' &&
      (await this.interrupt())
    ) {
      await this.wait(Private.CELL_SETTLE_MS, new AbortController().signal);
    }
    return outcome;
  }

  /**
   * The index of the cell now, or -1 when it was deleted.
   */
  get index(): number {
    return this.panel.context.model.sharedModel.cells.findIndex(
      cell => cell.id === this.cellId
    );
  }

  /**
   * Interrupt the kernel if it is running this cell (the cell ends with
   * KeyboardInterrupt). A run still queued behind another cell is left
   * alone, since interrupting would stop that other cell: returns whether
   * the kernel was interrupted.
   */
  async interrupt(): Promise<boolean> {
    if (!this._begun || this.finished) {
      return false;
    }
    this._interrupted = true;
    await this._kernel.interrupt();
    return true;
  }

  /**
   * Answer a pending `input()` through the page's input box, as the user
   * would.
   */
  answerInput(value: string): void {
    if (this._inputPrompt === null) {
      throw new ToolError('The cell is not waiting for input.');
    }
    const input = this._cell.outputArea.node.querySelector<HTMLInputElement>(
      'input.jp-Stdin-input'
    );
    if (!input) {
      throw new ToolError(
        'The input box of the cell is not shown in the page (scroll the notebook to the cell, or answer in JupyterLab).'
      );
    }
    input.value = value;
    input.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
    );
    this._inputPrompt = null;
    this._changed.emit(undefined);
  }

  /**
   * The run is over: stop listening to the kernel.
   */
  private _finish(): void {
    if (this.finishedAt !== null) {
      return;
    }
    this.finishedAt = Date.now();
    this._inputPrompt = null;
    this._kernel.iopubMessage.disconnect(this._onIOPub, this);
    this._kernel.anyMessage.disconnect(this._onAny, this);
    this._kernel.statusChanged.disconnect(this._onStatus, this);
    this._changed.emit(undefined);
  }

  /**
   * A kernel that dies or restarts never answers the cell: the run ends
   * there (JupyterLab cancels its request too).
   */
  private _onStatus(_: unknown, status: Kernel.Status): void {
    if (
      status !== 'dead' &&
      status !== 'restarting' &&
      status !== 'autorestarting'
    ) {
      return;
    }
    this._kernelLost = status === 'dead' ? 'died' : 'restarted';
    this._state = 'error';
    this._finish();
  }

  private _request(): string | undefined {
    return this._cell.outputArea.future?.msg.header.msg_id;
  }

  private _onIOPub(_: unknown, message: KernelMessage.IIOPubMessage): void {
    const request = this._request();
    if (request && message.parent_header.msg_id === request) {
      if (
        !this._begun &&
        (message.header.msg_type === 'execute_input' ||
          (KernelMessage.isStatusMsg(message) &&
            message.content.execution_state === 'busy'))
      ) {
        this._begun = true;
        this._changed.emit(undefined);
      }
      const text = Private.describe(message);
      if (text) {
        this._output.emit(text);
      }
    }
  }

  private _onAny(_: unknown, args: Kernel.IAnyMessageArgs): void {
    const { msg, direction } = args;
    if (
      direction === 'recv' &&
      msg.channel === 'stdin' &&
      msg.header.msg_type === 'input_request' &&
      'msg_id' in msg.parent_header &&
      msg.parent_header.msg_id === this._request()
    ) {
      const content = msg.content as KernelMessage.IInputRequestMsg['content'];
      this._inputPrompt = content.prompt ?? '';
      this._changed.emit(undefined);
    }
  }

  private _cell: CodeCell;
  private _kernel: Kernel.IKernelConnection;
  private _state: ExecutionState = 'running';
  private _kernelLost: 'died' | 'restarted' | null = null;
  private _interrupted = false;
  private _begun = false;
  private _inputPrompt: string | null = null;
  private _output = new Signal<this, string>(this);
  private _changed = new Signal<this, void>(this);
}

/**
 * How many finished runs a page keeps collectable (each holds its cell),
 * for at most an hour.
 */
export const KEEP_FINISHED_RUNS = 100;

/**
 * The runs of this page, by id, so that agents can collect them later.
 */
export class ExecutionRegistry {
  /**
   * Start running the code cell at `index` for the session `owner`.
   * `before` sees the cell at the last moment before its code is sent to
   * the kernel, and may refuse the run by throwing (approval binds to the
   * code the user was shown).
   */
  async start(
    panel: NotebookPanel,
    index: number,
    options: {
      owner?: string;
      before?: (cell: { id: string; index: number; source: string }) => void;
    } = {}
  ): Promise<CellExecution> {
    const cell = panel.content.widgets[index];
    if (!(cell instanceof CodeCell)) {
      throw new ToolError(
        `Cell ${index} is a ${cell?.model.type ?? 'missing'} cell; only code cells run.`
      );
    }
    const running = this.runningFor(panel, cell.model.id);
    if (running) {
      throw new ToolError(
        `Cell ${index} (id ${cell.model.id}) is already running (execution ${running.id}); collect it with get_execution_result, or interrupt the kernel.`
      );
    }
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session?.kernel;
    if (!kernel) {
      throw new ToolError(
        `The notebook "${panel.context.path}" has no kernel: start one with use_notebook or in JupyterLab.`
      );
    }
    this._prune();
    this._watch(panel);
    // The code is read when the run starts, right after this: nothing can
    // change it in between.
    const current = panel.content.widgets.indexOf(cell);
    options.before?.({
      id: cell.model.id,
      index: current,
      source: cell.model.sharedModel.getSource()
    });
    const execution = new CellExecution(panel, cell, kernel, options.owner);
    this._runs.set(execution.id, execution);
    return execution;
  }

  /**
   * A run by id.
   */
  get(id: string): CellExecution | undefined {
    return this._runs.get(id);
  }

  /**
   * The unfinished run of a cell, if any.
   */
  runningFor(panel: NotebookPanel, cellId: string): CellExecution | undefined {
    for (const run of this._runs.values()) {
      if (run.panel === panel && run.cellId === cellId && !run.finished) {
        return run;
      }
    }
    return undefined;
  }

  /**
   * The unfinished runs of a notebook.
   */
  runningIn(panel: NotebookPanel): CellExecution[] {
    return [...this._runs.values()].filter(
      run => run.panel === panel && !run.finished
    );
  }

  /**
   * Forget runs that finished long ago or beyond the newest
   * {@link KEEP_FINISHED_RUNS}, and every run of a notebook that was
   * closed (they would keep its panel and cells alive).
   */
  private _prune(): void {
    const cutoff = Date.now() - Private.KEEP_MS;
    let finished = 0;
    for (const run of this._runs.values()) {
      finished += run.finished ? 1 : 0;
    }
    // Oldest first: a Map iterates in insertion order.
    for (const [id, run] of this._runs) {
      if (
        run.panel.isDisposed ||
        (run.finishedAt !== null &&
          (run.finishedAt < cutoff || finished > KEEP_FINISHED_RUNS))
      ) {
        this._runs.delete(id);
        finished -= run.finished ? 1 : 0;
      }
    }
  }

  /**
   * Forget a closed notebook's runs at once.
   */
  private _watch(panel: NotebookPanel): void {
    if (this._watched.has(panel)) {
      return;
    }
    this._watched.add(panel);
    panel.disposed.connect(() => {
      this._watched.delete(panel);
      this._prune();
    }, this);
  }

  private _watched = new Set<NotebookPanel>();

  private _runs = new Map<string, CellExecution>();
}

/**
 * The result of {@link runScratchCode}.
 */
export interface IScratchRun {
  /**
   * `queued`: still waiting behind another cell at the timeout (left to
   * run later, its output not collected).
   */
  state: 'ok' | 'error' | 'interrupted' | 'queued';
  outputs: nbformat.IOutput[];
  elapsedMs: number;
}

/**
 * Run code in a notebook's kernel without a cell (no history, no stdin),
 * collecting its outputs as an output area would. At `timeoutMs`, or when
 * `signal` aborts, the kernel is interrupted.
 */
export async function runScratchCode(
  panel: NotebookPanel,
  code: string,
  options: {
    timeoutMs: number;
    signal: AbortSignal;
    /**
     * Whether an abort of `signal` interrupts the kernel (the client
     * cancelled, rather than went away); default yes.
     */
    interruptOnAbort?: () => boolean;
    onOutput?: (text: string) => void;
  }
): Promise<IScratchRun> {
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) {
    throw new ToolError(
      `The notebook "${panel.context.path}" has no kernel: start one with start_kernel.`
    );
  }
  const started = Date.now();
  const outputs: nbformat.IOutput[] = [];
  const future = kernel.requestExecute({
    code,
    silent: false,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false
  });
  let begun = false;
  future.onIOPub = message => {
    if (
      message.header.msg_type === 'execute_input' ||
      (KernelMessage.isStatusMsg(message) &&
        message.content.execution_state === 'busy')
    ) {
      begun = true;
    }
    Private.collect(outputs, message);
    const text = Private.describe(message);
    if (text) {
      options.onOutput?.(text);
    }
  };
  // Only a run the kernel has begun is interrupted: one queued behind
  // another cell (maybe the user's) is left alone. The call stops waiting
  // at once.
  let onAbort = (): void => undefined;
  let interrupted = false;
  const aborted = new Promise<'aborted'>(resolve => {
    onAbort = () => {
      if (begun && (options.interruptOnAbort?.() ?? true)) {
        interrupted = true;
        void kernel.interrupt();
      }
      resolve('aborted');
    };
  });
  if (options.signal.aborted) {
    onAbort();
  }
  options.signal.addEventListener('abort', onAbort);
  try {
    const reply = await withTimeout(
      Promise.race([future.done.catch(() => 'lost' as const), aborted]),
      options.timeoutMs
    );
    const value = reply.timedOut ? null : reply.value;
    if (value === 'lost') {
      throw new ToolError(
        `The kernel of "${panel.context.path}" died or restarted while it ran the code, so the code did not finish and the kernel's variables are gone. Call restart_notebook if the kernel does not come back, then re-run the cells the code needs.`
      );
    }
    let state: IScratchRun['state'];
    if (value === null) {
      if (begun) {
        await kernel.interrupt();
        await withTimeout(future.done, Private.SETTLE_MS);
        state = 'interrupted';
      } else {
        state = 'queued';
      }
    } else if (value === 'aborted') {
      if (begun && !interrupted) {
        throw new ToolError(
          'The call ended before the code finished (its session ended); the code goes on in the kernel.'
        );
      }
      state = begun ? 'interrupted' : 'queued';
    } else {
      state = value.content.status === 'ok' ? 'ok' : 'error';
    }
    return { state, outputs, elapsedMs: Date.now() - started };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The code cells of a notebook now: id, index and source.
 */
export function codeCells(
  panel: NotebookPanel
): { id: string; index: number; source: string }[] {
  const cells: { id: string; index: number; source: string }[] = [];
  panel.context.model.sharedModel.cells.forEach((cell, index) => {
    if (cell.cell_type === 'code') {
      cells.push({ id: cell.id, index, source: cell.getSource() });
    }
  });
  return cells;
}

/**
 * How a run of all cells ended.
 */
export type RunAllStatus = 'ok' | 'error' | 'timeout';

/**
 * Run every cell of a notebook with JupyterLab's "Run All Cells" command,
 * without focusing it, waiting at most `timeoutMs` (the cells run on
 * after).
 */
export async function runAllCells(
  commands: CommandRegistry,
  panel: NotebookPanel,
  timeoutMs: number,
  before?: (cells: { id: string; index: number; source: string }[]) => void
): Promise<RunAllStatus> {
  if (!panel.sessionContext.session?.kernel) {
    throw new ToolError(
      `The notebook "${panel.context.path}" has no kernel: start one with start_kernel.`
    );
  }
  // JupyterLab's command reads every cell's code as it is called, right
  // after this check.
  before?.(codeCells(panel));
  const run = commands.execute(Private.RUN_ALL_COMMAND, {
    semanticWidget: panel.id,
    activate: false
  }) as Promise<boolean>;
  const outcome = await withTimeout(run, timeoutMs);
  return outcome.timedOut ? 'timeout' : outcome.value ? 'ok' : 'error';
}

namespace Private {
  /**
   * JupyterLab's command that runs all cells of a notebook.
   */
  export const RUN_ALL_COMMAND = 'notebook:run-all-cells';

  /**
   * How long to wait for interrupted scratch code to end.
   */
  export const SETTLE_MS = 5000;

  /**
   * How long to wait for an interrupted cell to end.
   */
  export const CELL_SETTLE_MS = 10_000;

  /**
   * Add an IOPub message to an output list, as an output area would.
   */
  export function collect(
    outputs: nbformat.IOutput[],
    message: KernelMessage.IIOPubMessage
  ): void {
    if (KernelMessage.isClearOutputMsg(message)) {
      outputs.length = 0;
    } else if (KernelMessage.isStreamMsg(message)) {
      const { name, text } = message.content;
      const last = outputs[outputs.length - 1] as nbformat.IStream | undefined;
      if (last?.output_type === 'stream' && last.name === name) {
        last.text = `${last.text as string}${text}`;
      } else {
        outputs.push({ output_type: 'stream', name, text });
      }
    } else if (
      KernelMessage.isExecuteResultMsg(message) ||
      KernelMessage.isDisplayDataMsg(message) ||
      KernelMessage.isErrorMsg(message)
    ) {
      outputs.push({
        output_type: message.header.msg_type,
        ...message.content
      } as nbformat.IOutput);
    }
  }

  /**
   * How long finished runs stay collectable.
   */
  export const KEEP_MS = 60 * 60 * 1000;

  /**
   * A run id from 128 random bits (`getRandomValues` works in pages that
   * are not a secure context, unlike `randomUUID`).
   */
  export function newId(): string {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `exec-${Array.from(bytes, byte => byte.toString(16).padStart(2, '0')).join('')}`;
  }

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
}
