/**
 * The `--stdio` proxy's link to the relay's `/mcp`: one MCP session that
 * survives the relay going away. When the process hosting the relay exits
 * (or the relay ended the session), the link finds or becomes the relay
 * again, opens a new session by replaying the client's `initialize`, and
 * goes on; the stdio client does not notice, except that calls in flight at
 * that moment fail with a clear error.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  errorResponse,
  idKey,
  isObject,
  type RequestId,
  responseIdOf
} from './jsonrpc';
import type { Logger } from './log';
import { type JsonRpcMessage, PREVIOUS_SESSION_HEADER } from './protocol';

/**
 * JSON-RPC error code of calls cut by the relay going away.
 */
export const RELAY_LOST_CODE = -32000;

/**
 * What a call in flight gets when the relay goes away under it.
 */
export const RELAY_LOST_MESSAGE =
  'The jupyterlab-mcp-bridge relay went away during this call (the process hosting it exited) and was ' +
  'restarted by this client. Whether the call was applied is unknown: re-read what it acted on ' +
  '(read_notebook, read_cell, list_files) before you retry.';

/**
 * Options of an {@link UpstreamLink}.
 */
export interface IUpstreamOptions {
  /** The relay's `/mcp` URL. */
  url: URL;
  /** A fetch that authenticates (and follows token rotation). */
  fetch: typeof fetch;
  logger: Logger;
  /** Make sure a relay listens on the port: join it, or become it. */
  ensureRelay: () => Promise<void>;
  /** Whether a relay answers on the port now. */
  relayAlive: () => Promise<boolean>;
  /** A message for the client. */
  onMessage: (message: JsonRpcMessage) => void;
}

/**
 * The link of one stdio client to the relay.
 */
export class UpstreamLink {
  /**
   * @param _options - see {@link IUpstreamOptions}.
   */
  constructor(private readonly _options: IUpstreamOptions) {}

  /**
   * Open the first connection.
   */
  async start(): Promise<void> {
    this._transport = this._open();
    await this._transport.start();
  }

  /**
   * Send a client message; when the relay is gone, find or become it again,
   * renew the session, and send it there.
   *
   * @param message - the message.
   * @param id - its request id (`requestIdOf`, computed where it came in);
   *   undefined for a notification.
   */
  async send(
    message: JsonRpcMessage,
    id: RequestId | undefined
  ): Promise<void> {
    if (message.method === 'initialize' && id !== undefined) {
      this._initialize = message;
      this._initializeId = id;
    } else if (message.method === 'notifications/initialized') {
      this._initialized = message;
    }
    if (id !== undefined) {
      this._inflight.set(idKey(id), id);
    }
    try {
      await this._sendNow(message);
    } catch (error) {
      if (!UpstreamLink.isLost(error)) {
        throw error;
      }
      await this._recover(id);
      await this._sendNow(message);
    }
  }

  /**
   * End the session (DELETE) and close.
   */
  async close(): Promise<void> {
    this._closed = true;
    const transport = this._transport;
    if (!transport) {
      return;
    }
    try {
      if (transport.sessionId) {
        await transport.terminateSession();
      }
    } catch (error) {
      this._options.logger.debug(`ending the session: ${String(error)}`);
    }
    await transport.close().catch(() => undefined);
  }

  /**
   * Whether an error means the relay (or the session on it) is gone.
   */
  static isLost(error: unknown): boolean {
    const text = `${String(error)} ${String((error as { cause?: unknown })?.cause ?? '')}`;
    return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|HTTP 404|Session not found|no relay that proves/i.test(
      text
    );
  }

  private _sendNow(message: JsonRpcMessage): Promise<void> {
    const transport = this._transport;
    if (!transport) {
      return Promise.reject(new Error('not started'));
    }
    return transport.send(message as JSONRPCMessage);
  }

  private _open(): StreamableHTTPClientTransport {
    const transport = new StreamableHTTPClientTransport(this._options.url, {
      fetch: (input, init) => {
        const previous = this._previousSessionId;
        if (!previous || new Headers(init?.headers).has('mcp-session-id')) {
          return this._options.fetch(input, init);
        }
        // The replayed initialize names the session it continues.
        const headers = new Headers(init?.headers);
        headers.set(PREVIOUS_SESSION_HEADER, previous);
        return this._options.fetch(input, { ...init, headers });
      }
    });
    transport.onmessage = message => this._fromRelay(transport, message);
    transport.onerror = error => {
      this._options.logger.debug(`relay connection: ${error.message}`);
      if (transport === this._transport && !this._closed) {
        // A dropped stream may mean the relay is gone: check, and take over.
        void this._options.relayAlive().then(alive => {
          if (!alive && transport === this._transport && !this._closed) {
            this._recover(undefined).catch(failure =>
              this._options.logger.warn(
                `could not restart the relay: ${String(failure)}`
              )
            );
          }
        });
      }
    };
    return transport;
  }

  private _fromRelay(
    transport: StreamableHTTPClientTransport,
    message: JSONRPCMessage
  ): void {
    const msg = message as JsonRpcMessage;
    const id = responseIdOf(msg);
    if (id !== undefined) {
      if (this._replayId !== undefined && id === this._replayId) {
        this._replayId = undefined;
        this._replayed?.(msg);
        return;
      }
      if (
        this._initialize &&
        id === this._initializeId &&
        isObject(msg.result) &&
        typeof msg.result.protocolVersion === 'string'
      ) {
        this._protocolVersion = msg.result.protocolVersion;
        transport.setProtocolVersion(this._protocolVersion);
      }
      this._inflight.delete(idKey(id));
    }
    this._options.onMessage(msg);
  }

  /**
   * Find or become the relay again and renew the session (once, however
   * many calls notice at the same time).
   */
  private _recover(current: RequestId | undefined): Promise<void> {
    if (!this._recovering) {
      this._recovering = this._doRecover(current).finally(() => {
        this._recovering = null;
      });
    }
    return this._recovering;
  }

  private async _doRecover(current: RequestId | undefined): Promise<void> {
    const { logger } = this._options;
    logger.warn('the relay went away: finding or becoming it again');
    for (const [key, id] of this._inflight) {
      if (current !== undefined && key === idKey(current)) {
        continue;
      }
      this._inflight.delete(key);
      this._options.onMessage(
        errorResponse(id, RELAY_LOST_CODE, RELAY_LOST_MESSAGE)
      );
    }
    const old = this._transport;
    this._transport = null;
    this._previousSessionId = old?.sessionId ?? this._previousSessionId;
    if (old) {
      old.onerror = undefined;
      old.onmessage = undefined;
      await old.close().catch(() => undefined);
    }
    await this._options.ensureRelay();
    const transport = this._open();
    this._transport = transport;
    await transport.start();
    if (!this._initialize) {
      return;
    }
    // A new session: replay the client's initialize; its answer stays here.
    const replayId = `jupyterlab-mcp-bridge-replay-${++this._replays}`;
    const answered = new Promise<JsonRpcMessage>((resolve, reject) => {
      this._replayed = resolve;
      setTimeout(
        () => reject(new Error('the relay did not answer initialize')),
        60_000
      ).unref();
    });
    this._replayId = replayId;
    await transport.send({
      ...this._initialize,
      id: replayId
    } as JSONRPCMessage);
    const reply = await answered;
    if (
      isObject(reply.result) &&
      typeof reply.result.protocolVersion === 'string'
    ) {
      transport.setProtocolVersion(reply.result.protocolVersion);
    } else if (this._protocolVersion) {
      transport.setProtocolVersion(this._protocolVersion);
    }
    if (this._initialized) {
      await transport.send(this._initialized as JSONRPCMessage);
    }
    logger.info('reconnected: a new session goes on where the old one ended');
  }

  private _transport: StreamableHTTPClientTransport | null = null;
  private _initialize?: JsonRpcMessage;
  private _initializeId?: RequestId;
  private _initialized?: JsonRpcMessage;
  private _protocolVersion?: string;
  private readonly _inflight = new Map<string, RequestId>();
  private _recovering: Promise<void> | null = null;
  private _replayId?: string;
  private _replayed?: (message: JsonRpcMessage) => void;
  private _replays = 0;
  private _previousSessionId?: string;
  private _closed = false;
}
