/**
 * Terminal tools: a terminal created by an MCP client opens as a tab
 * without taking focus, runs commands (output, exit code, effect on disk),
 * keeps its output, and closes.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { call, connectHttp, expect, test, textOf } from '../fixtures';

/** The label of the main-area tab showing terminal `name`, or null. */
function terminalTab(page: Page, name: string): Promise<string | null> {
  return page.evaluate(n => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<{
              title: { label: string };
              content?: { node?: HTMLElement; session?: { name?: string } };
            }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      const content = widget.content;
      if (
        content?.node?.classList.contains('jp-Terminal') &&
        content.session?.name === n
      ) {
        return widget.title.label;
      }
    }
    return null;
  }, name);
}

function currentLabel(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: { currentWidget: { title: { label: string } } | null };
        };
      }
    ).jupyterapp;
    return app.shell.currentWidget?.title.label ?? null;
  });
}

test.describe('terminals', () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test('creates a terminal tab, runs commands, reads output, closes it', async ({
    lab,
    env
  }) => {
    const { tools } = await client.listTools();
    for (const name of [
      'list_terminals',
      'create_terminal',
      'run_terminal_command',
      'read_terminal_output',
      'close_terminal'
    ]) {
      expect(tools.map(tool => tool.name)).toContain(name);
    }
    expect(
      tools.find(tool => tool.name === 'close_terminal')?.annotations
        ?.destructiveHint
    ).toBe(true);
    expect(
      tools.find(tool => tool.name === 'list_terminals')?.annotations
        ?.readOnlyHint
    ).toBe(true);

    // A notebook tab the user is looking at keeps the focus.
    await call(client, 'use_notebook', {
      notebook_path: 'focus.ipynb',
      activate: true
    });
    await expect.poll(() => currentLabel(lab)).toBe('focus.ipynb');

    const created = await call(client, 'create_terminal');
    expect(created.isError).toBeFalsy();
    const name = (created.structuredContent as { name: string }).name;
    expect(name).toMatch(/\S+/);
    expect(created.structuredContent).toMatchObject({
      open_in_page: true,
      busy: false
    });
    await expect.poll(() => terminalTab(lab, name)).not.toBeNull();
    const title = (await terminalTab(lab, name)) as string;
    await expect(
      lab.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: title })
    ).toHaveCount(1);
    expect(await currentLabel(lab)).toBe('focus.ipynb');

    const listed = await call(client, 'list_terminals');
    const terminals = (
      listed.structuredContent as {
        terminals: { name: string; open_in_page: boolean }[];
      }
    ).terminals;
    expect(terminals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name, open_in_page: true })
      ])
    );

    // A command: its output (no markers, no ANSI codes), exit code, and effect on disk.
    const ran = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'echo hi > hi.txt && cat hi.txt && echo "sum=$((40+2))"',
      timeout_seconds: 30
    });
    expect(ran.isError).toBeFalsy();
    expect(ran.structuredContent).toMatchObject({
      state: 'completed',
      exit_code: 0,
      output: 'hi\nsum=42'
    });
    expect(textOf(ran)).toContain('sum=42');
    expect(textOf(ran)).not.toContain('__MCP');
    expect(textOf(ran)).not.toContain('\x1b');
    expect(readFileSync(join(env.rootDir, 'hi.txt'), 'utf-8')).toBe('hi\n');

    const failed = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'ls no-such-file',
      timeout_seconds: 30
    });
    expect(failed.structuredContent).toMatchObject({
      state: 'completed',
      exit_code: 2
    });
    expect(textOf(failed)).toContain('no-such-file');

    // A command still running at the timeout: reported, the terminal is busy, then finishes.
    const slow = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'sleep 2; echo slow-done > slow.txt; echo slow-done',
      timeout_seconds: 0.5
    });
    expect(slow.structuredContent).toMatchObject({
      state: 'timeout',
      exit_code: null
    });
    const busy = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'echo x'
    });
    expect(busy.isError).toBe(true);
    expect(textOf(busy)).toContain('still running');
    await expect
      .poll(() => existsSync(join(env.rootDir, 'slow.txt')), {
        timeout: 10_000
      })
      .toBe(true);
    await expect
      .poll(async () => {
        const read = await call(client, 'read_terminal_output', {
          terminal_name: name
        });
        return read.structuredContent as { busy: boolean; output: string };
      })
      .toMatchObject({
        busy: false,
        output: expect.stringContaining('slow-done')
      });

    // Interrupt at the timeout: Ctrl-C, and the terminal is usable again.
    const interrupted = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'sleep 60; echo never > never.txt',
      timeout_seconds: 1,
      on_timeout: 'interrupt'
    });
    expect(interrupted.structuredContent).toMatchObject({
      state: 'interrupted'
    });
    const after = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'echo after',
      timeout_seconds: 30
    });
    expect(after.structuredContent).toMatchObject({
      state: 'completed',
      exit_code: 0,
      output: 'after'
    });
    expect(existsSync(join(env.rootDir, 'never.txt'))).toBe(false);

    // Recent output: what the terminal showed, without markers.
    const recent = await call(client, 'read_terminal_output', {
      terminal_name: name,
      max_chars: 5000
    });
    expect(recent.isError).toBeFalsy();
    const output = (recent.structuredContent as { output: string }).output;
    expect(output).toContain('sum=42');
    expect(output).toContain('echo hi > hi.txt');
    expect(output).not.toContain('__MCP');
    const tail = await call(client, 'read_terminal_output', {
      terminal_name: name,
      max_chars: 10
    });
    expect(
      (tail.structuredContent as { output: string }).output.length
    ).toBeLessThanOrEqual(10);

    // Bad input names the argument.
    const unknown = await call(client, 'run_terminal_command', {
      terminal_name: 'nope',
      command: 'echo x'
    });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('"terminal_name"');
    const multiline = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'echo a\necho b > multi.txt'
    });
    expect(multiline.isError).toBe(true);
    expect(textOf(multiline)).toContain('"command"');
    expect(existsSync(join(env.rootDir, 'multi.txt'))).toBe(false);
    const tooLong = await call(client, 'run_terminal_command', {
      terminal_name: name,
      command: 'echo x',
      timeout_seconds: 999999
    });
    expect(tooLong.isError).toBe(true);
    expect(textOf(tooLong)).toContain('"timeout_seconds"');

    // Close: the tab goes away and the terminal is no longer listed.
    const closed = await call(client, 'close_terminal', {
      terminal_name: name
    });
    expect(closed.isError).toBeFalsy();
    await expect.poll(() => terminalTab(lab, name)).toBeNull();
    await expect(
      lab.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: title })
    ).toHaveCount(0);
    const relisted = await call(client, 'list_terminals');
    expect(
      (
        relisted.structuredContent as { terminals: { name: string }[] }
      ).terminals.map(t => t.name)
    ).not.toContain(name);
    const gone = await call(client, 'read_terminal_output', {
      terminal_name: name
    });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toContain('"terminal_name"');
  });

  test('reads a terminal the user opened, from before the bridge saw it', async ({
    lab
  }) => {
    // The user opens a terminal and types a command, with no MCP call yet.
    const name = await lab.evaluate(async () => {
      const app = (
        window as unknown as {
          jupyterapp: {
            commands: {
              execute(
                id: string,
                args?: unknown
              ): Promise<{
                content: { session: { name: string; send(m: unknown): void } };
              }>;
            };
          };
        }
      ).jupyterapp;
      const widget = await app.commands.execute('terminal:create-new');
      const session = widget.content.session;
      session.send({ type: 'stdin', content: ['echo typed-by-user\r'] });
      return session.name;
    });
    await expect
      .poll(
        async () => {
          const read = await call(client, 'read_terminal_output', {
            terminal_name: name
          });
          return textOf(read);
        },
        { timeout: 15_000 }
      )
      .toContain('typed-by-user');
    const listed = await call(client, 'list_terminals');
    expect(
      (
        listed.structuredContent as {
          terminals: { name: string; open_in_page: boolean }[];
        }
      ).terminals
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name, open_in_page: true })
      ])
    );
    await call(client, 'close_terminal', { terminal_name: name });
  });
});
