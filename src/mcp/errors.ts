/**
 * JSON-RPC error messages as the client should read them.
 *
 * The SDK's `McpError` puts "MCP error <code>: " in front of its message,
 * and the SDK's `Protocol` sends a thrown error's `message` as the JSON-RPC
 * error message. The client's SDK then builds its own `McpError` from the
 * code and that message, so an `McpError` thrown in a request handler (ours
 * in `resources.ts`, or the SDK's own, such as "Invalid tools/call request")
 * reached clients as "MCP error -32602: MCP error -32602: ...". The page's
 * server sends its errors through {@link PlainErrorTransport}, which takes the
 * prefix off before the message leaves.
 */

import type {
  Transport,
  TransportSendOptions
} from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  JSONRPCMessage,
  MessageExtraInfo
} from '@modelcontextprotocol/sdk/types.js';

/**
 * `message` without any leading "MCP error <code>: " (the prefix `McpError`
 * adds), however many times it was added.
 */
export function plainErrorMessage(code: number, message: string): string {
  const prefix = `MCP error ${code}: `;
  let text = message;
  while (text.startsWith(prefix)) {
    text = text.slice(prefix.length);
  }
  return text;
}

/**
 * The same message, with the prefix taken off the message of a JSON-RPC
 * error response; any other message is returned as it is.
 */
export function withPlainError(message: JSONRPCMessage): JSONRPCMessage {
  if (!('error' in message) || !message.error) {
    return message;
  }
  const { code, message: text } = message.error;
  if (typeof text !== 'string' || typeof code !== 'number') {
    return message;
  }
  const plain = plainErrorMessage(code, text);
  return plain === text
    ? message
    : { ...message, error: { ...message.error, message: plain } };
}

/**
 * A transport that passes everything through to `inner`, sending error
 * responses with {@link withPlainError}.
 */
export class PlainErrorTransport implements Transport {
  /**
   * @param inner - The transport that carries the messages.
   */
  constructor(private readonly _inner: Transport) {
    _inner.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) =>
      this.onmessage?.(message, extra);
    _inner.onclose = () => this.onclose?.();
    _inner.onerror = (error: Error) => this.onerror?.(error);
  }

  /** Set by the SDK when it connects. */
  onclose?: () => void;
  /** Set by the SDK when it connects. */
  onerror?: (error: Error) => void;
  /** Set by the SDK when it connects. */
  onmessage?: <T extends JSONRPCMessage>(
    message: T,
    extra?: MessageExtraInfo
  ) => void;

  /**
   * The inner transport's session id.
   */
  get sessionId(): string | undefined {
    return this._inner.sessionId;
  }

  /**
   * Start the inner transport.
   */
  start(): Promise<void> {
    return this._inner.start();
  }

  /**
   * Send `message`, an error response without the doubled prefix.
   */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this._inner.send(withPlainError(message), options);
  }

  /**
   * Close the inner transport.
   */
  close(): Promise<void> {
    return this._inner.close();
  }

  /**
   * Pass the negotiated protocol version on.
   */
  setProtocolVersion(version: string): void {
    this._inner.setProtocolVersion?.(version);
  }
}
