import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod';

import { ToolDenied, ToolDispatcher } from '../../src/mcp/dispatcher';
import type { ICompletionRequest } from '../../src/mcp/prompts';
import { createSessionServer } from '../../src/mcp/server';
import { defineTool, textOutput, ToolError } from '../../src/mcp/tool';

const annotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
};

const greet = defineTool({
  name: 'greet',
  title: 'Greet someone',
  description: 'A greeting for the test.',
  category: 'read',
  input: {
    who: z.string().describe('Whom to greet.'),
    style: z.string().optional().describe('How.')
  },
  annotations,
  run: async args => {
    if (args.who === 'nobody') {
      throw new ToolError('Argument "who": nobody is there to greet.');
    }
    return {
      content: [
        {
          type: 'text',
          text: `Hello ${args.who}${args.style ? ` (${args.style})` : ''}`
        },
        { type: 'text', text: 'Second message' }
      ]
    };
  }
});

const secret = defineTool({
  name: 'secret',
  title: 'Hidden',
  description: 'Denied by the test policy.',
  category: 'files',
  input: {},
  annotations,
  run: async () => textOutput('never')
});

async function connect() {
  const dispatcher = new ToolDispatcher<null>([]);
  const calls: string[] = [];
  dispatcher.callStarted.connect((_, call) => calls.push(call.tool));
  dispatcher.filters.push(tool => tool.category !== 'files');
  dispatcher.guards.push(async (_, tool) => {
    if (tool.category === 'files') {
      throw new ToolDenied("The user's policy denies files.");
    }
  });
  const asked: ICompletionRequest[] = [];
  const server = createSessionServer({
    dispatcher,
    services: null,
    session: { id: 's1', notebookPath: null, terminalName: null, runs: [] },
    relay: {
      saveSession: () => undefined,
      noteCall: () => undefined,
      ending: () => false
    },
    prompts: {
      prompts: [greet, secret],
      completions: {
        complete: async request => {
          asked.push(request);
          if (request.ref.type === 'ref/resource') {
            return request.ref.uri === 'notebook://{+notebook_path}'
              ? ['a.ipynb', 'b.ipynb']
              : null;
          }
          return ['Ada', 'alan', 'Bob'];
        }
      }
    }
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return { client, calls, asked };
}

describe('MCP prompts and completion', () => {
  it('declares prompts and completions and lists prompts with their arguments', async () => {
    const { client } = await connect();
    assert.deepEqual(client.getServerCapabilities()?.prompts, {
      listChanged: true
    });
    assert.deepEqual(client.getServerCapabilities()?.completions, {});
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts, [
      {
        name: 'greet',
        title: 'Greet someone',
        description: 'A greeting for the test.',
        arguments: [
          { name: 'who', description: 'Whom to greet.', required: true },
          { name: 'style', description: 'How.', required: false }
        ]
      }
    ]);
  });

  it('fills a prompt through the dispatcher: one user message per block', async () => {
    const { client, calls } = await connect();
    const result = await client.getPrompt({
      name: 'greet',
      arguments: { who: 'Ada', style: 'warmly' }
    });
    assert.deepEqual(result, {
      description: 'Greet someone',
      messages: [
        { role: 'user', content: { type: 'text', text: 'Hello Ada (warmly)' } },
        { role: 'user', content: { type: 'text', text: 'Second message' } }
      ]
    });
    assert.deepEqual(calls, ['greet']);
  });

  it('refuses bad arguments, errors of the prompt, denied and unknown prompts', async () => {
    const { client } = await connect();
    await assert.rejects(
      client.getPrompt({ name: 'greet', arguments: {} }),
      error => {
        assert.match(
          String(error),
          /Invalid arguments for greet; nothing was changed/
        );
        assert.match(String(error), /Argument "who"/);
        return true;
      }
    );
    await assert.rejects(
      client.getPrompt({ name: 'greet', arguments: { who: 'nobody' } }),
      /nobody is there to greet/
    );
    await assert.rejects(
      client.getPrompt({ name: 'secret' }),
      /policy denies files/
    );
    await assert.rejects(
      client.getPrompt({ name: 'nope' }),
      /Unknown prompt "nope". Available prompts: greet\./
    );
  });

  it('completes arguments by prefix, and refuses what it does not know', async () => {
    const { client, asked } = await connect();
    const result = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'a' },
      context: { arguments: { style: 'warmly' } }
    });
    assert.deepEqual(result.completion, {
      values: ['Ada', 'alan'],
      total: 2,
      hasMore: false
    });
    assert.deepEqual(asked[0].arguments, { style: 'warmly' });
    const resource = await client.complete({
      ref: { type: 'ref/resource', uri: 'notebook://{+notebook_path}' },
      argument: { name: 'notebook_path', value: '' }
    });
    assert.deepEqual(resource.completion.values, ['a.ipynb', 'b.ipynb']);
    await assert.rejects(
      client.complete({
        ref: { type: 'ref/prompt', name: 'secret' },
        argument: { name: 'x', value: '' }
      }),
      /Unknown prompt "secret"/
    );
    await assert.rejects(
      client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'colour', value: '' }
      }),
      /no argument "colour"; its arguments: who, style/
    );
    await assert.rejects(
      client.complete({
        ref: { type: 'ref/resource', uri: 'test://x/{id}' },
        argument: { name: 'id', value: '' }
      }),
      /No resource template "test:\/\/x\/\{id\}"/
    );
  });
});
