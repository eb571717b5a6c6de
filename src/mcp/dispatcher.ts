/**
 * The one place every tool call passes through in the page.
 *
 * It lists tools, validates arguments with clear messages, runs the tool,
 * turns failures into `isError` results, and tells observers about each
 * call. Approval policy, the activity log and limits plug in here.
 */

import type {
  CallToolResult,
  Tool as McpTool
} from '@modelcontextprotocol/sdk/types.js';
import { Signal, type ISignal } from '@lumino/signaling';
import { z } from 'zod';

import type { IApprovedContent } from '../core/approved';
import {
  errorResult,
  ToolError,
  type ITool,
  type IToolContext,
  type IToolOutput,
  type ToolCategory
} from './tool';

/**
 * One tool call, as observers see it.
 */
export interface IToolCall {
  /**
   * A page-unique id of the call.
   */
  readonly id: number;
  readonly tool: string;
  readonly category: ToolCategory;
  readonly sessionId: string;
  readonly args: unknown;
  /**
   * The names of the arguments the client sent (the others in `args` are
   * the schema's defaults).
   */
  readonly sent: readonly string[];
  readonly startedAt: number;
}

/**
 * A finished tool call.
 */
export interface IToolCallDone extends IToolCall {
  readonly durationMs: number;
  readonly isError: boolean;
  /**
   * `denied` when a guard refused the call ({@link ToolDenied}): the tool
   * did not run.
   */
  readonly outcome: 'ok' | 'error' | 'denied';
  /**
   * The first line of the error message, when the call failed.
   */
  readonly error?: string;
  /**
   * The result's structured content, if any.
   */
  readonly structuredContent?: Record<string, unknown>;
}

/**
 * A hook that may refuse a call before it runs, by throwing a
 * {@link ToolDenied} (policy, approval) or another {@link ToolError}.
 * Guards see only calls whose arguments passed the tool's checks. A guard
 * that showed the user what the call acts on (the approval dialog)
 * returns it: the tool receives it as `context.approved`, and refuses to
 * run anything else.
 */
export type ToolCallGuard<Services = unknown> = (
  call: IToolCall,
  tool: ITool<Services>,
  context: IToolContext<Services>
) => Promise<IApprovedContent | void>;

/**
 * Whether a tool is listed (and callable); a filter hides tools from
 * `tools/list`.
 */
export type ToolFilter<Services = unknown> = (tool: ITool<Services>) => boolean;

/**
 * A refusal by the user or their policy: the tool did not run and nothing
 * was changed.
 */
export class ToolDenied extends ToolError {
  constructor(message: string) {
    super(message);
    this.name = 'ToolDenied';
  }
}

/**
 * Lists and calls tools.
 */
export class ToolDispatcher<Services = unknown> {
  constructor(tools: readonly ITool<Services>[]) {
    for (const tool of tools) {
      if (this._tools.has(tool.name)) {
        throw new Error(`Duplicate tool name ${tool.name}`);
      }
      this._tools.set(tool.name, tool);
    }
  }

  /**
   * Add a tool (another extension's); throws when the name is taken.
   * Returns a function that removes it again.
   */
  add(tool: ITool<Services>): () => void {
    if (this._tools.has(tool.name)) {
      throw new Error(`A tool named "${tool.name}" exists already`);
    }
    this._tools.set(tool.name, tool);
    this._toolsChanged.emit(undefined);
    return () => {
      if (this._tools.get(tool.name) === tool) {
        this._tools.delete(tool.name);
        this._toolsChanged.emit(undefined);
      }
    };
  }

  /**
   * Emitted when tools are added or removed.
   */
  get toolsChanged(): ISignal<this, void> {
    return this._toolsChanged;
  }

  /**
   * Emitted when a call starts (after validation).
   */
  get callStarted(): ISignal<this, IToolCall> {
    return this._callStarted;
  }

  /**
   * Emitted when a call ends, whatever its outcome.
   */
  get callFinished(): ISignal<this, IToolCallDone> {
    return this._callFinished;
  }

  /**
   * Guards run in order before every call.
   */
  readonly guards: ToolCallGuard<Services>[] = [];

  /**
   * Filters of `tools/list`: a tool is listed when every filter keeps it.
   */
  readonly filters: ToolFilter<Services>[] = [];

  /**
   * Every tool, listed or not.
   */
  get tools(): ITool<Services>[] {
    return [...this._tools.values()];
  }

  /**
   * The tool named `name`, if any.
   */
  tool(name: string): ITool<Services> | undefined {
    return this._tools.get(name);
  }

  /**
   * The tools, as MCP lists them (those every filter keeps).
   */
  list(): McpTool[] {
    const listed = this.tools.filter(tool => this._listed(tool));
    return listed.map(tool => {
      const entry: McpTool = {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: z.toJSONSchema(tool.schema, {
          io: 'input'
        }) as McpTool['inputSchema'],
        annotations: { title: tool.title, ...tool.annotations },
        ...(tool.taskSupport
          ? { execution: { taskSupport: tool.taskSupport } }
          : {})
      };
      if (tool.outputSchema) {
        // Tools that return structured content declare its shape.
        entry.outputSchema = z.toJSONSchema(tool.outputSchema, {
          io: 'output'
        }) as McpTool['outputSchema'];
      }
      return entry;
    });
  }

  /**
   * Call a tool by name with raw arguments. `unlisted` runs a definition
   * that is not among the tools (an MCP prompt) through the same
   * validation, guards and observers.
   */
  async call(
    name: string,
    rawArgs: unknown,
    context: IToolContext<Services>,
    unlisted?: ITool<Services>
  ): Promise<CallToolResult> {
    const tool = unlisted ?? this._tools.get(name);
    if (!tool) {
      // Only the listed tools: those the policy hides are not named.
      const listed = this.tools
        .filter(tool => this._listed(tool))
        .map(tool => tool.name);
      return errorResult(
        `Unknown tool "${name}". Available tools: ${listed.join(', ')}.`
      );
    }
    const parsed = tool.schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      return errorResult(Private.formatIssues(tool, parsed.error));
    }
    const call: IToolCall = {
      id: ++this._nextId,
      tool: name,
      category: tool.category,
      sessionId: context.session.id,
      args: parsed.data,
      sent: Private.sentNames(rawArgs),
      startedAt: Date.now()
    };
    let result: CallToolResult;
    let outcome: IToolCallDone['outcome'] = 'ok';
    this._callStarted.emit(call);
    try {
      // Validate, then ask, then run. A tool the policy hides is refused
      // by its guard whatever its arguments.
      if (tool.check && this._listed(tool)) {
        await tool.check(parsed.data, context);
      }
      let approved: IApprovedContent | undefined;
      for (const guard of this.guards) {
        approved = (await guard(call, tool, context)) ?? approved;
      }
      const output = await tool.run(
        parsed.data,
        approved ? { ...context, approved } : context
      );
      result = Private.checkOutput(tool, output);
    } catch (error) {
      result = errorResult(Private.describeError(name, error));
      outcome = error instanceof ToolDenied ? 'denied' : 'error';
    }
    if (outcome === 'ok' && result.isError) {
      outcome = 'error';
    }
    if (outcome === 'denied') {
      const first = result.content[0];
      void context.log?.(
        'warning',
        first?.type === 'text' ? first.text : `${name} was refused.`
      );
    }
    const message = result.content[0];
    this._callFinished.emit({
      ...call,
      durationMs: Date.now() - call.startedAt,
      isError: result.isError === true,
      outcome,
      error:
        outcome !== 'ok' && message?.type === 'text'
          ? message.text.split('\n')[0]
          : undefined,
      structuredContent: result.structuredContent
    });
    return result;
  }

  /**
   * A page-unique id for something the activity log lists beside tool
   * calls (a resource read), from the same sequence as the calls' ids.
   */
  newCallId(): number {
    return ++this._nextId;
  }

  private _listed(tool: ITool<Services>): boolean {
    return this.filters.every(filter => filter(tool));
  }

  private _tools = new Map<string, ITool<Services>>();
  private _toolsChanged = new Signal<this, void>(this);
  private _nextId = 0;
  private _callStarted = new Signal<this, IToolCall>(this);
  private _callFinished = new Signal<this, IToolCallDone>(this);
}

namespace Private {
  /**
   * The argument names of raw arguments (none unless they are an object).
   */
  export function sentNames(rawArgs: unknown): string[] {
    return rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs)
      ? Object.keys(rawArgs)
      : [];
  }

  /**
   * The result of a successful run, its structured content held to the
   * tool's output schema: a tool that declares one must return structured
   * content that matches it exactly (clients reject anything else), so a
   * mismatch, a bug of the tool, becomes an error result that says so.
   */
  export function checkOutput(
    tool: ITool,
    output: IToolOutput
  ): CallToolResult {
    const structured = output.structuredContent;
    if (!tool.outputSchema) {
      return structured
        ? { content: output.content, structuredContent: structured }
        : { content: output.content };
    }
    let problem: string | null = null;
    if (!structured) {
      problem = 'it returned no structured content';
    } else {
      const parsed = tool.outputSchema.safeParse(structured);
      if (!parsed.success) {
        problem = parsed.error.issues
          .map(issue => `"${issue.path.join('.')}": ${issue.message}`)
          .join('; ');
      } else {
        const extra = undeclared(structured, parsed.data, '');
        if (extra !== null) {
          problem = `"${extra}" is not in its output schema`;
        }
      }
    }
    if (problem === null) {
      return { content: output.content, structuredContent: structured };
    }
    return {
      content: [
        ...output.content,
        {
          type: 'text',
          text: `(Bridge error: the result of ${tool.name} does not match its declared output schema: ${problem}. The action above may have been done; check before retrying.)`
        }
      ],
      isError: true
    };
  }

  /**
   * The path of the first value of `sent` that parsing dropped (a field
   * the schema does not declare), or null.
   */
  function undeclared(
    sent: unknown,
    parsed: unknown,
    path: string
  ): string | null {
    if (Array.isArray(sent) && Array.isArray(parsed)) {
      for (let i = 0; i < sent.length; i++) {
        const found = undeclared(
          sent[i],
          parsed[i],
          path ? `${path}.${i}` : String(i)
        );
        if (found !== null) {
          return found;
        }
      }
      return null;
    }
    if (
      typeof sent !== 'object' ||
      sent === null ||
      typeof parsed !== 'object' ||
      parsed === null
    ) {
      return null;
    }
    const kept = parsed as Record<string, unknown>;
    for (const [key, value] of Object.entries(sent)) {
      if (value === undefined) {
        continue;
      }
      const where = path ? `${path}.${key}` : key;
      if (!(key in kept)) {
        return where;
      }
      const found = undeclared(value, kept[key], where);
      if (found !== null) {
        return found;
      }
    }
    return null;
  }

  /**
   * Name each bad argument, what is wrong, and what it accepts.
   */
  export function formatIssues(tool: ITool, error: z.ZodError): string {
    const shape = tool.schema.shape;
    const lines = error.issues.map(issue => {
      if (issue.code === 'unrecognized_keys') {
        return `Unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys
          .map(key => `"${key}"`)
          .join(', ')}.`;
      }
      const key = String(issue.path[0] ?? '');
      const described =
        key && (shape[key] as z.ZodType | undefined)?.description;
      const where = issue.path.length ? `"${issue.path.join('.')}"` : 'input';
      return `Argument ${where}: ${issue.message}.${described ? ` Expected: ${described}` : ''}`;
    });
    const valid = Object.keys(shape);
    return (
      `Invalid arguments for ${tool.name}; nothing was changed.\n` +
      lines.join('\n') +
      `\nValid arguments: ${valid.length ? valid.join(', ') : '(none)'}.`
    );
  }

  /**
   * A message for a failed call; unexpected errors keep their message.
   */
  export function describeError(name: string, error: unknown): string {
    if (error instanceof ToolError) {
      return error.message;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `${name} failed: ${message}`;
  }
}
