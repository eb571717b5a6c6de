/**
 * MCP tasks (protocol 2025-11-25) of one session: a task-augmented
 * tools/call answers at once with a task, the call runs on in the page,
 * and the client polls tasks/get, waits on tasks/result (the same result
 * as the tool's), lists with tasks/list and cancels with tasks/cancel.
 *
 * A session's {@link TaskBook} lives in the page as long as the session
 * does, across reconnections to the relay; its tasks are written into the
 * session's state, so that a page the session moves to (the tab closed or
 * reloaded) answers for them: a task that was running there ends
 * `failed`, saying that the page went away and what the call had done.
 */

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CancelTaskRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type CallToolResult,
  type Task
} from '@modelcontextprotocol/sdk/types.js';

/**
 * The server capability of a server with tasks: task-augmented tools/call,
 * tasks/list and tasks/cancel.
 */
export const TASKS_CAPABILITY = {
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
};

/**
 * The poll interval the bridge suggests to clients.
 */
export const TASK_POLL_INTERVAL_MS = 500;

/**
 * How long a task and its result are kept when the client asks nothing.
 */
export const DEFAULT_TASK_TTL_MS = 60 * 60 * 1000;

/**
 * The longest a task is kept, whatever the client asks.
 */
export const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How many tasks a session keeps (the oldest finished ones go first).
 */
export const MAX_TASKS = 100;

/**
 * How many tasks a session's state carries to the next page (results stay
 * in the page that ran them).
 */
export const MAX_SAVED_TASKS = 30;

/**
 * Tasks in one tasks/list page.
 */
export const TASKS_PAGE_SIZE = 50;

/**
 * What a tool running as a task can tell its task.
 */
export interface ITaskControl {
  readonly taskId: string;
  /**
   * The task's status follows the call: `input_required` while it waits
   * for input (for example a cell in `input()`), `working` again after.
   */
  status(status: 'working' | 'input_required', message: string): void;
}

/**
 * What the call of a task receives.
 */
export interface ITaskRun {
  /** Aborted by tasks/cancel, or when the session ends for good. */
  signal: AbortSignal;
  /** Whether the client cancelled the task (rather than went away). */
  cancelled(): boolean;
  task: ITaskControl;
  /** Say what the call has done so far (kept for a page that takes over). */
  note(text: string): void;
  /** A progress message: the task's status message while it runs. */
  progress(message: string): void;
}

/**
 * A task as a session's state keeps it (no result: results stay in the
 * page that ran the task).
 */
export interface ISavedTask {
  taskId: string;
  tool: string;
  status: Task['status'];
  statusMessage?: string;
  /** ms since the epoch */
  createdAt: number;
  lastUpdatedAt: number;
  ttl: number;
  /** What the call had done, as it last said. */
  note?: string;
  /** The relay's id of the page that ran it. */
  pageId: string;
}

/**
 * The tasks of one session.
 */
export class TaskBook {
  constructor(options: TaskBook.IOptions) {
    this._pageId = options.pageId;
    this._now = options.now ?? (() => Date.now());
  }

  /**
   * Where the book saves itself and tells status changes; set again for
   * each server the session gets (the page reconnects to the relay).
   */
  attach(sink: TaskBook.ISink): void {
    this._sink = sink;
  }

  /**
   * Take over the tasks of a session's state that this book does not hold
   * (it moved here from another page, or this page reloaded): those still
   * running there end failed, saying so; finished ones answer that their
   * result stayed in that page.
   */
  restore(saved: readonly ISavedTask[]): void {
    for (const record of saved) {
      if (this._tasks.has(record.taskId)) {
        continue;
      }
      const where = Private.cut(record.note ?? '');
      const entry: Private.IEntry = {
        record: { ...record },
        controller: new AbortController(),
        cancelled: false,
        result: null,
        settled: Promise.resolve()
      };
      if (!Private.isTerminal(record.status)) {
        entry.record.status = 'failed';
        entry.record.statusMessage = Private.cut(
          `The JupyterLab tab that ran this task closed or reloaded before it ended.${where ? ` ${where}` : ''}`
        );
        entry.record.lastUpdatedAt = this._now();
      }
      entry.result = Private.error(
        entry.record.status === 'failed' && !Private.isTerminal(record.status)
          ? `Task ${record.taskId} (${record.tool}) did not end: ${entry.record.statusMessage} Read the notebook before running it again.`
          : `Task ${record.taskId} (${record.tool}) ended ${record.status} in a JupyterLab tab that has since closed or reloaded; its result stayed there.${where ? ` ${where}` : ''} Read the notebook (read_cell, read_notebook) for what it did.`
      );
      this._tasks.set(record.taskId, entry);
    }
    this._changed();
  }

  /**
   * Start a task running `call`; returns it (status `working`).
   */
  start(
    tool: string,
    ttl: number | null | undefined,
    call: (run: ITaskRun) => Promise<CallToolResult>
  ): Task {
    this._sweep();
    const now = this._now();
    const taskId = Private.newTaskId();
    const entry: Private.IEntry = {
      record: {
        taskId,
        tool,
        status: 'working',
        statusMessage: `${tool} started.`,
        createdAt: now,
        lastUpdatedAt: now,
        ttl:
          typeof ttl === 'number' && ttl > 0
            ? Math.min(ttl, MAX_TASK_TTL_MS)
            : ttl === null
              ? MAX_TASK_TTL_MS
              : DEFAULT_TASK_TTL_MS,
        pageId: this._pageId()
      },
      controller: new AbortController(),
      cancelled: false,
      result: null,
      settled: Promise.resolve()
    };
    this._tasks.set(taskId, entry);
    const run: ITaskRun = {
      signal: entry.controller.signal,
      cancelled: () => entry.cancelled,
      note: text => {
        entry.record.note = Private.cut(text);
        this._changed();
      },
      progress: message => {
        if (!Private.isTerminal(entry.record.status)) {
          entry.record.statusMessage = Private.cut(message);
          entry.record.lastUpdatedAt = this._now();
        }
      },
      task: {
        taskId,
        status: (status, message) => this._update(entry, status, message)
      }
    };
    entry.settled = call(run)
      .catch((error: unknown): CallToolResult =>
        Private.error(
          `${tool} failed: ${error instanceof Error ? error.message : String(error)}`
        )
      )
      .then(result => {
        entry.result = result;
        if (!Private.isTerminal(entry.record.status)) {
          this._update(
            entry,
            result.isError ? 'failed' : 'completed',
            Private.firstLine(result)
          );
        } else {
          this._changed();
        }
      });
    this._changed();
    return Private.task(entry.record);
  }

  /**
   * A task of this session; -32602 when there is none.
   */
  get(taskId: string): Task {
    return Private.task(this._entry(taskId).record);
  }

  /**
   * The result of a task, once it has ended (tasks/result blocks until
   * then, or until `signal` aborts): the tool's result, or an error result
   * saying why there is none.
   */
  async result(taskId: string, signal: AbortSignal): Promise<CallToolResult> {
    const entry = this._entry(taskId);
    await Promise.race([
      entry.settled,
      new Promise<void>(resolve => {
        if (signal.aborted) {
          resolve();
        }
        signal.addEventListener('abort', () => resolve(), { once: true });
      })
    ]);
    if (!entry.result) {
      throw new McpError(
        ErrorCode.ConnectionClosed,
        `tasks/result of ${taskId} was cancelled before the task ended.`
      );
    }
    return {
      ...entry.result,
      _meta: { ...entry.result._meta, [RELATED_TASK_META_KEY]: { taskId } }
    };
  }

  /**
   * The session's tasks, newest first, a page at a time.
   */
  list(cursor?: string): { tasks: Task[]; nextCursor?: string } {
    this._sweep();
    const start = cursor === undefined ? 0 : Number(cursor);
    if (
      !Number.isInteger(start) ||
      start < 0 ||
      String(start) !== (cursor ?? '0')
    ) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid cursor "${cursor}" for tasks/list: pass the nextCursor of the previous page.`
      );
    }
    const all = [...this._tasks.values()].reverse();
    const page = all.slice(start, start + TASKS_PAGE_SIZE);
    const next = start + TASKS_PAGE_SIZE;
    return {
      tasks: page.map(entry => Private.task(entry.record)),
      ...(next < all.length ? { nextCursor: String(next) } : {})
    };
  }

  /**
   * Cancel a task: its status becomes `cancelled` and its call is told to
   * stop (a cell it runs is interrupted, and nothing else).
   */
  cancel(taskId: string): Task {
    const entry = this._entry(taskId);
    if (Private.isTerminal(entry.record.status)) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Cannot cancel task ${taskId}: it is already ${entry.record.status}.`
      );
    }
    entry.cancelled = true;
    this._update(entry, 'cancelled', 'Cancelled by the client.');
    entry.controller.abort();
    return Private.task(entry.record);
  }

  /**
   * The tasks to keep in the session's state, newest last.
   */
  saved(): ISavedTask[] {
    return [...this._tasks.values()]
      .slice(-MAX_SAVED_TASKS)
      .map(entry => ({ ...entry.record }));
  }

  /**
   * The session ended for good: stop the calls (not as a cancel: what they
   * started goes on in the page) and forget the tasks.
   */
  end(): void {
    for (const entry of this._tasks.values()) {
      entry.controller.abort();
    }
    this._tasks.clear();
    this._sink = null;
  }

  private _entry(taskId: string): Private.IEntry {
    this._sweep();
    const entry = this._tasks.get(taskId);
    if (!entry) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `No task ${taskId} in this session (finished tasks are kept for their ttl; tasks/list shows them).`
      );
    }
    return entry;
  }

  private _update(
    entry: Private.IEntry,
    status: Task['status'],
    message: string
  ): void {
    if (Private.isTerminal(entry.record.status)) {
      return;
    }
    const changed = entry.record.status !== status;
    entry.record.status = status;
    entry.record.statusMessage = Private.cut(message);
    entry.record.lastUpdatedAt = this._now();
    this._changed();
    if (changed) {
      this._sink?.notify(Private.task(entry.record));
    }
  }

  /**
   * Drop finished tasks past their ttl, and the oldest finished ones
   * beyond {@link MAX_TASKS}.
   */
  private _sweep(): void {
    const now = this._now();
    let extra = this._tasks.size - MAX_TASKS;
    for (const [id, entry] of this._tasks) {
      if (!Private.isTerminal(entry.record.status)) {
        continue;
      }
      if (entry.record.createdAt + entry.record.ttl < now || extra > 0) {
        this._tasks.delete(id);
        extra -= 1;
      }
    }
  }

  private _changed(): void {
    this._sink?.save(this.saved());
  }

  private _pageId: () => string;
  private _now: () => number;
  private _sink: TaskBook.ISink | null = null;
  private _tasks = new Map<string, Private.IEntry>();
}

/**
 * A namespace for TaskBook statics.
 */
export namespace TaskBook {
  /**
   * Constructor options.
   */
  export interface IOptions {
    /** The relay's id of this page. */
    pageId: () => string;
    now?: () => number;
  }

  /**
   * Where a book saves itself and tells status changes.
   */
  export interface ISink {
    /** Keep these in the session's state. */
    save(tasks: ISavedTask[]): void;
    /** Send `notifications/tasks/status`. */
    notify(task: Task): void;
  }
}

/**
 * Answer tasks/get, tasks/result, tasks/list and tasks/cancel from `book`.
 */
export function registerTasks(server: Server, book: TaskBook): void {
  server.setRequestHandler(GetTaskRequestSchema, async request =>
    book.get(request.params.taskId)
  );
  server.setRequestHandler(
    GetTaskPayloadRequestSchema,
    async (request, extra) =>
      (await book.result(request.params.taskId, extra.signal)) as never
  );
  server.setRequestHandler(ListTasksRequestSchema, async request =>
    book.list(request.params?.cursor)
  );
  server.setRequestHandler(CancelTaskRequestSchema, async request =>
    book.cancel(request.params.taskId)
  );
}

namespace Private {
  /**
   * A task in the book.
   */
  export interface IEntry {
    record: ISavedTask;
    controller: AbortController;
    cancelled: boolean;
    /** The call's result once it ended (or why there is none). */
    result: CallToolResult | null;
    /** Resolves when the call has ended. */
    settled: Promise<void>;
  }

  export function isTerminal(status: Task['status']): boolean {
    return (
      status === 'completed' || status === 'failed' || status === 'cancelled'
    );
  }

  /**
   * A task as the protocol shows it.
   */
  export function task(record: ISavedTask): Task {
    return {
      taskId: record.taskId,
      status: record.status,
      ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
      createdAt: new Date(record.createdAt).toISOString(),
      lastUpdatedAt: new Date(record.lastUpdatedAt).toISOString(),
      ttl: record.ttl,
      pollInterval: TASK_POLL_INTERVAL_MS
    };
  }

  export function error(text: string): CallToolResult {
    return { content: [{ type: 'text', text }], isError: true };
  }

  /**
   * The first line of a result's first text, for the status message.
   */
  export function firstLine(result: CallToolResult): string {
    const text = result.content.find(block => block.type === 'text');
    return text?.type === 'text' ? text.text.split('\n')[0] : '';
  }

  /**
   * Status messages and notes are kept short (they travel in the state).
   */
  export function cut(text: string): string {
    return text.length > 240 ? `${text.slice(0, 239)}…` : text;
  }

  /**
   * An unguessable task id.
   */
  export function newTaskId(): string {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return [...bytes].map(byte => byte.toString(16).padStart(2, '0')).join('');
  }
}
