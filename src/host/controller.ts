/**
 * The page's bridge as plugins see it, light to load: the MCP SDK, zod and
 * the tools (the real {@link McpBridge}) are loaded on first start.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { IPageInfo } from '../_protocol';
import { Signal, type ISignal } from '@lumino/signaling';

import type { ToolDispatcher } from '../mcp/dispatcher';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';

import type {
  IActivityLog,
  IMcpBridge,
  IMcpClient,
  IPendingApproval,
  McpToolFactory,
  McpToolGuard
} from '../tokens';
import type { IJupyterServices } from '../tools/services';
import { ActivityLog } from '../oversight/activity';
import type { McpBridge } from './bridge';
import type { ConnectionStatus } from '../link/connection';
import type { CredentialStore } from '../link/credentials';

/**
 * Stands for the bridge until it is loaded, then forwards to it.
 */
export class BridgeController implements IMcpBridge {
  constructor(options: BridgeController.IOptions) {
    this._load = options.load;
    this._settings = options.settings;
    this._credentials = options.credentials;
  }

  get status(): ConnectionStatus {
    return (
      this._bridge?.status ?? (this._loading ? 'connecting' : 'disconnected')
    );
  }

  get changed(): ISignal<IMcpBridge, void> {
    return this._changed;
  }

  get sessionCount(): number {
    return this._bridge?.sessionCount ?? 0;
  }

  get pageId(): string {
    return this._bridge?.pageId ?? '';
  }

  get pages(): readonly IPageInfo[] {
    return this._bridge?.pages ?? [];
  }

  get retryAt(): number | null {
    return this._bridge?.retryAt ?? null;
  }

  get lastError(): string {
    return this._bridge?.lastError ?? this._loadError;
  }

  get dispatcher(): ToolDispatcher<IJupyterServices> | null {
    return this._bridge?.dispatcher ?? null;
  }

  get clients(): readonly IMcpClient[] {
    return this._bridge?.clients ?? [];
  }

  get clientEvent(): ISignal<IMcpBridge, BridgeController.IClientEvent> {
    return this._clientEvent;
  }

  get pendingApprovals(): readonly IPendingApproval[] {
    return this._bridge?.pendingApprovals ?? [];
  }

  /**
   * The activity log; the bridge writes to it once loaded.
   */
  get activity(): IActivityLog {
    return this._activity;
  }

  /**
   * Whether the settings ask to connect at start-up (a token is known).
   */
  get connectsOnStartup(): boolean {
    const composite = (this._settings?.composite ?? {}) as {
      connectOnStartup?: boolean;
    };
    return composite.connectOnStartup !== false && !!this._credentials.token;
  }

  async start(): Promise<void> {
    const bridge = await this._ensure();
    await bridge?.start();
  }

  stop(): void {
    this._bridge?.stop();
  }

  disconnect(sessionId: string): void {
    this._bridge?.disconnect(sessionId);
  }

  async rotateToken(): Promise<void> {
    const bridge = await this._ensure();
    await bridge?.rotateToken();
  }

  async whenSaved(path?: string): Promise<void> {
    await this._bridge?.whenSaved(path);
  }

  /**
   * Pair with a relay (from a pairing link) and connect.
   */
  async pair(url: string, token: string): Promise<void> {
    const bridge = await this._ensure();
    await bridge?.pair(url, token);
  }

  registerTool(make: McpToolFactory): IDisposable {
    const entry: Private.IToolEntry = { make, remove: null };
    this._extensionTools.add(entry);
    if (this._bridge) {
      entry.remove = this._bridge.addExtensionTool(make);
    }
    return new DisposableDelegate(() => {
      this._extensionTools.delete(entry);
      entry.remove?.();
    });
  }

  addGuard(guard: McpToolGuard): IDisposable {
    this._extensionGuards.add(guard);
    this._bridge?.dispatcher.guards.push(guard);
    return new DisposableDelegate(() => {
      this._extensionGuards.delete(guard);
      const guards = this._bridge?.dispatcher.guards;
      const index = guards?.indexOf(guard) ?? -1;
      if (guards && index >= 0) {
        guards.splice(index, 1);
      }
    });
  }

  private async _ensure(): Promise<McpBridge | null> {
    if (this._bridge) {
      return this._bridge;
    }
    if (!this._loading) {
      this._loading = this._load(this._activity)
        .then(bridge => {
          this._bridge = bridge;
          // What other extensions registered before the bridge loaded.
          for (const entry of this._extensionTools) {
            entry.remove = bridge.addExtensionTool(entry.make);
          }
          bridge.dispatcher.guards.push(...this._extensionGuards);
          bridge.changed.connect(() => this._changed.emit(), this);
          bridge.clientEvent.connect(
            (_, event) => this._clientEvent.emit(event),
            this
          );
          return bridge;
        })
        .catch((error: Error) => {
          this._loadError = `The MCP bridge could not load: ${error.message}`;
          this._loading = null;
          return null;
        })
        .finally(() => this._changed.emit());
      this._changed.emit();
    }
    return this._loading;
  }

  private _load: (activity: ActivityLog) => Promise<McpBridge>;
  private _settings: ISettingRegistry.ISettings | null;
  private _credentials: CredentialStore;
  private _bridge: McpBridge | null = null;
  private _extensionTools = new Set<Private.IToolEntry>();
  private _extensionGuards = new Set<McpToolGuard>();
  private _loading: Promise<McpBridge | null> | null = null;
  private _loadError = '';
  private _changed = new Signal<IMcpBridge, void>(this);
  private _clientEvent = new Signal<IMcpBridge, BridgeController.IClientEvent>(
    this
  );
  private _activity = new ActivityLog();
}

/**
 * A namespace for BridgeController statics.
 */
export namespace BridgeController {
  /**
   * Constructor options.
   */
  export interface IOptions {
    /**
     * Make the real bridge (called once, on first start), writing to
     * `activity`.
     */
    load: (activity: ActivityLog) => Promise<McpBridge>;
    settings: ISettingRegistry.ISettings | null;
    /**
     * Where the relay token is kept.
     */
    credentials: CredentialStore;
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
  /**
   * A tool another extension registered, and how to remove it once added.
   */
  export interface IToolEntry {
    make: McpToolFactory;
    remove: (() => void) | null;
  }
}
