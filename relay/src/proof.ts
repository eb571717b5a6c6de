/**
 * The proofs of knowing the token, in Node (the page computes the same ones
 * with WebCrypto): key derivation, HMACs compared in constant time, nonces,
 * and the relay's record of the `--stdio` proxies that it proved itself to.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  KEY_LABEL,
  NONCE_PATTERN,
  type ProofLabel,
  proofText,
  STDIO_AUTH_SCHEME,
  stdioRequestText,
  stdioResponseText
} from './protocol';

/**
 * The HMAC key of the proofs: HMAC-SHA-256(token, {@link KEY_LABEL}).
 */
export function proofKey(token: string): Buffer {
  return createHmac('sha256', Buffer.from(token, 'utf8'))
    .update(KEY_LABEL, 'utf8')
    .digest();
}

/**
 * HMAC-SHA-256 of `text` with `key`, base64url.
 */
export function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
}

/**
 * Whether `presented` is the HMAC of `text` with `key` (constant time).
 */
export function macValid(
  key: Buffer,
  text: string,
  presented: unknown
): boolean {
  if (typeof presented !== 'string' || !NONCE_PATTERN.test(presented)) {
    return false;
  }
  const expected = createHmac('sha256', key).update(text, 'utf8').digest();
  const given = Buffer.from(presented, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The proof `label` over `host` and both nonces.
 */
export function proof(
  key: Buffer,
  label: ProofLabel,
  host: string,
  first: string,
  second: string
): string {
  return mac(key, proofText(label, host, first, second));
}

/**
 * A fresh nonce: 32 random bytes, base64url.
 */
export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether a value is a well-formed nonce.
 */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE_PATTERN.test(value);
}

/**
 * The key of one `--stdio` proxy's requests, derived from the handshake.
 */
export function stdioKey(
  key: Buffer,
  host: string,
  clientNonce: string,
  relayNonce: string
): Buffer {
  return createHmac('sha256', key)
    .update(proofText('stdio-key', host, clientNonce, relayNonce), 'utf8')
    .digest();
}

/**
 * The parts of an `Authorization: McpBridge <relay nonce>.<counter>.<mac>`
 * header, or undefined when it is not one.
 */
export function parseStdioAuthorization(
  header: string | string[] | undefined
): { id: string; counter: number; mac: string } | undefined {
  if (typeof header !== 'string') {
    return undefined;
  }
  const match = new RegExp(
    `^${STDIO_AUTH_SCHEME} ([A-Za-z0-9_-]{43})\\.(\\d{1,15})\\.([A-Za-z0-9_-]{43})$`
  ).exec(header.trim());
  if (!match) {
    return undefined;
  }
  return { id: match[1], counter: Number(match[2]), mac: match[3] };
}

/**
 * What the relay keeps of one `--stdio` proxy it proved itself to.
 */
interface IStdioGrant {
  key: Buffer;
  /** Whether a request of the proxy checked out (it knows the token too). */
  used: boolean;
  /** When it was made or last used (ms). */
  touched: number;
  /** The highest counter seen, and the counters seen near it. */
  highest: number;
  readonly seen: Set<number>;
}

/**
 * The relay's `--stdio` handshakes: it proves itself to a proxy that sends
 * a nonce (`POST /auth`), and then takes the proxy's requests signed with
 * the key of that handshake. Bounded: handshakes never used go after a
 * minute, and past {@link StdioGrants.MAX} the least recently used goes
 * (its proxy gets 401 and does a new handshake).
 */
export class StdioGrants {
  /** Handshakes kept at most. */
  static readonly MAX = 256;
  /** How long a handshake no request used is kept (ms). */
  static readonly UNUSED_TTL_MS = 60_000;
  /** How far back a counter is still taken (out-of-order requests). */
  static readonly WINDOW = 1024;

  /**
   * Prove the relay to a proxy: a new handshake.
   *
   * @returns the relay's nonce and proof, or undefined for a bad nonce.
   */
  open(
    key: Buffer,
    host: string,
    clientNonce: unknown,
    now = Date.now()
  ): { nonce: string; proof: string } | undefined {
    if (!isNonce(clientNonce)) {
      return undefined;
    }
    this._prune(now);
    const nonce = newNonce();
    this._grants.set(nonce, {
      key: stdioKey(key, host, clientNonce, nonce),
      used: false,
      touched: now,
      highest: 0,
      seen: new Set()
    });
    return {
      nonce,
      proof: proof(key, 'relay-to-stdio', host, clientNonce, nonce)
    };
  }

  /**
   * Check a signed request; on success, the proof the answer must carry.
   */
  check(
    header: string | string[] | undefined,
    method: string,
    path: string,
    now = Date.now()
  ): string | undefined {
    const parsed = parseStdioAuthorization(header);
    const grant = parsed && this._grants.get(parsed.id);
    if (!parsed || !grant) {
      return undefined;
    }
    const { counter } = parsed;
    if (
      counter < 1 ||
      counter <= grant.highest - StdioGrants.WINDOW ||
      grant.seen.has(counter) ||
      !macValid(grant.key, stdioRequestText(counter, method, path), parsed.mac)
    ) {
      return undefined;
    }
    grant.seen.add(counter);
    if (counter > grant.highest) {
      grant.highest = counter;
      for (const old of grant.seen) {
        if (old <= counter - StdioGrants.WINDOW) {
          grant.seen.delete(old);
        }
      }
    }
    grant.used = true;
    grant.touched = now;
    // Most recently used last: the first in the map goes first.
    this._grants.delete(parsed.id);
    this._grants.set(parsed.id, grant);
    return mac(grant.key, stdioResponseText(counter));
  }

  /**
   * Forget every handshake (the token was rotated).
   */
  clear(): void {
    this._grants.clear();
  }

  /**
   * The number of handshakes kept.
   */
  get size(): number {
    return this._grants.size;
  }

  private _prune(now: number): void {
    for (const [id, grant] of this._grants) {
      if (!grant.used && now - grant.touched > StdioGrants.UNUSED_TTL_MS) {
        this._grants.delete(id);
      }
    }
    while (this._grants.size >= StdioGrants.MAX) {
      const oldest = this._grants.keys().next().value as string;
      this._grants.delete(oldest);
    }
  }

  private readonly _grants = new Map<string, IStdioGrant>();
}
