/**
 * Helpers shared by the relay tests: waiting for a condition
 * ({@link until}) and finding a free port ({@link freePort}). The fake
 * JupyterLab page and its raw MCP requests live in `fake-page.ts`.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';

/**
 * How often {@link until} checks its condition, in ms.
 */
const POLL_MS = 20;

/**
 * Wait until `check` holds (it may be async), checking every 20 ms; fail
 * the test when it does not hold within `timeoutMs`.
 *
 * @param check - the condition.
 * @param what - what is awaited, for the failure message (a function is
 *   called only on failure, for example to add a process's stderr).
 * @param timeoutMs - how long to wait (default 5 s).
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string) = 'condition',
  timeoutMs = 5000
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) {
      assert.fail(
        `not met in ${timeoutMs} ms: ${typeof what === 'function' ? what() : what}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A TCP port free on 127.0.0.1 now (the OS picks it; it may be taken again
 * before it is used, which is unlikely in tests).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
