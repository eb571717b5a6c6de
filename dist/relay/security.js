"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_ORIGIN_PATTERNS = void 0;
exports.tokensEqual = tokensEqual;
exports.bearerFromHeader = bearerFromHeader;
exports.parsePageSubprotocols = parsePageSubprotocols;
exports.parseOriginPattern = parseOriginPattern;
exports.isOriginAllowed = isOriginAllowed;
exports.checkOrigin = checkOrigin;
exports.parseHostHeader = parseHostHeader;
exports.hostForUrl = hostForUrl;
exports.isHostAllowed = isHostAllowed;
/**
 * Pure security helpers: token comparison, Origin and Host checks, token
 * extraction from headers and WebSocket subprotocols.
 */
const node_crypto_1 = require("node:crypto");
const protocol_1 = require("../protocol");
/**
 * Compare a presented secret with the expected one in constant time (both
 * are hashed first, so their lengths do not leak either).
 */
function tokensEqual(presented, expected) {
    if (presented === undefined || expected.length === 0) {
        return false;
    }
    const a = (0, node_crypto_1.createHash)('sha256').update(presented, 'utf8').digest();
    const b = (0, node_crypto_1.createHash)('sha256').update(expected, 'utf8').digest();
    return (0, node_crypto_1.timingSafeEqual)(a, b);
}
/**
 * The token of an `Authorization: Bearer <token>` header, if any.
 */
function bearerFromHeader(header) {
    if (typeof header !== 'string') {
        return undefined;
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
}
/**
 * Parse the `Sec-WebSocket-Protocol` offers of a page: whether it offers
 * {@link PAGE_SUBPROTOCOL}, and the token of its `bearer.<token>` offer.
 */
function parsePageSubprotocols(header) {
    const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
    const offers = raw
        .split(',')
        .map(s => s.trim())
        .filter(s => s.length > 0);
    const bearer = offers.find(s => s.startsWith(protocol_1.TOKEN_SUBPROTOCOL_PREFIX));
    const token = bearer?.slice(protocol_1.TOKEN_SUBPROTOCOL_PREFIX.length);
    return {
        hasPageProtocol: offers.includes(protocol_1.PAGE_SUBPROTOCOL),
        token: token && token.length > 0 ? token : undefined
    };
}
const DEFAULT_PORTS = { http: 80, https: 443 };
/**
 * The loopback origins allowed by default, on any port.
 */
exports.DEFAULT_ORIGIN_PATTERNS = [
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
function parseOriginPattern(value) {
    const match = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]\s]+)(?::(\*|\d{1,5}))?\/?$/.exec(value.trim());
    if (!match) {
        throw new Error(`Invalid origin pattern: ${value} (expected scheme://host[:port|:*])`);
    }
    const scheme = match[1];
    const portText = match[3];
    let port;
    if (portText === undefined) {
        port = DEFAULT_PORTS[scheme];
    }
    else if (portText === '*') {
        port = '*';
    }
    else {
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
function isOriginAllowed(origin, patterns) {
    let url;
    try {
        url = new URL(origin);
    }
    catch {
        return false;
    }
    const scheme = url.protocol.replace(/:$/, '');
    if (scheme !== 'http' && scheme !== 'https') {
        return false;
    }
    if (url.origin === 'null' ||
        url.pathname.length > 1 ||
        url.username ||
        url.password) {
        return false;
    }
    const host = url.hostname.toLowerCase();
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
    return patterns.some(p => p.scheme === scheme &&
        p.host === host &&
        (p.port === '*' || p.port === port));
}
/**
 * Decide on a request's `Origin` header: absent is allowed when
 * `required` is false (non-browser clients send none).
 */
function checkOrigin(origin, patterns, required) {
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
 * Split a `Host` header into a lower-case host name and port (80 when absent).
 * Undefined when malformed.
 */
function parseHostHeader(value) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
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
function hostForUrl(host) {
    return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
/**
 * DNS-rebinding protection: the `Host` header must name a loopback host or
 * the bound host, with the relay's port.
 */
function isHostAllowed(header, boundHost, port) {
    if (typeof header !== 'string') {
        return false;
    }
    const parsed = parseHostHeader(header);
    if (!parsed || parsed.port !== port) {
        return false;
    }
    const bound = hostForUrl(boundHost).toLowerCase();
    const wildcard = bound === '0.0.0.0' || bound === '[::]';
    return (LOOPBACK_HOSTS.has(parsed.host) || (!wildcard && parsed.host === bound));
}
//# sourceMappingURL=security.js.map