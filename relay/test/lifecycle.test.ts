import assert from 'node:assert/strict';
import * as http from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { FakePage } from './fake-page';
import { until } from './helpers';
import { silentLogger } from '../src/log';
import { MCP_PATH } from '../src/protocol';
import { Relay } from '../src/relay';

const TOKEN = 'lifecycle-token-0123456789abcdefghijklmn';

const headers = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  Authorization: `Bearer ${TOKEN}`
};

/**
 * Open a session with a raw initialize, read its id, and go away without
 * DELETE (as a client that quits does).
 */
function openSession(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: MCP_PATH, headers },
      res => {
        const id = res.headers['mcp-session-id'];
        res.resume();
        res.on('end', () =>
          typeof id === 'string' ? resolve(id) : reject(new Error('no id'))
        );
      }
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'gone', version: '0' }
        }
      })
    );
  });
}

/**
 * The status of a ping on a session.
 */
function ping(port: number, sessionId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: MCP_PATH,
        headers: {
          ...headers,
          'Mcp-Session-Id': sessionId,
          'Mcp-Protocol-Version': '2025-06-18'
        }
      },
      res => {
        resolve(res.statusCode ?? 0);
        res.resume();
      }
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

describe('idle sessions', () => {
  let relay: Relay;
  let page: FakePage;

  beforeEach(async () => {
    relay = new Relay({
      token: TOKEN,
      port: 0,
      sessionIdleMs: 400,
      logger: silentLogger()
    });
    await relay.start();
    page = await FakePage.connect(relay.port, TOKEN);
  });

  afterEach(async () => {
    await page.close();
    await relay.close();
  });

  it('ends sessions abandoned without DELETE; the page is told, the client gets 404', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(await openSession(relay.port));
    }
    assert.equal(relay.hub.sessions.size, 20);
    assert.equal(relay.health().sessions, 20);
    await until(() => relay.hub.sessions.size === 0);
    assert.equal(relay.health().sessions, 0);
    // The page hears of each end over its socket, a little after the relay.
    const closed = (): Set<string> =>
      new Set(
        page.received
          .filter(m => m.type === 'session-close')
          .map(m => (m as { sessionId: string }).sessionId)
      );
    await until(() => closed().size === ids.length);
    assert.deepEqual(closed(), new Set(ids));
    assert.equal(await ping(relay.port, ids[0]), 404);
    for (const connection of relay.hub.pages.values()) {
      assert.equal(connection.sessions.size, 0);
    }
  });

  it('keeps a session whose client holds a stream open or keeps calling', async () => {
    const streaming = await openSession(relay.port);
    const calling = await openSession(relay.port);
    const stream = http.request({
      host: '127.0.0.1',
      port: relay.port,
      method: 'GET',
      path: MCP_PATH,
      headers: {
        Accept: 'text/event-stream',
        Authorization: `Bearer ${TOKEN}`,
        'Mcp-Session-Id': streaming,
        'Mcp-Protocol-Version': '2025-06-18'
      }
    });
    const opened = new Promise<http.IncomingMessage>(resolve =>
      stream.on('response', resolve)
    );
    stream.end();
    const response = await opened;
    assert.equal(response.statusCode, 200);
    const abandoned = await openSession(relay.port);
    for (let i = 0; i < 8; i++) {
      assert.equal(await ping(relay.port, calling), 200);
      // A fixed pace, not a condition: this session stays busy while the
      // abandoned one passes its idle time.
      await new Promise(r => setTimeout(r, 150));
    }
    // 1.2 s later: the abandoned one is gone, the others live.
    assert.equal(relay.hub.sessions.has(abandoned), false);
    assert.equal(relay.hub.sessions.has(streaming), true);
    assert.equal(relay.hub.sessions.has(calling), true);
    stream.destroy();
    await until(() => !relay.hub.sessions.has(streaming));
  });
});

describe('several pages', () => {
  let relay: Relay;

  beforeEach(async () => {
    relay = new Relay({ token: TOKEN, port: 0, logger: silentLogger() });
    await relay.start();
  });

  afterEach(async () => {
    await relay.close();
  });

  it('a new session goes to the page focused last, stays there, and moves with its state when that page goes', async () => {
    const first = await FakePage.connect(relay.port, TOKEN);
    const second = await FakePage.connect(relay.port, TOKEN);
    try {
      // Never focused: the page connected last would get it; then the user
      // focuses the first one.
      first.ws.send(JSON.stringify({ type: 'page-focus' }));
      await first.waitFor(
        m =>
          m.type === 'pages' &&
          m.pages.some(p => p.preferred && p.id === firstId(first))
      );
      const id = await openSession(relay.port);
      await first.waitFor(m => m.type === 'session-open' && m.sessionId === id);
      assert.equal(
        second.sessionOpens.some(m => m.sessionId === id),
        false
      );
      // Focusing the other page does not move the session.
      second.ws.send(JSON.stringify({ type: 'page-focus' }));
      first.ws.send(
        JSON.stringify({
          type: 'session-state',
          sessionId: id,
          state: { notebookPath: 'work/analysis.ipynb' }
        })
      );
      assert.equal(await ping(relay.port, id), 200);
      assert.equal(
        first.received.filter(m => m.type === 'session-open').length,
        1
      );
      // The serving page goes: the session moves, with its state.
      await first.close();
      const moved = await second.waitFor(
        m => m.type === 'session-open' && m.sessionId === id
      );
      assert.deepEqual(
        moved.type === 'session-open' ? moved.state : undefined,
        { notebookPath: 'work/analysis.ipynb' }
      );
      const pages = await second.waitFor(
        m => m.type === 'pages' && m.pages.length === 1
      );
      assert.equal(pages.type === 'pages' ? pages.pages[0].sessions : -1, 1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("a client's initialize whose page goes before answering is answered by the next page", async () => {
    const first = await FakePage.connect(relay.port, TOKEN);
    const second = await FakePage.connect(relay.port, TOKEN);
    try {
      // New sessions go to the page focused last: the one that hangs.
      second.silent = true;
      second.ws.send(JSON.stringify({ type: 'page-focus' }));
      await first.waitFor(
        m =>
          m.type === 'pages' &&
          m.pages.some(p => p.preferred && p.id === firstId(second))
      );
      const client = new Client({ name: 'early', version: '0' });
      const transport = new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${relay.port}${MCP_PATH}`),
        { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }
      );
      const connected = client.connect(transport);
      await second.waitFor(
        m => m.type === 'session-message' && m.message.method === 'initialize'
      );
      await second.close();
      await connected;
      assert.equal(client.getServerVersion()?.name, 'fake-page');
      assert.equal((await client.listTools()).tools.length, 2);
      assert.equal(
        first.received.filter(m => m.type === 'session-open').length,
        1
      );
      await transport.terminateSession();
      await client.close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('tells the other pages that a page saved a document', async () => {
    const saver = await FakePage.connect(relay.port, TOKEN);
    const other = await FakePage.connect(relay.port, TOKEN);
    try {
      await other.waitFor(m => m.type === 'pages' && m.pages.length === 2);
      saver.ws.send(
        JSON.stringify({ type: 'document-saved', path: 'work/a.ipynb' })
      );
      const told = await other.waitFor(m => m.type === 'document-saved');
      assert.deepEqual(told, {
        type: 'document-saved',
        path: 'work/a.ipynb',
        pageId: firstId(saver)
      });
      // Not echoed to the page that saved; a bad one is dropped.
      saver.ws.send(JSON.stringify({ type: 'document-saved', path: 7 }));
      saver.ws.send(JSON.stringify({ type: 'page-focus' }));
      // Both hear of the focus, sent after the bad message.
      for (const page of [saver, other]) {
        await page.waitFor(
          m =>
            m.type === 'pages' &&
            m.pages.some(p => p.preferred && p.id === firstId(saver))
        );
      }
      assert.equal(
        saver.received.some(m => m.type === 'document-saved'),
        false
      );
      assert.equal(
        other.received.filter(m => m.type === 'document-saved').length,
        1
      );
    } finally {
      await saver.close();
      await other.close();
    }
  });

  it('refuses a session state over the size limit without harm', async () => {
    const page = await FakePage.connect(relay.port, TOKEN);
    try {
      const id = await openSession(relay.port);
      page.ws.send(
        JSON.stringify({
          type: 'session-state',
          sessionId: id,
          state: { big: 'x'.repeat(70_000) }
        })
      );
      assert.equal(await ping(relay.port, id), 200);
      assert.equal(relay.hub.sessions.get(id)?.state, undefined);
    } finally {
      await page.close();
    }
  });
});

/**
 * The page id a fake page was welcomed with.
 */
function firstId(page: FakePage): string {
  const welcome = page.received.find(m => m.type === 'welcome');
  return welcome?.type === 'welcome' ? welcome.pageId : '';
}

describe('logging to clients', () => {
  it('tells clients when pages come and go, at the level they set', async () => {
    const relay = new Relay({ token: TOKEN, port: 0, logger: silentLogger() });
    await relay.start();
    const first = await FakePage.connect(relay.port, TOKEN);
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://127.0.0.1:${relay.port}${MCP_PATH}`),
      { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }
    );
    const client = new Client({ name: 'listener', version: '1' });
    const messages: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, n => {
      messages.push({ level: n.params.level, data: n.params.data });
    });
    try {
      await client.connect(transport);
      await client.setLoggingLevel('info');
      await until(() => relay.stats.mcpGetRequests > 0);
      const second = await FakePage.connect(relay.port, TOKEN);
      await until(() => messages.length === 1);
      assert.equal(messages[0].level, 'info');
      assert.match(String(messages[0].data), /A JupyterLab page connected/);
      await client.setLoggingLevel('warning');
      await second.close();
      await first.close();
      await until(() => messages.length === 2);
      assert.equal(messages[1].level, 'warning');
      assert.match(String(messages[1].data), /none remains/);
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await relay.close();
    }
  });
});
