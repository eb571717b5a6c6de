import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  isLoopbackRelayUrl,
  pairingRisk,
  readPairing,
  sameRelayUrl
} from '../../src/core/pairing';

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
    for (const url of [
      'javascript:x',
      'http://127.0.0.1:4545/page',
      'ws://user:pw@127.0.0.1:4545/page',
      'not a url'
    ]) {
      const result = readPairing(
        `#mcp-bridge-url=${encodeURIComponent(url)}&mcp-bridge-token=abc`
      );
      assert.equal(result.pairing, null, url);
      assert.equal(result.rest, '', url);
    }
  });
  it('keeps a token-only link (the configured relay is meant)', () => {
    assert.deepEqual(readPairing('#mcp-bridge-token=abc').pairing, {
      url: '',
      token: 'abc'
    });
  });
});

describe('isLoopbackRelayUrl', () => {
  it('accepts relays on this computer only', () => {
    for (const url of [
      'ws://127.0.0.1:4545/page',
      'wss://127.0.0.1/page',
      'ws://localhost:4545/page',
      'ws://LOCALHOST:4545/page',
      'ws://[::1]:4545/page'
    ]) {
      assert.equal(isLoopbackRelayUrl(url), true, url);
    }
  });
  it('refuses other hosts, look-alikes and non-WebSocket URLs', () => {
    for (const url of [
      'ws://relay.example.org/page',
      'ws://127.0.0.1.evil.example/page',
      'ws://localhost.evil.example:4545/page',
      'ws://192.168.1.5:4545/page',
      'ws://0.0.0.0:4545/page',
      'ws://[::ffff:7f00:1]:4545/page',
      'ws://127.0.0.1@evil.example/page',
      'http://127.0.0.1:4545/page',
      '',
      'garbage'
    ]) {
      assert.equal(isLoopbackRelayUrl(url), false, url);
    }
  });
});

describe('sameRelayUrl', () => {
  it('takes any name of this computer for another, and nothing else', () => {
    assert.equal(
      sameRelayUrl('ws://127.0.0.1:4545/page', 'ws://localhost:4545/page'),
      true
    );
    assert.equal(
      sameRelayUrl('ws://[::1]:4545/page', 'ws://127.0.0.1:4545/page'),
      true
    );
    assert.equal(
      sameRelayUrl('ws://h.example/page', 'ws://h.example:80/page'),
      true
    );
    assert.equal(
      sameRelayUrl('ws://127.0.0.1:4546/page', 'ws://127.0.0.1:4545/page'),
      false
    );
    assert.equal(
      sameRelayUrl('wss://127.0.0.1:4545/page', 'ws://127.0.0.1:4545/page'),
      false
    );
    assert.equal(
      sameRelayUrl('ws://127.0.0.1:4545/other', 'ws://127.0.0.1:4545/page'),
      false
    );
    assert.equal(
      sameRelayUrl('ws://a.example:4545/page', 'ws://b.example:4545/page'),
      false
    );
    assert.equal(sameRelayUrl('garbage', 'garbage'), false);
  });
});

describe('pairingRisk', () => {
  const configured = 'ws://127.0.0.1:4545/page';
  it('pairs silently with the relay of the settings, with the token held or a first one', () => {
    assert.equal(pairingRisk('', 'tok', configured, ''), null);
    assert.equal(pairingRisk(configured, 'tok', configured, ''), null);
    assert.equal(pairingRisk(configured, 'tok', configured, 'tok'), null);
    assert.equal(
      pairingRisk('ws://localhost:4545/page', 'tok', configured, 'tok'),
      null
    );
  });
  it('asks for a relay elsewhere, another port of this computer, or a token that replaces the one held', () => {
    assert.equal(
      pairingRisk('ws://relay.example.org/page', 'tok', configured, ''),
      'remote'
    );
    assert.equal(
      pairingRisk('', 'tok', 'ws://relay.example.org/page', 'tok'),
      'remote'
    );
    assert.equal(
      pairingRisk('ws://127.0.0.1:4546/page', 'tok', configured, ''),
      'port'
    );
    assert.equal(
      pairingRisk('ws://127.0.0.1:4546/page', 'tok', configured, 'tok'),
      'port'
    );
    assert.equal(pairingRisk(configured, 'new', configured, 'old'), 'token');
    assert.equal(pairingRisk('', 'new', configured, 'old'), 'token');
  });
});
