/**
 * The page's WebSocket to the relay, with reconnection.
 */

import { Signal, type ISignal } from '@lumino/signaling';

import {
  INCOMPATIBLE_CLOSE_CODE,
  PAGE_SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  type PageToRelay,
  type RelayToPage
} from '../_protocol';

/**
 * Connection states shown to the user.
 */
export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected';

/**
 * Where and how to connect.
 */
export interface IConnectionOptions {
  url: string;
  token: string;
}

/**
 * A reconnecting WebSocket to the relay.
 */
export class RelayConnection {
  /**
   * Emitted when the status changes.
   */
  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  /**
   * Emitted for each well-formed message from the relay.
   */
  get received(): ISignal<this, RelayToPage> {
    return this._received;
  }

  /**
   * The current status.
   */
  get status(): ConnectionStatus {
    return this._status;
  }

  /**
   * When the next attempt to reconnect is due (ms since the epoch), or null
   * when none is planned.
   */
  get retryAt(): number | null {
    return this._retryAt;
  }

  /**
   * Why the last attempt failed, if it did (never contains the token).
   */
  get lastError(): string {
    return this._lastError;
  }

  /**
   * Connect, and keep reconnecting until {@link stop}.
   */
  start(options: IConnectionOptions): void {
    this.stop();
    this._options = options;
    this._stopped = false;
    this._retryDelay = Private.MIN_RETRY_MS;
    this._open();
  }

  /**
   * Use a new token from now on (the relay rotated it): the socket stays
   * open, and reconnections offer the new token.
   */
  setToken(token: string): void {
    if (this._options) {
      this._options = { ...this._options, token };
    }
  }

  /**
   * Close the socket and stop reconnecting.
   */
  stop(): void {
    this._stopped = true;
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._retryAt = null;
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'stopped');
    }
    this._setStatus('disconnected');
  }

  /**
   * Send a message when connected; dropped otherwise.
   */
  send(message: PageToRelay): boolean {
    if (this._socket?.readyState !== WebSocket.OPEN) {
      return false;
    }
    this._socket.send(JSON.stringify(message));
    return true;
  }

  private _open(): void {
    const options = this._options;
    if (!options) {
      return;
    }
    this._setStatus('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(options.url, [
        PAGE_SUBPROTOCOL,
        TOKEN_SUBPROTOCOL_PREFIX + options.token
      ]);
    } catch (error) {
      this._lastError = `Bad relay URL: ${(error as Error).message}`;
      this._setStatus('disconnected');
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      this._retryDelay = Private.MIN_RETRY_MS;
      this._lastError = '';
      this._setStatus('connected');
    };
    socket.onmessage = event => {
      const message = Private.parse(event.data);
      if (message) {
        this._received.emit(message);
      }
    };
    socket.onclose = event => {
      if (this._socket !== socket) {
        return;
      }
      this._socket = null;
      const incompatible = event.code === INCOMPATIBLE_CLOSE_CODE;
      this._lastError =
        event.code === 1000
          ? ''
          : incompatible
            ? `Version mismatch: the ${event.reason || 'relay speaks another protocol'}. Reconnecting will not help until both are of one version.`
            : `The relay at ${options.url} is not reachable or refused the page (code ${event.code}).`;
      if (incompatible) {
        this._stopped = true;
      }
      if (!this._stopped) {
        this._retryAt = Date.now() + this._retryDelay;
        this._retryTimer = setTimeout(() => {
          this._retryTimer = null;
          this._retryAt = null;
          this._open();
        }, this._retryDelay);
        this._retryDelay = Math.min(this._retryDelay * 2, Private.MAX_RETRY_MS);
      }
      this._setStatus('disconnected');
    };
  }

  private _setStatus(status: ConnectionStatus): void {
    if (status !== this._status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _options: IConnectionOptions | null = null;
  private _socket: WebSocket | null = null;
  private _status: ConnectionStatus = 'disconnected';
  private _stopped = true;
  private _retryDelay = Private.MIN_RETRY_MS;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _retryAt: number | null = null;
  private _lastError = '';
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
  private _received = new Signal<this, RelayToPage>(this);
}

namespace Private {
  export const MIN_RETRY_MS = 500;
  export const MAX_RETRY_MS = 10000;

  /**
   * Parse a relay message; malformed ones are dropped.
   */
  export function parse(data: unknown): RelayToPage | null {
    if (typeof data !== 'string') {
      return null;
    }
    try {
      const value = JSON.parse(data) as RelayToPage;
      return value && typeof value.type === 'string' ? value : null;
    } catch {
      return null;
    }
  }
}
