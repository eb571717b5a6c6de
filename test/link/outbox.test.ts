import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Outbox } from '../../src/link/outbox';

/**
 * An outbox whose flush runs when the test says.
 */
function manual(): {
  outbox: Outbox<string>;
  sent: string[];
  tick: () => void;
} {
  const sent: string[] = [];
  let scheduled: (() => void) | null = null;
  const outbox = new Outbox<string>(
    message => sent.push(message),
    held => `[${held.join(', ')}]`,
    3,
    flush => {
      scheduled = flush;
    }
  );
  return {
    outbox,
    sent,
    tick: () => {
      const flush = scheduled;
      scheduled = null;
      flush?.();
    }
  };
}

describe('Outbox', () => {
  it('sends only the latest message of a key, built once at the flush, several in one', () => {
    const { outbox, sent, tick } = manual();
    let builds = 0;
    outbox.later('state s1', () => `state-${++builds}`);
    outbox.later('state s1', () => `state-${++builds}`);
    outbox.later('note s1 1', () => 'note-a');
    outbox.later('note s1 1', () => 'note-b');
    assert.deepEqual(sent, []);
    tick();
    assert.deepEqual(sent, ['[state-1, note-b]']);
    assert.equal(builds, 1);
    assert.equal(outbox.size, 0);
  });

  it('sends the held messages before one sent now, in the order first held', () => {
    const { outbox, sent, tick } = manual();
    outbox.later('note s1 1', () => 'note-1');
    outbox.later('state s1', () => 'state');
    outbox.later('note s1 1', () => 'note-1b');
    outbox.now('response');
    assert.deepEqual(sent, ['[note-1b, state]', 'response']);
    tick();
    assert.deepEqual(sent, ['[note-1b, state]', 'response']);
  });

  it('keeps messages of other keys apart, and a later flush sends new ones', () => {
    const { outbox, sent, tick } = manual();
    outbox.later('state s1', () => 's1');
    outbox.later('state s2', () => 's2');
    tick();
    outbox.later('state s1', () => 's1 again');
    tick();
    assert.deepEqual(sent, ['[s1, s2]', 's1 again']);
  });

  it('never puts more than its bound in one combined message', () => {
    const { outbox, sent, tick } = manual();
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
      outbox.later(key, () => key);
    }
    tick();
    assert.deepEqual(sent, ['[a, b, c]', '[d, e, f]', 'g']);
  });

  it('drops what it holds when cleared', () => {
    const { outbox, sent, tick } = manual();
    outbox.later('state s1', () => 's1');
    outbox.clear();
    tick();
    outbox.now('hello');
    assert.deepEqual(sent, ['hello']);
  });

  it('flushes on the next macrotask by default', async () => {
    const sent: string[] = [];
    const outbox = new Outbox<string>(
      message => sent.push(message),
      held => held.join(),
      64
    );
    outbox.later('k', () => 'held');
    await Promise.resolve();
    assert.deepEqual(sent, []);
    await new Promise(resolve => setTimeout(resolve, 0));
    assert.deepEqual(sent, ['held']);
  });
  it('sends an answer alone at once, and others together at the end of the turn after the held ones', () => {
    const { outbox, sent, tick } = manual();
    outbox.soon('answer-1', true);
    assert.deepEqual(sent, ['answer-1']);
    outbox.soon('answer-2', false);
    outbox.later('state s1', () => 'state');
    outbox.soon('answer-3', false);
    assert.equal(outbox.size, 3);
    assert.equal(sent.length, 1);
    tick();
    assert.deepEqual(sent, ['answer-1', '[state, answer-2, answer-3]']);
  });

  it('lets nothing sent now overtake the answers queued, and drops them on clear', () => {
    const { outbox, sent, tick } = manual();
    outbox.soon('a1', false);
    outbox.soon('a2', true);
    assert.deepEqual(sent, ['a1', 'a2']);
    outbox.soon('a3', false);
    outbox.now('end');
    assert.deepEqual(sent, ['a1', 'a2', 'a3', 'end']);
    outbox.soon('a4', false);
    outbox.clear();
    assert.equal(outbox.size, 0);
    tick();
    assert.deepEqual(sent, ['a1', 'a2', 'a3', 'end']);
  });
});
