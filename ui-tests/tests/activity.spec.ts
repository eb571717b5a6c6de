/**
 * What the user sees of agents: the activity panel (clients, every call
 * with its outcome, reveal on click, disconnect), marks on touched cells
 * without losing their focus, and notifications. Schema default policy.
 */

import type { Page } from '@playwright/test';

import {
  call,
  connectHttp,
  connectStdio,
  disconnect,
  expect,
  notebookCells,
  setBridgeSettings,
  test
} from '../fixtures';
import { frontPath, writeNotebook } from '../page-helpers';

test.use({
  bridgeDefaults: {},
  // Writing a new file probes it first through the contents service
  // (FileWorkspace.stat, and the approval preview), which answers 404 and
  // Chromium logs each one. Nothing else may fail.
  allowedConsoleErrors: [
    /^Failed to load resource: the server responded with a status of 404/
  ]
});

async function openActivity(page: Page) {
  await page.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
      }
    ).jupyterapp.commands.execute('mcp-bridge:show-activity')
  );
  const panel = page.locator('.jp-McpBridge-activity');
  await expect(panel).toBeVisible();
  return panel;
}

/**
 * The notebook in front and its active cell index.
 */
async function activeCell(
  page: Page
): Promise<{ path: string | null; index: number }> {
  const path = await frontPath(page);
  const index = await page.evaluate(() => {
    const widget = (
      window as unknown as {
        jupyterapp: {
          shell: { currentWidget: { content?: { activeCellIndex: number } } };
        };
      }
    ).jupyterapp.shell.currentWidget;
    return widget.content?.activeCellIndex ?? -1;
  });
  return { path, index };
}

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test('the panel lists clients and every call with its outcome, reveals a cell on click, and disconnects a client', async ({
  lab,
  env
}) => {
  const panel = await openActivity(lab);
  const name = 'activity.ipynb';
  writeNotebook(env, name, [
    { id: 'first', type: 'code', source: 'x = 1' },
    { id: 'second', type: 'code', source: 'y = 2' },
    { id: 'third', type: 'markdown', source: '# notes' }
  ]);
  const alice = (await connectHttp(env, { name: 'alice' })).client;
  const bob = await connectStdio(env);
  try {
    const clients = panel.locator('.jp-McpBridge-client');
    await expect(
      clients
        .filter({ hasText: 'alice 1.0.0' })
        .locator('.jp-McpBridge-clientDetails')
    ).toContainText('http');
    await expect(
      clients
        .filter({ hasText: 'e2e-stdio 1.0.0' })
        .locator('.jp-McpBridge-clientDetails')
    ).toContainText('stdio');

    await call(alice, 'use_notebook', { notebook_path: name });
    const ok = await call(alice, 'overwrite_cell_source', {
      cell_id: 'third',
      cell_source: '# notes, revised'
    });
    expect(ok.isError).toBeFalsy();
    const error = await call(alice, 'read_cell', { cell_index: 7 });
    expect(error.isError).toBe(true);
    const denied = call(bob, 'write_file', { path: 'no.txt', content: 'no' });
    const dialog = lab.locator('.jp-McpBridge-approvalDialog');
    await expect(dialog).toBeVisible();
    // While it waits, the panel shows the call as waiting.
    await expect(
      panel.locator('.jp-McpBridge-call[data-tool="write_file"]')
    ).toHaveAttribute('data-outcome', 'waiting');
    await expect(panel.locator('.jp-McpBridge-pendingItem')).toContainText(
      'e2e-stdio 1.0.0 · write_file'
    );
    await dialog.getByRole('button', { name: 'Deny' }).click();
    expect((await denied).isError).toBe(true);

    // Newest first, with client, tool, target and outcome.
    const calls = panel.locator('.jp-McpBridge-call');
    await expect(calls.nth(0)).toHaveAttribute('data-tool', 'write_file');
    await expect(calls.nth(0)).toHaveAttribute('data-outcome', 'denied');
    await expect(calls.nth(0)).toContainText('e2e-stdio 1.0.0');
    await expect(calls.nth(0)).toContainText('no.txt');
    await expect(calls.nth(1)).toHaveAttribute('data-tool', 'read_cell');
    await expect(calls.nth(1)).toHaveAttribute('data-outcome', 'error');
    await expect(calls.nth(2)).toHaveAttribute(
      'data-tool',
      'overwrite_cell_source'
    );
    await expect(calls.nth(2)).toHaveAttribute('data-outcome', 'ok');
    await expect(calls.nth(2)).toContainText('alice 1.0.0');
    await expect(calls.nth(2)).toContainText(`${name}, cell 2`);
    await expect(calls.nth(3)).toHaveAttribute('data-tool', 'use_notebook');

    // The agent's notebook opened in the background: the user's tab stays.
    expect(await frontPath(lab)).not.toBe(name);
    await calls.nth(2).click();
    await expect.poll(() => activeCell(lab)).toEqual({ path: name, index: 2 });

    // Disconnect alice from the panel: her session ends at the relay.
    await clients
      .filter({ hasText: 'alice 1.0.0' })
      .getByRole('button', { name: 'Disconnect' })
      .click();
    await expect(clients.filter({ hasText: 'alice 1.0.0' })).toHaveCount(0);
    await expect(
      lab.locator('.jp-toast-message', { hasText: 'alice 1.0.0 disconnected' })
    ).toBeVisible();
    await expect(alice.listTools()).rejects.toThrow(/404|Session not found/);
    // Bob goes on.
    expect((await bob.listTools()).tools.length).toBeGreaterThan(0);
  } finally {
    await alice.close().catch(() => undefined);
    await disconnect(bob);
  }
});

test('an agent edit marks the cell with the client, and neither scrolls nor takes the focus of the cell the user types in', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'focus.ipynb';
  writeNotebook(env, name, [
    { id: 'mine', type: 'code', source: 'mine = 1' },
    { id: 'agent', type: 'code', source: 'theirs = 1' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name, activate: true });
  const cells = await notebookCells(lab, name);
  await cells.nth(0).locator('.cm-content').click();
  await lab.keyboard.press('End');
  await lab.keyboard.type('  # typing');

  const result = await call(mcp, 'overwrite_cell_source', {
    cell_id: 'agent',
    cell_source: 'theirs = 2'
  });
  expect(result.isError).toBeFalsy();
  await expect(cells.nth(1)).toHaveClass(/jp-McpBridge-agentCell/);
  await expect(cells.nth(1)).toHaveAttribute(
    'data-mcp-bridge-agent',
    'e2e-http 1.0.0'
  );
  // The user's editor still has the focus, and keeps receiving keys.
  expect(
    await cells.nth(0).evaluate(node => node.contains(document.activeElement))
  ).toBe(true);
  await lab.keyboard.type('!');
  await expect(cells.nth(0).locator('.cm-content')).toHaveText(
    'mine = 1  # typing!'
  );
  expect(await activeCell(lab)).toEqual({ path: name, index: 0 });
  // The mark is brief.
  await expect(cells.nth(1)).not.toHaveClass(/jp-McpBridge-agentCell/, {
    timeout: 10_000
  });
});

test('a client connecting shows a notification', async ({ lab, env }) => {
  const carol = (await connectHttp(env, { name: 'carol' })).client;
  try {
    await expect(
      lab.locator('.jp-toast-message', {
        hasText: 'carol 1.0.0 connected to this page'
      })
    ).toBeVisible();
    await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
      'title',
      /carol 1\.0\.0/
    );
  } finally {
    await disconnect(carol);
  }
});

test('with followAgent on, the page brings the touched notebook to the front and reveals the cell', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'follow.ipynb';
  writeNotebook(env, name, [
    { id: 'one', type: 'code', source: 'a = 1' },
    { id: 'two', type: 'code', source: 'b = 1' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const before = await frontPath(lab);
  expect(before).not.toBe(name);
  await setBridgeSettings(lab, { followAgent: true });
  await call(mcp, 'overwrite_cell_source', {
    cell_id: 'two',
    cell_source: 'b = 2'
  });
  await expect.poll(() => frontPath(lab)).toBe(name);
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(1)).toHaveClass(/jp-McpBridge-agentCell/);
  await expect(cells.nth(1)).toBeInViewport();
});
