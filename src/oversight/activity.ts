/**
 * The activity log: every tool call of this page, newest first, bounded.
 * Light (no MCP SDK), so that the activity panel can hold it before the
 * bridge is loaded.
 */

import { Signal, type ISignal } from '@lumino/signaling';

import type { IMcpClient } from '../link/sessions';
import type { ICallTarget } from './target';

/**
 * One tool call in the activity log.
 */
export interface IActivityEntry extends ICallTarget {
  readonly callId: number;
  readonly startedAt: number;
  readonly sessionId: string;
  /**
   * The client's name and version.
   */
  readonly client: string;
  readonly tool: string;
  readonly category: string;
  /**
   * Null while the call runs.
   */
  readonly durationMs: number | null;
  readonly outcome: 'waiting' | 'running' | 'ok' | 'error' | 'denied';
  /**
   * The first line of the error, for `error` and `denied`.
   */
  readonly message: string;
}

/**
 * The bounded log of tool calls, newest first.
 */
export interface IActivityLog {
  readonly entries: readonly IActivityEntry[];
  /**
   * Emitted when an entry is added or changes.
   */
  readonly changed: ISignal<IActivityLog, void>;
}

/**
 * A client as the user knows it: its name and version ('' when unknown).
 */
export function clientLabel(
  client: Pick<IMcpClient, 'name' | 'version'> | undefined
): string {
  if (!client?.name) {
    return '';
  }
  return client.version ? `${client.name} ${client.version}` : client.name;
}

/**
 * The last `limit` tool calls.
 */
export class ActivityLog implements IActivityLog {
  constructor(limit = ActivityLog.DEFAULT_LIMIT) {
    this._limit = limit;
  }

  /**
   * Entries, newest first.
   */
  get entries(): readonly IActivityEntry[] {
    return this._entries;
  }

  get changed(): ISignal<IActivityLog, void> {
    return this._changed;
  }

  /**
   * Log a call that started.
   */
  add(entry: IActivityEntry): void {
    this._entries = [entry, ...this._entries].slice(0, this._limit);
    this._changed.emit();
  }

  /**
   * Change the entry of a call (a no-op when it left the log).
   */
  update(
    callId: number,
    patch: Partial<Omit<IActivityEntry, 'callId'>> &
      Partial<Pick<ICallTarget, 'cellId' | 'cellIndex'>>
  ): void {
    const index = this._entries.findIndex(entry => entry.callId === callId);
    if (index < 0) {
      return;
    }
    const entries = [...this._entries];
    entries[index] = { ...entries[index], ...patch };
    this._entries = entries;
    this._changed.emit();
  }

  /**
   * The entry of a call, if it is still in the log.
   */
  find(callId: number): IActivityEntry | undefined {
    return this._entries.find(entry => entry.callId === callId);
  }

  private _limit: number;
  private _entries: IActivityEntry[] = [];
  private _changed = new Signal<IActivityLog, void>(this);
}

/**
 * A namespace for ActivityLog statics.
 */
export namespace ActivityLog {
  /**
   * How many calls the log keeps.
   */
  export const DEFAULT_LIMIT = 500;
}
