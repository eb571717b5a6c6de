/**
 * One MCP session, as the relay keeps it between its client and the page
 * that serves it: the SDK transport and the relay's own answer streams
 * that reach the client, the client's requests in flight and what the page
 * said they did, the messages that wait for a page (bounded, each request
 * for a while), and what resumes the session on another page (its
 * `initialize`, its state). A session accepts a request (opening its answer
 * stream) and delivers the answer itself; which page serves it is the
 * hub's business (`hub.ts`).
 */
import type * as http from 'node:http';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientTransport, ISessionOpen, JsonRpcMessage } from './protocol';
import {
  errorResponse,
  idKey,
  isObject,
  isRequestId,
  RELAY_ERROR_CODE,
  type RequestId,
  responseIdOf
} from './jsonrpc';
import { DirectStreams } from './direct';
import { SSE_RETRY_MS, type SessionEventStore } from './events';
import type { Logger } from './log';
import type { PageConnection } from './page';
import { useNegotiatedVersion } from './transport';

/**
 * Message of the error a client gets when no page is connected in time.
 */
export const NO_PAGE_MESSAGE =
  'No JupyterLab page is connected to the MCP bridge. Open JupyterLab with the pairing link ' +
  'printed by `jupyterlab-mcp-bridge`, or run the command "Start MCP bridge" in JupyterLab, then retry.';

/**
 * Start of the error a client gets for a call in flight when its page goes
 * away (see {@link pageLostMessage}).
 */
export const PAGE_DISCONNECTED_MESSAGE =
  'The JupyterLab page serving this session went away (closed, reloaded or disconnected) during';

/**
 * The error of a call in flight whose page went away: what was asked, and
 * what the agent can know of its effect: the page's latest note on the
 * call when it sent one (see `ICallNote`), else that it may have been
 * applied.
 */
export function pageLostMessage(what: string, note?: string): string {
  const effect = note
    ? `${note} `
    : 'The call had reached the page, so it may have been applied or started (a cell may be running or have ' +
      'run, an edit may be saved): re-read what it acted on (read_cell, read_notebook, list_files) before you retry. ';
  return (
    `${PAGE_DISCONNECTED_MESSAGE} ${what}. ${effect}The session goes on, in another tab or in the ` +
    'reloaded one.'
  );
}

/**
 * MCP log levels, lowest first.
 */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency'
] as const;

/**
 * An MCP log level.
 */
export type LogLevelName = (typeof LOG_LEVELS)[number];

/**
 * What a session keeps of its client's messages while no page is
 * connected. Past either bound the oldest notifications go (the client is
 * told how many); a request that finds no room gets an error at once.
 */
export interface IQueueLimits {
  /** Messages kept (default 500). */
  messages: number;
  /** Bytes of JSON kept (default 4 MiB). */
  bytes: number;
}

/**
 * The default {@link IQueueLimits}.
 */
export const DEFAULT_QUEUE_LIMITS: IQueueLimits = {
  messages: 500,
  bytes: 4 * 1024 * 1024
};

/**
 * A message from a session's client, with its request id, computed once
 * where the message came in (see `requestIdOf`).
 */
export interface IClientMessage {
  message: JsonRpcMessage;
  /** Its id when it is a request; undefined for a notification. */
  id: RequestId | undefined;
}

/**
 * A client message waiting for a page.
 */
interface IQueued extends IClientMessage {
  /** Its size in bytes of JSON (characters). */
  bytes: number;
  timer?: NodeJS.Timeout;
}

/**
 * A client request not answered yet.
 */
interface IInflight {
  id: RequestId;
  /** What was asked: the method, and the tool of a tools/call. */
  what: string;
  /** The page the request was forwarded to; undefined while queued. */
  page?: PageConnection;
  /** What the page said the call has done so far (see ICallNote). */
  note?: string;
}

/**
 * Options of a {@link Session}.
 */
export interface ISessionOptions {
  /** The session's server transport (one per session). */
  transport: StreamableHTTPServerTransport;
  /**
   * The session's event store, which the transport and the relay's own
   * answer streams share.
   */
  events: SessionEventStore;
  logger: Logger;
  /** How long a request waits for a page, in ms. */
  pageWaitMs: number;
  /** What the session keeps while no page is connected. */
  queueLimits: IQueueLimits;
  /** How the client reaches the relay (told to the page; default http). */
  clientTransport?: ClientTransport;
  /** The session this one continues (its client's relay went away). */
  previousId?: string;
  /**
   * The client gave up on the session before it began (its `initialize`
   * found no page in time), once it was told: drop the session.
   */
  onAbandoned?: () => void;
}

/**
 * The first characters of a session id, for the log.
 */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * One MCP session: how its client is answered, what is in flight and what
 * waits, and what the relay keeps to resume it on another page.
 */
export class Session {
  /**
   * @param options - see {@link ISessionOptions}.
   */
  constructor(options: ISessionOptions) {
    this._options = options;
    this.clientTransport = options.clientTransport ?? 'http';
    this.previousId = options.previousId;
    this._direct = new DirectStreams({
      events: options.events,
      sessionId: () => this.id,
      // Priming events have empty data, which clients before 2025-11-25
      // cannot read.
      priming: () => (this._protocolVersion ?? '') >= '2025-11-25',
      retryMs: SSE_RETRY_MS
    });
  }

  /** The MCP session id (set when the transport initializes). */
  id = '';
  /** The session this one continues (its client's relay went away). */
  readonly previousId?: string;
  /** How the client reaches the relay (told to the page). */
  readonly clientTransport: ClientTransport;
  /** The session's state, as its page last reported it. */
  state?: Record<string, unknown>;
  /** The page serving this session, if any (the hub binds it). */
  page?: PageConnection;

  /**
   * Whether the session ended.
   */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Whether the client sent its `initialize` (a session binds to a page
   * only then).
   */
  get hasInitialize(): boolean {
    return this._initialize !== undefined;
  }

  /**
   * When the last request started or the last stream closed (ms).
   */
  get lastActivity(): number {
    return this._lastActivity;
  }

  /**
   * Client messages waiting for a page, oldest first.
   */
  get queue(): readonly IQueued[] {
    return this._queue;
  }

  /**
   * The relay's own answer streams open now (see `DirectStreams`).
   */
  get answerStreams(): number {
    return this._direct.size;
  }

  /**
   * Whether the client has shown no sign of life for `idleMs`: no request,
   * no open stream, nothing in flight or queued.
   */
  isIdle(now: number, idleMs: number): boolean {
    return (
      !this._closed &&
      this._openStreams === 0 &&
      this._inflight.size === 0 &&
      this._queue.length === 0 &&
      now - this._lastActivity >= idleMs
    );
  }

  /**
   * Count a request (and the stream it may hold open) as a sign of life.
   */
  track(res: http.ServerResponse): void {
    this._openStreams += 1;
    this._lastActivity = Date.now();
    res.once('close', () => {
      this._openStreams -= 1;
      this._lastActivity = Date.now();
    });
  }

  /**
   * Take request `id` to answer it on `res`, on a stream the relay writes
   * itself (`DirectStreams`): only on a live session, whose `initialize`
   * was answered, for an id not in flight already (the SDK transport says
   * what is wrong with the rest). Returns whether it took it; the caller
   * then hands the request to the hub.
   */
  accept(id: RequestId, res: http.ServerResponse): boolean {
    if (
      !this._initializeAnswered ||
      this._closed ||
      this._direct.has(id) ||
      this._inflight.has(idKey(id))
    ) {
      return false;
    }
    this._direct.open(id, res);
    return true;
  }

  /**
   * Have the SDK transport handle an HTTP request of this session, at the
   * protocol version the session negotiated.
   */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body?: unknown
  ): Promise<void> {
    useNegotiatedVersion(req, this._protocolVersion);
    await this._options.transport.handleRequest(req, res, body);
  }

  /**
   * A client that reconnects with `Last-Event-ID` to one of the relay's own
   * streams gets what it missed on `res`; false when the event is not of
   * such a stream (the SDK transport handles it).
   */
  resume(lastEventId: string, res: http.ServerResponse): boolean {
    return this._direct.resume(lastEventId, res);
  }

  /**
   * Deliver a message to the client: on the answer stream of its request
   * when the relay writes that one itself, else through the SDK transport
   * (`relatedRequestId` puts a notification on its request's stream).
   */
  deliver(message: JsonRpcMessage, relatedRequestId?: RequestId): void {
    if (this._direct.deliver(message as JSONRPCMessage, relatedRequestId)) {
      return;
    }
    this._options.transport
      .send(
        message as JSONRPCMessage,
        relatedRequestId !== undefined ? { relatedRequestId } : undefined
      )
      .catch((error: unknown) => {
        this._options.logger.debug(
          `could not deliver a message to session ${shortId(this.id)}: ${String(error)}`
        );
      });
  }

  /**
   * A message from the client, before it goes to a page: keep what resumes
   * the session (its `initialize` and `notifications/initialized`) and the
   * log level it asks for, forget a request it cancels, and note a request
   * as in flight.
   */
  receive({ message, id }: IClientMessage): void {
    if (message.method === 'initialize' && id !== undefined) {
      this._initialize = message;
      this._initializeId = id;
    } else if (message.method === 'notifications/initialized') {
      this._initialized = message;
    } else if (
      message.method === 'logging/setLevel' &&
      isObject(message.params) &&
      Private.isLogLevel(message.params.level)
    ) {
      this._logLevel = message.params.level;
    } else if (
      message.method === 'notifications/cancelled' &&
      isObject(message.params)
    ) {
      const cancelled = message.params.requestId;
      if (isRequestId(cancelled)) {
        this._inflight.delete(idKey(cancelled));
      }
    }
    if (id !== undefined) {
      const tool =
        message.method === 'tools/call' &&
        isObject(message.params) &&
        typeof message.params.name === 'string'
          ? ` "${message.params.name.slice(0, 100)}"`
          : '';
      this._inflight.set(idKey(id), {
        id,
        what: `${String(message.method)}${tool}`
      });
    }
  }

  /**
   * Request `id` (if any) went to `page`: if that page goes away before it
   * answers, the client gets an error (see {@link failCallsOn}).
   */
  forwardedTo(page: PageConnection, id: RequestId | undefined): void {
    if (id === undefined) {
      return;
    }
    const entry = this._inflight.get(idKey(id));
    if (entry) {
      entry.page = page;
    }
  }

  /**
   * Keep a client message until a page connects, within the queue's
   * bounds: the oldest notifications make room (the client is told how
   * many went); a request that finds no room is answered with an error at
   * once, and one that waits longer than the page wait gets
   * {@link NO_PAGE_MESSAGE}.
   */
  enqueue(incoming: IClientMessage): void {
    const limits = this._options.queueLimits;
    const item: IQueued = {
      ...incoming,
      bytes: JSON.stringify(incoming.message).length
    };
    const full = () =>
      this._queue.length + 1 > limits.messages ||
      this._queuedBytes + item.bytes > limits.bytes;
    this._makeRoom(full);
    if (full()) {
      this._refuse(item, limits);
      this._tellDropped(limits);
      return;
    }
    this._tellDropped(limits);
    const id = item.id;
    if (id !== undefined) {
      item.timer = setTimeout(
        () => this._expire(item, id),
        this._options.pageWaitMs
      );
      item.timer.unref?.();
    }
    this._queue.push(item);
    this._queuedBytes += item.bytes;
  }

  /**
   * Take every message waiting for a page (a page is here), oldest first.
   */
  takeQueued(): IClientMessage[] {
    const queued = this._queue.splice(0);
    this._queuedBytes = 0;
    for (const item of queued) {
      clearTimeout(item.timer);
    }
    return queued;
  }

  /**
   * A message for the client from `page`, the page serving the session. An
   * answer is delivered only when it answers a request in flight on that
   * page (the answer of an `initialize` also says the session began, and at
   * which protocol version); any other message goes on the stream of
   * `relatedRequestId` while that request is in flight.
   */
  fromPage(
    page: PageConnection,
    message: JsonRpcMessage,
    relatedRequestId?: RequestId
  ): void {
    const resId = responseIdOf(message);
    if (resId === undefined) {
      const related =
        relatedRequestId !== undefined &&
        this._inflight.has(idKey(relatedRequestId))
          ? relatedRequestId
          : undefined;
      this.deliver(message, related);
      return;
    }
    const key = idKey(resId);
    const entry = this._inflight.get(key);
    if (!entry || entry.page !== page) {
      // For example the answer to an initialize replayed on resume.
      this._options.logger.debug(
        `dropped a response to ${String(resId)}, not in flight`
      );
      return;
    }
    this._inflight.delete(key);
    if (
      this._initialize &&
      !this._initializeAnswered &&
      this._initializeId === resId &&
      'result' in message
    ) {
      this._initializeAnswered = true;
      const result = message.result;
      if (isObject(result) && typeof result.protocolVersion === 'string') {
        this._protocolVersion = result.protocolVersion;
      }
    }
    this.deliver(message);
  }

  /**
   * `page` says what request `requestId`, in flight on it, has done so far
   * (an empty note takes back what an earlier one said).
   */
  note(page: PageConnection, requestId: RequestId, note: string): void {
    const entry = this._inflight.get(idKey(requestId));
    if (entry?.page === page) {
      entry.note = note || undefined;
    }
  }

  /**
   * `page` went away: each call in flight on it gets an error saying what
   * it may have done ({@link pageLostMessage}). An `initialize` the page
   * never answered is returned instead, for the next page: the session had
   * not begun.
   */
  failCallsOn(page: PageConnection): IClientMessage | undefined {
    let initialize: IClientMessage | undefined;
    for (const [key, entry] of this._inflight) {
      if (entry.page !== page) {
        continue;
      }
      if (
        !this._initializeAnswered &&
        this._initialize &&
        this._initializeId === entry.id
      ) {
        entry.page = undefined;
        initialize = { message: this._initialize, id: this._initializeId };
        continue;
      }
      this._inflight.delete(key);
      this.deliver(
        errorResponse(
          entry.id,
          RELAY_ERROR_CODE,
          pageLostMessage(entry.what, entry.note)
        )
      );
    }
    return initialize;
  }

  /**
   * The `session-open` that binds this session to a page: with what
   * resumes it there when it began on another page.
   */
  openMessage(): ISessionOpen {
    const resume =
      this._initializeAnswered && this._initialize
        ? { initialize: this._initialize, initialized: this._initialized }
        : undefined;
    return {
      type: 'session-open',
      sessionId: this.id,
      transport: this.clientTransport,
      ...(resume ? { resume } : {}),
      ...(this.previousId ? { previousSessionId: this.previousId } : {}),
      ...(this.state ? { state: this.state } : {})
    };
  }

  /**
   * Tell the client what the relay saw, as an MCP `notifications/message`,
   * when the session began and the client asked for that level.
   */
  log(level: LogLevelName, data: string): void {
    if (
      !this._closed &&
      this._initializeAnswered &&
      LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this._logLevel ?? 'debug')
    ) {
      this.deliver({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level, logger: Private.LOGGER, data }
      });
    }
  }

  /**
   * The session ended: what waits for a page is dropped, and each answer
   * stream of the relay's own gets an error.
   */
  close(): void {
    this._closed = true;
    for (const queued of this._queue) {
      clearTimeout(queued.timer);
    }
    this._queue.length = 0;
    this._queuedBytes = 0;
    this._inflight.clear();
    this._direct.closeAll(
      id =>
        errorResponse(
          id,
          RELAY_ERROR_CODE,
          'The MCP session ended before the answer came.'
        ) as JSONRPCMessage
    );
  }

  /**
   * Close the SDK transport (its client's next request gets 404).
   */
  async closeTransport(): Promise<void> {
    try {
      await this._options.transport.close();
    } catch (error) {
      this._options.logger.debug(
        `closing session ${shortId(this.id)}: ${String(error)}`
      );
    }
  }

  /**
   * Free what a session that never began holds (the SDK refused its
   * `initialize`).
   */
  discard(): void {
    this._options.events.dispose();
    void this._options.transport.close().catch(() => undefined);
  }

  /**
   * Drop the oldest notifications (not the `initialized` one, which a page
   * needs to start the session) while the queue is `full`.
   */
  private _makeRoom(full: () => boolean): void {
    for (let i = 0; full() && i < this._queue.length;) {
      const old = this._queue[i];
      if (
        old.id === undefined &&
        old.message.method !== 'notifications/initialized'
      ) {
        this._queue.splice(i, 1);
        this._queuedBytes -= old.bytes;
        this._dropped += 1;
      } else {
        i++;
      }
    }
  }

  /**
   * No room for `item`: a request is answered with an error at once, a
   * notification counts as dropped.
   */
  private _refuse(item: IQueued, limits: IQueueLimits): void {
    if (item.id === undefined) {
      this._dropped += 1;
      return;
    }
    this._inflight.delete(idKey(item.id));
    this.deliver(
      errorResponse(
        item.id,
        RELAY_ERROR_CODE,
        `No JupyterLab page is connected, and this session already has ${this._queue.length} messages ` +
          `(${this._queuedBytes} bytes) waiting for one (the relay keeps at most ${limits.messages} messages and ` +
          `${limits.bytes} bytes): this request was not queued. Retry once a page is connected.`
      )
    );
  }

  /**
   * Tell the client (once per burst) how many of its notifications were
   * dropped while no page was connected.
   */
  private _tellDropped(limits: IQueueLimits): void {
    if (this._dropped === 0 || this._dropTold) {
      return;
    }
    this._dropTold = true;
    setImmediate(() => {
      this._dropTold = false;
      const count = this._dropped;
      this._dropped = 0;
      if (count === 0 || this._closed) {
        return;
      }
      this._options.logger.warn(
        `session ${shortId(this.id)}: ${count} notification(s) dropped while no page was connected`
      );
      if (this._initializeAnswered) {
        this.deliver({
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: {
            level: 'warning',
            logger: Private.LOGGER,
            data:
              `${count} notification(s) of this session were dropped: no JupyterLab page is connected, and the ` +
              `relay keeps at most ${limits.messages} messages (${limits.bytes} bytes) for one.`
          }
        });
      }
    });
  }

  /**
   * Request `id` waited for a page longer than the page wait: it gets
   * {@link NO_PAGE_MESSAGE}; an `initialize` that did abandons the session.
   */
  private _expire(item: IQueued, id: RequestId): void {
    const index = this._queue.indexOf(item);
    if (index < 0 || this._closed) {
      return;
    }
    this._queue.splice(index, 1);
    this._queuedBytes -= item.bytes;
    this._inflight.delete(idKey(id));
    this._options.logger.warn(
      `no JupyterLab page connected: request ${String(id)} failed`
    );
    this.deliver(errorResponse(id, RELAY_ERROR_CODE, NO_PAGE_MESSAGE));
    if (!this._initializeAnswered && item.message.method === 'initialize') {
      // The client gave up on this session: drop it once the error is out.
      const onAbandoned = this._options.onAbandoned;
      if (onAbandoned) {
        setTimeout(onAbandoned, 100).unref?.();
      }
    }
  }

  private readonly _options: ISessionOptions;
  /** The POST streams the relay writes itself (see `DirectStreams`). */
  private readonly _direct: DirectStreams;
  /** The client's `initialize` request, and its id. */
  private _initialize?: JsonRpcMessage;
  private _initializeId?: RequestId;
  /** The client's `notifications/initialized`. */
  private _initialized?: JsonRpcMessage;
  /** Whether the client received a successful initialize result. */
  private _initializeAnswered = false;
  /** The protocol version the session negotiated (from the initialize result). */
  private _protocolVersion?: string;
  /** The lowest log level the client asked for (`logging/setLevel`). */
  private _logLevel?: LogLevelName;
  /** Client requests not answered yet, by {@link idKey}. */
  private readonly _inflight = new Map<string, IInflight>();
  /** Client messages waiting for a page. */
  private readonly _queue: IQueued[] = [];
  /** Bytes of the messages in {@link _queue}. */
  private _queuedBytes = 0;
  /** Notifications dropped from the queue since the client was told. */
  private _dropped = 0;
  /** Whether the client is about to be told of the dropped ones. */
  private _dropTold = false;
  private _closed = false;
  /** HTTP requests and streams of this session open now. */
  private _openStreams = 0;
  private _lastActivity = Date.now();
}

namespace Private {
  /**
   * The `logger` of the relay's own `notifications/message`.
   */
  export const LOGGER = 'jupyterlab-mcp-bridge.relay';

  /**
   * Whether a value is an MCP log level.
   */
  export function isLogLevel(value: unknown): value is LogLevelName {
    return (LOG_LEVELS as readonly unknown[]).includes(value);
  }
}
