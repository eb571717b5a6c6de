/**
 * Jupyter Notebook 7 (the `notebook` package beside JupyterLab in the stock
 * environment, served by the same server at `/tree` and `/notebooks/...`):
 * the extension loads in its tree and notebook pages, shows its state in
 * the top bar (Notebook 7 has no status bar), and an agent reads, edits and
 * runs the notebook open in a notebook page. What Notebook 7 cannot do (a
 * page opening another notebook) is refused with a clear error.
 */
import type { Page } from '@playwright/test';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  acceptOwnRelay,
  call,
  connectHttp,
  disconnect,
  expect,
  test,
  textOf,
  watchConsole,
  type IBridgeEnv
} from '../fixtures';

// Notebook 7.6.5's own pages throw this while they load settings, with or
// without this extension (seen with it disabled in page_config.json).
test.use({
  allowedConsoleErrors: [
    /^TypeError: Cannot read properties of undefined \(reading 'schema'\)$/
  ]
});

/**
 * Open a Notebook 7 page (`/tree` or `/notebooks/<path>`) with the
 * pairing fragment, and wait until it restored and the bridge connected.
 */
async function openNotebookPage(
  page: Page,
  env: IBridgeEnv,
  route: string
): Promise<void> {
  await page.goto(
    `${env.labUrl}/${route}?token=${env.labToken}` +
      `#mcp-bridge-url=${encodeURIComponent(env.relayUrl)}&mcp-bridge-token=${env.token}`
  );
  await page.waitForFunction(
    () => !!(window as unknown as { jupyterapp?: unknown }).jupyterapp
  );
  const name = await page.evaluate(async () => {
    const app = (
      window as unknown as {
        jupyterapp: { restored: Promise<void>; name: string };
      }
    ).jupyterapp;
    await app.restored;
    return app.name;
  });
  expect(name).toBe('Jupyter Notebook');
  await acceptOwnRelay(page, env.relayUrl);
  await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
}

/**
 * Write a one-cell Python notebook into the server root.
 */
function writeNotebook(env: IBridgeEnv, path: string): void {
  writeFileSync(
    join(env.rootDir, path),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3 (ipykernel)',
          language: 'python'
        }
      },
      cells: [
        {
          id: 'first',
          cell_type: 'code',
          source: 'x = 20',
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ]
    })
  );
}

test('the extension loads in the tree page and shows its state in the top bar', async ({
  page,
  env,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  await openNotebookPage(page, env, 'tree');
  const plugins = await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { listPlugins(): string[] } }
    ).jupyterapp
      .listPlugins()
      .filter(id => id.startsWith('jupyterlab-mcp-bridge-extension:'))
  );
  expect(plugins.sort()).toEqual([
    'jupyterlab-mcp-bridge-extension:activity',
    'jupyterlab-mcp-bridge-extension:plugin',
    'jupyterlab-mcp-bridge-extension:status'
  ]);
  await expect(page.locator('#top-panel .jp-McpBridge-status')).toBeVisible();
  await expect(page.locator('.jp-McpBridge-status')).toContainText('MCP');
});

test('an agent reads, edits and runs the notebook open in a notebook page; the page and the file show it', async ({
  page,
  env,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  const path = 'nb7.ipynb';
  writeNotebook(env, path);
  await openNotebookPage(page, env, `notebooks/${path}`);
  const { client } = await connectHttp(env);
  try {
    const listed = await call(client, 'list_notebooks');
    expect(listed.structuredContent).toMatchObject({
      notebooks: [{ path, cell_count: 1 }]
    });
    const used = await call(client, 'use_notebook', { notebook_path: path });
    expect(used.isError, textOf(used)).toBeFalsy();
    expect(used.structuredContent).toMatchObject({ path, created: false });

    const read = await call(client, 'read_cell', { cell_id: 'first' });
    expect(read.structuredContent).toMatchObject({ source: 'x = 20' });
    const edited = await call(client, 'overwrite_cell_source', {
      cell_id: 'first',
      cell_source: 'x = 21'
    });
    expect(edited.isError, textOf(edited)).toBeFalsy();
    const run = await call(client, 'insert_execute_code_cell', {
      cell_source: 'x * 2'
    });
    expect(run.isError, textOf(run)).toBeFalsy();
    // x was never run: a NameError; then JupyterLab's "Run All" runs both.
    expect(run.structuredContent).toMatchObject({ state: 'error' });
    expect(textOf(run)).toContain("NameError: name 'x' is not defined");
    const all = await call(client, 'notebook_run-all-cells', {});
    expect(all.isError, textOf(all)).toBeFalsy();
    expect(textOf(all)).toContain('42');

    const cells = page.locator('.jp-Notebook .jp-Cell');
    await expect(cells).toHaveCount(2);
    await expect(cells.nth(0)).toContainText('x = 21');
    await expect(cells.nth(1).locator('.jp-OutputArea-output')).toHaveText(
      '42'
    );
    await expect
      .poll(() => {
        const saved = env.readNotebook(path);
        return saved.cells.map(cell => ({
          source: ([] as string[]).concat(cell.source).join(''),
          text: JSON.stringify(cell.outputs ?? [])
        }));
      })
      .toEqual([
        { source: 'x = 21', text: '[]' },
        { source: 'x * 2', text: expect.stringContaining('42') }
      ]);
  } finally {
    await disconnect(client);
  }
});

test('opening another notebook from a Notebook 7 page is refused with what to do, and nothing changes', async ({
  page,
  env,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  const path = 'nb7-own.ipynb';
  writeNotebook(env, path);
  await openNotebookPage(page, env, `notebooks/${path}`);
  const popups: string[] = [];
  page.context().on('page', other => popups.push(other.url()));
  const { client } = await connectHttp(env);
  try {
    const refused = await call(client, 'use_notebook', {
      notebook_path: 'elsewhere.ipynb'
    });
    expect(refused.isError).toBe(true);
    const text = textOf(refused);
    expect(text).toContain('This page is Jupyter Notebook');
    expect(text).toContain('nothing was changed');
    expect(text).toContain(`"${path}"`);
    expect(existsSync(join(env.rootDir, 'elsewhere.ipynb'))).toBe(false);
    // The page's own notebook still works.
    const read = await call(client, 'read_notebook', { notebook_path: path });
    expect(read.isError, textOf(read)).toBeFalsy();
    expect(popups).toEqual([]);
  } finally {
    await disconnect(client);
  }
});
