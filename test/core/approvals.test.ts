import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ApprovalQueue,
  type ApprovalAnswer,
  type IApprovalQuestion
} from '../../src/core/approvals';

/**
 * A queue whose questions the test answers by hand.
 */
function setup(precheck?: (item: string) => ApprovalAnswer | null) {
  const shown: {
    item: string;
    answer: (a: ApprovalAnswer) => void;
    closed: boolean;
  }[] = [];
  let changes = 0;
  const queue = new ApprovalQueue<string>({
    ask: (item): IApprovalQuestion => {
      let answer: (a: ApprovalAnswer) => void = () => undefined;
      const entry = {
        item,
        answer: (a: ApprovalAnswer) => answer(a),
        closed: false
      };
      shown.push(entry);
      return {
        answer: new Promise(resolve => (answer = resolve)),
        close: () => {
          entry.closed = true;
        }
      };
    },
    precheck,
    onChange: () => changes++
  });
  return { queue, shown, changes: () => changes };
}

const tick = () => new Promise(resolve => setImmediate(resolve));

describe('ApprovalQueue', () => {
  it('shows one question at a time, in order', async () => {
    const { queue, shown } = setup();
    const a = queue.request('a', { timeoutMs: 10_000 });
    const b = queue.request('b', { timeoutMs: 10_000 });
    assert.deepEqual(
      shown.map(s => s.item),
      ['a']
    );
    assert.deepEqual(
      queue.pending.map(p => [p.item, p.shown]),
      [
        ['a', true],
        ['b', false]
      ]
    );
    shown[0].answer('once');
    assert.equal(await a, 'once');
    await tick();
    assert.deepEqual(
      shown.map(s => s.item),
      ['a', 'b']
    );
    shown[1].answer('deny');
    assert.equal(await b, 'deny');
    assert.deepEqual(queue.pending, []);
  });

  it('times out as "timeout" and closes the question', async () => {
    const { queue, shown } = setup();
    const answer = await queue.request('a', { timeoutMs: 20 });
    assert.equal(answer, 'timeout');
    assert.ok(shown[0].closed);
    assert.deepEqual(queue.pending, []);
  });

  it('counts the timeout from when the question is shown', async () => {
    const { queue, shown } = setup();
    const a = queue.request('a', { timeoutMs: 10_000 });
    const b = queue.request('b', { timeoutMs: 60 });
    await new Promise(resolve => setTimeout(resolve, 100));
    assert.equal(shown.length, 1, 'b waits behind a, its clock not running');
    shown[0].answer('once');
    await a;
    assert.equal(await b, 'timeout');
  });

  it('withdraws a cancelled request, shown or queued', async () => {
    const { queue, shown } = setup();
    const first = new AbortController();
    const second = new AbortController();
    const a = queue.request('a', { timeoutMs: 10_000, signal: first.signal });
    const b = queue.request('b', { timeoutMs: 10_000, signal: second.signal });
    const c = queue.request('c', { timeoutMs: 10_000 });
    second.abort();
    assert.equal(await b, 'cancelled');
    first.abort();
    assert.equal(await a, 'cancelled');
    assert.ok(shown[0].closed);
    await tick();
    assert.deepEqual(
      shown.map(s => s.item),
      ['a', 'c']
    );
    shown[1].answer('session');
    assert.equal(await c, 'session');
  });

  it('answers already-aborted requests at once', async () => {
    const { queue, shown } = setup();
    const controller = new AbortController();
    controller.abort();
    assert.equal(
      await queue.request('a', { timeoutMs: 10, signal: controller.signal }),
      'cancelled'
    );
    assert.equal(shown.length, 0);
  });

  it('lets the precheck answer a request that reaches the front (allowed for the session meanwhile)', async () => {
    const granted = new Set<string>();
    const { queue, shown } = setup(item =>
      granted.has(item) ? 'session' : null
    );
    const a = queue.request('tool', { timeoutMs: 10_000 });
    const b = queue.request('tool', { timeoutMs: 10_000 });
    granted.add('tool');
    shown[0].answer('session');
    assert.equal(await a, 'session');
    assert.equal(await b, 'session');
    assert.equal(shown.length, 1);
  });

  it('cancels what a predicate selects (a session that ended)', async () => {
    const { queue, shown, changes } = setup();
    const a = queue.request('s1:a', { timeoutMs: 10_000 });
    const b = queue.request('s2:b', { timeoutMs: 10_000 });
    const before = changes();
    queue.cancelWhere(item => item.startsWith('s1:'));
    assert.equal(await a, 'cancelled');
    assert.ok(changes() > before);
    await tick();
    assert.equal(shown[1].item, 's2:b');
    shown[1].answer('once');
    assert.equal(await b, 'once');
  });
});
