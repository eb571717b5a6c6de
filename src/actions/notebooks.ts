/**
 * Reading a notebook's cells for agents, over the shared notebook model.
 * Pure.
 */

import type { ISharedCodeCell, ISharedNotebook } from '@jupyter/ydoc';
import { z } from 'zod';

import { summarizeOutputs, truncateText } from '../core/outputs';
import { versionOf } from './cells';

/**
 * A cell as read_notebook and get_active_context return it (their output
 * schema of a cell).
 */
export const cellInfo = z.object({
  index: z.number().int(),
  id: z.string(),
  type: z.string().describe('"code", "markdown" or "raw".'),
  execution_count: z.number().int().nullable(),
  // Changes whenever the cell's type or source changes.
  version: z
    .string()
    .describe('Pass it as "expected_version" to refuse stale edits.'),
  // The whole source (cut at the budget) when detailed, else its first line.
  source: z.string().describe('The source (its first line in a brief read).'),
  // Detailed only, when the code cell has outputs.
  outputs: z
    .string()
    .optional()
    .describe('A short summary of the outputs (detailed reads).')
});

/**
 * One cell as read_notebook and get_active_context describe it.
 */
export type ICellInfo = z.output<typeof cellInfo>;

/**
 * Describe the cell at `index`; brief keeps the first line of the source,
 * detailed the source up to `maxChars` and an output summary.
 */
export function describeCell(
  notebook: ISharedNotebook,
  index: number,
  detailed: boolean,
  maxChars: number
): ICellInfo {
  const cell = notebook.cells[index];
  const source = cell.getSource();
  const code = cell.cell_type === 'code' ? (cell as ISharedCodeCell) : null;
  const info: ICellInfo = {
    index,
    id: cell.id,
    type: cell.cell_type,
    execution_count: code ? (code.execution_count ?? null) : null,
    version: versionOf(cell),
    source: detailed
      ? truncateText(source, maxChars)
      : Private.firstLine(source)
  };
  if (detailed && code) {
    const outputs = code.getOutputs();
    if (outputs.length) {
      info.outputs = summarizeOutputs(outputs, 500);
    }
  }
  return info;
}

namespace Private {
  /**
   * The first line of a source, marked when more follows.
   */
  export function firstLine(source: string): string {
    const line = source.split('\n', 1)[0];
    const more = source.length > line.length ? ' …' : '';
    return truncateText(line, 200) + more;
  }
}
