/**
 * Tokens other plugins use to reach the bridge.
 */

import { Token } from '@lumino/coreutils';
import type { IPageInfo } from './_protocol';
import type { ISignal } from '@lumino/signaling';

import type { ConnectionStatus } from './link/connection';
import type { IMcpClient } from './link/sessions';
import type { IActivityLog } from './oversight/activity';
import type { IPendingApproval } from './oversight/supervisor';
import type { IDisposable } from '@lumino/disposable';
import type { z } from 'zod';

import type { ToolCallGuard, ToolDispatcher } from './mcp/dispatcher';
import type { IToolDefinition } from './mcp/tool';
import type { IJupyterServices } from './tools/services';

export type { ConnectionStatus } from './link/connection';
export type { IMcpClient } from './link/sessions';
export type { IActivityEntry, IActivityLog } from './oversight/activity';
export type { IPendingApproval } from './oversight/supervisor';
export type { ICallTarget } from './oversight/target';

/**
 * The MCP bridge of this page.
 */
export interface IMcpBridge {
  /**
   * Connection state to the relay.
   */
  readonly status: ConnectionStatus;
  /**
   * Emitted when the status, the clients or the pending approvals change.
   */
  readonly changed: ISignal<IMcpBridge, void>;
  /**
   * MCP sessions (clients) served by this page.
   */
  readonly sessionCount: number;
  /**
   * The clients of those sessions, oldest first.
   */
  readonly clients: readonly IMcpClient[];
  /**
   * Emitted when a client connects (a new session finished `initialize`) or
   * disconnects (its session ended for good).
   */
  readonly clientEvent: ISignal<
    IMcpBridge,
    { kind: 'connected' | 'disconnected'; client: IMcpClient }
  >;
  /**
   * Calls waiting for the user's approval, oldest first.
   */
  readonly pendingApprovals: readonly IPendingApproval[];
  /**
   * Every tool call of this page (the last ones).
   */
  readonly activity: IActivityLog;
  /**
   * Why the last connection attempt failed ('' if it did not).
   */
  readonly lastError: string;
  /**
   * This page's id at the relay ('' when not connected).
   */
  readonly pageId: string;
  /**
   * The JupyterLab pages connected to the relay; the `preferred` one gets
   * new sessions (the tab the user focused last).
   */
  readonly pages: readonly IPageInfo[];
  /**
   * When the next reconnection to the relay is due (ms), or null.
   */
  readonly retryAt: number | null;
  /**
   * The single path of every tool call (observe or guard calls here); null
   * until the bridge first starts (it is loaded on demand).
   */
  readonly dispatcher: ToolDispatcher<IJupyterServices> | null;
  /**
   * Connect to the relay (asks for the token when none is known).
   */
  start(): Promise<void>;
  /**
   * Disconnect from the relay.
   */
  stop(): void;
  /**
   * End a client's MCP session: the relay closes it and answers the
   * client's next request with 404.
   */
  disconnect(sessionId: string): void;
  /**
   * Add a tool of another extension, listed and called like the bridge's
   * own (through the policy of its category, the approval dialog and the
   * activity log). `make` receives the bridge's `zod` (loaded with the
   * bridge, on its first start) and returns the definition: name, title,
   * description for an LLM, category, input shape, optional output shape,
   * annotations, and `run`; `taskSupport` (`optional` or `required`) lets
   * clients call it as an MCP task (its `run` finds the task in
   * `context.task`). Clients hear `tools/list_changed`. Dispose the result
   * to remove the tool.
   */
  registerTool(make: McpToolFactory): IDisposable;
  /**
   * Add a guard every call passes before it runs (after the policy): throw a
   * `ToolError`-like `Error` to refuse the call. Dispose to remove it.
   */
  addGuard(guard: McpToolGuard): IDisposable;
  /**
   * Have the relay make a new token: the old one is refused at once, and
   * the connected pages receive the new one.
   */
  rotateToken(): Promise<void>;
  /**
   * Resolves once the saves that agents' edits and runs started (in the
   * background, after their results) have ended for documents at or under
   * `path` (default: all), so that the files on disk hold those changes.
   */
  whenSaved(path?: string): Promise<void>;
}

/**
 * Makes a tool definition of another extension, given the bridge's zod.
 */
export type McpToolFactory = (
  zod: typeof z
) => IToolDefinition<z.ZodRawShape, IJupyterServices, z.ZodRawShape>;

/**
 * A guard of another extension (see {@link IMcpBridge.addGuard}).
 */
export type McpToolGuard = ToolCallGuard<IJupyterServices>;

/**
 * The MCP bridge token.
 */
export const IMcpBridge = new Token<IMcpBridge>(
  'jupyterlab-mcp-bridge-extension:IMcpBridge',
  'The MCP bridge: relay connection, clients, approvals, the activity log and the tool dispatcher.'
);
