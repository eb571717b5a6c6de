import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { defineTool } from '../../src/mcp/tool';
import { callTarget, resultCell } from '../../src/oversight/target';
import type { IJupyterServices, JupyterTool } from '../../src/tools/services';

const annotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false
};

function tool(input: z.ZodRawShape): JupyterTool {
  return defineTool({
    name: 'probe',
    title: 'Probe',
    description: 'A tool for the test.',
    category: 'edit',
    input,
    annotations,
    run: async () => ({ content: [] })
  }) as JupyterTool;
}

const cellTool = tool({
  notebook_path: z.string().optional(),
  cell_index: z.number().int().optional(),
  cell_id: z.string().optional()
});
const fileTool = tool({ path: z.string() });
const insertTool = tool({
  notebook_path: z.string().optional(),
  cell_index: z.number().int().optional()
});

/**
 * Services whose workspace has `open` (path → cell ids) open.
 */
function workspace(
  open: Record<string, string[]>
): Pick<IJupyterServices, 'workspace'> {
  return {
    workspace: {
      find: (path: string) => {
        const ids = open[path];
        return ids
          ? {
              context: {
                model: {
                  cells: {
                    length: ids.length,
                    get: (i: number) => ({ id: ids[i] })
                  }
                }
              }
            }
          : undefined;
      }
    }
  } as unknown as Pick<IJupyterServices, 'workspace'>;
}

const session = { notebookPath: 'used.ipynb' };

describe('call target', () => {
  it("takes the session's notebook when the call names none, and the path in canonical form", () => {
    const services = workspace({ 'used.ipynb': ['a', 'b'] });
    assert.deepEqual(
      callTarget(cellTool, { cell_index: 1 }, session, services),
      {
        notebookPath: 'used.ipynb',
        cellId: 'b',
        cellIndex: 1,
        path: null
      }
    );
    assert.equal(
      callTarget(
        cellTool,
        { notebook_path: 'dir/./n.ipynb' },
        session,
        services
      ).notebookPath,
      'dir/n.ipynb'
    );
    assert.deepEqual(
      callTarget(fileTool, { path: 'src//main.py' }, session, services),
      { notebookPath: null, cellId: null, cellIndex: null, path: 'src/main.py' }
    );
  });

  it('resolves a cell id to its index in the open notebook, and keeps what it cannot resolve', () => {
    const services = workspace({ 'used.ipynb': ['a', 'b', 'c'] });
    const byId = callTarget(cellTool, { cell_id: 'c' }, session, services);
    assert.equal(byId.cellIndex, 2);
    assert.equal(byId.cellId, 'c');
    const negative = callTarget(
      cellTool,
      { cell_index: -1 },
      session,
      services
    );
    assert.equal(negative.cellIndex, 2);
    const unknown = callTarget(cellTool, { cell_id: 'zz' }, session, services);
    assert.deepEqual([unknown.cellId, unknown.cellIndex], ['zz', null]);
    // Not open: nothing to resolve against.
    const closed = callTarget(
      cellTool,
      { notebook_path: 'other.ipynb', cell_index: 4 },
      session,
      services
    );
    assert.deepEqual([closed.cellId, closed.cellIndex], [null, 4]);
  });

  it('leaves the cell of a tool that takes a position to its result', () => {
    const services = workspace({ 'used.ipynb': ['a'] });
    const target = callTarget(insertTool, { cell_index: 0 }, session, services);
    assert.deepEqual(
      [target.notebookPath, target.cellId, target.cellIndex],
      ['used.ipynb', null, null]
    );
    assert.deepEqual(resultCell({ id: 'n1', index: 0 }), {
      cellId: 'n1',
      cellIndex: 0
    });
    assert.deepEqual(resultCell({ cell_id: 'n2' }), {
      cellId: 'n2',
      cellIndex: null
    });
    assert.equal(resultCell({ id: '' }), null);
    assert.equal(resultCell(undefined), null);
  });
});
