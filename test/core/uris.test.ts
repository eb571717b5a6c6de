import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { notebookUri, outputUri, parseResourceUri } from '../../src/core/uris';

describe('resource URIs', () => {
  it('round-trip notebook and output URIs, encoding names', () => {
    const path = 'my dir/report #1?.ipynb';
    const nb = notebookUri(path);
    assert.equal(nb, 'notebook://my%20dir/report%20%231%3F.ipynb');
    assert.deepEqual(parseResourceUri(nb), {
      ok: true,
      ref: { kind: 'notebook', path }
    });
    const out = outputUri(path, 'a1-b2', 3);
    assert.equal(out, 'output://my%20dir/report%20%231%3F.ipynb/a1-b2/3');
    assert.deepEqual(parseResourceUri(out), {
      ok: true,
      ref: { kind: 'output', path, cellId: 'a1-b2', outputIndex: 3 }
    });
    assert.deepEqual(parseResourceUri('notebook:///top.ipynb'), {
      ok: true,
      ref: { kind: 'notebook', path: 'top.ipynb' }
    });
  });
  it('refuses other schemes, "..", bad indexes and non-notebooks, saying why', () => {
    const cases: [string, RegExp][] = [
      ['file:///etc/passwd', /scheme "file" is not served/],
      ['notebook://../secret.ipynb', /may not hold "\." or "\.\." segments/],
      ['notebook://a/%2E%2E/b.ipynb', /may not hold/],
      ['notebook://a/%2Fb.ipynb', /may not hold/],
      ['notebook://notes.txt', /ends in \.ipynb/],
      ['output://a.ipynb/cell/x', /output index "x" is not a whole number/],
      [
        'output://a.ipynb/0',
        /output:\/\/<notebook path>\/<cell id>\/<output index>/
      ],
      ['output://a.txt/cell/0', /ends in \.ipynb/],
      ['notebook://a.ipynb?x=1', /"\?" or "#"/],
      ['notebook://%E0%A4%A.ipynb', /not valid percent-encoding/],
      ['nonsense', /not of the form/]
    ];
    for (const [uri, error] of cases) {
      const result = parseResourceUri(uri);
      assert.equal(result.ok, false, uri);
      assert.match((result as { error: string }).error, error, uri);
    }
  });
});
