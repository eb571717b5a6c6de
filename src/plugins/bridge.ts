/**
 * The core plugin: hosts the MCP server in the page.
 */

import {
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  Notification
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { clientLabel } from '../oversight/activity';
import { BridgeController } from '../host/controller';
import { browserStorage, CredentialStore } from '../link/credentials';
import { confirmRelay } from '../ui/relaydialog';
import { addCommands, CommandIDs } from './commandids';
import { readPairing } from '../core/pairing';
import { IMcpBridge } from '../tokens';

/**
 * The bridge plugin id; its settings are `schema/plugin.json`.
 */
const PLUGIN_ID = 'jupyterlab-mcp-bridge-extension:plugin';

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
  optional: [ISettingRegistry, ICommandPalette, ITranslator],
  provides: IMcpBridge,
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): Promise<IMcpBridge> => {
    const trans = (translator ?? nullTranslator).load('jupyterlab');
    const settings = registry ? await registry.load(PLUGIN_ID) : null;
    // Scoped by the server's base path: JupyterHub serves every user's
    // server on one origin.
    const credentials = new CredentialStore(
      browserStorage(),
      new URL(app.serviceManager.serverSettings.baseUrl, window.location.href)
        .pathname
    );
    const askToken = async () => {
      const result = await InputDialog.getPassword({
        title: trans.__('MCP bridge token'),
        label: trans.__(
          'Paste the relay token (from the file the jupyterlab-mcp-bridge command printed):'
        )
      });
      return result.button.accept ? result.value : null;
    };
    const bridge = new BridgeController({
      settings,
      credentials,
      load: async activity => {
        const { createBridge } = await import('../host/factory');
        return createBridge({
          activity,
          trans,
          app,
          tracker,
          docManager,
          settings,
          askToken,
          credentials,
          confirmRelay: question => confirmRelay(question, trans)
        });
      }
    });
    addCommands(app.commands, bridge, trans);
    bridge.clientEvent.connect((_, { kind, client }) => {
      const name = clientLabel(client) || trans.__('An MCP client');
      Notification.info(
        kind === 'connected'
          ? trans.__('%1 connected to this page (MCP).', name)
          : trans.__('%1 disconnected (MCP).', name),
        { autoClose: 5000 }
      );
    });
    palette?.addItem({
      command: CommandIDs.start,
      category: trans.__('MCP Bridge')
    });
    palette?.addItem({
      command: CommandIDs.stop,
      category: trans.__('MCP Bridge')
    });
    palette?.addItem({
      command: CommandIDs.rotateToken,
      category: trans.__('MCP Bridge')
    });

    const { pairing, rest } = readPairing(window.location.hash);
    if (pairing || rest !== window.location.hash) {
      // The token leaves the address bar (and the history) at once, whatever
      // the user then decides.
      const clean = window.location.pathname + window.location.search + rest;
      window.history.replaceState(window.history.state, '', clean);
    }
    if (pairing) {
      void app.restored.then(() => bridge.pair(pairing.url, pairing.token));
    } else if (bridge.connectsOnStartup) {
      void bridge.start();
    }
    return bridge;
  }
};
