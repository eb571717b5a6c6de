/**
 * MCP resources: open notebooks (notebook://) and single outputs
 * (output://) read with the SDK client's listResources / readResource.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

import { call, connectHttp, expect, test, textOf } from '../fixtures';
import {
  panelId,
  PNG_B64,
  pngOutput,
  stream,
  writeNotebook
} from '../page-helpers';

const PATH = 'data dir/res 1.ipynb';
const NOTEBOOK_URI = 'notebook://data%20dir/res%201.ipynb';
const LONG_URI = 'output://data%20dir/res%201.ipynb/r1/0';
const IMAGE_URI = 'output://data%20dir/res%201.ipynb/r2/0';

/** 3000 numbered lines, about 60 000 characters: more than one output may show. */
const LONG_TEXT = Array.from(
  { length: 3000 },
  (_, i) => `line ${i}: ${'x'.repeat(10)}\n`
).join('');

test.describe('MCP resources', () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test('open notebooks and their outputs are readable by URI', async ({
    lab,
    env
  }) => {
    expect(client.getServerCapabilities()?.resources).toBeTruthy();
    writeNotebook(env, PATH, [
      { id: 'r0', type: 'markdown', source: '# Results' },
      {
        id: 'r1',
        type: 'code',
        source: 'for i in range(3000): print(f"line {i}: " + "x" * 10)',
        outputs: [stream(LONG_TEXT)]
      },
      { id: 'r2', type: 'code', source: 'show_image()', outputs: [pngOutput()] }
    ]);

    // Not open yet: not listed.
    const before = await client.listResources();
    expect(before.resources.map(resource => resource.uri)).not.toContain(
      NOTEBOOK_URI
    );

    await call(client, 'use_notebook', { notebook_path: PATH });
    const id = await panelId(lab, PATH);
    const cellList = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
    await expect(cellList).toHaveCount(3);
    // In a background tab: rendered, though not visible.
    await expect(
      cellList.nth(2).locator('.jp-OutputArea-output img')
    ).toHaveAttribute('src', `data:image/png;base64,${PNG_B64}`);
    await expect(
      cellList.nth(1).locator('.jp-OutputArea-output')
    ).toContainText('line 2999: xxxxxxxxxx');

    // Listed, with templates for what is not listed.
    const { resources } = await client.listResources();
    expect(resources).toContainEqual(
      expect.objectContaining({
        uri: NOTEBOOK_URI,
        name: PATH,
        title: 'res 1.ipynb',
        mimeType: 'text/markdown'
      })
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map(template => template.uriTemplate)).toEqual([
      'notebook://{+notebook_path}',
      'output://{+notebook_path}/{cell_id}/{output_index}'
    ]);

    // The notebook as Markdown: sources, outputs cut short, URIs of the rest.
    const notebook = await client.readResource({ uri: NOTEBOOK_URI });
    expect(notebook.contents).toHaveLength(1);
    const nbContent = notebook.contents[0] as {
      uri: string;
      mimeType: string;
      text: string;
    };
    expect(nbContent).toMatchObject({
      uri: NOTEBOOK_URI,
      mimeType: 'text/markdown'
    });
    expect(nbContent.text).toContain(`# Notebook ${PATH}`);
    expect(nbContent.text).toContain('3 cell(s); kernel python3');
    expect(nbContent.text).toContain('## Cell 0 · markdown · id r0');
    expect(nbContent.text).toContain('# Results');
    expect(nbContent.text).toMatch(
      /## Cell 1 · code · id r1 · version [0-9a-f]{8} · \[2\]/
    );
    expect(nbContent.text).toContain('for i in range(3000)');
    expect(nbContent.text).toContain(`read it whole at ${LONG_URI}`);
    expect(nbContent.text).toContain(
      `Output 0: [image/png image: ${IMAGE_URI}]`
    );
    expect(nbContent.text).not.toContain('line 1500:');
    expect(nbContent.text.length).toBeLessThan(6000);

    // A long output, whole.
    const long = await client.readResource({ uri: LONG_URI });
    expect(long.contents).toEqual([
      { uri: LONG_URI, mimeType: 'text/plain', text: LONG_TEXT }
    ]);

    // An image, as a blob.
    const image = await client.readResource({ uri: IMAGE_URI });
    expect(image.contents).toEqual([
      { uri: IMAGE_URI, mimeType: 'image/png', blob: PNG_B64 }
    ]);

    // Tools point to the resource for what they cut.
    const readCell = await call(client, 'read_cell', { cell_id: 'r1' });
    expect(textOf(readCell)).toContain(
      `read it whole as the resource ${LONG_URI}`
    );
    expect(textOf(readCell)).toContain('output_index=0, offset=');

    // Live content: an edit shows in the next read.
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: 'Added by the agent'
    });
    await expect(cellList).toHaveCount(4);
    const again = await client.readResource({ uri: NOTEBOOK_URI });
    expect((again.contents[0] as { text: string }).text).toContain(
      '## Cell 3 · markdown'
    );
    expect((again.contents[0] as { text: string }).text).toContain(
      'Added by the agent'
    );
  });

  test('bad or unknown URIs are refused, saying why', async ({ lab, env }) => {
    writeNotebook(env, 'small.ipynb', [
      { id: 's1', type: 'code', source: 'print(1)', outputs: [stream('1\n')] },
      { id: 's2', type: 'markdown', source: 'text' }
    ]);
    writeNotebook(env, 'closed.ipynb', [
      { id: 'z1', type: 'markdown', source: 'closed' }
    ]);
    await call(client, 'use_notebook', { notebook_path: 'small.ipynb' });
    const id = await panelId(lab, 'small.ipynb');
    expect(id).not.toBe('');
    const cases: [string, RegExp][] = [
      ['file:///etc/passwd', /scheme "file" is not served/],
      ['notebook://../small.ipynb', /may not hold "\." or "\.\." segments/],
      ['notebook://closed.ipynb', /"closed\.ipynb" is not open in the page/],
      [
        'output://small.ipynb/s1/3',
        /has 1 output\(s\) \(indexes 0 to 0\); there is no output 3/
      ],
      ['output://small.ipynb/nope/0', /No cell has id "nope"/],
      ['output://small.ipynb/s2/0', /is a markdown cell/],
      [
        'output://small.ipynb/s1/first',
        /output index "first" is not a whole number/
      ]
    ];
    for (const [uri, message] of cases) {
      await expect(client.readResource({ uri }), uri).rejects.toThrow(message);
    }
    // Reading opened nothing: the closed notebook is still not in the page.
    expect(await panelId(lab, 'closed.ipynb')).toBe('');
    const ok = await client.readResource({ uri: 'output://small.ipynb/s1/0' });
    expect(ok.contents).toEqual([
      { uri: 'output://small.ipynb/s1/0', mimeType: 'text/plain', text: '1\n' }
    ]);
  });
});
