/**
 * `npm run bench:hops`: where the time of one `execute_cell` goes, hop by
 * hop, in the setup of `npm run bench`. The page's WebSocket frames (to the
 * relay and to the kernel) are timed by Chromium (CDP `Network` events, on
 * the same monotonic clock as Node's `process.hrtime`), the client's send
 * and receipt by the client. Prints p50 and p99 of each hop of
 * `execute_cell`, of `ping` (the floor) and of JupyterLab's own "Run Cell",
 * taken in turn.
 *
 * CDP's `Network` domain costs the page and the bench client some time per
 * frame, so the totals here are a few ms above `npm run bench`'s; the hops
 * compare with each other.
 *
 * Options (after `npm run bench:hops --`):
 *   --calls N    samples of each kind (default 60)
 *   --no-save    with the setting `saveAfterEdit` off
 *   --hidden     the notebook run by the agent behind another tab (no
 *                "Run Cell" then: it runs the notebook in front)
 */
import type { CDPSession } from '@playwright/test';

import { BenchEnv } from './env';
import { coldStart, log, pageRun, runMain } from './figures';
import { summarize } from './stats';

/**
 * One WebSocket frame of the page, as CDP reports it.
 */
interface IFrame {
  /** When (ms, monotonic clock). */
  at: number;
  sent: boolean;
  kernel: boolean;
  text: string;
}

/**
 * The frames of the page's WebSockets, from the time `clear` was called.
 */
class FrameLog {
  static async attach(cdp: CDPSession): Promise<FrameLog> {
    const log = new FrameLog();
    const urls = new Map<string, string>();
    cdp.on('Network.webSocketCreated', event =>
      urls.set(event.requestId, event.url)
    );
    const add =
      (sent: boolean) =>
      (event: {
        requestId: string;
        timestamp: number;
        response: { opcode: number; payloadData: string };
      }) => {
        const { opcode, payloadData } = event.response;
        log.frames.push({
          at: event.timestamp * 1000,
          sent,
          kernel: (urls.get(event.requestId) ?? '').includes('/channels'),
          // Kernel frames are binary (v1 protocol): their JSON parts
          // read well enough as Latin-1.
          text:
            opcode === 2
              ? Buffer.from(payloadData, 'base64').toString('latin1')
              : payloadData
        });
      };
    cdp.on('Network.webSocketFrameReceived', add(false));
    cdp.on('Network.webSocketFrameSent', add(true));
    await cdp.send('Network.enable');
    return log;
  }

  frames: IFrame[] = [];

  clear(): void {
    this.frames = [];
  }

  find(sent: boolean, kernel: boolean, part: string): IFrame | undefined {
    return this.frames.find(
      frame =>
        frame.sent === sent &&
        frame.kernel === kernel &&
        frame.text.includes(part)
    );
  }

  /**
   * Wait until a frame with `part` came (CDP reports frames a moment
   * after they pass).
   */
  async until(sent: boolean, kernel: boolean, part: string): Promise<IFrame> {
    const deadline = performance.now() + 5000;
    for (;;) {
      const frame = this.find(sent, kernel, part);
      if (frame) {
        return frame;
      }
      if (performance.now() > deadline) {
        throw new Error(`no ${sent ? 'sent' : 'received'} frame with ${part}`);
      }
      await new Promise(resolve => setImmediate(resolve));
    }
  }
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let calls = 60;
  let save = true;
  let hidden = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--calls') {
      calls = Number(argv[++i]);
    } else if (argv[i] === '--no-save') {
      save = false;
    } else if (argv[i] === '--hidden') {
      hidden = true;
    } else {
      throw new Error(`unknown option ${argv[i]}`);
    }
  }
  log('starting the Jupyter server, the relay and Chromium');
  const env = await BenchEnv.start();
  try {
    if (!save) {
      const res = await fetch(
        `${env.labUrl}/lab/api/settings/jupyterlab-mcp-bridge-extension:plugin`,
        {
          method: 'PUT',
          headers: {
            Authorization: `token ${env.labToken}`,
            'Content-Type': 'application/json'
          },
          body: JSON.stringify({ raw: '{ "saveAfterEdit": false }' })
        }
      );
      if (!res.ok) {
        throw new Error(`setting saveAfterEdit: HTTP ${res.status}`);
      }
    }
    const { page } = await coldStart(env, `bench-hops-${Date.now()}`);
    const frames = await FrameLog.attach(
      await page.context().newCDPSession(page)
    );
    const client = await env.client('hops');
    // When the SDK transport hands a message to the client.
    let delivered = 0;
    const transport = client.transport;
    const onmessage = transport.onmessage;
    transport.onmessage = message => {
      delivered = now();
      onmessage?.(message);
    };
    const path = 'hops.ipynb';
    env.writeNotebook(path, ['pass']);
    await client.call('use_notebook', { notebook_path: path, activate: true });
    if (hidden) {
      env.writeNotebook('front.ipynb', ['1']);
      await client.call('use_notebook', {
        notebook_path: 'front.ipynb',
        activate: true
      });
      await client.call('use_notebook', { notebook_path: path });
    }
    const run = () =>
      client.call('execute_cell', { notebook_path: path, cell_index: 0 });
    for (let i = 0; i < 10; i++) {
      await run();
      if (!hidden) {
        await pageRun(page, path);
      }
    }
    const hops = new Map<string, number[]>();
    const put = (hop: string, ms: number) => {
      hops.set(hop, [...(hops.get(hop) ?? []), ms]);
    };
    const kinds: (() => Promise<void>)[] = [
      async () => {
        frames.clear();
        const start = now();
        await run();
        const end = now();
        const request = await frames.until(false, false, '"execute_cell"');
        const answer = await frames.until(true, false, '"result"');
        const sent = await frames.until(true, true, '"execute_request"');
        const reply = await frames.until(false, true, '"execute_reply"');
        const idle = await frames.until(false, true, '"idle"');
        put('execute_cell: client → page', request.at - start);
        put('execute_cell: page → execute_request', sent.at - request.at);
        put('execute_cell: execute_request → reply', reply.at - sent.at);
        put('execute_cell: execute_request → idle', idle.at - sent.at);
        put(
          'execute_cell: reply and idle → answer',
          answer.at - Math.max(reply.at, idle.at)
        );
        put('execute_cell: answer → SDK transport', delivered - answer.at);
        put('execute_cell: SDK transport → result', end - delivered);
        put('execute_cell: total', end - start);
      },
      async () => {
        frames.clear();
        const start = now();
        await client.client.ping();
        const end = now();
        const request = await frames.until(false, false, '"ping"');
        const answer = await frames.until(true, false, '"result"');
        put('ping: client → page', request.at - start);
        put('ping: page', answer.at - request.at);
        put('ping: answer → SDK transport', delivered - answer.at);
        put('ping: total', end - start);
      }
    ];
    if (!hidden) {
      kinds.push(async () => {
        frames.clear();
        const total = await pageRun(page, path);
        const sent = await frames.until(true, true, '"execute_request"');
        const reply = await frames.until(false, true, '"execute_reply"');
        const idle = await frames.until(false, true, '"idle"');
        put('Run Cell: execute_request → reply', reply.at - sent.at);
        put('Run Cell: execute_request → idle', idle.at - sent.at);
        put('Run Cell: total (in the page)', total);
      });
    }
    log(`${calls} samples of each kind, in turn`);
    for (let i = 0; i < calls; i++) {
      for (let k = 0; k < kinds.length; k++) {
        await kinds[(i + k) % kinds.length]();
      }
    }
    const lines = [
      `saveAfterEdit ${save ? 'on' : 'off'}${hidden ? ', the notebook behind another tab' : ''}`,
      '',
      '| hop | p50 ms | p99 ms |',
      '| --- | --- | --- |'
    ];
    for (const [hop, values] of hops) {
      const { p50, p99 } = summarize(values);
      lines.push(`| ${hop} | ${p50} | ${p99} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    await client.close();
  } finally {
    await env.close();
  }
}

runMain(main);
