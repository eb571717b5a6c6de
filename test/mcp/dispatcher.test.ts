import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { ToolDispatcher } from '../../src/mcp/dispatcher';
import {
  defineTool,
  jsonOutput,
  textOutput,
  ToolError,
  type IToolContext,
  type IToolOutput
} from '../../src/mcp/tool';

const annotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
};

const context: IToolContext = {
  services: null,
  session: { id: 's', notebookPath: null, terminalName: null, runs: [] },
  signal: new AbortController().signal,
  progress: async () => undefined,
  cancelledByClient: () => false,
  saveSession: () => undefined
};

/** A tool declaring `{count, note?}` that returns what `make` gives. */
function counting(name: string, make: () => Record<string, unknown> | null) {
  return defineTool({
    name,
    title: 'Count',
    description: 'Counts things for the test.',
    category: 'read',
    input: { n: z.number().optional() },
    output: {
      count: z.number(),
      note: z.string().optional(),
      items: z.array(z.object({ id: z.string() })).optional()
    },
    annotations,
    run: async () => {
      const data = make();
      return (
        data === null
          ? { content: [{ type: 'text', text: 'nothing' }] }
          : jsonOutput('done', data)
      ) as IToolOutput<{ count: number }>;
    }
  });
}

describe('ToolDispatcher', () => {
  it('lists the output schema as JSON Schema, with the title and all annotations', () => {
    const dispatcher = new ToolDispatcher([
      counting('count', () => ({ count: 1 }))
    ]);
    const [tool] = dispatcher.list();
    assert.equal(tool.outputSchema?.type, 'object');
    assert.deepEqual(tool.outputSchema?.required, ['count']);
    assert.deepEqual(tool.annotations, { title: 'Count', ...annotations });
  });

  it('passes structured content that matches the schema', async () => {
    const dispatcher = new ToolDispatcher([
      counting('count', () => ({ count: 2, items: [{ id: 'a' }] }))
    ]);
    const result = await dispatcher.call('count', {}, context);
    assert.equal(result.isError, undefined);
    assert.deepEqual(result.structuredContent, {
      count: 2,
      items: [{ id: 'a' }]
    });
  });

  it('turns a result that breaks its schema into an error naming the field', async () => {
    const cases: [Record<string, unknown> | null, RegExp][] = [
      [{ count: 'two' }, /"count"/],
      [{ count: 1, extra: true }, /"extra" is not in its output schema/],
      [{ count: 1, items: [{ id: 'a', size: 3 }] }, /"items\.0\.size"/],
      [null, /no structured content/]
    ];
    for (const [data, pattern] of cases) {
      const dispatcher = new ToolDispatcher([counting('count', () => data)]);
      const result = await dispatcher.call('count', {}, context);
      assert.equal(result.isError, true, JSON.stringify(data));
      assert.equal(result.structuredContent, undefined);
      const text = result.content
        .map(block => (block.type === 'text' ? block.text : ''))
        .join('\n');
      assert.match(text, pattern);
    }
  });

  it('refuses two tools with one name', () => {
    assert.throws(
      () =>
        new ToolDispatcher([
          counting('same', () => ({ count: 1 })),
          counting('same', () => ({ count: 1 }))
        ]),
      /Duplicate tool name same/
    );
  });

  it('checks the arguments before any guard: an invalid call never reaches one', async () => {
    const asked: string[] = [];
    const ran: string[] = [];
    const tool = defineTool({
      name: 'write',
      title: 'Write',
      description: 'Writes for the test.',
      category: 'files',
      input: { path: z.string() },
      annotations,
      check: async args => {
        if (args.path.includes('..')) {
          throw new ToolError('"path" may not contain "..".');
        }
      },
      run: async args => {
        ran.push(args.path);
        return textOutput('written');
      }
    });
    const dispatcher = new ToolDispatcher([tool]);
    dispatcher.guards.push(async call => {
      asked.push((call.args as { path: string }).path);
    });
    const refused = await dispatcher.call(
      'write',
      { path: '../escape.txt' },
      context
    );
    assert.equal(refused.isError, true);
    assert.match(
      refused.content[0].type === 'text' ? refused.content[0].text : '',
      /may not contain/
    );
    assert.deepEqual(asked, []);
    assert.deepEqual(ran, []);
    const ok = await dispatcher.call('write', { path: 'a.txt' }, context);
    assert.equal(ok.isError, undefined);
    assert.deepEqual(asked, ['a.txt']);
    assert.deepEqual(ran, ['a.txt']);
  });

  it('hands the tool what a guard says the user approved', async () => {
    let seen: unknown = 'not run';
    const tool = defineTool({
      name: 'run',
      title: 'Run',
      description: 'Runs for the test.',
      category: 'execute',
      input: {},
      annotations,
      run: async (_, toolContext) => {
        seen = toolContext.approved;
        return textOutput('ran');
      }
    });
    const dispatcher = new ToolDispatcher([tool]);
    await dispatcher.call('run', {}, context);
    assert.equal(seen, undefined);
    const approved = {
      cells: [{ notebookPath: 'a.ipynb', cellId: 'c1', index: 0, source: 'x' }]
    };
    dispatcher.guards.push(async () => approved);
    await dispatcher.call('run', {}, context);
    assert.deepEqual(seen, approved);
  });

  it('names only the listed tools when a tool is unknown', async () => {
    const dispatcher = new ToolDispatcher([
      counting('visible', () => ({ count: 1 })),
      counting('hidden', () => ({ count: 1 }))
    ]);
    dispatcher.filters.push(tool => tool.name !== 'hidden');
    const result = await dispatcher.call('nope', {}, context);
    const text =
      result.content[0].type === 'text' ? result.content[0].text : '';
    assert.match(text, /Unknown tool "nope"\. Available tools: visible\./);
    assert.doesNotMatch(text, /hidden/);
  });
});
