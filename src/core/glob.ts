/**
 * Glob patterns matched without backtracking: a pattern is compiled to a
 * nondeterministic automaton (Thompson's construction) and a path is
 * matched by following every state at once, so that the work is at most
 * the path's length times the pattern's size, whatever the pattern. Pure.
 *
 * The syntax is the shells': `*` and `?` stay within one path segment,
 * `**` spans segments (`**\/` also matches no directory at all), `[abc]`,
 * `[a-z]` and `[!abc]` (or `[^abc]`) match one character, `{a,b}` matches
 * either alternative (nesting allowed). Every other character matches
 * itself.
 */

/**
 * Longest pattern accepted, in characters.
 */
export const MAX_GLOB_LENGTH = 1000;

/**
 * A compiled glob.
 */
export interface IGlobMatcher {
  /**
   * The pattern it was compiled from.
   */
  readonly glob: string;
  /**
   * How many automaton states it has (the work per path character is at
   * most this).
   */
  readonly size: number;
  /**
   * Whether `path` matches the whole pattern.
   */
  test(path: string): boolean;
}

/**
 * Why a glob cannot be used.
 */
export class GlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobError';
  }
}

/**
 * Compile `glob`; throws a {@link GlobError} when it is longer than
 * {@link MAX_GLOB_LENGTH}.
 */
export function compileGlob(glob: string): IGlobMatcher {
  if (glob.length > MAX_GLOB_LENGTH) {
    throw new GlobError(
      `the glob is ${glob.length} characters long; at most ${MAX_GLOB_LENGTH} are accepted.`
    );
  }
  const nodes = Private.parse(glob);
  const machine = Private.build(nodes);
  return {
    glob,
    size: machine.states.length,
    test: path => Private.run(machine, path)
  };
}

/**
 * A budget of matching work shared by many paths (one `list_files` call):
 * each path costs its length times the matcher's size.
 */
export class GlobBudget {
  /**
   * @param limit - Most automaton steps allowed in all.
   */
  constructor(readonly limit: number) {}

  /**
   * Steps spent so far.
   */
  get spent(): number {
    return this._spent;
  }

  /**
   * Match `path` with `matcher`, charging the budget first; throws a
   * {@link GlobError} when the budget would be exceeded.
   */
  test(matcher: IGlobMatcher, path: string): boolean {
    const cost = (path.length + 1) * matcher.size;
    if (this._spent + cost > this.limit) {
      throw new GlobError(
        `matching the glob against these paths would take more than ${this.limit} steps; use a simpler glob or list a smaller directory.`
      );
    }
    this._spent += cost;
    return matcher.test(path);
  }

  private _spent = 0;
}

namespace Private {
  /**
   * A piece of a parsed glob.
   */
  export type Node =
    | { kind: 'char'; char: string }
    | { kind: 'one' }
    | { kind: 'star' }
    | { kind: 'globstar' }
    | { kind: 'dirs' }
    | { kind: 'set'; negated: boolean; items: [string, string][] }
    | { kind: 'alt'; options: Node[][] };

  /**
   * Parse a glob into nodes; braces left open close at the end.
   */
  export function parse(glob: string): Node[] {
    // A stack of open alternatives: the options so far, and the current one.
    const stack: { options: Node[][]; current: Node[] }[] = [];
    let current: Node[] = [];
    const chars = [...glob];
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i];
      if (char === '*') {
        if (chars[i + 1] === '*') {
          const slash = chars[i + 2] === '/';
          current.push({ kind: slash ? 'dirs' : 'globstar' });
          i += slash ? 2 : 1;
        } else {
          current.push({ kind: 'star' });
        }
      } else if (char === '?') {
        current.push({ kind: 'one' });
      } else if (char === '[') {
        const end = chars.indexOf(']', i + 1);
        if (end < 0) {
          current.push({ kind: 'char', char });
        } else {
          current.push(set(chars.slice(i + 1, end)));
          i = end;
        }
      } else if (char === '{') {
        stack.push({ options: [], current });
        current = [];
      } else if (char === ',' && stack.length) {
        stack[stack.length - 1].options.push(current);
        current = [];
      } else if (char === '}' && stack.length) {
        const open = stack.pop()!;
        open.options.push(current);
        current = open.current;
        current.push({ kind: 'alt', options: open.options });
      } else {
        current.push({ kind: 'char', char });
      }
    }
    while (stack.length) {
      const open = stack.pop()!;
      open.options.push(current);
      current = open.current;
      current.push({ kind: 'alt', options: open.options });
    }
    return current;
  }

  function set(body: string[]): Node {
    let start = 0;
    const negated = body[0] === '!' || body[0] === '^';
    if (negated) {
      start = 1;
    }
    const items: [string, string][] = [];
    for (let i = start; i < body.length; i++) {
      if (body[i + 1] === '-' && i + 2 < body.length) {
        items.push([body[i], body[i + 2]]);
        i += 2;
      } else {
        items.push([body[i], body[i]]);
      }
    }
    return { kind: 'set', negated, items };
  }

  /**
   * A state of the automaton: it consumes one character that `accepts`
   * (then goes to `next`), or none (`accepts` null: it goes to every state
   * of `next` at once).
   */
  export interface IState {
    accepts: ((char: string) => boolean) | null;
    next: number[];
  }

  export interface IMachine {
    states: IState[];
    start: number;
    accept: number;
  }

  /**
   * Thompson's construction: each node becomes a fragment with one entry
   * and one exit state.
   */
  export function build(nodes: Node[]): IMachine {
    const states: IState[] = [];
    const add = (accepts: IState['accepts']): number => {
      states.push({ accepts, next: [] });
      return states.length - 1;
    };
    const notSlash = (char: string) => char !== '/';
    const anything = () => true;

    // Build a sequence between `from` and a new exit state; returns it.
    const sequence = (items: Node[], from: number): number => {
      let at = from;
      for (const node of items) {
        at = fragment(node, at);
      }
      return at;
    };

    // Build one node after state `from` (an epsilon state whose `next`
    // receives the node's entry); returns the node's exit (epsilon).
    const fragment = (node: Node, from: number): number => {
      const exit = add(null);
      switch (node.kind) {
        case 'char': {
          const wanted = node.char;
          const step = add(char => char === wanted);
          states[from].next.push(step);
          states[step].next.push(exit);
          break;
        }
        case 'one': {
          const step = add(notSlash);
          states[from].next.push(step);
          states[step].next.push(exit);
          break;
        }
        case 'set': {
          const { negated, items } = node;
          const step = add(char => {
            const inside = items.some(([lo, hi]) => char >= lo && char <= hi);
            return inside !== negated;
          });
          states[from].next.push(step);
          states[step].next.push(exit);
          break;
        }
        case 'star':
        case 'globstar': {
          // Zero or more characters (not '/' for a single star).
          const step = add(node.kind === 'star' ? notSlash : anything);
          states[from].next.push(step, exit);
          states[step].next.push(step, exit);
          break;
        }
        case 'dirs': {
          // (.*/)? : nothing, or any characters ending with a '/'.
          const loop = add(anything);
          const slash = add(char => char === '/');
          states[from].next.push(exit, loop, slash);
          states[loop].next.push(loop, slash);
          states[slash].next.push(exit);
          break;
        }
        case 'alt': {
          for (const option of node.options) {
            const entry = add(null);
            states[from].next.push(entry);
            const end = sequence(option, entry);
            states[end].next.push(exit);
          }
          break;
        }
      }
      return exit;
    };

    const start = add(null);
    const accept = sequence(nodes, start);
    return { states, start, accept };
  }

  /**
   * Follow every state at once through `path`.
   */
  export function run(machine: IMachine, path: string): boolean {
    const { states } = machine;
    const marks = new Int32Array(states.length).fill(-1);
    let generation = 0;
    // The consuming states reachable now, found through epsilon moves.
    const closure = (seeds: number[], out: number[]): boolean => {
      let accepted = false;
      const stack = [...seeds];
      while (stack.length) {
        const index = stack.pop()!;
        if (marks[index] === generation) {
          continue;
        }
        marks[index] = generation;
        if (index === machine.accept) {
          accepted = true;
        }
        const state = states[index];
        if (state.accepts) {
          out.push(index);
        } else {
          stack.push(...state.next);
        }
      }
      return accepted;
    };
    let active: number[] = [];
    let accepted = closure([machine.start], active);
    for (const char of path) {
      if (!active.length) {
        return false;
      }
      generation += 1;
      const seeds: number[] = [];
      for (const index of active) {
        const state = states[index];
        if (state.accepts!(char)) {
          seeds.push(...state.next);
        }
      }
      const next: number[] = [];
      accepted = closure(seeds, next);
      active = next;
    }
    return accepted;
  }
}
