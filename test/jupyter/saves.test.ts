import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Signal } from '@lumino/signaling';

import { SaveQueue, type ISavable } from '../../src/jupyter/saves';

/**
 * A document whose saves end when the test says so.
 */
class Document implements ISavable {
  constructor(readonly path: string) {}
  isDisposed = false;
  readonly model = {
    dirty: false,
    contentChanged: new Signal<unknown, void>(this)
  };
  readonly saveState = new Signal<unknown, 'started' | 'completed' | 'failed'>(
    this
  );
  started = 0;
  failNext: string | null = null;
  private _ends: Array<() => void> = [];

  save(): Promise<void> {
    this.started++;
    this.saveState.emit('started');
    const failure = this.failNext;
    this.failNext = null;
    return new Promise((resolve, reject) => {
      this._ends.push(() => {
        if (failure) {
          this.saveState.emit('failed');
          reject(new Error(failure));
          return;
        }
        // As JupyterLab does: a finished save marks the document clean.
        this.model.dirty = false;
        this.saveState.emit('completed');
        resolve();
      });
    });
  }

  /**
   * The user types in the document.
   */
  type(): void {
    this.model.dirty = true;
    this.model.contentChanged.emit(undefined);
  }

  /**
   * End the oldest save under way.
   */
  end(): void {
    const end = this._ends.shift();
    assert.ok(end, 'no save under way');
    end();
  }
}

/**
 * Let the queue go on: a save starts one turn of the event loop (a timer)
 * after its request at the earliest.
 */
const tick = () =>
  new Promise<void>(resolve => setTimeout(() => setImmediate(resolve), 2));

describe('SaveQueue', () => {
  it('starts a save after the turn that asked for it, so that its answer goes first', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    const saved = queue.request(doc);
    for (let i = 0; i < 20; i++) {
      await Promise.resolve();
    }
    assert.equal(doc.started, 0);
    await tick();
    assert.equal(doc.started, 1);
    doc.end();
    assert.equal(await saved, null);
  });

  it('folds requests made before the save starts into one save', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    const saved: string[] = [];
    queue.saved.connect((_, path) => saved.push(path));
    const first = queue.request(doc);
    const second = queue.request(doc);
    assert.equal(first, second);
    await tick();
    assert.equal(doc.started, 1);
    doc.end();
    assert.equal(await first, null);
    assert.equal(queue.pending, 0);
    assert.deepEqual(saved, ['a.ipynb']);
  });

  it('follows a save under way with exactly one more', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    const first = queue.request(doc);
    await tick();
    assert.equal(doc.started, 1);
    // Edits while the first save runs: one more save, after it.
    const second = queue.request(doc);
    const third = queue.request(doc);
    assert.equal(second, third);
    await tick();
    assert.equal(doc.started, 1, 'never two saves of a document at once');
    doc.end();
    await first;
    await tick();
    assert.equal(doc.started, 2);
    doc.end();
    assert.equal(await second, null);
    assert.equal(queue.pending, 0);
  });

  it('answers a failed save with its message, and goes on', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    const saved: string[] = [];
    queue.saved.connect((_, path) => saved.push(path));
    doc.failNext = 'disk full';
    const failed = queue.request(doc);
    await tick();
    doc.end();
    assert.equal(await failed, 'disk full');
    assert.deepEqual(saved, [], 'a failed save is not announced');
    const next = queue.request(doc);
    await tick();
    doc.end();
    assert.equal(await next, null);
  });

  it('keeps a change made during a save marked unsaved', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.txt');
    const saved = queue.request(doc);
    await tick();
    doc.type();
    doc.end();
    await saved;
    assert.equal(doc.model.dirty, true);
    // A save with no change meanwhile leaves it clean.
    const again = queue.request(doc);
    await tick();
    doc.end();
    await again;
    assert.equal(doc.model.dirty, false);
  });

  it('waits for a pause in the requests, folding a burst into one save', async () => {
    const queue = new SaveQueue(200, 10_000);
    const doc = new Document('a.ipynb');
    const started = Date.now();
    const first = queue.request(doc);
    // A burst: a request every 10 ms for 300 ms, each well within the
    // 200 ms pause.
    let last = Date.now();
    while (Date.now() - started < 300) {
      await new Promise(resolve => setTimeout(resolve, 10));
      assert.ok(Date.now() - last < 200, 'the test itself stalled');
      assert.equal(doc.started, 0, 'no save while the requests keep coming');
      assert.equal(queue.request(doc), first);
      last = Date.now();
    }
    while (doc.started < 1) {
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    assert.ok(Date.now() - last >= 190, `${Date.now() - last} ms after`);
    doc.end();
    assert.equal(await first, null);
    assert.equal(doc.started, 1);
  });

  it('saves at the longest delay when the requests never pause', async () => {
    const queue = new SaveQueue(5_000, 150);
    const doc = new Document('a.ipynb');
    const started = Date.now();
    const first = queue.request(doc);
    while (doc.started < 1) {
      assert.ok(Date.now() - started < 2000, 'the save never started');
      void queue.request(doc);
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    const waited = Date.now() - started;
    assert.ok(waited >= 140 && waited < 1000, `${waited} ms`);
    doc.end();
    assert.equal(await first, null);
  });

  it('starts a waiting save at once when something waits for the saves', async () => {
    const queue = new SaveQueue(60_000, 60_000);
    const doc = new Document('dir/a.ipynb');
    const saved = queue.request(doc);
    await tick();
    assert.equal(doc.started, 0);
    let settled = false;
    void queue.settled('dir').then(() => (settled = true));
    await tick();
    assert.equal(doc.started, 1);
    assert.equal(settled, false);
    doc.end();
    assert.equal(await saved, null);
    await tick();
    assert.equal(settled, true);
    // The next request waits for its own pause again, unless something
    // waits for the saves.
    const next = queue.request(doc);
    await tick();
    assert.equal(doc.started, 1);
    void queue.settled();
    await tick();
    assert.equal(doc.started, 2);
    doc.end();
    assert.equal(await next, null);
  });

  it("waits for a save it did not start (the user's) to end", async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    const first = queue.request(doc);
    await tick();
    doc.end();
    await first;
    // The user saves (Ctrl+S); an agent's edit asks for a save meanwhile.
    const users = doc.save();
    const agents = queue.request(doc);
    await tick();
    assert.equal(doc.started, 2, "the agent's save waits");
    doc.end();
    await users;
    await tick();
    assert.equal(doc.started, 3);
    doc.end();
    assert.equal(await agents, null);
  });

  it('does not save a closed document', async () => {
    const queue = new SaveQueue(0);
    const doc = new Document('a.ipynb');
    doc.isDisposed = true;
    assert.match((await queue.request(doc)) ?? '', /closed/);
    assert.equal(doc.started, 0);
  });

  it('settles when the saves at or under a path have ended', async () => {
    const queue = new SaveQueue(0);
    const inside = new Document('dir/a.ipynb');
    const outside = new Document('other.ipynb');
    void queue.request(inside);
    void queue.request(outside);
    await tick();
    let settled = false;
    void queue.settled('dir').then(() => (settled = true));
    await tick();
    assert.equal(settled, false);
    // A save requested while waiting is waited for too.
    void queue.request(inside);
    inside.end();
    await tick();
    assert.equal(settled, false);
    inside.end();
    await tick();
    await tick();
    assert.equal(settled, true, 'the other document does not hold it up');
    let all = false;
    void queue.settled().then(() => (all = true));
    await tick();
    assert.equal(all, false);
    outside.end();
    await tick();
    await tick();
    assert.equal(all, true);
  });
});
