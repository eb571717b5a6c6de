/**
 * Reading a notebook's cells for agents, over the shared notebook model.
 * Pure.
 */

import type { ISharedCodeCell, ISharedNotebook } from '@jupyter/ydoc';

import { summarizeOutputs, truncateText } from '../core/outputs';
import { versionOf } from './cells';

/**
 * One cell as read_notebook and get_active_context describe it.
 */
export interface ICellInfo {
  index: number;
  id: string;
  type: string;
  execution_count: number | null;
  /**
   * Changes whenever the cell's type or source changes.
   */
  version: string;
  /**
   * The whole source (cut at the budget) when detailed, else its first
   * line.
   */
  source: string;
  /**
   * A short text summary of a code cell's outputs (detailed only, when it
   * has some).
   */
  outputs?: string;
}

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
