/**
 * Every tool answers bad input with an error naming the argument, and
 * changes nothing: checked over the whole tool list, so new tools are
 * covered as they are added.
 */

import {
  CallToolResultSchema,
  EmptyResultSchema
} from '@modelcontextprotocol/sdk/types.js';
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

/** A value of the wrong JSON type for a schema property. */
function wrongValue(schema: Record<string, unknown>): unknown {
  const type = schema.type;
  if (type === 'string' || schema.enum) {
    return 12345;
  }
  if (type === 'array' || type === 'object') {
    return 'not-a-list';
  }
  if (type === 'number' || type === 'integer' || type === 'boolean') {
    return 'not-a-number';
  }
  return undefined;
}

test('every tool refuses unknown and mistyped arguments, naming them, and changes nothing', async ({
  lab,
  env
}) => {
  const { client } = await connectHttp(env);
  try {
    const name = 'guarded.ipynb';
    await call(client, 'use_notebook', { notebook_path: name });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'kept = True'
    });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: '# kept'
    });
    const before = JSON.stringify(await savedNotebook(lab, env, name));

    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThanOrEqual(19);
    let checked = 0;
    for (const tool of tools) {
      const unknown = await call(client, tool.name, { bogus_argument: 1 });
      expect(unknown.isError, `${tool.name} with an unknown argument`).toBe(
        true
      );
      expect(textOf(unknown)).toContain('"bogus_argument"');
      expect(textOf(unknown)).toContain('Valid arguments');

      const properties = (tool.inputSchema.properties ?? {}) as Record<
        string,
        Record<string, unknown>
      >;
      for (const [property, schema] of Object.entries(properties)) {
        const value = wrongValue(schema);
        if (value === undefined) {
          continue;
        }
        const result = await call(client, tool.name, { [property]: value });
        expect(
          result.isError,
          `${tool.name}.${property} = ${JSON.stringify(value)}`
        ).toBe(true);
        expect(textOf(result), `${tool.name}.${property}`).toContain(
          `"${property}"`
        );
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(40);

    // Nothing changed, on disk or in the page.
    expect(JSON.stringify(await savedNotebook(lab, env, name))).toBe(before);
    const cells = await notebookCells(lab, name);
    await expect(cells).toHaveCount(2);
    await expect(cells.nth(0).locator('.cm-content')).toContainText(
      'kept = True'
    );
  } finally {
    await disconnect(client);
  }
});

test('JSON-RPC errors reach the client with the "MCP error" prefix once', async ({
  lab,
  env
}) => {
  expect(lab).toBeTruthy();
  const { client } = await connectHttp(env);
  try {
    const failures: [string, () => Promise<unknown>, RegExp][] = [
      [
        'resources/read of a bad URI',
        () => client.readResource({ uri: 'notebook://../x.ipynb' }),
        /may not hold "\." or "\.\." segments/
      ],
      [
        'resources/read of a notebook that is not open',
        () => client.readResource({ uri: 'notebook://nowhere.ipynb' }),
        /is not open in the page/
      ],
      [
        'tools/call without a name',
        () =>
          client.request(
            { method: 'tools/call', params: { arguments: {} } },
            CallToolResultSchema
          ),
        /"name"/
      ],
      [
        'an unknown method',
        () =>
          client.request(
            { method: 'no/such-method', params: {} },
            EmptyResultSchema
          ),
        /Method not found/
      ]
    ];
    for (const [what, request, expected] of failures) {
      const error = await request().then(
        () => new Error(`${what} succeeded`),
        (reason: unknown) => reason as Error
      );
      expect(error.message, what).toMatch(expected);
      expect(error.message, what).toMatch(/^MCP error -?\d+: /);
      expect(
        error.message.match(/MCP error -?\d+:/g)?.length,
        `${what}: ${error.message}`
      ).toBe(1);
    }
  } finally {
    await disconnect(client);
  }
});
