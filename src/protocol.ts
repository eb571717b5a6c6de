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

/**
 * Path of the WebSocket endpoint that pages connect to.
 */
export const PAGE_PATH = '/page';

/**
 * Path of the MCP Streamable HTTP endpoint that clients connect to.
 */
export const MCP_PATH = '/mcp';

/**
 * Path of the health endpoint (JSON, no secrets).
 */
export const HEALTH_PATH = '/healthz';

/**
 * WebSocket subprotocol that a page offers and the relay selects.
 */
export const PAGE_SUBPROTOCOL = 'jupyterlab-mcp-bridge.v1';

/**
 * Prefix of the second subprotocol a page offers, carrying the secret:
 * `bearer.<token>`. Browsers cannot set headers on a WebSocket, and a
 * subprotocol keeps the secret out of URLs (and so out of access logs).
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';

/**
 * Default relay port.
 */
export const DEFAULT_PORT = 4545;

/**
 * Name reported by the health endpoint, so that `--stdio` can tell our relay
 * from another program listening on the port.
 */
export const RELAY_NAME = 'jupyterlab-mcp-bridge';

/**
 * URL fragment keys of the pairing link: `<lab-url>#mcp-bridge-url=<ws url>&mcp-bridge-token=<token>`.
 * A fragment never reaches a server log; the page removes it once read.
 */
export const PAIRING_URL_KEY = 'mcp-bridge-url';
export const PAIRING_TOKEN_KEY = 'mcp-bridge-token';

/**
 * A JSON-RPC 2.0 message, as the relay sees it: opaque.
 */
export type JsonRpcMessage = { jsonrpc: '2.0' } & Record<string, unknown>;

/**
 * Relay to page: a new MCP session is bound to this page.
 *
 * `resume` is set when the session already existed (its page reloaded or
 * disconnected): it holds the client's original `initialize` request and
 * `notifications/initialized`, which the page replays into its new server
 * without answering the client again.
 */
export interface ISessionOpen {
  type: 'session-open';
  sessionId: string;
  /**
   * How the client reaches the relay: Streamable HTTP, or the `--stdio`
   * proxy (which marks its requests with {@link STDIO_CLIENT_HEADER}).
   */
  transport?: ClientTransport;
  resume?: {
    initialize: JsonRpcMessage;
    initialized?: JsonRpcMessage;
  };
}

/**
 * Either direction: one JSON-RPC message of a session.
 *
 * From page to relay, `relatedRequestId` names the client request that a
 * notification or server request belongs to, so that the relay's Streamable
 * HTTP transport puts it on that request's stream.
 */
export interface ISessionMessage {
  type: 'session-message';
  sessionId: string;
  message: JsonRpcMessage;
  relatedRequestId?: string | number;
}

/**
 * Relay to page: the session ended (client DELETE, transport closed).
 */
export interface ISessionClose {
  type: 'session-close';
  sessionId: string;
}

/**
 * Page to relay: the user ended the session (disconnected its client). The
 * relay closes its transport; the client's next request gets 404.
 */
export interface ISessionEnd {
  type: 'session-end';
  sessionId: string;
}

/**
 * How an MCP client reaches the relay.
 */
export type ClientTransport = 'http' | 'stdio';

/**
 * Header the `--stdio` proxy sets on its requests to the relay, so that the
 * relay can tell the page which transport the client uses.
 */
export const STDIO_CLIENT_HEADER = 'x-jupyterlab-mcp-bridge-client';

/**
 * Relay to page, first message after the upgrade.
 */
export interface IWelcome {
  type: 'welcome';
  relayVersion: string;
  pageId: string;
}

/**
 * Page to relay, first message after the welcome.
 */
export interface IHello {
  type: 'hello';
  extensionVersion: string;
  /**
   * A label for the page (for example the workspace), shown in `/healthz`.
   */
  label?: string;
}

/**
 * Messages the relay sends to a page.
 */
export type RelayToPage =
  IWelcome | ISessionOpen | ISessionMessage | ISessionClose;

/**
 * Messages a page sends to the relay.
 */
export type PageToRelay = IHello | ISessionMessage | ISessionEnd;
