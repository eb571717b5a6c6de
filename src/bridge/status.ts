/**
 * The status-bar item: connection state and number of clients.
 */

import { Widget } from '@lumino/widgets';

import type { IMcpBridge } from '../tokens';

/**
 * Shows `MCP: <state>` and how many clients are connected.
 */
export class BridgeStatus extends Widget {
  constructor(bridge: IMcpBridge, onClick: () => void) {
    super();
    this._bridge = bridge;
    this.addClass('jp-McpBridge-status');
    this.node.setAttribute('role', 'button');
    this.node.addEventListener('click', onClick);
    bridge.changed.connect(this._update, this);
    this._update();
  }

  private _update(): void {
    const { status, sessionCount, lastError } = this._bridge;
    const clients =
      status === 'connected'
        ? ` · ${sessionCount} client${sessionCount === 1 ? '' : 's'}`
        : '';
    this.node.textContent = `MCP: ${status}${clients}`;
    this.node.dataset.status = status;
    this.node.dataset.clients = String(sessionCount);
    this.node.title =
      status === 'disconnected'
        ? `MCP bridge disconnected${lastError ? `: ${lastError}` : ''}. Click to start.`
        : `MCP bridge ${status}; ${sessionCount} client session(s).`;
  }

  private _bridge: IMcpBridge;
}
