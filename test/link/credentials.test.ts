import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CredentialStore } from '../../src/link/credentials';
import { MemoryStorage } from '../helpers';

describe('credential store', () => {
  it('keeps a server at / under the unscoped keys', () => {
    const storage = new MemoryStorage();
    const store = new CredentialStore(storage, '/');
    store.setToken('t1');
    store.confirm('wss://relay.example/page');
    assert.deepEqual(storage.keys().sort(), [
      'jupyterlab-mcp-bridge:confirmed-relay-url',
      'jupyterlab-mcp-bridge:relay-token'
    ]);
    assert.equal(new CredentialStore(storage).token, 't1');
  });

  it("scopes the keys by base path: one hub user's token is not another's", () => {
    const storage = new MemoryStorage();
    const alice = new CredentialStore(storage, '/user/alice/');
    const bob = new CredentialStore(storage, '/user/bob/');
    alice.setToken('alice-token');
    alice.confirm('ws://127.0.0.1:4545/page');
    assert.equal(bob.token, '');
    assert.equal(bob.isConfirmed('ws://127.0.0.1:4545/page'), false);
    assert.equal(new CredentialStore(storage, '/').token, '');
    bob.setToken('bob-token');
    // Another tab of alice's server reads hers.
    assert.equal(
      new CredentialStore(storage, '/user/alice/').token,
      'alice-token'
    );
    assert.equal(new CredentialStore(storage, '/user/bob/').token, 'bob-token');
  });

  it('keeps the relay of a pairing link with the setting it was paired over, per base path', () => {
    const storage = new MemoryStorage();
    const alice = new CredentialStore(storage, '/user/alice/');
    assert.equal(alice.pairedRelay, null);
    alice.setPairedRelay({
      url: 'ws://127.0.0.1:4545/page',
      over: 'ws://127.0.0.1:4040/page'
    });
    assert.deepEqual(new CredentialStore(storage, '/user/alice/').pairedRelay, {
      url: 'ws://127.0.0.1:4545/page',
      over: 'ws://127.0.0.1:4040/page'
    });
    assert.equal(new CredentialStore(storage, '/user/bob/').pairedRelay, null);
    alice.setPairedRelay(null);
    assert.equal(alice.pairedRelay, null);
  });

  it('reads a damaged pairing entry as none', () => {
    const storage = new MemoryStorage();
    for (const stored of ['{', '"ws://x"', '{"url": 1, "over": ""}', 'null']) {
      storage.setItem('jupyterlab-mcp-bridge:paired-relay', stored);
      assert.equal(new CredentialStore(storage).pairedRelay, null, stored);
    }
  });
});
