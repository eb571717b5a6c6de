/**
 * The activity panel plugin: a sidebar of the connected clients, the calls
 * waiting for approval and every tool call.
 */

import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import { Panel, type Widget } from '@lumino/widgets';

import { CommandIDs, NO_ARGS } from './commandids';
import type { IActivityEntry } from '../tokens';
import { IMcpBridge } from '../tokens';

/**
 * The icon of the activity panel.
 */
export const activityIcon = new LabIcon({
  name: 'jupyterlab-mcp-bridge-extension:activity',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 13h4l2-6 4 12 3-8 1.5 2H21v-2h-2.5L16 7l-3 8-4-12-3.4 8H3z"/></svg>'
});

/**
 * Shows what MCP clients do in this page, and lets the user disconnect
 * them or stop the bridge.
 */
export const activityPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mcp-bridge-extension:activity',
  description:
    'A sidebar panel of the MCP clients, the calls waiting for approval and every tool call.',
  autoStart: true,
  requires: [IMcpBridge],
  optional: [ITranslator, INotebookTracker, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMcpBridge,
    translator: ITranslator | null,
    tracker: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab');
    // The sidebar entry is registered at once; its content loads when the
    // user first opens it (the log is kept by the bridge meanwhile).
    const panel = new Private.LazyPanel(async () => {
      const { ActivityPanel } = await import('../ui/activitypanel');
      return new ActivityPanel({
        bridge,
        trans,
        reveal: entry => Private.reveal(app, tracker, entry)
      });
    });
    panel.id = 'jp-McpBridge-activity';
    panel.addClass('jp-McpBridge-activitySidebar');
    panel.title.caption = trans.__('MCP activity');
    panel.title.icon = activityIcon;
    app.shell.add(panel, 'right', { rank: 900 });
    restorer?.add(panel, 'jupyterlab-mcp-bridge-extension:activity');

    app.commands.addCommand(CommandIDs.showActivity, {
      label: trans.__('Show MCP activity'),
      caption: trans.__(
        'Open the panel of MCP clients, pending approvals and tool calls'
      ),
      describedBy: NO_ARGS,
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({
      command: CommandIDs.showActivity,
      category: trans.__('MCP Bridge')
    });
  }
};

namespace Private {
  /**
   * A sidebar panel whose content is made when it is first shown.
   */
  export class LazyPanel extends Panel {
    constructor(load: () => Promise<Widget>) {
      super();
      this._load = load;
    }

    protected onAfterShow(msg: Message): void {
      super.onAfterShow(msg);
      if (!this._loading) {
        this._loading = this._load().then(widget => {
          this.addWidget(widget);
        });
      }
    }

    private _load: () => Promise<Widget>;
    private _loading: Promise<void> | null = null;
  }

  /**
   * Open the notebook of an entry and scroll to its cell, or open its file.
   */
  export async function reveal(
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    entry: IActivityEntry
  ): Promise<void> {
    const path = entry.notebookPath ?? entry.path;
    if (!path) {
      return;
    }
    try {
      const model = await app.serviceManager.contents.get(path, {
        content: false
      });
      if (model.type === 'directory') {
        await app.commands.execute('filebrowser:go-to-path', {
          path: `/${path}`
        });
        return;
      }
      await app.commands.execute('docmanager:open', { path });
    } catch {
      // Gone (deleted or renamed): nothing to show.
      return;
    }
    const panel = tracker?.find(p => p.context.path === entry.notebookPath);
    if (!panel || !entry.cellId) {
      return;
    }
    await panel.context.ready;
    const notebook = panel.content;
    const index = notebook.widgets.findIndex(
      cell => cell.model.id === entry.cellId
    );
    if (index >= 0) {
      notebook.activeCellIndex = index;
      await notebook.scrollToItem(index, 'center');
    }
  }
}
