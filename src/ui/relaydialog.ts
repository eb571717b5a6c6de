/**
 * The dialog that asks the user before the page connects to a relay that is
 * not on this computer, or pairs with a relay or a token it did not know.
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { PairingRisk } from '../core/pairing';

/**
 * Why the dialog is shown: a pairing link, or the relay URL of the settings.
 */
export type RelayRequestSource = 'link' | 'settings';

/**
 * What the user is asked about.
 */
export interface IRelayQuestion {
  /** The relay the page would connect to. */
  url: string;
  source: RelayRequestSource;
  /** Why it is asked (see `PairingRisk`). */
  risk: PairingRisk;
  /** The relay URL of the settings. */
  configured: string;
}

/**
 * Ask whether to connect to (and pair with) a relay. Resolves true only
 * when the user chooses "Connect".
 */
export async function confirmRelay(
  question: IRelayQuestion,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: Private.title(question.risk, trans),
    body: Private.body(question, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Do not connect') }),
      Dialog.warnButton({ label: trans.__('Connect') })
    ],
    defaultButton: 0,
    hasClose: true
  });
  return result.button.accept;
}

namespace Private {
  export function title(risk: PairingRisk, trans: TranslationBundle): string {
    switch (risk) {
      case 'remote':
        return trans.__('Connect to an MCP relay on another computer?');
      case 'port':
        return trans.__('Connect to another MCP relay on this computer?');
      case 'token':
        return trans.__('Replace the MCP bridge token?');
    }
  }

  function intro(question: IRelayQuestion, trans: TranslationBundle): string {
    switch (question.risk) {
      case 'remote':
        return question.source === 'link'
          ? trans.__(
              'The link you opened asks JupyterLab to connect to this MCP relay, which is not on this computer:'
            )
          : trans.__(
              'The MCP bridge settings name this relay, which is not on this computer:'
            );
      case 'port':
        return trans.__(
          'The link you opened asks JupyterLab to connect to this MCP relay, which is on this computer but is not the relay JupyterLab uses (%1):',
          question.configured
        );
      case 'token':
        return trans.__(
          'The link you opened gives a new token for the MCP relay JupyterLab uses, in place of the token this browser holds:'
        );
    }
  }

  function warning(risk: PairingRisk, trans: TranslationBundle): string {
    const power = trans.__(
      'Whoever runs that relay could run code in your kernels, read, change and delete your files, and type in your terminals, as you.'
    );
    switch (risk) {
      case 'remote':
        return `${power} ${trans.__(
          'Connect only if you started that relay yourself. If you did not expect this, choose "Do not connect": nothing is saved.'
        )}`;
      case 'port':
        return `${power} ${trans.__(
          'Any program on this computer, whoever started it, can listen on a port. Connect only if you just started that relay yourself. If you did not expect this, choose "Do not connect": nothing is saved.'
        )}`;
      case 'token':
        return `${power} ${trans.__(
          'Connect if you rotated the token or started the relay with a new one. If you did not expect this link, choose "Do not connect": nothing is saved, and the token you had stays.'
        )}`;
    }
  }

  export function body(
    question: IRelayQuestion,
    trans: TranslationBundle
  ): Widget {
    const node = document.createElement('div');
    node.className = 'jp-McpBridge-relayDialog';
    const text = document.createElement('p');
    text.textContent = intro(question, trans);
    const address = document.createElement('pre');
    address.className = 'jp-McpBridge-relayUrl';
    address.textContent = question.url;
    const caution = document.createElement('p');
    caution.className = 'jp-McpBridge-relayWarning';
    caution.textContent = warning(question.risk, trans);
    node.append(text, address, caution);
    return new Widget({ node });
  }
}
