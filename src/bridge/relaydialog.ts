/**
 * The dialog that asks the user before the page connects to a relay that is
 * not on this computer.
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

/**
 * Why the dialog is shown: a pairing link, or the relay URL of the settings.
 */
export type RelayRequestSource = 'link' | 'settings';

/**
 * Ask whether to connect to the relay at `url`, which is not on this
 * computer. Resolves true only when the user chooses "Connect".
 */
export async function confirmRemoteRelay(
  url: string,
  source: RelayRequestSource,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Connect to an MCP relay on another computer?'),
    body: Private.body(url, source, trans),
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
  export function body(
    url: string,
    source: RelayRequestSource,
    trans: TranslationBundle
  ): Widget {
    const node = document.createElement('div');
    node.className = 'jp-McpBridge-relayDialog';
    const intro = document.createElement('p');
    intro.textContent =
      source === 'link'
        ? trans.__(
            'The link you opened asks JupyterLab to connect to this MCP relay, which is not on this computer:'
          )
        : trans.__(
            'The MCP bridge settings name this relay, which is not on this computer:'
          );
    const address = document.createElement('pre');
    address.className = 'jp-McpBridge-relayUrl';
    address.textContent = url;
    const warning = document.createElement('p');
    warning.className = 'jp-McpBridge-relayWarning';
    warning.textContent = trans.__(
      'Whoever runs that relay could run code in your kernels, read, change and delete your files, and type in your terminals, as you. Connect only if you started that relay yourself. If you did not expect this, choose "Do not connect": nothing is saved.'
    );
    node.append(intro, address, warning);
    return new Widget({ node });
  }
}
