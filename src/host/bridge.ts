/**
 * The bridge: relay connection + session host + tool dispatcher.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal, type ISignal } from '@lumino/signaling';

import type { IApprovalQuestion } from '../core/approvals';
import type { IPageInfo } from '../_protocol';

import { isLoopbackRelayUrl, pairingRisk } from '../core/pairing';
import {
  DEFAULT_CATEGORY_POLICY,
  readPolicy,
  sameListing
} from '../core/policy';
import { DEFAULT_SETTINGS, type IBridgeSettings } from '../core/settings';
import { z } from 'zod';

import type { SaveQueue } from '../jupyter/saves';
import { ToolDispatcher } from '../mcp/dispatcher';
import { TaskBook } from '../mcp/tasks';
import { defineTool, type ISessionState } from '../mcp/tool';
import type { IPromptProvider } from '../mcp/prompts';
import type { IResourceProvider } from '../mcp/resources';
import { createSessionServer } from '../mcp/server';
import type { McpToolFactory } from '../tokens';
import type { IJupyterServices, JupyterTool } from '../tools/services';
import { RelayConnection, type ConnectionStatus } from '../link/connection';
import type { CredentialStore } from '../link/credentials';
import { SessionHost, SessionStore, type IMcpClient } from '../link/sessions';
import type { ActivityLog, IActivityLog } from '../oversight/activity';
import { CellMarker } from '../oversight/marks';
import {
  CallSupervisor,
  type IApprovalRequest,
  type IPendingApproval
} from '../oversight/supervisor';
import type { IRelayQuestion } from '../ui/relaydialog';

/**
 * The MCP bridge of a page.
 */
export class McpBridge {
  constructor(options: McpBridge.IOptions) {
    this._settings = options.settings;
    this._askToken = options.askToken;
    this._credentials = options.credentials;
    this._confirmRelay = options.confirmRelay;
    this.dispatcher = new ToolDispatcher(options.tools);
    this._saves = options.saves;
    const services: IJupyterServices = {
      ...options.services,
      limits: () => this._values,
      pages: () => ({ thisPage: this._host.pageId, pages: this._host.pages })
    };
    const resources = options.resources?.(services);
    const prompts = options.prompts;
    this._prompts = prompts?.prompts ?? [];
    this._host = new SessionHost({
      connection: this._connection,
      store: new SessionStore(Private.sessionStorage()),
      factory: (session, relay) =>
        createSessionServer({
          dispatcher: this.dispatcher,
          services,
          session,
          relay,
          // Resource reads go through the policy and the activity log.
          resources:
            resources && this._supervisor.guardResources(resources, session.id),
          prompts,
          changes: services.changes,
          tasks: this._taskBook(session, relay.previousSessionId)
        })
    });
    this.activity = options.activity;
    this._supervisor = new CallSupervisor({
      dispatcher: this.dispatcher,
      host: this._host,
      services,
      activity: options.activity,
      marker: new CellMarker({
        tracker: services.tracker,
        shell: services.app.shell,
        follow: () => this._values.followAgent
      }),
      ask: options.askApproval
    });
    this._connection.statusChanged.connect(() => this._changed.emit(), this);
    // Other pages hear of agents' saves here, and reload their copies.
    this._saves.saved.connect((_, path) => {
      this._connection.send({ type: 'document-saved', path });
    }, this);
    this._connection.received.connect((_, message) => {
      if (message.type === 'document-saved') {
        void services.files.reloadClean(message.path).then(kept => {
          if (kept) {
            options.staleCopy?.(message.path);
          }
        });
      }
      if (message.type === 'token-rotated') {
        // This page asked for it (the connection drops it otherwise). The
        // relay closes every page now; this one, and the other tabs of this
        // origin, come back by proving the token kept here.
        this._credentials.setToken(message.token);
      }
    }, this);
    this._host.countChanged.connect(() => this._changed.emit(), this);
    this._host.pagesChanged.connect(() => this._changed.emit(), this);
    this.dispatcher.toolsChanged.connect(
      () => this._host.notifyToolListChanged(),
      this
    );
    this._supervisor.pendingChanged.connect(() => this._changed.emit(), this);
    this._host.clientEvent.connect((_, event) => {
      if (event.kind === 'disconnected') {
        // The session ended for good: its tasks go (what they started goes on).
        this._tasks.get(event.client.sessionId)?.end();
        this._tasks.delete(event.client.sessionId);
      }
      this._clientEvent.emit(event);
    }, this);
    this._configure();
    if (this._settings) {
      this._readSettings(this._settings);
      this._settings.changed.connect(this._readSettings, this);
    }
  }

  readonly dispatcher: ToolDispatcher<IJupyterServices>;

  readonly activity: IActivityLog;

  get status(): ConnectionStatus {
    return this._connection.status;
  }

  get changed(): ISignal<McpBridge, void> {
    return this._changed;
  }

  get sessionCount(): number {
    return this._host.count;
  }

  get pageId(): string {
    return this._host.pageId;
  }

  get pages(): readonly IPageInfo[] {
    return this._host.pages;
  }

  get retryAt(): number | null {
    return this._connection.retryAt;
  }

  get lastError(): string {
    return this._refusal || this._connection.lastError;
  }

  get clients(): IMcpClient[] {
    return this._host.clients;
  }

  get clientEvent(): ISignal<McpBridge, SessionHost.IClientEvent> {
    return this._clientEvent;
  }

  get pendingApprovals(): IPendingApproval[] {
    return this._supervisor.pending;
  }

  /**
   * End a client's session; the relay answers its next request with 404.
   */
  disconnect(sessionId: string): void {
    this._host.end(sessionId);
  }

  /**
   * The relay the page connects to: the one a pairing link named, unless
   * the relay URL setting changed since; else the setting's.
   */
  get relayUrl(): string {
    const paired = this._credentials.pairedRelay;
    return paired && paired.over === this._values.relayUrl
      ? paired.url
      : this._values.relayUrl;
  }

  /**
   * Connect to the relay of the settings. A relay that is not on this
   * computer needs the user's confirmation first (once per relay URL). The
   * user is asked for the token when the page holds none, or when the relay
   * did not prove the one it holds (it changed, or that is not the relay).
   */
  async start(): Promise<void> {
    const url = this.relayUrl;
    if (!(await this._trust(url, 'settings', false))) {
      return;
    }
    const failure = this._connection.failure;
    if (
      !this._credentials.token ||
      failure === 'unproven' ||
      failure === 'refused'
    ) {
      const token = (await this._askToken()) ?? '';
      if (!token) {
        return;
      }
      this._credentials.setToken(token);
    }
    this._connection.start({ url, token: () => this._credentials.token });
  }

  stop(): void {
    this._connection.stop();
  }

  /**
   * Resolves once the background saves of agents' changes to documents at
   * or under `path` have ended (see {@link IMcpBridge.whenSaved}).
   */
  whenSaved(path?: string): Promise<void> {
    return this._saves.settled(path);
  }

  /**
   * Ask the relay for a new token (the user's command): the request carries
   * the proof of the current token. The relay sends the new token to this
   * page alone, which keeps it, then closes every page socket and ends
   * every session; this page and the other tabs of its origin come back by
   * proving the new token (see {@link RelayConnection.requestRotation}).
   */
  async rotateToken(): Promise<void> {
    await this._connection.requestRotation();
  }

  /**
   * Pair with a relay (from a pairing link; `url` '' means the relay of the
   * settings) and connect. A relay on this computer pairs at once; any other
   * needs the user's confirmation, and when they refuse nothing is saved and
   * nothing connects.
   */
  async pair(url: string, token: string): Promise<void> {
    const configured = this.relayUrl;
    const target = url || configured;
    const risk = pairingRisk(url, token, configured, this._credentials.token);
    this._refusal = '';
    if (
      risk &&
      !(await this._ask({ url: target, source: 'link', risk, configured }))
    ) {
      return;
    }
    if (url && url !== configured) {
      const setting = this._values.relayUrl;
      this._credentials.setPairedRelay(
        url === setting ? null : { url, over: setting }
      );
    }
    this._credentials.setToken(token);
    this._connection.start({
      url: target,
      token: () => this._credentials.token
    });
  }

  /**
   * Add another extension's tool (see {@link IMcpBridge.registerTool});
   * returns its removal.
   */
  addExtensionTool(make: McpToolFactory): () => void {
    return this.dispatcher.add(defineTool(make(z)));
  }

  dispose(): void {
    this._connection.stop();
    this._host.dispose();
    Signal.clearData(this);
  }

  /**
   * The task book of a session: the one this page holds for it (the page
   * reconnected to the relay, or a client renewed the session), else a new
   * one taking over the tasks of its state (they ran in a page that went
   * away).
   */
  private _taskBook(
    session: ISessionState,
    previousSessionId?: string
  ): TaskBook {
    let book = this._tasks.get(session.id);
    if (!book && previousSessionId) {
      book = this._tasks.get(previousSessionId);
      this._tasks.delete(previousSessionId);
    }
    if (!book) {
      book = new TaskBook({ pageId: () => this._host.pageId });
      book.restore(session.tasks ?? []);
    }
    this._tasks.set(session.id, book);
    return book;
  }

  /**
   * Whether the page may connect to `url`: a loopback relay always; another
   * one when the user accepts (asked for every link, and once per URL for
   * the settings).
   */
  private async _trust(
    url: string,
    source: IRelayQuestion['source'],
    alwaysAsk: boolean
  ): Promise<boolean> {
    this._refusal = '';
    if (isLoopbackRelayUrl(url)) {
      return true;
    }
    if (!alwaysAsk && this._credentials.isConfirmed(url)) {
      return true;
    }
    return this._ask({
      url,
      source,
      risk: 'remote',
      configured: this.relayUrl
    });
  }

  /**
   * Ask the user; a relay elsewhere they accept is remembered.
   */
  private async _ask(question: IRelayQuestion): Promise<boolean> {
    if (await this._confirmRelay(question)) {
      if (question.risk === 'remote') {
        this._credentials.confirm(question.url);
      }
      return true;
    }
    this._refusal = `Not connected: you did not accept the relay at ${question.url}.`;
    this._changed.emit();
    return false;
  }

  private _readSettings(settings: ISettingRegistry.ISettings): void {
    const composite = settings.composite as Partial<IBridgeSettings>;
    this._values = { ...DEFAULT_SETTINGS, ...composite };
    const paired = this._credentials.pairedRelay;
    if (paired && paired.over !== this._values.relayUrl) {
      // The user changed the relay URL setting since the pairing.
      this._credentials.setPairedRelay(null);
    }
    // The schema's default, as an administrator may have overridden it.
    this._defaultCategories = readPolicy(
      settings.default('categoryPolicy'),
      undefined
    ).policy.categories;
    this._configure();
  }

  private _configure(): void {
    const before = this._supervisor.policy;
    this._supervisor.configure({
      categoryPolicy: this._values.categoryPolicy,
      toolPolicy: this._values.toolPolicy,
      defaultCategoryPolicy: this._defaultCategories,
      approvalTimeoutSeconds: this._values.approvalTimeoutSeconds
    });
    // Prompts follow the policy as tools do.
    if (!sameListing(this._prompts, before, this._supervisor.policy)) {
      this._host.notifyPromptListChanged();
    }
  }

  private _settings: ISettingRegistry.ISettings | null;
  private _tasks = new Map<string, TaskBook>();
  private _prompts: readonly JupyterTool[];
  private _saves: SaveQueue;
  private _askToken: () => Promise<string | null>;
  private _credentials: CredentialStore;
  private _confirmRelay: McpBridge.IOptions['confirmRelay'];
  private _refusal = '';
  private _values: IBridgeSettings = { ...DEFAULT_SETTINGS };
  private _connection = new RelayConnection();
  private _host: SessionHost;
  private _supervisor: CallSupervisor;
  private _defaultCategories = { ...DEFAULT_CATEGORY_POLICY };
  private _changed = new Signal<McpBridge, void>(this);
  private _clientEvent = new Signal<McpBridge, SessionHost.IClientEvent>(this);
}

/**
 * A namespace for McpBridge statics.
 */
export namespace McpBridge {
  /**
   * Constructor options.
   */
  export interface IOptions {
    services: Omit<IJupyterServices, 'limits' | 'pages'>;
    /**
     * The background saves of agents' edits (also in the services' notebook
     * and file workspaces).
     */
    saves: SaveQueue;
    /**
     * Tell the user that an agent saved a document from another page while
     * this page holds unsaved changes to it.
     */
    staleCopy?: (path: string) => void;
    tools: JupyterTool[];
    /**
     * Make the MCP resources provider (none when absent).
     */
    resources?: (services: IJupyterServices) => IResourceProvider;
    /**
     * The MCP prompts and their completion (none when absent).
     */
    prompts?: IPromptProvider<IJupyterServices>;
    settings: ISettingRegistry.ISettings | null;
    /**
     * Ask the user for the relay token (null when they cancel).
     */
    askToken: () => Promise<string | null>;
    /**
     * Where the token and the accepted relay URLs are kept.
     */
    credentials: CredentialStore;
    /**
     * Ask the user whether to connect to a relay that is not on this
     * computer, or to pair with a relay or a token the page did not know.
     */
    confirmRelay: (question: IRelayQuestion) => Promise<boolean>;
    /**
     * The log every call is written to.
     */
    activity: ActivityLog;
    /**
     * Show the approval dialog of a call.
     */
    askApproval: (
      request: IApprovalRequest,
      deadline: number
    ) => IApprovalQuestion;
  }
}

namespace Private {
  export function sessionStorage(): Storage | null {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  }
}
