/**
 * A loopback HTTP proxy, for the conformance spec: the suite cannot send
 * headers, so this proxy adds `Authorization: Bearer <token>` and forwards
 * to the relay. It exists only inside the test; the shipped relay always
 * requires its token.
 *
 * Host and Origin are forwarded as the relay would see them had the client
 * talked to it directly: a header naming the proxy's own address
 * (`<loopback name>:<proxy port>`) is rewritten to the same name with the
 * relay's port, and any other value (such as the suite's
 * `evil.example.com`) passes unchanged, so the relay's DNS-rebinding and
 * Origin checks are what the suite tests.
 */

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A running proxy.
 */
export interface IAuthProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Requests forwarded, by method. */
  requests: Record<string, number>;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `value` with `<loopback>:<from>` turned into `<loopback>:<to>`; other
 * values unchanged. Works on a Host header (`host:port`) and an Origin
 * (`scheme://host:port`).
 */
export function rewritePort(value: string, from: number, to: number): string {
  const match =
    /^((?:[a-z][a-z0-9+.-]*:\/\/)?)(\[[^\]]+\]|[^:/]+):(\d+)$/i.exec(value);
  if (!match || Number(match[3]) !== from) {
    return value;
  }
  if (!LOOPBACK.has(match[2].toLowerCase())) {
    return value;
  }
  return `${match[1]}${match[2]}:${to}`;
}

/**
 * Start a proxy on 127.0.0.1 that forwards to the relay on `relayPort` with
 * `token`.
 */
export async function startAuthProxy(
  relayPort: number,
  token: string
): Promise<IAuthProxy> {
  const requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    requests[method] = (requests[method] ?? 0) + 1;
    const ownPort = (server.address() as AddressInfo).port;
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    if (typeof req.headers.host === 'string') {
      headers.host = rewritePort(req.headers.host, ownPort, relayPort);
    }
    if (typeof req.headers.origin === 'string') {
      headers.origin = rewritePort(req.headers.origin, ownPort, relayPort);
    }
    headers.authorization = `Bearer ${token}`;
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: relayPort,
        method,
        path: req.url,
        headers
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      }
    );
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end();
    });
    // A client that goes away (or drops an SSE stream) drops the upstream
    // request too, as it would have dropped its connection to the relay.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
