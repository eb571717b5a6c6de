/**
 * The relay's doors: token, Origin and Host on /mcp and on the page socket.
 */

import { request } from 'node:http';
import WebSocket from 'ws';

import { expect, test } from '../fixtures';

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

function openPage(
  url: string,
  protocols: string[],
  origin: string | undefined
): Promise<{ opened: boolean; status?: number }> {
  return new Promise(resolve => {
    const socket = new WebSocket(url, protocols, origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      socket.terminate();
    });
    socket.on('error', () => resolve({ opened: false }));
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

  test('the page socket refuses a missing or wrong token and a foreign origin', async ({
    env
  }) => {
    const sub = 'jupyterlab-mcp-bridge.v1';
    const good = `bearer.${env.token}`;
    const local = 'http://127.0.0.1:8888';
    expect(await openPage(env.relayUrl, [sub], local)).toMatchObject({
      opened: false,
      status: 401
    });
    expect(
      await openPage(env.relayUrl, [sub, 'bearer.wrong'], local)
    ).toMatchObject({ opened: false, status: 401 });
    expect(
      await openPage(env.relayUrl, [sub, good], 'http://evil.example')
    ).toMatchObject({ opened: false, status: 403 });
    expect(await openPage(env.relayUrl, [sub, good], local)).toMatchObject({
      opened: true
    });
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
