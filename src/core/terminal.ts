/**
 * Terminal output: a ring buffer, and commands whose output is delimited by
 * markers that only the shell's output (never the echo of the typed line)
 * contains. Pure functions.
 */

import { applyCarriageReturns, stripAnsi } from './outputs';

/**
 * The last `capacity` characters a terminal printed, with absolute positions
 * so that readers can ask for "everything since position P".
 */
export class OutputRing {
  constructor(readonly capacity: number) {}

  /**
   * Number of characters ever appended.
   */
  get position(): number {
    return this._start + this._text.length;
  }

  /**
   * Number of characters dropped from the front.
   */
  get dropped(): number {
    return this._start;
  }

  /**
   * Append output.
   */
  append(text: string): void {
    this._text += text;
    const excess = this._text.length - this.capacity;
    if (excess > 0) {
      this._text = this._text.slice(excess);
      this._start += excess;
    }
  }

  /**
   * The text kept from absolute position `position` on (what was dropped is
   * skipped).
   */
  since(position: number): string {
    return this._text.slice(Math.max(0, position - this._start));
  }

  /**
   * Everything kept.
   */
  text(): string {
    return this._text;
  }

  private _text = '';
  private _start = 0;
}

/**
 * The markers of one command run.
 */
export interface ICommandMarkers {
  /**
   * The line to type (without the final carriage return).
   */
  line: string;
  start: RegExp;
  done: RegExp;
}

/**
 * Wrap a shell command line so that its output is delimited: a start marker
 * before, and a done marker with the exit status after. The markers are
 * printed with `printf` from split parts, so the echoed input never
 * contains them. The command itself runs through `eval` of a quoted
 * string, so that nothing in it (a trailing `# comment`, a background `&`)
 * can swallow or break the done marker.
 */
export function markCommand(command: string, id: string): ICommandMarkers {
  const trimmed = command.replace(/\s+$/, '');
  const quoted = `'${trimmed.replace(/'/g, "'\\''")}'`;
  return {
    line:
      `printf '__MCP_%s_%s\\n' START ${id}; eval ${quoted}; ` +
      `printf '__MCP_%s_%s_%d\\n' DONE ${id} $?`,
    start: new RegExp(`__MCP_START_${id}\\r?\\n`),
    done: new RegExp(`(?:\\r?\\n)?__MCP_DONE_${id}_(\\d+)\\r?\\n?`)
  };
}

/**
 * What a command printed so far, from raw terminal output.
 */
export interface ICommandOutput {
  started: boolean;
  finished: boolean;
  exitCode: number | null;
  /**
   * Output between the markers (or everything when the start marker was
   * not seen), without ANSI codes and with carriage returns applied.
   */
  output: string;
}

/**
 * Extract a marked command's output from the raw output since it was sent.
 */
export function extractCommandOutput(
  raw: string,
  markers: Pick<ICommandMarkers, 'start' | 'done'>
): ICommandOutput {
  const start = markers.start.exec(raw);
  let body = start ? raw.slice(start.index + start[0].length) : raw;
  const done = start ? markers.done.exec(body) : null;
  if (done) {
    body = body.slice(0, done.index);
  }
  return {
    started: start !== null,
    finished: done !== null,
    exitCode: done ? Number(done[1]) : null,
    output: cleanTerminalText(body)
  };
}

/**
 * Terminal output as plain text: no ANSI codes, carriage returns applied,
 * no other control characters.
 */
export function cleanTerminalText(raw: string): string {
  return applyCarriageReturns(stripAnsi(raw))
    .replace(/\r/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/**
 * Remove what run_terminal_command adds to a terminal's output: the marker
 * lines, and the marker commands around the echoed command line.
 */
export function hideMarkers(text: string): string {
  return text
    .replace(/__MCP_(?:START|DONE)_[0-9a-f]+(?:_\d+)?\n?/g, '')
    .replace(/printf '__MCP_%s_%s\\n' START [0-9a-f]+; /g, '')
    .replace(/[; ] ?printf '__MCP_%s_%s_%d\\n' DONE [0-9a-f]+ \$\?/g, '')
    .replace(/eval '((?:[^']|'\\'')*)'/g, (_, quoted: string) =>
      quoted.replace(/'\\''/g, "'")
    );
}
