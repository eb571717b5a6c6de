/**
 * The MCP endpoint: the `/mcp` requests that passed the relay's Host,
 * Origin and token checks. A POST body is read within the relay's bounds
 * (size, nesting) and goes to its session: the common call (one request on
 * a live session) is accepted by the session, which answers it on a stream
 * of its own, and anything else goes through the session's SDK transport.
 * An `initialize` without a session opens one, within the relay's limit of
 * sessions (ending the one idle longest to make room when it may). GET and
 * DELETE go to their session's transport, but for a GET that resumes one of
 * the relay's own streams. The endpoint also ends sessions left idle.
 */
import type * as http from 'node:http';
import {
  type JsonRpcMessage,
  PREVIOUS_SESSION_HEADER,
  STDIO_CLIENT_HEADER
} from './protocol';
import { readBody, sendJsonRpcError } from './http';
import type { EventStorePool } from './events';
import {
  isObject,
  isRequestId,
  jsonDeeperThan,
  type RequestId
} from './jsonrpc';
import type { Logger } from './log';
import type { Hub } from './hub';
import type { IRelayStats } from './relay';
import { type IQueueLimits, Session, shortId } from './session';
import { createSessionTransport, supportedProtocolVersions } from './transport';

/**
 * Options of the {@link McpEndpoint}.
 */
export interface IMcpEndpointOptions {
  hub: Hub;
  /** The pool the event store of each new session comes from. */
  events: EventStorePool;
  logger: Logger;
  /** The relay's counters. */
  stats: IRelayStats;
  /** Cap on POST bodies, in bytes. */
  maxBodyBytes: number;
  /** Deepest nesting of arrays and objects in a POST body. */
  maxJsonDepth: number;
  /** Sessions open at most. */
  maxSessions: number;
  /** How long a session must be idle to be ended for a new one, in ms. */
  evictIdleMs: number;
  /** How long a session may be idle before it is ended, in ms. */
  sessionIdleMs: number;
  /** How long a client request waits for a page, in ms. */
  pageWaitMs: number;
  /** What a session keeps while no page is connected. */
  queueLimits: IQueueLimits;
}

/**
 * The `/mcp` endpoint (MCP Streamable HTTP).
 */
export class McpEndpoint {
  /**
   * @param options - see {@link IMcpEndpointOptions}.
   */
  constructor(private readonly _options: IMcpEndpointOptions) {}

  /**
   * Handle an authorized `/mcp` request.
   */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const sessionId =
      typeof header === 'string' && header.length > 0 ? header : undefined;
    if (req.method === 'POST') {
      await this._post(req, res, sessionId);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      await this._getOrDelete(req, res, sessionId);
      return;
    }
    sendJsonRpcError(res, 405, -32000, 'Method not allowed.', {
      Allow: 'GET, POST, DELETE'
    });
  }

  /**
   * End the sessions whose clients went away without ending them.
   */
  endIdleSessions(): void {
    const now = Date.now();
    const { hub, sessionIdleMs } = this._options;
    for (const session of hub.sessions.values()) {
      if (session.isIdle(now, sessionIdleMs)) {
        const minutes = (now - session.lastActivity) / 60_000;
        void hub.endSession(
          session,
          `no request and no open stream for ${minutes < 1 ? `${Math.round(minutes * 60)} s` : `${minutes.toFixed(1)} min`}`
        );
      }
    }
  }

  /**
   * `POST /mcp`: a message (or a batch) for a session, or the `initialize`
   * of a new one.
   */
  private async _post(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string | undefined
  ): Promise<void> {
    const body = await this._readJson(req, res);
    if (!body) {
      return;
    }
    if (sessionId !== undefined) {
      await this._postToSession(sessionId, req, res, body.value);
      return;
    }
    if (!Private.isInitialize(body.value)) {
      sendJsonRpcError(
        res,
        400,
        -32000,
        'Bad Request: No valid session ID provided'
      );
      return;
    }
    await this._initialize(req, res, body.value);
  }

  /**
   * Read a POST body as JSON, refusing one over the size limit, one nested
   * deeper than the relay's limit (unparsed), and one that is not JSON.
   * Returns null once it answered the request.
   */
  private async _readJson(
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<{ value: unknown } | null> {
    const { logger, maxBodyBytes, maxJsonDepth, stats } = this._options;
    const body = await readBody(req, maxBodyBytes);
    if (body.tooLarge) {
      stats.malformed++;
      logger.warn('refused a request body over the size limit');
      sendJsonRpcError(
        res,
        413,
        -32000,
        `Request body too large (limit ${maxBodyBytes} bytes)`,
        {
          Connection: 'close'
        }
      );
      return null;
    }
    if (jsonDeeperThan(body.text, maxJsonDepth)) {
      stats.malformed++;
      logger.warn(
        `refused a request body nested deeper than ${maxJsonDepth} levels`
      );
      sendJsonRpcError(
        res,
        400,
        -32600,
        `Invalid Request: the JSON is nested deeper than ${maxJsonDepth} levels (the relay's limit); nothing was forwarded`
      );
      return null;
    }
    try {
      return { value: JSON.parse(body.text) as unknown };
    } catch {
      stats.malformed++;
      logger.warn('refused a POST body that is not JSON');
      sendJsonRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
      return null;
    }
  }

  /**
   * A POST of an existing session: the common call on the session's own
   * answer stream, anything else through its SDK transport.
   */
  private async _postToSession(
    sessionId: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: unknown
  ): Promise<void> {
    const session = this._options.hub.sessions.get(sessionId);
    if (!session) {
      sendJsonRpcError(res, 404, -32001, 'Session not found');
      return;
    }
    session.track(res);
    if (this._streamDirectly(session, req, res, body)) {
      return;
    }
    await session.handle(req, res, body);
  }

  /**
   * The common call: one request (not `initialize`) on a live session, from
   * a client that accepts both JSON and event streams, with headers the
   * specification accepts. The session accepts it and writes its answer
   * stream itself (`DirectStreams`): the same events, ids and resumption as
   * the SDK transport gives, at about half the relay's work per call.
   * Anything else, every malformed request included, goes through the SDK
   * transport. Returns whether the request was taken.
   */
  private _streamDirectly(
    session: Session,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: unknown
  ): boolean {
    if (
      !Private.isPlainCall(body) ||
      !Private.acceptsBoth(req) ||
      !session.accept(body.id, res)
    ) {
      return false;
    }
    this._options.hub.fromClient(session, { message: body, id: body.id });
    return true;
  }

  /**
   * An `initialize` without a session: a new session, when there is room
   * for it.
   */
  private async _initialize(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: unknown
  ): Promise<void> {
    if (!this._roomForOneMore(res)) {
      return;
    }
    const session = this._newSession(req);
    session.track(res);
    this._opening.add(session);
    try {
      await session.handle(req, res, body);
    } finally {
      this._opening.delete(session);
      if (!session.id) {
        // The SDK refused this initialize (headers, body): the session
        // never began; free what it holds.
        session.discard();
      }
    }
  }

  /**
   * Whether one more session may open: at the limit, the session idle
   * longest makes room if it may (see {@link _endIdlest}); else the request
   * gets a JSON-RPC error (HTTP 503).
   */
  private _roomForOneMore(res: http.ServerResponse): boolean {
    const { hub, logger, maxSessions, evictIdleMs } = this._options;
    let open = hub.sessions.size + this._opening.size;
    if (open >= maxSessions && this._endIdlest()) {
      open -= 1;
    }
    if (open < maxSessions) {
      return true;
    }
    logger.warn(
      `refused a new session: ${open} open, the limit is ${maxSessions} (--max-sessions)`
    );
    sendJsonRpcError(
      res,
      503,
      -32000,
      `Too many MCP sessions open (${open}; the relay's limit is ${maxSessions}, --max-sessions), and none ` +
        `idle for ${Math.round(evictIdleMs / 1000)} s to end for this one: end sessions you no longer use ` +
        '(HTTP DELETE), then retry',
      { 'Retry-After': '30' }
    );
    return false;
  }

  /**
   * At the session limit: end the session idle longest, if one has been
   * idle for `evictIdleMs` (its client's next request gets 404 and it
   * starts a new session). Returns whether one was ended.
   */
  private _endIdlest(): boolean {
    const { hub, evictIdleMs, maxSessions } = this._options;
    const now = Date.now();
    let idlest: Session | undefined;
    for (const session of hub.sessions.values()) {
      if (
        session.isIdle(now, evictIdleMs) &&
        (!idlest || session.lastActivity < idlest.lastActivity)
      ) {
        idlest = session;
      }
    }
    if (!idlest) {
      return false;
    }
    // Out of the count now; its transport closes in the background.
    hub.closeSession(idlest);
    void hub.endSession(
      idlest,
      `the relay is at its limit of ${maxSessions} sessions, and this one was idle longest`
    );
    return true;
  }

  /**
   * A new session for an `initialize` request, wired to the hub: its
   * transport's messages go to the hub, it joins the hub once the SDK
   * gives it an id, and it leaves the hub when its transport closes.
   */
  private _newSession(req: http.IncomingMessage): Session {
    const { hub, logger } = this._options;
    const events = this._options.events.create();
    const transport = createSessionTransport({
      events,
      onInitialized: id => {
        session.id = id;
        this._opening.delete(session);
        hub.addSession(session);
      },
      onMessage: (message, id) => hub.fromClient(session, { message, id }),
      onClose: () => {
        events.dispose();
        hub.closeSession(session);
      },
      onError: error =>
        logger.debug(`session ${shortId(session.id)}: ${error.message}`)
    });
    const previous = req.headers[PREVIOUS_SESSION_HEADER];
    const session: Session = new Session({
      transport,
      events,
      logger,
      pageWaitMs: this._options.pageWaitMs,
      queueLimits: this._options.queueLimits,
      clientTransport:
        req.headers[STDIO_CLIENT_HEADER] === 'stdio' ? 'stdio' : 'http',
      previousId:
        typeof previous === 'string' && /^[\w-]{1,100}$/.test(previous)
          ? previous
          : undefined,
      onAbandoned: () => void hub.closeTransport(session)
    });
    return session;
  }

  /**
   * `GET /mcp` (the standalone SSE stream, or the resumption of a stream)
   * and `DELETE /mcp` (the client ends its session).
   */
  private async _getOrDelete(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string | undefined
  ): Promise<void> {
    if (sessionId === undefined) {
      sendJsonRpcError(
        res,
        400,
        -32000,
        'Bad Request: Mcp-Session-Id header is required'
      );
      return;
    }
    const session = this._options.hub.sessions.get(sessionId);
    if (!session) {
      sendJsonRpcError(res, 404, -32001, 'Session not found');
      return;
    }
    if (req.method === 'GET') {
      this._options.stats.mcpGetRequests++;
    }
    session.track(res);
    const lastEventId = req.headers['last-event-id'];
    if (
      req.method === 'GET' &&
      typeof lastEventId === 'string' &&
      (req.headers.accept ?? '').includes('text/event-stream') &&
      session.resume(lastEventId, res)
    ) {
      return;
    }
    await session.handle(req, res);
  }

  /** Sessions whose `initialize` is being handled (no id yet). */
  private readonly _opening = new Set<Session>();
}

namespace Private {
  /**
   * Whether a body holds an `initialize` request.
   */
  export function isInitialize(body: unknown): boolean {
    const messages = Array.isArray(body) ? body : [body];
    return messages.some(
      m =>
        isObject(m) &&
        m.jsonrpc === '2.0' &&
        m.method === 'initialize' &&
        'id' in m
    );
  }

  /**
   * Whether a body is one request, not `initialize`, with params that are
   * an object when given.
   */
  export function isPlainCall(
    body: unknown
  ): body is JsonRpcMessage & { id: RequestId; method: string } {
    return (
      isObject(body) &&
      body.jsonrpc === '2.0' &&
      typeof body.method === 'string' &&
      body.method !== 'initialize' &&
      isRequestId(body.id) &&
      (body.params === undefined || isObject(body.params))
    );
  }

  /**
   * Whether a POST's headers are those the specification accepts: it
   * accepts JSON and event streams, sends JSON, and names a protocol
   * version the SDK supports (or none).
   */
  export function acceptsBoth(req: http.IncomingMessage): boolean {
    const accept = req.headers.accept ?? '';
    const version = req.headers['mcp-protocol-version'];
    return (
      accept.includes('application/json') &&
      accept.includes('text/event-stream') &&
      (req.headers['content-type'] ?? '').includes('application/json') &&
      (version === undefined ||
        (typeof version === 'string' &&
          supportedProtocolVersions().includes(version)))
    );
  }
}
