/**
 * Cell tools: read, insert, edit, move, delete, clear outputs, change type.
 *
 * Reads return a `version` per cell; edits may pass it back as
 * `expected_version` and are refused when the cell changed since (for
 * example because the user typed in it).
 */

import type { ICodeCellModel } from '@jupyterlab/cells';
import { z } from 'zod';

import {
  changeCellType as changeType,
  clearOutputs,
  countReplacements,
  deleteCells,
  editedSource,
  editSource,
  insertCell as insert,
  insertedCell,
  moveCell as move,
  moveTarget,
  overwriteSource,
  resolveCell,
  sourceChange
} from '../actions/cells';
import { describeCell } from '../actions/notebooks';
import { resolveCellList } from '../core/cells';
import { outputText, type ContentBlock } from '../core/outputs';
import { cellTitle } from '../core/preview';
import { htmlToText } from '../jupyter/html';
import { jsonOutput, ToolError, type IPreviewContext } from '../mcp/tool';
import {
  cellId,
  cellIndex,
  cellType,
  expectedVersion,
  notebookFor,
  notebookPath
} from './arguments';
import { renderForAgent } from './render';
import {
  asAgent,
  defineJupyterTool,
  saveAfterEdit,
  userIsTypingIn,
  type IJupyterServices,
  type JupyterTool
} from './services';
import { checkCell, checkCellList, checkInsert, checkNotebook } from './checks';

const readCell = defineJupyterTool({
  name: 'read_cell',
  title: 'Read a cell',
  description:
    'Read one cell: its source, version and, for code cells, its outputs as the user sees them (stream text, results, tables as Markdown, errors with a clean traceback, images as image content, downscaled). Long outputs are cut with a note; read the rest of one output with "output_index" and "offset".',
  category: 'read',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    include_outputs: z
      .boolean()
      .default(true)
      .describe('Include the outputs of a code cell (default true).'),
    include_images: z
      .boolean()
      .optional()
      .describe(
        'Return image outputs as images (default from the settings, normally true).'
      ),
    output_index: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'Return only the text of this output (0-based), from "offset".'
      ),
    offset: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('With "output_index": first character to return (default 0).'),
    max_chars: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'With "output_index": most characters to return (default: the per-output budget).'
      )
  },
  output: {
    index: z.number().int(),
    id: z.string(),
    type: z.string().describe('"code", "markdown" or "raw".'),
    execution_count: z.number().int().nullable(),
    version: z.string(),
    output_count: z.number().int(),
    source: z
      .string()
      .optional()
      .describe('The source (absent when one output is read).'),
    output_index: z
      .number()
      .int()
      .optional()
      .describe('The output read, with "output_index".'),
    offset: z.number().int().optional(),
    end: z
      .number()
      .int()
      .optional()
      .describe('Where the returned text ends; continue from there.'),
    total_chars: z.number().int().optional()
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkCell(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const shared = panel.context.model.sharedModel;
    const index = resolveCell(shared, args);
    const limits = context.services.limits();
    const info = describeCell(shared, index, true, limits.maxOutputChars);
    const model = panel.context.model.cells.get(index);
    const outputs =
      model.type === 'code' ? (model as ICodeCellModel).outputs.toJSON() : [];
    const cell = {
      index,
      id: info.id,
      type: info.type,
      execution_count: info.execution_count,
      version: info.version,
      output_count: outputs.length
    };
    if (args.output_index !== undefined) {
      if (args.output_index >= outputs.length) {
        throw new ToolError(
          `"output_index" ${args.output_index} is out of range: cell ${index} has ${outputs.length} output(s)${outputs.length ? ` (0 to ${outputs.length - 1})` : ''}.`
        );
      }
      const text = outputText(outputs, args.output_index, htmlToText);
      const max = args.max_chars ?? limits.maxOutputChars;
      const end = Math.min(text.length, args.offset + max);
      const more =
        end < text.length
          ? `\n[... ${text.length - end} more characters; continue with offset=${end} ...]`
          : '';
      return {
        content: [
          {
            type: 'text',
            text: `Output ${args.output_index} of cell ${index} (id ${info.id}), characters ${args.offset} to ${end} of ${text.length}:\n${text.slice(args.offset, end)}${more}`
          }
        ],
        structuredContent: {
          ...cell,
          output_index: args.output_index,
          offset: args.offset,
          end,
          total_chars: text.length
        }
      };
    }
    const content: ContentBlock[] = [
      {
        type: 'text',
        text: `Cell ${index} (id ${info.id}, ${info.type}${
          info.execution_count !== null ? `, [${info.execution_count}]` : ''
        }, version ${info.version}):\n${info.source}`
      }
    ];
    if (args.include_outputs && outputs.length) {
      content.push({ type: 'text', text: `Outputs (${outputs.length}):` });
      content.push(
        ...(await renderForAgent(
          outputs,
          limits,
          { notebookPath: panel.context.path, cellId: info.id },
          args.include_images
        ))
      );
    }
    return { content, structuredContent: { ...cell, source: info.source } };
  }
});

const insertCell = defineJupyterTool({
  name: 'insert_cell',
  title: 'Insert a cell',
  description:
    'Insert a new cell before the cell at "cell_index" (-1 appends at the end). The cell appears in the user\'s notebook at once, is saved, and can be undone. Returns the new cell\'s index, id and version. Does not run it (see execute_cell, insert_execute_code_cell). JupyterLab keeps at least one cell in a notebook, so a new notebook holds one blank cell: the first insertion fills that blank cell instead of adding after it.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: z
      .number()
      .int()
      .describe(
        'Position: the new cell goes before the cell now at this index; -1 or the cell count appends.'
      ),
    cell_type: cellType,
    cell_source: z.string().describe('The source of the new cell.')
  },
  output: insertedCell,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkInsert(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const inserted = asAgent(context, () =>
      insert(panel.context.model.sharedModel, {
        index: args.cell_index,
        type: args.cell_type,
        source: args.cell_source,
        keepBlankCell: userIsTypingIn(panel, 0)
      })
    );
    saveAfterEdit(panel, context);
    return jsonOutput(
      `Inserted a ${args.cell_type} cell at index ${inserted.index} (id ${inserted.id})${
        inserted.filled_blank_cell
          ? ", in place of the notebook's blank cell"
          : ''
      }.`,
      { ...inserted }
    );
  }
});

const overwriteCellSource = defineJupyterTool({
  name: 'overwrite_cell_source',
  title: "Overwrite a cell's source",
  description:
    'Replace the whole source of a cell and return a diff of the change. Pass the "expected_version" from your last read to be refused if the user (or another agent) changed the cell since. The change shows in the user\'s notebook at once, is saved, and is one step on the cell\'s undo stack. Outputs are kept until the cell runs again.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    cell_source: z.string().describe('The new source of the cell.'),
    expected_version: expectedVersion
  },
  output: sourceChange,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkCell(args, context);
  },
  preview: async (args, context) => {
    const index = context.target.cellIndex;
    if (
      index !== null &&
      Private.previewChanges(context, [index], () => args.cell_source)
    ) {
      context.preview.showsArguments('cell_source');
    }
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const change = asAgent(context, () =>
      overwriteSource(
        panel.context.model.sharedModel,
        args,
        args.cell_source,
        args.expected_version
      )
    );
    saveAfterEdit(panel, context);
    return {
      content: [
        {
          type: 'text',
          text: `Overwrote the source of cell ${change.index} (id ${change.id}):\n${change.diff}`
        }
      ],
      structuredContent: change
    };
  }
});

const editCellSource = defineJupyterTool({
  name: 'edit_cell_source',
  title: "Edit part of a cell's source",
  description:
    'Find "old_text" in a cell\'s source and replace it with "new_text" (exact text, not a pattern). Refused when "old_text" is not found, or found more than once without "replace_all". Returns a diff. Pass "expected_version" to be refused if the cell changed since you read it.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    old_text: z.string().min(1).describe('The exact text to find.'),
    new_text: z.string().describe('The text to put in its place.'),
    replace_all: z
      .boolean()
      .default(false)
      .describe(
        'Replace every occurrence (default false: exactly one must exist).'
      ),
    expected_version: expectedVersion
  },
  output: {
    ...sourceChange,
    replacements: z.number().int().describe('Occurrences replaced.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    const { notebook, index } = await checkCell(args, context);
    countReplacements(
      {
        index,
        id: notebook.cells[index].id,
        source: notebook.cells[index].source
      },
      args.old_text,
      args.replace_all
    );
  },
  preview: async (args, context) => {
    const index = context.target.cellIndex;
    if (
      index !== null &&
      Private.previewChanges(context, [index], before =>
        before.includes(args.old_text)
          ? editedSource(before, args.old_text, args.new_text, args.replace_all)
          : null
      )
    ) {
      context.preview.showsArguments('old_text', 'new_text');
    }
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const change = asAgent(context, () =>
      editSource(panel.context.model.sharedModel, args, {
        oldText: args.old_text,
        newText: args.new_text,
        replaceAll: args.replace_all,
        expectedVersion: args.expected_version
      })
    );
    saveAfterEdit(panel, context);
    return {
      content: [
        {
          type: 'text',
          text: `Replaced ${change.replacements} occurrence(s) in cell ${change.index} (id ${change.id}):\n${change.diff}`
        }
      ],
      structuredContent: change
    };
  }
});

const deleteCell = defineJupyterTool({
  name: 'delete_cell',
  title: 'Delete cells',
  description:
    'Delete one or more cells, named by "cell_indices" or "cell_ids". All are checked first: if any is invalid nothing is deleted. The deletion can be undone by the user. (JupyterLab keeps at least one cell: deleting every cell leaves one blank cell.)',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_indices: z
      .array(z.number().int())
      .min(1)
      .optional()
      .describe('Indexes of the cells to delete (-1 is the last cell).'),
    cell_ids: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Ids of the cells to delete.')
  },
  output: {
    deleted: z
      .array(z.object({ index: z.number().int(), id: z.string() }))
      .describe('The deleted cells, with their indexes before the deletion.'),
    total_cells: z.number().int()
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkCellList(args, context);
  },
  preview: async (args, context) => {
    const path = context.target.notebookPath;
    const panel = path ? context.services.workspace.find(path) : undefined;
    if (!panel) {
      return;
    }
    const resolved = resolveCellList(
      { indices: args.cell_indices, ids: args.cell_ids },
      panel.context.model.sharedModel.cells.map(cell => cell.id)
    );
    if (resolved.ok) {
      Private.previewChanges(
        context,
        [...resolved.indexes].sort((a, b) => a - b),
        () => ''
      );
    }
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = asAgent(context, () =>
      deleteCells(panel.context.model.sharedModel, {
        indices: args.cell_indices,
        ids: args.cell_ids
      })
    );
    saveAfterEdit(panel, context);
    return jsonOutput(`Deleted ${result.deleted.length} cell(s).`, {
      deleted: result.deleted,
      // JupyterLab may have added a blank cell to an emptied notebook.
      total_cells: panel.context.model.cells.length
    });
  }
});

const moveCell = defineJupyterTool({
  name: 'move_cell',
  title: 'Move a cell',
  description:
    'Move a cell to another position; its id, source and outputs move with it. "to_index" is the index the cell has after the move (-1 for the end).',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    to_index: z
      .number()
      .int()
      .describe('Index of the cell after the move (0-based; -1 for the end).')
  },
  output: {
    id: z.string(),
    from_index: z.number().int(),
    index: z.number().int().describe('The index of the cell now.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    const { notebook } = await checkCell(args, context);
    moveTarget(args.to_index, notebook.cells.length);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const moved = asAgent(context, () =>
      move(panel.context.model.sharedModel, args, args.to_index)
    );
    if (moved.from_index !== moved.index) {
      saveAfterEdit(panel, context);
    }
    return jsonOutput(
      `Moved cell ${moved.id} from index ${moved.from_index} to ${moved.index}.`,
      moved
    );
  }
});

const clearCellOutput = defineJupyterTool({
  name: 'clear_cell_output',
  title: 'Clear outputs',
  description:
    'Clear the outputs (and execution count) of one code cell, or of every cell with "all": true.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    all: z
      .boolean()
      .default(false)
      .describe('Clear every cell of the notebook (then give no cell).')
  },
  output: {
    cleared: z
      .number()
      .int()
      .describe('Cells that had outputs or an execution count.'),
    indexes: z.array(z.number().int()).describe('The cells looked at.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    if (args.cell_index !== undefined || args.cell_id !== undefined) {
      await checkCell(args, context);
    } else {
      await checkNotebook(args, context);
    }
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = asAgent(context, () =>
      clearOutputs(panel.context.model.sharedModel, {
        ref: args,
        all: args.all
      })
    );
    saveAfterEdit(panel, context);
    return jsonOutput(
      `Cleared the outputs of ${result.cleared} cell(s).`,
      result
    );
  }
});

const changeCellType = defineJupyterTool({
  name: 'change_cell_type',
  title: 'Change a cell type',
  description:
    'Change a cell to code, markdown or raw, keeping its id, source and metadata (and its attachments between markdown and raw). Outputs are dropped when it stops being a code cell; a cell with attachments cannot become a code cell.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    cell_type: cellType,
    expected_version: expectedVersion
  },
  output: {
    index: z.number().int(),
    id: z.string(),
    cell_type: z.string(),
    version: z.string(),
    changed: z.boolean().describe('False when the cell already had that type.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await checkCell(args, context);
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const result = asAgent(context, () =>
      changeType(
        panel.context.model.sharedModel,
        args,
        args.cell_type,
        args.expected_version
      )
    );
    if (result.changed) {
      saveAfterEdit(panel, context);
    }
    return jsonOutput(
      `Cell ${result.index} (id ${result.id}) ${result.changed ? 'is now' : 'already was'} a ${result.cell_type} cell.`,
      result
    );
  }
});

/**
 * The cell tools.
 */
export const cellTools: JupyterTool[] = [
  readCell,
  insertCell,
  overwriteCellSource,
  editCellSource,
  deleteCell,
  moveCell,
  clearCellOutput,
  changeCellType
];

namespace Private {
  /**
   * Preview the changes of the cells at `indexes` of the target's open
   * notebook into `after(source)` (null: no change shown), each bound to
   * the source shown; the number of changes shown.
   */
  export function previewChanges(
    { target, services, preview }: IPreviewContext<IJupyterServices>,
    indexes: readonly number[],
    after: (before: string) => string | null
  ): number {
    const path = target.notebookPath;
    const cells = path
      ? services.workspace.find(path)?.context.model.sharedModel.cells
      : undefined;
    if (!path || !cells) {
      return 0;
    }
    let shown = 0;
    for (const index of indexes) {
      const cell = cells[index];
      const before = cell?.getSource();
      const next = before === undefined ? null : after(before);
      if (!cell || before === undefined || next === null) {
        continue;
      }
      const id = cell.id;
      preview.change(cellTitle(index, id, path), before, next, {
        what: `Cell ${index} (id ${id}) of "${path}"`,
        current: async () =>
          services.workspace
            .find(path)
            ?.context.model.sharedModel.cells.find(c => c.id === id)
            ?.getSource() ?? null
      });
      shown += 1;
    }
    return shown;
  }
}
