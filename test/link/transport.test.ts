import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ISessionMessage } from '../../src/_protocol';
import { SessionTransport } from '../../src/link/transport';

describe('SessionTransport', () => {
  it('counts the requests not answered yet: answers, errors, cancellations and swallowed replays end them', async () => {
    const sent: ISessionMessage[] = [];
    const transport = new SessionTransport('s', envelope =>
      sent.push(envelope)
    );
    transport.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call' });
    transport.receive({ jsonrpc: '2.0', id: 'b', method: 'ping' });
    transport.receive({ jsonrpc: '2.0', id: 3, method: 'tools/call' });
    transport.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(transport.pending, 3);
    // A notification of the page's about a request does not end it.
    await transport.send(
      { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
      { relatedRequestId: 1 }
    );
    assert.equal(transport.pending, 3);
    await transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    await transport.send({
      jsonrpc: '2.0',
      id: 'b',
      error: { code: -1, message: 'no' }
    });
    assert.equal(transport.pending, 1);
    transport.receive({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 3 }
    });
    assert.equal(transport.pending, 0);
    transport.replay({ jsonrpc: '2.0', id: 0, method: 'initialize' });
    assert.equal(transport.pending, 1);
    await transport.send({ jsonrpc: '2.0', id: 0, result: {} });
    assert.equal(transport.pending, 0);
    assert.equal(sent.length, 3, 'the replayed answer is swallowed');
  });
});
