/**
 * jupyter-mcp-live: a Jupyter server extension serving MCP (Streamable HTTP)
 * at `/mcp` on the Jupyter port, behind Jupyter's token, with the 16 tools
 * its README's configuration registers. Its server is FastMCP in Code Mode:
 * clients see `list_tools`, `get_schema` and `execute`, and call the
 * notebook tools from a Python script passed to `execute`
 * (`return await call_tool(name, params)`), which is how every step here
 * calls them.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import type { BenchEnv } from '../env';
import { McpCaller, type IPeer, type IPeerSession } from './peer';

/**
 * The tools of its README's `jupyter_config.py`.
 */
const TOOLS = [
  'list_notebook_sessions',
  'list_notebook_kernels',
  'execute_cell',
  'setup_notebook',
  'switch_notebook_kernel',
  'shutdown_notebook',
  'interrupt_notebook_kernel',
  'restart_notebook_kernel',
  'add_code_cell',
  'edit_code_cell',
  'add_markdown_cell',
  'edit_markdown_cell',
  'delete_cell',
  'view_notebook',
  'read_cell',
  'view_cell_image'
];

/**
 * The Jupyter server config that its README gives (`c.MCPExtensionApp`).
 */
export const LIVE_CONFIG: Record<string, unknown> = {
  MCPExtensionApp: {
    mcp_name: 'Jupyter MCP Live',
    mcp_tools: TOOLS.map(tool => `jupyter_mcp_live.execution_tools:${tool}`)
  }
};

/**
 * jupyter-mcp-live as a peer of the comparison.
 */
export const live: IPeer = {
  key: 'live',
  name: 'jupyter-mcp-live 0.6.2',
  setup:
    'server extension in the Jupyter server: Streamable HTTP at /mcp with the Jupyter token (Bearer), Code Mode (execute a script of call_tool calls)',
  notes: [
    'each step is one execute call whose script calls one tool: read_cell(position_index), add_code_cell(execute=False), edit_code_cell(execute=False), execute_cell',
    'it has no paged read: the 50-cell page is view_notebook of the whole notebook, sliced to 50 cells in the script (the sandbox returns only those)',
    "execute_cell's outputs are filtered for tokens: a plot's image is not in them (its view_cell_image tool returns it, a second call)"
  ],
  async session(env: BenchEnv, label: string): Promise<IPeerSession> {
    const transport = new StreamableHTTPClientTransport(
      new URL(`${env.labUrl}/mcp`),
      {
        requestInit: { headers: { Authorization: `Bearer ${env.labToken}` } }
      }
    );
    return new Private.Session(await McpCaller.connect(transport, label));
  }
};

namespace Private {
  /** A Python literal of a string, an integer or a boolean. */
  function py(value: string | number | boolean): string {
    if (typeof value === 'boolean') {
      return value ? 'True' : 'False';
    }
    return typeof value === 'number' ? String(value) : JSON.stringify(value);
  }

  function dict(params: Record<string, string | number | boolean>): string {
    return `{${Object.entries(params)
      .map(([key, value]) => `${JSON.stringify(key)}: ${py(value)}`)
      .join(', ')}}`;
  }

  export class Session implements IPeerSession {
    constructor(private readonly _mcp: McpCaller) {}

    /** Run a Code Mode script. */
    private _script(code: string): Promise<CallToolResult> {
      return this._mcp.call('execute', { code });
    }

    private _tool(
      name: string,
      params: Record<string, string | number | boolean>
    ): Promise<CallToolResult> {
      return this._script(
        `return await call_tool(${JSON.stringify(name)}, ${dict(params)})`
      );
    }

    async open(): Promise<void> {
      // Its read and edit tools need no setup; execute_cell reuses the
      // notebook's kernel or starts one.
    }

    readCell(path: string, index: number): Promise<CallToolResult> {
      return this._tool('read_cell', {
        notebook_path: path,
        position_index: index
      });
    }

    readPage(
      path: string,
      start: number,
      limit: number
    ): Promise<CallToolResult> {
      return this._script(
        `r = await call_tool("view_notebook", ${dict({ notebook_path: path })})\n` +
          `cells = r["result"] if isinstance(r, dict) else r\n` +
          `return cells[${start}:${start + limit}]`
      );
    }

    insertCell(path: string, index: number, source: string): Promise<unknown> {
      return this._tool('add_code_cell', {
        notebook_path: path,
        source,
        position_index: index,
        execute: false
      });
    }

    overwriteCell(
      path: string,
      index: number,
      source: string
    ): Promise<unknown> {
      return this._tool('edit_code_cell', {
        notebook_path: path,
        position_index: index,
        source,
        execute: false
      });
    }

    executeCell(path: string, index: number): Promise<CallToolResult> {
      return this._tool('execute_cell', {
        notebook_path: path,
        position_index: index
      });
    }

    close(): Promise<void> {
      return this._mcp.close();
    }
  }
}
