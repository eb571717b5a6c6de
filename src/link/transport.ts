/**
 * An MCP SDK `Transport` for one session multiplexed on the page's relay
 * WebSocket.
 */

import type {
  Transport,
  TransportSendOptions
} from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import type { ISessionMessage, JsonRpcMessage } from '../_protocol';

/**
 * Sends a session envelope to the relay.
 */
export type EnvelopeSender = (envelope: ISessionMessage) => void;

/**
 * The transport of one MCP session.
 */
export class SessionTransport implements Transport {
  constructor(sessionId: string, send: EnvelopeSender) {
    this.sessionId = sessionId;
    this._send = send;
  }

  readonly sessionId: string;

  /**
   * How many of the client's requests are not answered yet (a cancelled
   * one is not counted: the SDK does not answer it).
   */
  get pending(): number {
    return this._pending.size;
  }

  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  async start(): Promise<void> {
    // The relay socket is already open; nothing to do.
  }

  async send(
    message: JSONRPCMessage,
    options?: TransportSendOptions
  ): Promise<void> {
    if (this._closed) {
      throw new Error(`MCP session ${this.sessionId} is closed`);
    }
    const id = 'id' in message ? message.id : undefined;
    if (id !== undefined && ('result' in message || 'error' in message)) {
      this._pending.delete(id);
    }
    if (id !== undefined && this._swallow.has(id)) {
      // The answer to a request replayed on resume: the client has it already.
      this._swallow.delete(id);
      return;
    }
    this._send({
      type: 'session-message',
      sessionId: this.sessionId,
      message: message as JsonRpcMessage,
      relatedRequestId: options?.relatedRequestId
    });
  }

  async close(): Promise<void> {
    if (this._closed) {
      return;
    }
    this._closed = true;
    this.onclose?.();
  }

  /**
   * Deliver a message from the client.
   */
  receive(message: JsonRpcMessage): void {
    const id = message.id;
    if (
      typeof message.method === 'string' &&
      (typeof id === 'string' || typeof id === 'number')
    ) {
      this._pending.add(id);
    } else if (
      message.method === 'notifications/cancelled' &&
      typeof message.params === 'object' &&
      message.params !== null
    ) {
      this._pending.delete(
        (message.params as { requestId?: string | number }).requestId ?? ''
      );
    }
    this.onmessage?.(message as unknown as JSONRPCMessage);
  }

  /**
   * Deliver a message from the client whose answer must not be sent back
   * (replaying `initialize` when a session resumes in a new page).
   */
  replay(message: JsonRpcMessage): void {
    if ('id' in message && message.id !== undefined) {
      this._swallow.add(message.id as string | number);
    }
    this.receive(message);
  }

  private _send: EnvelopeSender;
  private _closed = false;
  private _swallow = new Set<string | number>();
  private _pending = new Set<string | number>();
}
