/**
 * MCP prompts and completion: the SDK wiring of prompts/list, prompts/get
 * and completion/complete.
 *
 * A prompt is defined as a tool is ({@link ITool}: string arguments, a
 * category, a `run` that returns content), and getting it goes through
 * the {@link ToolDispatcher} like a call: its arguments are checked, the
 * user's policy applies, the activity log shows it. Each content block it
 * returns becomes a user message.
 */

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  McpError,
  type Prompt,
  type PromptArgument
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

import { completeFrom } from '../core/prompts';
import type { ToolDispatcher } from './dispatcher';
import type { ITool, IToolContext } from './tool';

/**
 * What a completion is asked for.
 */
export interface ICompletionRequest {
  ref:
    | { type: 'ref/prompt'; name: string }
    | { type: 'ref/resource'; uri: string };
  /** The argument being completed, and what the user typed so far. */
  argument: { name: string; value: string };
  /** The arguments already filled in. */
  arguments: Record<string, string>;
}

/**
 * Where completion values come from.
 */
export interface ICompletionProvider<Services> {
  /**
   * The candidate values of an argument (the wiring keeps those starting
   * with what was typed); null when `ref` names no prompt or resource
   * template this server has.
   */
  complete(
    request: ICompletionRequest,
    context: IToolContext<Services>
  ): Promise<string[] | null>;
}

/**
 * The prompts of a server and the completion of their arguments.
 */
export interface IPromptProvider<Services> {
  prompts: readonly ITool<Services>[];
  completions: ICompletionProvider<Services>;
}

/**
 * The server capabilities to declare with {@link registerPrompts}: the
 * prompts listed follow the user's policy, and clients hear
 * `notifications/prompts/list_changed` when it changes.
 */
export const PROMPTS_CAPABILITY = {
  prompts: { listChanged: true },
  completions: {}
};

/**
 * Answer prompt and completion requests; `context` makes the context of
 * each request (its session, services and signal).
 */
export function registerPrompts<Services>(
  server: Server,
  options: {
    dispatcher: ToolDispatcher<Services>;
    provider: IPromptProvider<Services>;
    context: (
      signal: AbortSignal,
      requestId: string | number
    ) => IToolContext<Services>;
  }
): void {
  const { dispatcher, provider } = options;
  const listed = (): ITool<Services>[] =>
    provider.prompts.filter(prompt =>
      dispatcher.filters.every(filter => filter(prompt))
    );
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: listed().map(Private.describe)
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const prompt = provider.prompts.find(item => item.name === name);
    if (!prompt) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown prompt "${name}". Available prompts: ${listed()
          .map(item => item.name)
          .join(', ')}.`
      );
    }
    const result = await dispatcher.call(
      name,
      request.params.arguments ?? {},
      options.context(extra.signal, extra.requestId),
      prompt
    );
    const text = result.content
      .map(block => (block.type === 'text' ? block.text : ''))
      .join('\n');
    if (result.isError) {
      throw new McpError(ErrorCode.InvalidParams, text);
    }
    return {
      description: prompt.title,
      messages: result.content.map(block => ({
        role: 'user' as const,
        content: block
      }))
    };
  });
  server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
    const { ref, argument } = request.params;
    if (ref.type === 'ref/prompt') {
      const prompt = listed().find(item => item.name === ref.name);
      if (!prompt) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown prompt "${ref.name}" in completion/complete; this server's prompts: ${listed()
            .map(item => item.name)
            .join(', ')}.`
        );
      }
      if (!(argument.name in prompt.schema.shape)) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `The prompt "${ref.name}" has no argument "${argument.name}"; its arguments: ${Object.keys(prompt.schema.shape).join(', ')}.`
        );
      }
    }
    const candidates = await provider.completions.complete(
      {
        ref,
        argument,
        arguments: request.params.context?.arguments ?? {}
      },
      options.context(extra.signal, extra.requestId)
    );
    if (candidates === null) {
      throw new McpError(
        ErrorCode.InvalidParams,
        ref.type === 'ref/resource'
          ? `No resource template "${ref.uri}" on this server (resources/templates/list shows them).`
          : `Nothing to complete for "${ref.name}".`
      );
    }
    return { completion: completeFrom(candidates, argument.value) };
  });
}

namespace Private {
  /**
   * A prompt as prompts/list shows it: its arguments from its input shape.
   */
  export function describe(prompt: ITool): Prompt {
    const args: PromptArgument[] = Object.entries(prompt.schema.shape).map(
      ([name, schema]) => {
        const type = schema as z.ZodType;
        return {
          name,
          description: type.description ?? '',
          required: !type.safeParse(undefined).success
        };
      }
    );
    return {
      name: prompt.name,
      title: prompt.title,
      description: prompt.description,
      arguments: args
    };
  }
}
