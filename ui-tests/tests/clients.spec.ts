/**
 * Several clients at once, each with its own notebook; leaving a notebook.
 */

import {
  call,
  connectHttp,
  connectStdio,
  disconnect,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

test('two clients work on two notebooks at the same time without interfering', async ({
  lab,
  env
}) => {
  const status = lab.locator('.jp-McpBridge-status');
  const before = Number(await status.getAttribute('data-clients'));
  const alice = (await connectHttp(env, { name: 'alice' })).client;
  const bob = await connectStdio(env);
  try {
    await call(alice, 'use_notebook', { notebook_path: 'alice.ipynb' });
    await call(bob, 'use_notebook', { notebook_path: 'bob.ipynb' });
    await expect(status).toHaveAttribute('data-clients', String(before + 2));

    // Both run a slow cell at once, each in its own notebook and kernel;
    // each cell prints when it started and ended (kernel clock).
    const slow = (who: string) =>
      `import time\nprint("start", time.time(), flush=True)\nfor i in range(4):\n    print("${who}", i, flush=True)\n    time.sleep(0.5)\nowner = "${who}"\nprint("end", time.time())`;
    const [a, b] = await Promise.all([
      call(alice, 'insert_execute_code_cell', { cell_source: slow('alice') }),
      call(bob, 'insert_execute_code_cell', { cell_source: slow('bob') })
    ]);
    expect(textOf(a)).toContain('alice 3');
    expect(textOf(a)).not.toContain('bob');
    expect(textOf(b)).toContain('bob 3');
    expect(textOf(b)).not.toContain('alice');
    const span = (text: string) => ({
      start: Number(/start ([\d.]+)/.exec(text)?.[1]),
      end: Number(/end ([\d.]+)/.exec(text)?.[1])
    });
    const [sa, sb] = [span(textOf(a)), span(textOf(b))];
    // The two runs overlapped in time: neither waited for the other.
    expect(sa.start).toBeLessThan(sb.end);
    expect(sb.start).toBeLessThan(sa.end);

    // Each session's default notebook is its own.
    const readA = await call(alice, 'read_notebook', {});
    const readB = await call(bob, 'read_notebook', {});
    expect(readA.structuredContent).toMatchObject({ path: 'alice.ipynb' });
    expect(readB.structuredContent).toMatchObject({ path: 'bob.ipynb' });
    const ownerA = await call(alice, 'execute_code', { code: 'print(owner)' });
    const ownerB = await call(bob, 'execute_code', { code: 'print(owner)' });
    expect(textOf(ownerA)).toContain('alice');
    expect(textOf(ownerB)).toContain('bob');

    const aliceCells = await notebookCells(lab, 'alice.ipynb');
    const bobCells = await notebookCells(lab, 'bob.ipynb');
    await expect(aliceCells).toHaveCount(1);
    await expect(bobCells).toHaveCount(1);
    expect(
      JSON.stringify(
        (await savedNotebook(lab, env, 'alice.ipynb')).cells[0].outputs
      )
    ).toContain('alice 3');
    expect(
      JSON.stringify(
        (await savedNotebook(lab, env, 'bob.ipynb')).cells[0].outputs
      )
    ).toContain('bob 3');
  } finally {
    await disconnect(alice);
    await disconnect(bob);
  }
});

test('unuse_notebook closes the tab, but keeps one with the user’s unsaved changes', async ({
  lab,
  env
}) => {
  const client = (await connectHttp(env)).client;
  try {
    await call(client, 'use_notebook', { notebook_path: 'leave.ipynb' });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'x = 1'
    });
    const tab = lab.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: 'leave.ipynb'
    });
    await expect(tab).toBeVisible();
    const left = await call(client, 'unuse_notebook', {});
    expect(left.structuredContent).toMatchObject({
      path: 'leave.ipynb',
      closed: true,
      session_notebook: null
    });
    await expect(tab).toHaveCount(0);
    const none = await call(client, 'read_notebook', {});
    expect(none.isError).toBe(true);
    expect(textOf(none)).toContain('call use_notebook first');

    // The user has unsaved changes: the tab stays, nothing is asked.
    await call(client, 'use_notebook', { notebook_path: 'leave.ipynb' });
    await tab.click();
    const cells = await notebookCells(lab, 'leave.ipynb');
    await cells.nth(0).locator('.cm-content').click();
    await lab.keyboard.press('End');
    await lab.keyboard.type(' + 1');
    await expect(tab).toHaveClass(/jp-mod-dirty/);
    const kept = await call(client, 'unuse_notebook', {});
    expect(kept.structuredContent).toMatchObject({ closed: false });
    expect(textOf(kept)).toContain('unsaved changes');
    await expect(tab).toBeVisible();
    await expect(lab.locator('.jp-Dialog')).toHaveCount(0);
  } finally {
    await disconnect(client);
  }
});
