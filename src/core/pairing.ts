/**
 * Pairing with a relay: reading the pairing link's fragment, telling a
 * relay on this computer from one elsewhere, and which links the user must
 * confirm. Pure functions.
 */

import { PAIRING_TOKEN_KEY, PAIRING_URL_KEY } from '../_protocol';

/**
 * Relay URL and token carried by a pairing link (`url` is '' when the link
 * names no relay: the configured one is meant).
 */
export interface IPairing {
  url: string;
  token: string;
}

/**
 * Host names of this computer: a relay there pairs without asking.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Read a pairing from a URL fragment (`#mcp-bridge-url=...&mcp-bridge-token=...`),
 * and give the fragment with the pairing keys removed. A pairing whose URL is
 * not a plain `ws://` or `wss://` URL is dropped (the keys are removed all
 * the same).
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
  const valid = url === null || parseRelayUrl(url) !== null;
  return {
    pairing: valid ? { url: url ?? '', token } : null,
    rest: rest ? `#${rest}` : ''
  };
}

/**
 * Parse a relay URL: `ws:` or `wss:`, with no user name or password in it.
 */
export function parseRelayUrl(url: string): URL | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return null;
  }
  if (parsed.username || parsed.password) {
    return null;
  }
  return parsed;
}

/**
 * Whether a relay URL names this computer (`127.0.0.1`, `::1` or
 * `localhost`): only such a relay is paired with, or connected to, without
 * asking the user.
 */
export function isLoopbackRelayUrl(url: string): boolean {
  const parsed = parseRelayUrl(url);
  return parsed !== null && LOOPBACK_HOSTS.has(parsed.hostname.toLowerCase());
}

/**
 * Whether two relay URLs name the same relay: same scheme, port and path,
 * and the same host (any two names of this computer count as one).
 */
export function sameRelayUrl(a: string, b: string): boolean {
  const x = parseRelayUrl(a);
  const y = parseRelayUrl(b);
  if (!x || !y) {
    return false;
  }
  const port = (url: URL): string =>
    url.port || (url.protocol === 'wss:' ? '443' : '80');
  const hostX = x.hostname.toLowerCase();
  const hostY = y.hostname.toLowerCase();
  return (
    x.protocol === y.protocol &&
    port(x) === port(y) &&
    x.pathname === y.pathname &&
    (hostX === hostY ||
      (LOOPBACK_HOSTS.has(hostX) && LOOPBACK_HOSTS.has(hostY)))
  );
}

/**
 * Why a pairing link needs the user's confirmation:
 * - `remote`: its relay is not on this computer;
 * - `port`: its relay is on this computer, but not the relay of the
 *   settings (any user of this computer can listen on a port);
 * - `token`: it names the relay of the settings with another token than the
 *   one this browser holds (it would replace it).
 */
export type PairingRisk = 'remote' | 'port' | 'token';

/**
 * Whether a pairing link (`url` '' names the relay of the settings) pairs
 * silently (null) or must be confirmed, and why.
 *
 * @param url - the relay URL of the link.
 * @param token - the token of the link.
 * @param configured - the relay URL of the settings.
 * @param stored - the token this browser holds ('' when none).
 */
export function pairingRisk(
  url: string,
  token: string,
  configured: string,
  stored: string
): PairingRisk | null {
  const target = url || configured;
  if (!isLoopbackRelayUrl(target)) {
    return 'remote';
  }
  if (!sameRelayUrl(target, configured)) {
    return 'port';
  }
  if (stored && stored !== token) {
    return 'token';
  }
  return null;
}
