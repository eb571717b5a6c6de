/**
 * `--stdio`: an MCP stdio server for clients that spawn a command. It joins
 * the relay listening on the port, or becomes it, and proxies stdin/stdout
 * to the relay's `/mcp`.
 */
import * as http from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  AUTH_PATH,
  HEALTH_PATH,
  type JsonRpcMessage,
  MCP_PATH,
  proofText,
  RELAY_NAME,
  STDIO_AUTH_SCHEME,
  STDIO_CLIENT_HEADER,
  STDIO_PROOF_HEADER,
  stdioRequestText,
  stdioResponseText
} from './protocol';
import { isNonce, mac, macValid, newNonce, proofKey, stdioKey } from './proof';
import {
  errorResponse,
  isJsonRpcMessage,
  isObject,
  RELAY_ERROR_CODE,
  requestIdOf
} from './jsonrpc';
import type { Logger } from './log';
import type { Relay } from './relay';
import { readTokenFile } from './token';
import { UpstreamLink } from './upstream';

/**
 * What listens on a port.
 */
export type ProbeResult = 'relay' | 'free' | 'other';

/**
 * Ask `http://host:port/healthz` whether our relay seems to listen there.
 * Anyone can answer that: the proxy trusts only {@link RelayAuth.prove}.
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
 * The `--stdio` proxy's proof that the program on the port is its relay,
 * and the signatures of its requests. The proxy never sends the token:
 * it sends a nonce to `POST /auth`, checks the relay's proof, and then
 * signs each request with a key that only this handshake gave (see
 * `STDIO_AUTH_SCHEME`); an answer without the relay's proof on it is
 * dropped.
 */
export class RelayAuth {
  /**
   * @param host - the relay's host (a loopback address).
   * @param port - its port.
   * @param token - the token it must prove.
   */
  constructor(
    readonly host: string,
    readonly port: number,
    token: string
  ) {
    this._token = token;
  }

  /** The `Host` of the relay's URL, as its proofs name it. */
  get hostHeader(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /**
   * Use another token (it was rotated); the next request proves again.
   */
  setToken(token: string): void {
    this._token = token;
    this._grant = null;
  }

  /**
   * Forget the handshake: the next request proves again.
   */
  forget(): void {
    this._grant = null;
  }

  /**
   * Have the program on the port prove that it knows the token: 'relay'
   * when it did (its handshake is kept for the requests that follow),
   * 'free' when nothing listens, 'other' for anything else. It learns a
   * nonce, nothing more.
   */
  async prove(timeoutMs = 3000): Promise<ProbeResult> {
    const clientNonce = newNonce();
    const answer = await Private.postJson(
      this.host,
      this.port,
      AUTH_PATH,
      { nonce: clientNonce },
      timeoutMs
    );
    if (answer === 'free' || answer === 'other') {
      return answer;
    }
    const body = answer;
    if (!isObject(body) || !isNonce(body.nonce)) {
      return 'other';
    }
    const key = proofKey(this._token);
    const host = this.hostHeader;
    if (
      !macValid(
        key,
        proofText('relay-to-stdio', host, clientNonce, body.nonce),
        body.proof
      )
    ) {
      return 'other';
    }
    this._grant = {
      id: body.nonce,
      key: stdioKey(key, host, clientNonce, body.nonce),
      counter: 0
    };
    return 'relay';
  }

  /**
   * Sign a request (proving first if needed): its `Authorization` header,
   * and the check of its answer's proof.
   */
  async sign(
    method: string,
    path: string
  ): Promise<{
    authorization: string;
    answerValid: (proof: unknown) => boolean;
  }> {
    if (!this._grant) {
      const result = await this.prove();
      if (result !== 'relay') {
        throw new Error(
          `${UNPROVEN_RELAY} (port ${this.port}: ${result === 'free' ? 'nothing listens there' : 'the program there did not prove that it knows the token'})`
        );
      }
    }
    const grant = this._grant as IGrant;
    const counter = ++grant.counter;
    return {
      authorization: `${STDIO_AUTH_SCHEME} ${grant.id}.${counter}.${mac(grant.key, stdioRequestText(counter, method, path))}`,
      answerValid: presented =>
        macValid(grant.key, stdioResponseText(counter), presented)
    };
  }

  private _token: string;
  private _grant: IGrant | null = null;
}

interface IGrant {
  id: string;
  key: Buffer;
  counter: number;
}

/**
 * Start of the error of a request whose answer came without the relay's
 * proof, or that could not be signed because no relay proved itself.
 */
export const UNPROVEN_RELAY = 'no relay that proves it knows the token';

/**
 * A fetch that signs each request (and marks it as coming from the stdio
 * proxy), drops an answer without the relay's proof, and when the relay
 * refuses the signature (401: it was restarted, or the token rotated)
 * reads the token file again and retries once after a new handshake.
 */
function authorizedFetch(
  options: IStdioOptions,
  auth: RelayAuth
): typeof fetch {
  let token = options.token;
  const send = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const signed = await auth.sign(method, url.pathname);
    const headers = new Headers(init?.headers);
    headers.set('Authorization', signed.authorization);
    // The page shows this client's transport as stdio.
    headers.set(STDIO_CLIENT_HEADER, 'stdio');
    const response = await fetch(input, { ...init, headers });
    if (response.status === 401) {
      await response.body?.cancel().catch(() => undefined);
      return response;
    }
    if (!signed.answerValid(response.headers.get(STDIO_PROOF_HEADER))) {
      await response.body?.cancel().catch(() => undefined);
      auth.forget();
      options.logger.warn(
        "an answer came without the relay's proof: dropped (is another program on the port?)"
      );
      throw new Error(
        `${UNPROVEN_RELAY}: an answer without its proof was dropped`
      );
    }
    return response;
  };
  return async (input, init) => {
    const response = await send(input, init);
    if (response.status !== 401) {
      return response;
    }
    let fresh: string | undefined;
    try {
      fresh = options.tokenFile ? readTokenFile(options.tokenFile) : undefined;
    } catch {
      fresh = undefined;
    }
    if (fresh && fresh !== token) {
      options.logger.addSecret(fresh);
      options.logger.info('the relay token was rotated: using the new one');
      token = fresh;
      auth.setToken(fresh);
    } else {
      // The relay forgot this handshake (it restarted): prove again.
      auth.forget();
    }
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
  const auth = new RelayAuth(options.connectHost, options.port, options.token);
  let relay: Relay | undefined;
  const ensureRelay = async (): Promise<void> => {
    relay = (await joinOrBecomeRelay(options, auth)) ?? relay;
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
    fetch: authorizedFetch(options, auth),
    logger,
    ensureRelay,
    relayAlive: async () => (await auth.prove(1000)) === 'relay',
    onMessage: toClient
  });
  stdio.onmessage = (message: JSONRPCMessage) =>
    forwardToRelay(upstream, message as JsonRpcMessage, toClient, logger);
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

/**
 * Join the relay on the port when it proves that it knows the token, or
 * become it when the port is free (joining after all a relay that another
 * process started meanwhile). Returns the relay when this process started
 * it; throws when the port is taken by a program that did not prove it.
 */
async function joinOrBecomeRelay(
  options: IStdioOptions,
  auth: RelayAuth
): Promise<Relay | undefined> {
  const { logger } = options;
  for (let attempt = 0; ; attempt++) {
    const probe = await auth.prove();
    if (probe === 'relay') {
      logger.info(
        `joining the relay on port ${options.port} (it proved it knows the token)`
      );
      return undefined;
    }
    if (probe === 'other') {
      throw new Error(
        `Port ${options.port} is used by a program that did not prove it knows the token (another program, ` +
          'or a relay with another token): nothing was sent to it. Choose another port with --port, or give both the same token'
      );
    }
    try {
      const relay = await options.startRelay();
      logger.info(`this process hosts the relay on port ${options.port}`);
      return relay;
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
}

/**
 * Send a message of the stdio client to the relay; a request that cannot
 * reach it is answered with an error.
 */
function forwardToRelay(
  upstream: UpstreamLink,
  message: JsonRpcMessage,
  toClient: (message: JsonRpcMessage) => void,
  logger: Logger
): void {
  const reqId = requestIdOf(message);
  upstream.send(message, reqId).catch((error: unknown) => {
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
}

namespace Private {
  /**
   * POST a small JSON body; the parsed JSON answer of a 200, 'free' when
   * nothing listens, 'other' for anything else.
   */
  export function postJson(
    host: string,
    port: number,
    path: string,
    body: unknown,
    timeoutMs: number
  ): Promise<unknown> {
    return new Promise(resolve => {
      const text = JSON.stringify(body);
      const req = http.request(
        {
          host,
          port,
          path,
          method: 'POST',
          timeout: timeoutMs,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(text),
            Accept: 'application/json'
          }
        },
        res => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size < 4096) {
              chunks.push(chunk);
            }
          });
          res.on('end', () => {
            if (res.statusCode !== 200 || size >= 4096) {
              resolve('other');
              return;
            }
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
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
      req.end(text);
    });
  }
}
