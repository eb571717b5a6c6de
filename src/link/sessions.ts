/**
 * The MCP sessions a page hosts: one `McpServer` per session, state kept
 * where a page reload finds it again.
 */

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Signal, type ISignal } from '@lumino/signaling';

import { VERSION } from '../_version';
import {
  MAX_SESSION_RUNS,
  type ISessionRun,
  type ISessionState
} from '../mcp/tool';
import {
  MAX_BATCH_MESSAGES,
  type ICallNote,
  type IPageInfo,
  type ISessionMessage,
  type ISessionOpen,
  type ISessionStateUpdate,
  type PageToRelay,
  type RelayToPage
} from '../_protocol';
import { MAX_SAVED_TASKS, type ISavedTask } from '../mcp/tasks';
import type { RelayConnection } from './connection';
import { Outbox } from './outbox';
import { SessionTransport } from './transport';

/**
 * An MCP client connected to this page (one per MCP session).
 */
export interface IMcpClient {
  readonly sessionId: string;
  /**
   * Name and version from the client's `initialize` ('' until it is known).
   */
  readonly name: string;
  readonly version: string;
  /**
   * How the client reaches the relay (null when the relay does not say).
   */
  readonly transport: 'http' | 'stdio' | null;
  /**
   * When the session opened in this page (ms since the epoch).
   */
  readonly connectedAt: number;
  /**
   * Whether the session existed before (the page reloaded or reconnected).
   */
  readonly resumed: boolean;
}

/**
 * What the server of a session can tell its relay.
 */
export interface ISessionRelay {
  /**
   * Save the session's state (in this tab, and at the relay for the page
   * the session may move to).
   */
  saveSession(): void;
  /**
   * Tell the relay what a request in flight has done so far, for the error
   * the client gets if this page goes away before answering it.
   */
  noteCall(requestId: string | number, note: string): void;
  /**
   * Whether the session is ending (its client went away, the relay
   * connection dropped, or the user disconnected it): its calls are
   * aborted then, but that is no cancel by the client.
   */
  ending(): boolean;
  /**
   * The session this one continues (a `--stdio` client renewed it), if any.
   */
  readonly previousSessionId?: string;
}

/**
 * Makes the server of a new session.
 */
export type ServerFactory = (
  session: ISessionState,
  relay: ISessionRelay
) => McpServer;

/**
 * Persists session state across page reloads (in `sessionStorage`, which a
 * reload of the same tab keeps).
 */
export class SessionStore {
  constructor(storage: Storage | null) {
    this._storage = storage;
  }

  /**
   * Load a session's state: the state the relay kept (the session moved
   * from another page), else this tab's copy (of the session, or of the
   * session it continues), else a fresh one.
   */
  load(
    id: string,
    fromRelay?: Record<string, unknown>,
    previousId?: string
  ): ISessionState {
    const saved =
      fromRelay ??
      this._read(id) ??
      (previousId ? this._read(previousId) : undefined) ??
      {};
    if (previousId) {
      this.remove(previousId);
    }
    return {
      id,
      notebookPath:
        typeof saved.notebookPath === 'string' ? saved.notebookPath : null,
      terminalName:
        typeof saved.terminalName === 'string' ? saved.terminalName : null,
      runs: Private.runs(saved.runs),
      tasks: Private.tasks(saved.tasks)
    };
  }

  /**
   * Save a session's state in this tab; returns what the relay should keep.
   */
  save(state: ISessionState): Record<string, unknown> {
    const data = {
      notebookPath: state.notebookPath,
      terminalName: state.terminalName,
      runs: state.runs,
      tasks: state.tasks ?? []
    };
    try {
      this._storage?.setItem(Private.key(state.id), JSON.stringify(data));
    } catch {
      // Storage full or denied: the relay keeps the state all the same.
    }
    return data;
  }

  private _read(id: string): Record<string, unknown> | undefined {
    const raw = this._storage?.getItem(Private.key(id));
    if (!raw) {
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object'
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Forget a session.
   */
  remove(id: string): void {
    this._storage?.removeItem(Private.key(id));
  }

  private _storage: Storage | null;
}

/**
 * Hosts the MCP sessions the relay binds to this page.
 */
export class SessionHost {
  constructor(options: SessionHost.IOptions) {
    this._connection = options.connection;
    this._factory = options.factory;
    this._store = options.store;
    this._outbox = new Outbox(
      envelope => this._connection.send(envelope),
      messages => ({ type: 'batch', messages }),
      MAX_BATCH_MESSAGES,
      Private.nextTask
    );
    this._connection.received.connect(this._onMessage, this);
    this._connection.statusChanged.connect((_, status) => {
      if (status !== 'connected') {
        this._outbox.clear();
        this._closeAll(false);
        this._pages = [];
        this._pageId = '';
        this._pagesChanged.emit(undefined);
      }
    }, this);
    window.addEventListener('focus', this._onFocus);
  }

  /**
   * This page's id at the relay ('' when not connected).
   */
  get pageId(): string {
    return this._pageId;
  }

  /**
   * The pages connected to the relay, and which one gets new sessions.
   */
  get pages(): readonly IPageInfo[] {
    return this._pages;
  }

  /**
   * Emitted when the pages change.
   */
  get pagesChanged(): ISignal<this, void> {
    return this._pagesChanged;
  }

  /**
   * Number of sessions open in this page.
   */
  get count(): number {
    return this._sessions.size;
  }

  /**
   * Emitted when the number of sessions changes.
   */
  get countChanged(): ISignal<this, number> {
    return this._countChanged;
  }

  /**
   * Emitted when a client finished its `initialize` in a new session (not a
   * resumed one), and when a session ends for good (the client ended it, or
   * the user disconnected it); not when the page loses the relay.
   */
  get clientEvent(): ISignal<this, SessionHost.IClientEvent> {
    return this._clientEvent;
  }

  /**
   * Emitted with the id of each session closed in this page, for whatever
   * reason.
   */
  get sessionClosed(): ISignal<this, string> {
    return this._sessionClosed;
  }

  /**
   * The clients of the open sessions, oldest first.
   */
  get clients(): IMcpClient[] {
    return [...this._sessions.values()].map(entry => entry.client);
  }

  /**
   * The client of a session, if it is open.
   */
  client(sessionId: string): IMcpClient | undefined {
    return this._sessions.get(sessionId)?.client;
  }

  /**
   * End a session from the page (the user disconnected its client): the
   * relay closes it, and the client's next request gets 404.
   */
  end(sessionId: string): void {
    const entry = this._sessions.get(sessionId);
    if (!entry) {
      return;
    }
    this._outbox.now({ type: 'session-end', sessionId });
    this._close(sessionId, true);
    this._clientEvent.emit({ kind: 'disconnected', client: entry.client });
  }

  /**
   * Tell every session's client that the tool list changed.
   */
  notifyToolListChanged(): void {
    for (const entry of this._sessions.values()) {
      if (entry.server.isConnected()) {
        void entry.server.server.sendToolListChanged().catch(() => {
          // A client that went away hears nothing.
        });
      }
    }
  }

  /**
   * Tell every session's client that the prompt list changed.
   */
  notifyPromptListChanged(): void {
    for (const entry of this._sessions.values()) {
      if (entry.server.isConnected()) {
        void entry.server.server.sendPromptListChanged().catch(() => {
          // A client that went away (or a server without prompts) hears nothing.
        });
      }
    }
  }

  /**
   * Sessions by id (read-only view).
   */
  get sessions(): ReadonlyMap<string, ISessionState> {
    const view = new Map<string, ISessionState>();
    this._sessions.forEach((entry, id) => view.set(id, entry.state));
    return view;
  }

  /**
   * Close every session and stop listening.
   */
  dispose(): void {
    window.removeEventListener('focus', this._onFocus);
    this._closeAll(false);
    Signal.clearData(this);
  }

  /**
   * The user focused this tab: new sessions come here (the relay's rule).
   */
  private _onFocus = (): void => {
    this._outbox.now({ type: 'page-focus' });
  };

  /**
   * Whether some client's request is still being answered in this page.
   */
  private _busy(): boolean {
    for (const entry of this._sessions.values()) {
      if (entry.transport.pending > 0) {
        return true;
      }
    }
    return false;
  }

  private _onMessage(_: RelayConnection, message: RelayToPage): void {
    switch (message.type) {
      case 'welcome':
        this._pageId = message.pageId;
        this._outbox.now({
          type: 'hello',
          extensionVersion: VERSION,
          label: document.title,
          focused: document.hasFocus()
        });
        break;
      case 'pages':
        this._pages = message.pages;
        this._pagesChanged.emit(undefined);
        break;
      case 'session-open':
        void this._open(message);
        break;
      case 'session-message': {
        const entry = this._sessions.get(message.sessionId);
        entry?.transport.receive(message.message);
        break;
      }
      case 'session-close': {
        const entry = this._sessions.get(message.sessionId);
        this._close(message.sessionId, true);
        if (entry) {
          this._clientEvent.emit({
            kind: 'disconnected',
            client: entry.client
          });
        }
        break;
      }
    }
  }

  private async _open(message: ISessionOpen): Promise<void> {
    const { sessionId } = message;
    this._close(sessionId, false);
    const state = this._store.load(
      sessionId,
      message.state,
      message.previousSessionId
    );
    const transport = new SessionTransport(sessionId, envelope => {
      // While other requests are being answered (those of the same relay
      // batch, or a long run), a message waits for the end of the task and
      // goes in one frame with what follows it; the last goes at once.
      this._outbox.soon(envelope, !this._busy());
    });
    const save = (): void => {
      // This tab keeps a copy; the relay keeps the state for the page the
      // session may move to. A call that saves several times in one turn
      // (a run starts, its note follows) writes and sends it once.
      this._outbox.later(`state ${sessionId}`, () => ({
        type: 'session-state',
        sessionId,
        state: this._store.save(state)
      }));
    };
    let ending = false;
    const server = this._factory(state, {
      previousSessionId: message.previousSessionId,
      ending: () => ending,
      saveSession: save,
      noteCall: (requestId, note) => {
        // Only the latest note of a call counts.
        this._outbox.later(
          `note ${sessionId} ${JSON.stringify(requestId)}`,
          () => ({ type: 'call-note', sessionId, requestId, note })
        );
      }
    });
    if (message.previousSessionId && state.notebookPath) {
      save();
    }
    const entry: Private.IEntry = {
      state,
      server,
      end: () => {
        ending = true;
      },
      transport,
      client: {
        sessionId,
        name: '',
        version: '',
        transport: message.transport ?? null,
        connectedAt: Date.now(),
        resumed: !!message.resume
      }
    };
    this._sessions.set(sessionId, entry);
    server.server.oninitialized = () => {
      const info = server.server.getClientVersion();
      entry.client = {
        ...entry.client,
        name: info?.name ?? '',
        version: info?.version ?? ''
      };
      this._countChanged.emit(this._sessions.size);
      if (!entry.client.resumed) {
        this._clientEvent.emit({ kind: 'connected', client: entry.client });
      }
    };
    await server.connect(transport);
    if (message.resume) {
      transport.replay(message.resume.initialize);
      if (message.resume.initialized) {
        transport.receive(message.resume.initialized);
      }
    }
    this._countChanged.emit(this._sessions.size);
  }

  private _close(sessionId: string, forget: boolean): void {
    const entry = this._sessions.get(sessionId);
    if (!entry) {
      return;
    }
    this._sessions.delete(sessionId);
    if (forget) {
      this._store.remove(sessionId);
    }
    // Closing aborts the session's calls: mark it first, so that they know
    // the client did not cancel them (runs they started go on).
    entry.end();
    void entry.server.close();
    this._sessionClosed.emit(sessionId);
    this._countChanged.emit(this._sessions.size);
  }

  private _closeAll(forget: boolean): void {
    for (const id of [...this._sessions.keys()]) {
      this._close(id, forget);
    }
  }

  private _pageId = '';
  private _pages: IPageInfo[] = [];
  private _pagesChanged = new Signal<this, void>(this);
  private _connection: RelayConnection;
  private _outbox: Outbox<
    PageToRelay,
    ICallNote | ISessionStateUpdate | ISessionMessage
  >;
  private _factory: ServerFactory;
  private _store: SessionStore;
  private _sessions = new Map<string, Private.IEntry>();
  private _countChanged = new Signal<this, number>(this);
  private _clientEvent = new Signal<this, SessionHost.IClientEvent>(this);
  private _sessionClosed = new Signal<this, string>(this);
}

/**
 * A namespace for SessionHost statics.
 */
export namespace SessionHost {
  /**
   * Constructor options.
   */
  export interface IOptions {
    connection: RelayConnection;
    factory: ServerFactory;
    store: SessionStore;
  }

  /**
   * A client connected or disconnected.
   */
  export interface IClientEvent {
    kind: 'connected' | 'disconnected';
    client: IMcpClient;
  }
}

namespace Private {
  let channel: MessageChannel | null = null;
  const waiting: (() => void)[] = [];

  /**
   * Run `run` in the next task: a message to a port of this page, which
   * unlike `setTimeout` is neither clamped after nesting nor throttled in
   * a background tab.
   */
  export function nextTask(run: () => void): void {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    waiting.push(run);
    channel.port2.postMessage(null);
  }

  /**
   * An open session.
   */
  export interface IEntry {
    state: ISessionState;
    server: McpServer;
    /**
     * Mark the session as ending.
     */
    end(): void;
    transport: SessionTransport;
    client: IMcpClient;
  }

  /**
   * The runs of a saved state, checked (it comes from storage or the relay).
   */
  export function runs(value: unknown): ISessionRun[] {
    if (!Array.isArray(value)) {
      return [];
    }
    return value
      .filter(
        (run): run is ISessionRun =>
          !!run &&
          typeof run === 'object' &&
          typeof run.id === 'string' &&
          typeof run.notebookPath === 'string' &&
          typeof run.cellId === 'string' &&
          typeof run.startedAt === 'number' &&
          typeof run.pageId === 'string'
      )
      .slice(-MAX_SESSION_RUNS);
  }

  /**
   * The tasks of a saved state, checked (it comes from storage or the relay).
   */
  export function tasks(value: unknown): ISavedTask[] {
    if (!Array.isArray(value)) {
      return [];
    }
    const statuses = [
      'working',
      'input_required',
      'completed',
      'failed',
      'cancelled'
    ];
    return value
      .filter(
        (task): task is ISavedTask =>
          !!task &&
          typeof task === 'object' &&
          typeof task.taskId === 'string' &&
          typeof task.tool === 'string' &&
          statuses.includes(task.status) &&
          typeof task.createdAt === 'number' &&
          typeof task.lastUpdatedAt === 'number' &&
          typeof task.ttl === 'number' &&
          typeof task.pageId === 'string' &&
          (task.statusMessage === undefined ||
            typeof task.statusMessage === 'string') &&
          (task.note === undefined || typeof task.note === 'string')
      )
      .slice(-MAX_SAVED_TASKS);
  }

  export function key(id: string): string {
    return `jupyterlab-mcp-bridge:session:${id}`;
  }
}
