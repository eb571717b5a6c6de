/**
 * Pure security helpers: token comparison, Origin and Host checks, the
 * bearer token of a header, the page subprotocol of an upgrade.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PAGE_SUBPROTOCOL, PAGE_SUBPROTOCOL_PREFIX } from './protocol';

/**
 * Compare a presented secret with the expected one in constant time (both
 * are hashed first, so their lengths do not leak either).
 */
export function tokensEqual(
  presented: string | undefined,
  expected: string
): boolean {
  if (presented === undefined || expected.length === 0) {
    return false;
  }
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The token of an `Authorization: Bearer <token>` header, if any.
 */
export function bearerFromHeader(
  header: string | string[] | undefined
): string | undefined {
  if (typeof header !== 'string') {
    return undefined;
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * Parse the `Sec-WebSocket-Protocol` offers of a page: whether it offers
 * {@link PAGE_SUBPROTOCOL}, and which page subprotocol it offers (of
 * whatever version). No secret travels there: the page proves it knows the
 * token over the socket (see `protocol.ts`).
 */
export function parsePageSubprotocols(header: string | string[] | undefined): {
  hasPageProtocol: boolean;
  /** The page subprotocol offered, of whatever version (absent if none). */
  pageProtocol?: string;
} {
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  const offers = raw
    .split(',')
    .map(s => s.trim())
    .filter(s => s.length > 0);
  const pageProtocol = offers.includes(PAGE_SUBPROTOCOL)
    ? PAGE_SUBPROTOCOL
    : offers.find(s => s.startsWith(PAGE_SUBPROTOCOL_PREFIX));
  return {
    hasPageProtocol: pageProtocol === PAGE_SUBPROTOCOL,
    ...(pageProtocol !== undefined ? { pageProtocol } : {})
  };
}

/**
 * One allowed origin: scheme, lower-case host (IPv6 in brackets), and a
 * port number or `*` for any port.
 */
export interface IOriginPattern {
  scheme: 'http' | 'https';
  host: string;
  port: number | '*';
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/**
 * The loopback origins allowed by default, on any port.
 */
export const DEFAULT_ORIGIN_PATTERNS: readonly string[] = [
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://[::1]:*',
  'https://[::1]:*'
];

/**
 * Parse an `--allow-origin` value such as `https://hub.example.org`,
 * `http://myhost:8888` or `http://myhost:*`. Throws on anything else.
 */
export function parseOriginPattern(value: string): IOriginPattern {
  const match =
    /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]\s]+)(?::(\*|\d{1,5}))?\/?$/.exec(
      value.trim()
    );
  if (!match) {
    throw new Error(
      `Invalid origin pattern: ${value} (expected scheme://host[:port|:*])`
    );
  }
  const scheme = match[1] as 'http' | 'https';
  const portText = match[3];
  let port: number | '*';
  if (portText === undefined) {
    port = DEFAULT_PORTS[scheme];
  } else if (portText === '*') {
    port = '*';
  } else {
    port = Number(portText);
    if (port < 1 || port > 65535) {
      throw new Error(`Invalid port in origin pattern: ${value}`);
    }
  }
  return { scheme, host: match[2].toLowerCase(), port };
}

/**
 * Whether an `Origin` header value matches one of the patterns. `null`,
 * malformed or non-http(s) origins never match.
 */
export function isOriginAllowed(
  origin: string,
  patterns: readonly IOriginPattern[]
): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') {
    return false;
  }
  if (
    url.origin === 'null' ||
    url.pathname.length > 1 ||
    url.username ||
    url.password
  ) {
    return false;
  }
  const host = url.hostname.toLowerCase();
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  return patterns.some(
    p =>
      p.scheme === scheme &&
      p.host === host &&
      (p.port === '*' || p.port === port)
  );
}

/**
 * Decide on a request's `Origin` header: absent is allowed when
 * `required` is false (non-browser clients send none).
 */
export function checkOrigin(
  origin: string | string[] | undefined,
  patterns: readonly IOriginPattern[],
  required: boolean
): boolean {
  if (origin === undefined) {
    return !required;
  }
  if (Array.isArray(origin)) {
    return false;
  }
  return isOriginAllowed(origin, patterns);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a bind address is on this computer only: `localhost`, `::1`, or
 * an address in 127.0.0.0/8. Wildcards (`0.0.0.0`, `::`) are not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/**
 * Why a bind address that is not loopback is refused without
 * `--allow-remote-host`.
 */
export function remoteHostRefusal(host: string): string {
  return (
    `--host ${host} is not an address of this computer only: the relay would take connections from the network, ` +
    'where HTTP clients send the token (Authorization: Bearer) and every MCP message in clear (the relay has no TLS), ' +
    'and whoever holds the token runs code in your kernels. Keep the default 127.0.0.1; if you mean it (behind a TLS ' +
    'proxy, on a network you trust), add --allow-remote-host.'
  );
}

/**
 * Split a `Host` header into a lower-case host name and port (80 when absent).
 * Undefined when malformed.
 */
export function parseHostHeader(
  value: string
): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(
    value.trim()
  );
  if (!match) {
    return undefined;
  }
  return {
    host: match[1].toLowerCase(),
    port: match[2] ? Number(match[2]) : 80
  };
}

/**
 * Format a bind address as it appears in a `Host` header (IPv6 in brackets).
 */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * DNS-rebinding protection: the `Host` header must name a loopback host or
 * the bound host, with the relay's port.
 */
export function isHostAllowed(
  header: string | string[] | undefined,
  boundHost: string,
  port: number
): boolean {
  if (typeof header !== 'string') {
    return false;
  }
  const parsed = parseHostHeader(header);
  if (!parsed || parsed.port !== port) {
    return false;
  }
  const bound = hostForUrl(boundHost).toLowerCase();
  const wildcard = bound === '0.0.0.0' || bound === '[::]';
  return (
    LOOPBACK_HOSTS.has(parsed.host) || (!wildcard && parsed.host === bound)
  );
}
