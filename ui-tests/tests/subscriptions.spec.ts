/**
 * Resource subscriptions with the SDK client: a subscriber to
 * notebook://<path> hears of the user's typing in the page and of another
 * agent's edits and runs (spaced, at most one update per 250 ms), never of
 * its own, and nothing once it unsubscribed; notebooks opening and closing
 * are told with list_changed; get_notebook_changes says what changed since
 * a version, by cell id.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema
} from '@modelcontextprotocol/sdk/types.js';

import {
  call,
  connectHttp,
  connectStdio,
  disconnect,
  expect,
  test,
  textOf
} from '../fixtures';
import { panelId, writeNotebook } from '../page-helpers';

const PATH = 'subs/watched nb.ipynb';
const URI = 'notebook://subs/watched%20nb.ipynb';
const OTHER_PATH = 'subs/other.ipynb';
const OTHER_URI = 'notebook://subs/other.ipynb';

/** Everything the clients heard, in order, with markers the test adds. */
type Heard = { who: string; what: string; at: number }[];

function listen(client: Client, who: string, heard: Heard): void {
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, note => {
    heard.push({ who, what: `updated ${note.params.uri}`, at: Date.now() });
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    heard.push({ who, what: 'list_changed', at: Date.now() });
  });
}

const updates = (heard: Heard, who: string, uri = URI) =>
  heard.filter(item => item.who === who && item.what === `updated ${uri}`);

test("a subscriber hears of the user's typing and of other agents' edits and runs, never of its own, and nothing after unsubscribing", async ({
  lab,
  env
}) => {
  writeNotebook(env, PATH, [
    { id: 'first', type: 'code', source: 'x = 1' },
    { id: 'second', type: 'code', source: 'y = 2' }
  ]);
  writeNotebook(env, OTHER_PATH, [{ id: 'o', type: 'code', source: 'pass' }]);
  const alice = (await connectHttp(env, { name: 'alice' })).client;
  const bob = await connectStdio(env);
  const heard: Heard = [];
  listen(alice, 'alice', heard);
  listen(bob, 'bob', heard);
  /** Bob edits the other notebook; Alice hears of it after anything sent to her before. */
  let marks = 0;
  const bobEditsOther = async (): Promise<void> => {
    const seen = updates(heard, 'alice', OTHER_URI).length;
    marks += 1;
    const inserted = await call(bob, 'insert_cell', {
      notebook_path: OTHER_PATH,
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: `mark ${marks}`
    });
    expect(inserted.isError, textOf(inserted)).toBeFalsy();
    await expect
      .poll(() => updates(heard, 'alice', OTHER_URI).length)
      .toBeGreaterThan(seen);
  };
  try {
    expect(alice.getServerCapabilities()?.resources).toMatchObject({
      subscribe: true,
      listChanged: true
    });
    await call(alice, 'use_notebook', { notebook_path: PATH, activate: true });
    const id = await panelId(lab, PATH);
    const cells = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
    await expect(cells).toHaveCount(2);
    // A notebook opening is told to the clients.
    const lists = heard.filter(item => item.who === 'alice').length;
    await call(bob, 'use_notebook', { notebook_path: OTHER_PATH });
    await expect
      .poll(
        () =>
          heard.filter(
            item => item.who === 'alice' && item.what === 'list_changed'
          ).length
      )
      .toBeGreaterThan(lists);

    const read = await call(alice, 'read_notebook', { notebook_path: PATH });
    const start = (read.structuredContent as { notebook_version: string })
      .notebook_version;
    expect(start).toMatch(/^[a-z0-9]+\.\d+$/);
    await alice.subscribeResource({ uri: URI });
    await alice.subscribeResource({ uri: OTHER_URI });
    await bob.subscribeResource({ uri: URI });

    // Alice's own edit: Bob hears of it, Alice does not (her next update,
    // of the other notebook, comes with nothing before it).
    const edit = await call(alice, 'overwrite_cell_source', {
      notebook_path: PATH,
      cell_id: 'second',
      cell_source: 'y = 20'
    });
    expect(edit.isError, textOf(edit)).toBeFalsy();
    await expect(cells.nth(1)).toContainText('y = 20');
    await expect.poll(() => updates(heard, 'bob').length).toBe(1);
    await bobEditsOther();
    expect(updates(heard, 'alice')).toEqual([]);

    // The user types into the first cell, in the page, without saving.
    await cells.nth(0).locator('.cm-content').click();
    await lab.keyboard.press('End');
    const typingStarted = Date.now();
    await lab.keyboard.type(' + 41  # the user', { delay: 25 });
    const typingEnded = Date.now();
    await expect(cells.nth(0)).toContainText('x = 1 + 41  # the user');
    // The burst is spaced: at most one update per 250 ms, the last one
    // after the typing ended.
    await expect
      .poll(() => {
        const last = updates(heard, 'alice').at(-1);
        return !!last && last.at >= typingEnded - 250;
      })
      .toBe(true);
    const aliceUpdates = updates(heard, 'alice');
    expect(aliceUpdates.length).toBeGreaterThan(0);
    expect(aliceUpdates.length).toBeLessThanOrEqual(
      Math.floor((Date.now() - typingStarted) / 250) + 2
    );
    expect(aliceUpdates.length).toBeLessThan(' + 41  # the user'.length);

    // What changed since Alice's read: the user's edit, not her own.
    const others = await call(alice, 'get_notebook_changes', {
      notebook_path: PATH,
      since_version: start
    });
    expect(others.structuredContent).toMatchObject({
      complete: true,
      added: [],
      removed: [],
      moved: [],
      edited: [{ id: 'first', index: 0 }],
      outputs_changed: []
    });
    const all = await call(alice, 'get_notebook_changes', {
      notebook_path: PATH,
      since_version: start,
      include_own: true
    });
    expect(
      (all.structuredContent as { edited: { id: string }[] }).edited.map(
        cell => cell.id
      )
    ).toEqual(['first', 'second']);

    // Bob runs the second cell: Alice hears of the run.
    const before = updates(heard, 'alice').length;
    const after = (others.structuredContent as { notebook_version: string })
      .notebook_version;
    const run = await call(bob, 'execute_cell', {
      notebook_path: PATH,
      cell_id: 'second'
    });
    expect(run.structuredContent).toMatchObject({ state: 'ok' });
    await expect(cells.nth(1).locator('.jp-InputPrompt')).toContainText('[1]');
    await expect
      .poll(() => updates(heard, 'alice').length)
      .toBeGreaterThan(before);
    const ran = await call(alice, 'get_notebook_changes', {
      notebook_path: PATH,
      since_version: after
    });
    expect(ran.structuredContent).toMatchObject({
      complete: true,
      edited: [],
      outputs_changed: [{ id: 'second', index: 1 }]
    });

    // Alice unsubscribes: the user's next edit reaches Bob only.
    await alice.unsubscribeResource({ uri: URI });
    const aliceBefore = updates(heard, 'alice').length;
    const bobBefore = updates(heard, 'bob').length;
    await cells.nth(0).locator('.cm-content').click();
    await lab.keyboard.press('End');
    await lab.keyboard.type('0');
    await expect
      .poll(() => updates(heard, 'bob').length)
      .toBeGreaterThan(bobBefore);
    await bobEditsOther();
    expect(updates(heard, 'alice').length).toBe(aliceBefore);
  } finally {
    await disconnect(alice);
    await bob.close();
  }
});

test('subscribing to something the bridge does not serve is refused, and output:// subscriptions follow their cell', async ({
  lab,
  env
}) => {
  writeNotebook(env, 'subs/out.ipynb', [
    { id: 'p', type: 'code', source: 'print("one")' },
    { id: 'q', type: 'code', source: 'print("two")' }
  ]);
  const { client } = await connectHttp(env);
  const watcher = (await connectHttp(env, { name: 'watcher' })).client;
  const heard: Heard = [];
  listen(watcher, 'watcher', heard);
  try {
    await expect(
      watcher.subscribeResource({ uri: 'test://watched-resource' })
    ).rejects.toThrow(
      /Cannot subscribe to "test:\/\/watched-resource": the scheme "test" is not served here/
    );
    await call(client, 'use_notebook', { notebook_path: 'subs/out.ipynb' });
    const id = await panelId(lab, 'subs/out.ipynb');
    const cells = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
    await expect(cells).toHaveCount(2);
    const OUT = 'output://subs/out.ipynb/q/0';
    const NOTEBOOK = 'notebook://subs/out.ipynb';
    const count = (uri: string) =>
      heard.filter(item => item.what === `updated ${uri}`).length;
    await watcher.subscribeResource({ uri: OUT });
    await watcher.subscribeResource({ uri: NOTEBOOK });
    // Another cell's run is the notebook's change, not this output's: an
    // edit after it is heard with nothing for the output before it.
    await call(client, 'execute_cell', { cell_id: 'p' });
    await expect.poll(() => count(NOTEBOOK)).toBeGreaterThan(0);
    const seen = count(NOTEBOOK);
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: 'after the run'
    });
    await expect.poll(() => count(NOTEBOOK)).toBeGreaterThan(seen);
    expect(count(OUT)).toBe(0);
    await call(client, 'execute_cell', { cell_id: 'q' });
    await expect(cells.nth(1).locator('.jp-OutputArea-output')).toContainText(
      'two'
    );
    await expect.poll(() => count(OUT)).toBeGreaterThan(0);
    const output = await watcher.readResource({ uri: OUT });
    expect((output.contents[0] as { text: string }).text).toContain('two');
  } finally {
    await disconnect(client);
    await disconnect(watcher);
  }
});
