/**
 * The text of the bridge's MCP prompts, made from notebook content, and
 * the filtering of completion values. Pure functions.
 */

import type * as nbformat from '@jupyterlab/nbformat';

import { cellVersion } from './cells';
import { formatError, joinText, truncateText } from './outputs';

/**
 * The outcome of {@link parseCellIndices}.
 */
export type CellIndicesParse =
  { ok: true; indices: number[] } | { ok: false; error: string };

/**
 * Parse the `cell_indices` argument of `jupyter_cite`, as the reference
 * server reads it: indexes and ranges separated by commas (`0,1,2`,
 * `0-2`, `0-2,4`), a range open at its end running to the last cell
 * (`3-`). Returns the indexes sorted, each once.
 */
export function parseCellIndices(
  text: string,
  count: number
): CellIndicesParse {
  const fail = (why: string): CellIndicesParse => ({
    ok: false,
    error: `Argument "cell_indices" ("${text}"): ${why}. Give 0-based indexes and ranges such as "0,1,2", "0-2", "0-2,4" or "3-" (to the end); the notebook has ${count} cell(s)${count ? `, indexes 0 to ${count - 1}` : ''}.`
  });
  if (!text.trim()) {
    return fail('it is empty');
  }
  if (count === 0) {
    return fail('the notebook has no cells');
  }
  const found = new Set<number>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) {
      continue;
    }
    const range = /^(\d+)\s*-\s*(\d*)$/.exec(part);
    if (range) {
      const start = Number(range[1]);
      const end = range[2] === '' ? count - 1 : Number(range[2]);
      if (end < start) {
        return fail(`the range "${part}" ends before it starts`);
      }
      if (start >= count || end >= count) {
        return fail(`the range "${part}" goes past the last cell`);
      }
      for (let i = start; i <= end; i++) {
        found.add(i);
      }
      continue;
    }
    if (!/^\d+$/.test(part)) {
      return fail(`"${part}" is not an index or a range`);
    }
    const index = Number(part);
    if (index >= count) {
      return fail(`${index} is out of range`);
    }
    found.add(index);
  }
  if (!found.size) {
    return fail('it names no cell');
  }
  return { ok: true, indices: [...found].sort((a, b) => a - b) };
}

/**
 * The text of `jupyter_cite`: the cited cells between the reference
 * server's markers (`=====Cell N | type: T | execution count: C=====`,
 * here followed by the cell's id), then the user's instruction.
 */
export function citeText(
  path: string,
  cells: readonly nbformat.ICell[],
  indices: readonly number[],
  instruction: string
): string {
  const lines = [
    `Cite cells [${indices.join(', ')}] from notebook ${path}; here are the cells:`
  ];
  for (const index of indices) {
    const cell = cells[index];
    const count =
      cell.cell_type === 'code' && typeof cell.execution_count === 'number'
        ? String(cell.execution_count)
        : 'N/A';
    lines.push(
      `=====Cell ${index} | type: ${cell.cell_type} | execution count: ${count} | id: ${cell.id ?? ''}=====`,
      joinText(cell.source)
    );
  }
  lines.push(
    '=====End of Cited Cells=====',
    `The user's instruction: ${instruction}`
  );
  return lines.join('\n');
}

/**
 * The indexes of the code cells whose outputs hold an error.
 */
export function errorCells(cells: readonly nbformat.ICell[]): number[] {
  const found: number[] = [];
  cells.forEach((cell, index) => {
    if (Private.errorOf(cell)) {
      found.push(index);
    }
  });
  return found;
}

/**
 * What an error prompt needs of the notebook.
 */
export interface IErrorPromptInput {
  path: string;
  /** The notebook's language (from its kernel or metadata). */
  language: string;
  index: number;
  cell: nbformat.ICell;
  /** Indexes of the cells with an error output (to name them in a refusal). */
  cellsWithErrors: readonly number[];
  /** Characters kept of the source and of the traceback each. */
  maxChars: number;
}

/**
 * The text of `explain_cell_error` (`fix: false`) or `fix_cell_error`, or
 * an error message when the cell holds no error output.
 */
export function errorPromptText(
  input: IErrorPromptInput,
  fix: boolean
): { ok: true; text: string } | { ok: false; error: string } {
  const { cell, index, path } = input;
  const error = Private.errorOf(cell);
  if (!error) {
    const others = input.cellsWithErrors.length
      ? `cells with an error: ${input.cellsWithErrors.join(', ')}`
      : 'no cell of it shows an error';
    return {
      ok: false,
      error: `Cell ${index} (id ${cell.id ?? ''}, ${cell.cell_type}) of "${path}" shows no error; ${others}. Pass "cell_index" to pick one.`
    };
  }
  const source = joinText(cell.source);
  const version = cellVersion(cell.cell_type, source);
  const ask = fix
    ? `Fix the error of cell ${index} (id ${cell.id ?? ''}) of the notebook "${path}". Find the cause first (read other cells with read_cell or read_notebook when it lies in them), then change the cell with overwrite_cell_source or edit_cell_source, passing cell_id "${cell.id ?? ''}" and expected_version "${version}" so that nothing the user typed meanwhile is overwritten, and run it again with execute_cell. Say what you changed and why.`
    : `Explain the error of cell ${index} (id ${cell.id ?? ''}) of the notebook "${path}" in plain words: what went wrong, why, and how it could be fixed. Do not change the notebook.`;
  const fence = '```';
  return {
    ok: true,
    text: [
      ask,
      '',
      `Source (${input.language}, version ${version}):`,
      `${fence}${input.language}`,
      truncateText(source, input.maxChars),
      fence,
      '',
      'Error:',
      fence,
      truncateText(formatError(error), input.maxChars),
      fence
    ].join('\n')
  };
}

/**
 * The text of `summarize_notebook`: what to summarize, then the notebook
 * (as its notebook:// resource reads), cut at `maxChars` with a note.
 */
export function summaryText(
  path: string,
  notebookText: string,
  focus: string,
  maxChars: number
): string {
  const ask = `Summarize the notebook "${path}": what it is for, the data it uses, what each part does, the results its outputs show, and what looks wrong or unfinished (errors, cells not run yet).${
    focus ? ` Focus on: ${focus}` : ''
  } The notebook follows, as its resource notebook:// reads.`;
  const body =
    notebookText.length > maxChars
      ? `${notebookText.slice(0, maxChars)}\n\n(The notebook was cut at ${maxChars} characters: read the rest with read_notebook.)`
      : notebookText;
  return `${ask}\n\n${body}`;
}

/**
 * At most this many completion values are returned (the specification's
 * limit).
 */
export const MAX_COMPLETIONS = 100;

/**
 * The values starting with `prefix` (case-insensitively), each once, in
 * order, at most {@link MAX_COMPLETIONS}; with the total and whether more
 * were left out.
 */
export function completeFrom(
  candidates: Iterable<string>,
  prefix: string
): { values: string[]; total: number; hasMore: boolean } {
  const wanted = prefix.toLowerCase();
  const seen = new Set<string>();
  for (const value of candidates) {
    if (value.toLowerCase().startsWith(wanted)) {
      seen.add(value);
    }
  }
  const all = [...seen];
  return {
    values: all.slice(0, MAX_COMPLETIONS),
    total: all.length,
    hasMore: all.length > MAX_COMPLETIONS
  };
}

namespace Private {
  /**
   * The first error output of a code cell, if any.
   */
  export function errorOf(cell: nbformat.ICell): nbformat.IError | null {
    if (cell.cell_type !== 'code') {
      return null;
    }
    const outputs = (cell as nbformat.ICodeCell).outputs ?? [];
    const error = outputs.find(output => output.output_type === 'error');
    return (error as nbformat.IError | undefined) ?? null;
  }
}
