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
    this.node.title =
      status === 'disconnected'
        ? this._offline(retrying ? retryAt : null, lastError)
        : this._online(state, preferred);
  }

  /**
   * The tooltip while disconnected: when the next try is (`retryAt`, null
   * when none is due) and why the last failed.
   */
  private _offline(retryAt: number | null, lastError: string): string {
    const trans = this._trans;
    if (retryAt !== null) {
      return trans.__(
        'MCP bridge reconnecting to the relay (next try in %1 s)%2',
        Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)),
        lastError ? `: ${lastError}` : '.'
      );
    }
    return lastError
      ? trans.__('MCP bridge disconnected: %1. Click to start.', lastError)
      : trans.__('MCP bridge disconnected. Click to start.');
  }

  /**
   * The tooltip while connected (or connecting): the clients, the tabs,
   * the calls waiting for approval.
   */
  private _online(state: string, preferred: boolean): string {
    const trans = this._trans;
    const { sessionCount, clients, pendingApprovals, pages } = this._bridge;
    const pending = pendingApprovals.length;
    const names = clients.map(
      client => clientLabel(client) || trans.__('an unnamed client')
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
    return lines.join('\n');
  }

  private _bridge: IMcpBridge;
  private _trans: TranslationBundle;
}
