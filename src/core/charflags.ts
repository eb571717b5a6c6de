/**
 * Characters that can hide or disguise what a text does when it is shown:
 * control characters, bidirectional controls (which reorder what is
 * displayed), zero-width characters, carriage returns, and long runs of
 * blanks that push the rest of a line out of sight. The approval dialog
 * shows each as a visible marker and says how many there are. Pure.
 */

/**
 * What kind of character was flagged.
 */
export type CharFlagKind =
  'control' | 'bidi' | 'zero-width' | 'carriage-return' | 'blanks';

/**
 * A piece of a text: plain, or a flagged character (or run of blanks)
 * with the marker to show in its place.
 */
export type TextPiece =
  | { flag: null; text: string }
  | {
      flag: CharFlagKind;
      /**
       * The characters replaced.
       */
      text: string;
      /**
       * What to show instead, e.g. `⟨U+202E RLO⟩`.
       */
      marker: string;
      /**
       * A longer description, e.g. `U+202E RIGHT-TO-LEFT OVERRIDE`.
       */
      title: string;
    };

/**
 * How many blanks (spaces and tabs) in a row are flagged.
 */
export const LONG_BLANK_RUN = 40;

/**
 * Split `text` into plain pieces and flagged ones. Tabs and newlines are
 * plain; a run of {@link LONG_BLANK_RUN} or more blanks is one flagged
 * piece.
 */
export function flagText(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let plain = '';
  const flush = () => {
    if (plain) {
      pieces.push({ flag: null, text: plain });
      plain = '';
    }
  };
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === ' ' || char === '\t') {
      let end = i;
      while (
        end < chars.length &&
        (chars[end] === ' ' || chars[end] === '\t')
      ) {
        end++;
      }
      const run = chars.slice(i, end).join('');
      if (run.length >= LONG_BLANK_RUN) {
        flush();
        pieces.push({
          flag: 'blanks',
          text: run,
          marker: `⟨${run.length} blanks⟩`,
          title: `${run.length} spaces or tabs in a row`
        });
      } else {
        plain += run;
      }
      i = end - 1;
      continue;
    }
    const found = classify(char);
    if (!found) {
      plain += char;
      continue;
    }
    flush();
    const code = Private.hex(char);
    pieces.push({
      flag: found.kind,
      text: char,
      marker: `⟨${found.short ? `U+${code} ${found.short}` : `U+${code}`}⟩`,
      title: `U+${code}${found.name ? ` ${found.name}` : ''}`
    });
  }
  flush();
  return pieces;
}

/**
 * `text` with every flagged character replaced by its marker (for places
 * that show plain text only, such as a dialog title).
 */
export function visibleText(text: string): string {
  return flagText(text)
    .map(piece => (piece.flag ? piece.marker : piece.text))
    .join('');
}

/**
 * How many characters (or runs of blanks) of each kind `texts` hold.
 */
export function countFlags(
  texts: Iterable<string>
): Partial<Record<CharFlagKind, number>> {
  const counts: Partial<Record<CharFlagKind, number>> = {};
  for (const text of texts) {
    for (const piece of flagText(text)) {
      if (piece.flag) {
        counts[piece.flag] = (counts[piece.flag] ?? 0) + 1;
      }
    }
  }
  return counts;
}

/**
 * The kind of a single character, if it is flagged, with its short and
 * long names where it has them.
 */
export function classify(char: string): {
  kind: Exclude<CharFlagKind, 'blanks'>;
  short: string;
  name: string;
} | null {
  const code = char.codePointAt(0) ?? 0;
  if (char === '\r') {
    return { kind: 'carriage-return', short: 'CR', name: 'CARRIAGE RETURN' };
  }
  const bidi = Private.BIDI.get(code);
  if (bidi) {
    return { kind: 'bidi', ...bidi };
  }
  const zeroWidth = Private.ZERO_WIDTH.get(code);
  if (zeroWidth) {
    return { kind: 'zero-width', ...zeroWidth };
  }
  if (char === '\n' || char === '\t') {
    return null;
  }
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
    return {
      kind: 'control',
      short: Private.C0_NAMES[code] ?? (code === 0x7f ? 'DEL' : ''),
      name: ''
    };
  }
  if (code === 0x2028 || code === 0x2029) {
    return {
      kind: 'control',
      short: code === 0x2028 ? 'LSEP' : 'PSEP',
      name: code === 0x2028 ? 'LINE SEPARATOR' : 'PARAGRAPH SEPARATOR'
    };
  }
  return null;
}

namespace Private {
  type Names = { short: string; name: string };

  export const BIDI = new Map<number, Names>([
    [0x061c, { short: 'ALM', name: 'ARABIC LETTER MARK' }],
    [0x200e, { short: 'LRM', name: 'LEFT-TO-RIGHT MARK' }],
    [0x200f, { short: 'RLM', name: 'RIGHT-TO-LEFT MARK' }],
    [0x202a, { short: 'LRE', name: 'LEFT-TO-RIGHT EMBEDDING' }],
    [0x202b, { short: 'RLE', name: 'RIGHT-TO-LEFT EMBEDDING' }],
    [0x202c, { short: 'PDF', name: 'POP DIRECTIONAL FORMATTING' }],
    [0x202d, { short: 'LRO', name: 'LEFT-TO-RIGHT OVERRIDE' }],
    [0x202e, { short: 'RLO', name: 'RIGHT-TO-LEFT OVERRIDE' }],
    [0x2066, { short: 'LRI', name: 'LEFT-TO-RIGHT ISOLATE' }],
    [0x2067, { short: 'RLI', name: 'RIGHT-TO-LEFT ISOLATE' }],
    [0x2068, { short: 'FSI', name: 'FIRST STRONG ISOLATE' }],
    [0x2069, { short: 'PDI', name: 'POP DIRECTIONAL ISOLATE' }]
  ]);

  export const ZERO_WIDTH = new Map<number, Names>([
    [0x00ad, { short: 'SHY', name: 'SOFT HYPHEN' }],
    [0x180e, { short: 'MVS', name: 'MONGOLIAN VOWEL SEPARATOR' }],
    [0x200b, { short: 'ZWSP', name: 'ZERO WIDTH SPACE' }],
    [0x200c, { short: 'ZWNJ', name: 'ZERO WIDTH NON-JOINER' }],
    [0x200d, { short: 'ZWJ', name: 'ZERO WIDTH JOINER' }],
    [0x2060, { short: 'WJ', name: 'WORD JOINER' }],
    [0xfeff, { short: 'BOM', name: 'ZERO WIDTH NO-BREAK SPACE' }]
  ]);

  export const C0_NAMES: Record<number, string> = {
    0x00: 'NUL',
    0x07: 'BEL',
    0x08: 'BS',
    0x0b: 'VT',
    0x0c: 'FF',
    0x1b: 'ESC'
  };

  export function hex(char: string): string {
    return (char.codePointAt(0) ?? 0)
      .toString(16)
      .toUpperCase()
      .padStart(4, '0');
  }
}
