/**
 * Resumable SSE streams: a bounded, in-memory `EventStore` per MCP session.
 *
 * With an event store the SDK's Streamable HTTP transport gives every SSE
 * event an id, opens each stream with a priming event (an id and the
 * `retry` hint), keeps what it sends while a stream is down, and replays
 * what a client missed when it reconnects with `Last-Event-ID`.
 *
 * Memory is bounded three ways: per session (events and bytes), for all
 * sessions together (bytes; the oldest events of any session go first), and
 * in time for streams that are over (a stream is over once its response was
 * stored; a client that lost that last event can still ask for it during
 * `finishedStreamTtlMs`). A session's events are freed when it closes.
 */
import type {
  EventId,
  EventStore,
  StreamId
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * Bounds of the event stores of a relay.
 */
export interface IEventStoreLimits {
  /** Events kept per session (default 500). */
  maxEventsPerSession: number;
  /** Bytes of messages kept per session (default 2 MiB). */
  maxBytesPerSession: number;
  /** Bytes of messages kept for all sessions together (default 16 MiB). */
  maxTotalBytes: number;
  /**
   * How long the events of a finished stream are kept, in ms (default 10 s:
   * a client that lost the end of a stream reconnects after the 1 s retry
   * hint).
   */
  finishedStreamTtlMs: number;
}

/**
 * The default bounds.
 */
export const DEFAULT_EVENT_STORE_LIMITS: IEventStoreLimits = {
  maxEventsPerSession: 500,
  maxBytesPerSession: 2 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  finishedStreamTtlMs: 10_000
};

/**
 * The `retry` hint of priming events, in ms: how long a client waits before
 * it reconnects a dropped stream.
 */
export const SSE_RETRY_MS = 1000;

interface IStoredEvent {
  readonly streamId: StreamId;
  readonly seq: number;
  readonly message: JSONRPCMessage;
  readonly bytes: number;
  /** Orders the events of all stores of a pool. */
  readonly stamp: number;
}

/**
 * The event stores of all sessions of a relay, sharing one byte budget.
 */
export class EventStorePool {
  /**
   * @param limits - bounds (defaults: {@link DEFAULT_EVENT_STORE_LIMITS}).
   * @param now - the clock (for tests).
   */
  constructor(
    limits: Partial<IEventStoreLimits> = {},
    readonly now: () => number = Date.now
  ) {
    this.limits = { ...DEFAULT_EVENT_STORE_LIMITS, ...limits };
  }

  /** The bounds in force. */
  readonly limits: IEventStoreLimits;

  /**
   * Bytes of messages held by all stores.
   */
  get totalBytes(): number {
    return this._totalBytes;
  }

  /**
   * Events held by all stores.
   */
  get totalEvents(): number {
    let count = 0;
    for (const store of this._stores) {
      count += store.size;
    }
    return count;
  }

  /**
   * The number of open stores (one per session not yet closed).
   */
  get storeCount(): number {
    return this._stores.size;
  }

  /**
   * Drop the events of finished streams past their TTL, in every store (the
   * relay calls it now and then, so that idle sessions do not hold them).
   */
  sweep(): void {
    for (const store of this._stores) {
      store.dropFinished();
    }
  }

  /**
   * A store for a new session; {@link SessionEventStore.dispose} frees it.
   */
  create(): SessionEventStore {
    const store = new SessionEventStore(this);
    this._stores.add(store);
    return store;
  }

  /** @internal Account for bytes added or removed by a store. */
  _changed(bytes: number): void {
    this._totalBytes += bytes;
  }

  /** @internal A store is gone. */
  _remove(store: SessionEventStore): void {
    this._stores.delete(store);
  }

  /**
   * @internal Drop the oldest events of any session (by the time they were
   * stored) until the total is within bounds.
   */
  _enforceTotal(): void {
    while (this._totalBytes > this.limits.maxTotalBytes) {
      let oldest: SessionEventStore | undefined;
      for (const store of this._stores) {
        if (
          store.size > 0 &&
          (!oldest || store.oldestStamp < oldest.oldestStamp)
        ) {
          oldest = store;
        }
      }
      if (!oldest) {
        return;
      }
      oldest.evictOldest();
    }
  }

  /** @internal A stamp that orders events of all stores. */
  _stamp(): number {
    return ++this._stampSeq;
  }

  private _totalBytes = 0;
  private _stampSeq = 0;
  private readonly _stores = new Set<SessionEventStore>();
}

/**
 * The event store of one session (the SDK `EventStore` interface).
 */
export class SessionEventStore implements EventStore {
  /**
   * @param _pool - the pool that made it.
   */
  constructor(private readonly _pool: EventStorePool) {}

  /**
   * Events held.
   */
  get size(): number {
    return this._events.size;
  }

  /**
   * Bytes of messages held.
   */
  get bytes(): number {
    return this._bytes;
  }

  /**
   * @internal The pool stamp of the oldest event held (Infinity when empty).
   */
  get oldestStamp(): number {
    for (const event of this._events.values()) {
      return event.stamp;
    }
    return Infinity;
  }

  /**
   * Keep an event; its id is returned. The SDK stores a priming event as an
   * empty object.
   */
  async storeEvent(
    streamId: StreamId,
    message: JSONRPCMessage
  ): Promise<EventId> {
    return this.storeEventNow(streamId, message);
  }

  /**
   * {@link storeEvent}, at once (for the relay's own streams).
   */
  storeEventNow(streamId: StreamId, message: JSONRPCMessage): EventId {
    const seq = ++this._seq;
    const eventId = `${seq}.${streamId}`;
    if (this._disposed) {
      return eventId;
    }
    this.dropFinished();
    const bytes = Private.sizeOf(message);
    const stamp = this._pool._stamp();
    this._events.set(eventId, { streamId, seq, message, bytes, stamp });
    let ids = this._streams.get(streamId);
    if (!ids) {
      ids = [];
      this._streams.set(streamId, ids);
    }
    ids.push(eventId);
    this._bytes += bytes;
    this._pool._changed(bytes);
    if ('id' in message && ('result' in message || 'error' in message)) {
      // The stream's response: the stream is over.
      this._finished.delete(streamId);
      this._finished.set(streamId, this._pool.now());
    }
    const limits = this._pool.limits;
    while (
      this._events.size > limits.maxEventsPerSession ||
      this._bytes > limits.maxBytesPerSession
    ) {
      this.evictOldest();
    }
    this._pool._enforceTotal();
    return eventId;
  }

  /**
   * The stream of a stored event; undefined when the event is not held
   * (unknown, or dropped by a bound): the SDK then refuses the
   * reconnection with 400 rather than replay with a gap.
   */
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this._events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    {
      send
    }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }
  ): Promise<StreamId> {
    const { streamId, missed } = this.eventsAfter(lastEventId);
    for (const [id, message] of missed) {
      await send(id, message);
    }
    return streamId;
  }

  /**
   * The stream of an event and the events of that stream stored after it
   * (what a client that reconnects with `Last-Event-ID` missed); throws when
   * the event is not held.
   */
  eventsAfter(lastEventId: EventId): {
    streamId: StreamId;
    missed: [EventId, JSONRPCMessage][];
  } {
    const last = this._events.get(lastEventId);
    if (!last) {
      throw new Error(`event ${lastEventId} is not held`);
    }
    const missed: [EventId, JSONRPCMessage][] = [];
    for (const id of this._streams.get(last.streamId) ?? []) {
      const event = this._events.get(id);
      if (event && event.seq > last.seq && 'jsonrpc' in event.message) {
        missed.push([id, event.message]);
      }
    }
    return { streamId: last.streamId, missed };
  }

  evictOldest(): void {
    for (const id of this._events.keys()) {
      this._delete(id);
      return;
    }
  }

  /**
   * Free everything (the session closed); later events are not kept.
   */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._pool._changed(-this._bytes);
    this._bytes = 0;
    this._events.clear();
    this._finished.clear();
    this._streams.clear();
    this._pool._remove(this);
  }

  /**
   * Drop the events of streams that finished more than the TTL ago.
   */
  dropFinished(): void {
    const horizon = this._pool.now() - this._pool.limits.finishedStreamTtlMs;
    // Oldest first (a stream is moved to the end when it finishes).
    for (const [streamId, at] of this._finished) {
      if (at > horizon) {
        return;
      }
      this._finished.delete(streamId);
      const ids = this._streams.get(streamId) ?? [];
      this._streams.delete(streamId);
      for (const id of ids) {
        this._delete(id);
      }
    }
  }

  private _delete(id: EventId): void {
    const event = this._events.get(id);
    if (!event) {
      return;
    }
    this._events.delete(id);
    const ids = this._streams.get(event.streamId);
    if (ids) {
      // Events go oldest first, so this is nearly always ids[0].
      const at = ids.indexOf(id);
      if (at >= 0) {
        ids.splice(at, 1);
      }
      if (ids.length === 0 && !this._finished.has(event.streamId)) {
        this._streams.delete(event.streamId);
      }
    }
    this._bytes -= event.bytes;
    this._pool._changed(-event.bytes);
  }

  private _seq = 0;
  private _bytes = 0;
  private _disposed = false;
  private readonly _events = new Map<EventId, IStoredEvent>();
  private readonly _finished = new Map<StreamId, number>();
  private readonly _streams = new Map<StreamId, EventId[]>();
}

namespace Private {
  /**
   * The size of a message as the SSE stream carries it (UTF-16 code units
   * of its JSON, close enough to bytes for a bound).
   */
  export function sizeOf(message: JSONRPCMessage): number {
    return JSON.stringify(message).length + 64;
  }
}
