import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  ReadResourceRequestSchema
} from '@modelcontextprotocol/sdk/types.js';

import {
  plainErrorMessage,
  PlainErrorTransport,
  withPlainError
} from '../../src/mcp/errors';

describe('error messages', () => {
  it('loses every "MCP error <code>: " prefix of its own code', () => {
    assert.equal(
      plainErrorMessage(-32602, 'MCP error -32602: bad uri'),
      'bad uri'
    );
    assert.equal(
      plainErrorMessage(-32602, 'MCP error -32602: MCP error -32602: x'),
      'x'
    );
    assert.equal(
      plainErrorMessage(-32602, 'MCP error -32000: other code'),
      'MCP error -32000: other code'
    );
    const ok = { jsonrpc: '2.0' as const, id: 1, result: {} };
    assert.equal(withPlainError(ok), ok);
  });

  it('reaches an SDK client with one prefix when a handler throws McpError', async () => {
    const server = new McpServer(
      { name: 't', version: '1' },
      { capabilities: { resources: {} } }
    );
    server.server.setRequestHandler(ReadResourceRequestSchema, () => {
      throw new McpError(ErrorCode.InvalidParams, 'bad uri', { uri: 'x://' });
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(new PlainErrorTransport(serverSide));
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(clientSide);
    await assert.rejects(
      client.readResource({ uri: 'x://' }),
      (error: Error) => {
        assert.equal(error.message, 'MCP error -32602: bad uri');
        assert.deepEqual((error as McpError).data, { uri: 'x://' });
        return true;
      }
    );
    await client.close();
  });
});
