/**
 * jupyter-mcp-server (datalayer), the reference: its README's quick start,
 * a stdio server (`uvx jupyter-mcp-server` there, the pinned release from
 * build/venv-peers-datalayer here) given JUPYTER_URL, JUPYTER_TOKEN and
 * ALLOW_IMG_OUTPUT, with jupyter-collaboration and jupyter-mcp-tools on the
 * Jupyter server.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';

import { REPO } from '../../../ui-tests/fixtures';
import type { BenchEnv } from '../env';
import { McpCaller, refuseText, type IPeer, type IPeerSession } from './peer';

/**
 * datalayer's jupyter-mcp-server as a peer of the comparison.
 */
export const datalayer: IPeer = {
  key: 'datalayer',
  name: 'jupyter-mcp-server 2.2.4',
  setup:
    'stdio process (README quick start) with JUPYTER_URL, JUPYTER_TOKEN, ALLOW_IMG_OUTPUT=true',
  notes: [
    'use_notebook(notebook_name, notebook_path) first; its calls name their notebook (notebook_name), as its tools advise when clients share a server, except execute_cell, which runs in the activated notebook',
    'steps: read_cell, read_notebook (start_index, limit, brief), insert_cell, overwrite_cell_source, execute_cell (its defaults: stream, progress_interval 5 s; timeout 60 s)'
  ],
  async session(env: BenchEnv, label: string): Promise<IPeerSession> {
    const mcp = await McpCaller.stdio(
      join(REPO, 'build', 'venv-peers-datalayer', 'bin', 'jupyter-mcp-server'),
      [],
      {
        JUPYTER_URL: env.labUrl,
        JUPYTER_TOKEN: env.labToken,
        ALLOW_IMG_OUTPUT: 'true'
      },
      label
    );
    return new Private.Session(mcp);
  }
};

namespace Private {
  /** What its tools answer, as text, when they refuse. */
  const REFUSED =
    /^(Notebook '.*' is not connected|Cell index -?\d+ is out of range|Start index \d+ is out of range|Error|\[ERROR)/;

  export function name(path: string): string {
    return path.replace(/[^A-Za-z0-9]/g, '_');
  }

  export class Session implements IPeerSession {
    constructor(private readonly _mcp: McpCaller) {}

    async open(path: string): Promise<void> {
      refuseText(
        await this._mcp.call('use_notebook', {
          notebook_name: name(path),
          notebook_path: path,
          mode: 'connect'
        }),
        /^(Error|Failed|Notebook .* not found)/i,
        'use_notebook'
      );
    }

    async readCell(path: string, index: number): Promise<CallToolResult> {
      return refuseText(
        await this._mcp.call('read_cell', {
          notebook_name: name(path),
          cell_index: index
        }),
        REFUSED,
        'read_cell'
      );
    }

    async readPage(
      path: string,
      start: number,
      limit: number
    ): Promise<CallToolResult> {
      return refuseText(
        await this._mcp.call('read_notebook', {
          notebook_name: name(path),
          response_format: 'brief',
          start_index: start,
          limit
        }),
        REFUSED,
        'read_notebook'
      );
    }

    async insertCell(
      path: string,
      index: number,
      source: string
    ): Promise<unknown> {
      return refuseText(
        await this._mcp.call('insert_cell', {
          notebook_name: name(path),
          cell_index: index,
          cell_type: 'code',
          cell_source: source
        }),
        REFUSED,
        'insert_cell'
      );
    }

    async overwriteCell(
      path: string,
      index: number,
      source: string
    ): Promise<unknown> {
      return refuseText(
        await this._mcp.call('overwrite_cell_source', {
          notebook_name: name(path),
          cell_index: index,
          cell_source: source
        }),
        REFUSED,
        'overwrite_cell_source'
      );
    }

    async executeCell(path: string, index: number): Promise<CallToolResult> {
      return refuseText(
        // Its execute_cell has no notebook_name: it runs in the activated
        // notebook, the one of the session's last use_notebook.
        await this._mcp.call('execute_cell', {
          cell_index: index,
          timeout: 60
        }),
        REFUSED,
        'execute_cell'
      );
    }

    async release(path: string): Promise<void> {
      await this._mcp.call('unuse_notebook', { notebook_name: name(path) });
    }

    close(): Promise<void> {
      return this._mcp.close();
    }
  }
}
