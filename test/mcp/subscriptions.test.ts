import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema
} from '@modelcontextprotocol/sdk/types.js';
import { Signal, type ISignal, type Slot } from '@lumino/signaling';

import type { ICellChange } from '../../src/core/changes';
import { ToolDispatcher } from '../../src/mcp/dispatcher';
import { createSessionServer } from '../../src/mcp/server';
import { INCLUDE_OWN_META } from '../../src/mcp/subscriptions';
import { until } from '../helpers';

/**
 * A signal that counts its receivers (lumino keeps no public count).
 */
class CountingSignal<T> implements ISignal<unknown, T> {
  receivers = 0;
  connect(slot: Slot<unknown, T>, thisArg?: unknown): boolean {
    const added = this._signal.connect(slot, thisArg);
    this.receivers += added ? 1 : 0;
    return added;
  }
  disconnect(slot: Slot<unknown, T>, thisArg?: unknown): boolean {
    const removed = this._signal.disconnect(slot, thisArg);
    this.receivers -= removed ? 1 : 0;
    return removed;
  }
  emit(value: T): void {
    this._signal.emit(value);
  }
  private _signal = new Signal<unknown, T>(this);
}

/** A change feed the test drives. */
class Feed {
  changed = new CountingSignal<ICellChange>();
  listChanged = new CountingSignal<void>();
  change(
    cellId: string,
    origin: string | null,
    kind: ICellChange['kind'] = 'edited',
    path = 'dir/n b.ipynb'
  ): void {
    this.changed.emit({ path, cellId, kind, origin, version: 'x.1' });
  }
}

async function connect(sessionId = 's1') {
  const feed = new Feed();
  const server = createSessionServer({
    dispatcher: new ToolDispatcher<null>([]),
    services: null,
    session: {
      id: sessionId,
      notebookPath: null,
      terminalName: null,
      runs: []
    },
    relay: {
      saveSession: () => undefined,
      noteCall: () => undefined,
      ending: () => false
    },
    resources: {
      list: async () => [],
      templates: () => [],
      read: async () => []
    },
    changes: feed
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  const updates: { uri: string; at: number }[] = [];
  let lists = 0;
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, note => {
    updates.push({ uri: note.params.uri, at: Date.now() });
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    lists += 1;
  });
  await client.connect(clientSide);
  return { client, server, feed, updates, lists: () => lists };
}

const URI = 'notebook://dir/n%20b.ipynb';

describe('resource subscriptions', () => {
  it('declares subscribe and listChanged', async () => {
    const { client } = await connect();
    assert.deepEqual(client.getServerCapabilities()?.resources, {
      listChanged: true,
      subscribe: true
    });
  });

  it("tells a subscriber of others' changes, not of its own", async () => {
    const { client, feed, updates } = await connect('me');
    await client.subscribeResource({ uri: URI });
    feed.change('c1', 'me');
    feed.change('c1', null, 'edited', 'other.ipynb');
    feed.change('c2', 'someone-else');
    await until(() => updates.length === 1, 'an update');
    assert.deepEqual(
      updates.map(update => update.uri),
      [URI]
    );
  });

  it('spaces updates of a resource by 250 ms, folding a burst', async () => {
    const { client, feed, updates } = await connect();
    await client.subscribeResource({ uri: URI });
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      feed.change('c1', null);
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await until(() => Date.now() - started > 600, '600 ms');
    await until(() => updates.length >= 2, 'the folded updates');
    for (let i = 1; i < updates.length; i++) {
      assert.ok(
        updates[i].at - updates[i - 1].at >= 240,
        `updates ${updates[i - 1].at} and ${updates[i].at}`
      );
    }
    assert.ok(
      updates.length <= 3,
      `${updates.length} updates for a 300 ms burst`
    );
  });

  it('sends own changes too when asked, and output:// updates for its cell only', async () => {
    const { client, feed, updates } = await connect('me');
    await client.subscribeResource({
      uri: 'output://dir/n%20b.ipynb/c1/0',
      _meta: { [INCLUDE_OWN_META]: true }
    });
    feed.change('c1', 'me', 'edited');
    feed.change('c2', 'me', 'outputs');
    feed.change('c1', 'me', 'outputs');
    await until(() => updates.length === 1, 'an update');
    assert.equal(updates[0].uri, 'output://dir/n%20b.ipynb/c1/0');
  });

  it('refuses what it cannot watch, naming the URI and what it serves', async () => {
    const { client } = await connect();
    await assert.rejects(
      client.subscribeResource({ uri: 'test://watched-resource' }),
      /Cannot subscribe to "test:\/\/watched-resource": the scheme "test" is not served here.*notebook:\/\/<path>/
    );
  });

  it('forwards list changes, spaced too', async () => {
    const { feed, lists } = await connect();
    feed.listChanged.emit(undefined);
    feed.listChanged.emit(undefined);
    await until(() => lists() === 1, 'list_changed');
    await until(() => lists() === 2, 'the folded list_changed');
  });

  it('unsubscribing stops updates and releases the feed; closing releases everything', async () => {
    const { client, server, feed, updates } = await connect();
    const OTHER = 'notebook://other.ipynb';
    assert.equal(feed.changed.receivers, 0);
    await client.subscribeResource({ uri: URI });
    await client.subscribeResource({ uri: OTHER });
    assert.equal(feed.changed.receivers, 1);
    feed.change('c1', null);
    await until(() => updates.length === 1, 'an update');
    // A folded update is pending when the client unsubscribes: dropped.
    feed.change('c1', null);
    await client.unsubscribeResource({ uri: URI });
    feed.change('c1', null);
    feed.change('c1', null, 'edited', 'other.ipynb');
    await until(() => updates.length === 2, "the other notebook's update");
    assert.deepEqual(
      updates.map(update => update.uri),
      [URI, OTHER]
    );
    await client.unsubscribeResource({ uri: OTHER });
    assert.equal(feed.changed.receivers, 0);

    await client.subscribeResource({ uri: URI });
    assert.equal(feed.changed.receivers, 1);
    assert.equal(feed.listChanged.receivers, 1);
    await client.close();
    await until(() => !server.isConnected(), 'the server to close');
    assert.equal(feed.changed.receivers, 0);
    assert.equal(feed.listChanged.receivers, 0);
  });
});
