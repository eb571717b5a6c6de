/**
 * Command ids and the commands of the bridge.
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import type { IMcpBridge } from '../tokens';

/**
 * The bridge's command ids.
 */
export namespace CommandIDs {
  export const start = 'mcp-bridge:start';
  export const stop = 'mcp-bridge:stop';
  export const showActivity = 'mcp-bridge:show-activity';
  export const disconnectClient = 'mcp-bridge:disconnect-client';
  export const rotateToken = 'mcp-bridge:rotate-token';
}

/**
 * The JSON schema of commands without arguments.
 */
export const NO_ARGS = {
  args: { type: 'object' as const, properties: {} }
};

/**
 * Add the start, stop and disconnect commands.
 */
export function addCommands(
  commands: CommandRegistry,
  bridge: IMcpBridge,
  trans: TranslationBundle
): void {
  commands.addCommand(CommandIDs.start, {
    label: trans.__('Start MCP bridge'),
    caption: trans.__(
      'Connect this page to the MCP relay so MCP clients can use it'
    ),
    describedBy: NO_ARGS,
    isEnabled: () => bridge.status === 'disconnected',
    execute: () => bridge.start()
  });
  commands.addCommand(CommandIDs.disconnectClient, {
    label: trans.__('Disconnect MCP client'),
    caption: trans.__(
      "End an MCP client's session: the relay answers its next request with 404"
    ),
    describedBy: {
      args: {
        type: 'object' as const,
        properties: {
          sessionId: {
            type: 'string',
            description: 'The MCP session id of the client'
          }
        },
        required: ['sessionId']
      }
    },
    execute: args => bridge.disconnect(String(args.sessionId ?? ''))
  });
  commands.addCommand(CommandIDs.stop, {
    label: trans.__('Stop MCP bridge'),
    caption: trans.__('Disconnect this page from the MCP relay'),
    describedBy: NO_ARGS,
    isEnabled: () => bridge.status !== 'disconnected',
    execute: () => bridge.stop()
  });
  commands.addCommand(CommandIDs.rotateToken, {
    label: trans.__('Rotate MCP bridge token'),
    caption: trans.__(
      'Make a new relay token: every page and client of the old one is disconnected at once; this page and the other tabs of this browser come back with the new one'
    ),
    describedBy: NO_ARGS,
    isEnabled: () => bridge.status === 'connected',
    execute: () => bridge.rotateToken()
  });
  bridge.changed.connect(() => {
    commands.notifyCommandChanged(CommandIDs.start);
    commands.notifyCommandChanged(CommandIDs.stop);
    commands.notifyCommandChanged(CommandIDs.rotateToken);
  });
}
