import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PAGE_SUBPROTOCOL } from '../src/protocol';
import { pairingLink } from '../src/banner';
import { Logger } from '../src/log';
import {
  bearerFromHeader,
  checkOrigin,
  DEFAULT_ORIGIN_PATTERNS,
  isHostAllowed,
  isOriginAllowed,
  parseOriginPattern,
  parsePageSubprotocols,
  tokensEqual
} from '../src/security';
import { spawnSync } from 'node:child_process';
import { silentLogger } from '../src/log';
import { Relay } from '../src/relay';
import { isLoopbackHost } from '../src/security';
import { checkPrivate, resolveToken, TOKEN_ENV } from '../src/token';

const BIN = path.join(__dirname, '..', 'bin', 'jupyterlab-mcp-bridge.js');

const defaults = DEFAULT_ORIGIN_PATTERNS.map(parseOriginPattern);

describe('tokensEqual', () => {
  it('accepts the same token only', () => {
    assert.equal(tokensEqual('abc123', 'abc123'), true);
    assert.equal(tokensEqual('abc124', 'abc123'), false);
    assert.equal(tokensEqual('abc1234', 'abc123'), false);
    assert.equal(tokensEqual('', 'abc123'), false);
    assert.equal(tokensEqual(undefined, 'abc123'), false);
    assert.equal(tokensEqual('', ''), false);
  });
});

describe('bearerFromHeader', () => {
  it('extracts a bearer token', () => {
    assert.equal(bearerFromHeader('Bearer xyz'), 'xyz');
    assert.equal(bearerFromHeader('bearer xyz'), 'xyz');
    assert.equal(bearerFromHeader('Basic xyz'), undefined);
    assert.equal(bearerFromHeader(undefined), undefined);
    assert.equal(bearerFromHeader('Bearer '), undefined);
  });
});

describe('parsePageSubprotocols', () => {
  it('finds the page protocol, of whatever version; no secret travels there', () => {
    assert.deepEqual(parsePageSubprotocols(PAGE_SUBPROTOCOL), {
      hasPageProtocol: true,
      pageProtocol: PAGE_SUBPROTOCOL
    });
    assert.deepEqual(parsePageSubprotocols(`other, ${PAGE_SUBPROTOCOL}`), {
      hasPageProtocol: true,
      pageProtocol: PAGE_SUBPROTOCOL
    });
    assert.deepEqual(
      parsePageSubprotocols('jupyterlab-mcp-bridge.v1, bearer.tok'),
      {
        hasPageProtocol: false,
        pageProtocol: 'jupyterlab-mcp-bridge.v1'
      }
    );
    assert.deepEqual(parsePageSubprotocols('bearer.'), {
      hasPageProtocol: false
    });
    assert.deepEqual(parsePageSubprotocols(undefined), {
      hasPageProtocol: false
    });
  });
});

describe('origins', () => {
  it('allows loopback origins on any port by default', () => {
    for (const origin of [
      'http://localhost:8888',
      'http://localhost',
      'https://127.0.0.1:9999',
      'http://[::1]:8888',
      'http://LOCALHOST:1'
    ]) {
      assert.equal(isOriginAllowed(origin, defaults), true, origin);
    }
  });
  it('refuses other origins', () => {
    for (const origin of [
      'http://evil.example',
      'http://localhost.evil.example:8888',
      'null',
      'file://',
      'ws://localhost:8888',
      'http://127.0.0.2:8888',
      'not a url'
    ]) {
      assert.equal(isOriginAllowed(origin, defaults), false, origin);
    }
  });
  it('supports extra origins with exact or wildcard ports', () => {
    const patterns = [
      ...defaults,
      parseOriginPattern('https://hub.example.org'),
      parseOriginPattern('http://myhost:*')
    ];
    assert.equal(isOriginAllowed('https://hub.example.org', patterns), true);
    assert.equal(
      isOriginAllowed('https://hub.example.org:443', patterns),
      true
    );
    assert.equal(
      isOriginAllowed('https://hub.example.org:8443', patterns),
      false
    );
    assert.equal(isOriginAllowed('http://hub.example.org', patterns), false);
    assert.equal(isOriginAllowed('http://myhost:1234', patterns), true);
    assert.equal(isOriginAllowed('https://myhost:1234', patterns), false);
  });
  it('rejects malformed patterns', () => {
    assert.throws(() => parseOriginPattern('myhost'));
    assert.throws(() => parseOriginPattern('ftp://myhost'));
    assert.throws(() => parseOriginPattern('http://myhost:99999'));
    assert.throws(() => parseOriginPattern('http://myhost/path'));
  });
  it('treats a missing origin according to `required`', () => {
    assert.equal(checkOrigin(undefined, defaults, false), true);
    assert.equal(checkOrigin(undefined, defaults, true), false);
    assert.equal(checkOrigin('http://evil.example', defaults, false), false);
  });
});

describe('isHostAllowed', () => {
  it('allows loopback names and the bound host with the right port', () => {
    assert.equal(isHostAllowed('127.0.0.1:4545', '127.0.0.1', 4545), true);
    assert.equal(isHostAllowed('localhost:4545', '127.0.0.1', 4545), true);
    assert.equal(isHostAllowed('[::1]:4545', '127.0.0.1', 4545), true);
    assert.equal(isHostAllowed('myhost:4545', 'myhost', 4545), true);
    assert.equal(isHostAllowed('10.0.0.5:4545', '10.0.0.5', 4545), true);
  });
  it('refuses other hosts, ports and malformed values', () => {
    assert.equal(isHostAllowed('evil.example:4545', '127.0.0.1', 4545), false);
    assert.equal(isHostAllowed('127.0.0.1:4546', '127.0.0.1', 4545), false);
    assert.equal(isHostAllowed('127.0.0.1', '127.0.0.1', 4545), false);
    assert.equal(isHostAllowed(undefined, '127.0.0.1', 4545), false);
    assert.equal(isHostAllowed('a@b:4545', '127.0.0.1', 4545), false);
    assert.equal(isHostAllowed('0.0.0.0:4545', '0.0.0.0', 4545), false);
  });
});

describe('Logger', () => {
  it('masks secrets', () => {
    const lines: string[] = [];
    const logger = new Logger('debug', { write: line => lines.push(line) });
    logger.addSecret('s3cr3t-token');
    logger.info('token is s3cr3t-token, again s3cr3t-token');
    assert.equal(lines.length, 1);
    assert.ok(!lines[0].includes('s3cr3t-token'));
    assert.ok(lines[0].includes('***'));
  });
});

describe('resolveToken', () => {
  it('generates a private token file, then reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
    try {
      const env = { XDG_CONFIG_HOME: dir };
      const first = resolveToken({ env });
      assert.equal(first.source, 'generated');
      assert.equal(
        first.file,
        path.join(dir, 'jupyterlab-mcp-bridge', 'token')
      );
      assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(fs.statSync(first.file).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(first.file)).mode & 0o777, 0o700);
      const second = resolveToken({ env });
      assert.equal(second.source, 'file');
      assert.equal(second.token, first.token);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('prefers --token, then the environment, then --token-file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
    try {
      const file = path.join(dir, 'tok');
      fs.writeFileSync(file, 'from-file\n', { mode: 0o600 });
      assert.equal(
        resolveToken({ token: 'opt', env: { [TOKEN_ENV]: 'env' } }).token,
        'opt'
      );
      assert.equal(
        resolveToken({ tokenFile: file, env: { [TOKEN_ENV]: 'env' } }).token,
        'env'
      );
      const fromFile = resolveToken({ tokenFile: file, env: {} });
      assert.equal(fromFile.token, 'from-file');
      assert.equal(fromFile.source, 'file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pairingLink', () => {
  it('puts the ws URL and token in the fragment', () => {
    const link = pairingLink(
      'http://localhost:8888/lab',
      'http://127.0.0.1:4545',
      'tok'
    );
    assert.equal(
      link,
      'http://localhost:8888/lab#mcp-bridge-url=ws%3A%2F%2F127.0.0.1%3A4545%2Fpage&mcp-bridge-token=tok'
    );
  });
});

describe('the token file', () => {
  it('is refused when its group or others can read or write it, saying how to fix it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
    try {
      const file = path.join(dir, 'token');
      fs.writeFileSync(file, 'planted-token\n');
      for (const mode of [0o644, 0o640, 0o620, 0o604, 0o660]) {
        fs.chmodSync(file, mode);
        assert.throws(
          () => resolveToken({ tokenFile: file, env: {} }),
          (error: Error) => {
            assert.match(error.message, /Refusing the token file/);
            assert.match(
              error.message,
              new RegExp(`mode is 0${mode.toString(8)}`)
            );
            assert.ok(
              error.message.includes(`chmod 600 ${file}`),
              error.message
            );
            assert.ok(!error.message.includes('planted-token'));
            return true;
          },
          mode.toString(8)
        );
      }
      fs.chmodSync(file, 0o600);
      assert.equal(
        resolveToken({ tokenFile: file, env: {} }).token,
        'planted-token'
      );
      fs.chmodSync(file, 0o400);
      assert.equal(
        resolveToken({ tokenFile: file, env: {} }).token,
        'planted-token'
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is refused when it belongs to another user', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
    try {
      const file = path.join(dir, 'token');
      fs.writeFileSync(file, 'theirs\n', { mode: 0o600 });
      const stat = fs.statSync(file);
      const other = Object.assign(
        Object.create(Object.getPrototypeOf(stat)) as fs.Stats,
        stat,
        {
          uid: stat.uid + 1
        }
      );
      assert.throws(
        () => checkPrivate(file, other),
        /belongs to user id \d+, not to you .*Use a token file of your own \(--token-file\), or remove this one/
      );
      assert.doesNotThrow(() => checkPrivate(file, stat));
      if (process.getuid?.() === 0) {
        // As root, a real file of another user.
        fs.chownSync(file, 65534, 65534);
        assert.throws(
          () => resolveToken({ tokenFile: file, env: {} }),
          /belongs to user id 65534/
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes the relay CLI exit with the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
    try {
      const file = path.join(dir, 'token');
      fs.writeFileSync(file, 'planted-token\n', { mode: 0o644 });
      fs.chmodSync(file, 0o644);
      const run = spawnSync(
        process.execPath,
        [BIN, '--token-file', file, '--port', '0'],
        {
          env: { PATH: process.env.PATH ?? '', HOME: dir },
          encoding: 'utf8',
          timeout: 20_000
        }
      );
      assert.equal(run.status, 1);
      assert.match(run.stderr, /Refusing the token file .*mode is 0644/);
      assert.ok(run.stderr.includes(`chmod 600 ${file}`));
      assert.ok(!run.stderr.includes('RELAY_READY'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--host', () => {
  it('knows the addresses of this computer only', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.0.2',
      'localhost',
      '::1',
      '[::1]',
      'LOCALHOST'
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.5',
      '10.0.0.1',
      'myhost',
      '127.0.0.1.example',
      '::ffff:127.0.0.1',
      ''
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('refuses an address reachable from the network unless the user says they mean it', async () => {
    assert.throws(
      () =>
        new Relay({
          token: 't',
          host: '0.0.0.0',
          port: 0,
          logger: silentLogger()
        }),
      /--host 0\.0\.0\.0 is not an address of this computer only.*in clear.*--allow-remote-host/
    );
    const run = spawnSync(
      process.execPath,
      [BIN, '--host', '0.0.0.0', '--port', '0'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          JUPYTERLAB_MCP_BRIDGE_TOKEN: 'x'.repeat(43)
        },
        encoding: 'utf8',
        timeout: 20_000
      }
    );
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /--host 0\.0\.0\.0 is not an address of this computer only/
    );
    assert.match(
      run.stderr,
      /token \(Authorization: Bearer\) and every MCP message in clear/
    );
    assert.ok(!run.stderr.includes('RELAY_READY'));
    const relay = new Relay({
      token: 't',
      host: '0.0.0.0',
      port: 0,
      allowRemoteHost: true,
      logger: silentLogger()
    });
    await relay.start();
    try {
      assert.ok(relay.port > 0);
      assert.equal(relay.guardHost, null);
    } finally {
      await relay.close();
    }
  });
});
