/**
 * One connected JupyterLab page, as the relay sees it: its socket, what it
 * proved its handshake with, what it said in its hello (label, extension
 * version), when its user last focused it, whether it answers pings, and
 * the ids of the sessions it serves (the hub, `hub.ts`, binds them).
 *
 * Session messages for a page go out the way it can take them cheapest:
 * those of one turn of the event loop (several clients' requests read
 * together under load) in one `batch` frame at its end (`setImmediate`,
 * after the turn's I/O). Each frame costs the browser more than the JSON
 * in it, and a page answers the requests of one frame in one frame.
 */
import type { WebSocket } from 'ws';
import {
  MAX_BATCH_MESSAGES,
  type ISessionMessage,
  type RelayToPage
} from './protocol';

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
    if (message.type === 'session-message') {
      this._held.push(message);
      if (this._held.length === 1) {
        setImmediate(() => this._sendHeld());
      }
      return true;
    }
    // Nothing overtakes the session messages held.
    this._sendHeld();
    return this._write(message);
  }

  /**
   * Send the session messages held in this turn, in batches.
   */
  private _sendHeld(): void {
    const held = this._held;
    this._held = [];
    for (let i = 0; i < held.length; i += MAX_BATCH_MESSAGES) {
      const part = held.slice(i, i + MAX_BATCH_MESSAGES);
      this._write(
        part.length === 1 ? part[0] : { type: 'batch', messages: part }
      );
    }
  }

  private _write(message: RelayToPage): boolean {
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

  private _held: ISessionMessage[] = [];
}
