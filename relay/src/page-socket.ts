/**
 * The page socket: the `/page` WebSocket endpoint that JupyterLab pages
 * connect to. It checks the upgrade (path, Host, Origin, subprotocol, how
 * many handshakes are under way), refuses a page of another protocol
 * version, runs the handshake in which the relay and the page prove to
 * each other that they know the token, welcomes the page and gives it time
 * to say hello, hands its messages to the hub, pings pages to find those
 * that stopped answering, and closes every page socket on a rotation or at
 * shutdown.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  INCOMPATIBLE_CLOSE_CODE,
  PAGE_PATH,
  PAGE_SUBPROTOCOL,
  PAGE_SUBPROTOCOL_PREFIX,
  PROTOCOL_VERSION,
  proofText,
  TOKEN_ROTATED_CLOSE_CODE,
  UNAUTHORIZED_CLOSE_CODE
} from './protocol';
import { refuseUpgrade } from './http';
import type { Hub } from './hub';
import type { Logger } from './log';
import { type IPageHandshake, PageConnection } from './page';
import { isNonce, macValid, newNonce, proof } from './proof';
import type { IRelayStats } from './relay';
import {
  checkOrigin,
  type IOriginPattern,
  isHostAllowed,
  parsePageSubprotocols
} from './security';

/**
 * Page sockets in their handshake at most at once.
 */
export const MAX_PAGE_HANDSHAKES = 64;

/**
 * Options of the {@link PageSocket}.
 */
export interface IPageSocketOptions {
  hub: Hub;
  logger: Logger;
  /** The relay's counters. */
  stats: IRelayStats;
  /** The relay's version, sent in the welcome. */
  version: string;
  /** The relay's bind address, for the Host check. */
  host: string;
  /** The port the relay listens on, for the Host check. */
  port: () => number;
  /** The page origins allowed. */
  origins: IOriginPattern[];
  /** The key of the proofs (it changes when the token is rotated). */
  key: () => Buffer;
  /** Whether the relay is shutting down (new pages are refused). */
  closing: () => boolean;
  /** Cap on WebSocket messages, in bytes. */
  maxPayload: number;
  /** Time a page has for its proof, and then for its hello, in ms. */
  helloTimeoutMs: number;
  /** Interval of the pings, in ms. */
  pingIntervalMs: number;
}

/**
 * The `/page` endpoint.
 */
export class PageSocket {
  /**
   * @param options - see {@link IPageSocketOptions}.
   */
  constructor(options: IPageSocketOptions) {
    this._options = options;
    this._wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
      // The page's own protocol version is selected even when it is not
      // ours, so that the page can be told why it is refused (_onSocket).
      handleProtocols: protocols =>
        protocols.has(PAGE_SUBPROTOCOL)
          ? PAGE_SUBPROTOCOL
          : ([...protocols].find(p => p.startsWith(PAGE_SUBPROTOCOL_PREFIX)) ??
            false)
    });
    this._wss.on('error', error =>
      options.logger.warn(`WebSocket server error: ${error.message}`)
    );
  }

  /**
   * An HTTP upgrade: a page socket on `/page` once the request passes the
   * checks, else an HTTP error.
   */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const { logger } = this._options;
    socket.on('error', error =>
      logger.debug(`upgrade socket error: ${error.message}`)
    );
    try {
      const refusal = this._refusal(req);
      if (refusal) {
        refuseUpgrade(socket, refusal.status, refusal.text);
        return;
      }
      const host = req.headers.host ?? '';
      this._wss.handleUpgrade(req, socket, head, ws =>
        this._onSocket(ws, host)
      );
    } catch (error) {
      logger.error(`upgrade failed: ${String(error)}`);
      socket.destroy();
    }
  }

  /**
   * Start pinging pages.
   */
  startPings(): void {
    this._pingTimer = setInterval(
      () => this._pingPages(),
      this._options.pingIntervalMs
    );
    this._pingTimer.unref();
  }

  /**
   * Stop pinging pages.
   */
  stopPings(): void {
    clearInterval(this._pingTimer);
  }

  /**
   * Close every page socket, in its handshake or not, with `code`; returns
   * how many there were.
   */
  closeAll(code: number, reason: string): number {
    let count = 0;
    for (const ws of this._wss.clients) {
      count += 1;
      try {
        ws.close(code, reason);
      } catch {
        ws.terminate();
      }
    }
    return count;
  }

  /**
   * Shutdown: close the pages' sockets (1001), wait a moment for them to
   * close (then end them), and close the WebSocket server.
   */
  async close(): Promise<void> {
    for (const page of this._options.hub.pages.values()) {
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
  }

  /**
   * Why an upgrade is refused (its HTTP status and text), if it is: another
   * path, a Host or Origin not allowed, no page subprotocol, a relay
   * shutting down, or too many handshakes under way.
   */
  private _refusal(
    req: http.IncomingMessage
  ): { status: number; text: string } | undefined {
    const { logger, host, origins } = this._options;
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== PAGE_PATH) {
      return { status: 404, text: 'Not found' };
    }
    if (!isHostAllowed(req.headers.host, host, this._options.port())) {
      logger.warn(
        `refused a page with Host ${JSON.stringify(req.headers.host ?? '')}`
      );
      return { status: 403, text: 'Forbidden: invalid Host header' };
    }
    if (!checkOrigin(req.headers.origin, origins, true)) {
      logger.warn(
        `refused a page from Origin ${JSON.stringify(req.headers.origin ?? null)}`
      );
      return { status: 403, text: 'Forbidden: origin not allowed' };
    }
    const offer = parsePageSubprotocols(req.headers['sec-websocket-protocol']);
    if (offer.pageProtocol === undefined) {
      return {
        status: 400,
        text: `Bad Request: subprotocol ${PAGE_SUBPROTOCOL} required`
      };
    }
    if (this._options.closing()) {
      return { status: 403, text: 'Relay shutting down' };
    }
    if (this._handshakes >= MAX_PAGE_HANDSHAKES) {
      logger.warn('refused a page: too many handshakes under way');
      return { status: 503, text: 'Too many page handshakes under way' };
    }
    return undefined;
  }

  /**
   * A socket upgraded on `/page`: refuse another protocol version (that
   * needs no secret), else start the handshake.
   */
  private _onSocket(ws: WebSocket, host: string): void {
    const { logger } = this._options;
    ws.on('error', error =>
      logger.debug(`page socket error: ${error.message}`)
    );
    if (ws.protocol !== PAGE_SUBPROTOCOL) {
      const theirs = ws.protocol.slice(PAGE_SUBPROTOCOL_PREFIX.length);
      const reason = `relay ${this._options.version} speaks protocol v${PROTOCOL_VERSION}, the page v${theirs}: install the same version of both`;
      logger.warn(`refused a page: ${reason}`);
      ws.close(INCOMPATIBLE_CLOSE_CODE, reason.slice(0, 120));
      return;
    }
    this._handshake(ws, host);
  }

  /**
   * The handshake: the page sends its nonce; the relay proves itself; the
   * page proves itself; only then is it a page. Anything else, a wrong
   * proof, or no proof in time closes the socket
   * ({@link UNAUTHORIZED_CLOSE_CODE}) before the relay takes any message.
   */
  private _handshake(ws: WebSocket, host: string): void {
    const { logger, stats } = this._options;
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
      stats.malformed++;
      logger.warn(
        `refused a page that did not prove it knows the token: ${why}`
      );
      ws.close(UNAUTHORIZED_CLOSE_CODE, 'Unauthorized: prove the token first');
    };
    const timer = setTimeout(
      () => refuse('no proof in time'),
      this._options.helloTimeoutMs
    );
    timer.unref();
    const key = this._options.key();
    const onMessage = (data: unknown, isBinary: boolean): void => {
      const message = Private.parseHandshake(data, isBinary);
      if (message === undefined) {
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
        Private.proveRelay(ws, key, host, pageNonce, relayNonce);
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
      if (key !== this._options.key()) {
        // The token was rotated during the handshake.
        ws.close(TOKEN_ROTATED_CLOSE_CODE, 'token rotated');
        return;
      }
      this._onPage(ws, { host, pageNonce, relayNonce });
    };
    ws.on('message', onMessage);
    ws.on('close', finish);
  }

  /**
   * A page proved itself: it joins the hub, is welcomed, and has
   * `helloTimeoutMs` to say hello.
   */
  private _onPage(ws: WebSocket, handshake: IPageHandshake): void {
    const { hub, logger, stats } = this._options;
    const page = new PageConnection(
      randomBytes(8).toString('hex'),
      ++this._pageSeq,
      ws,
      handshake
    );
    hub.addPage(page);
    logger.info(`page ${page.id} connected`);
    ws.on('error', error =>
      logger.debug(`page ${page.id} socket error: ${error.message}`)
    );
    ws.on('pong', () => {
      page.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) {
          stats.malformed++;
          logger.warn(`dropped a binary message from page ${page.id}`);
          return;
        }
        hub.fromPage(page, Private.text(data));
      } catch (error) {
        stats.malformed++;
        logger.warn(`page ${page.id} message failed: ${String(error)}`);
      }
    });
    ws.on('close', () => {
      clearTimeout(this._helloTimers.get(page.id));
      this._helloTimers.delete(page.id);
      hub.removePage(page);
    });
    const timer = setTimeout(() => {
      if (!page.ready) {
        logger.warn(`page ${page.id} sent no hello: closing`);
        ws.close(1008, 'hello expected');
      }
    }, this._options.helloTimeoutMs);
    timer.unref();
    this._helloTimers.set(page.id, timer);
    page.send({
      type: 'welcome',
      relayVersion: this._options.version,
      pageId: page.id
    });
  }

  /**
   * Ping every page; end a page that did not answer the last ping.
   */
  private _pingPages(): void {
    for (const page of this._options.hub.pages.values()) {
      if (!page.alive) {
        this._options.logger.warn(`page ${page.id} stopped answering pings`);
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

  private readonly _options: IPageSocketOptions;
  private readonly _wss: WebSocketServer;
  private readonly _helloTimers = new Map<string, NodeJS.Timeout>();
  private _handshakes = 0;
  private _pageSeq = 0;
  private _pingTimer?: NodeJS.Timeout;
}

namespace Private {
  /**
   * A handshake message, as far as the relay looks at it.
   */
  export type HandshakeMessage = {
    type?: unknown;
    nonce?: unknown;
    proof?: unknown;
  } | null;

  /**
   * A handshake message (a binary one is an empty object); undefined when
   * it is not JSON.
   */
  export function parseHandshake(
    data: unknown,
    isBinary: boolean
  ): HandshakeMessage | undefined {
    try {
      return isBinary ? {} : (JSON.parse(text(data)) as HandshakeMessage);
    } catch {
      return undefined;
    }
  }

  /**
   * The relay's answer to a page's nonce: its own nonce and its proof.
   */
  export function proveRelay(
    ws: WebSocket,
    key: Buffer,
    host: string,
    pageNonce: string,
    relayNonce: string
  ): void {
    ws.send(
      JSON.stringify({
        type: 'auth-relay',
        nonce: relayNonce,
        proof: proof(key, 'relay-to-page', host, pageNonce, relayNonce)
      })
    );
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
