import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mac,
  macValid,
  newNonce,
  parseStdioAuthorization,
  proof,
  proofKey,
  StdioGrants,
  stdioKey
} from '../src/proof';
import {
  proofText,
  STDIO_AUTH_SCHEME,
  stdioRequestText,
  stdioResponseText
} from '../src/protocol';

const TOKEN = 'proof-test-token-0123456789abcdefghijkl';
const HOST = '127.0.0.1:4545';

/**
 * What the --stdio proxy does after the relay proved itself.
 */
function signer(grant: { nonce: string }, clientNonce: string) {
  const key = stdioKey(proofKey(TOKEN), HOST, clientNonce, grant.nonce);
  return (counter: number, method = 'POST', path = '/mcp') => ({
    header: `${STDIO_AUTH_SCHEME} ${grant.nonce}.${counter}.${mac(key, stdioRequestText(counter, method, path))}`,
    answer: (presented: string | undefined) =>
      macValid(key, stdioResponseText(counter), presented)
  });
}

describe('proofs', () => {
  it('are bound to their label, host, nonces and token', () => {
    const key = proofKey(TOKEN);
    const a = newNonce();
    const b = newNonce();
    const good = proof(key, 'relay-to-page', HOST, a, b);
    assert.equal(
      macValid(key, proofText('relay-to-page', HOST, a, b), good),
      true
    );
    assert.equal(
      macValid(key, proofText('page-to-relay', HOST, a, b), good),
      false
    );
    assert.equal(
      macValid(key, proofText('relay-to-page', '127.0.0.1:4546', a, b), good),
      false
    );
    assert.equal(
      macValid(key, proofText('relay-to-page', HOST, b, a), good),
      false
    );
    assert.equal(
      macValid(
        proofKey(`${TOKEN}x`),
        proofText('relay-to-page', HOST, a, b),
        good
      ),
      false
    );
    for (const bad of [undefined, '', good.slice(2), 7, `${good}x`]) {
      assert.equal(
        macValid(key, proofText('relay-to-page', HOST, a, b), bad),
        false
      );
    }
  });
});

describe('StdioGrants', () => {
  it('proves the relay, then takes each signed request once, and signs its answer', () => {
    const grants = new StdioGrants();
    const clientNonce = newNonce();
    const grant = grants.open(proofKey(TOKEN), HOST, clientNonce);
    assert.ok(grant);
    assert.equal(
      macValid(
        proofKey(TOKEN),
        proofText('relay-to-stdio', HOST, clientNonce, grant.nonce),
        grant.proof
      ),
      true
    );
    const sign = signer(grant, clientNonce);
    const first = sign(1);
    const answer = grants.check(first.header, 'POST', '/mcp');
    assert.equal(first.answer(answer), true);
    // The same request again (a replay) is refused; so is another method or path.
    assert.equal(grants.check(first.header, 'POST', '/mcp'), undefined);
    assert.equal(grants.check(sign(2).header, 'GET', '/mcp'), undefined);
    assert.equal(grants.check(sign(3).header, 'POST', '/auth'), undefined);
    // Out of order within the window is fine; far behind is not.
    assert.ok(grants.check(sign(5000).header, 'POST', '/mcp'));
    assert.ok(grants.check(sign(4999).header, 'POST', '/mcp'));
    assert.equal(grants.check(sign(10).header, 'POST', '/mcp'), undefined);
    // An answer's proof is for its own request only.
    const later = sign(5001);
    assert.equal(
      sign(5002).answer(grants.check(later.header, 'POST', '/mcp')),
      false
    );
  });

  it('refuses what a handshake of another token, or none, signs; forgets every handshake on clear', () => {
    const grants = new StdioGrants();
    const clientNonce = newNonce();
    const grant = grants.open(proofKey(TOKEN), HOST, clientNonce);
    assert.ok(grant);
    const otherKey = stdioKey(
      proofKey(`${TOKEN}x`),
      HOST,
      clientNonce,
      grant.nonce
    );
    const forged = `${STDIO_AUTH_SCHEME} ${grant.nonce}.1.${mac(otherKey, stdioRequestText(1, 'POST', '/mcp'))}`;
    assert.equal(grants.check(forged, 'POST', '/mcp'), undefined);
    const unknown = signer({ nonce: newNonce() }, clientNonce)(1);
    assert.equal(grants.check(unknown.header, 'POST', '/mcp'), undefined);
    assert.equal(grants.check(`Bearer ${TOKEN}`, 'POST', '/mcp'), undefined);
    assert.equal(grants.open(proofKey(TOKEN), HOST, 'short'), undefined);
    grants.clear();
    assert.equal(
      grants.check(signer(grant, clientNonce)(1).header, 'POST', '/mcp'),
      undefined
    );
  });

  it('keeps a bounded number of handshakes, and drops unused ones after a while', () => {
    const grants = new StdioGrants();
    const key = proofKey(TOKEN);
    const start = 1_000_000;
    for (let i = 0; i < StdioGrants.MAX + 50; i++) {
      grants.open(key, HOST, newNonce(), start);
    }
    assert.equal(grants.size, StdioGrants.MAX);
    grants.open(key, HOST, newNonce(), start + StdioGrants.UNUSED_TTL_MS + 1);
    assert.equal(grants.size, 1);
  });

  it('reads only well-formed McpBridge headers', () => {
    const n = newNonce();
    assert.deepEqual(parseStdioAuthorization(`McpBridge ${n}.12.${n}`), {
      id: n,
      counter: 12,
      mac: n
    });
    for (const bad of [
      undefined,
      '',
      `Bearer ${n}`,
      `McpBridge ${n}.x.${n}`,
      `McpBridge ${n}.1`
    ]) {
      assert.equal(parseStdioAuthorization(bad), undefined, String(bad));
    }
  });
});
