/**
 * The relay: an HTTP server that speaks MCP Streamable HTTP to clients on
 * `/mcp` and forwards every session to a JupyterLab page over `/page`. This
 * module holds the server itself (its routing, Host and Origin checks, CORS,
 * `/healthz`, the `--stdio` proxy's `/auth`, the token and its rotation) and
 * puts together the parts that live in their own modules: the MCP endpoint
 * (`mcp-endpoint.ts`), the page socket (`page-socket.ts`), the hub
 * (`hub.ts`) with its pages (`page.ts`) and sessions (`session.ts`). It is
 * the package's entry point.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  AUTH_PATH,
  DEFAULT_PORT,
  HEALTH_PATH,
  MCP_PATH,
  PROTOCOL_VERSION,
  proofText,
  RELAY_NAME,
  STDIO_AUTH_SCHEME,
  STDIO_PROOF_HEADER,
  TOKEN_ROTATED_CLOSE_CODE
} from './protocol';
import {
  DEFAULT_MAX_BODY_BYTES,
  readBody,
  sendJson,
  sendJsonRpcError
} from './http';
import { EventStorePool, type IEventStoreLimits } from './events';
import { Hub } from './hub';
import { Logger } from './log';
import { McpEndpoint } from './mcp-endpoint';
import type { PageConnection } from './page';
import { MAX_PAGE_HANDSHAKES, PageSocket } from './page-socket';
import { macValid, proofKey, StdioGrants } from './proof';
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
  tokensEqual
} from './security';
import { DEFAULT_QUEUE_LIMITS, type IQueueLimits } from './session';
import {
  generateToken,
  readTokenFile,
  updatePairingLink,
  writePrivateFile
} from './token';
import { packageVersion } from './version';

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
    this._sessionIdleMs = options.sessionIdleMs ?? 30 * 60_000;
    this.logger = options.logger ?? new Logger();
    this.events = new EventStorePool(options.eventStoreLimits);
    this.logger.addSecret(this._token);
    this._origins = [
      ...DEFAULT_ORIGIN_PATTERNS,
      ...(options.allowOrigins ?? [])
    ].map(parseOriginPattern);
    this.hub = new Hub({
      logger: this.logger,
      onRotateToken: (page, presented) => this._onRotateRequest(page, presented)
    });
    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this._mcp = new McpEndpoint({
      hub: this.hub,
      events: this.events,
      logger: this.logger,
      stats: this.stats,
      maxBodyBytes: maxBody,
      maxJsonDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
      maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      evictIdleMs: options.evictIdleMs ?? 60_000,
      sessionIdleMs: this._sessionIdleMs,
      pageWaitMs: options.pageWaitMs ?? 30_000,
      queueLimits: { ...DEFAULT_QUEUE_LIMITS, ...options.queueLimits }
    });
    this._pages = new PageSocket({
      hub: this.hub,
      logger: this.logger,
      stats: this.stats,
      version: this.version,
      host: this._host,
      port: () => this.port,
      origins: this._origins,
      key: () => this._key,
      closing: () => this._closed,
      maxPayload: maxBody,
      helloTimeoutMs: options.helloTimeoutMs ?? 20_000,
      pingIntervalMs: options.pingIntervalMs ?? 30_000
    });
    this._server = this._createServer();
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
        this._startTimers();
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
    this._storeToken(old, token, write);
    const told = requester?.send({ type: 'token-rotated', token }) === true;
    this._stdio.clear();
    const sessions = this.hub.endAllSessions('the token was rotated');
    const pages = this._pages.closeAll(
      TOKEN_ROTATED_CLOSE_CODE,
      'token rotated'
    );
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
    this._pages.stopPings();
    clearInterval(this._idleTimer);
    clearInterval(this._sweepTimer);
    if (this._tokenFile) {
      fs.unwatchFile(this._tokenFile);
    }
    await this.hub.closeAll();
    await this._pages.close();
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

  /** Page sockets in their handshake at most at once. */
  static readonly MAX_HANDSHAKES = MAX_PAGE_HANDSHAKES;

  private _createServer(): http.Server {
    const server = http.createServer((req, res) => this._onRequest(req, res));
    server.on(
      'upgrade',
      (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
        this._pages.upgrade(req, socket, head)
    );
    server.on('clientError', (error, socket) => {
      this.stats.malformed++;
      this.logger.debug(`HTTP client error: ${error.message}`);
      socket.destroy();
    });
    return server;
  }

  /**
   * The timers of a listening relay: pings to pages, the end of idle
   * sessions, the sweep of finished event streams.
   */
  private _startTimers(): void {
    this._pages.startPings();
    this._idleTimer = setInterval(
      () => this._mcp.endIdleSessions(),
      Math.min(30_000, Math.max(100, this._sessionIdleMs / 4))
    );
    this._idleTimer.unref();
    this._sweepTimer = setInterval(
      () => this.events.sweep(),
      Math.max(1000, this.events.limits.finishedStreamTtlMs / 2)
    );
    this._sweepTimer.unref();
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
   * A ready page asks for a new token: granted when its `rotate-token`
   * proof of its connection's nonces checks out with the current token.
   */
  private _onRotateRequest(page: PageConnection, presented: string): void {
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

  /**
   * A new token: written to the token file (when `write`) and to the
   * pairing link next to it.
   */
  private _storeToken(old: string, token: string, write: boolean): void {
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

  /**
   * Route a request, once its Host and Origin are allowed.
   */
  private async _handleRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    if (!this._allowCaller(req, res)) {
      return;
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
      if (this._authorizeMcp(req, res)) {
        await this._mcp.handle(req, res);
      }
      return;
    }
    sendJson(res, 404, { error: 'Not found' });
  }

  /**
   * Refuse a request whose Host or Origin is not allowed (403); give an
   * allowed origin its CORS headers. Returns whether the request goes on.
   */
  private _allowCaller(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): boolean {
    if (!isHostAllowed(req.headers.host, this._host, this.port)) {
      this.logger.warn(
        `refused a request with Host ${JSON.stringify(req.headers.host ?? '')}`
      );
      sendJson(res, 403, { error: 'Forbidden: invalid Host header' });
      return false;
    }
    const origin = req.headers.origin;
    if (!checkOrigin(origin, this._origins, false)) {
      this.logger.warn(
        `refused a request from Origin ${JSON.stringify(origin)}`
      );
      sendJson(res, 403, { error: 'Forbidden: origin not allowed' });
      return false;
    }
    if (typeof origin === 'string') {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader(
        'Access-Control-Expose-Headers',
        'Mcp-Session-Id, WWW-Authenticate'
      );
      res.setHeader('Vary', 'Origin');
    }
    return true;
  }

  /**
   * Whether an `/mcp` request is authorized: the bearer token, or the
   * signature of a `--stdio` proxy that did its handshake (its answer then
   * carries the relay's proof). Otherwise it gets 401.
   */
  private _authorizeMcp(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): boolean {
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
    }
    return authorized;
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

  private _token: string;
  private _key: Buffer;
  private readonly _stdio = new StdioGrants();
  private readonly _tokenFile?: string;
  private _tokenFileText = '';
  private readonly _host: string;
  private readonly _requestedPort: number;
  private _port: number | null = null;
  private readonly _sessionIdleMs: number;
  private readonly _origins: IOriginPattern[];
  private readonly _mcp: McpEndpoint;
  private readonly _pages: PageSocket;
  private readonly _server: http.Server;
  private _guard: http.Server | null = null;
  private _idleTimer?: NodeJS.Timeout;
  private _sweepTimer?: NodeJS.Timeout;
  private _closed = false;
}

namespace Private {
  /**
   * The loopback address of the other family, for the addresses a browser
   * may reach as `localhost`.
   */
  export function otherLoopback(host: string): string | null {
    return host === '127.0.0.1' ? '::1' : host === '::1' ? '127.0.0.1' : null;
  }
}
