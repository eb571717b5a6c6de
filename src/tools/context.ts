/**
 * Context tools: what the user is looking at, so an agent can act on
 * "this cell".
 */

import { z } from 'zod';

import { cellInfo, describeCell } from '../actions/notebooks';
import {
  editorStateSchema,
  frontTab,
  frontTabSchema,
  notebookFocus
} from '../jupyter/context';
import { jsonOutput } from '../mcp/tool';
import { defineJupyterTool, type JupyterTool } from './services';

const getActiveContext = defineJupyterTool({
  name: 'get_active_context',
  title: "Get the user's context",
  description:
    'Tell what the user is looking at in JupyterLab, so you can act on "this cell" or "this notebook": the tab in front; the notebook they are in (or were last in, when another tab is in front), with its path, mode ("edit" while they type in a cell), the active cell (index, id, type, version, execution count, whole source, output summary), the selected cells, and in the active cell\'s editor the cursor and the selected text; the notebook this session uses; and the JupyterLab tabs connected to the bridge, marking the one that serves this session. Read-only; the user\'s focus and selection are not changed.',
  category: 'read',
  input: {},
  output: {
    front_tab: frontTabSchema
      .nullable()
      .describe('The tab in front of the main area.'),
    notebook: z
      .object({
        path: z.string(),
        in_front: z.boolean(),
        mode: z.string().describe('"command" or "edit" (typing in a cell).'),
        cell_count: z.number().int(),
        active_cell: cellInfo.nullable(),
        selected_cells: z.array(
          z.object({
            index: z.number().int(),
            id: z.string(),
            type: z.string()
          })
        ),
        editor: editorStateSchema
          .nullable()
          .describe("The active cell's editor."),
        in_use_by_this_session: z.boolean()
      })
      .nullable()
      .describe('The notebook the user is in, or was last in.'),
    session_notebook: z.string().nullable(),
    pages: z
      .array(
        z.object({
          id: z.string(),
          label: z.string().optional(),
          sessions: z.number().int(),
          preferred: z
            .boolean()
            .describe('New sessions go to this page (focused last).'),
          serves_this_session: z.boolean()
        })
      )
      .describe(
        'The JupyterLab tabs connected to the bridge; the one serving this session says so.'
      )
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (_, context) => {
    const { app, tracker } = context.services;
    const view = context.services.pages();
    const pages = view.pages.map(page => ({
      id: page.id,
      ...(page.label !== undefined ? { label: page.label } : {}),
      sessions: page.sessions,
      preferred: page.preferred,
      serves_this_session: page.id === view.thisPage
    }));
    const front = frontTab(app, tracker);
    const focus = notebookFocus(app, tracker);
    const sessionNotebook = context.session.notebookPath;
    if (!focus) {
      return jsonOutput(
        `No notebook is open in the page${front ? `; the tab in front is "${front.label}"` : ''}.`,
        {
          front_tab: front,
          notebook: null,
          session_notebook: sessionNotebook,
          pages
        }
      );
    }
    const { panel } = focus;
    const maxChars = context.services.limits().maxOutputChars;
    const count = panel.context.model.cells.length;
    const active =
      focus.activeIndex >= 0 && focus.activeIndex < count
        ? describeCell(
            panel.context.model.sharedModel,
            focus.activeIndex,
            true,
            maxChars
          )
        : null;
    const selected = focus.selectedIndexes.map(index => {
      const model = panel.context.model.cells.get(index);
      return { index, id: model.id, type: model.type };
    });
    const path = panel.context.path;
    const where = focus.inFront
      ? `The user is in "${path}"`
      : `The user was last in "${path}" (another tab is in front: "${front?.label ?? ''}")`;
    const cell = active
      ? `, on cell ${active.index} (id ${active.id}, ${active.type})`
      : '';
    const selection = focus.editor?.selection
      ? `, with ${focus.editor.selection.text.length} character(s) selected`
      : '';
    return jsonOutput(`${where}${cell}${selection}.`, {
      front_tab: front,
      notebook: {
        path,
        in_front: focus.inFront,
        mode: focus.mode,
        cell_count: count,
        active_cell: active,
        selected_cells: selected,
        editor: focus.editor,
        in_use_by_this_session: sessionNotebook === path
      },
      session_notebook: sessionNotebook,
      pages
    });
  }
});

/**
 * The context tools.
 */
export const contextTools: JupyterTool[] = [getActiveContext];
