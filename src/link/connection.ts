/**
 * The page's WebSocket to the relay, with reconnection, and the handshake
 * by which the relay and the page prove to each other that they know the
 * token, without revealing it (see `relay/src/protocol.ts`). The page sends
 * nothing but a nonce until the relay has proved itself, and emits nothing
 * it receives until the relay has welcomed its own proof.
 */

import { Signal, type ISignal } from '@lumino/signaling';

import {
  INCOMPATIBLE_CLOSE_CODE,
  type IAuthRelay,
  PAGE_SUBPROTOCOL,
  type PageToRelay,
  type RelayToPage,
  TOKEN_ROTATED_CLOSE_CODE,
  UNAUTHORIZED_CLOSE_CODE,
  UNPROVEN_RELAY_CLOSE_CODE
} from '../_protocol';

import {
  checkProof,
  hostOf,
  type IProofKey,
  isNonce,
  makeProof,
  newNonce,
  NO_WEBCRYPTO_MESSAGE,
  proofKey,
  subtleCrypto
} from '../core/proof';

/**
 * Connection states shown to the user.
 */
export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected';

/**
 * Where and how to connect.
 */
export interface IConnectionOptions {
  url: string;
  /**
   * The token, read again at each attempt: a tab whose relay rotated its
   * token comes back with the one another tab of its origin stored.
   */
  token: () => string;
}

/**
 * Why the last attempt failed, as far as the page could tell.
 */
export type ConnectionFailure =
  | ''
  /** Nothing answered, or the relay closed the socket. */
  | 'unreachable'
  /** The program at the URL did not prove that it knows the token. */
  | 'unproven'
  /** The relay refused this page's proof. */
  | 'refused'
  /** The relay speaks another protocol version. */
  | 'incompatible'
  /** No WebCrypto in this page. */
  | 'no-crypto';

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
   * Emitted for each well-formed message from the relay, from its welcome
   * on (never a message of the handshake).
   */
  get received(): ISignal<this, RelayToPage> {
    return this._received;
  }

  /**
   * The current status: `connected` once the relay proved itself and
   * welcomed the page's proof.
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
   * What kind of failure the last one was ('' when none).
   */
  get failure(): ConnectionFailure {
    return this._failure;
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
    this._proven = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000, 'stopped');
    }
    this._setStatus('disconnected');
  }

  /**
   * Send a message once the handshake is over; dropped otherwise.
   */
  send(message: PageToRelay): boolean {
    if (!this._proven || this._socket?.readyState !== WebSocket.OPEN) {
      return false;
    }
    this._socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Ask the relay for a new token, as the user's command: the request
   * carries the `rotate-token` proof of this connection with the current
   * token. The relay answers this page alone with the new token
   * (`token-rotated`, emitted like any message), then closes every page
   * socket; this connection comes back by proving the new token once it is
   * stored where `token()` reads it.
   */
  async requestRotation(): Promise<void> {
    const proven = this._proven;
    const subtle = subtleCrypto();
    if (!proven || !subtle || this._socket?.readyState !== WebSocket.OPEN) {
      throw new Error('The MCP bridge is not connected to its relay.');
    }
    const proof = await makeProof(
      subtle,
      proven.key,
      'rotate-token',
      proven.host,
      proven.pageNonce,
      proven.relayNonce
    );
    if (this._proven !== proven) {
      throw new Error(
        'The connection to the relay was lost; nothing was rotated.'
      );
    }
    this._rotationAsked = true;
    this.send({ type: 'rotate-token', proof });
  }

  private _open(): void {
    const options = this._options;
    if (!options) {
      return;
    }
    this._setStatus('connecting');
    this._proven = null;
    const subtle = subtleCrypto();
    if (!subtle) {
      this._fail('no-crypto', NO_WEBCRYPTO_MESSAGE);
      this._stopped = true;
      this._setStatus('disconnected');
      return;
    }
    let socket: WebSocket;
    let host: string;
    try {
      host = hostOf(options.url);
      socket = new WebSocket(options.url, [PAGE_SUBPROTOCOL]);
    } catch (error) {
      this._fail('unreachable', `Bad relay URL: ${(error as Error).message}`);
      this._setStatus('disconnected');
      return;
    }
    this._socket = socket;
    const pageNonce = newNonce();
    // The key is made from the token at hand now; it never leaves the page.
    const key = proofKey(subtle, options.token()).catch(() => null);
    let step: 'hello' | 'checking' | 'welcome' | 'open' = 'hello';
    let left = false;
    const leave = (failure: ConnectionFailure, message: string): void => {
      if (this._socket !== socket || left) {
        return;
      }
      left = true;
      this._fail(failure, message);
      socket.close(UNPROVEN_RELAY_CLOSE_CODE, failure);
    };
    const timer = setTimeout(
      () =>
        leave(
          'unproven',
          Private.unproven(
            options.url,
            'it did not complete the handshake in time'
          )
        ),
      Private.HANDSHAKE_MS
    );
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth-hello', nonce: pageNonce }));
    };
    socket.onmessage = event => {
      if (this._socket !== socket) {
        return;
      }
      const message = Private.parse(event.data);
      if (step === 'open') {
        if (message) {
          this._deliver(message);
        }
        return;
      }
      if (step === 'hello' && message?.type === 'auth-relay') {
        step = 'checking';
        this._proveBack(
          { socket, subtle, key, host, pageNonce },
          message,
          () => {
            step = 'welcome';
          }
        )
          .then(good => {
            if (!good) {
              leave(
                'unproven',
                Private.unproven(options.url, 'its proof was wrong')
              );
            }
          })
          .catch(() =>
            leave(
              'unproven',
              Private.unproven(options.url, 'its proof could not be checked')
            )
          );
        return;
      }
      if (step === 'welcome' && message?.type === 'welcome') {
        clearTimeout(timer);
        step = 'open';
        this._proven = this._pending;
        this._pending = null;
        this._retryDelay = Private.MIN_RETRY_MS;
        this._fail('', '');
        this._setStatus('connected');
        this._deliver(message);
        return;
      }
      // Anything else before the handshake ends: not our relay.
      leave(
        'unproven',
        Private.unproven(options.url, 'it sent something else than its proof')
      );
    };
    socket.onclose = event => {
      clearTimeout(timer);
      if (this._socket === socket) {
        this._closed(event, options.url, left);
      }
    };
  }

  /**
   * Check the relay's proof of the token and answer with the page's (the
   * relay proves first, so that a program on its port that does not know
   * the token learns nothing reusable). False when the relay's proof is
   * wrong; `answering` runs just before the page's proof goes.
   */
  private async _proveBack(
    handshake: Private.IHandshake,
    message: IAuthRelay,
    answering: () => void
  ): Promise<boolean> {
    const { socket, subtle, host, pageNonce } = handshake;
    const key = await handshake.key;
    const relayNonce = message.nonce;
    const good =
      key !== null &&
      isNonce(relayNonce) &&
      (await checkProof(
        subtle,
        key,
        'relay-to-page',
        host,
        pageNonce,
        relayNonce,
        message.proof
      ));
    if (this._socket !== socket) {
      return true;
    }
    if (!good || key === null) {
      return false;
    }
    const proof = await makeProof(
      subtle,
      key,
      'page-to-relay',
      host,
      pageNonce,
      relayNonce
    );
    if (this._socket !== socket || socket.readyState !== WebSocket.OPEN) {
      return true;
    }
    answering();
    this._pending = { key, host, pageNonce, relayNonce };
    socket.send(JSON.stringify({ type: 'auth-page', proof }));
    return true;
  }

  /**
   * The socket to the relay at `url` closed: say why, and reconnect later
   * unless that cannot help. `leftByPage`: the page closed it (the relay
   * did not prove itself).
   */
  private _closed(event: CloseEvent, url: string, leftByPage: boolean): void {
    this._socket = null;
    this._proven = null;
    this._pending = null;
    this._rotationAsked = false;
    const code = event.code;
    if (code === INCOMPATIBLE_CLOSE_CODE) {
      this._fail(
        'incompatible',
        `Version mismatch: the ${event.reason || 'relay speaks another protocol'}. Reconnecting will not help until both are of one version.`
      );
      this._stopped = true;
    } else if (code === TOKEN_ROTATED_CLOSE_CODE) {
      this._fail(
        'unreachable',
        'The relay rotated its token: reconnecting with the new one.'
      );
      this._retryDelay = Private.MIN_RETRY_MS;
    } else if (code === UNAUTHORIZED_CLOSE_CODE) {
      this._fail(
        'refused',
        `The relay at ${url} refused this page's proof of the token.`
      );
    } else if (code === 1000) {
      this._fail('', '');
    } else if (!leftByPage) {
      this._fail(
        'unreachable',
        `The relay at ${url} is not reachable or refused the page (code ${code}).`
      );
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
  }

  /**
   * Emit a message of the open connection; a new token only when this page
   * asked for it.
   */
  private _deliver(message: RelayToPage): void {
    if (message.type === 'batch') {
      // Session messages that came to the relay in one turn.
      if (Array.isArray(message.messages)) {
        for (const inner of message.messages) {
          if (inner?.type === 'session-message') {
            this._received.emit(inner);
          }
        }
      }
      return;
    }
    if (message.type === 'token-rotated') {
      if (!this._rotationAsked || typeof message.token !== 'string') {
        return;
      }
      this._rotationAsked = false;
    }
    this._received.emit(message);
  }

  private _fail(failure: ConnectionFailure, message: string): void {
    this._failure = failure;
    this._lastError = message;
  }

  private _setStatus(status: ConnectionStatus): void {
    if (status !== this._status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _options: IConnectionOptions | null = null;
  private _socket: WebSocket | null = null;
  private _proven: Private.IProven | null = null;
  private _pending: Private.IProven | null = null;
  private _rotationAsked = false;
  private _status: ConnectionStatus = 'disconnected';
  private _stopped = true;
  private _retryDelay = Private.MIN_RETRY_MS;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _retryAt: number | null = null;
  private _lastError = '';
  private _failure: ConnectionFailure = '';
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
  private _received = new Signal<this, RelayToPage>(this);
}

namespace Private {
  export const MIN_RETRY_MS = 500;
  export const MAX_RETRY_MS = 10000;
  /** How long the relay has to prove itself and welcome the page. */
  export const HANDSHAKE_MS = 10000;

  /**
   * A handshake under way: the socket, and what the page proves with.
   */
  export interface IHandshake {
    socket: WebSocket;
    subtle: SubtleCrypto;
    key: Promise<IProofKey | null>;
    host: string;
    pageNonce: string;
  }

  /**
   * What a connection proved with, for the proofs that follow on it.
   */
  export interface IProven {
    key: IProofKey;
    host: string;
    pageNonce: string;
    relayNonce: string;
  }

  /**
   * The error of a program that did not prove that it knows the token.
   */
  export function unproven(url: string, why: string): string {
    return (
      `The program at ${url} did not prove that it knows the token (${why}), so this page sent it nothing: ` +
      "it is not your relay, or your relay's token changed. Open the relay's new pairing link, or run " +
      '"Start MCP bridge" and paste the token.'
    );
  }

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
