import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { tableToMarkdown, type IElementLike } from '../../src/core/tables';

/** A tiny element tree standing in for the DOM. */
class FakeElement implements IElementLike {
  constructor(
    readonly tag: string,
    readonly kids: FakeElement[] = [],
    readonly text = ''
  ) {}

  get textContent(): string {
    return this.text || this.kids.map(kid => kid.textContent).join(' ');
  }

  getAttribute(): string | null {
    return null;
  }

  querySelectorAll(selector: string): FakeElement[] {
    const tags = selector.split(',').map(part => part.trim());
    return this.kids.flatMap(kid => [
      ...(tags.includes(kid.tag) ? [kid] : []),
      ...kid.querySelectorAll(selector)
    ]);
  }
}

const e = (tag: string, kids: FakeElement[] = [], text = '') =>
  new FakeElement(tag, kids, text);

describe('tableToMarkdown', () => {
  it('renders a DataFrame-like table', () => {
    const table = e('table', [
      e('tr', [e('th'), e('th', [], 'a'), e('th', [], 'b')]),
      e('tr', [e('th', [], '0'), e('td', [], '1'), e('td', [], 'x|y')]),
      e('tr', [e('th', [], '1'), e('td', [], '2')])
    ]);
    assert.equal(
      tableToMarkdown(table),
      '|  | a | b |\n| --- | --- | --- |\n| 0 | 1 | x\\|y |\n| 1 | 2 |  |'
    );
  });
});
