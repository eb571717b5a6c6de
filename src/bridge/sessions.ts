/**
 * The MCP sessions a page hosts: one `McpServer` per session, state kept
 * where a page reload finds it again.
 */

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Signal, type ISignal } from '@lumino/signaling';

import { VERSION } from '../_version';
import type { ISessionState } from '../mcp/tool';
import type { ISessionOpen, RelayToPage } from 'jupyterlab-mcp-bridge/protocol';
import type { RelayConnection } from './connection';
import { SessionTransport } from './transport';

/**
 * Makes the server of a new session.
 */
export type ServerFactory = (
  session: ISessionState,
  saveSession: () => void
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
   * Load a session's state, or make a fresh one.
   */
  load(id: string): ISessionState {
    const fresh: ISessionState = { id, notebookPath: null };
    const raw = this._storage?.getItem(Private.key(id));
    if (!raw) {
      return fresh;
    }
    try {
      const saved = JSON.parse(raw) as Partial<ISessionState>;
      return {
        id,
        notebookPath:
          typeof saved.notebookPath === 'string' ? saved.notebookPath : null
      };
    } catch {
      return fresh;
    }
  }

  /**
   * Save a session's state.
   */
  save(state: ISessionState): void {
    this._storage?.setItem(
      Private.key(state.id),
      JSON.stringify({ notebookPath: state.notebookPath })
    );
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
    this._connection.received.connect(this._onMessage, this);
    this._connection.statusChanged.connect((_, status) => {
      if (status !== 'connected') {
        this._closeAll(false);
      }
    }, this);
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
    this._closeAll(false);
    Signal.clearData(this);
  }

  private _onMessage(_: RelayConnection, message: RelayToPage): void {
    switch (message.type) {
      case 'welcome':
        this._connection.send({
          type: 'hello',
          extensionVersion: VERSION,
          label: document.title
        });
        break;
      case 'session-open':
        void this._open(message);
        break;
      case 'session-message': {
        const entry = this._sessions.get(message.sessionId);
        entry?.transport.receive(message.message);
        break;
      }
      case 'session-close':
        this._close(message.sessionId, true);
        break;
    }
  }

  private async _open(message: ISessionOpen): Promise<void> {
    const { sessionId } = message;
    this._close(sessionId, false);
    const state = this._store.load(sessionId);
    const transport = new SessionTransport(sessionId, envelope => {
      this._connection.send(envelope);
    });
    const server = this._factory(state, () => this._store.save(state));
    this._sessions.set(sessionId, { state, server, transport });
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
    void entry.server.close();
    this._countChanged.emit(this._sessions.size);
  }

  private _closeAll(forget: boolean): void {
    for (const id of [...this._sessions.keys()]) {
      this._close(id, forget);
    }
  }

  private _connection: RelayConnection;
  private _factory: ServerFactory;
  private _store: SessionStore;
  private _sessions = new Map<
    string,
    { state: ISessionState; server: McpServer; transport: SessionTransport }
  >();
  private _countChanged = new Signal<this, number>(this);
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
}

namespace Private {
  export function key(id: string): string {
    return `jupyterlab-mcp-bridge:session:${id}`;
  }
}
