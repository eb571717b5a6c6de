/**
 * What the JupyterLab tools act on, and the limits they honour.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { CommandRegistry } from '@lumino/commands';

import type { z } from 'zod';

import type { IPageInfo } from '../_protocol';

import type { IBridgeSettings } from '../core/settings';

import {
  defineTool,
  type IToolContext,
  type IToolDefinition,
  type ITool
} from '../mcp/tool';
import type { NotebookChanges } from '../jupyter/changes';
import type { ExecutionRegistry } from '../jupyter/execute';
import type { FileWorkspace } from '../jupyter/files';
import type { TerminalHub } from '../jupyter/terminals';
import type { NotebookWorkspace } from '../jupyter/workspace';

/**
 * Limits and switches from the settings (see `schema/plugin.json`).
 */
export type IToolLimits = Omit<
  IBridgeSettings,
  'relayUrl' | 'connectOnStartup'
>;

/**
 * The pages connected to the relay, as tools report them.
 */
export interface IPagesView {
  /**
   * This page's id at the relay ('' when not connected).
   */
  thisPage: string;
  pages: readonly IPageInfo[];
}

/**
 * The services JupyterLab tools receive.
 */
export interface IJupyterServices {
  /**
   * The application: shell, service manager (kernels, contents, terminals).
   */
  app: JupyterFrontEnd;
  /**
   * The open notebooks.
   */
  tracker: INotebookTracker;
  workspace: NotebookWorkspace;
  /**
   * Cell runs of this page, collectable later.
   */
  executions: ExecutionRegistry;
  /**
   * The change logs of the open notebooks (who changed what, by cell id).
   */
  changes: NotebookChanges;
  commands: CommandRegistry;
  /**
   * The files of the server root (contents service).
   */
  files: FileWorkspace;
  /**
   * The server's terminals, with the output the bridge has seen.
   */
  terminals: TerminalHub;
  /**
   * Read at each call, so that settings changes apply at once.
   */
  limits(): IToolLimits;
  /**
   * The JupyterLab pages (tabs) connected to the relay, and this one.
   */
  pages(): IPagesView;
}

/**
 * The context of a JupyterLab tool.
 */
export type JupyterToolContext = IToolContext<IJupyterServices>;

/**
 * A JupyterLab tool.
 */
export type JupyterTool = ITool<IJupyterServices>;

/**
 * Save a notebook after an edit when the settings ask for it: in the
 * background, off the path of the tool's result (the file tools wait for
 * it before they read). A failed save is logged to the client.
 */
export function saveAfterEdit(
  panel: NotebookPanel,
  context: JupyterToolContext
): void {
  if (!context.services.limits().saveAfterEdit) {
    return;
  }
  const path = panel.context.path;
  void context.services.workspace.saveSoon(panel).then(failure => {
    if (failure) {
      void context.log?.(
        'warning',
        `Saving "${path}" failed: ${failure}. The notebook in the page holds the change; the file on disk does not yet.`
      );
    }
  });
}

/**
 * Make an agent's edit of a notebook: its changes count as the calling
 * session's in the notebook's change log (subscribers to the notebook are
 * not told of their own edits).
 */
export function asAgent<T>(context: JupyterToolContext, edit: () => T): T {
  return context.services.changes.asAgent(context.session.id, edit);
}

/**
 * Whether the user is typing in the cell at `index` of a notebook (its
 * editor has the focus): agents must not delete or replace that cell.
 */
export function userIsTypingIn(panel: NotebookPanel, index: number): boolean {
  const notebook = panel.content;
  return (
    notebook.activeCellIndex === index &&
    notebook.mode === 'edit' &&
    !!notebook.activeCell?.editor?.hasFocus()
  );
}

/**
 * Define a JupyterLab tool (types its context's services).
 */
export function defineJupyterTool<
  Shape extends z.ZodRawShape,
  Output extends z.ZodRawShape = z.ZodRawShape
>(definition: IToolDefinition<Shape, IJupyterServices, Output>): JupyterTool {
  return defineTool(definition);
}
