/**
 * Resumable streams: a client whose SSE stream drops during a long
 * `execute_cell` reconnects with `Last-Event-ID` and still gets the
 * progress it missed and the result.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { expect, notebookCells, test, textOf } from '../fixtures';
import { writeNotebook } from '../page-helpers';

/**
 * A fetch that cuts the SSE body of the first POST carrying `tools/call` of
 * `tool` right after its first progress event (the connection is dropped,
 * as a network failure would), and counts reconnections.
 */
function cuttingFetch(tool: string): {
  fetch: typeof fetch;
  stats: { cut: number; resumed: number; lastEventIds: string[] };
} {
  const stats = { cut: 0, resumed: 0, lastEventIds: [] as string[] };
  const cutting: typeof fetch = async (input, init) => {
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    if (lastEventId) {
      stats.resumed += 1;
      stats.lastEventIds.push(lastEventId);
    }
    const response = await fetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    if (
      stats.cut > 0 ||
      !response.body ||
      !body.includes('"tools/call"') ||
      !body.includes(`"${tool}"`)
    ) {
      return response;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        seen += decoder.decode(value, { stream: true });
        const at = seen.indexOf('notifications/progress');
        const end = at < 0 ? -1 : seen.indexOf('\n\n', at);
        if (end < 0) {
          controller.enqueue(value);
          return;
        }
        // Hand the client everything up to the end of that event, then drop
        // the connection.
        const before = seen.length - decoder.decode(value).length;
        controller.enqueue(
          new TextEncoder().encode(seen.slice(Math.max(0, before), end + 2))
        );
        stats.cut += 1;
        await reader.cancel();
        controller.error(new TypeError('network connection lost (test)'));
      }
    });
    return new Response(stream, {
      status: response.status,
      headers: response.headers
    });
  };
  return { fetch: cutting, stats };
}

test('a client whose stream dropped during execute_cell gets the result after reconnecting', async ({
  lab,
  env
}) => {
  const { fetch: cutting, stats } = cuttingFetch('execute_cell');
  const transport = new StreamableHTTPClientTransport(
    new URL(`http://127.0.0.1:${env.relayPort}/mcp`),
    {
      requestInit: { headers: { Authorization: `Bearer ${env.token}` } },
      fetch: cutting
    }
  );
  const client = new Client({ name: 'e2e-resume', version: '1.0.0' });
  const errors: string[] = [];
  await client.connect(transport);
  client.onerror = error => errors.push(error.message);
  try {
    // Written to disk first: the page opens it rather than creating it.
    const name = 'resume.ipynb';
    writeNotebook(env, name, [
      {
        id: 'slow',
        type: 'code',
        source:
          'import time\nfor i in range(4):\n    print(f"step {i}", flush=True)\n    time.sleep(0.7)\nprint("finished")'
      }
    ]);
    await client.callTool({
      name: 'use_notebook',
      arguments: { notebook_path: name }
    });
    const progress: string[] = [];
    const result = (await client.callTool(
      { name: 'execute_cell', arguments: { cell_index: 0 } },
      undefined,
      { onprogress: p => progress.push(p.message ?? '') }
    )) as CallToolResult;

    // The stream was cut once, after the first progress event, and the
    // client resumed it with Last-Event-ID.
    expect(stats.cut).toBe(1);
    expect(stats.resumed).toBeGreaterThanOrEqual(1);
    expect(errors.join('\n')).toContain('SSE stream disconnected');
    // The result came whole, and so did the progress sent while the client
    // was away.
    expect(result.isError).toBeFalsy();
    const text = textOf(result);
    for (const line of ['step 0', 'step 1', 'step 2', 'step 3', 'finished']) {
      expect(text).toContain(line);
    }
    expect(progress.join('\n')).toContain('step 0');
    expect(progress.join('\n')).toContain('step 3');
    expect(result.structuredContent).toMatchObject({ state: 'ok' });

    // It matches the page and the disk.
    const cells = await notebookCells(lab, name);
    await expect(cells.nth(0).locator('.jp-OutputArea-output')).toContainText(
      'finished'
    );
    await expect
      .poll(() => {
        const saved = env.readNotebook(name).cells[0];
        return (saved.outputs ?? [])
          .map(o => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
          .join('');
      })
      .toBe('step 0\nstep 1\nstep 2\nstep 3\nfinished\n');
    const executionCount = env.readNotebook(name).cells[0].execution_count;
    expect(executionCount).toBeGreaterThan(0);
    expect(text).toContain(String(executionCount));
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
});
