/**
 * The DOM the bridge's widgets are made of: an element with a class and a
 * text, and a JupyterLab-styled button.
 */

/**
 * A new `tag` element with `className` (none when empty) and `text`.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
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

/**
 * A JupyterLab-styled button (not a form's submit button).
 */
export function button(label: string, className: string): HTMLButtonElement {
  const node = element('button', `jp-mod-styled ${className}`, label);
  node.type = 'button';
  return node;
}
