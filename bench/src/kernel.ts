/**
 * A raw Jupyter kernel client over the server's kernel WebSocket
 * (`/api/kernels/<id>/channels`, JSON messages): the baseline of the
 * execute figure.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/**
 * What one execute_request took, in ms from the moment it was sent.
 */
export interface IRawExecution {
  /** Until `status: idle` and `execute_reply` both arrived. */
  total: number;
  /** Until `status: busy`. */
  busy: number;
  /** Until `execute_input`. */
  input: number;
  /** Until `execute_reply`. */
  reply: number;
}

interface IJupyterMessage {
  channel: string;
  header: { msg_type: string; msg_id: string };
  parent_header: { msg_id?: string };
  content: Record<string, unknown>;
}

/**
 * A connection to one kernel.
 */
export class RawKernel {
  private constructor(private readonly _ws: WebSocket) {
    _ws.on('message', data => this._onMessage(String(data)));
  }

  /**
   * Connect to kernel `kernelId` of the server at `baseUrl` (http://...).
   */
  static connect(
    baseUrl: string,
    token: string,
    kernelId: string
  ): Promise<RawKernel> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: { Authorization: `token ${token}` }
      });
      ws.once('open', () => resolve(new RawKernel(ws)));
      ws.once('error', reject);
    });
  }

  /**
   * Run `code` and time the replies.
   */
  execute(code: string): Promise<IRawExecution> {
    const msgId = randomUUID();
    const start = performance.now();
    const times: Partial<IRawExecution> = {};
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('raw execute timed out')),
        30_000
      );
      this._waiters.set(msgId, message => {
        const at = performance.now() - start;
        const type = message.header.msg_type;
        if (type === 'status') {
          const state = message.content.execution_state;
          if (state === 'busy') {
            times.busy = at;
          } else if (state === 'idle') {
            times.total = at;
          }
        } else if (type === 'execute_input') {
          times.input = at;
        } else if (type === 'execute_reply') {
          times.reply = at;
        }
        if (times.total !== undefined && times.reply !== undefined) {
          clearTimeout(timer);
          this._waiters.delete(msgId);
          resolve({
            total: Math.max(times.total, times.reply),
            busy: times.busy ?? NaN,
            input: times.input ?? NaN,
            reply: times.reply
          });
        }
      });
      this._ws.send(
        JSON.stringify({
          channel: 'shell',
          header: {
            msg_id: msgId,
            msg_type: 'execute_request',
            username: 'bench',
            session: this._session,
            date: new Date().toISOString(),
            version: '5.3'
          },
          parent_header: {},
          metadata: {},
          content: {
            code,
            silent: false,
            store_history: true,
            user_expressions: {},
            allow_stdin: false,
            stop_on_error: true
          },
          buffers: []
        })
      );
    });
  }

  /**
   * Close the socket.
   */
  close(): void {
    this._ws.close();
  }

  private _onMessage(text: string): void {
    const message = JSON.parse(text) as IJupyterMessage;
    const parent = message.parent_header?.msg_id;
    if (parent) {
      this._waiters.get(parent)?.(message);
    }
  }

  private readonly _session = randomUUID();
  private readonly _waiters = new Map<
    string,
    (message: IJupyterMessage) => void
  >();
}
