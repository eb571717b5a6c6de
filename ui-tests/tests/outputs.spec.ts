/**
 * Outputs that fit an LLM's context: images downscaled, SVG rasterized,
 * DataFrames as text, huge text cut within the budget with a way to read on.
 */

import {
  call,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

/** Width and height of a base64 PNG, from its IHDR chunk. */
function pngSize(base64: string): { width: number; height: number } {
  const bytes = Buffer.from(base64, 'base64');
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('a matplotlib figure comes back as a downscaled PNG', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'plot.ipynb';
  await call(client, 'use_notebook', { notebook_path: name });
  const result = await call(client, 'insert_execute_code_cell', {
    cell_source:
      '%matplotlib inline\nimport matplotlib.pyplot as plt\nfig = plt.figure(figsize=(20, 10), dpi=100)\nplt.plot([1, 3, 2])\nplt.show()',
    timeout_seconds: 120
  });
  expect(result.structuredContent).toMatchObject({ state: 'ok' });
  const image = result.content.find(block => block.type === 'image');
  expect(image?.type).toBe('image');
  const { data, mimeType } = image as { data: string; mimeType: string };
  expect(mimeType).toBe('image/png');
  const size = pngSize(data);
  expect(Math.max(size.width, size.height)).toBe(1024);

  // The page shows the full-size figure; the file keeps it.
  const cells = await notebookCells(lab, name);
  // (attached, not visible: the agent's tab is in the background)
  await expect(
    cells.nth(0).locator('.jp-OutputArea-output img')
  ).toBeAttached();
  const saved = (await savedNotebook(lab, env, name)).cells[0].outputs ?? [];
  const savedPng = saved.find(output => output.data?.['image/png'])?.data?.[
    'image/png'
  ] as string;
  const full = pngSize(savedPng);
  expect(full.width).toBeGreaterThan(1500);
  expect(size.width / size.height).toBeCloseTo(full.width / full.height, 1);

  // Images can be turned off per call.
  const noImages = await call(client, 'read_cell', {
    cell_index: 0,
    include_images: false
  });
  expect(noImages.content.some(block => block.type === 'image')).toBe(false);
  expect(textOf(noImages)).toContain('[image/png image omitted]');
});

test('SVG is rasterized and a DataFrame comes back as a table', async ({
  mcp: client
}) => {
  await call(client, 'use_notebook', { notebook_path: 'frames.ipynb' });
  const svg = await call(client, 'insert_execute_code_cell', {
    cell_source:
      'from IPython.display import SVG\nSVG(\'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>\')'
  });
  const png = svg.content.find(block => block.type === 'image') as
    { data: string; mimeType: string } | undefined;
  expect(png?.mimeType).toBe('image/png');
  expect(pngSize(png!.data)).toEqual({ width: 40, height: 20 });

  const frame = await call(client, 'insert_execute_code_cell', {
    cell_source:
      'import pandas as pd\ndf = pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3.5, 19.25]})\ndf'
  });
  const text = textOf(frame);
  expect(text).toContain('| city | temp |');
  expect(text).toContain('| 0 | Oslo | 3.50 |');
  expect(text).toContain('| 1 | Lima | 19.25 |');
  expect(text).not.toContain('<table');
});

test('a 20 MB output comes back inside the budget, with a way to read on', async ({
  mcp: client
}) => {
  await call(client, 'use_notebook', { notebook_path: 'huge.ipynb' });
  const result = await call(client, 'insert_execute_code_cell', {
    cell_source: 'print("0123456789" * 2_000_000, end="")\nprint("THE END")',
    timeout_seconds: 300
  });
  expect(result.structuredContent).toMatchObject({ state: 'ok' });
  const text = textOf(result);
  // Within the default per-output budget (20,000) plus the notes.
  expect(text.length).toBeLessThan(21_000);
  expect(text.length).toBeGreaterThan(15_000);
  expect(text).toMatch(/characters cut \(from character 15000 of 20000008\)/);
  expect(text).toContain('THE END');
  const id = (result.structuredContent as { id: string }).id;
  expect(text).toContain(
    `read_cell(notebook_path="huge.ipynb", cell_id="${id}", output_index=0, offset=15000)`
  );

  const page = await call(client, 'read_cell', {
    cell_id: id,
    output_index: 0,
    offset: 10_000_005,
    max_chars: 20
  });
  expect(page.structuredContent).toMatchObject({
    offset: 10_000_005,
    end: 10_000_025,
    total_chars: 20_000_008
  });
  expect(textOf(page)).toContain('56789012345678901234');
  expect(textOf(page)).toContain('continue with offset=10000025');

  const badIndex = await call(client, 'read_cell', {
    cell_id: id,
    output_index: 3
  });
  expect(badIndex.isError).toBe(true);
  expect(textOf(badIndex)).toContain('has 1 output(s) (0 to 0)');
});
