/**
 * jupyterlab-mcp-bridge: an MCP server inside JupyterLab.
 */

import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { activityPlugin } from './plugins/activity';
import { bridgePlugin } from './plugins/bridge';
import { statusPlugin } from './plugins/status';

export { IMcpBridge } from './tokens';
export { CommandIDs } from './plugins/commandids';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  bridgePlugin,
  statusPlugin,
  activityPlugin
];

export default plugins;
