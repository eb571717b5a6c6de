/**
 * MCP tasks (protocol 2025-11-25) with the SDK client's tasks API
 * (`client.experimental.tasks`), through the relay over Streamable HTTP
 * and stdio: long runs as tasks polled to completion (the result as the
 * page shows it and as saved), cancelled (interrupting that run only),
 * through input(), across a page reload, and another extension's tool
 * declaring task support.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  type CallToolResult,
  type Task
} from '@modelcontextprotocol/sdk/types.js';

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
import { writeNotebook } from '../page-helpers';

const SLEEP3 = 'import time\ntime.sleep(3)\nprint("slept 3")';

/**
 * Run a tool as a task with the SDK's stream (it polls tasks/get, then
 * reads tasks/result), keeping every status it saw.
 */
async function runAsTask(
  client: Client,
  name: string,
  args: Record<string, unknown>
): Promise<{ task: Task; statuses: string[]; result: CallToolResult }> {
  let task: Task | null = null;
  const statuses: string[] = [];
  let result: CallToolResult | null = null;
  let failure: Error | null = null;
  for await (const message of client.experimental.tasks.callToolStream(
    { name, arguments: args },
    CallToolResultSchema,
    { task: { ttl: 600_000 } }
  )) {
    if (message.type === 'taskCreated') {
      task = message.task;
      statuses.push(message.task.status);
    } else if (message.type === 'taskStatus') {
      statuses.push(message.task.status);
    } else if (message.type === 'result') {
      result = message.result as CallToolResult;
    } else {
      failure = message.error;
    }
  }
  if (failure) {
    throw failure;
  }
  expect(task).toBeTruthy();
  expect(result).toBeTruthy();
  return { task: task!, statuses, result: result! };
}

/** Start a task without waiting for it. */
async function startTask(
  client: Client,
  name: string,
  args: Record<string, unknown>
): Promise<Task> {
  const stream = client.experimental.tasks.callToolStream(
    { name, arguments: args },
    CallToolResultSchema,
    { task: {} }
  );
  const first = await stream.next();
  void stream.return(undefined);
  const message = first.value as { type: string; task?: Task; error?: Error };
  if (message.type !== 'taskCreated' || !message.task) {
    throw message.error ?? new Error(`no task: ${JSON.stringify(message)}`);
  }
  return message.task;
}

async function statusOf(client: Client, taskId: string): Promise<Task> {
  return client.experimental.tasks.getTask(taskId);
}

test('a task-augmented execute_cell of a 3 s cell is polled to completion, its result as the page shows and the file holds', async ({
  lab,
  env
}) => {
  const name = 'tasks/long run.ipynb';
  writeNotebook(env, name, [
    { id: 'sleeper', type: 'code', source: SLEEP3 },
    { id: 'quick', type: 'code', source: 'print(6 * 7)' }
  ]);
  const { client, transport } = await connectHttp(env);
  const stdio = await connectStdio(env);
  try {
    // Tasks come with protocol 2025-11-25, negotiated through the relay.
    expect(transport.protocolVersion).toBe('2025-11-25');
    expect(client.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } }
    });
    const { tools } = await client.listTools();
    const support = Object.fromEntries(
      tools.map(tool => [tool.name, tool.execution?.taskSupport ?? null])
    );
    expect(support).toMatchObject({
      execute_cell: 'optional',
      insert_execute_code_cell: 'optional',
      execute_code: 'optional',
      'notebook_run-all-cells': 'optional',
      read_cell: null
    });

    await call(client, 'use_notebook', { notebook_path: name });
    const cells = await notebookCells(lab, 'long run.ipynb');
    const started = Date.now();
    const { task, statuses, result } = await runAsTask(client, 'execute_cell', {
      cell_id: 'sleeper'
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(task.taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(statuses[0]).toBe('working');
    expect(statuses).toContain('working');
    expect(statuses.at(-1)).toBe('completed');
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      id: 'sleeper',
      index: 0,
      state: 'ok',
      execution_count: 1,
      output_count: 1
    });
    expect(textOf(result)).toContain('slept 3');
    // The page shows the run, and the file holds it.
    await expect(cells.nth(0).locator('.jp-OutputArea-output')).toContainText(
      'slept 3'
    );
    await expect(cells.nth(0).locator('.jp-InputPrompt')).toContainText('[1]');
    const saved = await savedNotebook(lab, env, name);
    expect(JSON.stringify(saved.cells[0].outputs)).toContain('slept 3');
    expect(saved.cells[0].execution_count).toBe(1);

    // tasks/get and tasks/result after the end; tasks/list has it.
    const done = await statusOf(client, task.taskId);
    expect(done.status).toBe('completed');
    expect(done.statusMessage).toMatch(/Cell 0 \(id sleeper\) \[1\] ran in/);
    const again = await client.experimental.tasks.getTaskResult(
      task.taskId,
      CallToolResultSchema
    );
    expect(again.structuredContent).toEqual(result.structuredContent);
    const listed = await client.experimental.tasks.listTasks();
    expect(listed.tasks.map(item => item.taskId)).toContain(task.taskId);
    // Another session does not see it.
    await expect(statusOf(stdio, task.taskId)).rejects.toThrow(/No task/);
    // tasks/result asked at once waits for the run (the relay streams the
    // slow answer).
    const blocking = await startTask(client, 'execute_cell', {
      cell_id: 'sleeper'
    });
    const asked = Date.now();
    const waited = await client.experimental.tasks.getTaskResult(
      blocking.taskId,
      CallToolResultSchema
    );
    expect(Date.now() - asked).toBeGreaterThanOrEqual(2500);
    expect(waited.structuredContent).toMatchObject({
      state: 'ok',
      execution_count: 2
    });

    // The same through stdio, for the other tools that run as tasks.
    await call(stdio, 'use_notebook', { notebook_path: name });
    const quick = await runAsTask(stdio, 'execute_cell', { cell_id: 'quick' });
    expect(textOf(quick.result)).toContain('42');
    const scratch = await runAsTask(stdio, 'execute_code', {
      code: 'print("scratch", 1 + 1)'
    });
    expect(scratch.result.structuredContent).toMatchObject({ state: 'ok' });
    expect(textOf(scratch.result)).toContain('scratch 2');
    const inserted = await runAsTask(stdio, 'insert_execute_code_cell', {
      cell_source: 'print("inserted and ran")'
    });
    expect(inserted.result.structuredContent).toMatchObject({
      index: 2,
      state: 'ok'
    });
    await expect(cells).toHaveCount(3);
    await expect(cells.nth(2).locator('.jp-OutputArea-output')).toContainText(
      'inserted and ran'
    );
    const all = await runAsTask(client, 'notebook_run-all-cells', {});
    expect(all.result.structuredContent).toMatchObject({ status: 'ok' });
    // A tool that does not run as a task says so.
    await expect(
      client.experimental.tasks
        .callToolStream(
          { name: 'read_cell', arguments: { cell_index: 0 } },
          CallToolResultSchema,
          {
            task: {}
          }
        )
        .next()
        .then(first => {
          const value = first.value as { type: string; error?: Error };
          throw value.error ?? new Error(value.type);
        })
    ).rejects.toThrow(/does not run as a task/);
  } finally {
    await disconnect(client);
    await stdio.close();
  }
});

test("tasks/cancel interrupts its own run only: another session's cell keeps running", async ({
  lab,
  env
}) => {
  writeNotebook(env, 'tasks/cancel-a.ipynb', [
    {
      id: 'long',
      type: 'code',
      source: 'import time\nprint("started", flush=True)\ntime.sleep(60)'
    },
    { id: 'after', type: 'code', source: 'print("after")' }
  ]);
  writeNotebook(env, 'tasks/cancel-b.ipynb', [
    {
      id: 'other',
      type: 'code',
      source: 'import time\ntime.sleep(4)\nprint("b finished")'
    }
  ]);
  const alice = (await connectHttp(env, { name: 'alice' })).client;
  const bob = (await connectHttp(env, { name: 'bob' })).client;
  try {
    await call(alice, 'use_notebook', {
      notebook_path: 'tasks/cancel-a.ipynb'
    });
    await call(bob, 'use_notebook', { notebook_path: 'tasks/cancel-b.ipynb' });
    const cellsA = await notebookCells(lab, 'cancel-a.ipynb');
    const cellsB = await notebookCells(lab, 'cancel-b.ipynb');

    // Bob runs a cell in his notebook; Alice's task runs a long one in hers.
    const bobRun = call(bob, 'execute_cell', { cell_id: 'other' });
    await expect(cellsB.nth(0).locator('.jp-InputPrompt')).toContainText('[*]');
    const task = await startTask(alice, 'execute_cell', { cell_id: 'long' });
    // The kernel has begun Alice's cell.
    await expect(cellsA.nth(0).locator('.jp-OutputArea-output')).toContainText(
      'started'
    );
    expect((await statusOf(alice, task.taskId)).status).toBe('working');

    const cancelled = await alice.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    // Alice's cell is interrupted in the page...
    await expect(cellsA.nth(0).locator('.jp-OutputArea')).toContainText(
      'KeyboardInterrupt'
    );
    const result = await alice.experimental.tasks.getTaskResult(
      task.taskId,
      CallToolResultSchema
    );
    expect(result.structuredContent).toMatchObject({
      id: 'long',
      state: 'interrupted'
    });
    expect((await statusOf(alice, task.taskId)).status).toBe('cancelled');
    // ...Bob's cell ran to its end.
    const bobResult = await bobRun;
    expect(bobResult.structuredContent).toMatchObject({ state: 'ok' });
    expect(textOf(bobResult)).toContain('b finished');
    await expect(cellsB.nth(0).locator('.jp-OutputArea-output')).toContainText(
      'b finished'
    );

    // In one kernel: Bob's cell runs, Alice's task is queued behind it.
    // Cancelling the task leaves Bob's cell alone.
    const bobAgain = call(bob, 'execute_cell', {
      notebook_path: 'tasks/cancel-a.ipynb',
      cell_id: 'long',
      timeout_seconds: 120
    });
    await expect(cellsA.nth(0).locator('.jp-OutputArea-output')).toHaveCount(1);
    await expect(cellsA.nth(0).locator('.jp-OutputArea')).toContainText(
      'started'
    );
    const queued = await startTask(alice, 'execute_cell', { cell_id: 'after' });
    await expect
      .poll(async () => (await statusOf(alice, queued.taskId)).statusMessage)
      .toMatch(/queued behind another cell/);
    await alice.experimental.tasks.cancelTask(queued.taskId);
    const queuedResult = await alice.experimental.tasks.getTaskResult(
      queued.taskId,
      CallToolResultSchema
    );
    expect(queuedResult.structuredContent).toMatchObject({
      id: 'after',
      state: 'queued'
    });
    // Bob's cell is still running, not interrupted.
    await expect(cellsA.nth(0).locator('.jp-InputPrompt')).toContainText('[*]');
    await expect(cellsA.nth(0).locator('.jp-OutputArea')).toContainText(
      'started'
    );
    await expect(cellsA.nth(0).locator('.jp-OutputArea')).not.toContainText(
      'KeyboardInterrupt'
    );
    await call(bob, 'interrupt_kernel', {
      notebook_path: 'tasks/cancel-a.ipynb'
    });
    expect((await bobAgain).structuredContent).toMatchObject({
      state: 'interrupted'
    });
  } finally {
    await disconnect(alice);
    await disconnect(bob);
  }
});

test('a task waiting in input() is input_required until send_input answers, then completes', async ({
  lab,
  env
}) => {
  writeNotebook(env, 'tasks/ask.ipynb', [
    {
      id: 'ask',
      type: 'code',
      source: 'name = input("Name? ")\nprint("hello", name)'
    }
  ]);
  const { client } = await connectHttp(env);
  try {
    await call(client, 'use_notebook', {
      notebook_path: 'tasks/ask.ipynb',
      activate: true
    });
    const cells = await notebookCells(lab, 'ask.ipynb');
    const task = await startTask(client, 'execute_cell', { cell_id: 'ask' });
    await expect
      .poll(async () => (await statusOf(client, task.taskId)).status)
      .toBe('input_required');
    const waiting = await statusOf(client, task.taskId);
    expect(waiting.statusMessage).toContain('input("Name? ")');
    const executionId = /execution_id="([^"]+)"/.exec(
      waiting.statusMessage ?? ''
    )?.[1];
    expect(executionId).toBeTruthy();
    await expect(cells.nth(0).locator('input.jp-Stdin-input')).toBeVisible();
    const answered = await call(client, 'send_input', {
      execution_id: executionId,
      value: 'Ada'
    });
    expect(answered.isError, textOf(answered)).toBeFalsy();
    const result = await client.experimental.tasks.getTaskResult(
      task.taskId,
      CallToolResultSchema
    );
    expect(result.structuredContent).toMatchObject({ id: 'ask', state: 'ok' });
    expect(textOf(result as CallToolResult)).toContain('hello Ada');
    expect((await statusOf(client, task.taskId)).status).toBe('completed');
    await expect(cells.nth(0).locator('.jp-OutputArea')).toContainText(
      'hello Ada'
    );
  } finally {
    await disconnect(client);
  }
});

test('a task whose page reloads ends failed, saying the page went away and what the run had done', async ({
  lab,
  env
}) => {
  writeNotebook(env, 'tasks/reloaded.ipynb', [
    { id: 'slow', type: 'code', source: 'import time\ntime.sleep(6)' }
  ]);
  const { client } = await connectHttp(env);
  try {
    await call(client, 'use_notebook', {
      notebook_path: 'tasks/reloaded.ipynb'
    });
    await savedNotebook(lab, env, 'tasks/reloaded.ipynb');
    const cells = await notebookCells(lab, 'reloaded.ipynb');
    const task = await startTask(client, 'execute_cell', { cell_id: 'slow' });
    await expect(cells.nth(0).locator('.jp-InputPrompt')).toContainText('[*]');
    await expect
      .poll(async () => (await statusOf(client, task.taskId)).statusMessage)
      .toBeTruthy();
    await lab.reload();
    await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected',
      { timeout: 60_000 }
    );
    const after = await statusOf(client, task.taskId);
    expect(after.status).toBe('failed');
    expect(after.statusMessage).toMatch(
      /^The JupyterLab tab that ran this task closed or reloaded before it ended\. Cell 0 \(id slow\) was sent to the kernel as run \S+/
    );
    const result = await client.experimental.tasks.getTaskResult(
      task.taskId,
      CallToolResultSchema
    );
    expect(result.isError).toBe(true);
    expect(textOf(result as CallToolResult)).toContain('did not end');
    // The session goes on, with its other tools.
    const read = await call(client, 'read_cell', { cell_id: 'slow' });
    expect(read.isError).toBeFalsy();
  } finally {
    await disconnect(client);
  }
});

test("another extension's tool that declares task support runs as a task", async ({
  lab,
  mcp
}) => {
  await lab.evaluate(async () => {
    interface IBridge {
      registerTool(make: (z: unknown) => unknown): unknown;
    }
    const app = (
      window as unknown as {
        jupyterapp: {
          pluginRegistry: { _services: Map<{ name: string }, string> };
          registerPlugin(plugin: unknown): void;
          activatePlugin(id: string): Promise<void>;
        };
      }
    ).jupyterapp;
    const token = [...app.pluginRegistry._services.keys()].find(
      key => key.name === 'jupyterlab-mcp-bridge-extension:IMcpBridge'
    );
    app.registerPlugin({
      id: 'example-extension:slow-tool',
      description: 'An example extension adding a tool that runs as a task.',
      autoStart: false,
      requires: [token],
      activate: (_: unknown, bridge: IBridge) => {
        bridge.registerTool(() => ({
          name: 'example_slow',
          title: 'Slow (example)',
          description: 'Waits a second, then answers.',
          category: 'read',
          taskSupport: 'optional',
          input: {},
          annotations: {
            readOnlyHint: true,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: false
          },
          run: async (
            _args: unknown,
            context: { task?: { taskId: string } }
          ) => {
            await new Promise(resolve => setTimeout(resolve, 1000));
            return {
              content: [
                {
                  type: 'text',
                  text: `done ${context.task ? 'as a task' : 'directly'}`
                }
              ]
            };
          }
        }));
      }
    });
    await app.activatePlugin('example-extension:slow-tool');
  });
  await expect
    .poll(
      async () =>
        (await mcp.listTools()).tools.find(tool => tool.name === 'example_slow')
          ?.execution?.taskSupport
    )
    .toBe('optional');
  const { result, statuses } = await runAsTask(mcp, 'example_slow', {});
  expect(textOf(result)).toBe('done as a task');
  expect(statuses.at(-1)).toBe('completed');
  expect(textOf(await call(mcp, 'example_slow', {}))).toBe('done directly');
});
