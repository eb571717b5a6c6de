import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakePage, tryPageUpgrade } from './fake-page';
import { silentLogger } from '../src/log';
import { MCP_PATH, type ITokenRotated } from '../src/protocol';
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

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  assert.fail('condition not met in 5 s');
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

  it('a page asks for a new token: the old one is refused at once, the page and the file get the new one', async () => {
    const page = await FakePage.connect(relay.port, OLD);
    try {
      page.ws.send(JSON.stringify({ type: 'rotate-token' }));
      const rotated = (await page.waitFor(
        m => m.type === 'token-rotated'
      )) as ITokenRotated;
      assert.notEqual(rotated.token, OLD);
      assert.match(rotated.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(await initializeStatus(relay.port, OLD), 401);
      assert.equal(await initializeStatus(relay.port, rotated.token), 200);
      assert.equal(
        await tryPageUpgrade(relay.port, {
          token: OLD,
          origin: 'http://localhost:8888'
        }),
        401
      );
      assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), rotated.token);
      assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
      const link = fs.readFileSync(path.join(dir, 'pairing-link'), 'utf8');
      assert.ok(link.includes(rotated.token) && !link.includes(OLD));
    } finally {
      await page.close();
    }
  });

  it('a new token written to the file (--rotate-token) is taken up and sent to the pages', async () => {
    const page = await FakePage.connect(relay.port, OLD);
    try {
      const fresh = 'new-token-0123456789abcdefghijklmnopqrs';
      // As `--rotate-token` does: a new file put in place.
      writePrivateFile(tokenFile, `${fresh}\n`);
      const rotated = (await page.waitFor(
        m => m.type === 'token-rotated'
      )) as ITokenRotated;
      assert.equal(rotated.token, fresh);
      await until(
        async () => (await initializeStatus(relay.port, OLD)) === 401
      );
      assert.equal(await initializeStatus(relay.port, fresh), 200);
    } finally {
      await page.close();
    }
  });
});
