/**
 * A fake JupyterLab page for tests: a `ws` client that speaks the page
 * protocol and answers a few MCP requests by hand.
 */
import { WebSocket } from 'ws';
import {
  type ISessionOpen,
  type JsonRpcMessage,
  MCP_PATH,
  PAGE_PATH,
  PAGE_SUBPROTOCOL,
  type RelayToPage,
  TOKEN_SUBPROTOCOL_PREFIX
} from '../src/protocol';
import { isObject } from '../src/jsonrpc';

/**
 * Open an MCP session with a raw `initialize` POST (protocol 2025-11-25);
 * the response names the session in `mcp-session-id`.
 */
export function initializeRaw(port: number, token: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${MCP_PATH}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream'
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'raw', version: '0' }
      }
    })
  });
}

/**
 * Try a page upgrade; resolves with the HTTP status of a refusal, or 101.
 */
export function tryPageUpgrade(
  port: number,
  options: { token?: string; origin?: string; host?: string }
): Promise<number> {
  return new Promise(resolve => {
    const protocols = [PAGE_SUBPROTOCOL];
    if (options.token !== undefined) {
      protocols.push(TOKEN_SUBPROTOCOL_PREFIX + options.token);
    }
    const headers: Record<string, string> = {};
    if (options.host) {
      headers.Host = options.host;
    }
    const ws = new WebSocket(`ws://127.0.0.1:${port}${PAGE_PATH}`, protocols, {
      origin: options.origin,
      headers
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => resolve(-1));
  });
}

/**
 * A fake page. Tools: `echo` (sends a progress notification with
 * `relatedRequestId`, then its result) and `slow` (never answers; with a
 * `note` argument it first sends that call note).
 */
export class FakePage {
  private constructor(readonly ws: WebSocket) {
    ws.on('message', data => this._onMessage(String(data)));
  }

  /** Everything the relay sent. */
  readonly received: RelayToPage[] = [];
  /** Names of the tools called. */
  readonly calls: string[] = [];

  /**
   * Connect to a relay, wait for the welcome and say hello.
   */
  static connect(
    port: number,
    token: string,
    origin = 'http://localhost:8888'
  ): Promise<FakePage> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `ws://127.0.0.1:${port}${PAGE_PATH}`,
        [PAGE_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token],
        { origin }
      );
      const page = new FakePage(ws);
      ws.once('error', reject);
      page
        .waitFor(m => m.type === 'welcome')
        .then(() => {
          ws.send(
            JSON.stringify({
              type: 'hello',
              extensionVersion: 'test',
              label: 'fake'
            })
          );
          resolve(page);
        }, reject);
    });
  }

  /**
   * The session-open envelopes received.
   */
  get sessionOpens(): ISessionOpen[] {
    return this.received.filter(
      (m): m is ISessionOpen => m.type === 'session-open'
    );
  }

  /**
   * Wait for a message from the relay matching `predicate` (already received or future).
   */
  waitFor(
    predicate: (m: RelayToPage) => boolean,
    timeoutMs = 5000
  ): Promise<RelayToPage> {
    const found = this.received.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._waiters.delete(waiter);
        reject(new Error('FakePage.waitFor timed out'));
      }, timeoutMs);
      const waiter = (m: RelayToPage): boolean => {
        if (predicate(m)) {
          clearTimeout(timer);
          resolve(m);
          return true;
        }
        return false;
      };
      this._waiters.add(waiter);
    });
  }

  /**
   * Send raw text (for malformed-input tests).
   */
  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /**
   * Close the socket and wait until it is closed.
   */
  close(): Promise<void> {
    return new Promise(resolve => {
      if (this.ws.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private _reply(
    sessionId: string,
    message: JsonRpcMessage,
    relatedRequestId?: string | number
  ): void {
    this.ws.send(
      JSON.stringify({
        type: 'session-message',
        sessionId,
        message,
        ...(relatedRequestId !== undefined ? { relatedRequestId } : {})
      })
    );
  }

  private _onMessage(text: string): void {
    const message = JSON.parse(text) as RelayToPage;
    this.received.push(message);
    for (const waiter of [...this._waiters]) {
      if (waiter(message)) {
        this._waiters.delete(waiter);
      }
    }
    if (message.type === 'session-open' && message.resume) {
      // A real page swallows this answer; answer anyway: the relay must drop it.
      const init = message.resume.initialize;
      this._reply(message.sessionId, {
        jsonrpc: '2.0',
        id: init.id,
        result: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          serverInfo: { name: 'fake', version: '0' }
        }
      });
      return;
    }
    if (message.type !== 'session-message') {
      return;
    }
    const rpc = message.message;
    const params = isObject(rpc.params) ? rpc.params : {};
    const id = rpc.id as string | number;
    const sid = message.sessionId;
    switch (rpc.method) {
      case 'initialize':
        this._reply(sid, {
          jsonrpc: '2.0',
          id,
          result: {
            protocolVersion: params.protocolVersion,
            capabilities: { tools: {}, logging: {} },
            serverInfo: { name: 'fake-page', version: '0.0.0' }
          }
        });
        break;
      case 'ping':
      case 'logging/setLevel':
        this._reply(sid, { jsonrpc: '2.0', id, result: {} });
        break;
      case 'tools/list':
        this._reply(sid, {
          jsonrpc: '2.0',
          id,
          result: {
            tools: [
              { name: 'echo', inputSchema: { type: 'object' } },
              { name: 'slow', inputSchema: { type: 'object' } }
            ]
          }
        });
        break;
      case 'tools/call': {
        const name = String(params.name);
        this.calls.push(name);
        if (name === 'slow') {
          const args = isObject(params.arguments) ? params.arguments : {};
          if (typeof args.note === 'string') {
            this.ws.send(
              JSON.stringify({
                type: 'call-note',
                sessionId: sid,
                requestId: id,
                note: args.note
              })
            );
          }
          break;
        }
        const meta = isObject(params._meta) ? params._meta : {};
        if (meta.progressToken !== undefined) {
          this._reply(
            sid,
            {
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: {
                progressToken: meta.progressToken,
                progress: 1,
                total: 2,
                message: 'half way'
              }
            },
            id
          );
        }
        // The SDK client handles notifications one microtask late: a result in
        // the same chunk as the progress would unregister its handler first.
        setTimeout(() => {
          this._reply(sid, {
            jsonrpc: '2.0',
            id,
            result: {
              content: [
                {
                  type: 'text',
                  text: `echo ${JSON.stringify(params.arguments ?? {})}`
                }
              ]
            }
          });
        }, 20);
        break;
      }
      default:
        if (rpc.id !== undefined && rpc.method !== undefined) {
          this._reply(sid, {
            jsonrpc: '2.0',
            id,
            error: { code: -32601, message: 'Method not found' }
          });
        }
    }
  }

  private readonly _waiters = new Set<(m: RelayToPage) => boolean>();
}
