/**
 * The status-bar plugin.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';

import { BridgeStatus } from '../bridge/status';
import { CommandIDs } from '../commands';
import { IMcpBridge } from '../tokens';

/**
 * Shows the bridge's state in the status bar; a click starts it.
 */
export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mcp-bridge-extension:status',
  description: 'Shows the MCP bridge state and client count in the status bar.',
  autoStart: true,
  requires: [IMcpBridge, IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMcpBridge,
    statusBar: IStatusBar
  ): void => {
    const item = new BridgeStatus(bridge, () => {
      if (bridge.status === 'disconnected') {
        void app.commands.execute(CommandIDs.start);
      }
    });
    statusBar.registerStatusItem('jupyterlab-mcp-bridge-extension:status', {
      item,
      align: 'left',
      rank: 50
    });
  }
};
