import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type * as nbformat from '@jupyterlab/nbformat';

import { renderNotebookText } from '../../src/core/notebooktext';

describe('renderNotebookText', () => {
  it('renders cells, cuts long outputs and points images to their URIs', () => {
    const notebook: nbformat.INotebookContent = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { language_info: { name: 'python' } },
      cells: [
        { cell_type: 'markdown', id: 'm1', source: '# Title', metadata: {} },
        {
          cell_type: 'code',
          id: 'c1',
          source: 'print("x" * 500)',
          metadata: {},
          execution_count: 2,
          outputs: [
            { output_type: 'stream', name: 'stdout', text: 'x'.repeat(500) },
            {
              output_type: 'display_data',
              metadata: {},
              data: { 'image/png': 'AAAA', 'text/plain': '<Figure>' }
            }
          ]
        }
      ]
    };
    const text = renderNotebookText('dir/a b.ipynb', notebook, {
      maxOutputChars: 100,
      kernel: 'python3'
    });
    assert.match(text, /^# Notebook dir\/a b\.ipynb\n/);
    assert.match(text, /2 cell\(s\); kernel python3/);
    assert.match(
      text,
      /## Cell 0 · markdown · id m1 · version [0-9a-f]{8}\n\n# Title/
    );
    assert.match(
      text,
      /## Cell 1 · code · id c1 · version [0-9a-f]{8} · \[2\]\n\n```python\nprint/
    );
    assert.match(text, /read it whole at output:\/\/dir\/a%20b\.ipynb\/c1\/0/);
    assert.match(
      text,
      /Output 1: \[image\/png image: output:\/\/dir\/a%20b\.ipynb\/c1\/1\]/
    );
    assert.ok(!text.includes('x'.repeat(101)));
  });
});
