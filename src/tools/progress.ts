/**
 * Progress notifications for long tool calls: new output as it arrives,
 * and a heartbeat so that clients do not give up on a long run.
 */

import { stripAnsi } from '../core/outputs';
import type { JupyterToolContext } from './services';

/**
 * Milliseconds between "still running" progress notifications.
 */
const HEARTBEAT_MS = 5000;

/**
 * Longest text of one progress notification.
 */
const MAX_PROGRESS_CHARS = 2000;

/**
 * Turns new output into progress notifications, with a heartbeat so that
 * clients do not give up on a long run (or a long wait: the approval
 * dialog's).
 */
export class ProgressReporter {
  /**
   * @param context - the call's context (its `progress` reaches the client
   *   when it sent a progress token).
   * @param still - the heartbeat's text, given the seconds since the start.
   */
  constructor(
    context: JupyterToolContext,
    still: (seconds: number) => string = seconds =>
      `Still running (${seconds} s).`
  ) {
    this._context = context;
    this._started = Date.now();
    this._still = still;
    this._heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  /**
   * Send the heartbeat now.
   */
  beat(): void {
    this._send(this._still(Math.round((Date.now() - this._started) / 1000)));
  }

  /**
   * Slot for an execution's output signal.
   */
  onOutput(_: unknown, text: string): void {
    this.output(text);
  }

  output(text: string): void {
    const clean = stripAnsi(text);
    if (clean.trim()) {
      this._send(
        clean.length > MAX_PROGRESS_CHARS
          ? clean.slice(-MAX_PROGRESS_CHARS)
          : clean
      );
    }
  }

  stop(): void {
    clearInterval(this._heartbeat);
  }

  private _send(message: string): void {
    this._count += 1;
    void this._context.progress(message, this._count).catch(() => {
      // A closed stream is the client's business; the run goes on.
    });
  }

  private _context: JupyterToolContext;
  private _started: number;
  private _still: (seconds: number) => string;
  private _heartbeat: ReturnType<typeof setInterval>;
  private _count = 0;
}
