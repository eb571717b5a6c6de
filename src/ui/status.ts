/**
 * The status-bar item: connection state, the connected clients and the
 * calls waiting for the user's approval.
 */

import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IMcpBridge } from '../tokens';
import { clientLabel } from '../oversight/activity';

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
    const {
      status,
      sessionCount,
      lastError,
      clients,
      pendingApprovals,
      pages,
      pageId,
      retryAt
    } = this._bridge;
    const pending = pendingApprovals.length;
    const retrying = status === 'disconnected' && retryAt !== null;
    const state =
      status === 'connected'
        ? trans.__('connected')
        : status === 'connecting'
          ? trans.__('connecting')
          : retrying
            ? trans.__('reconnecting')
            : trans.__('disconnected');
    let text = trans.__('MCP: %1', state);
    // Several tabs: say whether this one serves clients.
    const preferred = pages.find(page => page.preferred)?.id === pageId;
    const standby =
      status === 'connected' &&
      pages.length > 1 &&
      sessionCount === 0 &&
      !preferred;
    if (status === 'connected') {
      text += standby
        ? ` · ${trans.__('standby (another tab serves)')}`
        : ` · ${trans._n('%1 client', '%1 clients', sessionCount)}`;
    }
    if (pending) {
      text += ` · ${trans._n('%1 approval pending', '%1 approvals pending', pending)}`;
    }
    this.node.textContent = text;
    this.node.dataset.status = status;
    this.node.dataset.clients = String(sessionCount);
    this.node.dataset.pending = String(pending);
    this.node.dataset.serving = String(sessionCount > 0 || preferred);
    this.toggleClass('jp-McpBridge-status-pending', pending > 0);
    if (status === 'disconnected') {
      const seconds = retrying
        ? Math.max(0, Math.ceil(((retryAt ?? 0) - Date.now()) / 1000))
        : 0;
      this.node.title = retrying
        ? trans.__(
            'MCP bridge reconnecting to the relay (next try in %1 s)%2',
            seconds,
            lastError ? `: ${lastError}` : '.'
          )
        : lastError
          ? trans.__('MCP bridge disconnected: %1. Click to start.', lastError)
          : trans.__('MCP bridge disconnected. Click to start.');
      return;
    }
    const names = clients.map(
      client => clientLabel(client) || client.sessionId.slice(0, 8)
    );
    const lines = [
      `${trans.__('MCP bridge %1', state)}; ${trans._n('%1 client connected.', '%1 clients connected.', sessionCount)}`,
      ...names.map(name => `• ${name}`)
    ];
    if (pages.length > 1) {
      lines.push(
        preferred
          ? trans.__(
              '%1 JupyterLab tabs are connected; new clients come to this one (focused last).',
              pages.length
            )
          : trans.__(
              '%1 JupyterLab tabs are connected; new clients go to the tab focused last.',
              pages.length
            )
      );
    }
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
