import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  pageOf,
  resolveCellList,
  resolveCellRef,
  resolveInsertIndex
} from '../../src/core/cells';

const ids = ['a', 'b', 'c'];

describe('resolveCellRef', () => {
  it('resolves indexes, negative indexes and ids', () => {
    assert.deepEqual(resolveCellRef({ cell_index: 1 }, ids), {
      ok: true,
      index: 1
    });
    assert.deepEqual(resolveCellRef({ cell_index: -1 }, ids), {
      ok: true,
      index: 2
    });
    assert.deepEqual(resolveCellRef({ cell_id: 'c' }, ids), {
      ok: true,
      index: 2
    });
  });
  it('names the valid range when out of range', () => {
    const result = resolveCellRef({ cell_index: 3 }, ids);
    assert.equal(result.ok, false);
    assert.match(
      (result as { error: string }).error,
      /"cell_index" 3 is out of range: the notebook has 3 cells: valid indexes are 0 to 2/
    );
  });
  it('refuses an unknown id and a missing or double reference', () => {
    assert.equal(resolveCellRef({ cell_id: 'zz' }, ids).ok, false);
    assert.equal(resolveCellRef({}, ids).ok, false);
    assert.equal(
      resolveCellRef({ cell_index: 0, cell_id: 'a' }, ids).ok,
      false
    );
  });
});

describe('resolveCellList', () => {
  const ids = ['a', 'b', 'c'];
  it('resolves indexes or ids, sorted and without repeats', () => {
    assert.deepEqual(resolveCellList({ indices: [2, -3, 0] }, ids), {
      ok: true,
      indexes: [0, 2]
    });
    assert.deepEqual(resolveCellList({ ids: ['c', 'b'] }, ids), {
      ok: true,
      indexes: [1, 2]
    });
  });
  it('refuses both, neither, empty lists and any invalid reference', () => {
    const error = (refs: { indices?: number[]; ids?: string[] }) => {
      const result = resolveCellList(refs, ids);
      return result.ok ? '' : result.error;
    };
    assert.match(error({}), /exactly one of/);
    assert.match(error({ indices: [0], ids: ['a'] }), /exactly one of/);
    assert.match(error({ indices: [] }), /is empty/);
    assert.match(
      error({ indices: [0, 3] }),
      /"cell_indices"\[1\] = 3 is out of range/
    );
    assert.match(error({ ids: ['a', 'z'] }), /"cell_ids"\[1\] = "z"/);
  });
});

describe('resolveInsertIndex', () => {
  it('appends with -1 and allows the end position', () => {
    assert.deepEqual(resolveInsertIndex(-1, 3), { ok: true, index: 3 });
    assert.deepEqual(resolveInsertIndex(3, 3), { ok: true, index: 3 });
    assert.equal(resolveInsertIndex(4, 3).ok, false);
    assert.equal(resolveInsertIndex(-2, 3).ok, false);
  });
});

describe('pageOf', () => {
  it('clamps the page', () => {
    assert.deepEqual(pageOf(10, 8, 5), { start: 8, end: 10, total: 10 });
    assert.deepEqual(pageOf(10, 0, 0), { start: 0, end: 10, total: 10 });
    assert.deepEqual(pageOf(3, 7, 2), { start: 3, end: 3, total: 3 });
  });
});
