/**
 * Making the MCP server of one session: the SDK wiring, nothing else.
 */

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  RELATED_TASK_META_KEY
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import { VERSION } from '../_version';
import type { ToolDispatcher } from './dispatcher';
import { PlainErrorTransport } from './errors';
import {
  PROMPTS_CAPABILITY,
  registerPrompts,
  type IPromptProvider
} from './prompts';
import {
  registerResources,
  RESOURCES_CAPABILITY,
  type IResourceProvider
} from './resources';
import {
  registerSubscriptions,
  SUBSCRIPTIONS_CAPABILITY,
  type IChangeFeed
} from './subscriptions';
import {
  registerTasks,
  TASKS_CAPABILITY,
  type ITaskControl,
  type TaskBook
} from './tasks';
import type { ISessionState, IToolContext } from './tool';

/**
 * Server identity reported to clients.
 */
export const SERVER_INFO = {
  name: 'jupyterlab-mcp-bridge',
  title: 'JupyterLab (live page)',
  version: VERSION
};

const INSTRUCTIONS = `This server acts on the JupyterLab page the user is looking at: notebooks open in their browser, edited live, with outputs shown there and saved to disk.
Some tools may need the user's approval in JupyterLab first (the call waits, with progress notifications, until they answer); a refused call says so and changes nothing. Tools the user's policy denies are not listed.
Start with list_notebooks, then use_notebook to pick (or create) the notebook this session works on; other tools default to it. Cells are addressed by cell_index or cell_id (ids are stable while cells move). Each edit is saved and can be undone by the user.
Resources: each open notebook is readable as notebook://<path> (Markdown: cells with ids, sources, outputs cut short); one output whole, or an image at full size, as output://<notebook path>/<cell id>/<output index>. Subscribe to notebook://<path> to hear when the user or another agent changes or runs it (never of your own changes); get_notebook_changes with the notebook_version of read_notebook tells what changed since, by cell id.
Prompts: jupyter_cite (cite cells), explain_cell_error and fix_cell_error (the active cell's error), summarize_notebook; completion/complete fills in their notebook_path.`;

/**
 * Create the server of one MCP session; every tool call goes through
 * `dispatcher`.
 */
export function createSessionServer<Services>(options: {
  dispatcher: ToolDispatcher<Services>;
  services: Services;
  session: ISessionState;
  /**
   * Saves the session's state; tells the relay what calls have done.
   */
  relay: {
    saveSession(): void;
    noteCall(requestId: string | number, note: string): void;
    ending(): boolean;
  };
  /**
   * Serves MCP resources when given.
   */
  resources?: IResourceProvider;
  /**
   * Serves MCP prompts and completion when given.
   */
  prompts?: IPromptProvider<Services>;
  /**
   * With resources: the changes that subscribed clients hear of.
   */
  changes?: IChangeFeed;
  /**
   * The session's MCP tasks, when it may run tools as tasks.
   */
  tasks?: TaskBook;
}): McpServer {
  const {
    dispatcher,
    services,
    session,
    relay,
    resources,
    prompts,
    changes,
    tasks
  } = options;
  const mcp = new SessionServer(SERVER_INFO, {
    capabilities: {
      tools: { listChanged: true },
      logging: {},
      ...(resources
        ? {
            resources: {
              ...RESOURCES_CAPABILITY.resources,
              ...(changes ? SUBSCRIPTIONS_CAPABILITY : {})
            }
          }
        : {}),
      ...(prompts ? PROMPTS_CAPABILITY : {}),
      ...(tasks ? TASKS_CAPABILITY : {})
    },
    instructions: INSTRUCTIONS
  });
  const server = mcp.server;
  if (resources) {
    registerResources(server, resources);
    if (changes) {
      // The session's subscriptions end with it.
      const subscriptions = registerSubscriptions(server, {
        sessionId: session.id,
        feed: changes
      });
      server.onclose = () => subscriptions.dispose();
    }
  }
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: dispatcher.list()
  }));
  /**
   * The context of a call: its session, services and signal; progress goes
   * out through `sendProgress` when the client sent a progress token.
   */
  const contextOf = (call: {
    signal: AbortSignal;
    cancelledByClient: () => boolean;
    note: (text: string) => void;
    sendProgress?: (params: {
      progress: number;
      total?: number;
      message: string;
    }) => Promise<void>;
    task?: ITaskControl;
  }): IToolContext<Services> => {
    const { signal, sendProgress } = call;
    // Progress must increase through the call: waiting for approval, then
    // the tool's own reports, share one sequence.
    let last = -1;
    return {
      services,
      session,
      signal,
      cancelledByClient: call.cancelledByClient,
      saveSession: () => relay.saveSession(),
      note: text => {
        if (!signal.aborted) {
          call.note(text);
        }
      },
      log: async (level, message) => {
        await server
          .sendLoggingMessage(
            { level, logger: 'jupyterlab-mcp-bridge.page', data: message },
            session.id
          )
          .catch(() => undefined);
      },
      progress: async (message, progress, total) => {
        if (!sendProgress || signal.aborted) {
          return;
        }
        const value =
          total === undefined && progress <= last ? last + 1 : progress;
        last = value;
        await sendProgress({ progress: value, total, message });
      },
      ...(call.task ? { task: call.task } : {})
    };
  };
  /**
   * The context of a request answered in it.
   */
  const requestContext = (
    signal: AbortSignal,
    requestId: string | number,
    sendProgress?: Parameters<typeof contextOf>[0]['sendProgress']
  ): IToolContext<Services> =>
    contextOf({
      signal,
      cancelledByClient: () => signal.aborted && !relay.ending(),
      note: text => relay.noteCall(requestId, text),
      sendProgress
    });
  if (prompts) {
    registerPrompts(server, {
      dispatcher,
      provider: prompts,
      context: (signal, requestId) => requestContext(signal, requestId)
    });
  }
  if (tasks) {
    registerTasks(server, tasks);
    tasks.attach({
      save: saved => {
        session.tasks = saved;
        relay.saveSession();
      },
      notify: task => {
        void server
          .notification({ method: 'notifications/tasks/status', params: task })
          .catch(() => undefined);
      }
    });
  }
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const progressToken = request.params._meta?.progressToken;
    const tool = dispatcher.tool(name);
    if (request.params.task && tasks) {
      if (!tool) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown tool "${name}": no task was started.`
        );
      }
      if (!tool.taskSupport) {
        throw new McpError(
          ErrorCode.MethodNotFound,
          `The tool "${name}" does not run as a task (its execution.taskSupport is "forbidden"): call it without "task".`
        );
      }
      const task = tasks.start(name, request.params.task.ttl, run =>
        dispatcher.call(
          name,
          request.params.arguments,
          contextOf({
            signal: run.signal,
            cancelledByClient: run.cancelled,
            note: run.note,
            task: run.task,
            // The tools/call request has been answered: progress goes out
            // on its own, tied to the task, and is the task's status
            // message meanwhile.
            sendProgress: async params => {
              run.progress(params.message);
              if (progressToken !== undefined) {
                await server
                  .notification({
                    method: 'notifications/progress',
                    params: {
                      progressToken,
                      ...params,
                      _meta: {
                        [RELATED_TASK_META_KEY]: { taskId: run.task.taskId }
                      }
                    }
                  })
                  .catch(() => undefined);
              }
            }
          })
        )
      );
      return { task };
    }
    if (tool?.taskSupport === 'required') {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `The tool "${name}" runs as a task only (its execution.taskSupport is "required"): call it with "task".`
      );
    }
    const context = requestContext(
      extra.signal,
      extra.requestId,
      progressToken === undefined
        ? undefined
        : params =>
            extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken, ...params }
            })
    );
    return dispatcher.call(name, request.params.arguments, context);
  });
  return mcp;
}

/**
 * The `McpServer` of a session: its error responses leave without the SDK's
 * doubled "MCP error <code>: " prefix (see `errors.ts`).
 */
class SessionServer extends McpServer {
  /**
   * Connect through a {@link PlainErrorTransport} around `transport`.
   */
  override connect(transport: Transport): Promise<void> {
    return super.connect(new PlainErrorTransport(transport));
  }
}
