"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Hub = exports.Session = exports.PageConnection = exports.RELAY_ERROR_CODE = exports.PAGE_DISCONNECTED_MESSAGE = exports.NO_PAGE_MESSAGE = void 0;
exports.validatePageMessage = validatePageMessage;
const jsonrpc_1 = require("./jsonrpc");
/**
 * Message of the error a client gets when no page is connected in time.
 */
exports.NO_PAGE_MESSAGE = 'No JupyterLab page is connected to the MCP bridge. Open JupyterLab with the pairing link ' +
    'printed by `jupyterlab-mcp-bridge`, or run the command "Start MCP bridge" in JupyterLab, then retry.';
/**
 * Message of the error a client gets for a call in flight when its page goes away.
 */
exports.PAGE_DISCONNECTED_MESSAGE = 'JupyterLab page disconnected during the call';
/**
 * JSON-RPC error code used for relay errors (implementation-defined server error).
 */
exports.RELAY_ERROR_CODE = -32000;
/**
 * One connected JupyterLab page.
 */
class PageConnection {
    id;
    seq;
    socket;
    /**
     * @param id - the page id sent in the welcome.
     * @param seq - connection order (higher is more recent).
     * @param socket - the page WebSocket.
     */
    constructor(id, seq, socket) {
        this.id = id;
        this.seq = seq;
        this.socket = socket;
    }
    /** Whether the page said hello (only then does it get sessions). */
    ready = false;
    /** The page's label, from its hello. */
    label;
    /** The extension version, from its hello. */
    extensionVersion;
    /** Ids of the sessions bound to this page. */
    sessions = new Set();
    /** Whether the page answered the last ping. */
    alive = true;
    /**
     * Send an envelope; false when the socket is not open or sending failed.
     */
    send(message) {
        if (this.socket.readyState !== this.socket.OPEN) {
            return false;
        }
        try {
            this.socket.send(JSON.stringify(message));
            return true;
        }
        catch {
            return false;
        }
    }
}
exports.PageConnection = PageConnection;
/**
 * One MCP session: its SDK transport, its page, and what the relay keeps to
 * resume it on another page.
 */
class Session {
    transport;
    /**
     * @param transport - the session's server transport (one per session).
     */
    constructor(transport) {
        this.transport = transport;
    }
    /** The MCP session id (set when the transport initializes). */
    id = '';
    /** The page serving this session, if any. */
    page;
    /** The client's `initialize` request. */
    initialize;
    /** The client's `notifications/initialized`. */
    initialized;
    /** Whether the client received a successful initialize result. */
    initializeAnswered = false;
    /** Client requests not answered yet. */
    inflight = new Map();
    /** Client messages waiting for a page. */
    queue = [];
    /** Whether the session ended. */
    closed = false;
    /** How the client reaches the relay (told to the page). */
    clientTransport = 'http';
}
exports.Session = Session;
/**
 * Routes messages between MCP sessions and pages.
 */
class Hub {
    _options;
    /**
     * @param options - waiting time and logger.
     */
    constructor(_options) {
        this._options = _options;
    }
    /** Connected pages by id. */
    pages = new Map();
    /** Open sessions by id. */
    sessions = new Map();
    /**
     * The number of pages that said hello.
     */
    get readyPageCount() {
        return [...this.pages.values()].filter(p => p.ready).length;
    }
    /**
     * Choose the page for a session: for now the most recently connected ready
     * page. (Several pages per relay, with a choice per session, is planned.)
     */
    choosePage(session) {
        void session;
        let best;
        for (const page of this.pages.values()) {
            if (page.ready && (!best || page.seq > best.seq)) {
                best = page;
            }
        }
        return best;
    }
    /**
     * Register a session whose transport just initialized.
     */
    addSession(session) {
        this.sessions.set(session.id, session);
        this._options.logger.info(`session ${short(session.id)} opened`);
    }
    /**
     * A message from the MCP client of a session.
     */
    fromClient(session, message) {
        if (session.closed) {
            return;
        }
        const reqId = (0, jsonrpc_1.requestIdOf)(message);
        if (message.method === 'initialize' && reqId !== undefined) {
            session.initialize = message;
        }
        else if (message.method === 'notifications/initialized') {
            session.initialized = message;
        }
        else if (message.method === 'notifications/cancelled' &&
            (0, jsonrpc_1.isObject)(message.params)) {
            const cancelled = message.params.requestId;
            if ((0, jsonrpc_1.isRequestId)(cancelled)) {
                session.inflight.delete((0, jsonrpc_1.idKey)(cancelled));
            }
        }
        if (reqId !== undefined) {
            session.inflight.set((0, jsonrpc_1.idKey)(reqId), { id: reqId });
        }
        if (!session.page) {
            const page = this.choosePage(session);
            if (page) {
                this._bind(session, page);
            }
        }
        if (session.page) {
            this._forward(session, session.page, message);
        }
        else {
            this._enqueue(session, message);
        }
    }
    /**
     * A message from a page.
     */
    fromPage(page, data) {
        let envelope;
        try {
            const parsed = JSON.parse(data);
            envelope = validatePageMessage(parsed);
        }
        catch (error) {
            this._options.logger.warn(`dropped a malformed message from page ${page.id}: ${error.message}`);
            return;
        }
        if (envelope.type === 'hello') {
            const wasReady = page.ready;
            page.ready = true;
            page.label = envelope.label;
            page.extensionVersion = envelope.extensionVersion;
            this._options.logger.info(`page ${page.id} ready (extension ${envelope.extensionVersion}${envelope.label ? `, ${envelope.label}` : ''})`);
            if (!wasReady) {
                this._bindWaitingSessions();
            }
            return;
        }
        if (envelope.type === 'session-end') {
            this._endSession(page, envelope.sessionId);
            return;
        }
        this._fromPageSession(page, envelope);
    }
    /**
     * Add a newly connected page (not ready until its hello).
     */
    addPage(page) {
        this.pages.set(page.id, page);
    }
    /**
     * A page went away: fail its calls in flight and move its sessions.
     */
    removePage(page) {
        if (!this.pages.delete(page.id)) {
            return;
        }
        this._options.logger.info(`page ${page.id} disconnected`);
        for (const sessionId of page.sessions) {
            const session = this.sessions.get(sessionId);
            if (!session || session.page !== page) {
                continue;
            }
            session.page = undefined;
            let initFailed = false;
            for (const [key, entry] of session.inflight) {
                if (entry.page !== page) {
                    continue;
                }
                session.inflight.delete(key);
                if (!session.initializeAnswered &&
                    session.initialize &&
                    (0, jsonrpc_1.requestIdOf)(session.initialize) === entry.id) {
                    initFailed = true;
                }
                this._toClient(session, (0, jsonrpc_1.errorResponse)(entry.id, exports.RELAY_ERROR_CODE, exports.PAGE_DISCONNECTED_MESSAGE));
            }
            if (initFailed) {
                void this._closeTransport(session);
                continue;
            }
            const next = this.choosePage(session);
            if (next) {
                this._bind(session, next);
                this._flush(session);
            }
        }
        page.sessions.clear();
    }
    /**
     * A session ended (client DELETE or transport closed): tell its page.
     */
    closeSession(session) {
        if (session.closed) {
            return;
        }
        session.closed = true;
        for (const queued of session.queue) {
            clearTimeout(queued.timer);
        }
        session.queue.length = 0;
        session.inflight.clear();
        if (session.page) {
            session.page.send({ type: 'session-close', sessionId: session.id });
            session.page.sessions.delete(session.id);
            session.page = undefined;
        }
        if (session.id && this.sessions.get(session.id) === session) {
            this.sessions.delete(session.id);
            this._options.logger.info(`session ${short(session.id)} closed`);
        }
    }
    /**
     * Close every session (relay shutdown).
     */
    async closeAll() {
        await Promise.all([...this.sessions.values()].map(s => this._closeTransport(s)));
    }
    /**
     * The page's user ended a session: close its transport, so that the
     * client's next request gets 404. Only the page serving the session may.
     */
    _endSession(page, sessionId) {
        const session = this.sessions.get(sessionId);
        if (!session || session.page !== page) {
            this._options.logger.debug(`page ${page.id} cannot end session ${short(sessionId)}, not bound to it`);
            return;
        }
        // The page closed its side already: no session-close back to it.
        page.sessions.delete(session.id);
        session.page = undefined;
        this._options.logger.info(`session ${short(session.id)} ended by the user on page ${page.id}`);
        void this._closeTransport(session);
    }
    _bind(session, page) {
        session.page = page;
        page.sessions.add(session.id);
        const resume = session.initializeAnswered && session.initialize
            ? { initialize: session.initialize, initialized: session.initialized }
            : undefined;
        page.send({
            type: 'session-open',
            sessionId: session.id,
            transport: session.clientTransport,
            ...(resume ? { resume } : {})
        });
        this._options.logger.info(`session ${short(session.id)} ${resume ? 'resumed on' : 'bound to'} page ${page.id}`);
    }
    _bindWaitingSessions() {
        for (const session of this.sessions.values()) {
            if (session.closed || session.page) {
                continue;
            }
            if (!session.initialize) {
                continue;
            }
            const page = this.choosePage(session);
            if (!page) {
                return;
            }
            this._bind(session, page);
            this._flush(session);
        }
    }
    _flush(session) {
        const page = session.page;
        if (!page) {
            return;
        }
        const queued = session.queue.splice(0);
        for (const item of queued) {
            clearTimeout(item.timer);
            this._forward(session, page, item.message);
        }
    }
    _forward(session, page, message) {
        const reqId = (0, jsonrpc_1.requestIdOf)(message);
        if (reqId !== undefined) {
            const entry = session.inflight.get((0, jsonrpc_1.idKey)(reqId));
            if (entry) {
                entry.page = page;
            }
        }
        const envelope = {
            type: 'session-message',
            sessionId: session.id,
            message
        };
        if (!page.send(envelope)) {
            // The socket is closing: removePage() will answer the request.
            this._options.logger.debug(`could not send to page ${page.id}`);
        }
    }
    _enqueue(session, message) {
        const item = { message };
        const reqId = (0, jsonrpc_1.requestIdOf)(message);
        if (reqId !== undefined) {
            item.timer = setTimeout(() => this._expire(session, item, reqId), this._options.pageWaitMs);
            item.timer.unref?.();
        }
        session.queue.push(item);
    }
    _expire(session, item, reqId) {
        const index = session.queue.indexOf(item);
        if (index < 0 || session.closed) {
            return;
        }
        session.queue.splice(index, 1);
        session.inflight.delete((0, jsonrpc_1.idKey)(reqId));
        this._options.logger.warn(`no JupyterLab page connected: request ${String(reqId)} failed`);
        this._toClient(session, (0, jsonrpc_1.errorResponse)(reqId, exports.RELAY_ERROR_CODE, exports.NO_PAGE_MESSAGE));
        if (!session.initializeAnswered && item.message.method === 'initialize') {
            // The client gave up on this session: drop it once the error is out.
            setTimeout(() => void this._closeTransport(session), 100).unref?.();
        }
    }
    _fromPageSession(page, envelope) {
        const session = this.sessions.get(envelope.sessionId);
        if (!session || session.page !== page) {
            this._options.logger.debug(`dropped a message for session ${short(envelope.sessionId)} not bound to page ${page.id}`);
            return;
        }
        const message = envelope.message;
        const resId = (0, jsonrpc_1.responseIdOf)(message);
        if (resId !== undefined) {
            const key = (0, jsonrpc_1.idKey)(resId);
            const entry = session.inflight.get(key);
            if (!entry || entry.page !== page) {
                // For example the answer to an initialize replayed on resume.
                this._options.logger.debug(`dropped a response to ${String(resId)}, not in flight`);
                return;
            }
            session.inflight.delete(key);
            if (session.initialize &&
                !session.initializeAnswered &&
                (0, jsonrpc_1.requestIdOf)(session.initialize) === resId &&
                'result' in message) {
                session.initializeAnswered = true;
            }
            this._toClient(session, message);
            return;
        }
        let related = envelope.relatedRequestId;
        if (related !== undefined && !session.inflight.has((0, jsonrpc_1.idKey)(related))) {
            related = undefined;
        }
        this._toClient(session, message, related);
    }
    _toClient(session, message, relatedRequestId) {
        session.transport
            .send(message, relatedRequestId !== undefined ? { relatedRequestId } : undefined)
            .catch((error) => {
            this._options.logger.debug(`could not deliver a message to session ${short(session.id)}: ${String(error)}`);
        });
    }
    async _closeTransport(session) {
        try {
            await session.transport.close();
        }
        catch (error) {
            this._options.logger.debug(`closing session ${short(session.id)}: ${String(error)}`);
        }
        this.closeSession(session);
    }
}
exports.Hub = Hub;
/**
 * Validate an envelope from a page; throws with a short reason.
 */
function validatePageMessage(value) {
    if (!(0, jsonrpc_1.isObject)(value)) {
        throw new Error('not an object');
    }
    if (value.type === 'hello') {
        if (typeof value.extensionVersion !== 'string') {
            throw new Error('hello without extensionVersion');
        }
        if (value.label !== undefined && typeof value.label !== 'string') {
            throw new Error('hello with a non-string label');
        }
        return {
            type: 'hello',
            extensionVersion: value.extensionVersion.slice(0, 100),
            label: typeof value.label === 'string' ? value.label.slice(0, 200) : undefined
        };
    }
    if (value.type === 'session-end') {
        if (typeof value.sessionId !== 'string') {
            throw new Error('session-end without sessionId');
        }
        return { type: 'session-end', sessionId: value.sessionId };
    }
    if (value.type === 'session-message') {
        if (typeof value.sessionId !== 'string') {
            throw new Error('session-message without sessionId');
        }
        if (!(0, jsonrpc_1.isJsonRpcMessage)(value.message)) {
            throw new Error('session-message without a JSON-RPC message');
        }
        if (value.relatedRequestId !== undefined &&
            !(0, jsonrpc_1.isRequestId)(value.relatedRequestId)) {
            throw new Error('session-message with a bad relatedRequestId');
        }
        return {
            type: 'session-message',
            sessionId: value.sessionId,
            message: value.message,
            relatedRequestId: value.relatedRequestId
        };
    }
    throw new Error(`unknown message type ${JSON.stringify(String(value.type)).slice(0, 40)}`);
}
function short(id) {
    return id.slice(0, 8);
}
//# sourceMappingURL=pages.js.map