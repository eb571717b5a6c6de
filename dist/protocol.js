"use strict";
/**
 * The wire protocol between the relay (Node) and a JupyterLab page.
 *
 * One WebSocket per page carries every MCP session bound to that page. The
 * relay never interprets MCP: it wraps each JSON-RPC message in an envelope
 * naming its session, and the page hosts one `McpServer` per session.
 *
 * This module holds types and constants only, so that both the page bundle
 * and the Node relay can import it.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.STDIO_CLIENT_HEADER = exports.PAIRING_TOKEN_KEY = exports.PAIRING_URL_KEY = exports.RELAY_NAME = exports.DEFAULT_PORT = exports.TOKEN_SUBPROTOCOL_PREFIX = exports.PAGE_SUBPROTOCOL = exports.HEALTH_PATH = exports.MCP_PATH = exports.PAGE_PATH = void 0;
/**
 * Path of the WebSocket endpoint that pages connect to.
 */
exports.PAGE_PATH = '/page';
/**
 * Path of the MCP Streamable HTTP endpoint that clients connect to.
 */
exports.MCP_PATH = '/mcp';
/**
 * Path of the health endpoint (JSON, no secrets).
 */
exports.HEALTH_PATH = '/healthz';
/**
 * WebSocket subprotocol that a page offers and the relay selects.
 */
exports.PAGE_SUBPROTOCOL = 'jupyterlab-mcp-bridge.v1';
/**
 * Prefix of the second subprotocol a page offers, carrying the secret:
 * `bearer.<token>`. Browsers cannot set headers on a WebSocket, and a
 * subprotocol keeps the secret out of URLs (and so out of access logs).
 */
exports.TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';
/**
 * Default relay port.
 */
exports.DEFAULT_PORT = 4545;
/**
 * Name reported by the health endpoint, so that `--stdio` can tell our relay
 * from another program listening on the port.
 */
exports.RELAY_NAME = 'jupyterlab-mcp-bridge';
/**
 * URL fragment keys of the pairing link: `<lab-url>#mcp-bridge-url=<ws url>&mcp-bridge-token=<token>`.
 * A fragment never reaches a server log; the page removes it once read.
 */
exports.PAIRING_URL_KEY = 'mcp-bridge-url';
exports.PAIRING_TOKEN_KEY = 'mcp-bridge-token';
/**
 * Header the `--stdio` proxy sets on its requests to the relay, so that the
 * relay can tell the page which transport the client uses.
 */
exports.STDIO_CLIENT_HEADER = 'x-jupyterlab-mcp-bridge-client';
//# sourceMappingURL=protocol.js.map