/**
 * Addressing cells by index or id, and paging: pure functions.
 */

/**
 * A cell named by index (negative counts from the end) or by id, as the
 * tools' `cell_index` and `cell_id` arguments.
 */
export interface ICellRef {
  cell_index?: number;
  cell_id?: string;
}

/**
 * The outcome of resolving a cell reference.
 */
export type CellResolution =
  { ok: true; index: number } | { ok: false; error: string };

/**
 * Describe the valid indexes of a notebook with `count` cells.
 */
export function validIndexes(count: number): string {
  return count === 0
    ? 'the notebook has no cells'
    : `the notebook has ${count} cell${count === 1 ? '' : 's'}: valid indexes are 0 to ${count - 1} (or -1 for the last)`;
}

/**
 * Resolve `ref` against the ids of a notebook's cells, in order.
 */
export function resolveCellRef(
  ref: ICellRef,
  ids: readonly string[]
): CellResolution {
  const hasIndex = ref.cell_index !== undefined;
  const hasId = ref.cell_id !== undefined && ref.cell_id !== '';
  if (hasIndex === hasId) {
    return {
      ok: false,
      error: 'Give exactly one of "cell_index" or "cell_id" to name the cell.'
    };
  }
  if (hasId) {
    const index = ids.indexOf(ref.cell_id!);
    if (index < 0) {
      return {
        ok: false,
        error: `No cell has id "${ref.cell_id}"; ${validIndexes(ids.length)}. Read the notebook to get current ids.`
      };
    }
    return { ok: true, index };
  }
  const raw = ref.cell_index!;
  const index = raw < 0 ? ids.length + raw : raw;
  if (!Number.isInteger(raw) || index < 0 || index >= ids.length) {
    return {
      ok: false,
      error: `"cell_index" ${raw} is out of range: ${validIndexes(ids.length)}.`
    };
  }
  return { ok: true, index };
}

/**
 * Resolve a list of cells named by index (`indices`, negative from the
 * end) or by id (`ids`), exactly one of the two; every reference must be
 * valid. The indexes come back sorted, without repeats.
 */
export function resolveCellList(
  refs: { indices?: readonly number[]; ids?: readonly string[] },
  ids: readonly string[]
): { ok: true; indexes: number[] } | { ok: false; error: string } {
  if ((refs.indices === undefined) === (refs.ids === undefined)) {
    return {
      ok: false,
      error:
        'Give exactly one of "cell_indices" (list of integers) or "cell_ids" (list of ids).'
    };
  }
  const indexes = new Set<number>();
  if (refs.indices) {
    if (!refs.indices.length) {
      return {
        ok: false,
        error: '"cell_indices" is empty; name at least one cell.'
      };
    }
    for (const [position, raw] of refs.indices.entries()) {
      const index = raw < 0 ? ids.length + raw : raw;
      if (!Number.isInteger(raw) || index < 0 || index >= ids.length) {
        return {
          ok: false,
          error: `"cell_indices"[${position}] = ${raw} is out of range: ${validIndexes(ids.length)}. No cell was deleted.`
        };
      }
      indexes.add(index);
    }
  } else {
    const wanted = refs.ids ?? [];
    if (!wanted.length) {
      return {
        ok: false,
        error: '"cell_ids" is empty; name at least one cell.'
      };
    }
    for (const [position, id] of wanted.entries()) {
      const index = ids.indexOf(id);
      if (index < 0) {
        return {
          ok: false,
          error: `"cell_ids"[${position}] = "${id}": no cell has this id (read the notebook to get current ids). No cell was deleted.`
        };
      }
      indexes.add(index);
    }
  }
  return { ok: true, indexes: [...indexes].sort((a, b) => a - b) };
}

/**
 * Resolve an insertion position: 0..count, or -1 to append.
 */
export function resolveInsertIndex(
  index: number,
  count: number
): CellResolution {
  if (index === -1) {
    return { ok: true, index: count };
  }
  if (!Number.isInteger(index) || index < 0 || index > count) {
    return {
      ok: false,
      error: `"cell_index" ${index} is out of range for an insertion: use 0 to ${count} (inserts before that cell; ${count} or -1 appends).`
    };
  }
  return { ok: true, index };
}

/**
 * A page of items.
 */
export interface IPage {
  start: number;
  end: number;
  total: number;
}

/**
 * Clamp a page request to `total` items.
 */
export function pageOf(total: number, start: number, limit: number): IPage {
  const from = Math.min(Math.max(0, start), total);
  const to = limit <= 0 ? total : Math.min(total, from + limit);
  return { start: from, end: to, total };
}

/**
 * A short version tag of a cell's content (FNV-1a of type and source), to
 * detect edits made since an agent read the cell.
 */
export function cellVersion(type: string, source: string): string {
  let hash = 0x811c9dc5;
  const text = `${type}\u0000${source}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
