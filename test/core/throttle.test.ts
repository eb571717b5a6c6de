import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Throttle, type IThrottleClock } from '../../src/core/throttle';

/** A clock the test moves by hand. */
class FakeClock implements IThrottleClock {
  time = 1000;
  timers: { at: number; callback: () => void; handle: number }[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.timers.length + 1;
    this.timers.push({ at: this.time + ms, callback, handle });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter(timer => timer.handle !== handle);
  }

  /** Move the clock, running the timers that fall due. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers
        .filter(timer => timer.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) {
        break;
      }
      this.timers = this.timers.filter(timer => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }
}

describe('Throttle', () => {
  it('fires the first of a burst at once and folds the rest into one at the end of the interval', () => {
    const clock = new FakeClock();
    const fired: [string, number][] = [];
    const throttle = new Throttle<string>(
      250,
      key => fired.push([key, clock.now()]),
      clock
    );
    throttle.trigger('a');
    assert.deepEqual(fired, [['a', 1000]]);
    for (let i = 0; i < 20; i++) {
      clock.advance(10);
      throttle.trigger('a');
    }
    assert.equal(fired.length, 1);
    assert.equal(throttle.pending, 1);
    clock.advance(50);
    assert.deepEqual(fired, [
      ['a', 1000],
      ['a', 1250]
    ]);
    // A quiet key fires at once again.
    clock.advance(1000);
    throttle.trigger('a');
    assert.deepEqual(fired[2], ['a', 2250]);
  });

  it('never fires one key twice within the interval', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const throttle = new Throttle<string>(
      250,
      () => fired.push(clock.now()),
      clock
    );
    for (let i = 0; i < 200; i++) {
      throttle.trigger('k');
      clock.advance(7);
    }
    clock.advance(500);
    assert.ok(fired.length >= 5);
    for (let i = 1; i < fired.length; i++) {
      assert.ok(
        fired[i] - fired[i - 1] >= 250,
        `${fired[i - 1]} -> ${fired[i]}`
      );
    }
  });

  it('keeps keys apart, and cancel and dispose drop what is pending', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const throttle = new Throttle<string>(250, key => fired.push(key), clock);
    throttle.trigger('a');
    throttle.trigger('b');
    throttle.trigger('a');
    throttle.trigger('b');
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(throttle.pending, 2);
    throttle.cancel('a');
    assert.equal(throttle.pending, 1);
    throttle.dispose();
    assert.equal(throttle.pending, 0);
    clock.advance(1000);
    assert.deepEqual(fired, ['a', 'b']);
  });
});
