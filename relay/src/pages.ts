/**
 * Page connections and session binding: which JupyterLab page serves which
 * MCP session, and what happens when a page goes away.
 */
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { WebSocket } from 'ws';
import type {
  ISessionMessage,
  JsonRpcMessage,
  PageToRelay,
  RelayToPage
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
import type { Logger } from './log';

/**
 * Message of the error a client gets when no page is connected in time.
 */
export const NO_PAGE_MESSAGE =
  'No JupyterLab page is connected to the MCP bridge. Open JupyterLab with the pairing link ' +
  'printed by `jupyterlab-mcp-bridge`, or run the command "Start MCP bridge" in JupyterLab, then retry.';

/**
 * Message of the error a client gets for a call in flight when its page goes away.
 */
export const PAGE_DISCONNECTED_MESSAGE =
  'JupyterLab page disconnected during the call';

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
    readonly socket: WebSocket
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

interface IInflight {
  id: RequestId;
  /** The page the request was forwarded to; undefined while queued. */
  page?: PageConnection;
}

interface IQueued {
  message: JsonRpcMessage;
  timer?: NodeJS.Timeout;
}

/**
 * One MCP session: its SDK transport, its page, and what the relay keeps to
 * resume it on another page.
 */
export class Session {
  /**
   * @param transport - the session's server transport (one per session).
   */
  constructor(readonly transport: StreamableHTTPServerTransport) {}

  /** The MCP session id (set when the transport initializes). */
  id = '';
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
  /** Whether the session ended. */
  closed = false;
}

/**
 * Options of the {@link Hub}.
 */
export interface IHubOptions {
  /** How long a client message waits for a page, in milliseconds. */
  pageWaitMs: number;
  logger: Logger;
  /** A ready page asks for a new token. */
  onRotateToken?: (page: PageConnection) => void;
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
   * Choose the page for a session: for now the most recently connected ready
   * page. (Several pages per relay, with a choice per session, is planned.)
   */
  choosePage(session: Session): PageConnection | undefined {
    void session;
    let best: PageConnection | undefined;
    for (const page of this.pages.values()) {
      if (page.ready && (!best || page.seq > best.seq)) {
        best = page;
      }
    }
    return best;
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
      message.method === 'notifications/cancelled' &&
      isObject(message.params)
    ) {
      const cancelled = message.params.requestId;
      if (isRequestId(cancelled)) {
        session.inflight.delete(idKey(cancelled));
      }
    }
    if (reqId !== undefined) {
      session.inflight.set(idKey(reqId), { id: reqId });
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
    if (envelope.type === 'hello') {
      const wasReady = page.ready;
      page.ready = true;
      page.label = envelope.label;
      page.extensionVersion = envelope.extensionVersion;
      this._options.logger.info(
        `page ${page.id} ready (extension ${envelope.extensionVersion}${envelope.label ? `, ${envelope.label}` : ''})`
      );
      if (!wasReady) {
        this._bindWaitingSessions();
      }
      return;
    }
    if (envelope.type === 'rotate-token') {
      if (page.ready) {
        this._options.onRotateToken?.(page);
      }
      return;
    }
    this._fromPageSession(page, envelope);
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
    for (const sessionId of page.sessions) {
      const session = this.sessions.get(sessionId);
      if (!session || session.page !== page) {
        continue;
      }
      session.page = undefined;
      let initFailed = false;
      for (const [key, entry] of session.inflight) {
        if (entry.page !== page) {
          continue;
        }
        session.inflight.delete(key);
        if (
          !session.initializeAnswered &&
          session.initialize &&
          requestIdOf(session.initialize) === entry.id
        ) {
          initFailed = true;
        }
        this._toClient(
          session,
          errorResponse(entry.id, RELAY_ERROR_CODE, PAGE_DISCONNECTED_MESSAGE)
        );
      }
      if (initFailed) {
        void this._closeTransport(session);
        continue;
      }
      const next = this.choosePage(session);
      if (next) {
        this._bind(session, next);
        this._flush(session);
      }
    }
    page.sessions.clear();
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
    session.inflight.clear();
    if (session.page) {
      session.page.send({ type: 'session-close', sessionId: session.id });
      session.page.sessions.delete(session.id);
      session.page = undefined;
    }
    if (session.id && this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this._options.logger.info(`session ${short(session.id)} closed`);
    }
  }

  /**
   * Close every session (relay shutdown).
   */
  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map(s => this._closeTransport(s))
    );
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
      ...(resume ? { resume } : {})
    });
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
    const item: IQueued = { message };
    const reqId = requestIdOf(message);
    if (reqId !== undefined) {
      item.timer = setTimeout(
        () => this._expire(session, item, reqId),
        this._options.pageWaitMs
      );
      item.timer.unref?.();
    }
    session.queue.push(item);
  }

  private _expire(session: Session, item: IQueued, reqId: RequestId): void {
    const index = session.queue.indexOf(item);
    if (index < 0 || session.closed) {
      return;
    }
    session.queue.splice(index, 1);
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
      label:
        typeof value.label === 'string' ? value.label.slice(0, 200) : undefined
    };
  }
  if (value.type === 'rotate-token') {
    return { type: 'rotate-token' };
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
