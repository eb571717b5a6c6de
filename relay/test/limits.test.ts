import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { FakePage, initializeRaw } from './fake-page';
import { until } from './helpers';
import { jsonDeeperThan } from '../src/jsonrpc';
import { silentLogger } from '../src/log';
import { validatePageMessage } from '../src/page-messages';
import { MAX_SESSION_STATE_BYTES, MCP_PATH } from '../src/protocol';
import { type IRelayOptions, Relay } from '../src/relay';

const TOKEN = 'limits-test-token-0123456789abcdefghijk';

async function withRelay(
  options: Partial<IRelayOptions>,
  run: (relay: Relay) => Promise<void>
): Promise<void> {
  const relay = new Relay({
    token: TOKEN,
    port: 0,
    logger: silentLogger(),
    ...options
  });
  await relay.start();
  try {
    await run(relay);
  } finally {
    await relay.close();
  }
}

/**
 * POST a body on `/mcp` (with a session when given).
 */
async function post(
  port: number,
  body: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${MCP_PATH}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Protocol-Version': '2025-11-25',
      ...headers
    },
    body
  });
  return { status: response.status, text: await response.text() };
}

/**
 * An SDK client over Streamable HTTP (with its GET stream).
 */
function sdkClient(port: number): {
  client: Client;
  transport: StreamableHTTPClientTransport;
} {
  const transport = new StreamableHTTPClientTransport(
    new URL(`http://127.0.0.1:${port}${MCP_PATH}`),
    { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }
  );
  return {
    client: new Client(
      { name: 'limits', version: '0' },
      { capabilities: { roots: { listChanged: true } } }
    ),
    transport
  };
}

describe('limits', () => {
  it('caps open sessions: one more initialize gets a clear JSON-RPC error and holds nothing', async () => {
    await withRelay({ maxSessions: 3 }, async relay => {
      const page = await FakePage.connect(relay.port, TOKEN);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const opened = await initializeRaw(relay.port, TOKEN);
          assert.equal(opened.status, 200);
          ids.push(opened.headers.get('mcp-session-id') ?? '');
          await opened.text();
        }
        assert.equal(relay.events.storeCount, 3);
        const refused = await initializeRaw(relay.port, TOKEN);
        assert.equal(refused.status, 503);
        const body = (await refused.json()) as {
          error: { code: number; message: string };
        };
        assert.equal(body.error.code, -32000);
        assert.match(
          body.error.message,
          /Too many MCP sessions open \(3; the relay's limit is 3, --max-sessions\), and none idle for 60 s to end for this one/
        );
        assert.equal(relay.events.storeCount, 3);
        assert.equal(relay.hub.sessions.size, 3);
        assert.equal(page.sessionOpens.length, 3);
        // Ending one makes room.
        const ended = await fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
          method: 'DELETE',
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            'Mcp-Session-Id': ids[0],
            'Mcp-Protocol-Version': '2025-11-25'
          }
        });
        assert.equal(ended.status, 200);
        const again = await initializeRaw(relay.port, TOKEN);
        assert.equal(again.status, 200);
        await again.text();
      } finally {
        await page.close();
      }
    });
  });

  it('at the session limit, a new session ends the one idle longest (if idle long enough) instead of being refused', async () => {
    await withRelay({ maxSessions: 2, evictIdleMs: 300 }, async relay => {
      const page = await FakePage.connect(relay.port, TOKEN);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const opened = await initializeRaw(relay.port, TOKEN);
          ids.push(opened.headers.get('mcp-session-id') ?? '');
          await opened.text();
          // Apart in time, so that the first is the one idle longest.
          await new Promise(resolve => setTimeout(resolve, 20));
        }
        // Not idle long enough yet: refused.
        const early = await initializeRaw(relay.port, TOKEN);
        assert.equal(early.status, 503);
        await early.text();
        // Time passing is the point: both sessions become idle long enough
        // (evictIdleMs).
        await new Promise(resolve => setTimeout(resolve, 400));
        const later = await initializeRaw(relay.port, TOKEN);
        assert.equal(later.status, 200);
        await later.text();
        assert.equal(relay.hub.sessions.size, 2);
        assert.equal(relay.hub.sessions.has(ids[0]), false);
        assert.equal(relay.hub.sessions.has(ids[1]), true);
        await until(() => relay.events.storeCount === 2, 'two stores');
        const gone = await post(
          relay.port,
          JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
          { 'Mcp-Session-Id': ids[0] }
        );
        assert.equal(gone.status, 404);
        assert.ok(
          page.received.some(
            m => m.type === 'session-close' && m.sessionId === ids[0]
          )
        );
      } finally {
        await page.close();
      }
    });
  });

  it('an initialize the SDK refuses leaves no event store behind', async () => {
    await withRelay({}, async relay => {
      const page = await FakePage.connect(relay.port, TOKEN);
      try {
        const before = relay.events.storeCount;
        const init = JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'x', version: '0' }
          }
        });
        const refusals = [
          // No event streams accepted.
          post(relay.port, init, { Accept: 'application/json' }),
          // Not JSON by its content type.
          post(relay.port, init, { 'Content-Type': 'text/plain' }),
          // Two initializes in one batch.
          post(relay.port, `[${init},${init.replace('"id":1', '"id":2')}]`)
        ];
        for (let round = 0; round < 10; round++) {
          for (const result of await Promise.all(refusals)) {
            assert.ok(result.status >= 400, String(result.status));
          }
        }
        assert.equal(relay.events.storeCount, before);
        assert.equal(relay.hub.sessions.size, 0);
        assert.equal(page.sessionOpens.length, 0);
      } finally {
        await page.close();
      }
    });
  });

  it('a request nested 200,000 levels deep gets a clear JSON-RPC error at once, and nothing reaches the page', async () => {
    await withRelay({}, async relay => {
      const page = await FakePage.connect(relay.port, TOKEN);
      try {
        const opened = await initializeRaw(relay.port, TOKEN);
        const session = opened.headers.get('mcp-session-id') ?? '';
        await opened.text();
        const call = (args: string) =>
          JSON.stringify({
            jsonrpc: '2.0',
            id: 7,
            method: 'tools/call',
            params: { name: 'echo', arguments: {} }
          }).replace('"arguments":{}', `"arguments":${args}`);
        const deep = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`;
        const start = Date.now();
        const refused = await post(relay.port, call(deep), {
          'Mcp-Session-Id': session
        });
        assert.ok(Date.now() - start < 2000, `${Date.now() - start} ms`);
        assert.equal(refused.status, 400);
        const body = JSON.parse(refused.text) as {
          error: { code: number; message: string };
        };
        assert.equal(body.error.code, -32600);
        assert.match(
          body.error.message,
          /nested deeper than 100 levels \(the relay's limit\); nothing was forwarded/
        );
        assert.deepEqual(page.calls, []);
        // Arrays count as much as objects; brackets in strings do not.
        const brackets = JSON.stringify({ text: '{['.repeat(5000) });
        const fine = await post(
          relay.port,
          call(`{"a":${'['.repeat(90)}${brackets}${']'.repeat(90)}}`),
          { 'Mcp-Session-Id': session }
        );
        assert.equal(fine.status, 200);
        assert.match(fine.text, /echo/);
        assert.deepEqual(page.calls, ['echo']);
      } finally {
        await page.close();
      }
    });
  });

  it('refuses a session state over its limit, alone or in a batch, and measures only the states of long frames', () => {
    const big = {
      type: 'session-state',
      sessionId: 's',
      state: { runs: 'x'.repeat(MAX_SESSION_STATE_BYTES) }
    };
    const frame = JSON.stringify(big);
    assert.throws(
      () => validatePageMessage(JSON.parse(frame), frame.length),
      /session-state over 65536 bytes/
    );
    assert.throws(() => validatePageMessage(big), /session-state over/);
    const batch = { type: 'batch', messages: [big] };
    assert.throws(
      () => validatePageMessage(batch, JSON.stringify(batch).length),
      /session-state over/
    );
    const small = { type: 'session-state', sessionId: 's', state: { a: 1 } };
    assert.deepEqual(validatePageMessage(small, 60), small);
  });

  it('jsonDeeperThan counts nesting outside strings only, escapes included', () => {
    assert.equal(jsonDeeperThan('[[[]]]', 3), false);
    assert.equal(jsonDeeperThan('[[[[]]]]', 3), true);
    assert.equal(jsonDeeperThan('{"a":{"b":{"c":{}}}}', 3), true);
    assert.equal(jsonDeeperThan(JSON.stringify({ s: '[[[[[[' }), 3), false);
    assert.equal(jsonDeeperThan(JSON.stringify({ s: '\\"[[[[[[' }), 3), false);
    assert.equal(jsonDeeperThan(JSON.stringify(['"', [[[]]]]), 3), true);
  });

  it('bounds what waits for a page: the oldest notifications go and the client is told; a request past the bound is refused at once', async () => {
    await withRelay(
      { queueLimits: { messages: 10, bytes: 1024 * 1024 }, pageWaitMs: 30_000 },
      async relay => {
        let page = await FakePage.connect(relay.port, TOKEN);
        const { client, transport } = sdkClient(relay.port);
        const warnings: string[] = [];
        client.setNotificationHandler(LoggingMessageNotificationSchema, n => {
          warnings.push(String(n.params.data));
        });
        try {
          await client.connect(transport);
          const session = relay.hub.sessions.values().next().value;
          assert.ok(session);
          await page.close();
          await until(() => relay.hub.pages.size === 0, 'the page left');
          for (let i = 0; i < 40; i++) {
            await client.notification({
              method: 'notifications/roots/list_changed'
            });
          }
          assert.ok(session.queue.length <= 10, String(session.queue.length));
          await until(
            () =>
              warnings.some(w =>
                /notification\(s\) of this session were dropped/.test(w)
              ),
            'the client was told'
          );
          // Requests fill what is left; the one past the bound fails at once.
          const waiting = Array.from({ length: 10 }, () =>
            client.ping().then(
              () => 'answered',
              (error: Error) => error.message
            )
          );
          await until(
            () =>
              session.queue.filter(item => item.message.method === 'ping')
                .length === 10,
            'ten pings queued'
          );
          const start = Date.now();
          await assert.rejects(
            client.ping(),
            /this session already has 10 messages .* waiting for one .*this request was not queued/
          );
          assert.ok(Date.now() - start < 2000);
          // The page comes back: what waited is delivered.
          page = await FakePage.connect(relay.port, TOKEN);
          assert.deepEqual(
            await Promise.all(waiting),
            Array(10).fill('answered')
          );
        } finally {
          await client.close();
          await page.close();
        }
      }
    );
  });
});
