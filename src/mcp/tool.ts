/**
 * What a tool is: its schema, description, annotations and logic.
 *
 * Tool families (`src/tools/*.ts`) export arrays of definitions made with
 * {@link defineTool}; the {@link ToolDispatcher} lists and calls them. Tool
 * logic never touches MCP wiring: it receives parsed arguments and an
 * {@link IToolContext}, and returns content or throws a {@link ToolError}.
 */

import type {
  CallToolResult,
  ServerNotification,
  ToolAnnotations
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import type { ContentBlock } from '../core/outputs';

/**
 * Tool categories: the unit of future approval policy.
 */
export type ToolCategory =
  'read' | 'edit' | 'execute' | 'kernel' | 'files' | 'terminal' | 'commands';

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
   * Aborted when the client cancels the call.
   */
  signal: AbortSignal;
  /**
   * Report progress; a no-op when the client sent no progress token.
   */
  progress(message: string, progress: number, total?: number): Promise<void>;
  /**
   * Save the session state (call after changing it).
   */
  saveSession(): void;
}

/**
 * A tool definition, typed by its input shape.
 */
export interface IToolDefinition<
  Shape extends z.ZodRawShape = z.ZodRawShape,
  Services = unknown
> {
  name: string;
  title: string;
  description: string;
  category: ToolCategory;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(
    args: z.infer<z.ZodObject<Shape>>,
    context: IToolContext<Services>
  ): Promise<IToolOutput>;
}

/**
 * What tool logic returns: content blocks and optional structured data.
 */
export interface IToolOutput {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
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
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: unknown, context: IToolContext<Services>): Promise<IToolOutput>;
}

/**
 * Make a dispatcher tool from a typed definition.
 */
export function defineTool<Shape extends z.ZodRawShape, Services>(
  definition: IToolDefinition<Shape, Services>
): ITool<Services> {
  const schema = z.strictObject(definition.input);
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    category: definition.category,
    schema: schema as unknown as z.ZodObject<z.ZodRawShape>,
    annotations: definition.annotations,
    run: (args, context) =>
      definition.run(args as z.infer<z.ZodObject<Shape>>, context)
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
export function textOutput(
  text: string,
  structuredContent?: Record<string, unknown>
): IToolOutput {
  return { content: [{ type: 'text', text }], structuredContent };
}

/**
 * A text result with the JSON of `data` (readable by models that ignore
 * structured content) and `data` as structured content.
 */
export function jsonOutput(
  summary: string,
  data: Record<string, unknown>
): IToolOutput {
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

/**
 * A notification a tool may send while it runs.
 */
export type ToolNotification = ServerNotification;
