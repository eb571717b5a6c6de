import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ApprovalPreview } from '../../src/core/preview';
import { fileTools } from '../../src/tools/files';
import type { IJupyterServices } from '../../src/tools/services';

/**
 * Services whose contents hold `files` (path → text) and directories.
 */
function servicesWith(
  files: Map<string, string>,
  directories: string[] = []
): IJupyterServices {
  return {
    files: {
      stat: async (path: string) =>
        files.has(path)
          ? { type: 'file', path }
          : directories.includes(path)
            ? { type: 'directory', path }
            : null,
      read: async (path: string) => ({ content: files.get(path) ?? '' })
    }
  } as unknown as IJupyterServices;
}

const writeFile = fileTools.find(tool => tool.name === 'write_file')!;

async function previewOf(
  services: IJupyterServices,
  path: string,
  content: string
): Promise<ApprovalPreview> {
  const preview = new ApprovalPreview();
  await writeFile.preview!(writeFile.schema.parse({ path, content }), {
    services,
    target: { notebookPath: null, cellIndex: null, path },
    preview
  });
  return preview;
}

describe("write_file's own preview", () => {
  it('shows the change to an existing file, bound to its content as shown', async () => {
    const files = new Map([['src/main.py', 'import sys\n\nprint("main")\n']]);
    const preview = await previewOf(
      servicesWith(files),
      'src/main.py',
      'import sys\n\nprint("replaced")\n'
    );
    assert.deepEqual(preview.notes, [
      'src/main.py exists (3 lines): its content is replaced.'
    ]);
    assert.equal(preview.changes[0].title, 'src/main.py');
    assert.deepEqual(
      preview.changes[0].lines
        .filter(line => line.kind !== ' ')
        .map(line => `${line.kind}${line.text}`),
      ['-print("main")', '+print("replaced")']
    );
    assert.deepEqual(preview.shown, ['content']);
    const [bound] = preview.bound;
    assert.equal(bound.what, 'The file "src/main.py"');
    assert.equal(bound.shown, 'import sys\n\nprint("main")\n');
    // The approval checks the file again: another program's write shows.
    files.set('src/main.py', 'changed meanwhile');
    assert.equal(await bound.current(), 'changed meanwhile');
  });

  it('shows a new file as all added lines, bound to there being no file', async () => {
    const files = new Map<string, string>();
    const preview = await previewOf(servicesWith(files), 'new.py', 'x\ny');
    assert.deepEqual(preview.notes, [
      'new.py does not exist yet: it will be created.'
    ]);
    assert.equal(preview.changes[0].title, 'new.py (new file)');
    assert.deepEqual(
      preview.changes[0].lines.map(line => `${line.kind}${line.text}`),
      ['+x', '+y']
    );
    assert.equal(preview.bound[0].shown, null);
    files.set('new.py', 'made meanwhile');
    assert.equal(await preview.bound[0].current(), 'made meanwhile');
  });

  it('refuses to preview a directory (the dialog then shows the arguments)', async () => {
    await assert.rejects(
      previewOf(servicesWith(new Map(), ['data']), 'data', 'x'),
      /data is a directory/
    );
  });
});
