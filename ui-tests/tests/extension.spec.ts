/**
 * The extension point: a plugin of another extension adds a tool (and a
 * guard) through the IMcpBridge token, and an MCP client calls it.
 */

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { call, expect, setBridgeSettings, test, textOf } from '../fixtures';

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test('a plugin of another extension registers a tool and a guard that MCP clients meet', async ({
  lab,
  mcp
}) => {
  const listChanged = new Promise<void>(resolve =>
    mcp.setNotificationHandler(ToolListChangedNotificationSchema, () =>
      resolve()
    )
  );
  await lab.evaluate(async () => {
    interface IZod {
      string(): { describe(text: string): unknown };
    }
    interface IBridge {
      registerTool(make: (z: IZod) => unknown): unknown;
      addGuard(
        guard: (call: { tool: string; args: unknown }) => Promise<void>
      ): unknown;
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
      id: 'example-extension:shout-tool',
      description: 'An example extension adding an MCP tool and a guard.',
      autoStart: false,
      requires: [token],
      activate: (_: unknown, bridge: IBridge) => {
        bridge.registerTool(z => ({
          name: 'example_shout',
          title: 'Shout (example)',
          description: 'Return the text in capitals.',
          category: 'read',
          input: { text: z.string().describe('The text to shout.') },
          output: { shouted: z.string() },
          annotations: {
            readOnlyHint: true,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: false
          },
          run: async (args: { text: string }) => ({
            content: [{ type: 'text', text: args.text.toUpperCase() }],
            structuredContent: { shouted: args.text.toUpperCase() }
          })
        }));
        bridge.addGuard(async call => {
          if (
            call.tool === 'example_shout' &&
            (call.args as { text: string }).text === 'forbidden'
          ) {
            throw new Error('the example guard refuses "forbidden"');
          }
        });
      }
    });
    await app.activatePlugin('example-extension:shout-tool');
  });
  await listChanged;
  const { tools } = await mcp.listTools();
  const tool = tools.find(t => t.name === 'example_shout');
  expect(tool?.title).toBe('Shout (example)');
  expect(tool?.outputSchema).toBeTruthy();
  expect(tool?.annotations?.readOnlyHint).toBe(true);

  const result = await call(mcp, 'example_shout', { text: 'hello' });
  expect(result.isError).toBeFalsy();
  expect(textOf(result)).toBe('HELLO');
  expect(result.structuredContent).toEqual({ shouted: 'HELLO' });

  const refused = await call(mcp, 'example_shout', { text: 'forbidden' });
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain('the example guard refuses');
  const bad = await call(mcp, 'example_shout', { text: 3 });
  expect(bad.isError).toBe(true);
  expect(textOf(bad)).toContain('"text"');
});

test("another extension's tool shows its own preview in the approval dialog", async ({
  lab,
  mcp
}) => {
  await lab.evaluate(async () => {
    interface IZod {
      string(): unknown;
    }
    interface IPreview {
      change(
        title: string,
        before: string | null,
        after: string,
        bound: { what: string; current(): Promise<string | null> }
      ): void;
      note(text: string): void;
      showsArguments(...names: string[]): void;
    }
    interface IBridge {
      registerTool(make: (z: IZod) => unknown): unknown;
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
      id: 'example-extension:motto-tool',
      description: 'An example extension adding a tool with a preview.',
      autoStart: false,
      requires: [token],
      activate: (_: unknown, bridge: IBridge) => {
        let motto = 'carpe diem';
        bridge.registerTool(z => ({
          name: 'example_set_motto',
          title: 'Set the motto (example)',
          description: 'Replace the motto.',
          category: 'files',
          input: { motto: z.string() },
          annotations: {
            readOnlyHint: false,
            destructiveHint: true,
            idempotentHint: true,
            openWorldHint: false
          },
          preview: async (
            args: { motto: string },
            context: { preview: IPreview }
          ) => {
            context.preview.note('The motto shows on every page.');
            context.preview.change('the motto', motto, args.motto, {
              what: 'The motto',
              current: async () => motto
            });
            context.preview.showsArguments('motto');
          },
          run: async (args: { motto: string }) => {
            motto = args.motto;
            return { content: [{ type: 'text', text: `Motto: ${motto}` }] };
          }
        }));
      }
    });
    await app.activatePlugin('example-extension:motto-tool');
  });
  // The user asks to approve it.
  await setBridgeSettings(lab, { toolPolicy: { example_set_motto: 'ask' } });
  await expect
    .poll(async () => (await mcp.listTools()).tools.map(tool => tool.name))
    .toContain('example_set_motto');

  const pending = call(mcp, 'example_set_motto', { motto: 'festina lente' });
  const dialog = lab.locator('.jp-McpBridge-approvalDialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('.jp-McpBridge-approvalNote')).toHaveText(
    'The motto shows on every page.'
  );
  await expect(dialog.locator('.jp-McpBridge-diffRemoved')).toHaveText([
    '- carpe diem'
  ]);
  await expect(dialog.locator('.jp-McpBridge-diffAdded')).toHaveText([
    '+ festina lente'
  ]);
  await dialog.locator('.jp-McpBridge-approvalArgsToggle').click();
  await expect(dialog.locator('.jp-McpBridge-approvalArgs dd')).toHaveText([
    'shown above'
  ]);
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const result = await pending;
  expect(result.isError, textOf(result)).toBeFalsy();
  expect(textOf(result)).toBe('Motto: festina lente');
});
