/**
 * The activity panel: the connected clients, the calls waiting for
 * approval, and every tool call, newest first.
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import type {
  IActivityEntry,
  IMcpBridge,
  IMcpClient,
  IPendingApproval
} from '../tokens';
import { clientLabel } from '../oversight/activity';
import { button, element } from './elements';

/**
 * A sidebar widget showing what agents do in this page.
 */
export class ActivityPanel extends Widget {
  constructor(options: ActivityPanel.IOptions) {
    super();
    this._bridge = options.bridge;
    this._trans = options.trans;
    this._reveal = options.reveal;
    this.addClass('jp-McpBridge-activity');
    this.title.caption = this._trans.__('MCP activity');
    this.node.tabIndex = -1;
    this._build();
    this._bridge.changed.connect(this._schedule, this);
    this._bridge.activity.changed.connect(this._schedule, this);
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._frame !== null) {
      cancelAnimationFrame(this._frame);
    }
    this._bridge.changed.disconnect(this._schedule, this);
    this._bridge.activity.changed.disconnect(this._schedule, this);
    super.dispose();
  }

  private _build(): void {
    const trans = this._trans;
    const header = element('div', 'jp-McpBridge-activityHeader');
    header.append(element('h2', '', trans.__('MCP activity')));
    this._state = element('p', 'jp-McpBridge-activityState');
    this._stop = button(
      trans.__('Stop bridge'),
      'jp-McpBridge-stopBridge jp-mod-warn'
    );
    this._stop.title = trans.__(
      'Disconnect this page from the relay: no client can reach it until the bridge starts again'
    );
    this._stop.addEventListener('click', () => this._bridge.stop());
    header.append(this._stop);

    this._clients = element('ul', 'jp-McpBridge-clients');
    this._pending = element('ul', 'jp-McpBridge-pending');
    this._calls = element('ul', 'jp-McpBridge-calls');
    this._pendingTitle = element(
      'h3',
      '',
      trans.__('Waiting for your approval')
    );
    this.node.append(
      header,
      this._state,
      element('h3', '', trans.__('Clients')),
      this._clients,
      this._pendingTitle,
      this._pending,
      element('h3', '', trans.__('Tool calls')),
      this._calls
    );
  }

  /**
   * A hidden panel is brought up to date when it shows.
   */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._stale) {
      this._schedule();
    }
  }

  private _schedule(): void {
    if (!this.isVisible) {
      // Nobody looks: render once the panel shows (agents make many calls).
      this._stale = true;
      return;
    }
    if (this._frame === null && !this.isDisposed) {
      this._frame = requestAnimationFrame(() => {
        this._frame = null;
        this._render();
      });
    }
  }

  private _render(): void {
    this._stale = false;
    const trans = this._trans;
    const bridge = this._bridge;
    this._state.textContent =
      bridge.status === 'connected'
        ? trans.__('Connected to the relay')
        : bridge.status === 'connecting'
          ? trans.__('Connecting to the relay…')
          : trans.__('Not connected to the relay');
    this._state.dataset.status = bridge.status;
    this._stop.disabled = bridge.status === 'disconnected';

    this._clients.replaceChildren(
      ...(bridge.clients.length
        ? bridge.clients.map(client => this._clientItem(client))
        : [element('li', 'jp-McpBridge-empty', trans.__('None'))])
    );
    const pending = bridge.pendingApprovals;
    this._pendingTitle.hidden = pending.length === 0;
    this._pending.replaceChildren(
      ...pending.map(item => this._pendingItem(item))
    );
    const entries = bridge.activity.entries;
    this._calls.replaceChildren(
      ...(entries.length
        ? entries.map(entry => this._callItem(entry))
        : [element('li', 'jp-McpBridge-empty', trans.__('No tool calls yet'))])
    );
  }

  private _clientItem(client: IMcpClient): HTMLElement {
    const trans = this._trans;
    const item = element('li', 'jp-McpBridge-client');
    item.dataset.sessionId = client.sessionId;
    const name = element(
      'span',
      'jp-McpBridge-clientName',
      clientLabel(client) || trans.__('(initializing)')
    );
    name.title = trans.__(
      '%1 (MCP session %2)',
      clientLabel(client) || trans.__('(initializing)'),
      client.sessionId
    );
    const details = element(
      'span',
      'jp-McpBridge-clientDetails',
      trans.__(
        '%1 · since %2',
        client.transport ?? trans.__('transport unknown'),
        new Date(client.connectedAt).toLocaleTimeString()
      )
    );
    const disconnect = button(
      trans.__('Disconnect'),
      'jp-McpBridge-disconnect jp-mod-reject'
    );
    disconnect.title = trans.__(
      'End this client\u2019s MCP session: its next request fails'
    );
    disconnect.addEventListener('click', () =>
      this._bridge.disconnect(client.sessionId)
    );
    item.append(name, disconnect, details);
    return item;
  }

  private _pendingItem(pending: IPendingApproval): HTMLElement {
    const item = element(
      'li',
      'jp-McpBridge-pendingItem',
      `${pending.client || this._trans.__('a client')} · ${pending.tool}`
    );
    item.title = this._trans.__('MCP session %1', pending.sessionId);
    item.dataset.callId = String(pending.callId);
    return item;
  }

  /**
   * A call in two lines: the tool, its outcome and duration; where it
   * acted, the client and when.
   */
  private _callItem(entry: IActivityEntry): HTMLElement {
    const trans = this._trans;
    const item = element('li', 'jp-McpBridge-call');
    item.dataset.callId = String(entry.callId);
    item.dataset.tool = entry.tool;
    item.dataset.outcome = entry.outcome;
    const tool = element('span', 'jp-McpBridge-callTool', entry.tool);
    tool.title = entry.tool;
    const top = element('div', 'jp-McpBridge-callLine');
    top.append(
      tool,
      element(
        'span',
        'jp-McpBridge-callOutcome',
        Private.outcomeLabel(entry.outcome, trans)
      ),
      element(
        'span',
        'jp-McpBridge-callDuration',
        entry.durationMs === null ? '' : Private.duration(entry.durationMs)
      )
    );
    const client = element(
      'span',
      'jp-McpBridge-callClient',
      entry.client || trans.__('a client')
    );
    client.title = trans.__(
      '%1 (MCP session %2)',
      entry.client || trans.__('a client'),
      entry.sessionId
    );
    const bottom = element('div', 'jp-McpBridge-callLine');
    bottom.append(
      Private.target(entry, trans),
      client,
      element(
        'span',
        'jp-McpBridge-callTime',
        new Date(entry.startedAt).toLocaleTimeString()
      )
    );
    item.append(top, bottom);
    if (entry.message) {
      item.title = entry.message;
    }
    if (entry.notebookPath || entry.path) {
      item.classList.add('jp-mod-revealable');
      item.addEventListener('click', () => void this._reveal(entry));
    }
    return item;
  }

  private _bridge: IMcpBridge;
  private _trans: TranslationBundle;
  private _reveal: (entry: IActivityEntry) => Promise<void>;
  private _frame: number | null = null;
  private _stale = false;
  private _state!: HTMLElement;
  private _stop!: HTMLButtonElement;
  private _clients!: HTMLElement;
  private _pending!: HTMLElement;
  private _pendingTitle!: HTMLElement;
  private _calls!: HTMLElement;
}

/**
 * A namespace for ActivityPanel statics.
 */
export namespace ActivityPanel {
  /**
   * Constructor options.
   */
  export interface IOptions {
    bridge: IMcpBridge;
    trans: TranslationBundle;
    /**
     * Show the notebook cell or the file of an entry.
     */
    reveal: (entry: IActivityEntry) => Promise<void>;
  }
}

namespace Private {
  export function outcomeLabel(
    outcome: IActivityEntry['outcome'],
    trans: TranslationBundle
  ): string {
    switch (outcome) {
      case 'waiting':
        return trans.__('waiting for approval');
      case 'running':
        return trans.__('running');
      case 'ok':
        return trans.__('ok');
      case 'error':
        return trans.__('error');
      case 'denied':
        return trans.__('denied');
    }
  }

  /**
   * Where a call acted: the file's name (its whole path in the tooltip)
   * and the cell, which never shrinks.
   */
  export function target(
    entry: IActivityEntry,
    trans: TranslationBundle
  ): HTMLElement {
    const node = element('span', 'jp-McpBridge-callTarget');
    const path = entry.notebookPath ?? entry.path ?? '';
    if (!path) {
      return node;
    }
    const name = element(
      'span',
      'jp-McpBridge-callName',
      path.slice(path.lastIndexOf('/') + 1)
    );
    name.title = path;
    node.append(name);
    if (entry.notebookPath && entry.cellIndex !== null) {
      node.append(
        element(
          'span',
          'jp-McpBridge-callCell',
          trans.__(', cell %1', entry.cellIndex)
        )
      );
    }
    return node;
  }

  export function duration(ms: number): string {
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
  }
}
