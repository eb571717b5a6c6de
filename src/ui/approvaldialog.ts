/**
 * The dialog that asks the user whether an agent's tool call may run.
 */

import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { ApprovalAnswer, IApprovalQuestion } from '../core/approvals';
import {
  countFlags,
  flagText,
  visibleText,
  type CharFlagKind
} from '../core/charflags';
import { diffParts, diffStats, type IDiffLine } from '../core/diff';
import { clientLabel } from '../oversight/activity';
import type { IMcpClient } from '../link/sessions';
import type { IApprovalRequest } from '../oversight/supervisor';
import type { ICallTarget } from '../oversight/target';
import { button, element } from './elements';

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
  countdown.setAttribute('role', 'timer');
  const tick = () => {
    const seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = trans.__(
      'No answer within %1 s denies the call (Escape denies now).',
      seconds
    );
  };
  tick();
  const timer = setInterval(tick, 1000);
  const dialog = new Dialog({
    title: trans.__(
      '%1 wants to run %2',
      visibleText(Private.who(request.client, trans)),
      request.tool.name
    ),
    body: Private.body(request, countdown, trans),
    buttons: [
      // The larger grant in the secondary style, away from the default.
      Dialog.okButton({
        label: trans.__('Allow for this session'),
        caption: Private.scopeText(request, trans),
        className: 'jp-McpBridge-allowSession',
        actions: [Private.SESSION]
      }),
      Dialog.warnButton({
        label: trans.__('Deny'),
        actions: [Private.DENY]
      }),
      Dialog.okButton({
        label: trans.__('Allow once'),
        actions: [Private.ONCE]
      })
    ],
    // Focus starts on Deny, so that Enter denies; Escape (and the close
    // button) deny too.
    defaultButton: 1,
    hasClose: true
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

  /**
   * What "Allow for this session" grants, written out.
   */
  export function scopeText(
    request: IApprovalRequest,
    trans: TranslationBundle
  ): string {
    return trans.__(
      '“Allow for this session” lets %1 run %2 again without asking: this client, this tool, until it disconnects.',
      visibleText(who(request.client, trans)),
      request.scope
    );
  }

  export function body(
    request: IApprovalRequest,
    countdown: HTMLElement,
    trans: TranslationBundle
  ): Widget {
    const node = element('div', 'jp-McpBridge-approval');
    const client = request.client;
    const from = element('p', 'jp-McpBridge-approvalClient');
    from.append(
      ...(client
        ? flagged(
            trans.__(
              'Client: %1, over %2, connected at %3',
              who(client, trans),
              client.transport ?? trans.__('an unknown transport'),
              new Date(client.connectedAt).toLocaleTimeString()
            )
          )
        : [trans.__('Client: one that has disconnected')])
    );
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
    const warning = flagWarning(request, trans);
    if (warning) {
      node.append(warning);
    }
    const where = targetText(request.target, trans);
    if (where) {
      const line = element('p', 'jp-McpBridge-approvalTarget');
      line.append(...flagged(where));
      node.append(line);
    }
    for (const note of request.notes) {
      const line = element('p', 'jp-McpBridge-approvalNote');
      line.append(...flagged(note));
      node.append(line);
    }
    for (const code of request.code) {
      const heading = element('h4', '');
      heading.append(...flagged(trans.__('Code that runs: %1', code.title)));
      const pre = element('pre', 'jp-McpBridge-approvalCode');
      pre.dataset.cellId = code.cellId;
      pre.tabIndex = 0;
      pre.append(...flagged(code.code));
      node.append(heading, pre);
    }
    for (const change of request.changes) {
      const { removed, added } = diffStats(change.lines);
      const heading = element('h4', '');
      heading.append(
        ...flagged(
          trans.__('Change to %1 (−%2 +%3 lines)', change.title, removed, added)
        )
      );
      node.append(heading, diffBlock(change.lines, trans));
    }
    const args = argumentsBlock(request, trans);
    if (args) {
      node.append(args);
    }
    node.append(
      element('p', 'jp-McpBridge-approvalScope', scopeText(request, trans)),
      countdown
    );
    return new Widget({ node });
  }

  /**
   * The arguments the client sent, collapsed: those the changes or the
   * code show in full are named, not repeated. Null when it sent none.
   */
  function argumentsBlock(
    request: IApprovalRequest,
    trans: TranslationBundle
  ): HTMLElement | null {
    const entries = request.sent
      .filter(key => request.args[key] !== undefined)
      .map(key => [key, request.args[key]] as const);
    if (!entries.length) {
      return null;
    }
    const block = element('div', 'jp-McpBridge-approvalArgs');
    const list = element('dl', '');
    list.id = `jp-McpBridge-approvalArgs-${request.callId}`;
    list.hidden = true;
    for (const [key, value] of entries) {
      const dd = element('dd', '');
      if (request.shown.includes(key)) {
        dd.append(
          element('span', 'jp-McpBridge-approvalShown', trans.__('shown above'))
        );
      } else {
        const pre = element('pre', 'jp-McpBridge-approvalValue');
        pre.append(...flagged(argumentText(value)));
        pre.dataset.argument = key;
        dd.append(pre);
      }
      list.append(element('dt', '', key), dd);
    }
    const toggle = button(
      trans._n(
        'The argument the agent sent (%1)',
        'The arguments the agent sent (%1)',
        entries.length
      ),
      'jp-McpBridge-approvalArgsToggle'
    );
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', list.id);
    toggle.addEventListener('click', () => {
      list.hidden = !list.hidden;
      toggle.setAttribute('aria-expanded', String(!list.hidden));
    });
    block.append(toggle, list);
    return block;
  }

  function argumentText(value: unknown): string {
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  }

  /**
   * `text` as nodes, each flagged character (or run of blanks) a visible
   * marker.
   */
  function flagged(text: string): (Node | string)[] {
    return flagText(text).map(piece => {
      if (!piece.flag) {
        return piece.text;
      }
      const marker = element('span', 'jp-McpBridge-flaggedChar', piece.marker);
      marker.dataset.flag = piece.flag;
      marker.title = piece.title;
      return marker;
    });
  }

  /**
   * A warning naming the characters flagged anywhere in the dialog, or
   * null when there are none.
   */
  function flagWarning(
    request: IApprovalRequest,
    trans: TranslationBundle
  ): HTMLElement | null {
    const texts: string[] = [clientLabel(request.client)];
    for (const key of request.sent) {
      const value = request.args[key];
      if (value !== undefined && !request.shown.includes(key)) {
        texts.push(argumentText(value));
      }
    }
    for (const code of request.code) {
      texts.push(code.code);
    }
    for (const change of request.changes) {
      for (const line of change.lines) {
        if (line.kind !== ' ') {
          texts.push(line.text);
        }
      }
    }
    const counts = countFlags(texts);
    const kinds = Object.keys(counts) as CharFlagKind[];
    if (!kinds.length) {
      return null;
    }
    const names: Record<CharFlagKind, string> = {
      control: trans.__('control characters'),
      bidi: trans.__('bidirectional controls (they reorder what is shown)'),
      'zero-width': trans.__('invisible zero-width characters'),
      'carriage-return': trans.__('carriage returns'),
      blanks: trans.__('long runs of blanks')
    };
    const warning = element(
      'p',
      'jp-McpBridge-approvalFlags',
      trans.__(
        'Look closely: this call holds %1. Each is shown as a marker like ⟨U+202E RLO⟩.',
        kinds.map(kind => `${counts[kind]} × ${names[kind]}`).join(', ')
      )
    );
    warning.dataset.flags = kinds.join(' ');
    return warning;
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

  /**
   * The number of unchanged lines shown around each change.
   */
  const DIFF_CONTEXT = 3;

  /**
   * A diff: the changed lines with some context, the unchanged lines
   * between counted, and a button that shows every line.
   */
  function diffBlock(diff: IDiffLine[], trans: TranslationBundle): HTMLElement {
    // Texts that both end with a newline end with an empty unchanged
    // line, which says nothing.
    const last = diff[diff.length - 1];
    const lines =
      last && last.kind === ' ' && last.text === '' ? diff.slice(0, -1) : diff;
    const block = element('div', 'jp-McpBridge-diffBlock');
    const pre = element('pre', 'jp-McpBridge-diff');
    const render = (all: boolean) => {
      pre.replaceChildren();
      const parts = all
        ? [{ kind: 'lines' as const, lines }]
        : diffParts(lines, DIFF_CONTEXT);
      for (const part of parts) {
        if (part.kind === 'skip') {
          pre.append(
            element(
              'span',
              'jp-McpBridge-diffSkipped',
              trans.__('  … %1 unchanged lines\n', part.count)
            )
          );
          continue;
        }
        for (const line of part.lines) {
          const kind =
            line.kind === '+'
              ? 'jp-McpBridge-diffAdded'
              : line.kind === '-'
                ? 'jp-McpBridge-diffRemoved'
                : 'jp-McpBridge-diffContext';
          const span = element('span', kind);
          span.dataset.line = String(line.newNumber ?? line.oldNumber ?? '');
          span.append(`${line.kind} `, ...flagged(line.text), '\n');
          pre.append(span);
        }
      }
    };
    render(false);
    block.append(pre);
    const hidden = diffParts(lines, DIFF_CONTEXT).some(
      part => part.kind === 'skip'
    );
    if (hidden) {
      const showAll = button(
        trans.__('Show all %1 lines', lines.length),
        'jp-McpBridge-diffShowAll'
      );
      showAll.addEventListener('click', () => {
        render(true);
        showAll.remove();
      });
      block.append(showAll);
    }
    return block;
  }
}
