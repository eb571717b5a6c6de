import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakePage, initializeRaw } from './fake-page';
import { until } from './helpers';
import { silentLogger } from '../src/log';
import {
  MCP_PATH,
  type ITokenRotated,
  TOKEN_ROTATED_CLOSE_CODE
} from '../src/protocol';
import { Relay } from '../src/relay';
import { writePrivateFile } from '../src/token';

const OLD = 'old-token-0123456789abcdefghijklmnopqrs';

/**
 * The status of an MCP initialize POSTed with `token`.
 */
function initializeStatus(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: MCP_PATH,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          Authorization: `Bearer ${token}`
        }
      },
      res => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      }
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'probe', version: '1' }
        }
      })
    );
  });
}

/**
 * A `ping` on a session, with `token`.
 */
async function ping(
  port: number,
  token: string,
  sessionId: string
): Promise<Response> {
  const response = await fetch(`http://127.0.0.1:${port}${MCP_PATH}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Session-Id': sessionId,
      'Mcp-Protocol-Version': '2025-11-25'
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' })
  });
  await response.body?.cancel();
  return response;
}

describe('token rotation', () => {
  let dir: string;
  let tokenFile: string;
  let relay: Relay;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-rotate-'));
    tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, `${OLD}\n`, { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, 'pairing-link'),
      `http://localhost:8888/lab#mcp-bridge-url=x&mcp-bridge-token=${OLD}\n`
    );
    relay = new Relay({
      token: OLD,
      tokenFile,
      port: 0,
      logger: silentLogger()
    });
    await relay.start();
  });

  afterEach(async () => {
    await relay.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the user's page asks for a new token: every page socket closes, every session ends, only that page gets the new token and comes back with it", async () => {
    const page = await FakePage.connect(relay.port, OLD);
    const other = await FakePage.connect(relay.port, OLD);
    // An HTTP session opened with the old token.
    const opened = await initializeRaw(relay.port, OLD);
    assert.equal(opened.status, 200);
    const sessionId = opened.headers.get('mcp-session-id') ?? '';
    await opened.body?.cancel();
    await until(async () => relay.hub.sessions.size === 1);
    const pageClosed = page.closed();
    const otherClosed = other.closed();
    try {
      page.requestRotation();
      const rotated = (await page.waitFor(
        m => m.type === 'token-rotated'
      )) as ITokenRotated;
      assert.notEqual(rotated.token, OLD);
      assert.match(rotated.token, /^[A-Za-z0-9_-]{43}$/);
      // Both sockets opened before the rotation are closed by it.
      assert.equal(await pageClosed, TOKEN_ROTATED_CLOSE_CODE);
      assert.equal(await otherClosed, TOKEN_ROTATED_CLOSE_CODE);
      assert.ok(!other.received.some(m => m.type === 'token-rotated'));
      // The session opened with the old token is over, whatever token.
      assert.equal(relay.hub.sessions.size, 0);
      assert.equal((await ping(relay.port, OLD, sessionId)).status, 401);
      assert.equal(
        (await ping(relay.port, rotated.token, sessionId)).status,
        404
      );
      assert.equal(await initializeStatus(relay.port, OLD), 401);
      // The old token proves nothing any more: the relay's proof does not
      // check out with it, so a page holding it sends no proof.
      await assert.rejects(
        FakePage.connect(relay.port, OLD),
        /did not prove it knows the token/
      );
      // The user's page comes back by proving the new token, and serves.
      const back = await FakePage.connect(relay.port, rotated.token);
      try {
        assert.equal(await initializeStatus(relay.port, rotated.token), 200);
        await until(async () => back.sessionOpens.length === 1);
      } finally {
        await back.close();
      }
      assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), rotated.token);
      assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
      const link = fs.readFileSync(path.join(dir, 'pairing-link'), 'utf8');
      assert.ok(link.includes(rotated.token) && !link.includes(OLD));
    } finally {
      await page.close();
      await other.close();
    }
  });

  it('a rotation request without the proof of the current token changes nothing', async () => {
    const page = await FakePage.connect(relay.port, OLD);
    try {
      page.requestRotation(Buffer.alloc(32, 7));
      // A request that the relay answers comes after it on the same socket.
      const opened = await initializeRaw(relay.port, OLD);
      assert.equal(opened.status, 200);
      await opened.body?.cancel();
      await until(async () => page.sessionOpens.length === 1);
      assert.equal(page.ws.readyState, page.ws.OPEN);
      assert.ok(!page.received.some(m => m.type === 'token-rotated'));
      assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), OLD);
    } finally {
      await page.close();
    }
  });

  it('a new token written to the file (--rotate-token) closes every page and session, and is sent to none', async () => {
    const page = await FakePage.connect(relay.port, OLD);
    const closed = page.closed();
    const opened = await initializeRaw(relay.port, OLD);
    assert.equal(opened.status, 200);
    await opened.body?.cancel();
    try {
      const fresh = 'new-token-0123456789abcdefghijklmnopqrs';
      // As `--rotate-token` does: a new file put in place.
      writePrivateFile(tokenFile, `${fresh}\n`);
      assert.equal(await closed, TOKEN_ROTATED_CLOSE_CODE);
      assert.ok(!page.received.some(m => m.type === 'token-rotated'));
      assert.equal(relay.hub.sessions.size, 0);
      assert.equal(await initializeStatus(relay.port, OLD), 401);
      assert.equal(await initializeStatus(relay.port, fresh), 200);
      const link = fs.readFileSync(path.join(dir, 'pairing-link'), 'utf8');
      assert.ok(link.includes(fresh) && !link.includes(OLD));
      const back = await FakePage.connect(relay.port, fresh);
      await back.close();
    } finally {
      await page.close();
    }
  });
});
