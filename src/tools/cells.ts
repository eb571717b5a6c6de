/**
 * Cell tools: read, insert, edit, move, delete, clear outputs, change type.
 *
 * Reads return a `version` per cell; edits may pass it back as
 * `expected_version` and are refused when the cell changed since (for
 * example because the user typed in it).
 */

import type { ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

import {
  cellVersion,
  resolveCellRef,
  resolveInsertIndex,
  validIndexes
} from '../core/cells';
import { lineDiff } from '../core/diff';
import { outputText, type ContentBlock } from '../core/outputs';
import { agentEdit } from '../jupyter/edits';
import { htmlToText } from '../jupyter/html';
import { jsonOutput, ToolError } from '../mcp/tool';
import {
  cellId,
  cellIds,
  cellIndex,
  cellIndexOf,
  cellType,
  expectedVersion,
  notebookFor,
  notebookPath
} from './arguments';
import { describeCell } from './notebooks';
import { renderForAgent } from './render';
import { defineJupyterTool, saveAfterEdit, type JupyterTool } from './services';

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
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const index = cellIndexOf(panel, args);
    const limits = context.services.limits();
    const info = describeCell(panel, index, true, limits.maxOutputChars);
    delete info.outputs;
    const model = panel.context.model.cells.get(index);
    const outputs =
      model.type === 'code' ? (model as ICodeCellModel).outputs.toJSON() : [];
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
          index,
          id: info.id,
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
    return {
      content,
      structuredContent: { ...info, output_count: outputs.length }
    };
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const inserted = insertInto(panel, args);
    await saveAfterEdit(panel, context);
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const index = cellIndexOf(panel, args);
    const cell = panel.context.model.cells.get(index).sharedModel;
    Private.checkVersion(panel, index, args.expected_version);
    const previous = cell.getSource();
    agentEdit(cell, () => {
      cell.setSource(args.cell_source);
    });
    await saveAfterEdit(panel, context);
    const diff = lineDiff(previous, args.cell_source);
    return {
      content: [
        {
          type: 'text',
          text: `Overwrote the source of cell ${index} (id ${cell.id}):\n${diff}`
        }
      ],
      structuredContent: {
        index,
        id: cell.id,
        version: cellVersion(cell.cell_type, args.cell_source),
        diff
      }
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const index = cellIndexOf(panel, args);
    Private.checkVersion(panel, index, args.expected_version);
    const cell = panel.context.model.cells.get(index).sharedModel;
    const previous = cell.getSource();
    const count = previous.split(args.old_text).length - 1;
    if (count === 0) {
      throw new ToolError(
        `"old_text" was not found in cell ${index} (id ${cell.id}); nothing was changed. Read the cell to see its current source.`
      );
    }
    if (count > 1 && !args.replace_all) {
      throw new ToolError(
        `"old_text" occurs ${count} times in cell ${index}; give more context to make it unique, or set "replace_all": true. Nothing was changed.`
      );
    }
    const next = args.replace_all
      ? previous.split(args.old_text).join(args.new_text)
      : previous.replace(args.old_text, () => args.new_text);
    agentEdit(cell, () => {
      cell.setSource(next);
    });
    await saveAfterEdit(panel, context);
    const diff = lineDiff(previous, next);
    return {
      content: [
        {
          type: 'text',
          text: `Replaced ${args.replace_all ? count : 1} occurrence(s) in cell ${index} (id ${cell.id}):\n${diff}`
        }
      ],
      structuredContent: {
        index,
        id: cell.id,
        replacements: args.replace_all ? count : 1,
        version: cellVersion(cell.cell_type, next),
        diff
      }
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    if ((args.cell_indices === undefined) === (args.cell_ids === undefined)) {
      throw new ToolError(
        'Give exactly one of "cell_indices" (list of integers) or "cell_ids" (list of ids).'
      );
    }
    const ids = cellIds(panel);
    const refs = args.cell_indices
      ? args.cell_indices.map(index => ({ index }))
      : (args.cell_ids ?? []).map(cell_id => ({ cell_id }));
    const indexes = new Set<number>();
    for (const ref of refs) {
      const result = resolveCellRef(ref, ids);
      if (!result.ok) {
        throw new ToolError(`${result.error} No cell was deleted.`);
      }
      indexes.add(result.index);
    }
    const ordered = [...indexes].sort((a, b) => b - a);
    const shared = panel.context.model.sharedModel;
    const deleted = ordered.map(index => ({ index, id: ids[index] }));
    agentEdit(shared, () => {
      for (const index of ordered) {
        shared.deleteCell(index);
      }
    });
    await saveAfterEdit(panel, context);
    return jsonOutput(`Deleted ${deleted.length} cell(s).`, {
      deleted: deleted.reverse(),
      total_cells: shared.cells.length
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const from = cellIndexOf(panel, args);
    const shared = panel.context.model.sharedModel;
    const count = shared.cells.length;
    const to = args.to_index === -1 ? count - 1 : args.to_index;
    if (to < 0 || to >= count) {
      throw new ToolError(
        `"to_index" ${args.to_index} is out of range: ${validIndexes(count)}.`
      );
    }
    const id = shared.cells[from].id;
    if (from !== to) {
      agentEdit(shared, () => shared.moveCell(from, to));
      await saveAfterEdit(panel, context);
    }
    return jsonOutput(`Moved cell ${id} from index ${from} to ${to}.`, {
      id,
      from_index: from,
      index: to
    });
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
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const cells = panel.context.model.cells;
    let indexes: number[];
    if (args.all) {
      if (args.cell_index !== undefined || args.cell_id !== undefined) {
        throw new ToolError('Give either "all": true or one cell, not both.');
      }
      indexes = [...Array(cells.length).keys()];
    } else {
      indexes = [cellIndexOf(panel, args)];
    }
    let cleared = 0;
    agentEdit(panel.context.model.sharedModel, () => {
      for (const index of indexes) {
        const model = cells.get(index);
        if (model.type === 'code') {
          const code = model as ICodeCellModel;
          if (code.outputs.length || code.executionCount !== null) {
            cleared += 1;
          }
          code.outputs.clear();
          code.executionCount = null;
        }
      }
    });
    await saveAfterEdit(panel, context);
    return jsonOutput(`Cleared the outputs of ${cleared} cell(s).`, {
      cleared,
      indexes
    });
  }
});

const changeCellType = defineJupyterTool({
  name: 'change_cell_type',
  title: 'Change a cell type',
  description:
    'Change a cell to code, markdown or raw, keeping its id and source (outputs are dropped when it stops being a code cell).',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    cell_type: cellType,
    expected_version: expectedVersion
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await notebookFor(args, context);
    const index = cellIndexOf(panel, args);
    Private.checkVersion(panel, index, args.expected_version);
    const shared = panel.context.model.sharedModel;
    const cell = shared.cells[index];
    const id = cell.id;
    if (cell.cell_type !== args.cell_type) {
      const source = cell.getSource();
      const metadata = cell.getMetadata();
      agentEdit(shared, () => {
        shared.deleteCell(index);
        shared.insertCell(index, {
          id,
          cell_type: args.cell_type,
          source,
          metadata
        });
      });
      await saveAfterEdit(panel, context);
    }
    const now = shared.cells[index];
    return jsonOutput(
      `Cell ${index} (id ${id}) is now a ${args.cell_type} cell.`,
      {
        index,
        id: now.id,
        cell_type: now.cell_type,
        version: cellVersion(now.cell_type, now.getSource())
      }
    );
  }
});

/**
 * Insert a cell (shared with insert_execute_code_cell).
 */
export function insertInto(
  panel: NotebookPanel,
  args: { cell_index: number; cell_type: string; cell_source: string }
): {
  index: number;
  id: string;
  version: string;
  total_cells: number;
  filled_blank_cell: boolean;
} {
  const shared = panel.context.model.sharedModel;
  const position = resolveInsertIndex(args.cell_index, shared.cells.length);
  if (!position.ok) {
    throw new ToolError(position.error);
  }
  const placeholder = Private.isPlaceholder(panel);
  const index = placeholder ? 0 : position.index;
  agentEdit(shared, () => {
    shared.insertCell(index, {
      cell_type: args.cell_type as 'code' | 'markdown' | 'raw',
      source: args.cell_source
    });
    if (placeholder) {
      shared.deleteCell(1);
    }
  });
  const id = panel.context.model.cells.get(index).id;
  return {
    index,
    id,
    version: cellVersion(args.cell_type, args.cell_source),
    total_cells: shared.cells.length,
    filled_blank_cell: placeholder
  };
}

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
   * Refuse an edit when the cell changed since the agent read it.
   */
  export function checkVersion(
    panel: NotebookPanel,
    index: number,
    expected: string | undefined
  ): void {
    if (expected === undefined) {
      return;
    }
    const cell = panel.context.model.cells.get(index).sharedModel;
    const source = cell.getSource();
    const current = cellVersion(cell.cell_type, source);
    if (current !== expected) {
      throw new ToolError(
        `Cell ${index} (id ${cell.id}) changed since you read it (your version ${expected}, now ${current}), probably because the user edited it. Nothing was changed. Its current source:\n${source}`
      );
    }
  }

  /**
   * Whether the notebook holds only JupyterLab's blank starting cell: one
   * empty code cell that never ran.
   */
  export function isPlaceholder(panel: NotebookPanel): boolean {
    const cells = panel.context.model.cells;
    if (cells.length !== 1) {
      return false;
    }
    const cell = cells.get(0);
    return (
      cell.type === 'code' &&
      cell.sharedModel.getSource() === '' &&
      (cell as ICodeCellModel).executionCount === null &&
      (cell as ICodeCellModel).outputs.length === 0
    );
  }
}
