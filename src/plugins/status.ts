/**
 * The status-bar plugin.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { BridgeStatus } from '../ui/status';
import { CommandIDs } from './commandids';
import { IMcpBridge } from '../tokens';

/**
 * Shows the bridge's state in the status bar (in Jupyter Notebook 7, which
 * has none, in the top bar); a click starts it.
 */
export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mcp-bridge-extension:status',
  description:
    'Shows the MCP bridge state, its clients and the pending approvals in the status bar.',
  autoStart: true,
  requires: [IMcpBridge],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMcpBridge,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab');
    const item = new BridgeStatus(
      bridge,
      () => {
        if (bridge.status === 'disconnected') {
          void app.commands.execute(CommandIDs.start);
        } else if (app.commands.hasCommand(CommandIDs.showActivity)) {
          void app.commands.execute(CommandIDs.showActivity);
        }
      },
      trans
    );
    if (statusBar) {
      statusBar.registerStatusItem('jupyterlab-mcp-bridge-extension:status', {
        item,
        align: 'left',
        rank: 50
      });
    } else {
      item.id = 'jp-McpBridge-status-top';
      item.addClass('jp-McpBridge-status-topbar');
      app.shell.add(item, 'top', { rank: 900 });
    }
  }
};
