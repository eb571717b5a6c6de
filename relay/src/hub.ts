/**
 * The hub: which JupyterLab page serves which MCP session. It keeps the
 * connected pages and the open sessions, binds a session to the page the
 * user focused last, forwards a client's messages to that page (or has the
 * session keep them until a page connects), takes what pages send (their
 * hello, focus, session states, call notes, saves and answers), tells pages
 * which pages exist, and when a page goes away fails its calls in flight
 * and moves its sessions to another page.
 */
import type {
  IBatch,
  IHello,
  IPageInfo,
  ISessionMessage,
  PageToRelay
} from './protocol';
import type { Logger } from './log';
import type { PageConnection } from './page';
import { validatePageMessage } from './page-messages';
import {
  type IClientMessage,
  type LogLevelName,
  type Session,
  shortId
} from './session';

/**
 * Options of the {@link Hub}.
 */
export interface IHubOptions {
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
   * @param options - see {@link IHubOptions}.
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
    this._options.logger.info(`session ${shortId(session.id)} opened`);
  }

  /**
   * A message from the MCP client of a session: to its page, binding one
   * first if it has none, else into the session's queue.
   */
  fromClient(session: Session, incoming: IClientMessage): void {
    if (session.closed) {
      return;
    }
    session.receive(incoming);
    if (!session.page) {
      const page = this.choosePage(session);
      if (page) {
        this._bind(session, page);
      }
    }
    if (session.page) {
      this._forward(session, session.page, incoming);
    } else {
      session.enqueue(incoming);
    }
  }

  /**
   * A message from a page: JSON text, validated (a malformed one is
   * dropped), a batch taken message by message.
   */
  fromPage(page: PageConnection, data: string): void {
    let envelope: PageToRelay;
    try {
      const parsed: unknown = JSON.parse(data);
      envelope = validatePageMessage(parsed, data.length);
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
   * Tell the clients what the relay saw (a page came or went), as MCP
   * `notifications/message` at the level each client asked for.
   */
  logToClients(level: LogLevelName, data: string): void {
    for (const session of this.sessions.values()) {
      session.log(level, data);
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
      const initialize = session.failCallsOn(page);
      const next = this.choosePage(session);
      if (next) {
        this._bind(session, next);
        if (initialize) {
          this._forward(session, next, initialize);
        }
        this._flush(session);
      } else if (initialize) {
        session.enqueue(initialize);
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
    session.close();
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
      this._options.logger.info(`session ${shortId(session.id)} closed`);
    }
    this.announcePages();
  }

  /**
   * Close a session's transport, then the session (if the transport did
   * not already).
   */
  async closeTransport(session: Session): Promise<void> {
    await session.closeTransport();
    this.closeSession(session);
  }

  /**
   * End a session from the relay's side (idle, or its page asked): its
   * transport closes, its page is told, and the client's next request gets
   * 404.
   */
  async endSession(session: Session, reason: string): Promise<void> {
    this._options.logger.info(
      `session ${shortId(session.id)} ended: ${reason}`
    );
    await this.closeTransport(session);
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
        `session ${shortId(session.id)} ended: ${reason}`
      );
      this.closeSession(session);
      void session.closeTransport();
    }
    return sessions.length;
  }

  /**
   * Close every session (relay shutdown).
   */
  async closeAll(): Promise<void> {
    this._shuttingDown = true;
    await Promise.all(
      [...this.sessions.values()].map(s => this.closeTransport(s))
    );
  }

  /**
   * One valid message from a page (not a batch).
   */
  private _fromPage(
    page: PageConnection,
    envelope: Exclude<PageToRelay, IBatch>
  ): void {
    switch (envelope.type) {
      case 'hello':
        this._hello(page, envelope);
        return;
      case 'page-focus':
        page.focusedAt = Date.now();
        this.announcePages();
        return;
      case 'session-state': {
        const session = this.sessions.get(envelope.sessionId);
        if (session && session.page === page) {
          session.state = envelope.state;
        }
        return;
      }
      case 'session-end':
        this._endSession(page, envelope.sessionId);
        return;
      case 'document-saved':
        this._documentSaved(page, envelope.path);
        return;
      case 'call-note': {
        const session = this.sessions.get(envelope.sessionId);
        if (session?.page === page) {
          session.note(page, envelope.requestId, envelope.note);
        }
        return;
      }
      case 'rotate-token':
        if (page.ready) {
          this._options.onRotateToken?.(page, envelope.proof);
        }
        return;
      case 'auth-hello':
      case 'auth-page':
        // The handshake is over on this socket.
        this._options.logger.warn(
          `dropped a second handshake message from page ${page.id}`
        );
        return;
      case 'session-message':
        this._fromPageSession(page, envelope);
        return;
    }
  }

  /**
   * A page's hello: it is ready, and sessions waiting for a page go to it
   * (when it is the first hello of the page).
   */
  private _hello(page: PageConnection, hello: IHello): void {
    const wasReady = page.ready;
    if (!wasReady) {
      this.logToClients(
        'info',
        `A JupyterLab page connected${hello.label ? ` (${hello.label.slice(0, 80)})` : ''}; ${this.readyPageCount + 1} page(s) now.`
      );
    }
    page.ready = true;
    page.label = hello.label;
    if (hello.focused) {
      page.focusedAt = Date.now();
    }
    page.extensionVersion = hello.extensionVersion;
    this._options.logger.info(
      `page ${page.id} ready (extension ${hello.extensionVersion}${hello.label ? `, ${hello.label}` : ''})`
    );
    if (!wasReady) {
      this._bindWaitingSessions();
    }
    this.announcePages();
  }

  /**
   * A ready page saved a document: every other ready page is told.
   */
  private _documentSaved(page: PageConnection, path: string): void {
    if (!page.ready) {
      return;
    }
    for (const other of this.pages.values()) {
      if (other !== page && other.ready) {
        other.send({ type: 'document-saved', path, pageId: page.id });
      }
    }
  }

  /**
   * A message of a session from a page: to the session's client, when the
   * page serves that session.
   */
  private _fromPageSession(
    page: PageConnection,
    envelope: ISessionMessage
  ): void {
    const session = this.sessions.get(envelope.sessionId);
    if (!session || session.page !== page) {
      this._options.logger.debug(
        `dropped a message for session ${shortId(envelope.sessionId)} not bound to page ${page.id}`
      );
      return;
    }
    session.fromPage(page, envelope.message, envelope.relatedRequestId);
  }

  /**
   * The page's user ended a session: close its transport, so that the
   * client's next request gets 404. Only the page serving the session may.
   */
  private _endSession(page: PageConnection, sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.page !== page) {
      this._options.logger.debug(
        `page ${page.id} cannot end session ${shortId(sessionId)}, not bound to it`
      );
      return;
    }
    // The page closed its side already: no session-close back to it.
    page.sessions.delete(session.id);
    session.page = undefined;
    this._options.logger.info(
      `session ${shortId(session.id)} ended by the user on page ${page.id}`
    );
    void this.closeTransport(session);
  }

  /**
   * Bind a session to a page, and tell the page (with what resumes the
   * session when it began elsewhere).
   */
  private _bind(session: Session, page: PageConnection): void {
    session.page = page;
    page.sessions.add(session.id);
    const open = session.openMessage();
    page.send(open);
    this.announcePages();
    this._options.logger.info(
      `session ${shortId(session.id)} ${open.resume ? 'resumed on' : 'bound to'} page ${page.id}`
    );
  }

  /**
   * A page is ready: sessions that have no page (and sent their
   * `initialize`) go to the page chosen for them, with what they queued.
   */
  private _bindWaitingSessions(): void {
    for (const session of this.sessions.values()) {
      if (session.closed || session.page) {
        continue;
      }
      if (!session.hasInitialize) {
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

  /**
   * Forward what a session queued to its page.
   */
  private _flush(session: Session): void {
    const page = session.page;
    if (!page) {
      return;
    }
    for (const item of session.takeQueued()) {
      this._forward(session, page, item);
    }
  }

  /**
   * Send one client message to a page.
   */
  private _forward(
    session: Session,
    page: PageConnection,
    incoming: IClientMessage
  ): void {
    session.forwardedTo(page, incoming.id);
    const envelope: ISessionMessage = {
      type: 'session-message',
      sessionId: session.id,
      message: incoming.message
    };
    if (!page.send(envelope)) {
      // The socket is closing: removePage() will answer the request.
      this._options.logger.debug(`could not send to page ${page.id}`);
    }
  }

  private _announcing = false;
  private _shuttingDown = false;
}
