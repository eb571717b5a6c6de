/**
 * The relay: an HTTP server that speaks MCP Streamable HTTP to clients on
 * `/mcp` and forwards every session to a JupyterLab page over `/page`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type * as SdkStreamableHttp from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as SdkTypes from '@modelcontextprotocol/sdk/types.js';
import { WebSocket, WebSocketServer } from 'ws';
import {
  AUTH_PATH,
  DEFAULT_PORT,
  HEALTH_PATH,
  INCOMPATIBLE_CLOSE_CODE,
  type JsonRpcMessage,
  MCP_PATH,
  PAGE_PATH,
  PAGE_SUBPROTOCOL,
  PAGE_SUBPROTOCOL_PREFIX,
  PREVIOUS_SESSION_HEADER,
  PROTOCOL_VERSION,
  proofText,
  RELAY_NAME,
  STDIO_AUTH_SCHEME,
  STDIO_CLIENT_HEADER,
  STDIO_PROOF_HEADER,
  TOKEN_ROTATED_CLOSE_CODE,
  UNAUTHORIZED_CLOSE_CODE
} from './protocol';
import {
  DEFAULT_MAX_BODY_BYTES,
  readBody,
  refuseUpgrade,
  sendJson,
  sendJsonRpcError
} from './http';
import { EventStorePool, type IEventStoreLimits, SSE_RETRY_MS } from './events';
import {
  idKey,
  isJsonRpcMessage,
  isObject,
  isRequestId,
  jsonDeeperThan
} from './jsonrpc';
import { Logger } from './log';
import {
  DEFAULT_QUEUE_LIMITS,
  Hub,
  type IPageHandshake,
  type IQueueLimits,
  PageConnection,
  Session
} from './pages';
import {
  isNonce,
  macValid,
  newNonce,
  proof,
  proofKey,
  StdioGrants
} from './proof';
import {
  bearerFromHeader,
  checkOrigin,
  DEFAULT_ORIGIN_PATTERNS,
  hostForUrl,
  type IOriginPattern,
  isHostAllowed,
  isLoopbackHost,
  parseOriginPattern,
  remoteHostRefusal,
  parsePageSubprotocols,
  tokensEqual
} from './security';
import {
  generateToken,
  readTokenFile,
  updatePairingLink,
  writePrivateFile
} from './token';
import { packageVersion } from './version';

/**
 * The SDK's Streamable HTTP server transport and its types module, loaded
 * on the first MCP session rather than at start: they are about 24 MB of
 * the relay's memory (an idle relay, or a `--stdio` proxy that joins one,
 * does not need them).
 */
const sdk = (() => {
  const load = createRequire(__filename);
  let transport: typeof SdkStreamableHttp | undefined;
  let types: typeof SdkTypes | undefined;
  return {
    transport: (): typeof SdkStreamableHttp =>
      (transport ??= load(
        '@modelcontextprotocol/sdk/server/streamableHttp.js'
      ) as typeof SdkStreamableHttp),
    types: (): typeof SdkTypes =>
      (types ??= load('@modelcontextprotocol/sdk/types.js') as typeof SdkTypes)
  };
})();

/**
 * Options of a {@link Relay}.
 */
export interface IRelayOptions {
  /** The secret of `/mcp` and `/page`. */
  token: string;
  /**
   * The file the token came from, if any: a new token written there (by
   * `--rotate-token`) is taken up at once, and a token rotated from a page
   * is written there.
   */
  tokenFile?: string;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /**
   * Bind an address that is not loopback (refused otherwise; see
   * `remoteHostRefusal`).
   */
  allowRemoteHost?: boolean;
  /** Port (default {@link DEFAULT_PORT}; 0 picks a free one). */
  port?: number;
  /** Extra allowed origins (`scheme://host[:port|:*]`), besides loopback ones. */
  allowOrigins?: string[];
  /** How long a client message waits for a page, in ms (default 30 s). */
  pageWaitMs?: number;
  /** Cap on POST bodies and WebSocket messages (default 16 MiB). */
  maxBodyBytes?: number;
  /** Time a page has to say hello after the welcome, in ms (default 20 s). */
  helloTimeoutMs?: number;
  /** Interval of WebSocket pings to pages, in ms (default 30 s). */
  pingIntervalMs?: number;
  /**
   * A session with no request, no open stream and nothing in flight for
   * this long is ended (default 30 minutes).
   */
  sessionIdleMs?: number;
  /** Logger (default: info to stderr). */
  logger?: Logger;
  /** Bounds of the SSE events kept for resumption (see `events.ts`). */
  eventStoreLimits?: Partial<IEventStoreLimits>;
  /**
   * Sessions open at most (default {@link DEFAULT_MAX_SESSIONS}). A new
   * session past it ends the session idle longest (no request, no open
   * stream, nothing in flight for {@link IRelayOptions.evictIdleMs}) to
   * make room; when none is, its `initialize` gets a JSON-RPC error (HTTP
   * 503).
   */
  maxSessions?: number;
  /**
   * How long a session must have been idle to be ended for a new one when
   * the relay is at {@link IRelayOptions.maxSessions} (default 60 s).
   */
  evictIdleMs?: number;
  /**
   * Deepest nesting of arrays and objects in a request body (default
   * {@link DEFAULT_MAX_JSON_DEPTH}); a deeper body gets a JSON-RPC error
   * (HTTP 400) without being parsed.
   */
  maxJsonDepth?: number;
  /**
   * Messages (and their bytes of JSON) a session keeps while no page is
   * connected (default {@link DEFAULT_QUEUE_LIMITS}).
   */
  queueLimits?: Partial<IQueueLimits>;
}

/**
 * Default cap on open sessions (each is an `McpServer` in the page).
 */
export const DEFAULT_MAX_SESSIONS = 64;

/**
 * Default cap on the nesting of request bodies.
 */
export const DEFAULT_MAX_JSON_DEPTH = 100;

/**
 * Counters, for tests and diagnostics.
 */
export interface IRelayStats {
  /** `GET /mcp` requests (standalone SSE streams) that reached a session. */
  mcpGetRequests: number;
  /** Malformed inputs that were refused or dropped. */
  malformed: number;
}

/**
 * The relay server.
 */
export class Relay {
  /**
   * @param options - see {@link IRelayOptions}.
   */
  constructor(options: IRelayOptions) {
    if (!options.token) {
      throw new Error('The relay needs a token');
    }
    this._token = options.token;
    this._key = proofKey(options.token);
    this._tokenFile = options.tokenFile;
    this._host = options.host ?? '127.0.0.1';
    if (!isLoopbackHost(this._host) && !options.allowRemoteHost) {
      throw new Error(remoteHostRefusal(this._host));
    }
    this._requestedPort = options.port ?? DEFAULT_PORT;
    this._maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this._helloTimeoutMs = options.helloTimeoutMs ?? 20_000;
    this._pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this._sessionIdleMs = options.sessionIdleMs ?? 30 * 60_000;
    this._maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this._evictIdleMs = options.evictIdleMs ?? 60_000;
    this._maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    this.logger = options.logger ?? new Logger();
    this.events = new EventStorePool(options.eventStoreLimits);
    this.logger.addSecret(this._token);
    this._origins = [
      ...DEFAULT_ORIGIN_PATTERNS,
      ...(options.allowOrigins ?? [])
    ].map(parseOriginPattern);
    this.hub = new Hub({
      pageWaitMs: options.pageWaitMs ?? 30_000,
      queueLimits: { ...DEFAULT_QUEUE_LIMITS, ...options.queueLimits },
      logger: this.logger,
      onRotateToken: (page, presented) => {
        const { host, pageNonce, relayNonce } = page.handshake;
        if (
          !macValid(
            this._key,
            proofText('rotate-token', host, pageNonce, relayNonce),
            presented
          )
        ) {
          this.logger.warn(
            `page ${page.id} asked for a new token without a valid proof: refused`
          );
          return;
        }
        this.logger.info(
          `page ${page.id} asked for a new token (its user's command)`
        );
        this.rotateToken(undefined, true, page);
      }
    });
    this._server = this._createServer();
    this._wss = new WebSocketServer({
      noServer: true,
      maxPayload: this._maxBody,
      perMessageDeflate: false,
      // The page's own protocol version is selected even when it is not
      // ours, so that the page can be told why it is refused (_onPage).
      handleProtocols: protocols =>
        protocols.has(PAGE_SUBPROTOCOL)
          ? PAGE_SUBPROTOCOL
          : ([...protocols].find(p => p.startsWith(PAGE_SUBPROTOCOL_PREFIX)) ??
            false)
    });
    this._wss.on('error', error =>
      this.logger.warn(`WebSocket server error: ${error.message}`)
    );
  }

  /** Routing state: pages and sessions. */
  readonly hub: Hub;
  /** The SSE events kept for clients that reconnect (one store per session). */
  readonly events: EventStorePool;
  /** The relay's logger (masks the token). */
  readonly logger: Logger;
  /** Counters. */
  readonly stats: IRelayStats = { mcpGetRequests: 0, malformed: 0 };
  /** The relay version. */
  readonly version = packageVersion();

  /**
   * The port the relay listens on (after {@link start}).
   */
  get port(): number {
    if (this._port === null) {
      const address = this._server.address();
      if (!address || typeof address !== 'object') {
        return this._requestedPort;
      }
      // Asked of every request (the Host check): looked up once.
      this._port = (address as AddressInfo).port;
    }
    return this._port;
  }

  /**
   * The bind address.
   */
  get host(): string {
    return this._host;
  }

  /**
   * `http://host:port` of the relay (loopback name when bound to a wildcard).
   */
  get url(): string {
    const host =
      this._host === '0.0.0.0' || this._host === '::'
        ? '127.0.0.1'
        : this._host;
    return `http://${hostForUrl(host)}:${this.port}`;
  }

  /**
   * Start listening. Rejects (for example with EADDRINUSE) when it cannot.
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        this._server.off('listening', onListening);
        reject(error);
      };
      const onListening = (): void => {
        this._server.off('error', onError);
        this._server.on('error', error =>
          this.logger.error(`server error: ${error.message}`)
        );
        this._pingTimer = setInterval(
          () => this._pingPages(),
          this._pingIntervalMs
        );
        this._pingTimer.unref();
        this._idleTimer = setInterval(
          () => this._endIdleSessions(),
          Math.min(30_000, Math.max(100, this._sessionIdleMs / 4))
        );
        this._idleTimer.unref();
        this._sweepTimer = setInterval(
          () => this.events.sweep(),
          Math.max(1000, this.events.limits.finishedStreamTtlMs / 2)
        );
        this._sweepTimer.unref();
        this._watchTokenFile();
        void this._guardLoopback().then(() => resolve());
      };
      this._server.once('error', onError);
      this._server.once('listening', onListening);
      this._server.listen(this._requestedPort, this._host);
    });
  }

  /**
   * Replace the token, and revoke everything the old one opened: every
   * page socket is closed ({@link TOKEN_ROTATED_CLOSE_CODE}), every MCP
   * session ends, every `--stdio` handshake is forgotten. The new token is
   * written to the token file (when the relay has one) and the pairing-link
   * file. Only `requester`, the page whose user asked for the rotation (and
   * proved the current token), is told the new token, on its own socket,
   * before it is closed too; it comes back by proving the new token, and so
   * do the other tabs of its origin, which read it where it keeps it. Any
   * other page re-pairs as its user did at first (the pairing link).
   *
   * @param token - the new token (default: a new random one).
   * @param write - whether to write it to the token file.
   * @param requester - the page that asked for it, if one did.
   */
  rotateToken(
    token: string = generateToken(),
    write = true,
    requester?: PageConnection
  ): void {
    if (!token || token === this._token) {
      return;
    }
    const old = this._token;
    this._token = token;
    this._key = proofKey(token);
    this.logger.addSecret(token);
    if (write && this._tokenFile) {
      try {
        writePrivateFile(this._tokenFile, `${token}\n`);
        this._tokenFileText = `${token}`;
        updatePairingLink(this._tokenFile, old, token);
      } catch (error) {
        this.logger.error(
          `could not write the new token to ${this._tokenFile}: ${(error as Error).message}`
        );
      }
    } else if (this._tokenFile) {
      try {
        updatePairingLink(this._tokenFile, old, token);
      } catch (error) {
        this.logger.warn(
          `could not update the pairing link: ${(error as Error).message}`
        );
      }
    }
    const told = requester?.send({ type: 'token-rotated', token }) === true;
    this._stdio.clear();
    const sessions = this.hub.endAllSessions('the token was rotated');
    let pages = 0;
    for (const ws of this._wss.clients) {
      pages += 1;
      try {
        ws.close(TOKEN_ROTATED_CLOSE_CODE, 'token rotated');
      } catch {
        ws.terminate();
      }
    }
    this.logger.info(
      `token rotated: the old token is refused from now on; ${pages} page socket(s) closed, ${sessions} session(s) ended` +
        `${told ? '; the page that asked has the new token' : ''}${this._tokenFile ? ` (token file ${this._tokenFile})` : ''}`
    );
  }

  /**
   * Close pages, sessions and the server.
   */
  async close(): Promise<void> {
    if (this._closed) {
      return;
    }
    this._closed = true;
    clearInterval(this._pingTimer);
    clearInterval(this._idleTimer);
    clearInterval(this._sweepTimer);
    if (this._tokenFile) {
      fs.unwatchFile(this._tokenFile);
    }
    await this.hub.closeAll();
    for (const page of this.hub.pages.values()) {
      clearTimeout(this._helloTimers.get(page.id));
      try {
        page.socket.close(1001, 'relay shutting down');
      } catch {
        page.socket.terminate();
      }
    }
    const sockets = [...this._wss.clients];
    await new Promise<void>(resolve => {
      const timer = setTimeout(() => {
        sockets.forEach(s => s.terminate());
        resolve();
      }, 500);
      timer.unref();
      if (sockets.every(s => s.readyState === WebSocket.CLOSED)) {
        clearTimeout(timer);
        resolve();
        return;
      }
      let open = sockets.length;
      sockets.forEach(s =>
        s.once('close', () => {
          if (--open === 0) {
            clearTimeout(timer);
            resolve();
          }
        })
      );
    });
    this._wss.close();
    await Promise.all(
      [this._server, this._guard].map(
        server =>
          new Promise<void>(resolve => {
            if (!server?.listening) {
              resolve();
              return;
            }
            server.close(() => resolve());
            server.closeAllConnections();
          })
      )
    );
  }

  /**
   * The other loopback address the relay also listens on (`::1` beside
   * `127.0.0.1`, and the other way round), or null.
   */
  get guardHost(): string | null {
    return this._guard?.listening ? Private.otherLoopback(this._host) : null;
  }

  private _createServer(): http.Server {
    const server = http.createServer((req, res) => this._onRequest(req, res));
    server.on(
      'upgrade',
      (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
        this._onUpgrade(req, socket, head)
    );
    server.on('clientError', (error, socket) => {
      this.stats.malformed++;
      this.logger.debug(`HTTP client error: ${error.message}`);
      socket.destroy();
    });
    return server;
  }

  /**
   * A browser may reach `localhost` on `::1` as well as on `127.0.0.1`:
   * bound to one, the relay listens on the same port of the other too, so
   * that no other program (of another user) can listen there and relay a
   * page's handshake to this relay. Where the other address does not exist
   * there is nothing to take; where a program already listens there, a
   * warning says so.
   */
  private async _guardLoopback(): Promise<void> {
    const other = Private.otherLoopback(this._host);
    if (!other) {
      return;
    }
    const guard = this._createServer();
    await new Promise<void>(resolve => {
      guard.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          this.logger.warn(
            `another program listens on ${hostForUrl(other)}:${this.port}: a page whose relay URL says ` +
              `"localhost" may reach it instead of this relay; use ${hostForUrl(this._host)} in the URL`
          );
        } else {
          this.logger.debug(`not listening on ${other}: ${error.message}`);
        }
        resolve();
      });
      guard.listen(this.port, other, () => {
        this._guard = guard;
        guard.on('error', error =>
          this.logger.error(`server error: ${error.message}`)
        );
        resolve();
      });
    });
  }

  /**
   * Take up a token written to the token file by another process
   * (`jupyterlab-mcp-bridge --rotate-token`).
   */
  private _watchTokenFile(): void {
    const file = this._tokenFile;
    if (!file) {
      return;
    }
    this._tokenFileText = this._token;
    fs.watchFile(file, { interval: 300, persistent: false }, () => {
      let text: string | undefined;
      try {
        text = readTokenFile(file);
      } catch (error) {
        this.logger.warn((error as Error).message);
        return;
      }
      if (text && text !== this._tokenFileText) {
        this._tokenFileText = text;
        this.rotateToken(text, false);
      }
    });
  }

  private _onRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): void {
    res.on('error', error =>
      this.logger.debug(`response error: ${error.message}`)
    );
    req.on('error', error =>
      this.logger.debug(`request error: ${error.message}`)
    );
    this._handleRequest(req, res).catch((error: unknown) => {
      this.logger.error(`request failed: ${String(error)}`);
      if (!res.headersSent) {
        sendJsonRpcError(res, 500, -32603, 'Internal relay error');
      } else {
        res.end();
      }
    });
  }

  private async _handleRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    if (!isHostAllowed(req.headers.host, this._host, this.port)) {
      this.logger.warn(
        `refused a request with Host ${JSON.stringify(req.headers.host ?? '')}`
      );
      sendJson(res, 403, { error: 'Forbidden: invalid Host header' });
      return;
    }
    const origin = req.headers.origin;
    if (!checkOrigin(origin, this._origins, false)) {
      this.logger.warn(
        `refused a request from Origin ${JSON.stringify(origin)}`
      );
      sendJson(res, 403, { error: 'Forbidden: origin not allowed' });
      return;
    }
    if (typeof origin === 'string') {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader(
        'Access-Control-Expose-Headers',
        'Mcp-Session-Id, WWW-Authenticate'
      );
      res.setHeader('Vary', 'Origin');
    }
    const pathname = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
        'Access-Control-Allow-Headers':
          'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id',
        'Access-Control-Max-Age': '600'
      });
      res.end();
      return;
    }
    if (pathname === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(
          res,
          405,
          { error: 'Method not allowed' },
          { Allow: 'GET, HEAD' }
        );
        return;
      }
      sendJson(res, 200, this.health());
      return;
    }
    if (pathname === AUTH_PATH) {
      await this._handleStdioAuth(req, res);
      return;
    }
    if (pathname === MCP_PATH) {
      const authorization = req.headers.authorization;
      let authorized = false;
      if (
        typeof authorization === 'string' &&
        authorization.startsWith(`${STDIO_AUTH_SCHEME} `)
      ) {
        const answerProof = this._stdio.check(
          authorization,
          req.method ?? '',
          MCP_PATH
        );
        if (answerProof) {
          res.setHeader(STDIO_PROOF_HEADER, answerProof);
          authorized = true;
        }
      } else {
        authorized = tokensEqual(bearerFromHeader(authorization), this._token);
      }
      if (!authorized) {
        this.logger.warn(
          `refused an unauthenticated ${req.method ?? ''} ${MCP_PATH}`
        );
        sendJsonRpcError(
          res,
          401,
          -32001,
          'Unauthorized: missing or invalid bearer token',
          {
            'WWW-Authenticate': `Bearer realm="${RELAY_NAME}"`
          }
        );
        return;
      }
      await this._handleMcp(req, res);
      return;
    }
    sendJson(res, 404, { error: 'Not found' });
  }

  /**
   * The body of `/healthz`.
   */
  health(): {
    name: string;
    version: string;
    protocol: number;
    pages: number;
    sessions: number;
  } {
    return {
      name: RELAY_NAME,
      version: this.version,
      protocol: PROTOCOL_VERSION,
      pages: this.hub.readyPageCount,
      sessions: this.hub.sessions.size
    };
  }

  /**
   * `POST /auth`: the relay proves to a `--stdio` proxy that it knows the
   * token (see `IStdioAuthRequest`), before the proxy sends it anything.
   */
  private async _handleStdioAuth(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'Method not allowed' }, { Allow: 'POST' });
      return;
    }
    const body = await readBody(req, 1024);
    let nonce: unknown;
    try {
      nonce = body.tooLarge
        ? undefined
        : (JSON.parse(body.text) as { nonce?: unknown }).nonce;
    } catch {
      nonce = undefined;
    }
    const host = req.headers.host ?? '';
    const answer = this._stdio.open(this._key, host, nonce);
    if (!answer) {
      this.stats.malformed++;
      sendJson(res, 400, {
        error: 'Bad Request: expected {"nonce": <32 random bytes, base64url>}'
      });
      return;
    }
    sendJson(res, 200, answer);
  }

  /**
   * Count a request (and the stream it may hold open) as a sign of life of
   * its session.
   */
  private _track(session: Session, res: http.ServerResponse): void {
    session.openStreams += 1;
    session.lastActivity = Date.now();
    res.once('close', () => {
      session.openStreams -= 1;
      session.lastActivity = Date.now();
    });
  }

  /**
   * At the session limit: end the session idle longest, if one has been
   * idle for `evictIdleMs` (its client's next request gets 404 and it
   * starts a new session). Returns whether one was ended.
   */
  private _endIdlest(): boolean {
    const now = Date.now();
    let idlest: Session | undefined;
    for (const session of this.hub.sessions.values()) {
      if (
        session.isIdle(now, this._evictIdleMs) &&
        (!idlest || session.lastActivity < idlest.lastActivity)
      ) {
        idlest = session;
      }
    }
    if (!idlest) {
      return false;
    }
    // Out of the count now; its transport closes in the background.
    this.hub.closeSession(idlest);
    void this.hub.endSession(
      idlest,
      `the relay is at its limit of ${this._maxSessions} sessions, and this one was idle longest`
    );
    return true;
  }

  /**
   * End the sessions whose clients went away without ending them.
   */
  private _endIdleSessions(): void {
    const now = Date.now();
    for (const session of this.hub.sessions.values()) {
      if (session.isIdle(now, this._sessionIdleMs)) {
        const minutes = (now - session.lastActivity) / 60_000;
        void this.hub.endSession(
          session,
          `no request and no open stream for ${minutes < 1 ? `${Math.round(minutes * 60)} s` : `${minutes.toFixed(1)} min`}`
        );
      }
    }
  }

  private async _handleMcp(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const sessionId =
      typeof header === 'string' && header.length > 0 ? header : undefined;
    if (req.method === 'POST') {
      const body = await readBody(req, this._maxBody);
      if (body.tooLarge) {
        this.stats.malformed++;
        this.logger.warn('refused a request body over the size limit');
        sendJsonRpcError(
          res,
          413,
          -32000,
          `Request body too large (limit ${this._maxBody} bytes)`,
          {
            Connection: 'close'
          }
        );
        return;
      }
      if (jsonDeeperThan(body.text, this._maxJsonDepth)) {
        this.stats.malformed++;
        this.logger.warn(
          `refused a request body nested deeper than ${this._maxJsonDepth} levels`
        );
        sendJsonRpcError(
          res,
          400,
          -32600,
          `Invalid Request: the JSON is nested deeper than ${this._maxJsonDepth} levels (the relay's limit); nothing was forwarded`
        );
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.text);
      } catch {
        this.stats.malformed++;
        this.logger.warn('refused a POST body that is not JSON');
        sendJsonRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
        return;
      }
      if (sessionId !== undefined) {
        const session = this.hub.sessions.get(sessionId);
        if (!session) {
          sendJsonRpcError(res, 404, -32001, 'Session not found');
          return;
        }
        this._track(session, res);
        if (this._streamDirectly(session, req, res, parsed)) {
          return;
        }
        useNegotiatedVersion(req, session.protocolVersion);
        await session.transport.handleRequest(req, res, parsed);
        return;
      }
      if (!isInitialize(parsed)) {
        sendJsonRpcError(
          res,
          400,
          -32000,
          'Bad Request: No valid session ID provided'
        );
        return;
      }
      let open = this.hub.sessions.size + this._opening.size;
      if (open >= this._maxSessions && this._endIdlest()) {
        open -= 1;
      }
      if (open >= this._maxSessions) {
        this.logger.warn(
          `refused a new session: ${open} open, the limit is ${this._maxSessions} (--max-sessions)`
        );
        sendJsonRpcError(
          res,
          503,
          -32000,
          `Too many MCP sessions open (${open}; the relay's limit is ${this._maxSessions}, --max-sessions), and none ` +
            `idle for ${Math.round(this._evictIdleMs / 1000)} s to end for this one: end sessions you no longer use ` +
            '(HTTP DELETE), then retry',
          { 'Retry-After': '30' }
        );
        return;
      }
      const session = this._newSession();
      session.clientTransport =
        req.headers[STDIO_CLIENT_HEADER] === 'stdio' ? 'stdio' : 'http';
      const previous = req.headers[PREVIOUS_SESSION_HEADER];
      if (typeof previous === 'string' && /^[\w-]{1,100}$/.test(previous)) {
        session.previousId = previous;
      }
      this._track(session, res);
      this._opening.add(session);
      try {
        await session.transport.handleRequest(req, res, parsed);
      } finally {
        this._opening.delete(session);
        if (!session.id) {
          // The SDK refused this initialize (headers, body): the session
          // never began; free what it holds.
          session.events.dispose();
          void session.transport.close().catch(() => undefined);
        }
      }
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (sessionId === undefined) {
        sendJsonRpcError(
          res,
          400,
          -32000,
          'Bad Request: Mcp-Session-Id header is required'
        );
        return;
      }
      const session = this.hub.sessions.get(sessionId);
      if (!session) {
        sendJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      if (req.method === 'GET') {
        this.stats.mcpGetRequests++;
      }
      this._track(session, res);
      const lastEventId = req.headers['last-event-id'];
      if (
        req.method === 'GET' &&
        typeof lastEventId === 'string' &&
        (req.headers.accept ?? '').includes('text/event-stream') &&
        session.direct.resume(lastEventId, res)
      ) {
        return;
      }
      useNegotiatedVersion(req, session.protocolVersion);
      await session.transport.handleRequest(req, res);
      return;
    }
    sendJsonRpcError(res, 405, -32000, 'Method not allowed.', {
      Allow: 'GET, POST, DELETE'
    });
  }

  /**
   * The common call: one request (not `initialize`) on a live session, from
   * a client that accepts both JSON and event streams, with headers the
   * specification accepts. The relay forwards it and writes its answer
   * stream itself (`DirectStreams`): the same events, ids and resumption as
   * the SDK transport gives, at about half the relay's work per call.
   * Anything else, every malformed request included, goes through the SDK
   * transport. Returns whether it took the request.
   */
  private _streamDirectly(
    session: Session,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: unknown
  ): boolean {
    const direct = session.direct;
    if (
      !session.initializeAnswered ||
      session.closed ||
      !isObject(body) ||
      body.jsonrpc !== '2.0' ||
      typeof body.method !== 'string' ||
      body.method === 'initialize' ||
      !isRequestId(body.id) ||
      (body.params !== undefined && !isObject(body.params))
    ) {
      return false;
    }
    const accept = req.headers.accept ?? '';
    const version = req.headers['mcp-protocol-version'];
    if (
      !accept.includes('application/json') ||
      !accept.includes('text/event-stream') ||
      !(req.headers['content-type'] ?? '').includes('application/json') ||
      (version !== undefined &&
        (typeof version !== 'string' ||
          !sdk.types().SUPPORTED_PROTOCOL_VERSIONS.includes(version)))
    ) {
      return false;
    }
    const key = idKey(body.id);
    if (direct.has(body.id) || session.inflight.has(key)) {
      // The same id twice in flight: the SDK transport says what is wrong.
      return false;
    }
    direct.open(body.id, res);
    this.hub.fromClient(session, body as JsonRpcMessage);
    return true;
  }

  private _newSession(): Session {
    const eventStore = this.events.create();
    const { StreamableHTTPServerTransport } = sdk.transport();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomBytes(24).toString('base64url'),
      // Event ids, a priming event with a retry hint, and replay after
      // Last-Event-ID: a client whose stream dropped gets what it missed.
      eventStore,
      retryInterval: SSE_RETRY_MS,
      onsessioninitialized: id => {
        session.id = id;
        this._opening.delete(session);
        this.hub.addSession(session);
      }
    });
    const session = new Session(transport, eventStore);
    transport.onmessage = message => {
      if (isJsonRpcMessage(message)) {
        this.hub.fromClient(session, message as JsonRpcMessage);
      }
    };
    transport.onclose = () => {
      eventStore.dispose();
      this.hub.closeSession(session);
    };
    transport.onerror = error =>
      this.logger.debug(`session ${session.id.slice(0, 8)}: ${error.message}`);
    // start() only flips a flag on this transport; it never rejects the first time.
    void transport.start();
    return session;
  }

  private _onUpgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer
  ): void {
    socket.on('error', error =>
      this.logger.debug(`upgrade socket error: ${error.message}`)
    );
    try {
      const pathname = (req.url ?? '/').split('?')[0];
      if (pathname !== PAGE_PATH) {
        refuseUpgrade(socket, 404, 'Not found');
        return;
      }
      if (!isHostAllowed(req.headers.host, this._host, this.port)) {
        this.logger.warn(
          `refused a page with Host ${JSON.stringify(req.headers.host ?? '')}`
        );
        refuseUpgrade(socket, 403, 'Forbidden: invalid Host header');
        return;
      }
      if (!checkOrigin(req.headers.origin, this._origins, true)) {
        this.logger.warn(
          `refused a page from Origin ${JSON.stringify(req.headers.origin ?? null)}`
        );
        refuseUpgrade(socket, 403, 'Forbidden: origin not allowed');
        return;
      }
      const offer = parsePageSubprotocols(
        req.headers['sec-websocket-protocol']
      );
      if (offer.pageProtocol === undefined) {
        refuseUpgrade(
          socket,
          400,
          `Bad Request: subprotocol ${PAGE_SUBPROTOCOL} required`
        );
        return;
      }
      if (this._closed) {
        refuseUpgrade(socket, 403, 'Relay shutting down');
        return;
      }
      if (this._handshakes >= Relay.MAX_HANDSHAKES) {
        this.logger.warn('refused a page: too many handshakes under way');
        refuseUpgrade(socket, 503, 'Too many page handshakes under way');
        return;
      }
      const host = req.headers.host ?? '';
      this._wss.handleUpgrade(req, socket, head, ws =>
        this._onSocket(ws, host)
      );
    } catch (error) {
      this.logger.error(`upgrade failed: ${String(error)}`);
      socket.destroy();
    }
  }

  /**
   * A socket upgraded on `/page`: refuse another protocol version (that
   * needs no secret), then the handshake. The page sends its nonce; the
   * relay proves itself; the page proves itself; only then is it a page.
   * Anything else, a wrong proof, or no proof in time closes the socket
   * ({@link UNAUTHORIZED_CLOSE_CODE}) before the relay takes any message.
   */
  private _onSocket(ws: WebSocket, host: string): void {
    ws.on('error', error =>
      this.logger.debug(`page socket error: ${error.message}`)
    );
    if (ws.protocol !== PAGE_SUBPROTOCOL) {
      const theirs = ws.protocol.slice(PAGE_SUBPROTOCOL_PREFIX.length);
      const reason = `relay ${this.version} speaks protocol v${PROTOCOL_VERSION}, the page v${theirs}: install the same version of both`;
      this.logger.warn(`refused a page: ${reason}`);
      ws.close(INCOMPATIBLE_CLOSE_CODE, reason.slice(0, 120));
      return;
    }
    this._handshakes += 1;
    let relayNonce: string | undefined;
    let pageNonce = '';
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        this._handshakes -= 1;
        clearTimeout(timer);
        ws.off('message', onMessage);
      }
    };
    const refuse = (why: string): void => {
      finish();
      this.stats.malformed++;
      this.logger.warn(
        `refused a page that did not prove it knows the token: ${why}`
      );
      ws.close(UNAUTHORIZED_CLOSE_CODE, 'Unauthorized: prove the token first');
    };
    const timer = setTimeout(
      () => refuse('no proof in time'),
      this._helloTimeoutMs
    );
    timer.unref();
    const key = this._key;
    const onMessage = (data: unknown, isBinary: boolean): void => {
      let message: { type?: unknown; nonce?: unknown; proof?: unknown };
      try {
        message = isBinary
          ? {}
          : (JSON.parse(Private.text(data)) as typeof message);
      } catch {
        refuse('a message that is not JSON');
        return;
      }
      if (relayNonce === undefined) {
        if (message?.type !== 'auth-hello' || !isNonce(message.nonce)) {
          refuse('its first message was not a nonce');
          return;
        }
        pageNonce = message.nonce;
        relayNonce = newNonce();
        ws.send(
          JSON.stringify({
            type: 'auth-relay',
            nonce: relayNonce,
            proof: proof(key, 'relay-to-page', host, pageNonce, relayNonce)
          })
        );
        return;
      }
      if (
        message?.type !== 'auth-page' ||
        !macValid(
          key,
          proofText('page-to-relay', host, pageNonce, relayNonce),
          message.proof
        )
      ) {
        refuse('a wrong proof');
        return;
      }
      finish();
      if (key !== this._key) {
        // The token was rotated during the handshake.
        ws.close(TOKEN_ROTATED_CLOSE_CODE, 'token rotated');
        return;
      }
      this._onPage(ws, { host, pageNonce, relayNonce });
    };
    ws.on('message', onMessage);
    ws.on('close', finish);
  }

  private _onPage(ws: WebSocket, handshake: IPageHandshake): void {
    const page = new PageConnection(
      randomBytes(8).toString('hex'),
      ++this._pageSeq,
      ws,
      handshake
    );
    this.hub.addPage(page);
    this.logger.info(`page ${page.id} connected`);
    ws.on('error', error =>
      this.logger.debug(`page ${page.id} socket error: ${error.message}`)
    );
    ws.on('pong', () => {
      page.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) {
          this.stats.malformed++;
          this.logger.warn(`dropped a binary message from page ${page.id}`);
          return;
        }
        this.hub.fromPage(page, Private.text(data));
      } catch (error) {
        this.stats.malformed++;
        this.logger.warn(`page ${page.id} message failed: ${String(error)}`);
      }
    });
    ws.on('close', () => {
      clearTimeout(this._helloTimers.get(page.id));
      this._helloTimers.delete(page.id);
      this.hub.removePage(page);
    });
    const timer = setTimeout(() => {
      if (!page.ready) {
        this.logger.warn(`page ${page.id} sent no hello: closing`);
        ws.close(1008, 'hello expected');
      }
    }, this._helloTimeoutMs);
    timer.unref();
    this._helloTimers.set(page.id, timer);
    page.send({ type: 'welcome', relayVersion: this.version, pageId: page.id });
  }

  private _pingPages(): void {
    for (const page of this.hub.pages.values()) {
      if (!page.alive) {
        this.logger.warn(`page ${page.id} stopped answering pings`);
        page.socket.terminate();
        continue;
      }
      page.alive = false;
      try {
        page.socket.ping();
      } catch {
        // closing
      }
    }
  }

  /** Page sockets in their handshake at most at once. */
  static readonly MAX_HANDSHAKES = 64;

  private _token: string;
  private _key: Buffer;
  private readonly _stdio = new StdioGrants();
  private _handshakes = 0;
  private readonly _tokenFile?: string;
  private _tokenFileText = '';
  private readonly _host: string;
  private readonly _requestedPort: number;
  private _port: number | null = null;
  private readonly _maxBody: number;
  private readonly _helloTimeoutMs: number;
  private readonly _pingIntervalMs: number;
  private readonly _sessionIdleMs: number;
  private readonly _maxSessions: number;
  private readonly _evictIdleMs: number;
  private readonly _maxJsonDepth: number;
  /** Sessions whose `initialize` is being handled (no id yet). */
  private readonly _opening = new Set<Session>();
  private _idleTimer?: NodeJS.Timeout;
  private readonly _origins: IOriginPattern[];
  private readonly _server: http.Server;
  private _guard: http.Server | null = null;
  private readonly _wss: WebSocketServer;
  private readonly _helloTimers = new Map<string, NodeJS.Timeout>();
  private _pingTimer?: NodeJS.Timeout;
  private _sweepTimer?: NodeJS.Timeout;
  private _pageSeq = 0;
  private _closed = false;
}

/**
 * Serve a request of a session at the protocol version the session
 * negotiated: an `MCP-Protocol-Version` header naming another version the
 * SDK supports is set to the negotiated one (an unsupported one is left for
 * the SDK to refuse with 400). The SDK decides per request, from that
 * header, whether to open an SSE stream with a priming event (2025-11-25
 * and later); a client that negotiated 2025-11-25 but sends an older
 * version (the conformance suite's `server-sse-polling` sends 2025-03-26)
 * still gets resumable streams.
 */
function useNegotiatedVersion(
  req: http.IncomingMessage,
  negotiated: string | undefined
): void {
  const header = req.headers['mcp-protocol-version'];
  if (
    !negotiated ||
    typeof header !== 'string' ||
    header === negotiated ||
    !sdk.types().SUPPORTED_PROTOCOL_VERSIONS.includes(header)
  ) {
    return;
  }
  // The SDK's Node adapter builds its Request from rawHeaders.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'mcp-protocol-version') {
      raw[i + 1] = negotiated;
    }
  }
  req.headers['mcp-protocol-version'] = negotiated;
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    m =>
      isObject(m) &&
      m.jsonrpc === '2.0' &&
      m.method === 'initialize' &&
      'id' in m
  );
}

namespace Private {
  /**
   * The loopback address of the other family, for the addresses a browser
   * may reach as `localhost`.
   */
  export function otherLoopback(host: string): string | null {
    return host === '127.0.0.1' ? '::1' : host === '::1' ? '127.0.0.1' : null;
  }

  /**
   * The text of a WebSocket message.
   */
  export function text(data: unknown): string {
    return Array.isArray(data)
      ? Buffer.concat(data as Buffer[]).toString('utf8')
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
  }
}
