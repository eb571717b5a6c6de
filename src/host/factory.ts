/**
 * Building the real bridge with its services and tools. Loaded on demand
 * (see {@link BridgeController}): it pulls in the MCP SDK, zod and every tool.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { TranslationBundle } from '@jupyterlab/translation';

import { NotebookBaselines } from '../jupyter/baselines';
import { NotebookChanges } from '../jupyter/changes';
import { ExecutionRegistry } from '../jupyter/execute';
import { FileWorkspace } from '../jupyter/files';
import { SaveQueue } from '../jupyter/saves';
import { TerminalHub } from '../jupyter/terminals';
import { NotebookWorkspace } from '../jupyter/workspace';
import { jupyterTools } from '../tools';
import { jupyterCompletions } from '../tools/completion';
import { jupyterPrompts } from '../tools/prompts';
import { jupyterResources } from '../tools/resources';
import type { ActivityLog } from '../oversight/activity';
import { showApprovalDialog } from '../ui/approvaldialog';
import { McpBridge } from './bridge';
import type { CredentialStore } from '../link/credentials';
import type { IRelayQuestion } from '../ui/relaydialog';

/**
 * What the bridge is built from.
 */
export interface IBridgeParts {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  docManager: IDocumentManager;
  settings: ISettingRegistry.ISettings | null;
  askToken: () => Promise<string | null>;
  credentials: CredentialStore;
  confirmRelay: (question: IRelayQuestion) => Promise<boolean>;
  /**
   * The activity log (made before the bridge, for the activity panel).
   */
  activity: ActivityLog;
  trans: TranslationBundle;
}

/**
 * Build the bridge of this page.
 */
export function createBridge(parts: IBridgeParts): McpBridge {
  const { app, tracker, docManager } = parts;
  const saves = new SaveQueue();
  const baselines = new NotebookBaselines(tracker);
  return new McpBridge({
    services: {
      app,
      tracker,
      workspace: new NotebookWorkspace({
        app,
        tracker,
        docManager,
        saves,
        baselines
      }),
      executions: new ExecutionRegistry(),
      changes: new NotebookChanges(tracker),
      commands: app.commands,
      files: new FileWorkspace({
        app,
        docManager,
        saves,
        baselines
      }),
      terminals: new TerminalHub({ app })
    },
    saves,
    staleCopy: path =>
      Notification.warning(
        parts.trans.__(
          'An agent saved "%1" from another JupyterLab tab while this tab has unsaved changes to it. Saving it here will ask before overwriting what the agent saved.',
          path
        ),
        { autoClose: false }
      ),
    tools: jupyterTools(),
    resources: jupyterResources,
    prompts: { prompts: jupyterPrompts(), completions: jupyterCompletions() },
    settings: parts.settings,
    askToken: parts.askToken,
    credentials: parts.credentials,
    confirmRelay: parts.confirmRelay,
    activity: parts.activity,
    askApproval: (request, deadline) =>
      showApprovalDialog(request, deadline, parts.trans)
  });
}
