/**
 * Command ids and the commands of the bridge.
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import type { IMcpBridge } from './tokens';

/**
 * The bridge's command ids.
 */
export namespace CommandIDs {
  export const start = 'mcp-bridge:start';
  export const stop = 'mcp-bridge:stop';
  export const rotateToken = 'mcp-bridge:rotate-token';
}

const NO_ARGS = {
  args: { type: 'object' as const, properties: {} }
};

/**
 * Add the start and stop commands.
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
      'Make a new relay token: the old one is refused at once; this page keeps the new one'
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
