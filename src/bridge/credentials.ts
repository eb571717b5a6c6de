/**
 * Where the page keeps its relay credentials: the browser's `localStorage`
 * for the JupyterLab origin, not the settings, so that the token never
 * shows in the Settings Editor (nor in the settings files on the server).
 */

/**
 * The relay token and the relay URLs the user accepted.
 */
export class CredentialStore {
  constructor(storage: Storage | null) {
    this._storage = storage;
  }

  /**
   * The relay token ('' when none is known).
   */
  get token(): string {
    return this._get(Private.TOKEN_KEY) ?? '';
  }

  /**
   * Keep a new relay token.
   */
  setToken(token: string): void {
    this._set(Private.TOKEN_KEY, token);
  }

  /**
   * Whether the user accepted connecting to this (non-loopback) relay URL.
   */
  isConfirmed(url: string): boolean {
    return this._get(Private.CONFIRMED_KEY) === url;
  }

  /**
   * Remember that the user accepted this relay URL (only the last one is
   * kept: changing the relay asks again).
   */
  confirm(url: string): void {
    this._set(Private.CONFIRMED_KEY, url);
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
  private _memory = new Map<string, string>();
}

namespace Private {
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
