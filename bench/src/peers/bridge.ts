/**
 * This bridge, as `npm run bench` measures it: SDK clients over Streamable
 * HTTP to the relay, which forwards to the paired JupyterLab page.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import type { BenchEnv } from '../env';
import { McpCaller, type IPeer, type IPeerSession } from './peer';

/**
 * The bridge as a peer of the comparison.
 */
export const bridge: IPeer = {
  key: 'bridge',
  name: 'jupyterlab-mcp-bridge (this repository)',
  setup:
    'Streamable HTTP to the relay CLI, which forwards to the MCP server in the paired JupyterLab page',
  notes: [
    'use_notebook opens the notebook in the page; the other steps are read_cell, read_notebook (start_index, limit), insert_cell, overwrite_cell_source, execute_cell'
  ],
  async session(env: BenchEnv, label: string): Promise<IPeerSession> {
    const bench = await env.client(label);
    return new Private.Session(new McpCaller(bench.client), () =>
      bench.close()
    );
  }
};

namespace Private {
  export class Session implements IPeerSession {
    constructor(
      private readonly _mcp: McpCaller,
      private readonly _close: () => Promise<void>
    ) {}

    async open(path: string): Promise<void> {
      await this._mcp.call('use_notebook', { notebook_path: path });
    }

    readCell(path: string, index: number): Promise<CallToolResult> {
      return this._mcp.call('read_cell', {
        notebook_path: path,
        cell_index: index
      });
    }

    readPage(
      path: string,
      start: number,
      limit: number
    ): Promise<CallToolResult> {
      return this._mcp.call('read_notebook', {
        notebook_path: path,
        start_index: start,
        limit
      });
    }

    insertCell(path: string, index: number, source: string): Promise<unknown> {
      return this._mcp.call('insert_cell', {
        notebook_path: path,
        cell_index: index,
        cell_type: 'code',
        cell_source: source
      });
    }

    overwriteCell(
      path: string,
      index: number,
      source: string
    ): Promise<unknown> {
      return this._mcp.call('overwrite_cell_source', {
        notebook_path: path,
        cell_index: index,
        cell_source: source
      });
    }

    executeCell(path: string, index: number): Promise<CallToolResult> {
      return this._mcp.call('execute_cell', {
        notebook_path: path,
        cell_index: index
      });
    }

    async release(path: string): Promise<void> {
      await this._mcp.call('unuse_notebook', { notebook_path: path });
    }

    close(): Promise<void> {
      return this._close();
    }
  }
}
