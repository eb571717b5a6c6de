/**
 * Real-time collaboration on (`jupyter-collaboration` 5 in build/venv-rtc,
 * with the wheel): an agent's edits through the page's model reach a second
 * browser, the user's, through the collaboration server; the user typing
 * there while the agent edits the same notebook loses nothing, and the file
 * the server saves is a valid notebook with both.
 */
import type { Browser, Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  notebookCells,
  openPairedPage,
  readWholeJson,
  startBridgeEnv,
  test,
  textOf,
  VENVS,
  watchConsole,
  type IRunningBridgeEnv
} from '../fixtures';

interface ISavedNotebook {
  nbformat: number;
  nbformat_minor: number;
  cells: {
    id: string;
    cell_type: string;
    source: string | string[];
    outputs?: { text?: string | string[] }[];
  }[];
}

test.describe.configure({ mode: 'serial' });

let env: IRunningBridgeEnv;

test.beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-state-'));
  env = await startBridgeEnv({
    venv: VENVS.rtc,
    stateDir,
    // The collaboration server's store of document updates (by default
    // .jupyter_ystore.db in the folder the server was started from).
    args: [`--SQLiteYStore.db_path=${join(stateDir, 'ystore.db')}`]
  });
});

test.afterAll(async () => {
  writeFileSync(
    test.info().outputPath('jupyter-server.log'),
    env?.server.log() ?? ''
  );
  await env?.stop();
});

/**
 * Write a notebook of code cells into the server root.
 */
function writeNotebook(path: string, sources: string[]): void {
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
      cells: sources.map((source, index) => ({
        id: `cell-${index}`,
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      }))
    })
  );
}

/**
 * The user's own browser (no bridge token: its bridge stays off), on the
 * notebook `path`, once the collaboration server has given it the cells.
 */
async function userBrowser(
  browser: Browser,
  path: string,
  errors: string[]
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  watchConsole(page, errors);
  await page.goto(
    `${env.labUrl}/lab/workspaces/user${Date.now()}/tree/${path}?token=${env.labToken}`
  );
  await expect((await notebookCells(page, path)).first()).toBeVisible({
    timeout: 60_000
  });
  return page;
}

/**
 * The sources of the cells of notebook `path` open in `page`, in order.
 */
async function pageSources(page: Page, path: string): Promise<string[]> {
  return page.evaluate(p => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<{
              context?: {
                path: string;
                model: { sharedModel: { cells: { getSource(): string }[] } };
              };
            }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === p) {
        return widget.context.model.sharedModel.cells.map(cell =>
          cell.getSource()
        );
      }
    }
    return [];
  }, path);
}

/**
 * Whether the notebook `path` open in `page` is a collaborative document.
 */
async function collaborative(page: Page, path: string): Promise<boolean> {
  return page.evaluate(p => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<{
              context?: { path: string; model: { collaborative: boolean } };
            }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === p) {
        return widget.context.model.collaborative;
      }
    }
    return false;
  }, path);
}

test("the collaboration server is on, and an agent's edits and outputs reach the user's other browser", async ({
  page,
  browser,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  const path = 'rtc.ipynb';
  writeNotebook(path, ['a = 1']);
  await openPairedPage(page, env, `rtc${Date.now()}`);
  const user = await userBrowser(browser, path, consoleErrors);
  const { client } = await connectHttp(env);
  try {
    const used = await call(client, 'use_notebook', { notebook_path: path });
    expect(used.isError, textOf(used)).toBeFalsy();
    // The notebook's model is the collaboration server's shared document.
    expect(await collaborative(page, path)).toBe(true);
    expect(await collaborative(user, path)).toBe(true);
    const inserted = await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'print("from the agent", a + 41)'
    });
    expect(inserted.isError, textOf(inserted)).toBeFalsy();
    await expect
      .poll(() => pageSources(user, path))
      .toEqual(['a = 1', 'print("from the agent", a + 41)']);
    const ran = await call(client, 'execute_cell', { cell_index: 0 });
    expect(ran.structuredContent).toMatchObject({ state: 'ok' });
    const printed = await call(client, 'execute_cell', { cell_index: 1 });
    expect(textOf(printed)).toContain('from the agent 42');
    await expect(
      user
        .locator('.jp-Notebook .jp-Cell')
        .nth(1)
        .locator('.jp-OutputArea-output')
    ).toContainText('from the agent 42');
  } finally {
    await disconnect(client);
    await user.context().close();
  }
});

test('the user typing in one browser while the agent edits the same notebook loses nothing, and the saved file is valid', async ({
  page,
  browser,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  const path = 'rtc-both.ipynb';
  writeNotebook(path, ['# the agent edits this cell', '# the user types here']);
  await openPairedPage(page, env, `rtcboth${Date.now()}`);
  const user = await userBrowser(browser, path, consoleErrors);
  const { client } = await connectHttp(env);
  try {
    const used = await call(client, 'use_notebook', { notebook_path: path });
    expect(used.isError, textOf(used)).toBeFalsy();
    // The user starts typing at the end of the second cell...
    const editor = (await notebookCells(user, path))
      .nth(1)
      .locator('.cm-content');
    await editor.click();
    await user.keyboard.press('End');
    const typing = user.keyboard.type(' and keeps typing', { delay: 40 });
    // ...while the agent rewrites the first cell and adds two more.
    const agent = (async () => {
      for (const [tool, args] of [
        [
          'overwrite_cell_source',
          { cell_index: 0, cell_source: 'x = "agent 1"' }
        ],
        [
          'insert_cell',
          { cell_index: -1, cell_type: 'code', cell_source: 'y = "agent 2"' }
        ],
        [
          'insert_cell',
          { cell_index: 0, cell_type: 'code', cell_source: 'z = "agent 3"' }
        ]
      ] as const) {
        const result = await call(client, tool, args);
        expect(result.isError, textOf(result)).toBeFalsy();
      }
    })();
    await Promise.all([typing, agent]);
    const expected = [
      'z = "agent 3"',
      'x = "agent 1"',
      '# the user types here and keeps typing',
      'y = "agent 2"'
    ];
    await expect.poll(() => pageSources(user, path)).toEqual(expected);
    await expect.poll(() => pageSources(page, path)).toEqual(expected);
    // The collaboration server saves the shared document: a valid
    // notebook (nbformat 4, a unique id per cell) with everyone's work.
    await expect
      .poll(
        () => {
          const saved = readWholeJson(
            join(env.rootDir, path)
          ) as ISavedNotebook;
          return saved.cells.map(cell =>
            ([] as string[]).concat(cell.source).join('')
          );
        },
        { timeout: 30_000 }
      )
      .toEqual(expected);
    const saved = readWholeJson(join(env.rootDir, path)) as ISavedNotebook;
    expect(saved.nbformat).toBe(4);
    expect(saved.nbformat_minor).toBeGreaterThanOrEqual(5);
    const ids = saved.cells.map(cell => cell.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(id => /^[a-zA-Z0-9-_]{1,64}$/.test(id))).toBe(true);
  } finally {
    await disconnect(client);
    await user.context().close();
  }
});
