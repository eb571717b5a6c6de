import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  RELATED_TASK_META_KEY,
  TaskStatusNotificationSchema
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { ToolDispatcher } from '../../src/mcp/dispatcher';
import { createSessionServer } from '../../src/mcp/server';
import {
  DEFAULT_TASK_TTL_MS,
  MAX_SAVED_TASKS,
  MAX_TASK_TTL_MS,
  TaskBook,
  type ISavedTask
} from '../../src/mcp/tasks';
import {
  defineTool,
  textOutput,
  ToolError,
  type ISessionState
} from '../../src/mcp/tool';
import { until } from '../helpers';

const annotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false
};

/** A gate the test opens to let a tool finish. */
function gate() {
  let open = (): void => undefined;
  const opened = new Promise<void>(resolve => (open = resolve));
  return { open, opened };
}

function setUp() {
  const slow = gate();
  const seen: { cancelled: boolean; aborted: boolean }[] = [];
  const work = defineTool({
    name: 'work',
    title: 'Work',
    description: 'Works until the test lets it finish.',
    category: 'execute',
    taskSupport: 'optional',
    input: { fail: z.boolean().optional(), ask: z.boolean().optional() },
    output: { done: z.boolean() },
    annotations,
    run: async (args, context) => {
      await context.progress('halfway', 1);
      if (args.ask) {
        context.task?.status('input_required', 'Waiting for an answer.');
      }
      await Promise.race([
        slow.opened,
        new Promise(resolve =>
          context.signal.addEventListener('abort', resolve)
        )
      ]);
      seen.push({
        cancelled: context.cancelledByClient(),
        aborted: context.signal.aborted
      });
      if (args.fail) {
        throw new ToolError('It failed on purpose.');
      }
      return {
        content: [{ type: 'text', text: 'Work done.\nSecond line.' }],
        structuredContent: { done: true }
      };
    }
  });
  const quick = defineTool({
    name: 'quick',
    title: 'Quick',
    description: 'Never a task.',
    category: 'read',
    input: {},
    annotations,
    run: async () => textOutput('quick')
  });
  const only = defineTool({
    name: 'only_task',
    title: 'Only as a task',
    description: 'Required task.',
    category: 'read',
    taskSupport: 'required',
    input: {},
    annotations,
    run: async () => textOutput('as a task')
  });
  return { slow, seen, tools: [work, quick, only] };
}

async function connect(
  book: TaskBook,
  session: ISessionState,
  tools: ReturnType<typeof setUp>['tools']
) {
  let saves = 0;
  const server = createSessionServer({
    dispatcher: new ToolDispatcher<null>(tools),
    services: null,
    session,
    relay: {
      saveSession: () => (saves += 1),
      noteCall: () => undefined,
      ending: () => false
    },
    tasks: book
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  const statuses: string[] = [];
  client.setNotificationHandler(TaskStatusNotificationSchema, note => {
    statuses.push(note.params.status);
  });
  await client.connect(clientSide);
  return { client, server, statuses, saves: () => saves };
}

const newSession = (): ISessionState => ({
  id: 's1',
  notebookPath: null,
  terminalName: null,
  runs: [],
  tasks: []
});

describe('MCP tasks', () => {
  it('declares tasks and lists which tools run as tasks', async () => {
    const { tools } = setUp();
    const { client } = await connect(
      new TaskBook({ pageId: () => 'p1' }),
      newSession(),
      tools
    );
    assert.deepEqual(client.getServerCapabilities()?.tasks, {
      list: {},
      cancel: {},
      requests: { tools: { call: {} } }
    });
    const { tools: listed } = await client.listTools();
    assert.deepEqual(
      listed.map(tool => [tool.name, tool.execution?.taskSupport]),
      [
        ['work', 'optional'],
        ['quick', undefined],
        ['only_task', 'required']
      ]
    );
  });

  it('runs a tool as a task: working, then completed, with the same result as the tool', async () => {
    const { tools, slow } = setUp();
    const session = newSession();
    const { client, statuses, saves } = await connect(
      new TaskBook({ pageId: () => 'p1' }),
      session,
      tools
    );
    await client.listTools();
    const stream = client.experimental.tasks.callToolStream(
      { name: 'work', arguments: {} },
      CallToolResultSchema,
      { task: { ttl: 60_000 } }
    );
    const kinds: string[] = [];
    let result: unknown;
    for await (const message of stream) {
      kinds.push(message.type);
      if (message.type === 'taskCreated') {
        assert.equal(message.task.status, 'working');
        assert.equal(message.task.ttl, 60_000);
        assert.equal(message.task.pollInterval, 500);
        assert.match(message.task.taskId, /^[0-9a-f]{32}$/);
        const polled = await client.experimental.tasks.getTask(
          message.task.taskId
        );
        assert.equal(polled.status, 'working');
        // Progress becomes the status message.
        await until(
          () => session.tasks?.[0]?.statusMessage === 'halfway',
          'progress'
        );
        slow.open();
      }
      if (message.type === 'result') {
        result = message.result;
      }
    }
    assert.equal(kinds[0], 'taskCreated');
    assert.equal(kinds[kinds.length - 1], 'result');
    const taskId = session.tasks?.[0]?.taskId ?? '';
    assert.deepEqual(result, {
      content: [{ type: 'text', text: 'Work done.\nSecond line.' }],
      structuredContent: { done: true },
      _meta: { [RELATED_TASK_META_KEY]: { taskId } }
    });
    const done = await client.experimental.tasks.getTask(taskId);
    assert.equal(done.status, 'completed');
    assert.equal(done.statusMessage, 'Work done.');
    await until(
      () => statuses.includes('completed'),
      'the status notification'
    );
    // The state holds the task (no result) and was saved.
    assert.equal(session.tasks?.[0]?.status, 'completed');
    assert.equal(session.tasks?.[0]?.pageId, 'p1');
    assert.ok(saves() > 0);
    const listed = await client.experimental.tasks.listTasks();
    assert.deepEqual(
      listed.tasks.map(task => task.taskId),
      [taskId]
    );
  });

  it('a failed call fails its task; tasks/result gives its error result', async () => {
    const { tools, slow } = setUp();
    const { client } = await connect(
      new TaskBook({ pageId: () => 'p1' }),
      newSession(),
      tools
    );
    slow.open();
    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'work', arguments: { fail: true }, task: {} }
      },
      z.object({
        task: z.object({ taskId: z.string(), ttl: z.number().nullable() })
      })
    );
    assert.equal(created.task.ttl, DEFAULT_TASK_TTL_MS);
    const result = await client.experimental.tasks.getTaskResult(
      created.task.taskId,
      CallToolResultSchema
    );
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /It failed on purpose/);
    const task = await client.experimental.tasks.getTask(created.task.taskId);
    assert.equal(task.status, 'failed');
    assert.equal(task.statusMessage, 'It failed on purpose.');
  });

  it("tasks/cancel cancels only that task, as the client's cancel; the tool then ends", async () => {
    const { tools, seen } = setUp();
    const { client } = await connect(
      new TaskBook({ pageId: () => 'p1' }),
      newSession(),
      tools
    );
    const call = (): Promise<{ task: { taskId: string } }> =>
      client.request(
        {
          method: 'tools/call',
          params: { name: 'work', arguments: {}, task: {} }
        },
        z.object({ task: z.object({ taskId: z.string() }) })
      );
    const first = await call();
    const second = await call();
    const cancelled = await client.experimental.tasks.cancelTask(
      first.task.taskId
    );
    assert.equal(cancelled.status, 'cancelled');
    await until(() => seen.length === 1, 'the cancelled call to end');
    assert.deepEqual(seen[0], { cancelled: true, aborted: true });
    assert.equal(
      (await client.experimental.tasks.getTask(second.task.taskId)).status,
      'working'
    );
    // The cancelled task's result is what the tool returned once stopped.
    const result = await client.experimental.tasks.getTaskResult(
      first.task.taskId,
      CallToolResultSchema
    );
    assert.match(JSON.stringify(result.content), /Work done/);
    await assert.rejects(
      client.experimental.tasks.cancelTask(first.task.taskId),
      /already cancelled/
    );
  });

  it('input_required follows the tool; unknown tasks and tools, and task support, are refused', async () => {
    const { tools, slow } = setUp();
    const { client } = await connect(
      new TaskBook({ pageId: () => 'p1' }),
      newSession(),
      tools
    );
    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'work', arguments: { ask: true }, task: {} }
      },
      z.object({ task: z.object({ taskId: z.string() }) })
    );
    let status = '';
    const deadline = Date.now() + 5000;
    while (status !== 'input_required' && Date.now() < deadline) {
      status = (await client.experimental.tasks.getTask(created.task.taskId))
        .status;
    }
    assert.equal(status, 'input_required');
    slow.open();
    await assert.rejects(
      client.experimental.tasks.getTask('no-such-task'),
      /No task no-such-task in this session/
    );
    await assert.rejects(
      client.request(
        {
          method: 'tools/call',
          params: { name: 'quick', arguments: {}, task: {} }
        },
        z.object({})
      ),
      /does not run as a task/
    );
    await assert.rejects(
      client.request(
        {
          method: 'tools/call',
          params: { name: 'nope', arguments: {}, task: {} }
        },
        z.object({})
      ),
      /Unknown tool "nope"/
    );
    await assert.rejects(
      client.callTool({ name: 'only_task', arguments: {} }),
      /runs as a task only|requires task/
    );
  });
});

describe('TaskBook', () => {
  it('caps the ttl, pages tasks/list and refuses a bad cursor', async () => {
    const book = new TaskBook({ pageId: () => 'p' });
    const never = new Promise<never>(() => undefined);
    const long = book.start('t', 10 * MAX_TASK_TTL_MS, () => never);
    assert.equal(long.ttl, MAX_TASK_TTL_MS);
    assert.equal(book.start('t', null, () => never).ttl, MAX_TASK_TTL_MS);
    for (let i = 0; i < 60; i++) {
      book.start('t', undefined, () => never);
    }
    const first = book.list();
    assert.equal(first.tasks.length, 50);
    assert.equal(first.nextCursor, '50');
    const second = book.list(first.nextCursor);
    assert.equal(second.tasks.length, 12);
    assert.equal(second.nextCursor, undefined);
    assert.equal(second.tasks[second.tasks.length - 1].taskId, long.taskId);
    assert.throws(() => book.list('x'), /Invalid cursor "x"/);
    assert.equal(book.saved().length, MAX_SAVED_TASKS);
    book.end();
  });

  it('forgets finished tasks past their ttl', async () => {
    let now = 1_000_000;
    const book = new TaskBook({ pageId: () => 'p', now: () => now });
    const task = book.start('t', 1000, async () => textOutputResult());
    await until(() => book.get(task.taskId).status === 'completed', 'the end');
    now += 2000;
    assert.throws(() => book.get(task.taskId), /No task/);
  });

  it('takes over the tasks of a page that went away, saying so', async () => {
    const saved: ISavedTask[] = [
      {
        taskId: 'a1',
        tool: 'execute_cell',
        status: 'working',
        statusMessage: 'Still running (5 s).',
        createdAt: 1,
        lastUpdatedAt: 2,
        ttl: DEFAULT_TASK_TTL_MS,
        note: 'Cell 0 (id c) was sent to the kernel as run exec-1.',
        pageId: 'old'
      },
      {
        taskId: 'b2',
        tool: 'execute_code',
        status: 'completed',
        createdAt: 1,
        lastUpdatedAt: 2,
        ttl: DEFAULT_TASK_TTL_MS,
        pageId: 'old'
      }
    ];
    const book = new TaskBook({ pageId: () => 'new' });
    book.restore(saved.map(task => ({ ...task, createdAt: Date.now() })));
    const lost = book.get('a1');
    assert.equal(lost.status, 'failed');
    assert.match(
      lost.statusMessage ?? '',
      /The JupyterLab tab that ran this task closed or reloaded before it ended\. Cell 0 \(id c\) was sent to the kernel as run exec-1\./
    );
    const lostResult = await book.result('a1', new AbortController().signal);
    assert.equal(lostResult.isError, true);
    assert.match(JSON.stringify(lostResult.content), /did not end/);
    assert.equal(book.get('b2').status, 'completed');
    const kept = await book.result('b2', new AbortController().signal);
    assert.match(JSON.stringify(kept.content), /its result stayed there/);
  });
});

function textOutputResult() {
  return { content: [{ type: 'text' as const, text: 'ok' }] };
}
