/**
 * The status-bar item: connection state, the connected clients and the
 * calls waiting for the user's approval.
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IMcpBridge } from '../tokens';
import { clientLabel } from './activity';

/**
 * Shows `MCP: <state>`, how many clients are connected, and how many calls
 * wait for approval; its tooltip names the clients.
 */
export class BridgeStatus extends Widget {
  constructor(
    bridge: IMcpBridge,
    onClick: () => void,
    trans: TranslationBundle
  ) {
    super();
    this._bridge = bridge;
    this._trans = trans;
    this.addClass('jp-McpBridge-status');
    this.node.setAttribute('role', 'button');
    this.node.addEventListener('click', onClick);
    bridge.changed.connect(this._update, this);
    this._update();
  }

  private _update(): void {
    const trans = this._trans;
    const { status, sessionCount, lastError, clients, pendingApprovals } =
      this._bridge;
    const pending = pendingApprovals.length;
    const state =
      status === 'connected'
        ? trans.__('connected')
        : status === 'connecting'
          ? trans.__('connecting')
          : trans.__('disconnected');
    let text = trans.__('MCP: %1', state);
    if (status === 'connected') {
      text += ` · ${trans._n('%1 client', '%1 clients', sessionCount)}`;
    }
    if (pending) {
      text += ` · ${trans._n('%1 approval pending', '%1 approvals pending', pending)}`;
    }
    this.node.textContent = text;
    this.node.dataset.status = status;
    this.node.dataset.clients = String(sessionCount);
    this.node.dataset.pending = String(pending);
    this.toggleClass('jp-McpBridge-status-pending', pending > 0);
    if (status === 'disconnected') {
      this.node.title = lastError
        ? trans.__('MCP bridge disconnected: %1. Click to start.', lastError)
        : trans.__('MCP bridge disconnected. Click to start.');
      return;
    }
    const names = clients.map(
      client => clientLabel(client) || client.sessionId.slice(0, 8)
    );
    const lines = [
      trans.__('MCP bridge %1; %2 client session(s).', state, sessionCount),
      ...names.map(name => `• ${name}`)
    ];
    if (pending) {
      lines.push(
        trans._n(
          '%1 call waits for your approval.',
          '%1 calls wait for your approval.',
          pending
        )
      );
    }
    this.node.title = lines.join('\n');
  }

  private _bridge: IMcpBridge;
  private _trans: TranslationBundle;
}
