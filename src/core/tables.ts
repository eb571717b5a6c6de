/**
 * HTML tables (pandas DataFrames) as readable text: pure functions over a
 * parsed DOM, so that they run in the page and in tests with any DOM.
 */

/**
 * The minimum of the DOM this module reads.
 */
export interface ITableLike {
  querySelectorAll(selector: string): ArrayLike<IElementLike>;
}

/**
 * An element as this module reads it.
 */
export interface IElementLike {
  textContent: string | null;
  querySelectorAll(selector: string): ArrayLike<IElementLike>;
  getAttribute(name: string): string | null;
}

/**
 * Render each `<table>` of `root` as a Markdown table, with `caption`-like
 * text that pandas adds (e.g. "5 rows × 3 columns") kept after it.
 */
export function tablesToMarkdown(root: ITableLike): string[] {
  const tables = Array.from(root.querySelectorAll('table'));
  return tables.map(table => tableToMarkdown(table));
}

/**
 * Render one table element as a Markdown table.
 */
export function tableToMarkdown(table: IElementLike): string {
  const rows = Array.from(table.querySelectorAll('tr')).map(row =>
    Array.from(row.querySelectorAll('th, td')).map(cell =>
      clean(cell.textContent ?? '')
    )
  );
  const width = Math.max(0, ...rows.map(row => row.length));
  if (width === 0) {
    return '';
  }
  const padded = rows.map(row => [
    ...row,
    ...new Array<string>(width - row.length).fill('')
  ]);
  const [header, ...body] = padded;
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(new Array<string>(width).fill('---')),
    ...body.map(line)
  ].join('\n');
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}
