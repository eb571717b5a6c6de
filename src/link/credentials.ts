/**
 * Where the page keeps its relay credentials: the browser's `localStorage`
 * for the JupyterLab origin, not the settings, so that the token never
 * shows in the Settings Editor (nor in the settings files on the server).
 * The relay a pairing link named is kept here too: pairing is not a change
 * the user made to the settings.
 *
 * Several Jupyter servers can share an origin (JupyterHub serves every user
 * at `/user/<name>/` of one origin), so the keys are scoped by the server's
 * base path: one user's token never reaches another user's page in the
 * same browser. A server at `/` keeps the unscoped keys.
 */

/**
 * The relay token and the relay URLs the user accepted.
 */
export class CredentialStore {
  /**
   * @param storage - where to keep them (null: this page's memory only).
   * @param basePath - the Jupyter server's base path (`PageConfig`'s
   *   `baseUrl`), which scopes the keys.
   */
  constructor(storage: Storage | null, basePath = '/') {
    this._storage = storage;
    const scope = basePath === '/' || basePath === '' ? '' : `:${basePath}`;
    this._tokenKey = Private.TOKEN_KEY + scope;
    this._confirmedKey = Private.CONFIRMED_KEY + scope;
    this._pairedKey = Private.PAIRED_KEY + scope;
  }

  /**
   * The relay token ('' when none is known).
   */
  get token(): string {
    return this._get(this._tokenKey) ?? '';
  }

  /**
   * Keep a new relay token.
   */
  setToken(token: string): void {
    this._set(this._tokenKey, token);
  }

  /**
   * Whether the user accepted connecting to this (non-loopback) relay URL.
   */
  isConfirmed(url: string): boolean {
    return this._get(this._confirmedKey) === url;
  }

  /**
   * Remember that the user accepted this relay URL (only the last one is
   * kept: changing the relay asks again).
   */
  confirm(url: string): void {
    this._set(this._confirmedKey, url);
  }

  /**
   * The relay a pairing link named, and the relay URL setting it was
   * paired over (null when the page uses the setting's relay).
   */
  get pairedRelay(): CredentialStore.IPairedRelay | null {
    const stored = this._get(this._pairedKey);
    if (!stored) {
      return null;
    }
    try {
      const value = JSON.parse(stored) as Partial<CredentialStore.IPairedRelay>;
      return typeof value.url === 'string' && typeof value.over === 'string'
        ? { url: value.url, over: value.over }
        : null;
    } catch {
      return null;
    }
  }

  /**
   * Keep the relay of a pairing link (null: forget it).
   */
  setPairedRelay(value: CredentialStore.IPairedRelay | null): void {
    this._set(this._pairedKey, value ? JSON.stringify(value) : '');
  }

  private _get(key: string): string | null {
    try {
      const stored = this._storage?.getItem(key);
      if (stored !== null && stored !== undefined) {
        return stored;
      }
    } catch {
      // Storage denied: fall back to this page's copy.
    }
    return this._memory.get(key) ?? null;
  }

  private _set(key: string, value: string): void {
    this._memory.set(key, value);
    try {
      this._storage?.setItem(key, value);
    } catch {
      // Storage full or denied: the value lasts for this page only.
    }
  }

  private _storage: Storage | null;
  private _tokenKey: string;
  private _confirmedKey: string;
  private _pairedKey: string;
  private _memory = new Map<string, string>();
}

/**
 * A namespace for CredentialStore statics.
 */
export namespace CredentialStore {
  /**
   * The relay a pairing link named.
   */
  export interface IPairedRelay {
    /**
     * Its page endpoint's URL.
     */
    url: string;
    /**
     * The relay URL setting when it was paired: a change of the setting
     * since then is the user's choice, and wins.
     */
    over: string;
  }
}

namespace Private {
  export const PAIRED_KEY = 'jupyterlab-mcp-bridge:paired-relay';
  export const TOKEN_KEY = 'jupyterlab-mcp-bridge:relay-token';
  export const CONFIRMED_KEY = 'jupyterlab-mcp-bridge:confirmed-relay-url';
}

/**
 * The page's `localStorage`, or null where it is not available.
 */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
