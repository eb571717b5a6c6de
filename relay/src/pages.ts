/**
 * Page connections and session binding: which JupyterLab page serves which
 * MCP session, and what happens when a page goes away.
 */
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { WebSocket } from 'ws';
import {
  type ClientTransport,
  type IBatch,
  type IPageInfo,
  type ISessionMessage,
  type JsonRpcMessage,
  MAX_BATCH_MESSAGES,
  MAX_CALL_NOTE_CHARS,
  MAX_PATH_CHARS,
  MAX_SESSION_STATE_BYTES,
  type PageToRelay,
  type RelayToPage
} from './protocol';
import {
  errorResponse,
  idKey,
  isJsonRpcMessage,
  isObject,
  isRequestId,
  type RequestId,
  requestIdOf,
  responseIdOf
} from './jsonrpc';
import { DirectStreams } from './direct';
import { SSE_RETRY_MS, type SessionEventStore } from './events';
import type { Logger } from './log';

/**
 * Message of the error a client gets when no page is connected in time.
 */
export const NO_PAGE_MESSAGE =
  'No JupyterLab page is connected to the MCP bridge. Open JupyterLab with the pairing link ' +
  'printed by `jupyterlab-mcp-bridge`, or run the command "Start MCP bridge" in JupyterLab, then retry.';

/**
 * Start of the error a client gets for a call in flight when its page goes
 * away (see {@link pageLostMessage}).
 */
export const PAGE_DISCONNECTED_MESSAGE =
  'The JupyterLab page serving this session went away (closed, reloaded or disconnected) during';

/**
 * The error of a call in flight whose page went away: what was asked, and
 * what the agent can know of its effect: the page's latest note on the
 * call when it sent one (see `ICallNote`), else that it may have been
 * applied.
 */
export function pageLostMessage(what: string, note?: string): string {
  const effect = note
    ? `${note} `
    : 'The call had reached the page, so it may have been applied or started (a cell may be running or have ' +
      'run, an edit may be saved): re-read what it acted on (read_cell, read_notebook, list_files) before you retry. ';
  return (
    `${PAGE_DISCONNECTED_MESSAGE} ${what}. ${effect}The session goes on, in another tab or in the ` +
    'reloaded one.'
  );
}

/**
 * MCP log levels, lowest first.
 */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency'
] as const;

/**
 * An MCP log level.
 */
export type LogLevelName = (typeof LOG_LEVELS)[number];

function isLogLevel(value: unknown): value is LogLevelName {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}

/**
 * JSON-RPC error code used for relay errors (implementation-defined server error).
 */
export const RELAY_ERROR_CODE = -32000;

/**
 * One connected JupyterLab page.
 */
export class PageConnection {
  /**
   * @param id - the page id sent in the welcome.
   * @param seq - connection order (higher is more recent).
   * @param socket - the page WebSocket.
   */
  constructor(
    readonly id: string,
    readonly seq: number,
    readonly socket: WebSocket,
    readonly handshake: IPageHandshake = {
      host: '',
      pageNonce: '',
      relayNonce: ''
    }
  ) {}

  /** Whether the page said hello (only then does it get sessions). */
  ready = false;
  /** The page's label, from its hello. */
  label?: string;
  /** The extension version, from its hello. */
  extensionVersion?: string;
  /** Ids of the sessions bound to this page. */
  readonly sessions = new Set<string>();
  /** Whether the page answered the last ping. */
  alive = true;
  /** When the user last focused the page (ms; 0 if never seen focused). */
  focusedAt = 0;

  /**
   * Send an envelope; false when the socket is not open or sending failed.
   */
  send(message: RelayToPage): boolean {
    if (this.socket.readyState !== this.socket.OPEN) {
      return false;
    }
    try {
      this.socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * What a page and the relay proved to each other with (see `protocol.ts`):
 * later proofs of the same connection (a rotation request) name the same.
 */
export interface IPageHandshake {
  /** The `Host` the page connected to. */
  host: string;
  pageNonce: string;
  relayNonce: string;
}

interface IInflight {
  id: RequestId;
  /** What was asked: the method, and the tool of a tools/call. */
  what: string;
  /** The page the request was forwarded to; undefined while queued. */
  page?: PageConnection;
  /** What the page said the call has done so far (see ICallNote). */
  note?: string;
}

interface IQueued {
  message: JsonRpcMessage;
  /** Its size in bytes of JSON (characters). */
  bytes: number;
  timer?: NodeJS.Timeout;
}

/**
 * What a session keeps of its client's messages while no page is
 * connected. Past either bound the oldest notifications go (the client is
 * told how many); a request that finds no room gets an error at once.
 */
export interface IQueueLimits {
  /** Messages kept (default 500). */
  messages: number;
  /** Bytes of JSON kept (default 4 MiB). */
  bytes: number;
}

/**
 * The default {@link IQueueLimits}.
 */
export const DEFAULT_QUEUE_LIMITS: IQueueLimits = {
  messages: 500,
  bytes: 4 * 1024 * 1024
};

/**
 * One MCP session: its SDK transport, its page, and what the relay keeps to
 * resume it on another page.
 */
export class Session {
  /**
   * @param transport - the session's server transport (one per session).
   * @param events - the session's event store, which the transport and the
   *   relay's own answer streams share.
   */
  constructor(
    readonly transport: StreamableHTTPServerTransport,
    readonly events: SessionEventStore
  ) {
    this.direct = new DirectStreams({
      events,
      sessionId: () => this.id,
      // Priming events have empty data, which clients before 2025-11-25
      // cannot read.
      priming: () => (this.protocolVersion ?? '') >= '2025-11-25',
      retryMs: SSE_RETRY_MS
    });
  }

  /**
   * The POST streams the relay writes itself (see `DirectStreams`).
   */
  readonly direct: DirectStreams;

  /** The MCP session id (set when the transport initializes). */
  id = '';
  /** The session this one continues (its client's relay went away). */
  previousId?: string;
  /** The session's state, as its page last reported it. */
  state?: Record<string, unknown>;
  /** The lowest log level the client asked for (`logging/setLevel`). */
  logLevel?: LogLevelName;
  /** The page serving this session, if any. */
  page?: PageConnection;
  /** The client's `initialize` request. */
  initialize?: JsonRpcMessage;
  /** The client's `notifications/initialized`. */
  initialized?: JsonRpcMessage;
  /** Whether the client received a successful initialize result. */
  initializeAnswered = false;
  /** The protocol version the session negotiated (from the initialize result). */
  protocolVersion?: string;
  /** Client requests not answered yet. */
  readonly inflight = new Map<string, IInflight>();
  /** Client messages waiting for a page. */
  readonly queue: IQueued[] = [];
  /** Bytes of the messages in {@link queue}. */
  queuedBytes = 0;
  /** Notifications dropped from the queue since the client was told. */
  dropped = 0;
  /** Whether the client is about to be told of the dropped ones. */
  dropTold = false;
  /** Whether the session ended. */
  closed = false;
  /** How the client reaches the relay (told to the page). */
  clientTransport: ClientTransport = 'http';
  /** HTTP requests and streams of this session open now. */
  openStreams = 0;
  /** When the last request started or the last stream closed (ms). */
  lastActivity = Date.now();

  /**
   * Whether the client has shown no sign of life for `idleMs`: no request,
   * no open stream, nothing in flight or queued.
   */
  isIdle(now: number, idleMs: number): boolean {
    return (
      !this.closed &&
      this.openStreams === 0 &&
      this.inflight.size === 0 &&
      this.queue.length === 0 &&
      now - this.lastActivity >= idleMs
    );
  }
}

/**
 * Options of the {@link Hub}.
 */
export interface IHubOptions {
  /** How long a client message waits for a page, in milliseconds. */
  pageWaitMs: number;
  /** What a session keeps while no page is connected. */
  queueLimits?: IQueueLimits;
  logger: Logger;
  /**
   * A ready page asks for a new token, with the `rotate-token` proof of its
   * connection (the relay checks it).
   */
  onRotateToken?: (page: PageConnection, proof: string) => void;
}

/**
 * Routes messages between MCP sessions and pages.
 */
export class Hub {
  /**
   * @param options - waiting time and logger.
   */
  constructor(private readonly _options: IHubOptions) {}

  /** Connected pages by id. */
  readonly pages = new Map<string, PageConnection>();
  /** Open sessions by id. */
  readonly sessions = new Map<string, Session>();

  /**
   * The number of pages that said hello.
   */
  get readyPageCount(): number {
    return [...this.pages.values()].filter(p => p.ready).length;
  }

  /**
   * The page that gets new sessions, and sessions whose page went away: the
   * ready page the user focused last (among pages never focused, the one
   * connected last). A session stays on its page while that page lives.
   */
  preferredPage(): PageConnection | undefined {
    let best: PageConnection | undefined;
    for (const page of this.pages.values()) {
      if (
        page.ready &&
        (!best ||
          page.focusedAt > best.focusedAt ||
          (page.focusedAt === best.focusedAt && page.seq > best.seq))
      ) {
        best = page;
      }
    }
    return best;
  }

  /**
   * Choose the page for a session (see {@link preferredPage}).
   */
  choosePage(session: Session): PageConnection | undefined {
    void session;
    return this.preferredPage();
  }

  /**
   * The pages, as pages see them.
   */
  pageInfos(): IPageInfo[] {
    const preferred = this.preferredPage();
    return [...this.pages.values()]
      .filter(page => page.ready)
      .map(page => ({
        id: page.id,
        ...(page.label !== undefined ? { label: page.label } : {}),
        sessions: page.sessions.size,
        focusedAt: page.focusedAt,
        preferred: page === preferred
      }));
  }

  /**
   * Tell every page which pages exist and which one gets new sessions
   * (coalesced: at most once per turn of the event loop).
   */
  announcePages(): void {
    if (this._announcing) {
      return;
    }
    this._announcing = true;
    setImmediate(() => {
      this._announcing = false;
      const pages = this.pageInfos();
      for (const page of this.pages.values()) {
        if (page.ready) {
          page.send({ type: 'pages', pages });
        }
      }
    });
  }

  /**
   * Register a session whose transport just initialized.
   */
  addSession(session: Session): void {
    this.sessions.set(session.id, session);
    this._options.logger.info(`session ${short(session.id)} opened`);
  }

  /**
   * A message from the MCP client of a session.
   */
  fromClient(session: Session, message: JsonRpcMessage): void {
    if (session.closed) {
      return;
    }
    const reqId = requestIdOf(message);
    if (message.method === 'initialize' && reqId !== undefined) {
      session.initialize = message;
    } else if (message.method === 'notifications/initialized') {
      session.initialized = message;
    } else if (
      message.method === 'logging/setLevel' &&
      isObject(message.params) &&
      isLogLevel(message.params.level)
    ) {
      session.logLevel = message.params.level;
    } else if (
      message.method === 'notifications/cancelled' &&
      isObject(message.params)
    ) {
      const cancelled = message.params.requestId;
      if (isRequestId(cancelled)) {
        session.inflight.delete(idKey(cancelled));
      }
    }
    if (reqId !== undefined) {
      const tool =
        message.method === 'tools/call' &&
        isObject(message.params) &&
        typeof message.params.name === 'string'
          ? ` "${message.params.name.slice(0, 100)}"`
          : '';
      session.inflight.set(idKey(reqId), {
        id: reqId,
        what: `${String(message.method)}${tool}`
      });
    }
    if (!session.page) {
      const page = this.choosePage(session);
      if (page) {
        this._bind(session, page);
      }
    }
    if (session.page) {
      this._forward(session, session.page, message);
    } else {
      this._enqueue(session, message);
    }
  }

  /**
   * A message from a page.
   */
  fromPage(page: PageConnection, data: string): void {
    let envelope: PageToRelay;
    try {
      const parsed: unknown = JSON.parse(data);
      envelope = validatePageMessage(parsed);
    } catch (error) {
      this._options.logger.warn(
        `dropped a malformed message from page ${page.id}: ${(error as Error).message}`
      );
      return;
    }
    if (envelope.type === 'batch') {
      for (const message of envelope.messages) {
        this._fromPage(page, message);
      }
      return;
    }
    this._fromPage(page, envelope);
  }

  /**
   * One valid message from a page.
   */
  private _fromPage(
    page: PageConnection,
    envelope: Exclude<PageToRelay, IBatch>
  ): void {
    if (envelope.type === 'hello') {
      const wasReady = page.ready;
      if (!wasReady) {
        this.logToClients(
          'info',
          `A JupyterLab page connected${envelope.label ? ` (${envelope.label.slice(0, 80)})` : ''}; ${this.readyPageCount + 1} page(s) now.`
        );
      }
      page.ready = true;
      page.label = envelope.label;
      if (envelope.focused) {
        page.focusedAt = Date.now();
      }
      page.extensionVersion = envelope.extensionVersion;
      this._options.logger.info(
        `page ${page.id} ready (extension ${envelope.extensionVersion}${envelope.label ? `, ${envelope.label}` : ''})`
      );
      if (!wasReady) {
        this._bindWaitingSessions();
      }
      this.announcePages();
      return;
    }
    if (envelope.type === 'page-focus') {
      page.focusedAt = Date.now();
      this.announcePages();
      return;
    }
    if (envelope.type === 'session-state') {
      const session = this.sessions.get(envelope.sessionId);
      if (session && session.page === page) {
        session.state = envelope.state;
      }
      return;
    }
    if (envelope.type === 'session-end') {
      this._endSession(page, envelope.sessionId);
      return;
    }
    if (envelope.type === 'document-saved') {
      if (!page.ready) {
        return;
      }
      for (const other of this.pages.values()) {
        if (other !== page && other.ready) {
          other.send({
            type: 'document-saved',
            path: envelope.path,
            pageId: page.id
          });
        }
      }
      return;
    }
    if (envelope.type === 'call-note') {
      const session = this.sessions.get(envelope.sessionId);
      const entry = session?.inflight.get(idKey(envelope.requestId));
      if (session?.page === page && entry?.page === page) {
        // An empty note takes back what an earlier one said.
        entry.note = envelope.note || undefined;
      }
      return;
    }
    if (envelope.type === 'rotate-token') {
      if (page.ready) {
        this._options.onRotateToken?.(page, envelope.proof);
      }
      return;
    }
    if (envelope.type === 'auth-hello' || envelope.type === 'auth-page') {
      // The handshake is over on this socket.
      this._options.logger.warn(
        `dropped a second handshake message from page ${page.id}`
      );
      return;
    }
    this._fromPageSession(page, envelope);
  }

  /**
   * Tell the clients what the relay saw (a page came or went), as MCP
   * `notifications/message` at the level each client asked for.
   */
  logToClients(level: LogLevelName, data: string): void {
    for (const session of this.sessions.values()) {
      if (
        !session.closed &&
        session.initializeAnswered &&
        LOG_LEVELS.indexOf(level) >=
          LOG_LEVELS.indexOf(session.logLevel ?? 'debug')
      ) {
        this._toClient(session, {
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: { level, logger: 'jupyterlab-mcp-bridge.relay', data }
        });
      }
    }
  }

  /**
   * Add a newly connected page (not ready until its hello).
   */
  addPage(page: PageConnection): void {
    this.pages.set(page.id, page);
  }

  /**
   * A page went away: fail its calls in flight and move its sessions.
   */
  removePage(page: PageConnection): void {
    if (!this.pages.delete(page.id)) {
      return;
    }
    this._options.logger.info(`page ${page.id} disconnected`);
    if (page.ready) {
      const left = this.readyPageCount;
      this.logToClients(
        left ? 'info' : 'warning',
        `A JupyterLab page went away (closed, reloaded or disconnected); ${left ? `${left} page(s) remain` : 'none remains: calls wait for a page to connect'}.`
      );
    }
    for (const sessionId of page.sessions) {
      const session = this.sessions.get(sessionId);
      if (!session || session.page !== page) {
        continue;
      }
      session.page = undefined;
      // An initialize the page never answered goes to the next page (or
      // waits for one, as any call does): the session had not begun.
      let initialize: JsonRpcMessage | undefined;
      for (const [key, entry] of session.inflight) {
        if (entry.page !== page) {
          continue;
        }
        if (
          !session.initializeAnswered &&
          session.initialize &&
          requestIdOf(session.initialize) === entry.id
        ) {
          entry.page = undefined;
          initialize = session.initialize;
          continue;
        }
        session.inflight.delete(key);
        this._toClient(
          session,
          errorResponse(
            entry.id,
            RELAY_ERROR_CODE,
            pageLostMessage(entry.what, entry.note)
          )
        );
      }
      const next = this.choosePage(session);
      if (next) {
        this._bind(session, next);
        if (initialize) {
          this._forward(session, next, initialize);
        }
        this._flush(session);
      } else if (initialize) {
        this._enqueue(session, initialize);
      }
    }
    page.sessions.clear();
    this.announcePages();
  }

  /**
   * A session ended (client DELETE or transport closed): tell its page.
   */
  closeSession(session: Session): void {
    if (session.closed) {
      return;
    }
    session.closed = true;
    for (const queued of session.queue) {
      clearTimeout(queued.timer);
    }
    session.queue.length = 0;
    session.queuedBytes = 0;
    session.inflight.clear();
    session.direct.closeAll(
      id =>
        errorResponse(
          id,
          RELAY_ERROR_CODE,
          'The MCP session ended before the answer came.'
        ) as JSONRPCMessage
    );
    if (session.page) {
      if (!this._shuttingDown) {
        // On shutdown the sessions are not over: their pages keep their
        // state for a relay that comes back (a --stdio client renews them).
        session.page.send({ type: 'session-close', sessionId: session.id });
      }
      session.page.sessions.delete(session.id);
      session.page = undefined;
    }
    if (session.id && this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this._options.logger.info(`session ${short(session.id)} closed`);
    }
    this.announcePages();
  }

  /**
   * End a session from the relay's side (idle, or its page asked): its
   * transport closes, its page is told, and the client's next request gets
   * 404.
   */
  async endSession(session: Session, reason: string): Promise<void> {
    this._options.logger.info(`session ${short(session.id)} ended: ${reason}`);
    await this._closeTransport(session);
  }

  /**
   * End every session at once (the token was rotated): each page is told,
   * and each client's next request gets 404 (401 with the old token).
   * Returns how many were ended.
   */
  endAllSessions(reason: string): number {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) {
      this._options.logger.info(
        `session ${short(session.id)} ended: ${reason}`
      );
      this.closeSession(session);
      session.transport
        .close()
        .catch((error: unknown) =>
          this._options.logger.debug(
            `closing session ${short(session.id)}: ${String(error)}`
          )
        );
    }
    return sessions.length;
  }

  /**
   * Close every session (relay shutdown).
   */
  async closeAll(): Promise<void> {
    this._shuttingDown = true;
    await Promise.all(
      [...this.sessions.values()].map(s => this._closeTransport(s))
    );
  }

  private _announcing = false;
  private _shuttingDown = false;

  /**
   * The page's user ended a session: close its transport, so that the
   * client's next request gets 404. Only the page serving the session may.
   */
  private _endSession(page: PageConnection, sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.page !== page) {
      this._options.logger.debug(
        `page ${page.id} cannot end session ${short(sessionId)}, not bound to it`
      );
      return;
    }
    // The page closed its side already: no session-close back to it.
    page.sessions.delete(session.id);
    session.page = undefined;
    this._options.logger.info(
      `session ${short(session.id)} ended by the user on page ${page.id}`
    );
    void this._closeTransport(session);
  }

  private _bind(session: Session, page: PageConnection): void {
    session.page = page;
    page.sessions.add(session.id);
    const resume =
      session.initializeAnswered && session.initialize
        ? { initialize: session.initialize, initialized: session.initialized }
        : undefined;
    page.send({
      type: 'session-open',
      sessionId: session.id,
      transport: session.clientTransport,
      ...(resume ? { resume } : {}),
      ...(session.previousId ? { previousSessionId: session.previousId } : {}),
      ...(session.state ? { state: session.state } : {})
    });
    this.announcePages();
    this._options.logger.info(
      `session ${short(session.id)} ${resume ? 'resumed on' : 'bound to'} page ${page.id}`
    );
  }

  private _bindWaitingSessions(): void {
    for (const session of this.sessions.values()) {
      if (session.closed || session.page) {
        continue;
      }
      if (!session.initialize) {
        continue;
      }
      const page = this.choosePage(session);
      if (!page) {
        return;
      }
      this._bind(session, page);
      this._flush(session);
    }
  }

  private _flush(session: Session): void {
    const page = session.page;
    if (!page) {
      return;
    }
    const queued = session.queue.splice(0);
    session.queuedBytes = 0;
    for (const item of queued) {
      clearTimeout(item.timer);
      this._forward(session, page, item.message);
    }
  }

  private _forward(
    session: Session,
    page: PageConnection,
    message: JsonRpcMessage
  ): void {
    const reqId = requestIdOf(message);
    if (reqId !== undefined) {
      const entry = session.inflight.get(idKey(reqId));
      if (entry) {
        entry.page = page;
      }
    }
    const envelope: ISessionMessage = {
      type: 'session-message',
      sessionId: session.id,
      message
    };
    if (!page.send(envelope)) {
      // The socket is closing: removePage() will answer the request.
      this._options.logger.debug(`could not send to page ${page.id}`);
    }
  }

  private _enqueue(session: Session, message: JsonRpcMessage): void {
    const limits = this._options.queueLimits ?? DEFAULT_QUEUE_LIMITS;
    const item: IQueued = { message, bytes: JSON.stringify(message).length };
    const reqId = requestIdOf(message);
    // Make room: the oldest notifications go first (not the initialized
    // one, which a page needs to start the session).
    const full = () =>
      session.queue.length + 1 > limits.messages ||
      session.queuedBytes + item.bytes > limits.bytes;
    for (let i = 0; full() && i < session.queue.length;) {
      const old = session.queue[i];
      if (
        requestIdOf(old.message) === undefined &&
        old.message.method !== 'notifications/initialized'
      ) {
        session.queue.splice(i, 1);
        session.queuedBytes -= old.bytes;
        session.dropped += 1;
      } else {
        i++;
      }
    }
    if (full()) {
      if (reqId !== undefined) {
        session.inflight.delete(idKey(reqId));
        this._toClient(
          session,
          errorResponse(
            reqId,
            RELAY_ERROR_CODE,
            `No JupyterLab page is connected, and this session already has ${session.queue.length} messages ` +
              `(${session.queuedBytes} bytes) waiting for one (the relay keeps at most ${limits.messages} messages and ` +
              `${limits.bytes} bytes): this request was not queued. Retry once a page is connected.`
          )
        );
      } else {
        session.dropped += 1;
      }
      this._tellDropped(session, limits);
      return;
    }
    this._tellDropped(session, limits);
    if (reqId !== undefined) {
      item.timer = setTimeout(
        () => this._expire(session, item, reqId),
        this._options.pageWaitMs
      );
      item.timer.unref?.();
    }
    session.queue.push(item);
    session.queuedBytes += item.bytes;
  }

  /**
   * Tell the client (once per burst) how many of its notifications were
   * dropped while no page was connected.
   */
  private _tellDropped(session: Session, limits: IQueueLimits): void {
    if (session.dropped === 0 || session.dropTold) {
      return;
    }
    session.dropTold = true;
    setImmediate(() => {
      session.dropTold = false;
      const count = session.dropped;
      session.dropped = 0;
      if (count === 0 || session.closed) {
        return;
      }
      this._options.logger.warn(
        `session ${short(session.id)}: ${count} notification(s) dropped while no page was connected`
      );
      if (session.initializeAnswered) {
        this._toClient(session, {
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: {
            level: 'warning',
            logger: 'jupyterlab-mcp-bridge.relay',
            data:
              `${count} notification(s) of this session were dropped: no JupyterLab page is connected, and the ` +
              `relay keeps at most ${limits.messages} messages (${limits.bytes} bytes) for one.`
          }
        });
      }
    });
  }

  private _expire(session: Session, item: IQueued, reqId: RequestId): void {
    const index = session.queue.indexOf(item);
    if (index < 0 || session.closed) {
      return;
    }
    session.queue.splice(index, 1);
    session.queuedBytes -= item.bytes;
    session.inflight.delete(idKey(reqId));
    this._options.logger.warn(
      `no JupyterLab page connected: request ${String(reqId)} failed`
    );
    this._toClient(
      session,
      errorResponse(reqId, RELAY_ERROR_CODE, NO_PAGE_MESSAGE)
    );
    if (!session.initializeAnswered && item.message.method === 'initialize') {
      // The client gave up on this session: drop it once the error is out.
      setTimeout(() => void this._closeTransport(session), 100).unref?.();
    }
  }

  private _fromPageSession(
    page: PageConnection,
    envelope: ISessionMessage
  ): void {
    const session = this.sessions.get(envelope.sessionId);
    if (!session || session.page !== page) {
      this._options.logger.debug(
        `dropped a message for session ${short(envelope.sessionId)} not bound to page ${page.id}`
      );
      return;
    }
    const message = envelope.message;
    const resId = responseIdOf(message);
    if (resId !== undefined) {
      const key = idKey(resId);
      const entry = session.inflight.get(key);
      if (!entry || entry.page !== page) {
        // For example the answer to an initialize replayed on resume.
        this._options.logger.debug(
          `dropped a response to ${String(resId)}, not in flight`
        );
        return;
      }
      session.inflight.delete(key);
      if (
        session.initialize &&
        !session.initializeAnswered &&
        requestIdOf(session.initialize) === resId &&
        'result' in message
      ) {
        session.initializeAnswered = true;
        const result = message.result;
        if (isObject(result) && typeof result.protocolVersion === 'string') {
          session.protocolVersion = result.protocolVersion;
        }
      }
      this._toClient(session, message);
      return;
    }
    let related = envelope.relatedRequestId;
    if (related !== undefined && !session.inflight.has(idKey(related))) {
      related = undefined;
    }
    this._toClient(session, message, related);
  }

  private _toClient(
    session: Session,
    message: JsonRpcMessage,
    relatedRequestId?: RequestId
  ): void {
    if (session.direct.deliver(message as JSONRPCMessage, relatedRequestId)) {
      return;
    }
    session.transport
      .send(
        message as JSONRPCMessage,
        relatedRequestId !== undefined ? { relatedRequestId } : undefined
      )
      .catch((error: unknown) => {
        this._options.logger.debug(
          `could not deliver a message to session ${short(session.id)}: ${String(error)}`
        );
      });
  }

  private async _closeTransport(session: Session): Promise<void> {
    try {
      await session.transport.close();
    } catch (error) {
      this._options.logger.debug(
        `closing session ${short(session.id)}: ${String(error)}`
      );
    }
    this.closeSession(session);
  }
}

/**
 * Validate an envelope from a page; throws with a short reason.
 */
export function validatePageMessage(value: unknown): PageToRelay {
  if (!isObject(value)) {
    throw new Error('not an object');
  }
  if (value.type === 'batch') {
    if (
      !Array.isArray(value.messages) ||
      value.messages.length > MAX_BATCH_MESSAGES
    ) {
      throw new Error(
        `batch without a list of at most ${MAX_BATCH_MESSAGES} messages`
      );
    }
    const messages = value.messages.map((message: unknown) => {
      if (isObject(message) && message.type === 'batch') {
        throw new Error('batch inside a batch');
      }
      const inner = validatePageMessage(message);
      if (inner.type !== 'session-state' && inner.type !== 'call-note') {
        throw new Error(
          `batch with a ${JSON.stringify(inner.type)} message (only session-state and call-note)`
        );
      }
      return inner;
    });
    return { type: 'batch', messages };
  }
  if (value.type === 'hello') {
    if (typeof value.extensionVersion !== 'string') {
      throw new Error('hello without extensionVersion');
    }
    if (value.label !== undefined && typeof value.label !== 'string') {
      throw new Error('hello with a non-string label');
    }
    return {
      type: 'hello',
      extensionVersion: value.extensionVersion.slice(0, 100),
      focused: value.focused === true,
      label:
        typeof value.label === 'string' ? value.label.slice(0, 200) : undefined
    };
  }
  if (value.type === 'session-end') {
    if (typeof value.sessionId !== 'string') {
      throw new Error('session-end without sessionId');
    }
    return { type: 'session-end', sessionId: value.sessionId };
  }
  if (value.type === 'rotate-token') {
    if (typeof value.proof !== 'string') {
      throw new Error('rotate-token without a proof');
    }
    return { type: 'rotate-token', proof: value.proof.slice(0, 100) };
  }
  if (value.type === 'auth-hello') {
    if (typeof value.nonce !== 'string') {
      throw new Error('auth-hello without a nonce');
    }
    return { type: 'auth-hello', nonce: value.nonce.slice(0, 100) };
  }
  if (value.type === 'auth-page') {
    if (typeof value.proof !== 'string') {
      throw new Error('auth-page without a proof');
    }
    return { type: 'auth-page', proof: value.proof.slice(0, 100) };
  }
  if (value.type === 'page-focus') {
    return { type: 'page-focus' };
  }
  if (value.type === 'session-state') {
    if (typeof value.sessionId !== 'string' || !isObject(value.state)) {
      throw new Error('session-state without sessionId or state object');
    }
    if (JSON.stringify(value.state).length > MAX_SESSION_STATE_BYTES) {
      throw new Error(`session-state over ${MAX_SESSION_STATE_BYTES} bytes`);
    }
    return {
      type: 'session-state',
      sessionId: value.sessionId,
      state: value.state
    };
  }
  if (value.type === 'document-saved') {
    if (typeof value.path !== 'string' || value.path.length > MAX_PATH_CHARS) {
      throw new Error('document-saved without a path (or a path too long)');
    }
    return { type: 'document-saved', path: value.path };
  }
  if (value.type === 'call-note') {
    if (
      typeof value.sessionId !== 'string' ||
      !isRequestId(value.requestId) ||
      typeof value.note !== 'string'
    ) {
      throw new Error('call-note without sessionId, requestId or note');
    }
    return {
      type: 'call-note',
      sessionId: value.sessionId,
      requestId: value.requestId,
      note: value.note.slice(0, MAX_CALL_NOTE_CHARS)
    };
  }
  if (value.type === 'session-message') {
    if (typeof value.sessionId !== 'string') {
      throw new Error('session-message without sessionId');
    }
    if (!isJsonRpcMessage(value.message)) {
      throw new Error('session-message without a JSON-RPC message');
    }
    if (
      value.relatedRequestId !== undefined &&
      !isRequestId(value.relatedRequestId)
    ) {
      throw new Error('session-message with a bad relatedRequestId');
    }
    return {
      type: 'session-message',
      sessionId: value.sessionId,
      message: value.message,
      relatedRequestId: value.relatedRequestId
    };
  }
  throw new Error(
    `unknown message type ${JSON.stringify(String(value.type)).slice(0, 40)}`
  );
}

function short(id: string): string {
  return id.slice(0, 8);
}
