"use strict";
/**
 * A small logger that writes to stderr (never stdout, which `--stdio` reserves
 * for the protocol) and masks registered secrets.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.Logger = void 0;
exports.silentLogger = silentLogger;
const LEVELS = {
    debug: 0,
    info: 1,
    warn: 2,
    error: 3
};
/**
 * The relay's logger.
 */
class Logger {
    level;
    _sink;
    /**
     * @param level - the lowest level written.
     * @param sink - where lines go (stderr by default).
     */
    constructor(level = 'info', _sink = {
        write: line => process.stderr.write(line)
    }) {
        this.level = level;
        this._sink = _sink;
    }
    /**
     * Register a secret: every occurrence is masked in later log lines.
     */
    addSecret(secret) {
        if (secret.length >= 4 && !this._secrets.includes(secret)) {
            this._secrets.push(secret);
        }
    }
    /**
     * Replace every registered secret in `text` by `***`.
     */
    mask(text) {
        let out = text;
        for (const secret of this._secrets) {
            out = out.split(secret).join('***');
        }
        return out;
    }
    /** Log at debug level. */
    debug(...parts) {
        this._log('debug', parts);
    }
    /** Log at info level. */
    info(...parts) {
        this._log('info', parts);
    }
    /** Log at warn level. */
    warn(...parts) {
        this._log('warn', parts);
    }
    /** Log at error level. */
    error(...parts) {
        this._log('error', parts);
    }
    /**
     * Write raw text (the banner) to the sink, masked.
     */
    raw(text) {
        this._sink.write(text);
    }
    _log(level, parts) {
        if (LEVELS[level] < LEVELS[this.level]) {
            return;
        }
        const text = parts.map(formatPart).join(' ');
        this._sink.write(`[jupyterlab-mcp-bridge] ${level}: ${this.mask(text)}\n`);
    }
    _secrets = [];
}
exports.Logger = Logger;
function formatPart(part) {
    if (part instanceof Error) {
        return part.message;
    }
    if (typeof part === 'string') {
        return part;
    }
    try {
        return JSON.stringify(part);
    }
    catch {
        return String(part);
    }
}
/**
 * A logger that drops everything (for tests).
 */
function silentLogger() {
    return new Logger('error', { write: () => undefined });
}
//# sourceMappingURL=log.js.map