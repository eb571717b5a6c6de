/**
 * What a tool is: its schema, description, annotations and logic.
 *
 * Tool families (`src/tools/*.ts`) export arrays of definitions made with
 * {@link defineTool}; the {@link ToolDispatcher} lists and calls them. Tool
 * logic never touches MCP wiring: it receives parsed arguments and an
 * {@link IToolContext}, and returns content or throws a {@link ToolError}.
 */

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalPreview, IPreviewTarget } from '../core/preview';
import { z } from 'zod';

import type { IApprovedContent } from '../core/approved';
import type { ContentBlock } from '../core/outputs';
import type { ISavedTask, ITaskControl } from './tasks';

/**
 * Tool categories: the unit of approval policy.
 *
 * - `read`: lists, reads and inspections of notebooks, kernels and the
 *   page that change nothing;
 * - `edit`: cell and notebook edits, and which notebook a session uses;
 * - `execute`: running code (cells, scratch code, answering `input()`,
 *   starting and interrupting kernels);
 * - `kernel`: restarting, shutting down and switching kernels;
 * - `files`: listing, reading, writing, moving and deleting the server's
 *   files;
 * - `terminal`: starting, using, reading and closing terminals;
 * - `commands`: running JupyterLab commands.
 */
export type ToolCategory =
  'read' | 'edit' | 'execute' | 'kernel' | 'files' | 'terminal' | 'commands';

/**
 * The MCP behaviour hints every tool declares, all four of them.
 */
export interface IToolAnnotations {
  /**
   * The tool changes nothing.
   */
  readOnlyHint: boolean;
  /**
   * The tool may destroy or overwrite something (meaningful when not
   * read-only).
   */
  destructiveHint: boolean;
  /**
   * Calling it again with the same arguments has no further effect.
   */
  idempotentHint: boolean;
  /**
   * It may reach beyond the page and its Jupyter server (for example by
   * running code, which can do anything).
   */
  openWorldHint: boolean;
}

/**
 * The state one MCP session keeps in the page.
 */
export interface ISessionState {
  /**
   * The MCP session id (from the relay).
   */
  readonly id: string;
  /**
   * Path of the notebook this session is using, if any.
   */
  notebookPath: string | null;
  /**
   * Name of the terminal of this session's own (run_terminal_command
   * without a terminal name), if it made one.
   */
  terminalName: string | null;
  /**
   * The runs this session started last (newest last, at most
   * {@link MAX_SESSION_RUNS}), so that a page the session moves to can tell
   * the agent what became of an execution_id it does not hold.
   */
  runs: ISessionRun[];
  /**
   * The session's MCP tasks (without results), for a page the session
   * moves to.
   */
  tasks?: ISavedTask[];
}

/**
 * A run a session started, as its state keeps it.
 */
export interface ISessionRun {
  /** The execution_id. */
  id: string;
  notebookPath: string;
  cellId: string;
  /** When it started (ms since the epoch). */
  startedAt: number;
  /** The relay's id of the page that ran it. */
  pageId: string;
}

/**
 * How many runs a session's state keeps. The state goes to the relay (and
 * into this tab's storage) each time a run starts, so it stays a few
 * kilobytes: 100 runs made each `execute_cell` send about 17 kB.
 */
export const MAX_SESSION_RUNS = 20;

/**
 * Keep a run in the session's state (the oldest beyond
 * {@link MAX_SESSION_RUNS} is dropped).
 */
export function rememberRun(session: ISessionState, run: ISessionRun): void {
  session.runs.push(run);
  session.runs.splice(0, Math.max(0, session.runs.length - MAX_SESSION_RUNS));
}

/**
 * What a tool receives besides its arguments.
 */
export interface IToolContext<Services = unknown> {
  /**
   * The JupyterLab services the tools act on.
   */
  services: Services;
  /**
   * The calling MCP session.
   */
  session: ISessionState;
  /**
   * Aborted when the call is to stop: the client cancelled it, or its
   * session ended (the client went away, the relay connection dropped, the
   * user disconnected the client). Stop waiting then.
   */
  signal: AbortSignal;
  /**
   * Whether the client itself cancelled the call, as opposed to its session
   * ending: only a cancel interrupts the run the call started. A run whose
   * client went away goes on in the page, where the user sees it.
   */
  cancelledByClient(): boolean;
  /**
   * Report progress; a no-op when the client sent no progress token.
   */
  progress(message: string, progress: number, total?: number): Promise<void>;
  /**
   * Tell the client something it would want to know (MCP
   * `notifications/message`), at the level it set with `logging/setLevel`.
   */
  log?(level: 'info' | 'notice' | 'warning', message: string): Promise<void>;
  /**
   * Save the session state (call after changing it).
   */
  saveSession(): void;
  /**
   * Say what the call has done so far, in words for the agent (for example
   * that its cell was sent to the kernel). Should the page go away before
   * the call answers, the client's error carries the latest note, so that
   * the agent knows whether to re-run or re-read.
   */
  note?(text: string): void;
  /**
   * What the user saw in the approval dialog, when they were asked about
   * this call: a tool that runs cells checks, at the moment it runs them,
   * that they are the ones shown, with the code shown (see
   * `core/approved.ts`). Absent when nobody was asked.
   */
  readonly approved?: IApprovedContent;
  /**
   * Set when the call runs as an MCP task (a task-augmented tools/call):
   * the tool tells the task's status as it goes (`input_required` while a
   * cell waits in `input()`). Tools run as tasks wait for what they
   * started to end (timeouts default to the largest allowed).
   */
  task?: ITaskControl;
}

/**
 * A tool definition, typed by its input shape and, when it returns
 * structured content, its output shape.
 */
export interface IToolDefinition<
  Shape extends z.ZodRawShape = z.ZodRawShape,
  Services = unknown,
  Output extends z.ZodRawShape = z.ZodRawShape
> {
  /**
   * The tool name clients call (unique in a dispatcher).
   */
  name: string;
  /**
   * A short human title (also sent as the `title` annotation).
   */
  title: string;
  /**
   * What the tool does, written for an LLM.
   */
  description: string;
  /**
   * The approval category.
   */
  category: ToolCategory;
  /**
   * The arguments (unknown arguments are refused).
   */
  input: Shape;
  /**
   * The shape of `structuredContent`, listed as the tool's `outputSchema`.
   * A tool that declares it returns structured content on every success.
   */
  output?: Output;
  annotations: IToolAnnotations;
  /**
   * Check the arguments against the page (paths, notebooks, cells,
   * kernels, runs) without changing anything, throwing a
   * {@link ToolError} that names the argument: the dispatcher runs it
   * before its guards, so that an invalid call is refused at once and
   * never reaches the user's approval dialog. `run` checks again (things
   * may change meanwhile).
   */
  check?(
    args: z.infer<z.ZodObject<Shape>>,
    context: IToolContext<Services>
  ): Promise<void>;
  /**
   * What the user's approval dialog shows of a call beyond its arguments:
   * the change it makes (a diff against what is there now) or the code it
   * runs, added to `context.preview` and read from the page or the disk
   * when the dialog opens; what it shows is what the approval binds to.
   * Called only for a call that asks the user; a preview that throws
   * shows nothing beyond the arguments.
   */
  preview?(
    args: z.infer<z.ZodObject<Shape>>,
    context: IPreviewContext<Services>
  ): Promise<void>;
  /**
   * Whether clients may call it as an MCP task (`execution.taskSupport` in
   * tools/list): `optional` (either way) or `required`; absent, never.
   */
  taskSupport?: 'optional' | 'required';
  /**
   * The tool's wiring: returns content, or throws a {@link ToolError}.
   */
  run(
    args: z.infer<z.ZodObject<Shape>>,
    context: IToolContext<Services>
  ): Promise<IToolOutput<z.output<z.ZodObject<Output>>>>;
}

/**
 * What a tool's preview works with: the services, where the call acts
 * (as the dialog names it), and the preview it fills.
 */
export interface IPreviewContext<Services = unknown> {
  services: Services;
  target: IPreviewTarget;
  preview: ApprovalPreview;
}

/**
 * What tool logic returns: content blocks and optional structured data.
 */
export interface IToolOutput<Structured = Record<string, unknown>> {
  content: ContentBlock[];
  structuredContent?: Structured;
}

/**
 * A tool as the dispatcher holds it: schema-checked, shape-erased.
 */
export interface ITool<Services = unknown> {
  name: string;
  title: string;
  description: string;
  category: ToolCategory;
  schema: z.ZodObject<z.ZodRawShape>;
  /**
   * The schema of `structuredContent`, if the tool returns any.
   */
  outputSchema: z.ZodObject<z.ZodRawShape> | null;
  annotations: IToolAnnotations;
  /**
   * See {@link IToolDefinition.check}.
   */
  check?(args: unknown, context: IToolContext<Services>): Promise<void>;
  /**
   * See {@link IToolDefinition.preview}.
   */
  preview?(args: unknown, context: IPreviewContext<Services>): Promise<void>;
  /**
   * Whether it runs as an MCP task when asked (see
   * {@link IToolDefinition.taskSupport}).
   */
  taskSupport?: 'optional' | 'required';
  run(args: unknown, context: IToolContext<Services>): Promise<IToolOutput>;
}

/**
 * Make a dispatcher tool from a typed definition.
 */
export function defineTool<
  Shape extends z.ZodRawShape,
  Services,
  Output extends z.ZodRawShape = z.ZodRawShape
>(definition: IToolDefinition<Shape, Services, Output>): ITool<Services> {
  const schema = z.strictObject(definition.input);
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    category: definition.category,
    schema: schema as unknown as z.ZodObject<z.ZodRawShape>,
    outputSchema: definition.output
      ? (z.object(definition.output) as unknown as z.ZodObject<z.ZodRawShape>)
      : null,
    annotations: definition.annotations,
    ...(definition.check
      ? {
          check: (args: unknown, context: IToolContext<Services>) =>
            definition.check!(args as z.infer<z.ZodObject<Shape>>, context)
        }
      : {}),
    ...(definition.preview
      ? {
          preview: (args: unknown, context: IPreviewContext<Services>) =>
            definition.preview!(args as z.infer<z.ZodObject<Shape>>, context)
        }
      : {}),
    ...(definition.taskSupport ? { taskSupport: definition.taskSupport } : {}),
    run: async (args, context) =>
      (await definition.run(
        args as z.infer<z.ZodObject<Shape>>,
        context
      )) as IToolOutput
  };
}

/**
 * An error a tool reports to the agent: a clear message, `isError: true`,
 * and nothing changed.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/**
 * A text-only tool output.
 */
export function textOutput<Data extends object>(
  text: string,
  structuredContent?: Data
): IToolOutput<Data> {
  return { content: [{ type: 'text', text }], structuredContent };
}

/**
 * A text result with the JSON of `data` (readable by models that ignore
 * structured content) and `data` as structured content.
 */
export function jsonOutput<Data extends object>(
  summary: string,
  data: Data
): IToolOutput<Data> {
  return {
    content: [
      { type: 'text', text: `${summary}\n${JSON.stringify(data, null, 2)}` }
    ],
    structuredContent: data
  };
}

/**
 * An error result.
 */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
