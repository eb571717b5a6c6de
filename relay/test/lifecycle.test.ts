import assert from 'node:assert/strict';
import * as http from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakePage } from './fake-page';
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

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise(r => setTimeout(r, 20));
  }
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
    const closed = page.received
      .filter(m => m.type === 'session-close')
      .map(m => (m as { sessionId: string }).sessionId);
    assert.deepEqual(new Set(closed), new Set(ids));
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
