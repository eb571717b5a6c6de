/**
 * The page's terminals, as tools see them: one connection of the bridge's
 * own per terminal (the server sends every client the same output, and
 * replays its recent output to a new one), a ring buffer of what each
 * printed, running marked commands, and opening them as tabs.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import type { Terminal } from '@jupyterlab/services';
import type { Widget } from '@lumino/widgets';
import { z } from 'zod';

import {
  cleanTerminalText,
  extractCommandOutput,
  hideMarkers,
  markCommand,
  OutputRing,
  type ICommandOutput
} from '../core/terminal';
import { withTimeout } from '../core/timeout';
import { ToolError } from '../mcp/tool';

/**
 * A terminal as list_terminals and create_terminal report it (their
 * output schema).
 */
export const terminalInfo = {
  name: z.string(),
  title: z
    .string()
    .nullable()
    .describe('The title of its tab (null when not open in the page).'),
  open_in_page: z.boolean(),
  busy: z
    .boolean()
    .describe('A command run_terminal_command started is still running.'),
  buffered_chars: z
    .number()
    .int()
    .describe('Recent output held for read_terminal_output.')
};

/**
 * A terminal as `list_terminals` reports it.
 */
export type ITerminalInfo = z.output<z.ZodObject<typeof terminalInfo>>;

/**
 * How a command run ended.
 */
export type CommandState = 'completed' | 'timeout' | 'interrupted' | 'closed';

/**
 * The outcome of {@link TerminalHub.run}.
 */
export interface ICommandRun extends ICommandOutput {
  state: CommandState;
}

/**
 * The terminals of the page.
 */
export class TerminalHub {
  constructor(options: TerminalHub.IOptions) {
    this._app = options.app;
    this._capacity = options.capacity ?? 200_000;
  }

  /**
   * The open-terminal command of @jupyterlab/terminal-extension.
   */
  static readonly OPEN_COMMAND = 'terminal:open';

  /**
   * Start following the server's terminals (once), and refresh the list.
   */
  async sync(): Promise<void> {
    const manager = this._manager;
    if (!manager.isAvailable()) {
      throw new ToolError(
        'Terminals are not available on this Jupyter server (terminals_enabled is off or terminado is missing).'
      );
    }
    await manager.ready;
    if (!this._following) {
      this._following = true;
      manager.runningChanged.connect(this._onRunningChanged, this);
    }
    await manager.refreshRunning();
    this._onRunningChanged();
  }

  /**
   * The running terminals.
   */
  async list(): Promise<ITerminalInfo[]> {
    await this.sync();
    return [...this._manager.running()].map(model => this.info(model.name));
  }

  /**
   * The terminal of a session (its name kept in `current`) if it still
   * runs, else a new one opened in a background tab: agents do not type
   * into the user's terminals unless they name one.
   */
  async ownTerminal(current: string | null): Promise<string> {
    await this.sync();
    if (
      current &&
      [...this._manager.running()].some(model => model.name === current)
    ) {
      return current;
    }
    return (await this.create(false)).name;
  }

  /**
   * Describe a terminal.
   */
  info(name: string): ITerminalInfo {
    const entry = this._entries.get(name);
    const widget = this.widget(name);
    return {
      name,
      title: widget?.title.label ?? null,
      open_in_page: !!widget,
      busy: !!entry?.pending,
      buffered_chars: entry?.ring.text().length ?? 0
    };
  }

  /**
   * Start a new terminal in the server root and open it in a tab (without
   * focus unless `activate`). Without a `cwd`, Jupyter Server starts it in
   * the folder the server was launched from, which need not be its root.
   */
  async create(activate: boolean): Promise<ITerminalInfo> {
    await this.sync();
    const root = PageConfig.getOption('serverRoot');
    const connection = await this._manager.startNew(root ? { cwd: root } : {});
    this._adopt(connection);
    await this.open(connection.name, activate);
    return this.info(connection.name);
  }

  /**
   * Open a terminal's tab (or reveal it), giving the focus back to the
   * widget that had it unless `activate`.
   */
  async open(name: string, activate: boolean): Promise<void> {
    const shell = this._app.shell;
    const previous = shell.currentWidget;
    await this._app.commands.execute(TerminalHub.OPEN_COMMAND, { name });
    if (!activate && previous && !previous.isDisposed) {
      shell.activateById(previous.id);
    }
  }

  /**
   * The main-area widget showing terminal `name`, if any.
   */
  widget(name: string): Widget | undefined {
    for (const widget of this._app.shell.widgets('main')) {
      const content = (widget as Widget & { content?: unknown }).content;
      if (Private.isTerminalWidget(content) && content.session.name === name) {
        return widget;
      }
    }
    return undefined;
  }

  /**
   * The recent output of terminal `name`, cleaned, at most `maxChars` (the
   * end), and whether a command it runs for an agent is still going.
   */
  async read(
    name: string,
    maxChars: number
  ): Promise<{ text: string; total: number; busy: boolean }> {
    const entry = await this._require(name);
    const text = hideMarkers(cleanTerminalText(entry.ring.text()));
    return {
      text: text.slice(Math.max(0, text.length - maxChars)),
      total: text.length,
      busy: entry.pending !== null
    };
  }

  /**
   * Type a command line into terminal `name` and wait up to `timeoutMs`
   * for it to finish; at the timeout with `interruptOnTimeout`, or when
   * `signal` aborts and `interruptOnAbort` says so (the client cancelled,
   * rather than went away), send Ctrl-C. `onOutput` receives new output as
   * it arrives.
   */
  async run(
    name: string,
    command: string,
    options: {
      timeoutMs: number;
      interruptOnTimeout: boolean;
      signal: AbortSignal;
      interruptOnAbort?: () => boolean;
      onOutput?: (text: string) => void;
    }
  ): Promise<ICommandRun> {
    const entry = await this._require(name);
    if (entry.pending) {
      throw new ToolError(
        `"terminal_name": terminal "${name}" is still running an earlier command ("${entry.pending.command}"): read it with read_terminal_output, wait, or use another terminal.`
      );
    }
    const markers = markCommand(command, Private.randomId());
    const from = entry.ring.position;
    entry.pending = { command, markers, from };
    const current = () => extractCommandOutput(entry.ring.since(from), markers);
    const interrupt = () => {
      entry.connection.send({ type: 'stdin', content: ['\x03'] });
      entry.pending = null;
    };
    let reported = 0;
    // Both are set by the promise's executor, which runs at once.
    let check!: () => void;
    let onAbort!: () => void;
    const ended = new Promise<CommandState>(resolve => {
      check = () => {
        if (entry.closed) {
          resolve('closed');
          return;
        }
        const output = current();
        if (output.output.length > reported) {
          options.onOutput?.(output.output.slice(reported));
          reported = output.output.length;
        }
        if (output.finished) {
          resolve('completed');
        }
      };
      onAbort = () => {
        if (options.interruptOnAbort?.() ?? true) {
          interrupt();
          resolve('interrupted');
        } else {
          // Left running, as at a timeout.
          resolve('timeout');
        }
      };
    });
    entry.listeners.add(check);
    options.signal.addEventListener('abort', onAbort);
    let state: CommandState;
    try {
      entry.connection.send({ type: 'stdin', content: [markers.line + '\r'] });
      const outcome = await withTimeout(ended, options.timeoutMs);
      if (!outcome.timedOut) {
        state = outcome.value;
      } else if (options.interruptOnTimeout) {
        interrupt();
        state = 'interrupted';
      } else {
        state = 'timeout';
      }
    } finally {
      entry.listeners.delete(check);
      options.signal.removeEventListener('abort', onAbort);
    }
    const output = current();
    if (output.finished || state === 'closed') {
      entry.pending = null;
    }
    return { ...output, state };
  }

  /**
   * Check that terminal `name` runs (and, with `idle`, runs no command of
   * an agent's): a {@link ToolError} naming `terminal_name` otherwise.
   */
  async check(name: string, idle = false): Promise<void> {
    const entry = await this._require(name);
    if (idle && entry.pending) {
      throw new ToolError(
        `"terminal_name": terminal "${name}" is still running an earlier command ("${entry.pending.command}"): read it with read_terminal_output, wait, or use another terminal.`
      );
    }
  }

  /**
   * Shut terminal `name` down (its tab closes).
   */
  async close(name: string): Promise<void> {
    await this._require(name);
    await this._manager.shutdown(name);
    this._drop(name);
  }

  private get _manager(): Terminal.IManager {
    return this._app.serviceManager.terminals;
  }

  /**
   * The entry of running terminal `name`, or a {@link ToolError} naming the
   * `terminal_name` argument and the running terminals.
   */
  private async _require(name: string): Promise<Private.IEntry> {
    await this.sync();
    const entry = this._entries.get(name);
    if (!entry) {
      const names = [...this._entries.keys()];
      throw new ToolError(
        `"terminal_name": no terminal named "${name}"; running terminals: ${names.length ? names.map(n => `"${n}"`).join(', ') : '(none; call create_terminal)'}.`
      );
    }
    return entry;
  }

  private _onRunningChanged(): void {
    const running = new Set([...this._manager.running()].map(m => m.name));
    for (const name of running) {
      if (!this._entries.has(name)) {
        this._adopt(this._manager.connectTo({ model: { name } }));
      }
    }
    for (const name of [...this._entries.keys()]) {
      if (!running.has(name)) {
        this._drop(name);
      }
    }
  }

  private _adopt(connection: Terminal.ITerminalConnection): void {
    const entry: Private.IEntry = {
      connection,
      ring: new OutputRing(this._capacity),
      pending: null,
      listeners: new Set(),
      closed: false
    };
    this._entries.set(connection.name, entry);
    connection.messageReceived.connect((_, message) => {
      if (message.type === 'stdout' && message.content) {
        entry.ring.append(String(message.content[0] ?? ''));
        if (entry.pending) {
          const done = extractCommandOutput(
            entry.ring.since(entry.pending.from),
            entry.pending.markers
          );
          if (done.finished) {
            entry.pending = null;
          }
        }
        entry.listeners.forEach(listener => listener());
      }
    }, this);
    connection.disposed.connect(() => {
      if (this._entries.get(connection.name) === entry) {
        this._drop(connection.name);
      }
    }, this);
  }

  private _drop(name: string): void {
    const entry = this._entries.get(name);
    if (!entry) {
      return;
    }
    this._entries.delete(name);
    entry.closed = true;
    entry.listeners.forEach(listener => listener());
    entry.connection.dispose();
  }

  private _app: JupyterFrontEnd;
  private _capacity: number;
  private _following = false;
  private _entries = new Map<string, Private.IEntry>();
}

/**
 * A namespace for TerminalHub statics.
 */
export namespace TerminalHub {
  /**
   * Constructor options.
   */
  export interface IOptions {
    app: JupyterFrontEnd;
    /**
     * Characters of output kept per terminal (default 200 000).
     */
    capacity?: number;
  }
}

namespace Private {
  export interface IEntry {
    connection: Terminal.ITerminalConnection;
    ring: OutputRing;
    pending: {
      command: string;
      markers: ReturnType<typeof markCommand>;
      from: number;
    } | null;
    listeners: Set<() => void>;
    closed: boolean;
  }

  export function isTerminalWidget(
    content: unknown
  ): content is Widget & { session: { name: string } } {
    if (typeof content !== 'object' || content === null) {
      return false;
    }
    const widget = content as Partial<Widget> & {
      session?: { name?: unknown };
    };
    return (
      typeof widget.hasClass === 'function' &&
      widget.hasClass('jp-Terminal') &&
      typeof widget.session?.name === 'string'
    );
  }

  export function randomId(): string {
    const bytes = new Uint8Array(6);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, byte => byte.toString(16).padStart(2, '0')).join(
      ''
    );
  }
}
