import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readPairing } from './pairing';

describe('readPairing', () => {
  it('reads url and token and removes them', () => {
    const result = readPairing(
      '#mcp-bridge-url=ws%3A%2F%2F127.0.0.1%3A4545%2Fpage&mcp-bridge-token=abc&x=1'
    );
    assert.deepEqual(result.pairing, {
      url: 'ws://127.0.0.1:4545/page',
      token: 'abc'
    });
    assert.equal(result.rest, '#x=1');
  });
  it('ignores fragments without a token and refuses non-WebSocket URLs', () => {
    assert.deepEqual(readPairing('#foo'), { pairing: null, rest: '#foo' });
    assert.equal(
      readPairing('#mcp-bridge-url=javascript:x&mcp-bridge-token=abc').pairing,
      null
    );
  });
});
