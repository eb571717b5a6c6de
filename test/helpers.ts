/**
 * Helpers shared by the extension's unit tests: waiting for a condition
 * (the relay tests' {@link until}) and a `Storage` over a map, standing
 * for the browser's `localStorage` or `sessionStorage` of one origin.
 */

export { until } from '../relay/test/helpers';

/**
 * A `Storage` over a map.
 */
export class MemoryStorage implements Storage {
  get length(): number {
    return this._items.size;
  }
  clear(): void {
    this._items.clear();
  }
  getItem(key: string): string | null {
    return this._items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this._items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this._items.delete(key);
  }
  setItem(key: string, value: string): void {
    this._items.set(key, value);
  }
  /**
   * The keys held, in the order they were first set.
   */
  keys(): string[] {
    return [...this._items.keys()];
  }
  private _items = new Map<string, string>();
}
