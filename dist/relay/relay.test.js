"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) __createBinding(result, mod, k);
    __setModuleDefault(result, mod);
    return result;
};
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const http = __importStar(require("node:http"));
const node_test_1 = require("node:test");
const index_js_1 = require("@modelcontextprotocol/sdk/client/index.js");
const streamableHttp_js_1 = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const protocol_1 = require("../protocol");
const fake_page_1 = require("./fake-page");
const log_1 = require("./log");
const pages_1 = require("./pages");
const relay_1 = require("./relay");
const TOKEN = 'test-token-0123456789abcdefghijklmnop';
/**
 * An SDK client over Streamable HTTP that never opens the standalone GET
 * stream (its fetch answers GET with 405 itself).
 */
function makeClient(port, token = TOKEN, headers = {}) {
    const transport = new streamableHttp_js_1.StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}${protocol_1.MCP_PATH}`), {
        requestInit: {
            headers: { Authorization: `Bearer ${token}`, ...headers }
        },
        fetch: async (url, init) => init?.method === 'GET'
            ? new Response(null, { status: 405 })
            : fetch(url, init)
    });
    const client = new index_js_1.Client({ name: 'test-client', version: '0.0.0' });
    return { client, transport };
}
function rawRequest(port, options) {
    return new Promise((resolve, reject) => {
        const req = http.request({
            host: '127.0.0.1',
            port,
            method: options.method ?? 'GET',
            path: options.path ?? protocol_1.HEALTH_PATH,
            headers: options.headers
        }, res => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8')
            }));
        });
        req.on('error', reject);
        if (options.body !== undefined) {
            req.write(options.body);
        }
        req.end();
    });
}
async function health(port) {
    const res = await rawRequest(port, {});
    strict_1.default.equal(res.status, 200);
    return JSON.parse(res.body);
}
const initializeBody = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'raw', version: '0' }
    }
});
const mcpHeaders = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream'
};
async function until(check, timeoutMs = 3000) {
    const start = Date.now();
    while (!check()) {
        if (Date.now() - start > timeoutMs) {
            throw new Error('condition not met in time');
        }
        await new Promise(r => setTimeout(r, 20));
    }
}
(0, node_test_1.describe)('Relay', () => {
    let relay;
    let port;
    (0, node_test_1.before)(async () => {
        relay = new relay_1.Relay({
            port: 0,
            token: TOKEN,
            pageWaitMs: 1500,
            logger: (0, log_1.silentLogger)(),
            maxBodyBytes: 1024 * 1024
        });
        await relay.start();
        port = relay.port;
    });
    (0, node_test_1.after)(async () => {
        await relay.close();
    });
    (0, node_test_1.it)('reports health without secrets', async () => {
        const res = await rawRequest(port, {});
        strict_1.default.equal(res.status, 200);
        strict_1.default.ok(!res.body.includes(TOKEN));
        const body = JSON.parse(res.body);
        strict_1.default.equal(body.name, protocol_1.RELAY_NAME);
        strict_1.default.equal(typeof body.version, 'string');
        strict_1.default.equal(body.pages, 0);
        strict_1.default.equal(body.sessions, 0);
    });
    (0, node_test_1.it)('answers 401 on /mcp without a token or with a wrong one', async () => {
        const none = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: mcpHeaders,
            body: initializeBody
        });
        strict_1.default.equal(none.status, 401);
        const wrong = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: { ...mcpHeaders, Authorization: 'Bearer wrong-token' },
            body: initializeBody
        });
        strict_1.default.equal(wrong.status, 401);
        strict_1.default.ok(!wrong.body.includes(TOKEN));
        const get = await rawRequest(port, { path: protocol_1.MCP_PATH });
        strict_1.default.equal(get.status, 401);
    });
    (0, node_test_1.it)('answers 403 to a foreign Origin, even with the token', async () => {
        const res = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: {
                ...mcpHeaders,
                Authorization: `Bearer ${TOKEN}`,
                Origin: 'http://evil.example'
            },
            body: initializeBody
        });
        strict_1.default.equal(res.status, 403);
        const healthRes = await rawRequest(port, {
            headers: { Origin: 'http://evil.example' }
        });
        strict_1.default.equal(healthRes.status, 403);
        const ok = await rawRequest(port, {
            headers: { Origin: 'http://localhost:8888' }
        });
        strict_1.default.equal(ok.status, 200);
    });
    (0, node_test_1.it)('answers 403 to a forged Host (DNS rebinding)', async () => {
        const res = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: {
                ...mcpHeaders,
                Authorization: `Bearer ${TOKEN}`,
                Host: `evil.example:${port}`
            },
            body: initializeBody
        });
        strict_1.default.equal(res.status, 403);
        const wrongPort = await rawRequest(port, {
            headers: { Host: `localhost:${port + 1}` }
        });
        strict_1.default.equal(wrongPort.status, 403);
        const localhost = await rawRequest(port, {
            headers: { Host: `localhost:${port}` }
        });
        strict_1.default.equal(localhost.status, 200);
    });
    (0, node_test_1.it)('refuses page upgrades without a token, with a wrong one, or from a foreign Origin', async () => {
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, { origin: 'http://localhost:8888' }), 401);
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, {
            token: 'nope',
            origin: 'http://localhost:8888'
        }), 401);
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, {
            token: TOKEN,
            origin: 'http://evil.example'
        }), 403);
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, { token: TOKEN }), 403);
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, {
            token: TOKEN,
            origin: 'http://localhost:8888',
            host: `evil.example:${port}`
        }), 403);
        strict_1.default.equal(await (0, fake_page_1.tryPageUpgrade)(port, {
            token: TOKEN,
            origin: 'http://localhost:8888'
        }), 101);
    });
    (0, node_test_1.it)('answers a client that initializes with no page connected', async () => {
        const { client, transport } = makeClient(port);
        await strict_1.default.rejects(client.connect(transport), (error) => {
            strict_1.default.ok(error.message.includes(pages_1.NO_PAGE_MESSAGE.slice(0, 40)), error.message);
            return true;
        });
        await client.close();
        await until(() => relay.hub.sessions.size === 0);
    });
    (0, node_test_1.it)('relays tools/list and tools/call, with progress on the POST stream and no GET stream', async () => {
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        await until(() => relay.hub.readyPageCount === 1);
        const { client, transport } = makeClient(port);
        await client.connect(transport);
        strict_1.default.equal(client.getServerVersion()?.name, 'fake-page');
        const tools = await client.listTools();
        strict_1.default.deepEqual(tools.tools.map(t => t.name), ['echo', 'slow']);
        const progress = [];
        const result = await client.callTool({ name: 'echo', arguments: { x: 1 } }, undefined, {
            onprogress: p => progress.push(p)
        });
        strict_1.default.deepEqual(result.content, [{ type: 'text', text: 'echo {"x":1}' }]);
        strict_1.default.equal(progress.length, 1);
        strict_1.default.equal(progress[0].progress, 1);
        strict_1.default.equal(relay.stats.mcpGetRequests, 0);
        const h = await health(port);
        strict_1.default.equal(h.pages, 1);
        strict_1.default.equal(h.sessions, 1);
        const sessionId = transport.sessionId;
        strict_1.default.ok(sessionId);
        await transport.terminateSession();
        await page.waitFor(m => m.type === 'session-close' && m.sessionId === sessionId);
        strict_1.default.equal((await health(port)).sessions, 0);
        await client.close();
        await page.close();
        await until(() => relay.hub.pages.size === 0);
    });
    (0, node_test_1.it)('ends a session when its page asks: the client then gets 404, and the page hears nothing back', async () => {
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        await until(() => relay.hub.readyPageCount === 1);
        const { client, transport } = makeClient(port);
        await client.connect(transport);
        const sessionId = transport.sessionId;
        strict_1.default.equal((await health(port)).sessions, 1);
        // Another page cannot end a session it does not serve.
        const other = await fake_page_1.FakePage.connect(port, TOKEN);
        other.sendRaw(JSON.stringify({ type: 'session-end', sessionId }));
        await until(() => relay.hub.readyPageCount === 2);
        strict_1.default.equal((await health(port)).sessions, 1);
        await other.close();
        page.sendRaw(JSON.stringify({ type: 'session-end', sessionId }));
        await until(() => relay.hub.sessions.size === 0);
        await strict_1.default.rejects(client.listTools(), /404|Session not found/);
        const res = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: {
                ...mcpHeaders,
                Authorization: `Bearer ${TOKEN}`,
                'Mcp-Session-Id': sessionId
            },
            body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' })
        });
        strict_1.default.equal(res.status, 404);
        strict_1.default.ok(!page.received.some(m => m.type === 'session-close' && m.sessionId === sessionId));
        await client.close();
        await page.close();
        await until(() => relay.hub.pages.size === 0);
    });
    (0, node_test_1.it)('tells the page how each client connects: http, or stdio when the proxy marks its requests', async () => {
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        await until(() => relay.hub.readyPageCount === 1);
        const http1 = makeClient(port);
        await http1.client.connect(http1.transport);
        const stdio = makeClient(port, TOKEN, { [protocol_1.STDIO_CLIENT_HEADER]: 'stdio' });
        await stdio.client.connect(stdio.transport);
        const transports = Object.fromEntries(page.sessionOpens.map(open => [open.sessionId, open.transport]));
        strict_1.default.equal(transports[http1.transport.sessionId], 'http');
        strict_1.default.equal(transports[stdio.transport.sessionId], 'stdio');
        for (const { client, transport } of [http1, stdio]) {
            await transport.terminateSession();
            await client.close();
        }
        await page.close();
        await until(() => relay.hub.pages.size === 0);
    });
    (0, node_test_1.it)('waits for a page when a client initializes first', async () => {
        const { client, transport } = makeClient(port);
        const connecting = client.connect(transport);
        await new Promise(r => setTimeout(r, 200));
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        await connecting;
        const tools = await client.listTools();
        strict_1.default.equal(tools.tools.length, 2);
        strict_1.default.equal(page.sessionOpens.length, 1);
        strict_1.default.equal(page.sessionOpens[0].resume, undefined);
        await transport.terminateSession();
        await client.close();
        await page.close();
        await until(() => relay.hub.pages.size === 0);
    });
    (0, node_test_1.it)('fails calls in flight when the page disconnects, and resumes on the next page', async () => {
        const first = await fake_page_1.FakePage.connect(port, TOKEN);
        const { client, transport } = makeClient(port);
        await client.connect(transport);
        const call = client.callTool({ name: 'slow', arguments: {} });
        await until(() => first.calls.includes('slow'));
        await first.close();
        await strict_1.default.rejects(call, (error) => {
            strict_1.default.ok(error.message.includes(pages_1.PAGE_DISCONNECTED_MESSAGE), error.message);
            return true;
        });
        // A request sent while no page is connected waits for one.
        const listing = client.listTools();
        await new Promise(r => setTimeout(r, 100));
        const second = await fake_page_1.FakePage.connect(port, TOKEN);
        const open = await second.waitFor(m => m.type === 'session-open');
        strict_1.default.equal(open.type, 'session-open');
        if (open.type === 'session-open') {
            strict_1.default.equal(open.sessionId, transport.sessionId);
            strict_1.default.equal(open.resume?.initialize.method, 'initialize');
            strict_1.default.equal(open.resume?.initialized?.method, 'notifications/initialized');
        }
        // The page answered the replayed initialize; the client must not see it.
        const tools = await listing;
        strict_1.default.equal(tools.tools.length, 2);
        const result = await client.callTool({ name: 'echo', arguments: { y: 2 } });
        strict_1.default.deepEqual(result.content, [{ type: 'text', text: 'echo {"y":2}' }]);
        await transport.terminateSession();
        await client.close();
        await second.close();
        await until(() => relay.hub.pages.size === 0);
    });
    (0, node_test_1.it)('fails a request that waits too long for a page', async () => {
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        const { client, transport } = makeClient(port);
        await client.connect(transport);
        await page.close();
        await strict_1.default.rejects(client.listTools(), (error) => {
            strict_1.default.ok(error.message.includes('pairing link'), error.message);
            return true;
        });
        await transport.terminateSession();
        await client.close();
    });
    (0, node_test_1.it)('survives malformed page messages and bad POST bodies', async () => {
        const page = await fake_page_1.FakePage.connect(port, TOKEN);
        page.sendRaw('this is not JSON');
        page.sendRaw('{"type":"nonsense"}');
        page.sendRaw('{"type":"session-message","sessionId":"nope","message":{"jsonrpc":"2.0","id":1,"result":{}}}');
        page.sendRaw('{"type":"session-message","sessionId":42,"message":null}');
        page.sendRaw('[]');
        page.sendRaw(Buffer.from([0, 1, 2, 3]));
        const notJson = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
            body: '{not json'
        });
        strict_1.default.equal(notJson.status, 400);
        const notInit = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
            body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
        });
        strict_1.default.equal(notInit.status, 400);
        const unknownSession = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: {
                ...mcpHeaders,
                Authorization: `Bearer ${TOKEN}`,
                'Mcp-Session-Id': 'unknown'
            },
            body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
        });
        strict_1.default.equal(unknownSession.status, 404);
        const huge = await rawRequest(port, {
            method: 'POST',
            path: protocol_1.MCP_PATH,
            headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
            body: Buffer.alloc(2 * 1024 * 1024, 0x20)
        }).catch(() => ({ status: 413, body: '' }));
        strict_1.default.equal(huge.status, 413);
        // The page still works.
        const { client, transport } = makeClient(port);
        await client.connect(transport);
        strict_1.default.equal((await client.listTools()).tools.length, 2);
        // An oversized WebSocket message closes that page only.
        const big = await fake_page_1.FakePage.connect(port, TOKEN);
        const closed = new Promise(resolve => big.ws.once('close', () => resolve()));
        big.sendRaw('x'.repeat(2 * 1024 * 1024));
        await closed;
        strict_1.default.equal((await health(port)).name, protocol_1.RELAY_NAME);
        strict_1.default.equal((await client.listTools()).tools.length, 2);
        await transport.terminateSession();
        await client.close();
        await page.close();
    });
});
//# sourceMappingURL=relay.test.js.map