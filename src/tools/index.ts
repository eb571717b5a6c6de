/**
 * Every JupyterLab tool, by family.
 */

import { cellTools } from './cells';
import { commandTools } from './commands';
import { contextTools } from './context';
import { executionTools } from './execution';
import { notebookTools } from './notebooks';
import type { JupyterTool } from './services';

/**
 * All tools the bridge serves.
 */
export function jupyterTools(): JupyterTool[] {
  return [
    ...notebookTools,
    ...cellTools,
    ...executionTools,
    ...commandTools,
    ...contextTools
  ];
}
