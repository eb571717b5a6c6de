/**
 * The core plugin: hosts the MCP server in the page.
 */

import {
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { BridgeController } from '../bridge/controller';
import { addCommands, CommandIDs } from '../commands';
import { readPairing } from '../core/pairing';
import { IMcpBridge } from '../tokens';

/**
 * The bridge plugin id; its settings are `schema/plugin.json`.
 */
const PLUGIN_ID = 'jupyterlab-mcp-bridge:plugin';

/**
 * Provides {@link IMcpBridge}: the relay connection, the MCP sessions and
 * the tools acting on this page.
 */
export const bridgePlugin: JupyterFrontEndPlugin<IMcpBridge> = {
  id: PLUGIN_ID,
  description:
    'Hosts an MCP server in the page: MCP clients, through the relay, act on the live notebooks.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ISettingRegistry, ICommandPalette],
  provides: IMcpBridge,
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): Promise<IMcpBridge> => {
    const settings = registry ? await registry.load(PLUGIN_ID) : null;
    const askToken = async () => {
      const result = await InputDialog.getPassword({
        title: 'MCP bridge token',
        label:
          'Paste the relay token (from the file the jupyterlab-mcp-bridge command printed):'
      });
      return result.button.accept ? result.value : null;
    };
    const bridge = new BridgeController({
      settings,
      load: async () => {
        const { createBridge } = await import('../bridge/factory');
        return createBridge({ app, tracker, docManager, settings, askToken });
      }
    });
    addCommands(app.commands, bridge);
    palette?.addItem({ command: CommandIDs.start, category: 'MCP Bridge' });
    palette?.addItem({ command: CommandIDs.stop, category: 'MCP Bridge' });

    const { pairing, rest } = readPairing(window.location.hash);
    if (pairing) {
      const clean = window.location.pathname + window.location.search + rest;
      window.history.replaceState(window.history.state, '', clean);
      void bridge.pair(pairing.url, pairing.token);
    } else if (bridge.connectsOnStartup) {
      void bridge.start();
    }
    return bridge;
  }
};
