/**
 * Small HTTP helpers for the relay.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Default cap on request bodies and WebSocket messages: 16 MiB.
 */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Read a request body up to `limit` bytes.
 */
export function readBody(
  req: IncomingMessage,
  limit: number
): Promise<{ tooLarge: true } | { tooLarge: false; text: string }> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolve({ tooLarge: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) {
        return;
      }
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve({
          tooLarge: false,
          text: Buffer.concat(chunks).toString('utf8')
        });
      }
    });
    req.on('error', error => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
  });
}

/**
 * Send a JSON body.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers
  });
  res.end(text);
}

/**
 * Send a JSON-RPC error with a null id (transport-level errors of `/mcp`).
 */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {}
): void {
  sendJson(
    res,
    status,
    { jsonrpc: '2.0', error: { code, message }, id: null },
    headers
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable'
};

/**
 * Refuse a WebSocket upgrade with a plain HTTP response, then destroy the socket.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string
): void {
  const body = `${message}\n`;
  const head =
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
    '\r\n';
  try {
    socket.end(head + body);
  } catch {
    // ignore
  }
  setTimeout(() => socket.destroy(), 50).unref?.();
}
