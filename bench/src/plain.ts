/**
 * What the throughput figure needs and Playwright would distort: a
 * Chromium that nothing instruments (Playwright's page tracking turns every
 * WebSocket frame into a DevTools event, which costs the browser about as
 * much CPU as the page's own work per call), and a lean MCP client beside
 * the SDK one (on 2 cores the load generator competes with what it loads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

import type { BenchEnv } from './env';
import { descendants } from './procfs';

/**
 * A headless Chromium on a pairing link, with no DevTools client attached
 * but for one page-metrics read at a time.
 */
export class PlainChromium {
  private constructor(
    private readonly _child: ChildProcess,
    private readonly _dir: string
  ) {}

  /**
   * Start it on `url` and wait until the relay counts one more page.
   */
  static async start(env: BenchEnv, url: string): Promise<PlainChromium> {
    const before = (await env.health()).pages;
    const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-chromium-'));
    const child = spawn(
      '/usr/bin/chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${dir}`,
        '--remote-debugging-port=0',
        url
      ],
      { stdio: 'ignore', env: { ...process.env, XDG_CONFIG_HOME: dir } }
    );
    const chromium = new PlainChromium(child, dir);
    const deadline = Date.now() + 60_000;
    while ((await env.health()).pages <= before) {
      if (Date.now() > deadline) {
        await chromium.close();
        throw new Error('the plain Chromium page did not pair in 60 s');
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    return chromium;
  }

  /**
   * The browser's processes (renderer, GPU, network service...).
   */
  pids(): number[] {
    const root = this._child.pid ?? 0;
    return [root, ...descendants(root, /chrom/i)];
  }

  /**
   * The page's main-thread task time (ms) since the first call, over one
   * DevTools connection that enables the Performance domain only (it sends
   * no event per frame): `Performance.getMetrics` `TaskDuration`.
   */
  async taskMs(): Promise<number> {
    if (!this._devtools) {
      const port = readFileSync(
        join(this._dir, 'DevToolsActivePort'),
        'utf-8'
      ).split('\n')[0];
      const targets = (await (
        await fetch(`http://127.0.0.1:${port}/json/list`)
      ).json()) as { type: string; webSocketDebuggerUrl: string }[];
      const target = targets.find(t => t.type === 'page');
      if (!target) {
        throw new Error('no page target');
      }
      const ws = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      this._devtools = ws;
      await this._ask('Performance.enable');
    }
    const result = (await this._ask('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    const task = result.metrics.find(m => m.name === 'TaskDuration');
    return (task?.value ?? 0) * 1000;
  }

  async close(): Promise<void> {
    this._devtools?.close();
    if (this._child.exitCode === null) {
      const exited = new Promise(resolve => this._child.once('exit', resolve));
      this._child.kill('SIGTERM');
      await exited;
    }
    // Chromium's helper processes may still be writing to the profile
    // for a moment after the browser exits (ENOTEMPTY): retry.
    rmSync(this._dir, {
      recursive: true,
      force: true,
      maxRetries: 10,
      retryDelay: 100
    });
  }

  private _ask(method: string): Promise<unknown> {
    const ws = this._devtools;
    if (!ws) {
      return Promise.reject(new Error('no DevTools connection'));
    }
    const id = ++this._askId;
    return new Promise(resolve => {
      const onMessage = (data: Buffer): void => {
        const message = JSON.parse(String(data)) as {
          id?: number;
          result?: unknown;
        };
        if (message.id === id) {
          ws.off('message', onMessage);
          resolve(message.result);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
  }

  private _devtools: WebSocket | null = null;
  private _askId = 0;
}

/**
 * A lean MCP client over Streamable HTTP: keep-alive requests, the answer
 * read from the response's event stream, nothing else.
 */
export class MinimalClient {
  private constructor(
    private readonly _port: number,
    private readonly _token: string,
    private readonly _session: string,
    private readonly _agent: http.Agent
  ) {}

  /**
   * Initialize a session.
   */
  static async connect(port: number, token: string): Promise<MinimalClient> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const init = await MinimalClient._post(port, token, agent, '', {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench-minimal', version: '0' }
      }
    });
    const client = new MinimalClient(port, token, init.session, agent);
    await MinimalClient._post(port, token, agent, init.session, {
      jsonrpc: '2.0',
      method: 'notifications/initialized'
    });
    return client;
  }

  /**
   * Call a tool; rejects on a JSON-RPC error or an `isError` result.
   */
  async call(name: string, args: Record<string, unknown>): Promise<void> {
    const id = ++this._id;
    const { body } = await MinimalClient._post(
      this._port,
      this._token,
      this._agent,
      this._session,
      {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: args }
      }
    );
    const answer = body
      .split('\n')
      .filter(line => line.startsWith('data: {'))
      .map(line => JSON.parse(line.slice(6)) as Record<string, unknown>)
      .find(message => message.id === id);
    const result = answer?.result as { isError?: boolean } | undefined;
    if (!answer || answer.error || result?.isError) {
      throw new Error(`${name} failed: ${body.slice(0, 200)}`);
    }
  }

  /**
   * End the session.
   */
  async close(): Promise<void> {
    await new Promise<void>(resolve => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this._port,
          path: '/mcp',
          method: 'DELETE',
          agent: this._agent,
          headers: {
            Authorization: `Bearer ${this._token}`,
            'Mcp-Session-Id': this._session
          }
        },
        res => {
          res.resume();
          res.on('end', () => resolve());
        }
      );
      req.on('error', () => resolve());
      req.end();
    });
    this._agent.destroy();
  }

  private static _post(
    port: number,
    token: string,
    agent: http.Agent,
    session: string,
    message: unknown
  ): Promise<{ session: string; body: string }> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(message);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          agent,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json, text/event-stream',
            'Content-Length': Buffer.byteLength(text),
            ...(session
              ? {
                  'Mcp-Session-Id': session,
                  'Mcp-Protocol-Version': '2025-11-25'
                }
              : {})
          }
        },
        res => {
          let body = '';
          res.setEncoding('utf-8');
          res.on('data', chunk => (body += chunk));
          res.on('end', () =>
            resolve({
              session: String(res.headers['mcp-session-id'] ?? session),
              body
            })
          );
        }
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  private _id = 0;
}
