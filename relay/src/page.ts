/**
 * One connected JupyterLab page, as the relay sees it: its socket, what it
 * proved its handshake with, what it said in its hello (label, extension
 * version), when its user last focused it, whether it answers pings, and
 * the ids of the sessions it serves (the hub, `hub.ts`, binds them).
 */
import type { WebSocket } from 'ws';
import type { RelayToPage } from './protocol';

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

/**
 * One connected JupyterLab page.
 */
export class PageConnection {
  /**
   * @param id - the page id sent in the welcome.
   * @param seq - connection order (higher is more recent).
   * @param socket - the page WebSocket.
   * @param handshake - the nonces the page and the relay proved with.
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
