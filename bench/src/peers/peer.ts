/**
 * What every peer adapter of `npm run bench -- --peers` implements: the
 * steps of the comparison as calls of that peer's own tools, over its own
 * transport.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import type { BenchEnv } from '../env';

/**
 * A step a peer cannot do, in its own words (or why it has no tool for it).
 */
export class PeerError extends Error {}

/**
 * One MCP session of a peer, on one notebook at a time.
 */
export interface IPeerSession {
  /** Make `path` the session's notebook (the peer's own "use" step, if any). */
  open(path: string): Promise<void>;
  /** Read one cell; the text the client receives. */
  readCell(path: string, index: number): Promise<CallToolResult>;
  /** Read `limit` cells from `start`. */
  readPage(path: string, start: number, limit: number): Promise<CallToolResult>;
  /** Insert a code cell at `index`. */
  insertCell(path: string, index: number, source: string): Promise<unknown>;
  /** Replace the source of the cell at `index`. */
  overwriteCell(path: string, index: number, source: string): Promise<unknown>;
  /** Run the code cell at `index`; what the client receives. */
  executeCell(path: string, index: number): Promise<CallToolResult>;
  /** Let the notebook go (close it), where the peer has a step for it. */
  release?(path: string): Promise<void>;
  /** End the session (and its process, for a stdio peer). */
  close(): Promise<void>;
}

/**
 * A peer: how it is installed and run, and its sessions.
 */
export interface IPeer {
  /** Short key (file names, JSON). */
  readonly key: string;
  /** The package name and pinned version. */
  readonly name: string;
  /** Its transport and how it runs, in one line. */
  readonly setup: string;
  /** What the table should know about how each step maps to its tools. */
  readonly notes: string[];
  /** A new session. */
  session(env: BenchEnv, label: string): Promise<IPeerSession>;
}

/**
 * An SDK client on a peer's transport, its calls throwing {@link PeerError}
 * with the peer's own text on an `isError` result.
 */
export class McpCaller {
  /**
   * @param client - a connected SDK client.
   */
  constructor(readonly client: Client) {}

  /** The last of what a stdio server wrote to stderr. */
  private _stderr = '';

  /**
   * Connect a client over `transport`.
   */
  static async connect(
    transport: Transport,
    label: string
  ): Promise<McpCaller> {
    const client = new Client({ name: label, version: '1.0.0' });
    await client.connect(transport);
    return new McpCaller(client);
  }

  /**
   * Connect to a stdio server started from `command`.
   */
  static async stdio(
    command: string,
    args: string[],
    env: Record<string, string>,
    label: string
  ): Promise<McpCaller> {
    const transport = new StdioClientTransport({
      command,
      args,
      env: { ...Private.baseEnv(), ...env },
      stderr: 'pipe'
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const caller = await McpCaller.connect(transport, label);
    transport.stderr?.on('data', () => {
      caller._stderr = stderr;
    });
    return caller;
  }

  /**
   * Call a tool (120 s timeout, as an agent waits on a long run).
   */
  async call(
    name: string,
    args: Record<string, unknown>
  ): Promise<CallToolResult> {
    const before = this._stderr;
    const result = (await this.client.callTool(
      { name, arguments: args },
      undefined,
      { timeout: 120_000 }
    )) as CallToolResult;
    if (result.isError) {
      // What the server logged meanwhile, when its answer says little.
      const logged =
        this._stderr !== before
          ? this._stderr.slice(Math.max(0, before.length - 4000)).trim()
          : '';
      const text = textOf(result).slice(0, 400);
      const cause = logged && text.length < 80 ? Private.cause(logged) : '';
      throw new PeerError(
        `${name}: ${text}${cause ? ` (its log: ${cause})` : ''}`
      );
    }
    return result;
  }

  /**
   * Close the client (and its transport).
   */
  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

/**
 * The text blocks of a result, joined.
 */
export function textOf(result: CallToolResult): string {
  return result.content
    .map(block => (block.type === 'text' ? block.text : ''))
    .join('\n');
}

/**
 * Fail with the peer's own words when it answered a call with an error
 * written as plain text (some peers do not set `isError`).
 */
export function refuseText(
  result: CallToolResult,
  pattern: RegExp,
  tool: string
): CallToolResult {
  const text = textOf(result);
  if (pattern.test(text)) {
    throw new PeerError(`${tool}: ${text.slice(0, 400)}`);
  }
  return result;
}

namespace Private {
  /**
   * The cause in a server's log: the last exception line of a Python
   * traceback other than the SDK's wrapper, or the log's end.
   */
  export function cause(logged: string): string {
    const lines = logged
      .split('\n')
      .map(line => line.trim())
      .filter(
        line =>
          /^[\w.]+(Error|Exception|Timeout|Interrupt)\w*: /.test(line) &&
          !/UnexpectedToolError|\bToolError/.test(line)
      );
    return (lines[lines.length - 1] ?? logged.replace(/\s+/g, ' ')).slice(-300);
  }

  /**
   * The environment a stdio server inherits: this process's, without
   * undefined values.
   */
  export function baseEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined) {
        env[key] = value;
      }
    }
    return env;
  }
}
