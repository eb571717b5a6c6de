import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  cleanTerminalText,
  extractCommandOutput,
  hideMarkers,
  markCommand,
  OutputRing
} from '../../src/core/terminal';

describe('OutputRing', () => {
  it('keeps the last characters with absolute positions', () => {
    const ring = new OutputRing(5);
    ring.append('abc');
    const mark = ring.position;
    ring.append('defg');
    assert.equal(ring.text(), 'cdefg');
    assert.equal(ring.position, 7);
    assert.equal(ring.dropped, 2);
    assert.equal(ring.since(mark), 'defg');
    assert.equal(ring.since(0), 'cdefg');
  });
});

describe('markCommand', () => {
  it('wraps the command with markers the echo does not contain', () => {
    const { line, start, done } = markCommand('ls -l', 'abc123');
    assert.equal(
      line,
      "printf '__MCP_%s_%s\\n' START abc123; eval 'ls -l'; printf '__MCP_%s_%s_%d\\n' DONE abc123 $?"
    );
    assert.equal(start.test(line), false);
    assert.equal(done.test(line), false);
  });
  it('keeps the done marker out of reach of comments, "&" and quotes in the command', () => {
    const done = "; printf '__MCP_%s_%s_%d\\n' DONE x $?";
    assert.ok(
      markCommand('ls # list them', 'x').line.endsWith(
        `eval 'ls # list them'${done}`
      )
    );
    assert.ok(
      markCommand('sleep 5 &', 'x').line.endsWith(`eval 'sleep 5 &'${done}`)
    );
    assert.ok(
      markCommand("echo 'it''s'", 'x').line.endsWith(
        `eval 'echo '\\''it'\\'''\\''s'\\'''${done}`
      )
    );
  });
});

describe('extractCommandOutput', () => {
  const markers = markCommand('echo hi', 'id1');
  it('returns the output between the markers and the exit status', () => {
    const raw =
      "\x1b[?2004l\r$ printf '__MCP_%s_%s\\n' START id1; echo hi; printf ...\r\n" +
      '__MCP_START_id1\r\n\x1b[1;31mhi\x1b[0m\r\nthere\r\n__MCP_DONE_id1_3\r\n$ ';
    assert.deepEqual(extractCommandOutput(raw, markers), {
      started: true,
      finished: true,
      exitCode: 3,
      output: 'hi\nthere'
    });
  });
  it('reports a command still running', () => {
    const result = extractCommandOutput(
      'echo\r\n__MCP_START_id1\r\nstep 1\r\n',
      markers
    );
    assert.equal(result.finished, false);
    assert.equal(result.exitCode, null);
    assert.equal(result.output, 'step 1\n');
  });
  it('ignores a done marker of another run', () => {
    const raw = '__MCP_START_id1\r\n__MCP_DONE_id2_0\r\n';
    assert.equal(extractCommandOutput(raw, markers).finished, false);
  });
});

describe('cleanTerminalText', () => {
  it('applies carriage returns and drops control characters', () => {
    assert.equal(
      cleanTerminalText('10%\r50%\r100%\r\nok\x07\x1b]0;title\x07'),
      '100%\nok'
    );
  });
});

describe('hideMarkers', () => {
  it('removes the markers and the marker commands of the echo', () => {
    const { line } = markCommand('ls', 'ab12');
    const shown = `$ ${line}\n__MCP_START_ab12\nfile\n__MCP_DONE_ab12_0\n$ `;
    assert.equal(hideMarkers(shown), '$ ls\nfile\n$ ');
    const background = markCommand('sleep 1 &', 'ab12').line;
    assert.equal(hideMarkers(background), 'sleep 1 &');
    const quoted = markCommand("echo 'a' # b", 'ab12').line;
    assert.equal(hideMarkers(quoted), "echo 'a' # b");
  });
});
