/**
 * A second kernel language: R (Debian's `r-cran-irkernel`, kernelspec
 * `ir`), through every tool that touches the kernel: execute_cell with
 * outputs and errors, execute_code, list_kernels, change_kernel,
 * restart_notebook, interrupt_kernel, and inspect_variables, which says
 * clearly that it supports Python only.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

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

let client: Client;

test.beforeEach(async ({ env, lab }) => {
  expect(lab).toBeTruthy();
  client = (await connectHttp(env)).client;
});

test.afterEach(async () => {
  await disconnect(client);
});

/**
 * Create an R notebook for the session and wait until its kernel is idle.
 */
async function useRNotebook(path: string): Promise<string> {
  const used = await call(client, 'use_notebook', {
    notebook_path: path,
    kernel_name: 'ir'
  });
  expect(used.isError, textOf(used)).toBeFalsy();
  expect(used.structuredContent).toMatchObject({
    path,
    created: true,
    kernel: { name: 'ir' }
  });
  return (used.structuredContent as { kernel: { id: string } }).kernel.id;
}

test('list_kernels shows the R kernelspec; execute_cell runs R with outputs and errors; execute_code runs scratch R', async ({
  lab,
  env
}) => {
  const listed = await call(client, 'list_kernels');
  expect(listed.structuredContent).toMatchObject({
    kernelspecs: expect.arrayContaining([
      expect.objectContaining({ name: 'ir', display_name: 'R', language: 'R' })
    ])
  });

  const path = 'r-cells.ipynb';
  const kernelId = await useRNotebook(path);
  const after = await call(client, 'list_kernels');
  expect(
    (
      after.structuredContent as {
        kernels: { id: string; name: string; open_notebooks: string[] }[];
      }
    ).kernels.find(kernel => kernel.id === kernelId)
  ).toMatchObject({ name: 'ir', open_notebooks: [path] });

  const ok = await call(client, 'insert_execute_code_cell', {
    cell_source:
      'x <- c(1, 2, 3)\nprint(sum(x))\ndata.frame(a = 1:2, b = c("u", "v"))'
  });
  expect(ok.isError, textOf(ok)).toBeFalsy();
  expect(ok.structuredContent).toMatchObject({
    state: 'ok',
    execution_count: 1
  });
  expect(textOf(ok)).toContain('[1] 6');
  // IRkernel shows a data.frame as a table (HTML, markdown, LaTeX, text).
  expect(textOf(ok)).toMatch(/\| *a *\| *b *\|/);

  const failed = await call(client, 'insert_execute_code_cell', {
    cell_source: 'stop("no such thing in R")'
  });
  expect(failed.isError, textOf(failed)).toBeFalsy();
  expect(failed.structuredContent).toMatchObject({ state: 'error' });
  expect(textOf(failed)).toContain('no such thing in R');

  const scratch = await call(client, 'execute_code', {
    code: 'cat(mean(x) * 21)'
  });
  expect(scratch.isError, textOf(scratch)).toBeFalsy();
  expect(textOf(scratch)).toContain('42');

  const cells = await notebookCells(lab, path);
  await expect(cells).toHaveCount(2);
  await expect(
    cells.nth(0).locator('.jp-OutputArea-output').first()
  ).toContainText('[1] 6');
  await expect(cells.nth(1).locator('.jp-OutputArea-output')).toContainText(
    'no such thing in R'
  );
  const saved = await savedNotebook(lab, env, path);
  expect(saved.metadata.kernelspec?.name).toBe('ir');
  expect(saved.cells.map(cell => cell.execution_count)).toEqual([1, 2]);
  expect(JSON.stringify(saved.cells[0].outputs)).toContain('[1] 6');
  expect(saved.cells[1].outputs?.[0]?.output_type).toBe('error');
});

test('interrupt_kernel stops a sleeping R cell; restart_notebook clears its variables and keeps the kernel', async ({
  lab
}) => {
  const path = 'r-control.ipynb';
  const kernelId = await useRNotebook(path);
  await call(client, 'execute_code', { code: 'kept <- "still here"' });
  const started = await call(client, 'insert_execute_code_cell', {
    cell_source: 'Sys.sleep(60)',
    wait: false
  });
  expect(started.isError, textOf(started)).toBeFalsy();
  const executionId = (started.structuredContent as { execution_id: string })
    .execution_id;
  const running = await call(client, 'get_execution_result', {
    execution_id: executionId,
    timeout_seconds: 1
  });
  expect(running.structuredContent).toMatchObject({ state: 'running' });

  const interrupted = await call(client, 'interrupt_kernel', {});
  expect(interrupted.isError, textOf(interrupted)).toBeFalsy();
  expect(interrupted.structuredContent).toMatchObject({
    interrupted_executions: [executionId]
  });
  const collected = await call(client, 'get_execution_result', {
    execution_id: executionId,
    timeout_seconds: 20
  });
  expect(collected.structuredContent).toMatchObject({ state: 'interrupted' });
  expect(
    (collected.structuredContent as { elapsed_seconds: number }).elapsed_seconds
  ).toBeLessThan(30);
  const check = await call(client, 'execute_code', { code: 'cat(kept)' });
  expect(textOf(check)).toContain('still here');

  const restarted = await call(client, 'restart_notebook', {});
  expect(restarted.isError, textOf(restarted)).toBeFalsy();
  expect(restarted.structuredContent).toMatchObject({
    kernel: { id: kernelId, name: 'ir', status: 'idle' }
  });
  const gone = await call(client, 'execute_code', {
    code: 'cat(exists("kept"))'
  });
  expect(textOf(gone)).toContain('FALSE');
  const cells = await notebookCells(lab, path);
  await expect(cells).toHaveCount(1);
});

test('change_kernel switches a notebook between Python and R; inspect_variables says R is not supported', async ({
  lab,
  env
}) => {
  const path = 'r-change.ipynb';
  const used = await call(client, 'use_notebook', {
    notebook_path: path,
    kernel_name: 'python3'
  });
  expect(used.isError, textOf(used)).toBeFalsy();
  const changed = await call(client, 'change_kernel', { kernel_name: 'ir' });
  expect(changed.isError, textOf(changed)).toBeFalsy();
  expect(changed.structuredContent).toMatchObject({
    changed: true,
    previous_kernel: 'python3',
    kernel: { name: 'ir', display_name: 'R' }
  });
  const ran = await call(client, 'insert_execute_code_cell', {
    cell_source: 'cat(R.version$language)'
  });
  expect(textOf(ran)).toContain('R');
  expect(ran.structuredContent).toMatchObject({ state: 'ok' });
  const saved = await savedNotebook(lab, env, path);
  expect(saved.metadata.kernelspec?.name).toBe('ir');

  const inspected = await call(client, 'inspect_variables', {});
  expect(inspected.isError).toBe(true);
  expect(textOf(inspected)).toContain(
    'inspect_variables is not supported for language "R"'
  );
  expect(textOf(inspected)).toContain('execute_code');

  const back = await call(client, 'change_kernel', { kernel_name: 'python3' });
  expect(back.structuredContent).toMatchObject({
    changed: true,
    previous_kernel: 'ir',
    kernel: { name: 'python3' }
  });
  const python = await call(client, 'execute_code', { code: 'print(6 * 7)' });
  expect(textOf(python)).toContain('42');
});
