/**
 * Tokens other plugins use to reach the bridge.
 */

import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { ConnectionStatus } from './bridge/connection';
import type { ToolDispatcher } from './mcp/dispatcher';
import type { IJupyterServices } from './tools/services';

/**
 * The MCP bridge of this page.
 */
export interface IMcpBridge {
  /**
   * Connection state to the relay.
   */
  readonly status: ConnectionStatus;
  /**
   * Emitted when the status or the number of sessions changes.
   */
  readonly changed: ISignal<IMcpBridge, void>;
  /**
   * MCP sessions (clients) served by this page.
   */
  readonly sessionCount: number;
  /**
   * Why the last connection attempt failed ('' if it did not).
   */
  readonly lastError: string;
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
   * Have the relay make a new token: the old one is refused at once, and
   * the connected pages receive the new one.
   */
  rotateToken(): Promise<void>;
}

/**
 * The MCP bridge token.
 */
export const IMcpBridge = new Token<IMcpBridge>(
  'jupyterlab-mcp-bridge-extension:IMcpBridge',
  'The MCP bridge: relay connection, sessions and the tool dispatcher.'
);
