import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WebSocketServer } from 'ws';
import { FakePage } from './fake-page';
import { freePort, until } from './helpers';
import { probeRelay } from '../src/stdio';
import { silentLogger } from '../src/log';
import { Relay } from '../src/relay';
import { TOKEN_ENV } from '../src/token';

const TOKEN = 'stdio-test-token-0123456789abcdefghijkl';
const BIN = path.join(__dirname, '..', 'bin', 'jupyterlab-mcp-bridge.js');

function spawnStdio(
  port: number,
  configHome: string,
  tokenFile?: string
): { client: Client; transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      BIN,
      '--stdio',
      '--port',
      String(port),
      '--page-wait',
      '10',
      ...(tokenFile ? ['--token-file', tokenFile] : [])
    ],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: configHome,
      XDG_CONFIG_HOME: configHome,
      ...(tokenFile ? {} : { [TOKEN_ENV]: TOKEN })
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

/**
 * A program on the port that does not know the token: a plain \`ws\`
 * server, which (when \`mimic\` is set) also answers like the relay:
 * \`/healthz\` with the relay's name, \`/auth\` with a made-up proof, and
 * \`/mcp\` with a made-up tool result. It records everything it gets.
 */
async function fakeRelay(
  port: number,
  mimic: boolean
): Promise<{ seen: string[]; paths: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += String(chunk)));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url}`);
      seen.push(JSON.stringify(req.headers), body);
      if (!mimic) {
        res.writeHead(426).end();
        return;
      }
      const json = (value: unknown): void => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/healthz') {
        json({ name: 'jupyterlab-mcp-bridge', version: '0.1.0' });
      } else if (req.url === '/auth') {
        json({
          nonce: 'n'.repeat(43),
          proof: 'p'.repeat(43)
        });
      } else {
        const id = (JSON.parse(body || '{}') as { id?: unknown }).id ?? 0;
        json({
          jsonrpc: '2.0',
          id,
          result: {
            protocolVersion: '2025-06-18',
            capabilities: { tools: {} },
            serverInfo: { name: 'impostor', version: '0' }
          }
        });
      }
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', ws => ws.on('message', data => seen.push(String(data))));
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return {
    seen,
    paths,
    close: () =>
      new Promise(resolve => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

describe('--stdio', () => {
  let configHome: string;

  before(() => {
    configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-stdio-'));
  });

  after(() => {
    fs.rmSync(configHome, { recursive: true, force: true });
  });

  for (const mimic of [false, true]) {
    it(`sends nothing reusable to a program on the port that does not know the token, and no call reaches it (${mimic ? 'it answers like the relay' : 'a plain ws server'})`, async () => {
      const port = await freePort();
      const fake = await fakeRelay(port, mimic);
      const { client, transport, stderr } = spawnStdio(port, configHome);
      try {
        await assert.rejects(client.connect(transport));
        assert.match(
          stderr(),
          new RegExp(
            `Port ${port} is used by a program that did not prove it knows the token`
          )
        );
        // It was asked to prove itself, with a nonce, and got nothing else:
        // no token, no Authorization, no MCP message.
        assert.deepEqual(fake.paths, ['POST /auth']);
        const everything = fake.seen.join('\n');
        assert.ok(!everything.includes(TOKEN), 'the token reached the fake');
        assert.ok(!/authorization/i.test(everything), everything);
        assert.ok(!everything.includes('initialize'), everything);
        assert.match(fake.seen[1], /^\{"nonce":"[A-Za-z0-9_-]{43}"\}$/);
      } finally {
        await client.close();
        await fake.close();
      }
    });
  }

  it('joins a relay already listening', async () => {
    const relay = new Relay({ port: 0, token: TOKEN, logger: silentLogger() });
    await relay.start();
    const page = await FakePage.connect(relay.port, TOKEN);
    const { client, transport, stderr } = spawnStdio(relay.port, configHome);
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, 'fake-page');
      assert.equal((await client.listTools()).tools.length, 2);
      // What reaches the client, in order. (Its SDK drops a progress
      // notification that arrives in the same chunk as the result, which a
      // busy machine can make happen: the wire is what the relay controls.)
      const received: string[] = [];
      const deliver = transport.onmessage;
      transport.onmessage = (message: JSONRPCMessage) => {
        if (
          'method' in message &&
          message.method === 'notifications/progress'
        ) {
          received.push(`progress ${String(message.params?.progress)}`);
        } else if ('id' in message && 'result' in message) {
          received.push('result');
        }
        deliver?.(message);
      };
      const result = await client.callTool(
        { name: 'echo', arguments: { z: 3 } },
        undefined,
        { onprogress: () => undefined }
      );
      assert.deepEqual(result.content, [
        { type: 'text', text: 'echo {"z":3}' }
      ]);
      assert.deepEqual(received, ['progress 1', 'result']);
      assert.equal(relay.hub.sessions.size, 1);
      assert.ok(!stderr().includes(TOKEN));
      await client.close();
      await until(() => relay.hub.sessions.size === 0, 'the session ended');
    } finally {
      await client.close();
      await page.close();
      await relay.close();
    }
  });

  it('carries on through a rotation: reads the token file again, proves the new token, renews its session', async () => {
    const tokenFile = path.join(configHome, 'rotating-token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const relay = new Relay({
      port: 0,
      token: TOKEN,
      tokenFile,
      logger: silentLogger()
    });
    await relay.start();
    let page = await FakePage.connect(relay.port, TOKEN);
    const { client, transport, stderr } = spawnStdio(
      relay.port,
      configHome,
      tokenFile
    );
    try {
      await client.connect(transport);
      const before = await client.callTool({
        name: 'echo',
        arguments: { n: 1 }
      });
      assert.deepEqual(before.content, [
        { type: 'text', text: 'echo {"n":1}' }
      ]);
      const closed = page.closed();
      relay.rotateToken();
      await closed;
      const fresh = fs.readFileSync(tokenFile, 'utf8').trim();
      assert.notEqual(fresh, TOKEN);
      page = await FakePage.connect(relay.port, fresh);
      const after = await client.callTool({
        name: 'echo',
        arguments: { n: 2 }
      });
      assert.deepEqual(after.content, [{ type: 'text', text: 'echo {"n":2}' }]);
      assert.match(stderr(), /the relay token was rotated: using the new one/);
      assert.ok(!stderr().includes(fresh) && !stderr().includes(TOKEN));
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
      await until(
        async () => (await probeRelay('127.0.0.1', port)) === 'relay',
        () => `the stdio process did not become the relay:\n${stderr()}`,
        10000
      );
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
    await until(
      async () => (await probeRelay('127.0.0.1', port)) === 'free',
      'the relay went away with its process'
    );
  });

  it('when the client hosting the relay exits, the others go on: one takes over the port', async () => {
    const port = await freePort();
    const host = spawnStdio(port, configHome);
    const hostConnecting = host.client.connect(host.transport);
    await until(
      async () => (await probeRelay('127.0.0.1', port)) === 'relay',
      () => `no relay:\n${host.stderr()}`,
      10000
    );
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
            // The page's backoff between attempts, not a condition.
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
