import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { withTimeout } from '../../src/core/timeout';

describe('withTimeout', () => {
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => {
    mock.timers.reset();
  });

  it('gives the value when the promise settles first', async () => {
    const result = withTimeout(Promise.resolve(42), 1000);
    assert.deepEqual(await result, { timedOut: false, value: 42 });
  });

  it('gives timedOut when the limit comes first, and the promise goes on', async () => {
    let finish: (value: string) => void = () => undefined;
    const slow = new Promise<string>(resolve => {
      finish = resolve;
    });
    const result = withTimeout(slow, 1000);
    mock.timers.tick(999);
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await Promise.resolve();
    assert.equal(settled, false);
    mock.timers.tick(1);
    assert.deepEqual(await result, { timedOut: true });
    finish('late');
    assert.equal(await slow, 'late');
  });

  it('passes a rejection on and clears its timer', async () => {
    const failing = Promise.reject(new Error('boom'));
    await assert.rejects(withTimeout(failing, 1000), /boom/);
    // No timer is left pending: ticking past the limit changes nothing.
    mock.timers.tick(2000);
  });
});
