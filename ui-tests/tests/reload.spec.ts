/**
 * A client's session survives a reload of the page: the relay replays the
 * session to the reloaded page, which finds the session's state again. A
 * call cut off by the reload says what it had done; a client that goes away
 * during a run leaves nothing pending in the page.
 */

import type { Page } from '@playwright/test';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

test('a session goes on, with its notebook, after the page reloads', async ({
  lab,
  env
}) => {
  const { client } = await connectHttp(env);
  try {
    await call(client, 'use_notebook', { notebook_path: 'survivor.ipynb' });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'print("still here")'
    });

    // (A reload before the background save ends would lose the edit, and
    // JupyterLab would ask the user first.)
    await savedNotebook(lab, env, 'survivor.ipynb');
    await lab.reload();
    // The token was stored by the pairing link: the page reconnects by itself.
    await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected',
      { timeout: 60_000 }
    );

    // Same session, no new initialize: the default notebook is remembered.
    const read = await call(client, 'read_notebook', {});
    expect(read.isError).toBeFalsy();
    expect(read.structuredContent).toMatchObject({
      path: 'survivor.ipynb',
      total_cells: 1
    });
    const run = await call(client, 'execute_cell', { cell_index: 0 });
    expect(textOf(run)).toContain('still here');
    expect(
      JSON.stringify(
        (await savedNotebook(lab, env, 'survivor.ipynb')).cells[0].outputs
      )
    ).toContain('still here');
  } finally {
    await disconnect(client);
  }
});

/**
 * The bridge's activity log in the page (the IMcpBridge token).
 */
function activity(
  page: Page
): Promise<{ tool: string; outcome: string; message: string }[]> {
  return page.evaluate(async () => {
    const registry = (
      window as unknown as {
        jupyterapp: {
          pluginRegistry: {
            _services: Map<{ name: string }, string>;
            resolveRequiredService(token: unknown): Promise<{
              activity: {
                entries: { tool: string; outcome: string; message: string }[];
              };
            }>;
          };
        };
      }
    ).jupyterapp.pluginRegistry;
    const token = [...registry._services.keys()].find(
      key => key.name === 'jupyterlab-mcp-bridge-extension:IMcpBridge'
    );
    const bridge = await registry.resolveRequiredService(token);
    return bridge.activity.entries.map(({ tool, outcome, message }) => ({
      tool,
      outcome,
      message
    }));
  });
}

test('a reload during execute_cell fails the call saying the run was sent to the kernel; the session goes on', async ({
  lab,
  env
}) => {
  const { client } = await connectHttp(env);
  const name = 'reloaded-run.ipynb';
  try {
    await call(client, 'use_notebook', { notebook_path: name });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'import time\ntime.sleep(3)\nprint("slept")'
    });
    await savedNotebook(lab, env, name);
    // The call's error, when the relay answers it (during the reload).
    const running = call(client, 'execute_cell', { cell_index: 0 }).then(
      () => '',
      (reason: Error) => reason.message
    );
    await expect(
      (await notebookCells(lab, name)).nth(0).locator('.jp-InputPrompt')
    ).toContainText('[*]');
    await lab.reload();
    const error = await running;
    expect(error).toContain('went away');
    expect(error).toMatch(
      /Cell 0 \(id [^)]+\) was sent to the kernel as run (\S+):/
    );
    expect(error).not.toContain('may have been applied');
    const runId = /as run (\S+):/.exec(error)?.[1] ?? '';

    await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected',
      { timeout: 60_000 }
    );
    // The session goes on in the reloaded page, which knows of the run.
    const collect = await call(client, 'get_execution_result', {
      execution_id: runId
    });
    expect(collect.isError).toBe(true);
    expect(textOf(collect)).toContain('has since closed or reloaded');
    const again = await call(client, 'execute_cell', {
      cell_index: 0,
      timeout_seconds: 60
    });
    expect(again.isError, textOf(again)).toBeFalsy();
    expect(textOf(again)).toContain('slept');
  } finally {
    await disconnect(client);
  }
});

test('a client that goes away during a long run leaves nothing pending in the page; the run goes on', async ({
  lab,
  env
}) => {
  const status = lab.locator('.jp-McpBridge-status');
  const clientsBefore = await status.getAttribute('data-clients');
  const { client } = await connectHttp(env);
  const name = 'abandoned-run.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'import time\ntime.sleep(2)\nprint("finished alone")'
  });
  // Its answer is an error once the session ended; nobody reads it.
  const running = call(client, 'execute_cell', { cell_index: 0 }).catch(
    () => undefined
  );
  const cell = (await notebookCells(lab, name)).nth(0);
  await expect(cell.locator('.jp-InputPrompt')).toContainText('[*]');
  await expect
    .poll(async () => (await activity(lab))[0])
    .toMatchObject({ tool: 'execute_cell', outcome: 'running' });
  // The client ends its session mid-run.
  await disconnect(client);
  await running;

  // The call is over in the page at once, and the client is gone...
  await expect
    .poll(async () => (await activity(lab))[0])
    .toMatchObject({
      tool: 'execute_cell',
      outcome: 'error',
      message: expect.stringContaining('the run goes on in the page')
    });
  await expect(status).toHaveAttribute('data-clients', clientsBefore ?? '0');
  // ...while the cell was not interrupted: it ends normally, for the user.
  await expect(cell.locator('.jp-OutputArea')).toContainText('finished alone');
  await expect(cell.locator('.jp-InputPrompt')).toContainText(/\[\d+\]/);
  expect(
    JSON.stringify((await savedNotebook(lab, env, name)).cells[0].outputs)
  ).toContain('finished alone');
});
