/**
 * The dialog that asks the user whether an agent's tool call may run.
 */

import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { ApprovalAnswer, IApprovalQuestion } from '../core/approvals';
import type { ICallTarget, IMcpClient } from '../tokens';
import { clientLabel } from './activity';
import type { IChangePreview } from './preview';

/**
 * What the dialog shows about a call.
 */
export interface IApprovalRequest {
  callId: number;
  sessionId: string;
  /**
   * The calling client (undefined if its session is gone).
   */
  client: IMcpClient | undefined;
  tool: { name: string; title: string; category: string };
  /**
   * The parsed arguments.
   */
  args: Record<string, unknown>;
  target: ICallTarget;
  /**
   * Changes to cells or files, as diffs against what is there now.
   */
  changes: IChangePreview[];
}

/**
 * Show the approval dialog of `request`; no answer by `deadline` is the
 * queue's business (it closes the dialog).
 */
export function showApprovalDialog(
  request: IApprovalRequest,
  deadline: number,
  trans: TranslationBundle
): IApprovalQuestion {
  const countdown = document.createElement('p');
  countdown.className = 'jp-McpBridge-approvalCountdown';
  const tick = () => {
    const seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = trans.__(
      'No answer within %1 s denies the call.',
      seconds
    );
  };
  tick();
  const timer = setInterval(tick, 1000);
  const dialog = new Dialog({
    title: trans.__(
      '%1 wants to run %2',
      Private.who(request.client, trans),
      request.tool.name
    ),
    body: Private.body(request, countdown, trans),
    buttons: [
      Dialog.warnButton({
        label: trans.__('Deny'),
        actions: [Private.DENY]
      }),
      Dialog.okButton({
        label: trans.__('Allow for this session'),
        displayType: 'default',
        actions: [Private.SESSION]
      }),
      Dialog.okButton({
        label: trans.__('Allow once'),
        actions: [Private.ONCE]
      })
    ],
    defaultButton: 0,
    hasClose: false
  });
  dialog.addClass('jp-McpBridge-approvalDialog');
  dialog.node.dataset.tool = request.tool.name;
  dialog.node.dataset.callId = String(request.callId);
  let closed = false;
  const answer = dialog.launch().then((result): ApprovalAnswer => {
    clearInterval(timer);
    const actions = result.button.actions;
    if (!result.button.accept) {
      return 'deny';
    }
    if (actions.includes(Private.SESSION)) {
      return 'session';
    }
    return actions.includes(Private.ONCE) ? 'once' : 'deny';
  });
  return {
    answer,
    close: () => {
      clearInterval(timer);
      if (!closed) {
        closed = true;
        dialog.reject();
        dialog.dispose();
      }
    }
  };
}

namespace Private {
  export const DENY = 'mcp-bridge-deny';
  export const SESSION = 'mcp-bridge-allow-session';
  export const ONCE = 'mcp-bridge-allow-once';

  export function who(
    client: IMcpClient | undefined,
    trans: TranslationBundle
  ): string {
    return clientLabel(client) || trans.__('An unnamed MCP client');
  }

  function element<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    className: string,
    text?: string
  ): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  export function body(
    request: IApprovalRequest,
    countdown: HTMLElement,
    trans: TranslationBundle
  ): Widget {
    const node = element('div', 'jp-McpBridge-approval');
    const client = request.client;
    const from = element('p', 'jp-McpBridge-approvalClient');
    from.textContent = client
      ? trans.__(
          'Client: %1 (%2, connected %3, session %4)',
          who(client, trans),
          client.transport ?? trans.__('transport unknown'),
          new Date(client.connectedAt).toLocaleTimeString(),
          request.sessionId.slice(0, 8)
        )
      : trans.__('Client: session %1', request.sessionId.slice(0, 8));
    const what = element('p', 'jp-McpBridge-approvalTool');
    what.append(
      trans.__('Tool: '),
      element('code', '', request.tool.name),
      ` — ${request.tool.title} `,
      element(
        'span',
        'jp-McpBridge-approvalCategory',
        trans.__('(category %1)', request.tool.category)
      )
    );
    node.append(from, what);
    const where = targetText(request.target, trans);
    if (where) {
      node.append(element('p', 'jp-McpBridge-approvalTarget', where));
    }
    for (const change of request.changes) {
      node.append(
        element('h4', '', trans.__('Change to %1', change.title)),
        diffBlock(change.diff)
      );
    }
    const entries = Object.entries(request.args).filter(
      ([, value]) => value !== undefined
    );
    if (entries.length) {
      node.append(element('h4', '', trans.__('Arguments')));
      const list = element('dl', 'jp-McpBridge-approvalArgs');
      for (const [key, value] of entries) {
        const text =
          typeof value === 'string' ? value : JSON.stringify(value, null, 2);
        const pre = element('pre', 'jp-McpBridge-approvalValue', text);
        pre.dataset.argument = key;
        const dd = element('dd', '');
        dd.append(pre);
        list.append(element('dt', '', key), dd);
      }
      node.append(list);
    }
    node.append(countdown);
    return new Widget({ node });
  }

  function targetText(target: ICallTarget, trans: TranslationBundle): string {
    if (target.notebookPath) {
      if (target.cellIndex !== null || target.cellId) {
        return trans.__(
          'Notebook: %1, cell %2 (id %3)',
          target.notebookPath,
          target.cellIndex ?? '?',
          target.cellId ?? '?'
        );
      }
      return trans.__('Notebook: %1', target.notebookPath);
    }
    return target.path ? trans.__('File: %1', target.path) : '';
  }

  function diffBlock(diff: string): HTMLElement {
    const pre = element('pre', 'jp-McpBridge-diff');
    for (const line of diff.split('\n')) {
      const kind = line.startsWith('+')
        ? 'jp-McpBridge-diffAdded'
        : line.startsWith('-')
          ? 'jp-McpBridge-diffRemoved'
          : 'jp-McpBridge-diffContext';
      pre.append(element('span', kind, `${line}\n`));
    }
    return pre;
  }
}
