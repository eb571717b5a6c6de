/**
 * Execution: timeouts with partial output, runs collected later,
 * cancellation interrupting the kernel, input(), scratch code.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

const COUNTING =
  'import time\nfor i in range(8):\n    print(f"tick {i}", flush=True)\n    time.sleep(0.5)';

test('a timeout returns the outputs so far; the run is collected later', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'timeout.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  // Let the new kernel finish starting, so the timeout measures the cell.
  await call(client, 'execute_code', { code: 'pass' });
  const first = await call(client, 'insert_execute_code_cell', {
    cell_source: COUNTING,
    timeout_seconds: 1.6
  });
  const partial = first.structuredContent as {
    execution_id: string;
    state: string;
    id: string;
  };
  expect(partial.state).toBe('running');
  expect(textOf(first)).toContain('still running');
  expect(textOf(first)).toContain('tick 0');
  expect(textOf(first)).not.toContain('tick 7');

  const done = await call(client, 'get_execution_result', {
    execution_id: partial.execution_id,
    timeout_seconds: 30
  });
  expect(done.structuredContent).toMatchObject({
    state: 'ok',
    id: partial.id,
    execution_count: 1
  });
  expect(textOf(done)).toContain('tick 7');
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(0).locator('.jp-OutputArea-output')).toContainText(
    'tick 7'
  );
  expect(
    JSON.stringify((await savedNotebook(lab, env, name)).cells[0].outputs)
  ).toContain('tick 7');
});

test('wait: false returns at once; on_timeout interrupt stops the kernel', async ({
  lab,
  mcp: client
}) => {
  const name = 'nowait.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: COUNTING
  });
  const started = await call(client, 'execute_cell', {
    cell_index: 0,
    wait: false
  });
  const run = started.structuredContent as {
    execution_id: string;
    state: string;
  };
  // Queued until the kernel takes it up, then running.
  expect(['queued', 'running']).toContain(run.state);
  expect(textOf(started)).toContain('get_execution_result');
  const again = await call(client, 'execute_cell', { cell_index: 0 });
  expect(again.isError).toBe(true);
  expect(textOf(again)).toContain('already running');
  const collected = await call(client, 'get_execution_result', {
    execution_id: run.execution_id,
    timeout_seconds: 30
  });
  expect(collected.structuredContent).toMatchObject({ state: 'ok' });

  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'import time\ntime.sleep(60)'
  });
  const interrupted = await call(client, 'execute_cell', {
    cell_index: 1,
    timeout_seconds: 1,
    on_timeout: 'interrupt'
  });
  expect(interrupted.structuredContent).toMatchObject({ state: 'interrupted' });
  expect(textOf(interrupted)).toContain('KeyboardInterrupt');
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(1).locator('.jp-OutputArea-output')).toContainText(
    'KeyboardInterrupt'
  );

  const unknown = await call(client, 'get_execution_result', {
    execution_id: 'exec-nope'
  });
  expect(unknown.isError).toBe(true);
});

test('cancelling the call interrupts the kernel', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'cancel.ipynb';
  // The cell tells (by a file) when it is in its own code.
  const started = join(env.rootDir, 'cancel.started');
  await call(client, 'use_notebook', { notebook_path: name });
  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: `import pathlib, time\npathlib.Path(${JSON.stringify(started)}).touch()\ntime.sleep(60)`
  });
  const controller = new AbortController();
  const pending = client.callTool(
    { name: 'execute_cell', arguments: { cell_index: 0 } },
    undefined,
    { signal: controller.signal }
  );
  await expect.poll(() => existsSync(started)).toBe(true);
  controller.abort();
  await expect(pending).rejects.toThrow();
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(0).locator('.jp-OutputArea-output')).toContainText(
    'KeyboardInterrupt'
  );
  // The kernel is free again.
  const next = await call(client, 'execute_code', { code: 'print(6 * 7)' });
  expect(textOf(next)).toContain('42');
});

test('input() is answered through the page instead of hanging', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'input.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  const asked = await call(client, 'insert_execute_code_cell', {
    cell_source: 'name = input("Your name? ")\nprint("hello " + name)',
    timeout_seconds: 30
  });
  const waiting = asked.structuredContent as {
    execution_id: string;
    state: string;
    input_prompt: string;
  };
  expect(waiting.state).toBe('waiting_for_input');
  expect(waiting.input_prompt).toBe('Your name? ');
  await lab
    .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: name })
    .click();
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(0).locator('input.jp-Stdin-input')).toBeVisible();

  const answered = await call(client, 'send_input', {
    execution_id: waiting.execution_id,
    value: 'Ada'
  });
  expect(answered.structuredContent).toMatchObject({ state: 'ok' });
  expect(textOf(answered)).toContain('hello Ada');
  await expect(cells.nth(0).locator('.jp-OutputArea')).toContainText(
    'hello Ada'
  );
  expect(
    JSON.stringify((await savedNotebook(lab, env, name)).cells[0].outputs)
  ).toContain('hello Ada');
});

test('execute_code runs scratch code with magics and shell commands, adding no cell', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'scratch.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  await call(client, 'insert_execute_code_cell', { cell_source: 'x = 21' });
  const before = JSON.stringify(await savedNotebook(lab, env, name));

  const result = await call(client, 'execute_code', {
    code: 'print(x * 2)\n%time y = 1\n!echo shell-ok'
  });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({ state: 'ok' });
  const text = textOf(result);
  expect(text).toContain('42');
  expect(text).toContain('Wall time');
  expect(text).toContain('shell-ok');

  const failed = await call(client, 'execute_code', { code: 'undefined_name' });
  expect(textOf(failed)).toContain(
    "NameError: name 'undefined_name' is not defined"
  );

  const noInput = await call(client, 'execute_code', { code: 'input("?")' });
  expect(textOf(noInput)).toContain('StdinNotImplementedError');

  const cells = await notebookCells(lab, name);
  await expect(cells).toHaveCount(1);
  expect(JSON.stringify(await savedNotebook(lab, env, name))).toBe(before);

  const all = await call(client, 'notebook_run-all-cells', {});
  expect(all.structuredContent).toMatchObject({ status: 'ok' });
});

test('runs are bounded: a page keeps its last 100, and says so of older ones', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'many-runs.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'n = 0'
  });
  const ids: string[] = [];
  for (let i = 0; i < 105; i++) {
    const run = await call(client, 'execute_cell', { cell_index: 0 });
    expect(run.isError, textOf(run)).toBeFalsy();
    ids.push((run.structuredContent as { execution_id: string }).execution_id);
  }
  const oldest = await call(client, 'get_execution_result', {
    execution_id: ids[0]
  });
  expect(oldest.isError).toBe(true);
  expect(textOf(oldest)).toContain('a page keeps its last 100 finished runs');
  const kept = await call(client, 'get_execution_result', {
    execution_id: ids[5]
  });
  expect(kept.isError, textOf(kept)).toBeFalsy();
  expect(kept.structuredContent).toMatchObject({ state: 'ok' });
  const newest = await call(client, 'get_execution_result', {
    execution_id: ids[104]
  });
  expect(newest.structuredContent).toMatchObject({
    state: 'ok',
    execution_count: 105
  });
  await expect(
    (await notebookCells(lab, name)).nth(0).locator('.jp-InputPrompt')
  ).toContainText('[105]');
  expect((await savedNotebook(lab, env, name)).cells[0].execution_count).toBe(
    105
  );
});
