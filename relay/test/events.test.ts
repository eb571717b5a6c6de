import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  EventStorePool,
  type SessionEventStore,
  SSE_RETRY_MS
} from '../src/events';
import { silentLogger } from '../src/log';
import { MCP_PATH } from '../src/protocol';
import { Relay } from '../src/relay';
import { FakePage, initializeRaw } from './fake-page';

const TOKEN = 'test-token-events-0123456789abcdefghij';

function note(n: number, pad = 0): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    method: 'notifications/message',
    params: { level: 'info', data: `${n}${'x'.repeat(pad)}` }
  };
}

function response(id: number): JSONRPCMessage {
  return { jsonrpc: '2.0', id, result: {} };
}

async function replay(
  store: SessionEventStore,
  lastEventId: string
): Promise<{ stream: string; messages: JSONRPCMessage[] }> {
  const messages: JSONRPCMessage[] = [];
  const stream = await store.replayEventsAfter(lastEventId, {
    send: async (_id, message) => {
      messages.push(message);
    }
  });
  return { stream, messages };
}

describe('EventStorePool', () => {
  it('replays the events of one stream after the last one seen, without priming events', async () => {
    const store = new EventStorePool().create();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    await store.storeEvent('a', note(3));
    await store.storeEvent('a', response(7));
    assert.equal(await store.getStreamIdForEventId(first), 'a');
    assert.deepEqual(await replay(store, first), {
      stream: 'a',
      messages: [note(3), response(7)]
    });
    assert.deepEqual((await replay(store, priming)).messages, [
      note(1),
      note(3),
      response(7)
    ]);
    assert.equal(await store.getStreamIdForEventId('nope'), undefined);
    await assert.rejects(replay(store, 'nope'));
  });

  it('keeps at most maxEventsPerSession events, dropping the oldest', async () => {
    const store = new EventStorePool({ maxEventsPerSession: 3 }).create();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await store.storeEvent('s', note(i)));
    }
    assert.equal(store.size, 3);
    // A dropped event cannot be resumed from: the SDK answers 400, no gap.
    assert.equal(await store.getStreamIdForEventId(ids[1]), undefined);
    assert.equal(await store.getStreamIdForEventId(ids[2]), 's');
    assert.deepEqual((await replay(store, ids[2])).messages, [
      note(3),
      note(4)
    ]);
  });

  it('keeps at most maxBytesPerSession bytes', async () => {
    const pool = new EventStorePool({ maxBytesPerSession: 10_000 });
    const store = pool.create();
    for (let i = 0; i < 50; i++) {
      await store.storeEvent('s', note(i, 1000));
    }
    assert.ok(store.bytes <= 10_000, `${store.bytes}`);
    assert.ok(store.size >= 8 && store.size <= 10, `${store.size}`);
    assert.equal(pool.totalBytes, store.bytes);
  });

  it('keeps at most maxTotalBytes over all sessions, dropping the oldest events first', async () => {
    const pool = new EventStorePool({ maxTotalBytes: 20_000 });
    const a = pool.create();
    const b = pool.create();
    const aFirst = await a.storeEvent('s', note(0, 1000));
    for (let i = 1; i < 10; i++) {
      await a.storeEvent('s', note(i, 1000));
    }
    const bIds: string[] = [];
    for (let i = 0; i < 15; i++) {
      bIds.push(await b.storeEvent('s', note(i, 1000)));
    }
    assert.ok(pool.totalBytes <= 20_000, `${pool.totalBytes}`);
    assert.equal(pool.totalBytes, a.bytes + b.bytes);
    // a's events are older: they went first, b's newest are all kept.
    assert.equal(await a.getStreamIdForEventId(aFirst), undefined);
    assert.ok(a.size < 10);
    assert.equal(b.size, 15);
    assert.equal(await b.getStreamIdForEventId(bIds[0]), 's');
  });

  it('drops the events of a finished stream after the TTL, on the next event or a sweep', async () => {
    let now = 1000;
    const pool = new EventStorePool({ finishedStreamTtlMs: 500 }, () => now);
    const store = pool.create();
    const idle = pool.create();
    const done = await store.storeEvent('done', note(1));
    await store.storeEvent('done', response(1));
    const open = await store.storeEvent('open', note(2));
    await idle.storeEvent('x', response(2));
    now += 400;
    await store.storeEvent('open', note(3));
    assert.equal(await store.getStreamIdForEventId(done), 'done');
    now += 200;
    await store.storeEvent('open', note(4));
    assert.equal(await store.getStreamIdForEventId(done), undefined);
    assert.equal(await store.getStreamIdForEventId(open), 'open');
    assert.equal(store.size, 3);
    assert.equal(idle.size, 1);
    pool.sweep();
    assert.equal(idle.size, 0);
  });

  it('frees a session store when it is disposed', async () => {
    const pool = new EventStorePool();
    const store = pool.create();
    await store.storeEvent('s', note(1, 5000));
    assert.equal(pool.storeCount, 1);
    assert.ok(pool.totalBytes > 5000);
    store.dispose();
    assert.equal(pool.storeCount, 0);
    assert.equal(pool.totalBytes, 0);
    await store.storeEvent('s', note(2));
    assert.equal(store.size, 0);
  });
});

describe('Relay resumable streams', () => {
  let relay: Relay;
  let page: FakePage;

  before(async () => {
    relay = new Relay({ port: 0, token: TOKEN, logger: silentLogger() });
    await relay.start();
    page = await FakePage.connect(relay.port, TOKEN);
  });

  after(async () => {
    await page.close();
    await relay.close();
  });

  it('primes POST streams with an event id and a retry hint', async () => {
    const init = await initializeRaw(relay.port, TOKEN);
    const text = await init.text();
    assert.match(text, new RegExp(`^id: \\S+\\nretry: ${SSE_RETRY_MS}\\n`));
    assert.match(text, /\nevent: message\nid: \S+\ndata: \{.*"serverInfo"/);
    const sessionId = init.headers.get('mcp-session-id') ?? '';
    // A request whose header names an older supported version is served at
    // the negotiated one: its stream is primed too. (It asks for progress:
    // a request without a progress token gets a JSON answer.)
    const call = await fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': sessionId,
        'Mcp-Protocol-Version': '2025-03-26'
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { _meta: { progressToken: 'p1' } }
      })
    });
    assert.equal(call.headers.get('content-type'), 'text/event-stream');
    assert.match(
      await call.text(),
      new RegExp(`^id: \\S+\nretry: ${SSE_RETRY_MS}\ndata: \n\n`)
    );
    await fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Mcp-Session-Id': sessionId }
    });
  });

  it('gives a client whose POST stream dropped the result it missed, then frees the session store', async () => {
    let cut = 0;
    let resumed = 0;
    // Cut the SSE body of a tools/call right after its progress event.
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const headers = new Headers(init?.headers);
      if (headers.get('last-event-id')) {
        resumed++;
      }
      const body = typeof init?.body === 'string' ? init.body : '';
      if (!body.includes('"tools/call"') || !res.body) {
        return res;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let seen = '';
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          seen += decoder.decode(value, { stream: true });
          const at = seen.indexOf('notifications/progress');
          if (at < 0) {
            controller.enqueue(value);
            return;
          }
          // Pass the progress event whole, then fail the stream.
          const end = seen.indexOf('\n\n', at);
          controller.enqueue(new TextEncoder().encode(seen.slice(0, end + 2)));
          cut++;
          await reader.cancel();
          controller.error(new Error('cut by the test'));
        }
      });
      return new Response(stream, { status: res.status, headers: res.headers });
    };
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://127.0.0.1:${relay.port}${MCP_PATH}`),
      {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
        fetch: cutting
      }
    );
    const client = new Client({ name: 'resume', version: '0' });
    await client.connect(transport);
    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'echo', arguments: { n: 1 } },
      undefined,
      { onprogress: p => progress.push(p.message ?? '') }
    );
    assert.equal(cut, 1);
    assert.equal(resumed, 1);
    assert.deepEqual(progress, ['half way']);
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo {"n":1}' }]);
    assert.equal(relay.events.storeCount, 1);
    await transport.terminateSession();
    await client.close();
    assert.equal(relay.events.storeCount, 0);
    assert.equal(relay.events.totalBytes, 0);
  });
});
