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
  proofText,
  type RelayToPage
} from '../src/protocol';
import { isObject } from '../src/jsonrpc';
import { macValid, newNonce, proof, proofKey } from '../src/proof';

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
  options: { origin?: string; host?: string; protocol?: string }
): Promise<number> {
  return new Promise(resolve => {
    const headers: Record<string, string> = {};
    if (options.host) {
      headers.Host = options.host;
    }
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}${PAGE_PATH}`,
      [options.protocol ?? PAGE_SUBPROTOCOL],
      { origin: options.origin, headers }
    );
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
 * How a handshake with the relay ended: welcomed, or closed (with its code
 * and reason), and everything the relay sent before.
 */
export interface IHandshakeOutcome {
  welcomed: boolean;
  code?: number;
  reason?: string;
  received: Record<string, unknown>[];
}

/**
 * Run the page handshake with `token`, step by step as `script` says:
 * `'honest'` (as a page does), `'skip-hello'` (send a session message
 * first), `'wrong-proof'` (a proof made with another token), or
 * `'replay'` (a proof of another connection).
 */
export function pageHandshake(
  port: number,
  token: string,
  script: 'honest' | 'skip-hello' | 'wrong-proof' | 'replay' = 'honest',
  replayProof?: string
): Promise<IHandshakeOutcome & { proof?: string }> {
  return new Promise(resolve => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}${PAGE_PATH}`,
      [PAGE_SUBPROTOCOL],
      { origin: 'http://localhost:8888' }
    );
    const received: Record<string, unknown>[] = [];
    const pageNonce = newNonce();
    let sentProof: string | undefined;
    const host = `127.0.0.1:${port}`;
    ws.on('open', () => {
      if (script === 'skip-hello') {
        ws.send(JSON.stringify({ type: 'hello', extensionVersion: 'x' }));
        return;
      }
      ws.send(JSON.stringify({ type: 'auth-hello', nonce: pageNonce }));
    });
    ws.on('message', data => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(message);
      if (message.type === 'auth-relay') {
        const relayNonce = String(message.nonce);
        const key = proofKey(script === 'wrong-proof' ? `${token}x` : token);
        sentProof =
          script === 'replay' && replayProof
            ? replayProof
            : proof(key, 'page-to-relay', host, pageNonce, relayNonce);
        ws.send(JSON.stringify({ type: 'auth-page', proof: sentProof }));
      } else if (message.type === 'welcome') {
        resolve({ welcomed: true, received, proof: sentProof });
        ws.close();
      }
    });
    ws.on('close', (code, reason) =>
      resolve({
        welcomed: false,
        code,
        reason: reason.toString(),
        received,
        proof: sentProof
      })
    );
    ws.on('error', () => undefined);
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
    ws.on('close', code => {
      this._closeCode = code;
    });
  }

  private _closeCode = 0;
  private _pairs: { sid: string; id: string | number }[] = [];

  /** Everything the relay sent. */
  readonly received: RelayToPage[] = [];
  /** The frames as the relay sent them (a batch is one). */
  readonly frames: RelayToPage[] = [];
  /** Names of the tools called. */
  readonly calls: string[] = [];
  /** When set, the page answers no session message (a tab that hangs). */
  silent = false;

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
        [PAGE_SUBPROTOCOL],
        { origin }
      );
      const page = new FakePage(ws);
      const host = `127.0.0.1:${port}`;
      const pageNonce = newNonce();
      const key = proofKey(token);
      ws.once('error', reject);
      ws.once('close', (code, reason) =>
        reject(new Error(`closed ${code} ${reason.toString()}`))
      );
      ws.once('open', () =>
        ws.send(JSON.stringify({ type: 'auth-hello', nonce: pageNonce }))
      );
      page
        .waitFor(m => m.type === 'auth-relay')
        .then(m => {
          const relay = m as unknown as { nonce: string; proof: string };
          if (
            !macValid(
              key,
              proofText('relay-to-page', host, pageNonce, relay.nonce),
              relay.proof
            )
          ) {
            throw new Error('the relay did not prove it knows the token');
          }
          page.handshake = { host, pageNonce, relayNonce: relay.nonce, key };
          ws.send(
            JSON.stringify({
              type: 'auth-page',
              proof: proof(key, 'page-to-relay', host, pageNonce, relay.nonce)
            })
          );
          return page.waitFor(w => w.type === 'welcome');
        })
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

  /** What this page and the relay proved to each other with. */
  handshake?: {
    host: string;
    pageNonce: string;
    relayNonce: string;
    key: Buffer;
  };

  /**
   * Ask for a new token as the user's command does (with the rotation
   * proof of this connection); `key` signs it (default: this page's).
   */
  requestRotation(key?: Buffer): void {
    const h = this.handshake;
    if (!h) {
      throw new Error('no handshake');
    }
    this.ws.send(
      JSON.stringify({
        type: 'rotate-token',
        proof: proof(
          key ?? h.key,
          'rotate-token',
          h.host,
          h.pageNonce,
          h.relayNonce
        )
      })
    );
  }

  /**
   * Resolves with the close code once the relay closed this socket.
   */
  closed(): Promise<number> {
    return new Promise(resolve => {
      if (this.ws.readyState === WebSocket.CLOSED) {
        resolve(this._closeCode);
        return;
      }
      this.ws.once('close', code => resolve(code));
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
    this.frames.push(message);
    if (message.type === 'batch') {
      // As a real page does: each message of the batch in turn.
      for (const inner of message.messages) {
        this._onEnvelope(inner);
      }
      return;
    }
    this._onEnvelope(message);
  }

  private _onEnvelope(message: RelayToPage): void {
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
    if (message.type !== 'session-message' || this.silent) {
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
        if (name === 'pair') {
          // Answered two at a time, in one batch frame (as a page answers
          // the requests of one relay batch).
          this._pairs.push({ sid, id });
          if (this._pairs.length === 2) {
            const answers = this._pairs.splice(0).map(pair => ({
              type: 'session-message',
              sessionId: pair.sid,
              message: {
                jsonrpc: '2.0',
                id: pair.id,
                result: {
                  content: [{ type: 'text', text: `pair ${String(pair.id)}` }]
                }
              }
            }));
            this.ws.send(JSON.stringify({ type: 'batch', messages: answers }));
          }
          break;
        }
        if (name === 'slow') {
          const args = isObject(params.arguments) ? params.arguments : {};
          if (typeof args.note === 'string') {
            const note = {
              type: 'call-note',
              sessionId: sid,
              requestId: id,
              note: args.note
            };
            // As the page sends a run's state and note: in one frame.
            this.ws.send(
              JSON.stringify(
                args.batch === true
                  ? {
                      type: 'batch',
                      messages: [
                        {
                          type: 'session-state',
                          sessionId: sid,
                          state: { noted: args.note }
                        },
                        note
                      ]
                    }
                  : note
              )
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
