/**
 * A client's session survives a reload of the page: the relay replays the
 * session to the reloaded page, which finds the session's state again.
 */

import {
  call,
  connectHttp,
  disconnect,
  expect,
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
