/**
 * The relay's doors: token, Origin and Host on /mcp and on the page socket.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';

import { PAGE_SUBPROTOCOL } from 'jupyterlab-mcp-bridge/protocol';

import {
  expect,
  freePort,
  openPageSocket,
  openPairedPage,
  RELAY_BIN,
  startProcess,
  stop,
  test,
  type IBridgeEnv
} from '../fixtures';

const TOKEN_KEY = 'jupyterlab-mcp-bridge:relay-token';

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'probe', version: '1' }
  }
});

function post(
  port: number,
  headers: Record<string, string>
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...headers
        }
      },
      res => {
        // Refusals are short bodies; an accepted call may stream, so take
        // what the first chunk says and hang up.
        const status = res.statusCode ?? 0;
        if (status === 200) {
          resolve({ status, body: '' });
          res.destroy();
          return;
        }
        let body = '';
        res.on('data', chunk => (body += chunk));
        res.on('end', () => resolve({ status, body }));
      }
    );
    req.on('error', reject);
    req.end(INIT);
  });
}

test.describe('relay security', () => {
  test('a client without the token gets 401', async ({ env }) => {
    const none = await post(env.relayPort, {});
    expect(none.status).toBe(401);
    const wrong = await post(env.relayPort, {
      Authorization: 'Bearer not-the-token'
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain(env.token);
  });

  test('a foreign Origin gets 403, even with the token', async ({ env }) => {
    const result = await post(env.relayPort, {
      Authorization: `Bearer ${env.token}`,
      Origin: 'http://evil.example'
    });
    expect(result.status).toBe(403);
  });

  test('a bad Host gets 403 (DNS rebinding)', async ({ env }) => {
    const result = await post(env.relayPort, {
      Authorization: `Bearer ${env.token}`,
      Host: `evil.example:${env.relayPort}`
    });
    expect(result.status).toBe(403);
  });

  test('a good client is let in', async ({ env }) => {
    const result = await post(env.relayPort, {
      Authorization: `Bearer ${env.token}`,
      Origin: 'http://localhost:6274'
    });
    // Accepted by the relay (the session then waits for a page or answers).
    expect([200, 202]).toContain(result.status);
  });

  test('the page socket refuses a foreign origin, and serves only a socket that proved the token', async ({
    env
  }) => {
    const local = 'http://127.0.0.1:8888';
    const foreign = await openPageSocket(
      env.relayUrl,
      env.token,
      'http://evil.example'
    );
    expect(foreign.welcomed).toBe(false);
    expect(foreign.received).toEqual(['http 403']);
    // Without the token: the relay proves itself first, then closes the
    // socket on the wrong proof, before anything else.
    const wrong = await openPageSocket(env.relayUrl, env.token, local, true);
    expect(wrong.welcomed).toBe(false);
    expect(wrong.received).toEqual(['auth-relay']);
    expect(await wrong.closed).toBe(4001);
    // A socket that sends anything but its nonce first is closed too.
    const rude = await new Promise<number>(resolve => {
      const socket = new WebSocket(env.relayUrl, [PAGE_SUBPROTOCOL], {
        origin: local
      });
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'page-focus' }))
      );
      socket.on('close', code => resolve(code));
    });
    expect(rude).toBe(4001);
    const good = await openPageSocket(env.relayUrl, env.token, local);
    expect(good.welcomed).toBe(true);
    expect(good.received).toEqual(['auth-relay', 'welcome']);
    good.close();
  });

  test('/healthz reports counts and no secret', async ({ env }) => {
    const response = await fetch(`http://127.0.0.1:${env.relayPort}/healthz`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(env.token);
    const body = JSON.parse(text) as {
      name: string;
      pages: number;
      sessions: number;
    };
    expect(body.name).toBe('jupyterlab-mcp-bridge');
    expect(typeof body.pages).toBe('number');
    expect(typeof body.sessions).toBe('number');
  });
});

test('a program on the relay port without the token learns nothing it can reuse, and runs nothing in the page', async ({
  page,
  env
}) => {
  const configHome = mkdtempSync(join(tmpdir(), 'mcp-bridge-impostor-'));
  const port = await freePort();
  const relayEnv: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: configHome
  };
  delete relayEnv.JUPYTERLAB_MCP_BRIDGE_TOKEN;
  const relay = await startProcess(
    process.execPath,
    [RELAY_BIN, '--port', String(port)],
    relayEnv,
    /RELAY_READY/,
    'relay'
  );
  const token = readFileSync(
    join(configHome, 'jupyterlab-mcp-bridge', 'token'),
    'utf-8'
  ).trim();
  const relayUrl = `ws://127.0.0.1:${port}/page`;
  const own: IBridgeEnv = {
    ...env,
    relayPort: port,
    relayUrl,
    token,
    pairingUrl: workspace =>
      `${env.labUrl}/lab/workspaces/${workspace}?token=${env.labToken}` +
      `#mcp-bridge-url=${encodeURIComponent(relayUrl)}&mcp-bridge-token=${token}`
  };
  const received: string[] = [];
  let connections = 0;
  let server: WebSocketServer | undefined;
  try {
    await openPairedPage(page, own, `impostor${Date.now()}`);
    // The relay goes away (say its --stdio host quit), and a program that
    // does not know the token takes its port. It plays the relay as well
    // as it can: it sends a welcome, a session and tool calls right away,
    // and answers the page's nonce with a made-up proof and the same again.
    await stop(relay.child);
    const marker = `impostor-${Date.now()}.txt`;
    const attack = (ws: WebSocket): void => {
      const send = (value: unknown) => ws.send(JSON.stringify(value));
      send({ type: 'welcome', relayVersion: '0.1.0', pageId: 'fake' });
      send({
        type: 'session-open',
        sessionId: 'fake-session',
        transport: 'http'
      });
      send({
        type: 'session-message',
        sessionId: 'fake-session',
        message: {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'impostor', version: '0' }
          }
        }
      });
      send({
        type: 'session-message',
        sessionId: 'fake-session',
        message: {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: {
            name: 'write_file',
            arguments: { path: marker, content: 'the impostor ran this' }
          }
        }
      });
    };
    server = new WebSocketServer({
      host: '127.0.0.1',
      port,
      handleProtocols: protocols =>
        [...protocols].find(p => p.startsWith('jupyterlab-mcp-bridge.v')) ??
        false
    });
    server.on('connection', (ws, req) => {
      connections += 1;
      received.push(
        `protocol ${String(req.headers['sec-websocket-protocol'])}`
      );
      ws.on('message', data => {
        received.push(String(data));
        const message = JSON.parse(String(data)) as { type?: string };
        if (message.type === 'auth-hello') {
          ws.send(
            JSON.stringify({
              type: 'auth-relay',
              nonce: 'n'.repeat(43),
              proof: 'p'.repeat(43)
            })
          );
          attack(ws);
        }
      });
      attack(ws);
    });
    // The page comes back (with backoff), more than once.
    await expect
      .poll(() => connections, { timeout: 60_000 })
      .toBeGreaterThan(2);
    const status = page.locator('.jp-McpBridge-status');
    await expect(status).toHaveAttribute(
      'title',
      /did not prove that it knows the token/
    );
    await expect(status).toHaveAttribute('data-status', 'disconnected');

    // What the page sent: its subprotocol, then one fresh nonce per attempt.
    // No token, no proof, no answer to any session message.
    const text = received.join('\n');
    expect(text).not.toContain(token);
    const messages = received
      .filter(line => !line.startsWith('protocol '))
      .map(line => JSON.parse(line) as { type: string; nonce?: string });
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(Object.keys(message).sort()).toEqual(['nonce', 'type']);
      expect(message.type).toBe('auth-hello');
      expect(message.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(new Set(messages.map(m => m.nonce)).size).toBe(messages.length);
    for (const line of received.filter(l => l.startsWith('protocol '))) {
      expect(line).toBe('protocol jupyterlab-mcp-bridge.v4');
    }
    // Nothing ran: no file, and the page shows no client.
    expect(existsSync(join(env.rootDir, marker))).toBe(false);
    await expect(status).not.toContainText('1 client');
    // The page still holds its own token.
    expect(
      await page.evaluate(key => localStorage.getItem(key), TOKEN_KEY)
    ).toBe(token);
  } finally {
    await new Promise(resolve =>
      server ? server.close(resolve) : resolve(undefined)
    );
    await stop(relay.child);
    rmSync(configHome, { recursive: true, force: true });
  }
});
