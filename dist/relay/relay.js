"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) __createBinding(result, mod, k);
    __setModuleDefault(result, mod);
    return result;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Relay = void 0;
/**
 * The relay: an HTTP server that speaks MCP Streamable HTTP to clients on
 * `/mcp` and forwards every session to a JupyterLab page over `/page`.
 */
const node_crypto_1 = require("node:crypto");
const http = __importStar(require("node:http"));
const streamableHttp_js_1 = require("@modelcontextprotocol/sdk/server/streamableHttp.js");
const ws_1 = require("ws");
const protocol_1 = require("../protocol");
const http_1 = require("./http");
const jsonrpc_1 = require("./jsonrpc");
const log_1 = require("./log");
const pages_1 = require("./pages");
const security_1 = require("./security");
const version_1 = require("./version");
/**
 * The relay server.
 */
class Relay {
    /**
     * @param options - see {@link IRelayOptions}.
     */
    constructor(options) {
        if (!options.token) {
            throw new Error('The relay needs a token');
        }
        this._token = options.token;
        this._host = options.host ?? '127.0.0.1';
        this._requestedPort = options.port ?? protocol_1.DEFAULT_PORT;
        this._maxBody = options.maxBodyBytes ?? http_1.DEFAULT_MAX_BODY_BYTES;
        this._helloTimeoutMs = options.helloTimeoutMs ?? 20_000;
        this._pingIntervalMs = options.pingIntervalMs ?? 30_000;
        this.logger = options.logger ?? new log_1.Logger();
        this.logger.addSecret(this._token);
        this._origins = [
            ...security_1.DEFAULT_ORIGIN_PATTERNS,
            ...(options.allowOrigins ?? [])
        ].map(security_1.parseOriginPattern);
        this.hub = new pages_1.Hub({
            pageWaitMs: options.pageWaitMs ?? 30_000,
            logger: this.logger
        });
        this._server = http.createServer((req, res) => this._onRequest(req, res));
        this._server.on('upgrade', (req, socket, head) => this._onUpgrade(req, socket, head));
        this._server.on('clientError', (error, socket) => {
            this.stats.malformed++;
            this.logger.debug(`HTTP client error: ${error.message}`);
            socket.destroy();
        });
        this._wss = new ws_1.WebSocketServer({
            noServer: true,
            maxPayload: this._maxBody,
            perMessageDeflate: false,
            handleProtocols: protocols => protocols.has(protocol_1.PAGE_SUBPROTOCOL) ? protocol_1.PAGE_SUBPROTOCOL : false
        });
        this._wss.on('error', error => this.logger.warn(`WebSocket server error: ${error.message}`));
    }
    /** Routing state: pages and sessions. */
    hub;
    /** The relay's logger (masks the token). */
    logger;
    /** Counters. */
    stats = { mcpGetRequests: 0, malformed: 0 };
    /** The relay version. */
    version = (0, version_1.packageVersion)();
    /**
     * The port the relay listens on (after {@link start}).
     */
    get port() {
        const address = this._server.address();
        return address && typeof address === 'object'
            ? address.port
            : this._requestedPort;
    }
    /**
     * The bind address.
     */
    get host() {
        return this._host;
    }
    /**
     * `http://host:port` of the relay (loopback name when bound to a wildcard).
     */
    get url() {
        const host = this._host === '0.0.0.0' || this._host === '::'
            ? '127.0.0.1'
            : this._host;
        return `http://${(0, security_1.hostForUrl)(host)}:${this.port}`;
    }
    /**
     * Start listening. Rejects (for example with EADDRINUSE) when it cannot.
     */
    start() {
        return new Promise((resolve, reject) => {
            const onError = (error) => {
                this._server.off('listening', onListening);
                reject(error);
            };
            const onListening = () => {
                this._server.off('error', onError);
                this._server.on('error', error => this.logger.error(`server error: ${error.message}`));
                this._pingTimer = setInterval(() => this._pingPages(), this._pingIntervalMs);
                this._pingTimer.unref();
                resolve();
            };
            this._server.once('error', onError);
            this._server.once('listening', onListening);
            this._server.listen(this._requestedPort, this._host);
        });
    }
    /**
     * Close pages, sessions and the server.
     */
    async close() {
        if (this._closed) {
            return;
        }
        this._closed = true;
        clearInterval(this._pingTimer);
        await this.hub.closeAll();
        for (const page of this.hub.pages.values()) {
            clearTimeout(this._helloTimers.get(page.id));
            try {
                page.socket.close(1001, 'relay shutting down');
            }
            catch {
                page.socket.terminate();
            }
        }
        const sockets = [...this._wss.clients];
        await new Promise(resolve => {
            const timer = setTimeout(() => {
                sockets.forEach(s => s.terminate());
                resolve();
            }, 500);
            timer.unref();
            if (sockets.every(s => s.readyState === ws_1.WebSocket.CLOSED)) {
                clearTimeout(timer);
                resolve();
                return;
            }
            let open = sockets.length;
            sockets.forEach(s => s.once('close', () => {
                if (--open === 0) {
                    clearTimeout(timer);
                    resolve();
                }
            }));
        });
        this._wss.close();
        await new Promise(resolve => {
            this._server.close(() => resolve());
            this._server.closeAllConnections();
        });
    }
    _onRequest(req, res) {
        res.on('error', error => this.logger.debug(`response error: ${error.message}`));
        req.on('error', error => this.logger.debug(`request error: ${error.message}`));
        this._handleRequest(req, res).catch((error) => {
            this.logger.error(`request failed: ${String(error)}`);
            if (!res.headersSent) {
                (0, http_1.sendJsonRpcError)(res, 500, -32603, 'Internal relay error');
            }
            else {
                res.end();
            }
        });
    }
    async _handleRequest(req, res) {
        if (!(0, security_1.isHostAllowed)(req.headers.host, this._host, this.port)) {
            this.logger.warn(`refused a request with Host ${JSON.stringify(req.headers.host ?? '')}`);
            (0, http_1.sendJson)(res, 403, { error: 'Forbidden: invalid Host header' });
            return;
        }
        const origin = req.headers.origin;
        if (!(0, security_1.checkOrigin)(origin, this._origins, false)) {
            this.logger.warn(`refused a request from Origin ${JSON.stringify(origin)}`);
            (0, http_1.sendJson)(res, 403, { error: 'Forbidden: origin not allowed' });
            return;
        }
        if (typeof origin === 'string') {
            res.setHeader('Access-Control-Allow-Origin', origin);
            res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id, WWW-Authenticate');
            res.setHeader('Vary', 'Origin');
        }
        const pathname = (req.url ?? '/').split('?')[0];
        if (req.method === 'OPTIONS') {
            res.writeHead(204, {
                'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
                'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id',
                'Access-Control-Max-Age': '600'
            });
            res.end();
            return;
        }
        if (pathname === protocol_1.HEALTH_PATH) {
            if (req.method !== 'GET' && req.method !== 'HEAD') {
                (0, http_1.sendJson)(res, 405, { error: 'Method not allowed' }, { Allow: 'GET, HEAD' });
                return;
            }
            (0, http_1.sendJson)(res, 200, this.health());
            return;
        }
        if (pathname === protocol_1.MCP_PATH) {
            if (!(0, security_1.tokensEqual)((0, security_1.bearerFromHeader)(req.headers.authorization), this._token)) {
                this.logger.warn(`refused an unauthenticated ${req.method ?? ''} ${protocol_1.MCP_PATH}`);
                (0, http_1.sendJsonRpcError)(res, 401, -32001, 'Unauthorized: missing or invalid bearer token', {
                    'WWW-Authenticate': `Bearer realm="${protocol_1.RELAY_NAME}"`
                });
                return;
            }
            await this._handleMcp(req, res);
            return;
        }
        (0, http_1.sendJson)(res, 404, { error: 'Not found' });
    }
    /**
     * The body of `/healthz`.
     */
    health() {
        return {
            name: protocol_1.RELAY_NAME,
            version: this.version,
            pages: this.hub.readyPageCount,
            sessions: this.hub.sessions.size
        };
    }
    async _handleMcp(req, res) {
        const header = req.headers['mcp-session-id'];
        const sessionId = typeof header === 'string' && header.length > 0 ? header : undefined;
        if (req.method === 'POST') {
            const body = await (0, http_1.readBody)(req, this._maxBody);
            if (body.tooLarge) {
                this.stats.malformed++;
                this.logger.warn('refused a request body over the size limit');
                (0, http_1.sendJsonRpcError)(res, 413, -32000, `Request body too large (limit ${this._maxBody} bytes)`, {
                    Connection: 'close'
                });
                return;
            }
            let parsed;
            try {
                parsed = JSON.parse(body.text);
            }
            catch {
                this.stats.malformed++;
                this.logger.warn('refused a POST body that is not JSON');
                (0, http_1.sendJsonRpcError)(res, 400, -32700, 'Parse error: Invalid JSON');
                return;
            }
            if (sessionId !== undefined) {
                const session = this.hub.sessions.get(sessionId);
                if (!session) {
                    (0, http_1.sendJsonRpcError)(res, 404, -32001, 'Session not found');
                    return;
                }
                await session.transport.handleRequest(req, res, parsed);
                return;
            }
            if (!isInitialize(parsed)) {
                (0, http_1.sendJsonRpcError)(res, 400, -32000, 'Bad Request: No valid session ID provided');
                return;
            }
            const session = this._newSession();
            session.clientTransport =
                req.headers[protocol_1.STDIO_CLIENT_HEADER] === 'stdio' ? 'stdio' : 'http';
            await session.transport.handleRequest(req, res, parsed);
            return;
        }
        if (req.method === 'GET' || req.method === 'DELETE') {
            if (sessionId === undefined) {
                (0, http_1.sendJsonRpcError)(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
                return;
            }
            const session = this.hub.sessions.get(sessionId);
            if (!session) {
                (0, http_1.sendJsonRpcError)(res, 404, -32001, 'Session not found');
                return;
            }
            if (req.method === 'GET') {
                this.stats.mcpGetRequests++;
            }
            await session.transport.handleRequest(req, res);
            return;
        }
        (0, http_1.sendJsonRpcError)(res, 405, -32000, 'Method not allowed.', {
            Allow: 'GET, POST, DELETE'
        });
    }
    _newSession() {
        const transport = new streamableHttp_js_1.StreamableHTTPServerTransport({
            sessionIdGenerator: () => (0, node_crypto_1.randomBytes)(24).toString('base64url'),
            onsessioninitialized: id => {
                session.id = id;
                this.hub.addSession(session);
            }
        });
        const session = new pages_1.Session(transport);
        transport.onmessage = message => {
            if ((0, jsonrpc_1.isJsonRpcMessage)(message)) {
                this.hub.fromClient(session, message);
            }
        };
        transport.onclose = () => this.hub.closeSession(session);
        transport.onerror = error => this.logger.debug(`session ${session.id.slice(0, 8)}: ${error.message}`);
        // start() only flips a flag on this transport; it never rejects the first time.
        void transport.start();
        return session;
    }
    _onUpgrade(req, socket, head) {
        socket.on('error', error => this.logger.debug(`upgrade socket error: ${error.message}`));
        try {
            const pathname = (req.url ?? '/').split('?')[0];
            if (pathname !== protocol_1.PAGE_PATH) {
                (0, http_1.refuseUpgrade)(socket, 404, 'Not found');
                return;
            }
            if (!(0, security_1.isHostAllowed)(req.headers.host, this._host, this.port)) {
                this.logger.warn(`refused a page with Host ${JSON.stringify(req.headers.host ?? '')}`);
                (0, http_1.refuseUpgrade)(socket, 403, 'Forbidden: invalid Host header');
                return;
            }
            if (!(0, security_1.checkOrigin)(req.headers.origin, this._origins, true)) {
                this.logger.warn(`refused a page from Origin ${JSON.stringify(req.headers.origin ?? null)}`);
                (0, http_1.refuseUpgrade)(socket, 403, 'Forbidden: origin not allowed');
                return;
            }
            const offer = (0, security_1.parsePageSubprotocols)(req.headers['sec-websocket-protocol']);
            if (!(0, security_1.tokensEqual)(offer.token, this._token)) {
                this.logger.warn('refused a page without a valid token');
                (0, http_1.refuseUpgrade)(socket, 401, 'Unauthorized: missing or invalid token');
                return;
            }
            if (!offer.hasPageProtocol) {
                (0, http_1.refuseUpgrade)(socket, 400, `Bad Request: subprotocol ${protocol_1.PAGE_SUBPROTOCOL} required`);
                return;
            }
            if (this._closed) {
                (0, http_1.refuseUpgrade)(socket, 403, 'Relay shutting down');
                return;
            }
            this._wss.handleUpgrade(req, socket, head, ws => this._onPage(ws));
        }
        catch (error) {
            this.logger.error(`upgrade failed: ${String(error)}`);
            socket.destroy();
        }
    }
    _onPage(ws) {
        const page = new pages_1.PageConnection((0, node_crypto_1.randomBytes)(8).toString('hex'), ++this._pageSeq, ws);
        this.hub.addPage(page);
        this.logger.info(`page ${page.id} connected`);
        ws.on('error', error => this.logger.debug(`page ${page.id} socket error: ${error.message}`));
        ws.on('pong', () => {
            page.alive = true;
        });
        ws.on('message', (data, isBinary) => {
            try {
                if (isBinary) {
                    this.stats.malformed++;
                    this.logger.warn(`dropped a binary message from page ${page.id}`);
                    return;
                }
                const text = Array.isArray(data)
                    ? Buffer.concat(data).toString('utf8')
                    : Buffer.from(data).toString('utf8');
                this.hub.fromPage(page, text);
            }
            catch (error) {
                this.stats.malformed++;
                this.logger.warn(`page ${page.id} message failed: ${String(error)}`);
            }
        });
        ws.on('close', () => {
            clearTimeout(this._helloTimers.get(page.id));
            this._helloTimers.delete(page.id);
            this.hub.removePage(page);
        });
        const timer = setTimeout(() => {
            if (!page.ready) {
                this.logger.warn(`page ${page.id} sent no hello: closing`);
                ws.close(1008, 'hello expected');
            }
        }, this._helloTimeoutMs);
        timer.unref();
        this._helloTimers.set(page.id, timer);
        page.send({ type: 'welcome', relayVersion: this.version, pageId: page.id });
    }
    _pingPages() {
        for (const page of this.hub.pages.values()) {
            if (!page.alive) {
                this.logger.warn(`page ${page.id} stopped answering pings`);
                page.socket.terminate();
                continue;
            }
            page.alive = false;
            try {
                page.socket.ping();
            }
            catch {
                // closing
            }
        }
    }
    _token;
    _host;
    _requestedPort;
    _maxBody;
    _helloTimeoutMs;
    _pingIntervalMs;
    _origins;
    _server;
    _wss;
    _helloTimers = new Map();
    _pingTimer;
    _pageSeq = 0;
    _closed = false;
}
exports.Relay = Relay;
function isInitialize(body) {
    const messages = Array.isArray(body) ? body : [body];
    return messages.some(m => (0, jsonrpc_1.isObject)(m) &&
        m.jsonrpc === '2.0' &&
        m.method === 'initialize' &&
        'id' in m);
}
//# sourceMappingURL=relay.js.map