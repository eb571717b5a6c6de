/**
 * `--stdio`: an MCP stdio server for clients that spawn a command. It joins
 * the relay listening on the port, or becomes it, and proxies stdin/stdout
 * to the relay's `/mcp`.
 */
import * as http from 'node:http';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  HEALTH_PATH,
  type JsonRpcMessage,
  MCP_PATH,
  RELAY_NAME,
  STDIO_CLIENT_HEADER
} from '../protocol';
import {
  errorResponse,
  isJsonRpcMessage,
  isObject,
  type RequestId,
  requestIdOf,
  responseIdOf
} from './jsonrpc';
import type { Logger } from './log';
import { RELAY_ERROR_CODE } from './pages';
import type { Relay } from './relay';

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
 * Options of {@link runStdio}.
 */
export interface IStdioOptions {
  /** Host to reach the relay on (a loopback address). */
  connectHost: string;
  port: number;
  token: string;
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
 * Join or become the relay, then proxy stdio to it. Resolves when stdin
 * closes and everything is shut down.
 */
export async function runStdio(options: IStdioOptions): Promise<void> {
  const { logger } = options;
  let relay: Relay | undefined;
  for (let attempt = 0; ; attempt++) {
    const probe = await probeRelay(options.connectHost, options.port);
    if (probe === 'relay') {
      logger.info(`joining the relay on port ${options.port}`);
      break;
    }
    if (probe === 'other') {
      throw new Error(
        `Port ${options.port} is used by another program; choose another with --port`
      );
    }
    try {
      relay = await options.startRelay();
      break;
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

  const base = `http://${options.connectHost.includes(':') ? `[${options.connectHost}]` : options.connectHost}:${options.port}`;
  const upstream = new StreamableHTTPClientTransport(new URL(MCP_PATH, base), {
    requestInit: {
      headers: {
        Authorization: `Bearer ${options.token}`,
        // The page shows this client's transport as stdio.
        [STDIO_CLIENT_HEADER]: 'stdio'
      }
    }
  });
  const stdin = options.stdin ?? process.stdin;
  const stdio = new StdioServerTransport(
    stdin as typeof process.stdin,
    (options.stdout ?? process.stdout) as typeof process.stdout
  );
  let initializeId: RequestId | undefined;

  stdio.onmessage = (message: JSONRPCMessage) => {
    const msg = message as JsonRpcMessage;
    const reqId = requestIdOf(msg);
    if (msg.method === 'initialize' && reqId !== undefined) {
      initializeId = reqId;
    }
    upstream.send(message).catch((error: unknown) => {
      logger.warn(`could not reach the relay: ${String(error)}`);
      if (reqId !== undefined) {
        const reply = errorResponse(
          reqId,
          RELAY_ERROR_CODE,
          `jupyterlab-mcp-bridge relay unreachable: ${logger.mask(String(error))}`
        );
        stdio.send(reply as JSONRPCMessage).catch(() => undefined);
      }
    });
  };
  stdio.onerror = error => logger.warn(`stdin: ${error.message}`);
  upstream.onmessage = (message: JSONRPCMessage) => {
    const msg = message as JsonRpcMessage;
    if (
      initializeId !== undefined &&
      responseIdOf(msg) === initializeId &&
      isObject(msg.result)
    ) {
      const version = msg.result.protocolVersion;
      if (typeof version === 'string') {
        upstream.setProtocolVersion(version);
      }
    }
    if (isJsonRpcMessage(msg)) {
      stdio
        .send(message)
        .catch(error => logger.warn(`stdout: ${String(error)}`));
    }
  };
  upstream.onerror = error =>
    logger.debug(`relay connection: ${error.message}`);

  await upstream.start();
  await stdio.start();

  await new Promise<void>(resolve => {
    stdin.on('end', () => resolve());
    stdin.on('close', () => resolve());
  });
  logger.debug('stdin closed: shutting down');
  try {
    if (upstream.sessionId) {
      await upstream.terminateSession();
    }
  } catch (error) {
    logger.debug(`ending the session: ${String(error)}`);
  }
  await upstream.close().catch(() => undefined);
  await stdio.close().catch(() => undefined);
  if (relay) {
    await relay.close();
  }
}
