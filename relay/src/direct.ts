/**
 * The relay's own Streamable HTTP streams for the common call: one client
 * request on a live session, answered on its POST as an SSE stream that
 * the relay writes itself (a priming event with an id and a retry hint,
 * then the request's notifications and its response, each with an event
 * id kept in the session's event store), instead of going through the
 * SDK's server transport and its Node ↔ Web stream conversions. A quick
 * answer leaves in one write. A client whose stream dropped reconnects
 * with `Last-Event-ID` and gets what it missed, then the rest.
 *
 * Everything else (initialize, batches, GET streams, DELETE, malformed
 * requests, headers the specification refuses) stays with the SDK
 * transport, which answers it as the specification says.
 */

import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

import type { SessionEventStore } from './events';
import { idKey, type RequestId } from './jsonrpc';

/**
 * Options of {@link DirectStreams}.
 */
export interface IDirectStreamsOptions {
  /** The session's event store (event ids, replay). */
  events: SessionEventStore;
  /** The session id, for the `mcp-session-id` header. */
  sessionId: () => string;
  /**
   * Whether the client's protocol version takes a priming event (empty
   * data): 2025-11-25 and later.
   */
  priming: () => boolean;
  /** The `retry` hint of priming events (ms). */
  retryMs: number;
  /** How long a stream waits before its headers and priming go out alone. */
  flushAfterMs?: number;
}

/**
 * The relay's own POST streams of one session.
 */
export class DirectStreams {
  constructor(private readonly _options: IDirectStreamsOptions) {}

  /**
   * Streams open now.
   */
  get size(): number {
    return this._byRequest.size;
  }

  /**
   * Whether a request of this id is being answered here.
   */
  has(id: RequestId): boolean {
    return this._byRequest.has(idKey(id));
  }

  /**
   * Answer request `id` on `res`: the stream starts with its priming event
   * (sent with the first event, or alone after a moment).
   */
  open(id: RequestId, res: ServerResponse): void {
    const streamId = `direct-${++this._seq}`;
    const stream: Private.IStream = {
      id,
      streamId,
      res,
      buffer: '',
      timer: null
    };
    if (this._options.priming()) {
      const primingId = this._options.events.storeEventNow(
        streamId,
        {} as JSONRPCMessage
      );
      stream.buffer = `id: ${primingId}\nretry: ${this._options.retryMs}\ndata: \n\n`;
    }
    this._byRequest.set(idKey(id), stream);
    this._byStream.set(streamId, stream);
    this._attach(stream, res);
    stream.timer = setTimeout(
      () => this._flush(stream),
      this._options.flushAfterMs ?? Private.FLUSH_AFTER_MS
    );
    stream.timer.unref?.();
  }

  /**
   * Put a message for the client on its request's stream: a response to a
   * request answered here (the stream then ends), or a notification with
   * `relatedRequestId` naming one. Returns whether it was taken.
   */
  deliver(message: JSONRPCMessage, relatedRequestId?: RequestId): boolean {
    const responseId =
      'id' in message && ('result' in message || 'error' in message)
        ? (message.id as RequestId)
        : undefined;
    const key =
      responseId !== undefined
        ? idKey(responseId)
        : relatedRequestId !== undefined
          ? idKey(relatedRequestId)
          : undefined;
    const stream = key !== undefined ? this._byRequest.get(key) : undefined;
    if (!stream) {
      return false;
    }
    const eventId = this._options.events.storeEventNow(
      stream.streamId,
      message
    );
    stream.buffer += `event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`;
    if (responseId !== undefined) {
      this._end(stream);
    } else {
      this._flush(stream);
    }
    return true;
  }

  /**
   * A client reconnects with `Last-Event-ID` to one of these streams: send
   * it what it missed on `res`, and the rest of the stream after. Returns
   * false when the event is not of a stream of the relay's own (the SDK
   * transport handles it).
   */
  resume(lastEventId: string, res: ServerResponse): boolean {
    let replay: ReturnType<SessionEventStore['eventsAfter']>;
    try {
      replay = this._options.events.eventsAfter(lastEventId);
    } catch {
      return false;
    }
    if (!replay.streamId.startsWith('direct-')) {
      return false;
    }
    const stream = this._byStream.get(replay.streamId);
    const text = replay.missed
      .map(
        ([id, message]) =>
          `event: message\nid: ${id}\ndata: ${JSON.stringify(message)}\n\n`
      )
      .join('');
    if (!stream) {
      // Its response is among what was missed: the stream is over.
      this._writeHead(res);
      res.end(text);
      return true;
    }
    stream.buffer = text;
    if (stream.res && stream.res !== res) {
      stream.res.end();
    }
    this._attach(stream, res);
    this._flush(stream);
    return true;
  }

  /**
   * End every stream with the message `answer` makes for its request (the
   * session ended).
   */
  closeAll(answer: (id: RequestId) => JSONRPCMessage): void {
    for (const stream of [...this._byRequest.values()]) {
      stream.buffer += `event: message\ndata: ${JSON.stringify(answer(stream.id))}\n\n`;
      this._end(stream);
    }
  }

  private _attach(stream: Private.IStream, res: ServerResponse): void {
    stream.res = res;
    res.once('close', () => {
      if (stream.res === res) {
        // The client went: what comes is kept in the event store for it.
        stream.res = null;
      }
    });
  }

  private _writeHead(res: ServerResponse): void {
    if (!res.headersSent) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'mcp-session-id': this._options.sessionId()
      });
    }
  }

  private _flush(stream: Private.IStream): void {
    const res = stream.res;
    if (!res || res.writableEnded) {
      return;
    }
    this._writeHead(res);
    if (stream.buffer) {
      res.write(stream.buffer);
      stream.buffer = '';
    } else {
      res.flushHeaders();
    }
  }

  private _end(stream: Private.IStream): void {
    if (stream.timer) {
      clearTimeout(stream.timer);
    }
    this._byRequest.delete(idKey(stream.id));
    this._byStream.delete(stream.streamId);
    const res = stream.res;
    if (res && !res.writableEnded) {
      this._writeHead(res);
      res.end(stream.buffer);
    }
    stream.buffer = '';
    stream.res = null;
  }

  private _seq = 0;
  private readonly _byRequest = new Map<string, Private.IStream>();
  private readonly _byStream = new Map<string, Private.IStream>();
}

namespace Private {
  /**
   * How long a stream waits before its headers and priming event go out
   * alone (a slow call: a long run, a call waiting for the user).
   */
  export const FLUSH_AFTER_MS = 1000;

  /**
   * One of the relay's own streams.
   */
  export interface IStream {
    id: RequestId;
    streamId: string;
    /** The HTTP response it is written to; null while the client is away. */
    res: ServerResponse | null;
    /** What is not written yet. */
    buffer: string;
    timer: ReturnType<typeof setTimeout> | null;
  }
}
