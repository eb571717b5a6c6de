import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { PageConnection } from '../src/page';
import { MAX_BATCH_MESSAGES, type RelayToPage } from '../src/protocol';

/**
 * A socket that records what is sent on it.
 */
function socket(): { ws: WebSocket; frames: RelayToPage[] } {
  const frames: RelayToPage[] = [];
  const ws = {
    OPEN: 1,
    readyState: 1,
    send(data: string) {
      frames.push(JSON.parse(data) as RelayToPage);
    }
  } as unknown as WebSocket;
  return { ws, frames };
}

const message = (n: number): RelayToPage => ({
  type: 'session-message',
  sessionId: `s${n % 2}`,
  message: { jsonrpc: '2.0', id: n, method: 'ping' }
});

const turn = () => new Promise(resolve => setImmediate(resolve));

describe('PageConnection', () => {
  it('sends the session messages of one turn in one batch at its end (one alone as itself)', async () => {
    const { ws, frames } = socket();
    const page = new PageConnection('p', 1, ws);
    assert.equal(page.send(message(1)), true);
    page.send(message(2));
    page.send(message(3));
    assert.deepEqual(frames, []);
    await turn();
    assert.deepEqual(frames, [
      { type: 'batch', messages: [message(1), message(2), message(3)] }
    ]);
    page.send(message(4));
    await turn();
    assert.deepEqual(frames.slice(1), [message(4)]);
  });

  it('lets no other message overtake those held, and splits long turns', async () => {
    const { ws, frames } = socket();
    const page = new PageConnection('p', 1, ws);
    page.send(message(0));
    page.send(message(1));
    const close: RelayToPage = { type: 'session-close', sessionId: 's1' };
    page.send(close);
    assert.deepEqual(frames, [
      { type: 'batch', messages: [message(0), message(1)] },
      close
    ]);
    await turn();
    assert.equal(frames.length, 2);
    const many = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) =>
      message(10 + i)
    );
    for (const m of many) {
      page.send(m);
    }
    await turn();
    assert.deepEqual(frames.slice(2), [
      { type: 'batch', messages: many.slice(0, MAX_BATCH_MESSAGES) },
      many[MAX_BATCH_MESSAGES]
    ]);
  });

  it('sends nothing on a socket that is not open', async () => {
    const { ws, frames } = socket();
    const page = new PageConnection('p', 1, ws);
    page.send(message(1));
    (ws as unknown as { readyState: number }).readyState = 3;
    assert.equal(page.send(message(2)), false);
    await turn();
    assert.deepEqual(frames, []);
  });
});
