import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  countFlags,
  flagText,
  LONG_BLANK_RUN,
  visibleText
} from '../../src/core/charflags';

describe('flagText', () => {
  it('leaves ordinary text, tabs and newlines alone', () => {
    assert.deepEqual(flagText('a = 1\n\tb = "é ✓"'), [
      { flag: null, text: 'a = 1\n\tb = "é ✓"' }
    ]);
  });

  it('flags bidirectional controls, zero-width characters, control characters and carriage returns', () => {
    const text = 'ok\u202Eevil\u2066x\u200By\uFEFF\r\n\u001b[31m\u0000';
    const flags = flagText(text)
      .filter(piece => piece.flag)
      .map(piece => (piece.flag ? [piece.flag, piece.marker] : []));
    assert.deepEqual(flags, [
      ['bidi', '⟨U+202E RLO⟩'],
      ['bidi', '⟨U+2066 LRI⟩'],
      ['zero-width', '⟨U+200B ZWSP⟩'],
      ['zero-width', '⟨U+FEFF BOM⟩'],
      ['carriage-return', '⟨U+000D CR⟩'],
      ['control', '⟨U+001B ESC⟩'],
      ['control', '⟨U+0000 NUL⟩']
    ]);
    // Nothing is lost: the pieces hold the whole text.
    assert.equal(
      flagText(text)
        .map(piece => piece.text)
        .join(''),
      text
    );
  });

  it('covers every bidi control from U+202A to U+202E and U+2066 to U+2069, and U+200B to U+200D', () => {
    const codes = [
      0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069
    ];
    for (const code of codes) {
      assert.equal(flagText(String.fromCodePoint(code))[0].flag, 'bidi');
    }
    for (const code of [0x200b, 0x200c, 0x200d, 0xfeff]) {
      assert.equal(flagText(String.fromCodePoint(code))[0].flag, 'zero-width');
    }
  });

  it('turns a long run of blanks, which pushes the rest of a line out of sight, into one marker', () => {
    const hidden = `print("hi")${' '.repeat(300)}; import os; os.remove("x")`;
    const pieces = flagText(hidden);
    assert.deepEqual(
      pieces.map(piece => piece.flag),
      [null, 'blanks', null]
    );
    assert.equal(
      visibleText(hidden),
      'print("hi")⟨300 blanks⟩; import os; os.remove("x")'
    );
    // Indentation and alignment stay as they are.
    const short = ' '.repeat(LONG_BLANK_RUN - 1);
    assert.deepEqual(flagText(`a${short}b`), [
      { flag: null, text: `a${short}b` }
    ]);
  });
});

describe('countFlags', () => {
  it('counts each kind over several texts', () => {
    assert.deepEqual(countFlags(['a\u202Eb', 'c\r\nd\r\n', 'plain']), {
      bidi: 1,
      'carriage-return': 2
    });
    assert.deepEqual(countFlags(['nothing to see']), {});
  });
});
