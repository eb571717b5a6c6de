/**
 * The bridge: relay connection + session host + tool dispatcher.
 */

import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Signal, type ISignal } from '@lumino/signaling';

import { DEFAULT_SETTINGS, type IBridgeSettings } from '../core/settings';
import { ToolDispatcher } from '../mcp/dispatcher';
import type { IResourceProvider } from '../mcp/resources';
import { createSessionServer } from '../mcp/server';
import type { IMcpBridge } from '../tokens';
import type { IJupyterServices, JupyterTool } from '../tools/services';
import { RelayConnection, type ConnectionStatus } from './connection';
import { SessionHost, SessionStore } from './sessions';

/**
 * The MCP bridge of a page.
 */
export class McpBridge implements IMcpBridge {
  constructor(options: McpBridge.IOptions) {
    this._settings = options.settings;
    this._askToken = options.askToken;
    this.dispatcher = new ToolDispatcher(options.tools);
    const services: IJupyterServices = {
      ...options.services,
      limits: () => this._values
    };
    const resources = options.resources?.(services);
    this._host = new SessionHost({
      connection: this._connection,
      store: new SessionStore(Private.sessionStorage()),
      factory: (session, saveSession) =>
        createSessionServer({
          dispatcher: this.dispatcher,
          services,
          session,
          saveSession,
          resources
        })
    });
    this._connection.statusChanged.connect(() => this._changed.emit(), this);
    this._host.countChanged.connect(() => this._changed.emit(), this);
    if (this._settings) {
      this._readSettings(this._settings);
      this._settings.changed.connect(this._readSettings, this);
    }
  }

  readonly dispatcher: ToolDispatcher<IJupyterServices>;

  get status(): ConnectionStatus {
    return this._connection.status;
  }

  get changed(): ISignal<IMcpBridge, void> {
    return this._changed;
  }

  get sessionCount(): number {
    return this._host.count;
  }

  get lastError(): string {
    return this._connection.lastError;
  }

  async start(): Promise<void> {
    let token = this._values.token;
    if (!token) {
      token = (await this._askToken()) ?? '';
      if (!token) {
        return;
      }
      await this._save({ token });
    }
    this._connection.start({ url: this._values.relayUrl, token });
  }

  stop(): void {
    this._connection.stop();
  }

  /**
   * Pair with a relay (from a pairing link) and connect.
   */
  async pair(url: string, token: string): Promise<void> {
    await this._save(url ? { relayUrl: url, token } : { token });
    this._connection.start({ url: this._values.relayUrl, token });
  }

  /**
   * Stop and release everything.
   */
  dispose(): void {
    this._connection.stop();
    this._host.dispose();
    Signal.clearData(this);
  }

  private async _save(values: Partial<IBridgeSettings>): Promise<void> {
    this._values = { ...this._values, ...values };
    if (this._settings) {
      for (const [key, value] of Object.entries(values)) {
        await this._settings.set(key, value as string);
      }
    }
  }

  private _readSettings(settings: ISettingRegistry.ISettings): void {
    const composite = settings.composite as Partial<IBridgeSettings>;
    this._values = { ...DEFAULT_SETTINGS, ...composite };
  }

  private _settings: ISettingRegistry.ISettings | null;
  private _askToken: () => Promise<string | null>;
  private _values: IBridgeSettings = { ...DEFAULT_SETTINGS };
  private _connection = new RelayConnection();
  private _host: SessionHost;
  private _changed = new Signal<IMcpBridge, void>(this);
}

/**
 * A namespace for McpBridge statics.
 */
export namespace McpBridge {
  /**
   * Constructor options.
   */
  export interface IOptions {
    services: Omit<IJupyterServices, 'limits'>;
    tools: JupyterTool[];
    /**
     * Make the MCP resources provider (none when absent).
     */
    resources?: (services: IJupyterServices) => IResourceProvider;
    settings: ISettingRegistry.ISettings | null;
    /**
     * Ask the user for the relay token (null when they cancel).
     */
    askToken: () => Promise<string | null>;
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
