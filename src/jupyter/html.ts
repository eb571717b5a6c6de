/**
 * HTML outputs as text, with the page's DOM parser.
 */

import { tablesToMarkdown } from '../core/tables';

/**
 * The tables of an HTML output as Markdown (with any text around them, such
 * as pandas' "5 rows × 3 columns"), or null when it has no table.
 */
export function htmlToText(html: string): string | null {
  if (!html.includes('<table')) {
    return null;
  }
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const tables = tablesToMarkdown(doc);
  if (!tables.length) {
    return null;
  }
  doc.querySelectorAll('table, style, script').forEach(node => node.remove());
  const rest = (doc.body.textContent ?? '').replace(/\s+/g, ' ').trim();
  return [...tables, rest].filter(Boolean).join('\n\n');
}
