/**
 * `--stdio`: an MCP stdio server for clients that spawn a command. It joins
 * the relay listening on the port, or becomes it, and proxies stdin/stdout
 * to the relay's `/mcp`.
 */
import * as http from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  HEALTH_PATH,
  type JsonRpcMessage,
  MCP_PATH,
  RELAY_NAME,
  STDIO_CLIENT_HEADER
} from './protocol';
import {
  errorResponse,
  isJsonRpcMessage,
  isObject,
  requestIdOf
} from './jsonrpc';
import type { Logger } from './log';
import { RELAY_ERROR_CODE } from './pages';
import type { Relay } from './relay';
import { readTokenFile } from './token';
import { UpstreamLink } from './upstream';

/**
 * What listens on a port.
 */
export type ProbeResult = 'relay' | 'free' | 'other';

/**
 * Ask `http://host:port/healthz` whether our relay listens there.
 */
export function probeRelay(
  host: string,
  port: number,
  timeoutMs = 3000
): Promise<ProbeResult> {
  return new Promise(resolve => {
    const req = http.get(
      {
        host,
        port,
        path: HEALTH_PATH,
        timeout: timeoutMs,
        headers: { Accept: 'application/json' }
      },
      res => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size < 65536) {
            chunks.push(chunk);
          }
        });
        res.on('end', () => {
          try {
            const body: unknown = JSON.parse(
              Buffer.concat(chunks).toString('utf8')
            );
            resolve(
              isObject(body) && body.name === RELAY_NAME ? 'relay' : 'other'
            );
          } catch {
            resolve('other');
          }
        });
        res.on('error', () => resolve('other'));
      }
    );
    req.on('timeout', () => {
      req.destroy();
      resolve('other');
    });
    req.on('error', error => {
      const code = (error as NodeJS.ErrnoException).code;
      resolve(
        code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'free' : 'other'
      );
    });
  });
}

/**
 * A fetch that sends the token (and marks the request as coming from the
 * stdio proxy), and when the relay refuses it (401) reads
 * the token file again and retries once with a rotated token.
 */
function authorizedFetch(options: IStdioOptions): typeof fetch {
  let token = options.token;
  const send = (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', `Bearer ${token}`);
    // The page shows this client's transport as stdio.
    headers.set(STDIO_CLIENT_HEADER, 'stdio');
    return fetch(input, { ...init, headers });
  };
  return async (input, init) => {
    const response = await send(input, init);
    if (response.status !== 401 || !options.tokenFile) {
      return response;
    }
    let fresh: string | undefined;
    try {
      fresh = readTokenFile(options.tokenFile);
    } catch {
      return response;
    }
    if (!fresh || fresh === token) {
      return response;
    }
    options.logger.addSecret(fresh);
    options.logger.info('the relay token was rotated: using the new one');
    token = fresh;
    return send(input, init);
  };
}

/**
 * Options of {@link runStdio}.
 */
export interface IStdioOptions {
  /** Host to reach the relay on (a loopback address). */
  connectHost: string;
  port: number;
  token: string;
  /**
   * The token file, if the token came from one: read again when the relay
   * refuses the token (it was rotated).
   */
  tokenFile?: string;
  logger: Logger;
  /** Start the relay in this process (called when the port is free). */
  startRelay: () => Promise<Relay>;
  /** Streams (default process.stdin/stdout). */
  stdin?: NodeJS.ReadableStream & {
    on(event: 'end' | 'close', listener: () => void): unknown;
  };
  stdout?: NodeJS.WritableStream;
}

/**
 * Join or become the relay, then proxy stdio to it. When the process that
 * hosts the relay exits, the link finds or becomes the relay again and
 * renews its session (see {@link UpstreamLink}). Resolves when stdin closes
 * and everything is shut down.
 */
export async function runStdio(options: IStdioOptions): Promise<void> {
  const { logger } = options;
  let relay: Relay | undefined;
  const ensureRelay = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const probe = await probeRelay(options.connectHost, options.port);
      if (probe === 'relay') {
        logger.info(`joining the relay on port ${options.port}`);
        return;
      }
      if (probe === 'other') {
        throw new Error(
          `Port ${options.port} is used by another program; choose another with --port`
        );
      }
      try {
        relay = await options.startRelay();
        logger.info(`this process hosts the relay on port ${options.port}`);
        return;
      } catch (error) {
        if (
          (error as NodeJS.ErrnoException).code !== 'EADDRINUSE' ||
          attempt >= 5
        ) {
          throw error;
        }
        // Another process became the relay meanwhile: join it.
        await new Promise(r => setTimeout(r, 200));
      }
    }
  };
  await ensureRelay();

  const base = `http://${options.connectHost.includes(':') ? `[${options.connectHost}]` : options.connectHost}:${options.port}`;
  const stdin = options.stdin ?? process.stdin;
  const stdio = new StdioServerTransport(
    stdin as typeof process.stdin,
    (options.stdout ?? process.stdout) as typeof process.stdout
  );
  const toClient = (message: JsonRpcMessage): void => {
    if (isJsonRpcMessage(message)) {
      stdio
        .send(message as JSONRPCMessage)
        .catch(error => logger.warn(`stdout: ${String(error)}`));
    }
  };
  const upstream = new UpstreamLink({
    url: new URL(MCP_PATH, base),
    fetch: authorizedFetch(options),
    logger,
    ensureRelay,
    relayAlive: async () =>
      (await probeRelay(options.connectHost, options.port, 1000)) === 'relay',
    onMessage: toClient
  });

  stdio.onmessage = (message: JSONRPCMessage) => {
    const msg = message as JsonRpcMessage;
    const reqId = requestIdOf(msg);
    upstream.send(msg).catch((error: unknown) => {
      logger.warn(`could not reach the relay: ${String(error)}`);
      if (reqId !== undefined) {
        toClient(
          errorResponse(
            reqId,
            RELAY_ERROR_CODE,
            `jupyterlab-mcp-bridge relay unreachable: ${logger.mask(String(error))}`
          )
        );
      }
    });
  };
  stdio.onerror = error => logger.warn(`stdin: ${error.message}`);

  await upstream.start();
  await stdio.start();

  await new Promise<void>(resolve => {
    stdin.on('end', () => resolve());
    stdin.on('close', () => resolve());
  });
  logger.debug('stdin closed: shutting down');
  await upstream.close();
  await stdio.close().catch(() => undefined);
  if (relay) {
    await relay.close();
  }
}
