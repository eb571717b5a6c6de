import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { FakePage } from './fake-page';
import { probeRelay } from '../src/stdio';
import { silentLogger } from '../src/log';
import { Relay } from '../src/relay';
import { TOKEN_ENV } from '../src/token';

const TOKEN = 'stdio-test-token-0123456789abcdefghijkl';
const BIN = path.join(__dirname, '..', 'bin', 'jupyterlab-mcp-bridge.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function spawnStdio(
  port: number,
  configHome: string
): { client: Client; transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--stdio', '--port', String(port), '--page-wait', '10'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: configHome,
      XDG_CONFIG_HOME: configHome,
      [TOKEN_ENV]: TOKEN
    },
    stderr: 'pipe'
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'stdio-test', version: '0.0.0' });
  return { client, transport, stderr: () => stderr };
}

describe('--stdio', () => {
  let configHome: string;

  before(() => {
    configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-stdio-'));
  });

  after(() => {
    fs.rmSync(configHome, { recursive: true, force: true });
  });

  it('joins a relay already listening', async () => {
    const relay = new Relay({ port: 0, token: TOKEN, logger: silentLogger() });
    await relay.start();
    const page = await FakePage.connect(relay.port, TOKEN);
    const { client, transport, stderr } = spawnStdio(relay.port, configHome);
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, 'fake-page');
      assert.equal((await client.listTools()).tools.length, 2);
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'echo', arguments: { z: 3 } },
        undefined,
        {
          onprogress: p => progress.push(p.progress)
        }
      );
      assert.deepEqual(result.content, [
        { type: 'text', text: 'echo {"z":3}' }
      ]);
      assert.deepEqual(progress, [1]);
      assert.equal(relay.hub.sessions.size, 1);
      assert.ok(!stderr().includes(TOKEN));
      await client.close();
      const start = Date.now();
      while (relay.hub.sessions.size > 0 && Date.now() - start < 3000) {
        await new Promise(r => setTimeout(r, 50));
      }
      assert.equal(relay.hub.sessions.size, 0);
    } finally {
      await client.close();
      await page.close();
      await relay.close();
    }
  });

  it('becomes the relay when none listens', async () => {
    const port = await freePort();
    assert.equal(await probeRelay('127.0.0.1', port), 'free');
    const { client, transport, stderr } = spawnStdio(port, configHome);
    const connecting = client.connect(transport);
    let page: FakePage | undefined;
    try {
      const start = Date.now();
      while ((await probeRelay('127.0.0.1', port)) !== 'relay') {
        if (Date.now() - start > 10000) {
          throw new Error(
            `the stdio process did not become the relay:\n${stderr()}`
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
      page = await FakePage.connect(port, TOKEN);
      await connecting;
      assert.equal((await client.listTools()).tools.length, 2);
      const result = await client.callTool({ name: 'echo', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'echo {}' }]);
      assert.ok(stderr().includes('RELAY_READY'));
      assert.ok(!stderr().includes(TOKEN), 'the token must not be printed');
    } finally {
      await client.close();
      await page?.close();
    }
    const start = Date.now();
    while (
      (await probeRelay('127.0.0.1', port)) !== 'free' &&
      Date.now() - start < 5000
    ) {
      await new Promise(r => setTimeout(r, 100));
    }
    assert.equal(await probeRelay('127.0.0.1', port), 'free');
  });

  it('when the client hosting the relay exits, the others go on: one takes over the port', async () => {
    const port = await freePort();
    const host = spawnStdio(port, configHome);
    const hostConnecting = host.client.connect(host.transport);
    const start = Date.now();
    while ((await probeRelay('127.0.0.1', port)) !== 'relay') {
      if (Date.now() - start > 10000) {
        throw new Error(`no relay:\n${host.stderr()}`);
      }
      await new Promise(r => setTimeout(r, 100));
    }
    let page = await FakePage.connect(port, TOKEN);
    await hostConnecting;
    const other = spawnStdio(port, configHome);
    try {
      await other.client.connect(other.transport);
      const before = await other.client.callTool({
        name: 'echo',
        arguments: { n: 1 }
      });
      assert.deepEqual(before.content, [
        { type: 'text', text: 'echo {"n":1}' }
      ]);
      assert.ok(!other.stderr().includes('hosts the relay'));

      // The hosting client quits: its relay goes away with it.
      await host.client.close();
      await page.close();

      // The other client's next call succeeds, with no restart: it becomes
      // the relay, the page reconnects (as the real page does, with
      // backoff), and the session is renewed under it.
      const call = other.client.callTool({ name: 'echo', arguments: { n: 2 } });
      const reconnect = (async () => {
        const since = Date.now();
        for (;;) {
          try {
            return await FakePage.connect(port, TOKEN);
          } catch (error) {
            if (Date.now() - since > 15000) {
              throw error;
            }
            await new Promise(r => setTimeout(r, 100));
          }
        }
      })();
      page = await reconnect;
      const after = await call;
      assert.deepEqual(after.content, [{ type: 'text', text: 'echo {"n":2}' }]);
      assert.ok(other.stderr().includes('hosts the relay'), other.stderr());
      // The renewed session names the one it continues, for the page to
      // carry its state over.
      const renewed = page.sessionOpens.at(-1);
      assert.match(renewed?.previousSessionId ?? '', /^[\w-]{20,}$/);
      assert.notEqual(renewed?.previousSessionId, renewed?.sessionId);
      assert.ok(!other.stderr().includes(TOKEN));
    } finally {
      await other.client.close();
      await page.close();
    }
  });
});
