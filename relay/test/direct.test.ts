import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { FakePage, initializeRaw } from './fake-page';
import { until } from './helpers';
import { silentLogger } from '../src/log';
import { PAGE_DISCONNECTED_MESSAGE } from '../src/session';
import { SSE_RETRY_MS } from '../src/events';
import { MCP_PATH } from '../src/protocol';
import { Relay } from '../src/relay';

const TOKEN = 'direct-token-0123456789abcdefghijklmnopq';

/**
 * The relay's own POST streams (`DirectStreams`) for single requests on a
 * live session; everything else keeps the SDK transport.
 */
describe("the relay's own answer streams", () => {
  let relay: Relay;
  let page: FakePage;
  let sessionId: string;

  const post = (
    body: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal
  ): Promise<Response> =>
    fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
      signal,
      method: 'POST',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': sessionId,
        'Mcp-Protocol-Version': '2025-11-25',
        ...headers
      },
      body: JSON.stringify(body)
    });

  beforeEach(async () => {
    relay = new Relay({ port: 0, token: TOKEN, logger: silentLogger() });
    await relay.start();
    page = await FakePage.connect(relay.port, TOKEN);
    const init = await initializeRaw(relay.port, TOKEN);
    await init.text();
    sessionId = init.headers.get('mcp-session-id') ?? '';
    assert.ok(sessionId);
  });

  afterEach(async () => {
    await page.close();
    await relay.close();
  });

  /**
   * The events of an SSE body: [id, data] pairs.
   */
  const events = (text: string): { id?: string; data: string }[] =>
    text
      .split('\n\n')
      .filter(block => block.trim())
      .map(block => {
        const lines = block.split('\n');
        const id = lines.find(l => l.startsWith('id: '))?.slice(4);
        const data = lines.find(l => l.startsWith('data: '))?.slice(6) ?? '';
        return { id, data };
      });

  it('streams the answer itself: a priming event, then the response with an event id, in one write', async () => {
    const res = await post({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: {
        name: 'echo',
        arguments: { a: 1 },
        _meta: { progressToken: 't' }
      }
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('mcp-session-id'), sessionId);
    const text = await res.text();
    assert.match(
      text,
      new RegExp(`^id: \\S+\nretry: ${SSE_RETRY_MS}\ndata: \n\n`)
    );
    const [priming, progress, result] = events(text);
    assert.equal(priming.data, '');
    assert.match(progress.data, /notifications\/progress/);
    assert.ok(result.id);
    assert.deepEqual(JSON.parse(result.data), {
      jsonrpc: '2.0',
      id: 7,
      result: { content: [{ type: 'text', text: 'echo {"a":1}' }] }
    });
  });

  it('keeps the SDK transport for bad headers, bad versions and bad messages', async () => {
    const badAccept = await post(
      { jsonrpc: '2.0', id: 9, method: 'ping' },
      { Accept: 'application/json' }
    );
    assert.equal(badAccept.status, 406);
    const badVersion = await post(
      { jsonrpc: '2.0', id: 10, method: 'ping' },
      { 'Mcp-Protocol-Version': '1999-01-01' }
    );
    assert.equal(badVersion.status, 400);
    const notRpc = await post({ jsonrpc: '2.0', id: 11 });
    assert.equal(notRpc.status, 400);
  });

  it('sends the headers and priming of a slow answer first, then its error when the page goes away', async () => {
    const started = Date.now();
    const res = await post({
      jsonrpc: '2.0',
      id: 12,
      method: 'tools/call',
      params: { name: 'slow', arguments: {} }
    });
    // fetch resolves with the headers, while the call still runs.
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 900, 'headers after about a second');
    assert.equal(page.calls.includes('slow'), true);
    await page.close();
    const [priming, answer] = events(await res.text());
    assert.equal(priming.data, '');
    const body = JSON.parse(answer.data) as {
      id: number;
      error: { message: string };
    };
    assert.equal(body.id, 12);
    assert.ok(body.error.message.includes(PAGE_DISCONNECTED_MESSAGE));
  });

  it('gives a client that reconnects with Last-Event-ID what it missed', async () => {
    const controller = new AbortController();
    const res = await post(
      {
        jsonrpc: '2.0',
        id: 14,
        method: 'tools/call',
        params: { name: 'slow', arguments: { note: 'waiting' } }
      },
      {},
      controller.signal
    );
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const primingId = events(first)[0].id ?? '';
    assert.ok(primingId);
    // The client's stream drops before the answer.
    controller.abort();
    const session = relay.hub.sessions.get(sessionId);
    await page.close();
    // The relay answered the call (the page went away) while the client was
    // gone; it reconnects.
    await until(() => !session?.answerStreams, 'the call was answered');
    const resumed = await fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
      method: 'GET',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        Accept: 'text/event-stream',
        'Mcp-Session-Id': sessionId,
        'Last-Event-ID': primingId
      }
    });
    assert.equal(resumed.status, 200);
    const [missed] = events(await resumed.text());
    const body = JSON.parse(missed.data) as { id: number; error: unknown };
    assert.equal(body.id, 14);
    assert.ok(body.error);
  });

  it('answers a call in flight when its session ends', async () => {
    const pending = post({
      jsonrpc: '2.0',
      id: 13,
      method: 'tools/call',
      params: { name: 'slow', arguments: {} }
    });
    const session = relay.hub.sessions.get(sessionId);
    await until(() => session?.answerStreams === 1, 'the call is in flight');
    await fetch(`http://127.0.0.1:${relay.port}${MCP_PATH}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Mcp-Session-Id': sessionId }
    });
    const answer = events(await (await pending).text()).pop();
    const body = JSON.parse(answer?.data ?? '{}') as {
      error: { message: string };
    };
    assert.match(body.error.message, /session ended/);
    assert.equal(session?.answerStreams, 0);
  });

  it('serves the SDK client as usual', async () => {
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://127.0.0.1:${relay.port}${MCP_PATH}`),
      { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }
    );
    const client = new Client({ name: 'sdk', version: '0' });
    await client.connect(transport);
    assert.equal((await client.listTools()).tools.length, 2);
    await client.ping();
    const result = await client.callTool({ name: 'echo', arguments: {} });
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo {}' }]);
    await transport.terminateSession();
    await client.close();
  });
});
