/**
 * Outputs as tools return them: within the budgets, images fitted, tables
 * as text, and a note on how to read what was cut.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import {
  applyResultBudget,
  renderOutputs,
  type ContentBlock
} from '../core/outputs';
import { htmlToText } from '../jupyter/html';
import { fitImage } from '../jupyter/images';
import { outputUri } from '../core/uris';
import type { IToolLimits } from './services';

/**
 * Where the outputs come from, to tell the agent how to read the rest.
 */
export interface IOutputSource {
  notebookPath: string;
  cellId: string;
}

/**
 * Render outputs for an agent.
 */
export async function renderForAgent(
  outputs: readonly nbformat.IOutput[],
  limits: IToolLimits,
  source: IOutputSource | null,
  includeImages = limits.includeImages
): Promise<ContentBlock[]> {
  const readMore = (index: number, offset: number) =>
    source
      ? `read it whole as the resource ${outputUri(source.notebookPath, source.cellId, index)}, or the rest with read_cell(notebook_path="${source.notebookPath}", cell_id="${source.cellId}", output_index=${index}, offset=${offset})`
      : 'the rest is not kept';
  const blocks = renderOutputs(outputs, {
    maxOutputChars: limits.maxOutputChars,
    includeImages,
    htmlToText,
    moreHint: readMore
  });
  const fitted = await Promise.all(
    blocks.map(block =>
      block.type === 'image' ? fitImage(block, limits.maxImageSide) : block
    )
  );
  return applyResultBudget(
    fitted,
    limits.maxResultChars,
    source
      ? `read single outputs as the resources ${outputUri(source.notebookPath, source.cellId, 0).replace(/0$/, 'N')} or with read_cell(notebook_path="${source.notebookPath}", cell_id="${source.cellId}", output_index=N)`
      : 'ask for less output'
  );
}
