import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { Logger, StreamSink } from '../src/log';
import { TOKEN_ENV } from '../src/token';

const BIN = path.join(__dirname, '..', 'bin', 'jupyterlab-mcp-bridge.js');

/**
 * CPU time (user + system) of a process so far, in ms (Linux /proc).
 */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

describe('StreamSink', () => {
  it('writes lines until its stream fails, then drops them without a word', () => {
    const lines: string[] = [];
    let fail = false;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (fail) {
          done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
          return;
        }
        lines.push(chunk.toString());
        done();
      }
    });
    const sink = new StreamSink(stream);
    const logger = new Logger('info', sink);
    logger.info('first');
    assert.deepEqual(lines, ['[jupyterlab-mcp-bridge] info: first\n']);
    fail = true;
    logger.info('lost');
    return new Promise<void>(resolve => setImmediate(resolve)).then(() => {
      assert.equal(sink.broken, true);
      logger.error('after the failure');
      assert.equal(lines.length, 1);
    });
  });

  it('a relay whose stderr reader went away keeps serving, and does not spin on the failed writes', async () => {
    const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-log-'));
    const child = spawn(process.execPath, [BIN, '--port', '0'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: configHome,
        XDG_CONFIG_HOME: configHome,
        [TOKEN_ENV]: 'log-test-token-0123456789abcdefghijklmn'
      },
      stdio: ['ignore', 'ignore', 'pipe']
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stderr.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const ready = /RELAY_READY (\S+)/.exec(text);
          if (ready) {
            resolve(ready[1]);
          }
        });
        child.on('exit', code => reject(new Error(`relay exited ${code}`)));
      });
      // Whoever read stderr goes away: the relay's next lines fail (EPIPE).
      child.stderr.destroy();
      const base = new URL(url).origin;
      for (let i = 0; i < 5; i++) {
        // Each refused request logs a warning.
        const refused = await fetch(`${base}/mcp`, { method: 'POST' });
        assert.equal(refused.status, 401);
      }
      const before = cpuMs(child.pid ?? 0);
      await new Promise(resolve => setTimeout(resolve, 1000));
      const spent = cpuMs(child.pid ?? 0) - before;
      assert.ok(spent < 300, `the relay used ${spent} ms of CPU in 1 s idle`);
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(configHome, { recursive: true, force: true });
    }
  });
});
