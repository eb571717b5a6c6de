/**
 * The wire protocol between the relay (Node) and a JupyterLab page.
 *
 * One WebSocket per page carries every MCP session bound to that page. The
 * relay never interprets MCP: it wraps each JSON-RPC message in an envelope
 * naming its session, and the page hosts one `McpServer` per session.
 *
 * This module holds types, constants and the text of the handshake's proofs
 * (no imports, no I/O), so that both the page bundle and the Node relay can
 * import it.
 *
 * **The handshake.** Neither side reveals the token. Right after the
 * upgrade the page sends a fresh nonce ({@link IAuthHello}); the relay
 * answers with its own nonce and a proof ({@link IAuthRelay}); only when
 * that proof checks out does the page send its proof ({@link IAuthPage}),
 * and only when the page's proof checks out does the relay send its
 * {@link IWelcome} and take any other message. A proof is an HMAC-SHA-256,
 * keyed with a key derived from the token ({@link KEY_LABEL}), of
 * {@link proofText}: a label naming who proves to whom, the `Host` the page
 * connected to, and both nonces. A proof is good for one connection only,
 * and the relay's proof is not a page's proof.
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
 * Path of the endpoint where the `--stdio` proxy has the relay prove that
 * it knows the token before it sends it anything else (see
 * {@link IStdioAuthRequest}).
 */
export const AUTH_PATH = '/auth';

/**
 * The version of this wire protocol. A page and a relay of different
 * protocol versions do not talk: the relay closes the page's socket with
 * {@link INCOMPATIBLE_CLOSE_CODE} and says why.
 *
 * Version 2: the mutual proof of the token replaced the `bearer.<token>`
 * subprotocol; a rotation closes every page.
 * Version 3: a page may send session states and call notes together in one
 * `batch` frame.
 * Version 4: session messages may go in batches too, both ways: a relay
 * sends the client messages of one turn of its event loop for a page in
 * one {@link IRelayBatch}, and a page answers the requests of one batch in
 * one {@link IBatch}.
 */
export const PROTOCOL_VERSION = 4;

/**
 * What every version of the page subprotocol starts with.
 */
export const PAGE_SUBPROTOCOL_PREFIX = 'jupyterlab-mcp-bridge.v';

/**
 * WebSocket subprotocol that a page offers and the relay selects.
 */
export const PAGE_SUBPROTOCOL = `${PAGE_SUBPROTOCOL_PREFIX}${PROTOCOL_VERSION}`;

/**
 * WebSocket close code of a relay refusing a page of another protocol
 * version; the close reason says which versions met.
 */
export const INCOMPATIBLE_CLOSE_CODE = 4002;

/**
 * WebSocket close code of a relay refusing a page that did not prove it
 * knows the token (no proof, a wrong one, or another message first).
 */
export const UNAUTHORIZED_CLOSE_CODE = 4001;

/**
 * WebSocket close code of a relay whose token was rotated: every page
 * socket is closed, and a page comes back only by proving the new token.
 */
export const TOKEN_ROTATED_CLOSE_CODE = 4003;

/**
 * WebSocket close code of a page leaving a program that did not prove it
 * knows the token (it is not the user's relay).
 */
export const UNPROVEN_RELAY_CLOSE_CODE = 4005;

/**
 * What the HMAC key of the proofs is derived with: the key is
 * HMAC-SHA-256(token, KEY_LABEL).
 */
export const KEY_LABEL = 'jupyterlab-mcp-bridge proof key v2';

/**
 * Who proves what to whom; each proof names its own, so that no proof can
 * stand for another.
 */
export type ProofLabel =
  /** The relay proves to a page. */
  | 'relay-to-page'
  /** A page proves to the relay. */
  | 'page-to-relay'
  /** A page's user asks the relay for a new token. */
  | 'rotate-token'
  /** The relay proves to the `--stdio` proxy. */
  | 'relay-to-stdio'
  /** The key of one `--stdio` proxy's requests (never sent). */
  | 'stdio-key';

/**
 * The text a proof is the HMAC of. `host` is the `Host` the connection was
 * made to (`127.0.0.1:4545`), so that a program on another port cannot pass
 * off the relay's proof as its own; `first` is the nonce of the side that
 * opened the connection (the page, or the `--stdio` proxy), `second` the
 * relay's.
 */
export function proofText(
  label: ProofLabel,
  host: string,
  first: string,
  second: string
): string {
  return `${KEY_LABEL}\n${label}\n${host.toLowerCase()}\n${first}\n${second}`;
}

/**
 * The text of the MAC of one `--stdio` request: its counter, method and path.
 */
export function stdioRequestText(
  counter: number,
  method: string,
  path: string
): string {
  return `stdio-request\n${counter}\n${method.toUpperCase()}\n${path}`;
}

/**
 * The text of the relay's proof on its answer to one `--stdio` request.
 */
export function stdioResponseText(counter: number): string {
  return `stdio-response\n${counter}`;
}

/**
 * Nonces are 32 random bytes, base64url (43 characters); proofs are
 * HMAC-SHA-256 values, base64url (43 characters).
 */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * How the `--stdio` proxy signs its requests once the relay proved itself:
 * `Authorization: McpBridge <relay nonce>.<counter>.<mac>`. The MAC is keyed
 * with a key only this proxy and this relay know ({@link ProofLabel}
 * `stdio-key`), so it is worth nothing anywhere else, and the relay refuses
 * a counter it saw before. The relay's answer carries
 * {@link STDIO_PROOF_HEADER}: the proxy drops an answer without it.
 */
export const STDIO_AUTH_SCHEME = 'McpBridge';

/**
 * The header of the relay's proof on its answers to the `--stdio` proxy.
 */
export const STDIO_PROOF_HEADER = 'x-mcp-bridge-proof';

/**
 * `--stdio` proxy to relay, `POST /auth`: its nonce.
 */
export interface IStdioAuthRequest {
  nonce: string;
}

/**
 * Relay to `--stdio` proxy: the relay's nonce and its proof
 * (`relay-to-stdio`).
 */
export interface IStdioAuthResponse {
  nonce: string;
  proof: string;
}

/**
 * Header with which a `--stdio` client that renews its session (its relay
 * went away) names the session it had: `X-Mcp-Bridge-Previous-Session`.
 */
export const PREVIOUS_SESSION_HEADER = 'x-mcp-bridge-previous-session';

/**
 * Header with which the `--stdio` proxy marks its requests
 * (`X-Mcp-Bridge-Transport: stdio`), so that the relay can tell the page
 * which transport the client uses.
 */
export const STDIO_CLIENT_HEADER = 'x-mcp-bridge-transport';

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
   * The session's state as its page last reported it (see
   * {@link ISessionStateUpdate}), when the session moves to this page.
   */
  state?: Record<string, unknown>;
  /**
   * How the client reaches the relay: Streamable HTTP, or the `--stdio`
   * proxy (which marks its requests with {@link STDIO_CLIENT_HEADER}).
   */
  transport?: ClientTransport;
  /**
   * A new session that continues an older one whose relay went away (a
   * `--stdio` client renewed it): the page carries the older session's
   * state (its notebook) over to it.
   */
  previousSessionId?: string;
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
 * Page to relay, first message after the upgrade: the page's nonce.
 */
export interface IAuthHello {
  type: 'auth-hello';
  nonce: string;
}

/**
 * Relay to page, the answer to {@link IAuthHello}: the relay's nonce and
 * its proof (`relay-to-page`).
 */
export interface IAuthRelay {
  type: 'auth-relay';
  nonce: string;
  proof: string;
}

/**
 * Page to relay, once the relay's proof checked out: the page's proof
 * (`page-to-relay`).
 */
export interface IAuthPage {
  type: 'auth-page';
  proof: string;
}

/**
 * Relay to page, once the page proved itself.
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
   * Whether the page's window has the user's focus now.
   */
  focused?: boolean;
  /**
   * A label for the page (for example the workspace), shown in `/healthz`.
   */
  label?: string;
}

/**
 * Page to relay: the user focused this page's window. The relay gives new
 * sessions to the page focused last.
 */
export interface IPageFocus {
  type: 'page-focus';
}

/**
 * Page to relay: the state of a session it serves (its notebook, its runs),
 * kept by the relay so that the session finds it again on another page or
 * after a reload. Opaque to the relay; at most {@link MAX_SESSION_STATE_BYTES}.
 */
export interface ISessionStateUpdate {
  type: 'session-state';
  sessionId: string;
  state: Record<string, unknown>;
}

/**
 * Largest session state the relay keeps, in bytes of JSON.
 */
export const MAX_SESSION_STATE_BYTES = 65536;

/**
 * Page to relay: what a client request in flight has done so far, in words
 * for the agent (for example "the cell was sent to the kernel as run ex-3").
 * If the page goes away before it answers, the relay puts the request's
 * latest note into the error the client gets, so that the agent knows
 * whether its change was applied or its run started. An empty note takes
 * back the earlier one. Opaque to the relay; at most
 * {@link MAX_CALL_NOTE_CHARS} characters are kept.
 */
export interface ICallNote {
  type: 'call-note';
  sessionId: string;
  requestId: string | number;
  note: string;
}

/**
 * Longest call note the relay keeps.
 */
export const MAX_CALL_NOTE_CHARS = 1000;

/**
 * Page to relay: session states, call notes and session messages the page
 * held for a moment and sends in one frame (a run's state and its note;
 * the answers of the requests a relay batch brought), in order.
 */
export interface IBatch {
  type: 'batch';
  messages: (ISessionStateUpdate | ICallNote | ISessionMessage)[];
}

/**
 * Relay to page: session messages for the page that came in the same turn
 * of the relay's event loop, in one frame, in order (one alone goes as
 * itself).
 */
export interface IRelayBatch {
  type: 'batch';
  messages: ISessionMessage[];
}

/**
 * Most messages in one {@link IBatch} or {@link IRelayBatch}.
 */
export const MAX_BATCH_MESSAGES = 64;

/**
 * Page to relay: the page saved an agent's change to a document (its path
 * relative to the server root). Relay to every other page: another page
 * saved it (`pageId`), so that a page holding an older copy reloads it
 * (when it has no unsaved change) instead of saving that copy over the
 * agent's work later.
 */
export interface IDocumentSaved {
  type: 'document-saved';
  path: string;
  /** Relay to page only: the page that saved it. */
  pageId?: string;
}

/**
 * Longest document path the relay passes on.
 */
export const MAX_PATH_CHARS = 4096;

/**
 * One page as {@link IPages} describes it.
 */
export interface IPageInfo {
  id: string;
  label?: string;
  /** Sessions this page serves. */
  sessions: number;
  /** When the user last focused it (ms since the epoch; 0: never). */
  focusedAt: number;
  /** Whether new sessions go to this page (the one focused last). */
  preferred: boolean;
}

/**
 * Relay to every page, when pages or their sessions change: which pages
 * exist and which one gets new sessions.
 */
export interface IPages {
  type: 'pages';
  pages: IPageInfo[];
}

/**
 * Page to relay: make a new token (the user ran "Rotate MCP bridge token"
 * in this page). `proof` is the `rotate-token` proof of this connection's
 * nonces with the current token.
 */
export interface IRotateToken {
  type: 'rotate-token';
  proof: string;
}

/**
 * Relay to the page that asked for the rotation, and to it only: the new
 * token. The relay then closes every page socket
 * ({@link TOKEN_ROTATED_CLOSE_CODE}); this page keeps the token (other tabs
 * of its origin read it from there) and comes back by proving it.
 */
export interface ITokenRotated {
  type: 'token-rotated';
  token: string;
}

/**
 * Messages the relay sends to a page.
 */
export type RelayToPage =
  | IAuthRelay
  | IWelcome
  | ISessionOpen
  | ISessionMessage
  | ISessionClose
  | ITokenRotated
  | IPages
  | IDocumentSaved
  | IRelayBatch;

/**
 * Messages a page sends to the relay.
 */
export type PageToRelay =
  | IAuthHello
  | IAuthPage
  | IHello
  | ISessionMessage
  | ISessionEnd
  | IRotateToken
  | IPageFocus
  | ISessionStateUpdate
  | ICallNote
  | IBatch
  | IDocumentSaved;
