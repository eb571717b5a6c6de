/**
 * Reading the pairing link's fragment: pure functions.
 */

import { PAIRING_TOKEN_KEY, PAIRING_URL_KEY } from '../protocol';

/**
 * Relay URL and token carried by a pairing link.
 */
export interface IPairing {
  url: string;
  token: string;
}

/**
 * Read a pairing from a URL fragment (`#mcp-bridge-url=...&mcp-bridge-token=...`),
 * and give the fragment with the pairing keys removed.
 */
export function readPairing(hash: string): {
  pairing: IPairing | null;
  rest: string;
} {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const url = params.get(PAIRING_URL_KEY);
  const token = params.get(PAIRING_TOKEN_KEY);
  if (!token) {
    return { pairing: null, rest: hash };
  }
  params.delete(PAIRING_URL_KEY);
  params.delete(PAIRING_TOKEN_KEY);
  const rest = params.toString();
  const valid = url === null || /^wss?:\/\//.test(url);
  return {
    pairing: valid ? { url: url ?? '', token } : null,
    rest: rest ? `#${rest}` : ''
  };
}
