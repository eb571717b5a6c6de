/**
 * A small logger that writes to stderr (never stdout, which `--stdio` reserves
 * for the protocol) and masks registered secrets.
 */

/**
 * Log levels, in increasing order of importance.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3
};

/**
 * Where log lines go.
 */
export interface ILogSink {
  write(line: string): void;
}

/**
 * Lines to a stream (stderr by default) that stops writing once the stream
 * fails, as stderr does with EPIPE when whoever read it went away: a failed
 * write must not become an error that is logged, that fails, and so on.
 */
export class StreamSink implements ILogSink {
  constructor(
    private readonly _stream: NodeJS.WritableStream = process.stderr
  ) {
    _stream.on('error', () => {
      this._broken = true;
    });
  }

  /** Whether the stream failed: lines are dropped from then on. */
  get broken(): boolean {
    return this._broken;
  }

  write(line: string): void {
    if (this._broken) {
      return;
    }
    try {
      this._stream.write(line);
    } catch {
      this._broken = true;
    }
  }

  private _broken = false;
}

/**
 * The relay's logger.
 */
export class Logger {
  /**
   * @param level - the lowest level written.
   * @param sink - where lines go (stderr by default).
   */
  constructor(
    public level: LogLevel = 'info',
    private readonly _sink: ILogSink = Private.stderr()
  ) {}

  /**
   * Register a secret: every occurrence is masked in later log lines.
   */
  addSecret(secret: string): void {
    if (secret.length >= 4 && !this._secrets.includes(secret)) {
      this._secrets.push(secret);
    }
  }

  /**
   * Replace every registered secret in `text` by `***`.
   */
  mask(text: string): string {
    let out = text;
    for (const secret of this._secrets) {
      out = out.split(secret).join('***');
    }
    return out;
  }

  /** Log at debug level. */
  debug(...parts: unknown[]): void {
    this._log('debug', parts);
  }

  /** Log at info level. */
  info(...parts: unknown[]): void {
    this._log('info', parts);
  }

  /** Log at warn level. */
  warn(...parts: unknown[]): void {
    this._log('warn', parts);
  }

  /** Log at error level. */
  error(...parts: unknown[]): void {
    this._log('error', parts);
  }

  /**
   * Write raw text (the banner) to the sink, masked.
   */
  raw(text: string): void {
    this._sink.write(text);
  }

  private _log(level: LogLevel, parts: unknown[]): void {
    if (LEVELS[level] < LEVELS[this.level]) {
      return;
    }
    const text = parts.map(formatPart).join(' ');
    this._sink.write(`[jupyterlab-mcp-bridge] ${level}: ${this.mask(text)}\n`);
  }

  private readonly _secrets: string[] = [];
}

function formatPart(part: unknown): string {
  if (part instanceof Error) {
    return part.message;
  }
  if (typeof part === 'string') {
    return part;
  }
  try {
    return JSON.stringify(part);
  } catch {
    return String(part);
  }
}

/**
 * A logger that drops everything (for tests).
 */
export function silentLogger(): Logger {
  return new Logger('error', { write: () => undefined });
}

namespace Private {
  let sink: StreamSink | undefined;

  /**
   * The one sink of the process's stderr (one 'error' listener).
   */
  export function stderr(): StreamSink {
    sink ??= new StreamSink(process.stderr);
    return sink;
  }
}
