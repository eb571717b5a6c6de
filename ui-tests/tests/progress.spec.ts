/**
 * A tool's progress notifications reach a Streamable HTTP client on the
 * request's own stream, with no standalone GET stream open.
 */

import { connectHttp, disconnect, expect, test, textOf } from '../fixtures';

test('execute_cell progress arrives on the POST stream', async ({
  lab,
  env
}) => {
  expect(lab).toBeTruthy();
  const { client, getRequests } = await connectHttp(env, { noGetStream: true });
  try {
    await client.callTool({
      name: 'use_notebook',
      arguments: { notebook_path: 'progress.ipynb' }
    });
    await client.callTool({
      name: 'insert_cell',
      arguments: {
        cell_index: -1,
        cell_type: 'code',
        cell_source:
          'import time\nfor i in range(3):\n    print(f"step {i}", flush=True)\n    time.sleep(0.8)'
      }
    });
    const messages: string[] = [];
    const result = await client.callTool(
      { name: 'execute_cell', arguments: { cell_index: 0 } },
      undefined,
      { onprogress: progress => messages.push(progress.message ?? '') }
    );
    expect(textOf(result as never)).toContain('step 2');
    // The client tried a GET stream once and was refused: every notification
    // came on the POST stream of the call.
    expect(getRequests()).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.join('\n')).toContain('step 0');
    expect(messages.join('\n')).toContain('step 1');
  } finally {
    await disconnect(client);
  }
});
