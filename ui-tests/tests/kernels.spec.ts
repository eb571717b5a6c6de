/**
 * Kernel tools through a real client and relay into the page: the page's
 * kernel state and toolbar, the server's kernels, and the saved notebook.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  connectHttp,
  expect,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

const ALT = { name: 'python3-alt', display_name: 'Python 3 (alt)' };

test.use({ extraKernelspecs: [ALT] });

/**
 * The kernel of the open notebook at `path`, as the page holds it.
 */
interface IPageKernel {
  found: boolean;
  panelId: string;
  id: string | null;
  name: string | null;
  status: string | null;
  displayName: string | null;
}

async function pageKernel(page: Page, path: string): Promise<IPageKernel> {
  return page.evaluate(p => {
    interface IPanel {
      id: string;
      context?: { path: string };
      sessionContext?: {
        kernelDisplayName: string;
        session: {
          kernel: { id: string; name: string; status: string } | null;
        } | null;
      };
    }
    const app = (
      window as unknown as {
        jupyterapp: { shell: { widgets(area: string): Iterable<IPanel> } };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === p && widget.sessionContext) {
        const kernel = widget.sessionContext.session?.kernel ?? null;
        return {
          found: true,
          panelId: widget.id,
          id: kernel?.id ?? null,
          name: kernel?.name ?? null,
          status: kernel?.status ?? null,
          displayName: widget.sessionContext.kernelDisplayName
        };
      }
    }
    return {
      found: false,
      panelId: '',
      id: null,
      name: null,
      status: null,
      displayName: null
    };
  }, path);
}

/** The kernel name shown in the notebook's toolbar. */
async function toolbarKernel(page: Page, path: string) {
  const { panelId } = await pageKernel(page, path);
  expect(panelId).not.toBe('');
  return page.locator(`[id="${panelId}"] .jp-Toolbar-kernelName`);
}

interface IListed {
  kernels: {
    id: string;
    name: string;
    execution_state: string | null;
    connections: number | null;
    last_activity: string | null;
    open_notebooks: string[];
    sessions: { path: string; type: string }[];
  }[];
  kernelspecs: {
    name: string;
    display_name: string;
    language: string;
    is_default: boolean;
  }[];
  default_kernelspec: string | null;
}

async function listKernels(client: Client): Promise<IListed> {
  const result = await call(client, 'list_kernels');
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as IListed;
}

async function useNotebook(
  client: Client,
  page: Page,
  path: string
): Promise<IPageKernel> {
  const used = await call(client, 'use_notebook', { notebook_path: path });
  expect(used.isError, textOf(used)).toBeFalsy();
  await expect
    .poll(async () => (await pageKernel(page, path)).status)
    .toBe('idle');
  return pageKernel(page, path);
}

test.describe('kernel tools', () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test("list_kernels shows the notebook's running kernel and the kernelspecs", async ({
    lab
  }) => {
    const path = 'k-list.ipynb';
    const inPage = await useNotebook(client, lab, path);
    expect(inPage.name).toBe('python3');

    // The server learns the kernel's state from the kernel's messages (it
    // may have missed the first ones, and says "starting" until the next):
    // run something, then it says idle.
    await call(client, 'execute_code', { code: 'pass' });
    await expect
      .poll(
        async () =>
          (await listKernels(client)).kernels.find(
            kernel => kernel.id === inPage.id
          )?.execution_state
      )
      .toBe('idle');
    const listed = await listKernels(client);
    const mine = listed.kernels.find(kernel => kernel.id === inPage.id);
    expect(mine).toBeDefined();
    expect(mine?.name).toBe('python3');
    expect(mine?.open_notebooks).toEqual([path]);
    expect(mine?.sessions).toEqual([{ path, type: 'notebook' }]);
    expect(mine?.execution_state).toBe('idle');
    expect(mine?.connections).toBeGreaterThanOrEqual(1);
    expect(Number.isNaN(Date.parse(mine?.last_activity ?? ''))).toBe(false);

    expect(listed.default_kernelspec).toBe('python3');
    const specs = Object.fromEntries(
      listed.kernelspecs.map(spec => [spec.name, spec])
    );
    expect(specs.python3).toMatchObject({
      language: 'python',
      is_default: true
    });
    expect(specs.python3.display_name).toBe(inPage.displayName);
    expect(specs[ALT.name]).toEqual({
      ...ALT,
      language: 'python',
      is_default: false
    });

    const text = textOf(await call(client, 'list_kernels'));
    expect(text).toContain(`python3 ${inPage.id} (idle) used by ${path}`);
  });

  test('interrupt_kernel stops a sleeping cell with KeyboardInterrupt', async ({
    lab,
    env
  }) => {
    const path = 'k-interrupt.ipynb';
    const before = await useNotebook(client, lab, path);
    await call(client, 'execute_code', { code: 'kept = "still here"' });
    // The cell tells (by a file) when it is in its own code.
    const started = join(env.rootDir, 'k-interrupt.started');
    const inserted = await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: `import pathlib, time; pathlib.Path(${JSON.stringify(started)}).touch(); time.sleep(60)`
    });
    expect(inserted.isError).toBeFalsy();
    const run = await call(client, 'execute_cell', {
      cell_index: -1,
      wait: false
    });
    expect(run.isError, textOf(run)).toBeFalsy();
    const executionId = (run.structuredContent as { execution_id: string })
      .execution_id;
    await expect
      .poll(async () => (await pageKernel(lab, path)).status)
      .toBe('busy');
    // The kernel is in the cell's code, not in its own before it.
    await expect.poll(() => existsSync(started)).toBe(true);

    const interrupted = await call(client, 'interrupt_kernel', {});
    expect(interrupted.isError, textOf(interrupted)).toBeFalsy();
    expect(interrupted.structuredContent).toMatchObject({
      path,
      kernel: { id: before.id, name: 'python3' },
      interrupted_executions: [executionId]
    });

    const collected = await call(client, 'get_execution_result', {
      execution_id: executionId,
      timeout_seconds: 20
    });
    expect(collected.structuredContent).toMatchObject({ state: 'interrupted' });
    expect(
      (collected.structuredContent as { elapsed_seconds: number })
        .elapsed_seconds
    ).toBeLessThan(30);
    expect(textOf(collected)).toContain('KeyboardInterrupt');

    // The page shows it, the kernel is idle with the same id, the file has it.
    const { panelId } = await pageKernel(lab, path);
    await expect(
      lab
        .locator(`[id="${panelId}"] .jp-Cell`)
        .last()
        .locator('.jp-OutputArea-output')
    ).toContainText('KeyboardInterrupt');
    await expect
      .poll(async () => (await pageKernel(lab, path)).status)
      .toBe('idle');
    expect((await pageKernel(lab, path)).id).toBe(before.id);
    const saved = await savedNotebook(lab, env, path);
    const last = saved.cells[saved.cells.length - 1];
    expect(
      last.outputs?.some(
        output =>
          output.output_type === 'error' &&
          JSON.stringify(output).includes('KeyboardInterrupt')
      )
    ).toBe(true);

    // Variables survive an interrupt.
    const check = await call(client, 'execute_code', { code: 'print(kept)' });
    expect(textOf(check)).toContain('still here');

    // Without a running cell it still interrupts the kernel.
    const idle = await call(client, 'interrupt_kernel', {
      notebook_path: path
    });
    expect(idle.isError).toBeFalsy();
    expect(idle.structuredContent).toMatchObject({
      interrupted_executions: []
    });
  });

  test('restart_notebook resets the variables and keeps the kernel', async ({
    lab
  }) => {
    const path = 'k-restart.ipynb';
    const before = await useNotebook(client, lab, path);
    const defined = await call(client, 'execute_code', {
      code: 'secret = 41 + 1'
    });
    expect(defined.isError).toBeFalsy();
    const vars = await call(client, 'inspect_variables', {});
    expect(
      (
        vars.structuredContent as { variables: { name: string }[] }
      ).variables.map(v => v.name)
    ).toContain('secret');

    const restarted = await call(client, 'restart_notebook', {});
    expect(restarted.isError, textOf(restarted)).toBeFalsy();
    expect(restarted.structuredContent).toMatchObject({
      path,
      kernel: { id: before.id, name: 'python3', status: 'idle' }
    });
    expect(textOf(restarted)).toContain('variables are gone');

    const after = await call(client, 'inspect_variables', {});
    expect(after.isError, textOf(after)).toBeFalsy();
    expect(
      (after.structuredContent as { variables: { name: string }[] }).variables
    ).toEqual([]);
    const check = await call(client, 'execute_code', {
      code: "print('secret' in globals())"
    });
    expect(textOf(check)).toContain('False');

    const inPage = await pageKernel(lab, path);
    expect(inPage).toMatchObject({
      id: before.id,
      name: 'python3',
      status: 'idle'
    });
  });

  test('change_kernel switches to another kernelspec in the page and the file', async ({
    lab,
    env
  }) => {
    const path = 'k-change.ipynb';
    const before = await useNotebook(client, lab, path);
    expect(before.name).toBe('python3');
    await expect(await toolbarKernel(lab, path)).toHaveText(
      before.displayName ?? ''
    );

    // An unknown kernelspec is refused with the available ones; nothing changes.
    const bad = await call(client, 'change_kernel', {
      kernel_name: 'no-such-kernel'
    });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain(
      '"kernel_name" "no-such-kernel" is not an available kernelspec'
    );
    expect(textOf(bad)).toContain('"python3"');
    expect(textOf(bad)).toContain(`"${ALT.name}"`);
    expect(await pageKernel(lab, path)).toMatchObject({
      id: before.id,
      name: 'python3'
    });
    expect(
      (await savedNotebook(lab, env, path)).metadata.kernelspec?.name
    ).toBe('python3');

    const changed = await call(client, 'change_kernel', {
      kernel_name: ALT.name
    });
    expect(changed.isError, textOf(changed)).toBeFalsy();
    expect(changed.structuredContent).toMatchObject({
      path,
      changed: true,
      previous_kernel: 'python3',
      kernel: { name: ALT.name, display_name: ALT.display_name }
    });
    const newId = (changed.structuredContent as { kernel: { id: string } })
      .kernel.id;
    expect(newId).not.toBe(before.id);

    const inPage = await pageKernel(lab, path);
    expect(inPage).toMatchObject({
      id: newId,
      name: ALT.name,
      displayName: ALT.display_name
    });
    await expect(await toolbarKernel(lab, path)).toHaveText(ALT.display_name);
    expect((await savedNotebook(lab, env, path)).metadata.kernelspec).toEqual({
      name: ALT.name,
      display_name: ALT.display_name,
      language: 'python'
    });
    const listed = await listKernels(client);
    expect(
      listed.kernels.find(kernel => kernel.id === newId)?.open_notebooks
    ).toEqual([path]);
    expect(listed.kernels.some(kernel => kernel.id === before.id)).toBe(false);

    // The new kernel runs code; the same kernelspec again changes nothing.
    const ran = await call(client, 'execute_code', { code: 'print(6 * 7)' });
    expect(textOf(ran)).toContain('42');
    const again = await call(client, 'change_kernel', {
      kernel_name: ALT.name
    });
    expect(again.structuredContent).toMatchObject({
      changed: false,
      kernel: { id: newId }
    });
  });

  test('the kernel dies during execute_cell: a clear error, and restart_notebook brings it back', async ({
    lab
  }) => {
    const path = 'k-dies.ipynb';
    await useNotebook(client, lab, path);
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source:
        'import os, signal, time\ntime.sleep(0.5)\nos.kill(os.getpid(), signal.SIGKILL)'
    });
    const died = await call(client, 'execute_cell', {
      cell_index: 0,
      timeout_seconds: 60
    });
    expect(died.isError).toBe(true);
    expect(textOf(died)).toMatch(
      /The kernel (died|restarted) while cell 0 \(id [^)]+\) ran/
    );
    expect(textOf(died)).toContain("the kernel's variables are gone");

    const restarted = await call(client, 'restart_notebook', {});
    expect(restarted.isError, textOf(restarted)).toBeFalsy();
    expect(restarted.structuredContent).toMatchObject({
      kernel: { status: 'idle' }
    });
    const ran = await call(client, 'insert_execute_code_cell', {
      cell_source: 'print(6 * 7)'
    });
    expect(ran.isError, textOf(ran)).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({ state: 'ok' });
    expect(textOf(ran)).toContain('42');
    const { panelId } = await pageKernel(lab, path);
    await expect(
      lab.locator(`[id="${panelId}"] .jp-Cell`).nth(1).locator('.jp-OutputArea')
    ).toContainText('42');
  });

  test('shutdown_kernel leaves the notebook without a kernel; start_kernel starts one', async ({
    lab,
    env
  }) => {
    const path = 'k-shutdown.ipynb';
    const before = await useNotebook(client, lab, path);

    const shut = await call(client, 'shutdown_kernel', {});
    expect(shut.isError, textOf(shut)).toBeFalsy();
    expect(shut.structuredContent).toEqual({
      path,
      kernel: { id: before.id, name: 'python3' }
    });

    await expect.poll(async () => (await pageKernel(lab, path)).id).toBeNull();
    const inPage = await pageKernel(lab, path);
    expect(inPage.displayName).toBe('No Kernel');
    await expect(await toolbarKernel(lab, path)).toHaveText('No Kernel');
    expect(
      (await listKernels(client)).kernels.some(
        kernel => kernel.id === before.id
      )
    ).toBe(false);

    // Tools that need a kernel say so.
    const noKernel = await call(client, 'inspect_variables', {});
    expect(noKernel.isError).toBe(true);
    expect(textOf(noKernel)).toContain(
      'has no kernel: start one with start_kernel'
    );
    const again = await call(client, 'shutdown_kernel', {});
    expect(again.isError).toBe(true);

    // start_kernel refuses an unknown kernelspec, then starts the notebook's own.
    const bad = await call(client, 'start_kernel', { kernel_name: 'nope' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(
      /"kernel_name" "nope" is not an available kernelspec; available: .*"python3"/
    );
    expect((await pageKernel(lab, path)).id).toBeNull();

    const started = await call(client, 'start_kernel', {});
    expect(started.isError, textOf(started)).toBeFalsy();
    expect(started.structuredContent).toMatchObject({
      path,
      kernel: { name: 'python3' }
    });
    await expect
      .poll(async () => (await pageKernel(lab, path)).name)
      .toBe('python3');
    await expect(await toolbarKernel(lab, path)).toHaveText(
      before.displayName ?? ''
    );
    expect(
      (await savedNotebook(lab, env, path)).metadata.kernelspec?.name
    ).toBe('python3');

    const twice = await call(client, 'start_kernel', {});
    expect(twice.isError).toBe(true);
    expect(textOf(twice)).toContain('already has a kernel');
  });

  test('inspect_variables reports a DataFrame, an int and a list, silently', async ({
    lab,
    env
  }) => {
    const path = 'k-vars.ipynb';
    await useNotebook(client, lab, path);
    const ran = await call(client, 'insert_execute_code_cell', {
      cell_source: [
        'import pandas as pd',
        'df = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})',
        'n = 7',
        'items = [1, 2, 3]',
        'def helper():',
        '    return 1'
      ].join('\n')
    });
    expect(ran.structuredContent).toMatchObject({
      state: 'ok',
      execution_count: 1
    });

    const result = await call(client, 'inspect_variables', {});
    expect(result.isError, textOf(result)).toBeFalsy();
    const data = result.structuredContent as {
      path: string;
      total: number;
      truncated: boolean;
      variables: {
        name: string;
        type: string;
        shape?: number[];
        length?: number;
        dtypes?: string;
        repr: string;
      }[];
    };
    expect(data.path).toBe(path);
    expect(data.variables.map(v => v.name)).toEqual(['df', 'n', 'items']);
    expect(data.total).toBe(3);
    expect(data.truncated).toBe(false);
    const [df, n, items] = data.variables;
    expect(df).toMatchObject({
      type: 'pandas.DataFrame',
      shape: [3, 2],
      dtypes: 'a: int64, b: float64'
    });
    expect(df.repr).toContain('4.0');
    expect(n).toEqual({ name: 'n', type: 'int', repr: '7' });
    expect(items).toEqual({
      name: 'items',
      type: 'list',
      length: 3,
      repr: '[1, 2, 3]'
    });
    expect(textOf(result)).toContain(
      'df: pandas.DataFrame shape (3, 2) [a: int64, b: float64]'
    );

    const limited = await call(client, 'inspect_variables', {
      limit: 1,
      max_repr_chars: 20
    });
    expect(limited.structuredContent).toMatchObject({
      total: 3,
      truncated: true
    });
    expect(
      (limited.structuredContent as { variables: unknown[] }).variables
    ).toHaveLength(1);
    expect(textOf(limited)).toContain('2 more not shown');

    // Silent: no new cell, no execution count used, nothing defined.
    const next = await call(client, 'insert_execute_code_cell', {
      cell_source:
        'print(sorted(k for k in globals() if "mcp" in k.lower() or k == "result"))'
    });
    expect(next.structuredContent).toMatchObject({
      state: 'ok',
      execution_count: 2
    });
    expect(textOf(next)).toContain('[]');
    expect((await savedNotebook(lab, env, path)).cells).toHaveLength(2);

    // Bad input is refused, naming the argument.
    const bad = await call(client, 'inspect_variables', { limit: 0 });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('limit');
  });
});
