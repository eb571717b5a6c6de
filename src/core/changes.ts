/**
 * The change log of an open notebook: every change of its cells (added,
 * removed, moved, edited, outputs), by cell id, with a version, and who
 * made it; and what changed since a version. Pure.
 *
 * A version is told to agents as a tag `<log id>.<n>`: the log id is new
 * each time a page opens the notebook, so that a version of another tab,
 * or of an earlier opening, is recognized as such instead of misread.
 */

import type { ResourceRef } from './uris';

/**
 * What happened to a cell. `outputs` covers its outputs, execution count
 * and run state (a run starting or ending).
 */
export type ChangeKind = 'added' | 'removed' | 'moved' | 'edited' | 'outputs';

/**
 * One entry of the log. Consecutive changes of the same cell, kind and
 * origin (typing, streaming output) share one entry: its version is the
 * latest it covers.
 */
export interface IChangeEntry {
  version: number;
  cellId: string;
  kind: ChangeKind;
  /**
   * The MCP session that made the change, or null (the user, JupyterLab,
   * or anything not done by an agent's tool).
   */
  origin: string | null;
}

/**
 * A change as it happens, for subscribers.
 */
export interface ICellChange {
  /** The notebook's path. */
  path: string;
  cellId: string;
  kind: ChangeKind;
  origin: string | null;
  /** The version tag after the change. */
  version: string;
}

/**
 * A cell in an answer of {@link ChangeLog.since}.
 */
export interface IChangedCell {
  id: string;
  /** Its index now. */
  index: number;
}

/**
 * What changed since a version.
 */
export interface IChangesSince {
  /**
   * False when the log cannot tell (the version is of another opening or
   * tab, or older than the log keeps): `reason` says why, and the lists
   * are empty; re-read the notebook.
   */
  complete: boolean;
  reason?: string;
  added: IChangedCell[];
  removed: string[];
  moved: IChangedCell[];
  edited: IChangedCell[];
  outputs: IChangedCell[];
}

/**
 * The parts of a version tag, or null when it is not one.
 */
export function parseVersionTag(
  tag: string
): { logId: string; n: number } | null {
  const match = /^([a-z0-9]+)\.(\d+)$/.exec(tag);
  return match ? { logId: match[1], n: Number(match[2]) } : null;
}

/**
 * The change log of one opening of a notebook.
 */
export class ChangeLog {
  /**
   * @param id - The log id (letters and digits), new for each opening.
   * @param limit - How many entries are kept (the oldest go first).
   */
  constructor(
    readonly id: string,
    readonly limit = ChangeLog.DEFAULT_LIMIT
  ) {}

  /**
   * Entries kept by default.
   */
  static readonly DEFAULT_LIMIT = 5000;

  /**
   * The version now (0 before any change).
   */
  get version(): number {
    return this._version;
  }

  /**
   * The version now, as agents see it.
   */
  get tag(): string {
    return `${this.id}.${this._version}`;
  }

  /**
   * The entries kept, oldest first.
   */
  get entries(): readonly IChangeEntry[] {
    return this._entries;
  }

  /**
   * Record a change; returns the new version.
   */
  record(cellId: string, kind: ChangeKind, origin: string | null): number {
    this._version += 1;
    const last = this._entries[this._entries.length - 1];
    if (
      last &&
      last.cellId === cellId &&
      last.kind === kind &&
      last.origin === origin &&
      (kind === 'edited' || kind === 'outputs')
    ) {
      last.version = this._version;
      return this._version;
    }
    this._entries.push({ version: this._version, cellId, kind, origin });
    if (this._entries.length > this.limit) {
      const dropped = this._entries.splice(
        0,
        this._entries.length - this.limit
      );
      this._floor = dropped[dropped.length - 1].version;
    }
    return this._version;
  }

  /**
   * What changed since the version `tag`, against the cell ids now
   * (`currentIds`, in order). Changes by `exclude` (a session's own) are
   * left out; a cell it added and another then edited counts as edited.
   */
  since(
    tag: string,
    currentIds: readonly string[],
    exclude: string | null = null
  ): IChangesSince {
    const parsed = parseVersionTag(tag);
    const empty = (reason: string): IChangesSince => ({
      complete: false,
      reason,
      added: [],
      removed: [],
      moved: [],
      edited: [],
      outputs: []
    });
    if (!parsed) {
      return empty(
        `"${tag}" is not a notebook version (they look like "${this.tag}")`
      );
    }
    if (parsed.logId !== this.id) {
      return empty(
        'that version is of another opening of the notebook, or of another JupyterLab tab'
      );
    }
    if (parsed.n > this._version) {
      return empty(`the notebook is at version ${this.tag}, before that one`);
    }
    if (parsed.n < this._floor) {
      return empty(
        `the log keeps the last ${this.limit} changes only, from version ${this.id}.${this._floor}`
      );
    }
    const index = new Map<string, number>();
    currentIds.forEach((id, i) => index.set(id, i));
    const perCell = new Map<string, IChangeEntry[]>();
    for (const entry of this._entries) {
      if (entry.version <= parsed.n) {
        continue;
      }
      const list = perCell.get(entry.cellId);
      if (list) {
        list.push(entry);
      } else {
        perCell.set(entry.cellId, [entry]);
      }
    }
    const result: IChangesSince = {
      complete: true,
      added: [],
      removed: [],
      moved: [],
      edited: [],
      outputs: []
    };
    const counts = (entry: IChangeEntry): boolean =>
      exclude === null || entry.origin !== exclude;
    for (const [id, entries] of perCell) {
      const existedBefore = entries[0].kind !== 'added';
      const now = index.get(id);
      const cell = (): IChangedCell => ({ id, index: now ?? -1 });
      const by = (kind: ChangeKind): boolean =>
        entries.some(entry => entry.kind === kind && counts(entry));
      if (now === undefined) {
        if (existedBefore && by('removed')) {
          result.removed.push(id);
        }
        continue;
      }
      if (!existedBefore) {
        if (counts(entries[0])) {
          result.added.push(cell());
          continue;
        }
        // Added by the excluded session: what others did to it since.
        if (by('edited')) {
          result.edited.push(cell());
        }
        if (by('outputs')) {
          result.outputs.push(cell());
        }
        continue;
      }
      if (by('moved')) {
        result.moved.push(cell());
      }
      if (by('edited')) {
        result.edited.push(cell());
      }
      if (by('outputs')) {
        result.outputs.push(cell());
      }
    }
    const byIndex = (a: IChangedCell, b: IChangedCell) => a.index - b.index;
    result.added.sort(byIndex);
    result.moved.sort(byIndex);
    result.edited.sort(byIndex);
    result.outputs.sort(byIndex);
    return result;
  }

  private _version = 0;
  private _floor = 0;
  private _entries: IChangeEntry[] = [];
}

/**
 * How the cell list changed between two orders of ids. `reinserted` holds
 * the ids of cells inserted by the change that were there before (a move,
 * or a cell replaced in place, such as a change of type): `moved` when
 * their place among the cells that stayed changed, `replaced` when not.
 */
export function diffOrder(
  before: readonly string[],
  after: readonly string[],
  reinserted: ReadonlySet<string>
): { added: string[]; removed: string[]; moved: string[]; replaced: string[] } {
  const was = new Set(before);
  const present = new Set(after);
  const rank = (ids: readonly string[]): Map<string, number> => {
    const ranks = new Map<string, number>();
    for (const id of ids) {
      if (was.has(id) && present.has(id)) {
        ranks.set(id, ranks.size);
      }
    }
    return ranks;
  };
  const rankBefore = rank(before);
  const rankAfter = rank(after);
  const result = {
    added: after.filter(id => !was.has(id)),
    removed: before.filter(id => !present.has(id)),
    moved: [] as string[],
    replaced: [] as string[]
  };
  for (const id of after) {
    if (reinserted.has(id) && was.has(id)) {
      (rankBefore.get(id) === rankAfter.get(id)
        ? result.replaced
        : result.moved
      ).push(id);
    }
  }
  return result;
}

/**
 * Whether a change concerns a resource: a notebook is concerned by every
 * change of its cells, an output by changes of its cell's outputs (or the
 * cell's removal).
 */
export function affects(ref: ResourceRef, change: ICellChange): boolean {
  if (ref.path !== change.path) {
    return false;
  }
  if (ref.kind === 'notebook') {
    return true;
  }
  return (
    ref.cellId === change.cellId &&
    (change.kind === 'outputs' || change.kind === 'removed')
  );
}
