/**
 * Every JupyterLab tool, by family.
 */

import { cellTools } from './cells';
import { changeTools } from './changes';
import { commandTools } from './commands';
import { contextTools } from './context';
import { executionTools } from './execution';
import { fileTools } from './files';
import { kernelTools } from './kernels';
import { notebookTools } from './notebooks';
import type { JupyterTool } from './services';
import { terminalTools } from './terminals';

/**
 * All tools the bridge serves.
 */
export function jupyterTools(): JupyterTool[] {
  return [
    ...notebookTools,
    ...changeTools,
    ...cellTools,
    ...executionTools,
    ...kernelTools,
    ...fileTools,
    ...terminalTools,
    ...commandTools,
    ...contextTools
  ];
}
