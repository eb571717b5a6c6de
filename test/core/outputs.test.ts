import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type * as nbformat from '@jupyterlab/nbformat';

import {
  applyCarriageReturns,
  applyResultBudget,
  formatError,
  outputText,
  renderOutputs,
  stripAnsi,
  truncateText
} from '../../src/core/outputs';

describe('stripAnsi', () => {
  it('removes colour and cursor codes', () => {
    assert.equal(
      stripAnsi('\x1b[0;31mValueError\x1b[0m: bad'),
      'ValueError: bad'
    );
    assert.equal(stripAnsi('\x1b]0;title\x07text'), 'text');
  });
});

describe('applyCarriageReturns', () => {
  it('keeps the last state of a progress line', () => {
    assert.equal(applyCarriageReturns('10%\r50%\r100%\ndone'), '100%\ndone');
    assert.equal(applyCarriageReturns('a\r\nb'), 'a\nb');
  });
});

describe('truncateText', () => {
  it('keeps short text whole', () => {
    assert.equal(truncateText('abc', 10), 'abc');
  });
  it('keeps head and tail and says what was cut', () => {
    const text = 'x'.repeat(1000) + 'END';
    const cut = truncateText(text, 100);
    assert.ok(cut.startsWith('x'.repeat(75)));
    assert.ok(cut.endsWith('END'));
    assert.match(cut, /903 characters cut \(from character 75 of 1003\)/);
  });
});

describe('formatError', () => {
  it('gives ename, evalue and a clean traceback', () => {
    const error: nbformat.IError = {
      output_type: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      traceback: ['\x1b[0;31m----> 1\x1b[0m 1/0']
    };
    assert.equal(
      formatError(error),
      'ZeroDivisionError: division by zero\n----> 1 1/0'
    );
  });
});

describe('renderOutputs', () => {
  it('merges stream chunks and renders results and images', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stdout', text: ['b', '\n'] },
      {
        output_type: 'execute_result',
        execution_count: 1,
        metadata: {},
        data: { 'text/plain': '42' }
      },
      {
        output_type: 'display_data',
        metadata: {},
        data: { 'image/png': 'iVBO\nRw0K', 'text/plain': '<Figure>' }
      }
    ];
    assert.deepEqual(renderOutputs(outputs), [
      { type: 'text', text: 'a\nb\n' },
      { type: 'text', text: '42' },
      { type: 'image', data: 'iVBORw0K', mimeType: 'image/png' }
    ]);
  });
  it('replaces images by a note when images are off', () => {
    const blocks = renderOutputs(
      [
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'image/png': 'iVBO' }
        }
      ],
      { includeImages: false, maxOutputChars: 100 }
    );
    assert.deepEqual(blocks, [
      { type: 'text', text: '[image/png image omitted]' }
    ]);
  });
});

describe('applyResultBudget', () => {
  it('cuts past the budget and says how to read the rest', () => {
    const blocks = applyResultBudget(
      [
        { type: 'text', text: 'a'.repeat(60) },
        { type: 'image', data: 'x', mimeType: 'image/png' },
        { type: 'text', text: 'b'.repeat(60) },
        { type: 'text', text: 'c' }
      ],
      100,
      'use read_cell'
    );
    assert.equal(blocks.length, 4);
    assert.equal(blocks[1].type, 'image');
    assert.match((blocks[2] as { text: string }).text, /characters cut/);
    assert.match(
      (blocks[3] as { text: string }).text,
      /1 more output block\(s\) left out.*100 characters.*use read_cell/
    );
  });
});

describe('HTML outputs', () => {
  it('use the page-given converter for tables, else text/plain', () => {
    const output: nbformat.IOutput = {
      output_type: 'execute_result',
      execution_count: 1,
      metadata: {},
      data: { 'text/html': '<table>..</table>', 'text/plain': 'df repr' }
    };
    const withTables = renderOutputs([output], {
      maxOutputChars: 100,
      includeImages: true,
      htmlToText: () => '| a |'
    });
    assert.deepEqual(withTables, [{ type: 'text', text: '| a |' }]);
    const plain = renderOutputs([output], {
      maxOutputChars: 100,
      includeImages: true,
      htmlToText: () => null
    });
    assert.deepEqual(plain, [{ type: 'text', text: 'df repr' }]);
  });
});

describe('outputText', () => {
  it('reads a stream together with the same-name streams after it', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stdout', text: 'b\n' },
      { output_type: 'stream', name: 'stderr', text: 'oops\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' }
    ];
    assert.equal(outputText(outputs, 0), 'a\nb\n');
    assert.equal(outputText(outputs, 1), 'b\n');
    assert.equal(outputText(outputs, 2), '[stderr]\noops\n');
    assert.equal(outputText(outputs, 3), 'c\n');
  });
});
