import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { ToolDispatcher } from '../../src/mcp/dispatcher';
import {
  defineTool,
  jsonOutput,
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
});
