/**
 * The bridge's settings and their defaults: pure, so that a unit test can
 * hold them against `schema/plugin.json`.
 */

import { DEFAULT_ALLOWED_COMMANDS } from './commands';
import {
  DEFAULT_CATEGORY_POLICY,
  type CategoryPolicy,
  type ToolPolicy
} from './policy';

/**
 * The settings of the bridge plugin (`schema/plugin.json`).
 */
export interface IBridgeSettings {
  /**
   * WebSocket URL of the relay's page endpoint.
   */
  relayUrl: string;
  /**
   * Connect when JupyterLab starts (when a token is known).
   */
  connectOnStartup: boolean;
  /**
   * Default `timeout_seconds` of execution tools.
   */
  defaultTimeoutSeconds: number;
  /**
   * Largest accepted `timeout_seconds`.
   */
  maxTimeoutSeconds: number;
  /**
   * Largest number of characters kept of one output.
   */
  maxOutputChars: number;
  /**
   * Largest number of characters of text in one tool result.
   */
  maxResultChars: number;
  /**
   * Longest side, in pixels, of images returned to agents.
   */
  maxImageSide: number;
  /**
   * Whether image outputs are returned as image content.
   */
  includeImages: boolean;
  /**
   * Whether each edit is saved to disk at once.
   */
  saveAfterEdit: boolean;
  /**
   * Command ids execute_command may run (exact ids, or prefixes ending in
   * `*`).
   */
  allowedCommands: string[];
  /**
   * `allow`, `ask` or `deny` per category of tool.
   */
  categoryPolicy: CategoryPolicy;
  /**
   * Per-tool overrides of the category policy.
   */
  toolPolicy: ToolPolicy;
  /**
   * Seconds an approval dialog waits; no answer denies.
   */
  approvalTimeoutSeconds: number;
  /**
   * Whether the page follows the agent (reveals the cells it touches).
   */
  followAgent: boolean;
}

/**
 * Defaults, the same as in `schema/plugin.json`.
 */
export const DEFAULT_SETTINGS: IBridgeSettings = {
  relayUrl: 'ws://127.0.0.1:4545/page',
  connectOnStartup: true,
  defaultTimeoutSeconds: 120,
  maxTimeoutSeconds: 3600,
  maxOutputChars: 20000,
  maxResultChars: 60000,
  maxImageSide: 1024,
  includeImages: true,
  saveAfterEdit: true,
  allowedCommands: [...DEFAULT_ALLOWED_COMMANDS],
  categoryPolicy: { ...DEFAULT_CATEGORY_POLICY },
  toolPolicy: {},
  approvalTimeoutSeconds: 120,
  followAgent: false
};
