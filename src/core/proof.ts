/**
 * The page's side of the handshake with the relay: proofs of knowing the
 * token, with WebCrypto's HMAC-SHA-256 (the relay computes the same ones
 * with `node:crypto`; see `relay/src/protocol.ts` for the exchange).
 */

import {
  KEY_LABEL,
  NONCE_PATTERN,
  type ProofLabel,
  proofText
} from '../_protocol';

/**
 * What the page proves with on one connection.
 */
export interface IProofKey {
  /** The HMAC key derived from the token. */
  key: CryptoKey;
}

/**
 * Why the page cannot prove anything: WebCrypto is only there in a secure
 * context (https, or a page served from this computer).
 */
export const NO_WEBCRYPTO_MESSAGE =
  'This page cannot prove the MCP bridge token: the browser offers no WebCrypto here (it does so only on ' +
  'https pages and pages served from this computer). Serve JupyterLab over https or from localhost.';

/**
 * The browser's WebCrypto, or null where it is missing (not a secure
 * context).
 */
export function subtleCrypto(): SubtleCrypto | null {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  return subtle ?? null;
}

/**
 * The HMAC key of the proofs: HMAC-SHA-256(token, `KEY_LABEL`), imported
 * for signing and checking.
 */
export async function proofKey(
  subtle: SubtleCrypto,
  token: string
): Promise<IProofKey> {
  const encoder = new TextEncoder();
  const base = await subtle.importKey(
    'raw',
    encoder.encode(token),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  );
  const derived = await subtle.sign('HMAC', base, encoder.encode(KEY_LABEL));
  const key = await subtle.importKey(
    'raw',
    derived,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify']
  );
  return { key };
}

/**
 * The proof `label` over `host` and both nonces, base64url.
 */
export async function makeProof(
  subtle: SubtleCrypto,
  key: IProofKey,
  label: ProofLabel,
  host: string,
  pageNonce: string,
  relayNonce: string
): Promise<string> {
  const signature = await subtle.sign(
    'HMAC',
    key.key,
    new TextEncoder().encode(proofText(label, host, pageNonce, relayNonce))
  );
  return toBase64Url(new Uint8Array(signature));
}

/**
 * Whether `presented` is the proof `label` over `host` and both nonces
 * (WebCrypto's verify, which compares in constant time).
 */
export async function checkProof(
  subtle: SubtleCrypto,
  key: IProofKey,
  label: ProofLabel,
  host: string,
  pageNonce: string,
  relayNonce: string,
  presented: unknown
): Promise<boolean> {
  if (typeof presented !== 'string' || !NONCE_PATTERN.test(presented)) {
    return false;
  }
  return subtle.verify(
    'HMAC',
    key.key,
    fromBase64Url(presented),
    new TextEncoder().encode(proofText(label, host, pageNonce, relayNonce))
  );
}

/**
 * A fresh nonce: 32 random bytes, base64url.
 */
export function newNonce(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Whether a value is a well-formed nonce.
 */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE_PATTERN.test(value);
}

/**
 * The `Host` a WebSocket to `url` is made to (as the relay's proofs name
 * it): host name and port, the port left out when it is the scheme's own.
 */
export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary)
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
