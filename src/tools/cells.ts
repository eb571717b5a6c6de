/**
 * Cell tools: read, insert, overwrite, delete.
 */

import type { ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { z } from 'zod';

import { resolveCellRef, resolveInsertIndex } from '../core/cells';
import { renderOutputs, type ContentBlock } from '../core/outputs';
import { jsonOutput, ToolError } from '../mcp/tool';
import {
  cellId,
  cellIds,
  cellIndex,
  cellIndexOf,
  cellType,
  notebookPath
} from './arguments';
import { describeCell } from './notebooks';
import {
  defineJupyterTool,
  saveAfterEdit,
  type JupyterTool
} from './services';

const readCell = defineJupyterTool({
  name: 'read_cell',
  title: 'Read a cell',
  description:
    'Read one cell: its source and, for code cells, its outputs as the user sees them (stream text, results, errors with a clean traceback, PNG/JPEG images as image content).',
  category: 'read',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    include_outputs: z
      .boolean()
      .default(true)
      .describe('Include the outputs of a code cell (default true).')
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
    const index = cellIndexOf(panel, args);
    const limits = context.services.limits();
    const info = describeCell(panel, index, true, limits.maxOutputChars);
    delete info.outputs;
    const content: ContentBlock[] = [
      {
        type: 'text',
        text: `Cell ${index} (id ${info.id}, ${info.type}${
          info.execution_count !== null ? `, [${info.execution_count}]` : ''
        }):\n${info.source}`
      }
    ];
    const model = panel.context.model.cells.get(index);
    let outputCount = 0;
    if (args.include_outputs && model.type === 'code') {
      const outputs = (model as ICodeCellModel).outputs.toJSON();
      outputCount = outputs.length;
      if (outputs.length) {
        content.push({ type: 'text', text: 'Outputs:' });
        content.push(...renderOutputs(outputs, limits));
      }
    }
    return {
      content,
      structuredContent: { ...info, output_count: outputCount }
    };
  }
});

const insertCell = defineJupyterTool({
  name: 'insert_cell',
  title: 'Insert a cell',
  description:
    'Insert a new cell before the cell at "cell_index" (-1 appends at the end). The cell appears in the user\'s notebook at once, is saved, and can be undone. Returns the new cell\'s index and id. Does not run it (see execute_cell). JupyterLab keeps at least one cell in a notebook, so a new notebook holds one blank cell: the first insertion fills that blank cell instead of adding after it.',
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
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
    const shared = panel.context.model.sharedModel;
    const position = resolveInsertIndex(args.cell_index, shared.cells.length);
    if (!position.ok) {
      throw new ToolError(position.error);
    }
    const placeholder = Private.isPlaceholder(panel);
    const index = placeholder ? 0 : position.index;
    shared.transact(() => {
      shared.insertCell(index, {
        cell_type: args.cell_type,
        source: args.cell_source
      });
      if (placeholder) {
        shared.deleteCell(1);
      }
    });
    await saveAfterEdit(panel, context);
    const id = panel.context.model.cells.get(index).id;
    return jsonOutput(
      `Inserted a ${args.cell_type} cell at index ${index} (id ${id})${
        placeholder ? ', in place of the notebook\'s blank cell' : ''
      }.`,
      {
        index,
        id,
        total_cells: shared.cells.length,
        filled_blank_cell: placeholder
      }
    );
  }
});

const overwriteCellSource = defineJupyterTool({
  name: 'overwrite_cell_source',
  title: 'Overwrite a cell\'s source',
  description:
    'Replace the whole source of a cell. The change shows in the user\'s notebook at once, is saved, and is one step on the cell\'s undo stack. Outputs are kept until the cell runs again.',
  category: 'edit',
  input: {
    notebook_path: notebookPath,
    cell_index: cellIndex,
    cell_id: cellId,
    cell_source: z.string().describe('The new source of the cell.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
    const index = cellIndexOf(panel, args);
    const cell = panel.context.model.cells.get(index).sharedModel;
    const previous = cell.getSource();
    cell.transact(() => {
      cell.setSource(args.cell_source);
    });
    await saveAfterEdit(panel, context);
    return jsonOutput(`Overwrote the source of cell ${index} (id ${cell.id}).`, {
      index,
      id: cell.id,
      previous_lines: previous.split('\n').length,
      new_lines: args.cell_source.split('\n').length
    });
  }
});

const deleteCell = defineJupyterTool({
  name: 'delete_cell',
  title: 'Delete cells',
  description:
    'Delete one or more cells, named by "cell_indices" or "cell_ids". All are checked first: if any is invalid nothing is deleted. The deletion can be undone by the user.',
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
    const panel = await context.services.workspace.resolve(
      args.notebook_path,
      context.session
    );
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
    shared.transact(() => {
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

/**
 * The cell tools.
 */
export const cellTools: JupyterTool[] = [
  readCell,
  insertCell,
  overwriteCellSource,
  deleteCell
];

namespace Private {
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
