import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocket } from 'ws';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  HEALTH_PATH,
  INCOMPATIBLE_CLOSE_CODE,
  MCP_PATH,
  PAGE_PATH,
  RELAY_NAME,
  STDIO_CLIENT_HEADER,
  UNAUTHORIZED_CLOSE_CODE
} from '../src/protocol';
import { FakePage, pageHandshake, tryPageUpgrade } from './fake-page';
import { until } from './helpers';
import { Logger, silentLogger } from '../src/log';
import { NO_PAGE_MESSAGE, PAGE_DISCONNECTED_MESSAGE } from '../src/session';
import { Relay } from '../src/relay';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';

/**
 * An SDK client over Streamable HTTP that never opens the standalone GET
 * stream (its fetch answers GET with 405 itself).
 */
function makeClient(
  port: number,
  token = TOKEN,
  headers: Record<string, string> = {}
): { client: Client; transport: StreamableHTTPClientTransport } {
  const transport = new StreamableHTTPClientTransport(
    new URL(`http://127.0.0.1:${port}${MCP_PATH}`),
    {
      requestInit: {
        headers: { Authorization: `Bearer ${token}`, ...headers }
      },
      fetch: async (url, init) =>
        init?.method === 'GET'
          ? new Response(null, { status: 405 })
          : fetch(url, init)
    }
  );
  const client = new Client({ name: 'test-client', version: '0.0.0' });
  return { client, transport };
}

interface IRawResponse {
  status: number;
  body: string;
}

function rawRequest(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }
): Promise<IRawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? HEALTH_PATH,
        headers: options.headers
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8')
          })
        );
      }
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      req.write(options.body);
    }
    req.end();
  });
}

async function health(
  port: number
): Promise<{ name: string; version: string; pages: number; sessions: number }> {
  const res = await rawRequest(port, {});
  assert.equal(res.status, 200);
  return JSON.parse(res.body) as {
    name: string;
    version: string;
    pages: number;
    sessions: number;
  };
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

describe('Relay', () => {
  let relay: Relay;
  let port: number;

  before(async () => {
    relay = new Relay({
      port: 0,
      token: TOKEN,
      pageWaitMs: 1500,
      logger: silentLogger(),
      maxBodyBytes: 1024 * 1024
    });
    await relay.start();
    port = relay.port;
  });

  after(async () => {
    await relay.close();
  });

  it('reports health without secrets', async () => {
    const res = await rawRequest(port, {});
    assert.equal(res.status, 200);
    assert.ok(!res.body.includes(TOKEN));
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(body.name, RELAY_NAME);
    assert.equal(typeof body.version, 'string');
    assert.equal(body.pages, 0);
    assert.equal(body.sessions, 0);
  });

  it('answers 401 on /mcp without a token or with a wrong one', async () => {
    const none = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: mcpHeaders,
      body: initializeBody
    });
    assert.equal(none.status, 401);
    const wrong = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: { ...mcpHeaders, Authorization: 'Bearer wrong-token' },
      body: initializeBody
    });
    assert.equal(wrong.status, 401);
    assert.ok(!wrong.body.includes(TOKEN));
    const get = await rawRequest(port, { path: MCP_PATH });
    assert.equal(get.status, 401);
  });

  it('answers 403 to a foreign Origin, even with the token', async () => {
    const res = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: {
        ...mcpHeaders,
        Authorization: `Bearer ${TOKEN}`,
        Origin: 'http://evil.example'
      },
      body: initializeBody
    });
    assert.equal(res.status, 403);
    const healthRes = await rawRequest(port, {
      headers: { Origin: 'http://evil.example' }
    });
    assert.equal(healthRes.status, 403);
    const ok = await rawRequest(port, {
      headers: { Origin: 'http://localhost:8888' }
    });
    assert.equal(ok.status, 200);
  });

  it('answers 403 to a forged Host (DNS rebinding)', async () => {
    const res = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: {
        ...mcpHeaders,
        Authorization: `Bearer ${TOKEN}`,
        Host: `evil.example:${port}`
      },
      body: initializeBody
    });
    assert.equal(res.status, 403);
    const wrongPort = await rawRequest(port, {
      headers: { Host: `localhost:${port + 1}` }
    });
    assert.equal(wrongPort.status, 403);
    const localhost = await rawRequest(port, {
      headers: { Host: `localhost:${port}` }
    });
    assert.equal(localhost.status, 200);
  });

  it('tells a page of another protocol version why it is refused, and logs it', async () => {
    const lines: string[] = [];
    const relay = new Relay({
      token: TOKEN,
      port: 0,
      logger: new Logger('info', { write: line => lines.push(line) })
    });
    await relay.start();
    try {
      const closed = await new Promise<{ code: number; reason: string }>(
        (resolve, reject) => {
          const ws = new WebSocket(
            `ws://127.0.0.1:${relay.port}${PAGE_PATH}`,
            ['jupyterlab-mcp-bridge.v99'],
            { origin: 'http://localhost:8888' }
          );
          ws.on('close', (code, reason) =>
            resolve({ code, reason: reason.toString() })
          );
          ws.on('error', reject);
        }
      );
      assert.equal(closed.code, INCOMPATIBLE_CLOSE_CODE);
      assert.match(
        closed.reason,
        /^relay \S+ speaks protocol v4, the page v99: install the same version of both$/
      );
      assert.match(lines.join(''), /refused a page: relay .* the page v99/);
      assert.equal(relay.hub.pages.size, 0);
    } finally {
      await relay.close();
    }
  });

  it('refuses page upgrades from a foreign Origin or Host, or without the page subprotocol', async () => {
    assert.equal(
      await tryPageUpgrade(port, { origin: 'http://evil.example' }),
      403
    );
    assert.equal(await tryPageUpgrade(port, {}), 403);
    assert.equal(
      await tryPageUpgrade(port, {
        origin: 'http://localhost:8888',
        host: `evil.example:${port}`
      }),
      403
    );
    assert.equal(
      await tryPageUpgrade(port, {
        origin: 'http://localhost:8888',
        protocol: 'something-else'
      }),
      400
    );
    assert.equal(
      await tryPageUpgrade(port, { origin: 'http://localhost:8888' }),
      101
    );
  });

  it('also holds its port on the other loopback address, so that no other program takes "localhost" there', async () => {
    const ipv6 = await new Promise<boolean>(resolve => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => probe.close(() => resolve(true)));
    });
    if (!ipv6) {
      // No IPv6 loopback here: nobody can listen there either.
      assert.equal(relay.guardHost, null);
      return;
    }
    assert.equal(relay.guardHost, '::1');
    const squatter = net.createServer();
    const code = await new Promise<string>(resolve => {
      squatter.once('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code ?? '')
      );
      squatter.listen(port, '::1', () => resolve('listening'));
    });
    squatter.close();
    assert.equal(code, 'EADDRINUSE');
    // And it is the relay that answers there.
    const health = await fetch(`http://[::1]:${port}${HEALTH_PATH}`);
    assert.equal(((await health.json()) as { name: string }).name, RELAY_NAME);
  });

  it('takes a page only once it proved the token, after the relay proved it first', async () => {
    const honest = await pageHandshake(port, TOKEN);
    assert.equal(honest.welcomed, true);
    // The relay's proof came first, and nothing but it before the welcome.
    assert.deepEqual(
      honest.received.map(m => m.type),
      ['auth-relay', 'welcome']
    );
    for (const script of ['wrong-proof', 'skip-hello'] as const) {
      const outcome = await pageHandshake(port, TOKEN, script);
      assert.equal(outcome.welcomed, false, script);
      assert.equal(outcome.code, UNAUTHORIZED_CLOSE_CODE, script);
      assert.ok(
        outcome.received.every(m => m.type === 'auth-relay'),
        `${script}: ${JSON.stringify(outcome.received)}`
      );
    }
    // A proof is good for its own connection only.
    const replayed = await pageHandshake(port, TOKEN, 'replay', honest.proof);
    assert.equal(replayed.welcomed, false);
    assert.equal(replayed.code, UNAUTHORIZED_CLOSE_CODE);
    await until(() => relay.hub.pages.size === 0);
  });

  it('answers a client that initializes with no page connected', async () => {
    const { client, transport } = makeClient(port);
    await assert.rejects(client.connect(transport), (error: Error) => {
      assert.ok(
        error.message.includes(NO_PAGE_MESSAGE.slice(0, 40)),
        error.message
      );
      return true;
    });
    await client.close();
    await until(() => relay.hub.sessions.size === 0);
  });

  it('relays tools/list and tools/call, with progress on the POST stream and no GET stream', async () => {
    const page = await FakePage.connect(port, TOKEN);
    await until(() => relay.hub.readyPageCount === 1);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    assert.equal(client.getServerVersion()?.name, 'fake-page');
    const tools = await client.listTools();
    assert.deepEqual(
      tools.tools.map(t => t.name),
      ['echo', 'slow']
    );
    const progress: Array<{ progress: number; total?: number }> = [];
    const result = await client.callTool(
      { name: 'echo', arguments: { x: 1 } },
      undefined,
      {
        onprogress: p => progress.push(p)
      }
    );
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo {"x":1}' }]);
    assert.equal(progress.length, 1);
    assert.equal(progress[0].progress, 1);
    assert.equal(relay.stats.mcpGetRequests, 0);

    const h = await health(port);
    assert.equal(h.pages, 1);
    assert.equal(h.sessions, 1);
    const sessionId = transport.sessionId;
    assert.ok(sessionId);
    await transport.terminateSession();
    await page.waitFor(
      m => m.type === 'session-close' && m.sessionId === sessionId
    );
    assert.equal((await health(port)).sessions, 0);
    await client.close();
    await page.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('ends a session when its page asks: the client then gets 404, and the page hears nothing back', async () => {
    const page = await FakePage.connect(port, TOKEN);
    await until(() => relay.hub.readyPageCount === 1);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    const sessionId = transport.sessionId!;
    assert.equal((await health(port)).sessions, 1);

    // Another page cannot end a session it does not serve.
    const other = await FakePage.connect(port, TOKEN);
    other.sendRaw(JSON.stringify({ type: 'session-end', sessionId }));
    await until(() => relay.hub.readyPageCount === 2);
    assert.equal((await health(port)).sessions, 1);
    await other.close();

    page.sendRaw(JSON.stringify({ type: 'session-end', sessionId }));
    await until(() => relay.hub.sessions.size === 0);
    await assert.rejects(client.listTools(), /404|Session not found/);
    const res = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: {
        ...mcpHeaders,
        Authorization: `Bearer ${TOKEN}`,
        'Mcp-Session-Id': sessionId
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' })
    });
    assert.equal(res.status, 404);
    assert.ok(
      !page.received.some(
        m => m.type === 'session-close' && m.sessionId === sessionId
      )
    );
    await client.close();
    await page.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('tells the page how each client connects: http, or stdio when the proxy marks its requests', async () => {
    const page = await FakePage.connect(port, TOKEN);
    await until(() => relay.hub.readyPageCount === 1);
    const http1 = makeClient(port);
    await http1.client.connect(http1.transport);
    const stdio = makeClient(port, TOKEN, { [STDIO_CLIENT_HEADER]: 'stdio' });
    await stdio.client.connect(stdio.transport);
    const transports = Object.fromEntries(
      page.sessionOpens.map(open => [open.sessionId, open.transport])
    );
    assert.equal(transports[http1.transport.sessionId!], 'http');
    assert.equal(transports[stdio.transport.sessionId!], 'stdio');
    for (const { client, transport } of [http1, stdio]) {
      await transport.terminateSession();
      await client.close();
    }
    await page.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('waits for a page when a client initializes first', async () => {
    const { client, transport } = makeClient(port);
    const connecting = client.connect(transport);
    await until(() => relay.hub.sessions.size === 1, 'the initialize came');
    const page = await FakePage.connect(port, TOKEN);
    await connecting;
    const tools = await client.listTools();
    assert.equal(tools.tools.length, 2);
    assert.equal(page.sessionOpens.length, 1);
    assert.equal(page.sessionOpens[0].resume, undefined);
    await transport.terminateSession();
    await client.close();
    await page.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('fails calls in flight when the page disconnects, and resumes on the next page', async () => {
    const first = await FakePage.connect(port, TOKEN);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    const call = client.callTool({ name: 'slow', arguments: {} });
    await until(() => first.calls.includes('slow'));
    await first.close();
    await assert.rejects(call, (error: Error) => {
      assert.ok(
        error.message.includes(PAGE_DISCONNECTED_MESSAGE),
        error.message
      );
      return true;
    });
    // A request sent while no page is connected waits for one.
    const listing = client.listTools();
    await until(
      () =>
        relay.hub.sessions
          .get(transport.sessionId ?? '')
          ?.queue.some(item => item.message.method === 'tools/list') === true,
      'the request waits for a page'
    );
    const second = await FakePage.connect(port, TOKEN);
    const open = await second.waitFor(m => m.type === 'session-open');
    assert.equal(open.type, 'session-open');
    if (open.type === 'session-open') {
      assert.equal(open.sessionId, transport.sessionId);
      assert.equal(open.resume?.initialize.method, 'initialize');
      assert.equal(
        open.resume?.initialized?.method,
        'notifications/initialized'
      );
    }
    // The page answered the replayed initialize; the client must not see it.
    const tools = await listing;
    assert.equal(tools.tools.length, 2);
    const result = await client.callTool({ name: 'echo', arguments: { y: 2 } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo {"y":2}' }]);
    await transport.terminateSession();
    await client.close();
    await second.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('tells a call cut off by its page what the page noted of it', async () => {
    const page = await FakePage.connect(port, TOKEN);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    const note = 'The cell was sent to the kernel as run ex-1.';
    const call = client.callTool({ name: 'slow', arguments: { note } });
    await until(() => page.calls.includes('slow'));
    // A call the page sent no note for keeps the general warning.
    const plain = client.callTool({ name: 'slow', arguments: {} });
    await until(() => page.calls.filter(c => c === 'slow').length === 2);
    await page.close();
    await assert.rejects(call, (error: Error) => {
      assert.ok(error.message.includes(PAGE_DISCONNECTED_MESSAGE));
      assert.ok(error.message.includes(note), error.message);
      assert.ok(!error.message.includes('may have been applied'));
      return true;
    });
    await assert.rejects(plain, (error: Error) => {
      assert.ok(error.message.includes('may have been applied'));
      return true;
    });
    await transport.terminateSession();
    await client.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('takes a session state and a call note sent in one batch', async () => {
    const page = await FakePage.connect(port, TOKEN);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    const sessionId = transport.sessionId ?? '';
    const note = 'The cell was sent to the kernel as run ex-2.';
    const call = client.callTool({
      name: 'slow',
      arguments: { note, batch: true }
    });
    await until(
      () =>
        JSON.stringify(relay.hub.sessions.get(sessionId)?.state) ===
        JSON.stringify({ noted: note })
    );
    await page.close();
    await assert.rejects(call, (error: Error) => {
      assert.ok(error.message.includes(note), error.message);
      return true;
    });
    await transport.terminateSession();
    await client.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it("takes a page's answers to two clients sent in one batch", async () => {
    const page = await FakePage.connect(port, TOKEN);
    const clients = [makeClient(port), makeClient(port)];
    for (const { client, transport } of clients) {
      await client.connect(transport);
    }
    const results = await Promise.all(
      clients.map(({ client }) => client.callTool({ name: 'pair' }))
    );
    for (const result of results) {
      const [block] = result.content as { type: string; text: string }[];
      assert.match(block.text, /^pair \d+$/);
    }
    for (const { client, transport } of clients) {
      await transport.terminateSession();
      await client.close();
    }
    await page.close();
    await until(() => relay.hub.pages.size === 0);
  });

  it('fails a request that waits too long for a page', async () => {
    const page = await FakePage.connect(port, TOKEN);
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    await page.close();
    await assert.rejects(client.listTools(), (error: Error) => {
      assert.ok(error.message.includes('pairing link'), error.message);
      return true;
    });
    await transport.terminateSession();
    await client.close();
  });

  it('survives malformed page messages and bad POST bodies', async () => {
    const page = await FakePage.connect(port, TOKEN);
    page.sendRaw('this is not JSON');
    page.sendRaw('{"type":"nonsense"}');
    page.sendRaw(
      '{"type":"session-message","sessionId":"nope","message":{"jsonrpc":"2.0","id":1,"result":{}}}'
    );
    page.sendRaw('{"type":"session-message","sessionId":42,"message":null}');
    page.sendRaw('[]');
    page.sendRaw(Buffer.from([0, 1, 2, 3]));
    // Batches: not a list, too long, nested, or holding another kind.
    const state = { type: 'session-state', sessionId: 'nope', state: {} };
    for (const messages of [
      'nope',
      Array.from({ length: 65 }, () => state),
      [state, { type: 'batch', messages: [state] }],
      [state, { type: 'hello', extensionVersion: '0' }],
      [state, { type: 'call-note', sessionId: 'nope' }]
    ]) {
      page.sendRaw(JSON.stringify({ type: 'batch', messages }));
    }

    const notJson = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
      body: '{not json'
    });
    assert.equal(notJson.status, 400);
    const notInit = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
    });
    assert.equal(notInit.status, 400);
    const unknownSession = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: {
        ...mcpHeaders,
        Authorization: `Bearer ${TOKEN}`,
        'Mcp-Session-Id': 'unknown'
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
    });
    assert.equal(unknownSession.status, 404);
    const huge = await rawRequest(port, {
      method: 'POST',
      path: MCP_PATH,
      headers: { ...mcpHeaders, Authorization: `Bearer ${TOKEN}` },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20)
    }).catch(() => ({ status: 413, body: '' }));
    assert.equal(huge.status, 413);

    // The page still works.
    const { client, transport } = makeClient(port);
    await client.connect(transport);
    assert.equal((await client.listTools()).tools.length, 2);

    // An oversized WebSocket message closes that page only.
    const big = await FakePage.connect(port, TOKEN);
    const closed = new Promise<void>(resolve =>
      big.ws.once('close', () => resolve())
    );
    big.sendRaw('x'.repeat(2 * 1024 * 1024));
    await closed;
    assert.equal((await health(port)).name, RELAY_NAME);
    assert.equal((await client.listTools()).tools.length, 2);

    await transport.terminateSession();
    await client.close();
    await page.close();
  });
});
