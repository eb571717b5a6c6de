/**
 * The short end-to-end check every host of the matrix runs: an agent
 * creates a notebook, inserts and runs a cell; the result, the page and the
 * file on disk all show it.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';

import { call, expect, notebookCells, textOf } from '../fixtures';

/**
 * Run the check in notebook `path` (relative to the server root); `saved`
 * reads the file as the server saved it.
 */
export async function agentRunsACell(
  client: Client,
  page: Page,
  path: string,
  saved: () => Promise<{
    cells: { source: string | string[]; outputs?: unknown[] }[];
  }>
): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map(tool => tool.name)).toEqual(
    expect.arrayContaining(['use_notebook', 'insert_execute_code_cell'])
  );
  const used = await call(client, 'use_notebook', { notebook_path: path });
  expect(used.isError, textOf(used)).toBeFalsy();
  expect(used.structuredContent).toMatchObject({ path, created: true });
  const run = await call(client, 'insert_execute_code_cell', {
    cell_source: 'print(6 * 7)'
  });
  expect(run.isError, textOf(run)).toBeFalsy();
  expect(run.structuredContent).toMatchObject({
    state: 'ok',
    execution_count: 1
  });
  expect(textOf(run)).toContain('42');
  const name = path.split('/').pop() ?? path;
  const cells = await notebookCells(page, name);
  await expect(cells.first().locator('.jp-OutputArea-output')).toContainText(
    '42'
  );
  await expect
    .poll(async () => {
      const notebook = await saved();
      return notebook.cells.map(cell => ({
        source: ([] as string[]).concat(cell.source).join(''),
        outputs: JSON.stringify(cell.outputs ?? [])
      }));
    })
    .toEqual([
      { source: 'print(6 * 7)', outputs: expect.stringContaining('42') }
    ]);
}
