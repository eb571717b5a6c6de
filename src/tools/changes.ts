/**
 * Change tracking tools: what changed in a notebook since a version, by
 * cell id.
 */

import { z } from 'zod';

import { cellVersion } from '../core/cells';
import { jsonOutput, ToolError } from '../mcp/tool';
import { notebookFor, notebookPath } from './arguments';
import { defineJupyterTool, type JupyterTool } from './services';

const changedCell = z.object({
  id: z.string(),
  index: z.number().int().describe('Its index now.')
});

const getNotebookChanges = defineJupyterTool({
  name: 'get_notebook_changes',
  title: 'What changed in a notebook',
  description:
    "Tell what changed in a notebook since a version (the notebook_version of read_notebook, or of an earlier call of this tool): the cells added, removed, moved and edited, and those whose outputs changed (a run, outputs cleared), by id, with their index now. Use it after the user (or another agent) worked in the notebook, instead of reading it all again. Your own session's changes are left out unless include_own is true. When the version cannot be answered (another JupyterLab tab, the notebook reopened, or too old), complete is false: read the notebook again.",
  category: 'read',
  input: {
    notebook_path: notebookPath,
    since_version: z
      .string()
      .min(1)
      .describe(
        'A notebook_version from read_notebook or from this tool (e.g. "k3x9a2.42").'
      ),
    include_own: z
      .boolean()
      .default(false)
      .describe("Also count this session's own changes (default false).")
  },
  output: {
    path: z.string(),
    since_version: z.string(),
    notebook_version: z
      .string()
      .describe('The version now: pass it next time.'),
    complete: z
      .boolean()
      .describe(
        'False when this version cannot be answered: read the notebook again.'
      ),
    reason: z.string().optional().describe('Why it is not complete.'),
    added: z.array(changedCell),
    removed: z.array(z.string()).describe('Ids of the cells removed.'),
    moved: z.array(changedCell),
    edited: z.array(
      changedCell.extend({
        version: z.string().describe("The cell's version now.")
      })
    ),
    outputs_changed: z.array(changedCell)
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const log = context.services.changes.log(panel);
    if (!log) {
      throw new ToolError(
        `"${panel.context.path}" is still loading; try again in a moment.`
      );
    }
    const shared = panel.context.model.sharedModel;
    const ids = shared.cells.map(cell => cell.id);
    const changes = log.since(
      args.since_version,
      ids,
      args.include_own ? null : context.session.id
    );
    const edited = changes.edited.map(cell => {
      const model = shared.cells[cell.index];
      return {
        ...cell,
        version: cellVersion(model.cell_type, model.getSource())
      };
    });
    const counts = [
      [changes.added.length, 'added'],
      [changes.removed.length, 'removed'],
      [changes.moved.length, 'moved'],
      [edited.length, 'edited'],
      [changes.outputs.length, 'with new outputs']
    ] as const;
    const said = counts
      .filter(([count]) => count > 0)
      .map(([count, what]) => `${count} ${what}`)
      .join(', ');
    const summary = !changes.complete
      ? `Cannot tell what changed in "${panel.context.path}" since ${args.since_version}: ${changes.reason}. Read the notebook again (read_notebook gives the version now, ${log.tag}).`
      : said
        ? `"${panel.context.path}" since ${args.since_version}: cells ${said}.`
        : `Nothing changed in "${panel.context.path}" since ${args.since_version}${args.include_own ? '' : ' (but for your own changes)'}.`;
    return jsonOutput(summary, {
      path: panel.context.path,
      since_version: args.since_version,
      notebook_version: log.tag,
      complete: changes.complete,
      ...(changes.reason !== undefined ? { reason: changes.reason } : {}),
      added: changes.added,
      removed: changes.removed,
      moved: changes.moved,
      edited,
      outputs_changed: changes.outputs
    });
  }
});

/**
 * The change tracking tools.
 */
export const changeTools: JupyterTool[] = [getNotebookChanges];
