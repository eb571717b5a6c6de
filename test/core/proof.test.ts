import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  checkProof,
  hostOf,
  isNonce,
  makeProof,
  newNonce,
  proofKey
} from '../../src/core/proof';
import * as relay from '../../relay/src/proof';

const subtle = globalThis.crypto.subtle;
const TOKEN = 'proof-test-token-0123456789abcdefghijkl';
const HOST = '127.0.0.1:4545';

describe('the page proofs (WebCrypto)', () => {
  it('are the proofs the relay makes and checks (node:crypto)', async () => {
    const key = await proofKey(subtle, TOKEN);
    const nodeKey = relay.proofKey(TOKEN);
    const pageNonce = newNonce();
    const relayNonce = relay.newNonce();
    for (const label of [
      'relay-to-page',
      'page-to-relay',
      'rotate-token'
    ] as const) {
      const fromPage = await makeProof(
        subtle,
        key,
        label,
        HOST,
        pageNonce,
        relayNonce
      );
      const fromRelay = relay.proof(
        nodeKey,
        label,
        HOST,
        pageNonce,
        relayNonce
      );
      assert.equal(fromPage, fromRelay, label);
      assert.equal(
        await checkProof(
          subtle,
          key,
          label,
          HOST,
          pageNonce,
          relayNonce,
          fromRelay
        ),
        true,
        label
      );
    }
  });

  it('refuse a proof of another token, label, host, nonce, or a malformed one', async () => {
    const key = await proofKey(subtle, TOKEN);
    const pageNonce = newNonce();
    const relayNonce = newNonce();
    const good = relay.proof(
      relay.proofKey(TOKEN),
      'relay-to-page',
      HOST,
      pageNonce,
      relayNonce
    );
    const check = (
      presented: unknown,
      label: 'relay-to-page' | 'page-to-relay' = 'relay-to-page',
      host = HOST,
      first = pageNonce
    ) => checkProof(subtle, key, label, host, first, relayNonce, presented);
    assert.equal(await check(good), true);
    assert.equal(
      await check(
        relay.proof(
          relay.proofKey(`${TOKEN}x`),
          'relay-to-page',
          HOST,
          pageNonce,
          relayNonce
        )
      ),
      false
    );
    // The relay's proof is not a page's, nor good on another port or connection.
    assert.equal(await check(good, 'page-to-relay'), false);
    assert.equal(await check(good, 'relay-to-page', '127.0.0.1:4546'), false);
    assert.equal(await check(good, 'relay-to-page', HOST, newNonce()), false);
    for (const bad of [undefined, '', 'x', good.slice(1), `${good}=`, 42]) {
      assert.equal(await check(bad), false, String(bad));
    }
  });

  it('use fresh nonces and the Host the socket is made to', () => {
    const a = newNonce();
    assert.equal(isNonce(a), true);
    assert.notEqual(a, newNonce());
    assert.equal(isNonce('short'), false);
    assert.equal(hostOf('ws://127.0.0.1:4545/page'), '127.0.0.1:4545');
    assert.equal(hostOf('ws://LocalHost:4545/page'), 'localhost:4545');
    assert.equal(
      hostOf('wss://relay.example.org:443/page'),
      'relay.example.org'
    );
    assert.equal(hostOf('ws://[::1]:4545/page'), '[::1]:4545');
  });
});
