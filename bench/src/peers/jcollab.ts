/**
 * jcollab: a stdio MCP server over the notebook's shared Yjs document, its
 * README's `claude mcp add jcollab -- jcollab`, from its own venv
 * (build/venv-peers-jcollab: it pins pycrdt<0.14). It finds the Jupyter
 * server from Jupyter's runtime files (`jpserver-*.json`), so it is given
 * the server's runtime folder, and every call names the server's port as
 * its `instance`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';

import { REPO } from '../../../ui-tests/fixtures';
import type { BenchEnv } from '../env';
import { McpCaller, type IPeer, type IPeerSession } from './peer';

/**
 * jcollab as a peer of the comparison.
 */
export const jcollab: IPeer = {
  key: 'jcollab',
  name: 'jcollab 0.1.2',
  setup:
    'stdio process (README: `claude mcp add jcollab -- jcollab`) that discovers the server from its runtime files',
  notes: [
    'steps: read_cell(cell), read_notebook(start, end), insert_cell(after) or insert_cell_at_start, edit_cell, run_cell',
    'its edits answer once the file on the server shows them ("verified writes": it polls every 250 ms, up to 4 s, and reports persisted), so they wait for the collaboration autosave'
  ],
  async session(env: BenchEnv, label: string): Promise<IPeerSession> {
    const mcp = await McpCaller.stdio(
      join(REPO, 'build', 'venv-peers-jcollab', 'bin', 'jcollab'),
      [],
      { JUPYTER_RUNTIME_DIR: join(env.stateDir, 'runtime') },
      label
    );
    return new Private.Session(mcp, String(new URL(env.labUrl).port));
  }
};

namespace Private {
  export class Session implements IPeerSession {
    constructor(
      private readonly _mcp: McpCaller,
      private readonly _instance: string
    ) {}

    async open(): Promise<void> {
      // Its tools take the path on every call.
    }

    readCell(path: string, index: number): Promise<CallToolResult> {
      return this._mcp.call('read_cell', {
        path,
        cell: index,
        instance: this._instance
      });
    }

    readPage(
      path: string,
      start: number,
      limit: number
    ): Promise<CallToolResult> {
      return this._mcp.call('read_notebook', {
        path,
        start,
        end: start + limit,
        instance: this._instance
      });
    }

    insertCell(path: string, index: number, source: string): Promise<unknown> {
      return index === 0
        ? this._mcp.call('insert_cell_at_start', {
            path,
            source,
            cell_type: 'code',
            instance: this._instance
          })
        : this._mcp.call('insert_cell', {
            path,
            source,
            cell_type: 'code',
            after: index - 1,
            instance: this._instance
          });
    }

    overwriteCell(
      path: string,
      index: number,
      source: string
    ): Promise<unknown> {
      return this._mcp.call('edit_cell', {
        path,
        cell: index,
        source,
        instance: this._instance
      });
    }

    executeCell(path: string, index: number): Promise<CallToolResult> {
      return this._mcp.call('run_cell', {
        path,
        cell: index,
        timeout: 60,
        instance: this._instance
      });
    }

    close(): Promise<void> {
      return this._mcp.close();
    }
  }
}
