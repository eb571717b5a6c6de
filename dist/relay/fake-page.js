"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FakePage = void 0;
exports.tryPageUpgrade = tryPageUpgrade;
/**
 * A fake JupyterLab page for tests: a `ws` client that speaks the page
 * protocol and answers a few MCP requests by hand.
 */
const ws_1 = require("ws");
const protocol_1 = require("../protocol");
const jsonrpc_1 = require("./jsonrpc");
/**
 * Try a page upgrade; resolves with the HTTP status of a refusal, or 101.
 */
function tryPageUpgrade(port, options) {
    return new Promise(resolve => {
        const protocols = [protocol_1.PAGE_SUBPROTOCOL];
        if (options.token !== undefined) {
            protocols.push(protocol_1.TOKEN_SUBPROTOCOL_PREFIX + options.token);
        }
        const headers = {};
        if (options.host) {
            headers.Host = options.host;
        }
        const ws = new ws_1.WebSocket(`ws://127.0.0.1:${port}${protocol_1.PAGE_PATH}`, protocols, {
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
 * `relatedRequestId`, then its result) and `slow` (never answers).
 */
class FakePage {
    ws;
    constructor(ws) {
        this.ws = ws;
        ws.on('message', data => this._onMessage(String(data)));
    }
    /** Everything the relay sent. */
    received = [];
    /** Names of the tools called. */
    calls = [];
    /**
     * Connect to a relay, wait for the welcome and say hello.
     */
    static connect(port, token, origin = 'http://localhost:8888') {
        return new Promise((resolve, reject) => {
            const ws = new ws_1.WebSocket(`ws://127.0.0.1:${port}${protocol_1.PAGE_PATH}`, [protocol_1.PAGE_SUBPROTOCOL, protocol_1.TOKEN_SUBPROTOCOL_PREFIX + token], { origin });
            const page = new FakePage(ws);
            ws.once('error', reject);
            page
                .waitFor(m => m.type === 'welcome')
                .then(() => {
                ws.send(JSON.stringify({
                    type: 'hello',
                    extensionVersion: 'test',
                    label: 'fake'
                }));
                resolve(page);
            }, reject);
        });
    }
    /**
     * The session-open envelopes received.
     */
    get sessionOpens() {
        return this.received.filter((m) => m.type === 'session-open');
    }
    /**
     * Wait for a message from the relay matching `predicate` (already received or future).
     */
    waitFor(predicate, timeoutMs = 5000) {
        const found = this.received.find(predicate);
        if (found) {
            return Promise.resolve(found);
        }
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this._waiters.delete(waiter);
                reject(new Error('FakePage.waitFor timed out'));
            }, timeoutMs);
            const waiter = (m) => {
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
    sendRaw(data) {
        this.ws.send(data);
    }
    /**
     * Close the socket and wait until it is closed.
     */
    close() {
        return new Promise(resolve => {
            if (this.ws.readyState === ws_1.WebSocket.CLOSED) {
                resolve();
                return;
            }
            this.ws.once('close', () => resolve());
            this.ws.close();
        });
    }
    _reply(sessionId, message, relatedRequestId) {
        this.ws.send(JSON.stringify({
            type: 'session-message',
            sessionId,
            message,
            ...(relatedRequestId !== undefined ? { relatedRequestId } : {})
        }));
    }
    _onMessage(text) {
        const message = JSON.parse(text);
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
        const params = (0, jsonrpc_1.isObject)(rpc.params) ? rpc.params : {};
        const id = rpc.id;
        const sid = message.sessionId;
        switch (rpc.method) {
            case 'initialize':
                this._reply(sid, {
                    jsonrpc: '2.0',
                    id,
                    result: {
                        protocolVersion: params.protocolVersion,
                        capabilities: { tools: {} },
                        serverInfo: { name: 'fake-page', version: '0.0.0' }
                    }
                });
                break;
            case 'ping':
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
                    break;
                }
                const meta = (0, jsonrpc_1.isObject)(params._meta) ? params._meta : {};
                if (meta.progressToken !== undefined) {
                    this._reply(sid, {
                        jsonrpc: '2.0',
                        method: 'notifications/progress',
                        params: {
                            progressToken: meta.progressToken,
                            progress: 1,
                            total: 2,
                            message: 'half way'
                        }
                    }, id);
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
    _waiters = new Set();
}
exports.FakePage = FakePage;
//# sourceMappingURL=fake-page.js.map