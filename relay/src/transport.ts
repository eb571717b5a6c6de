/**
 * The glue to the MCP SDK's Streamable HTTP server transport: the SDK is
 * loaded on the first MCP session rather than at start, each session gets
 * one transport wired to the relay's hooks (a client message that the SDK
 * parsed enters the relay here, its request id computed once), and a
 * session's requests are served at the protocol version it negotiated.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { createRequire } from 'node:module';
import type * as SdkStreamableHttp from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as SdkTypes from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcMessage } from './protocol';
import { SSE_RETRY_MS, type SessionEventStore } from './events';
import { isJsonRpcMessage, requestIdOf, type RequestId } from './jsonrpc';

/**
 * What a session's transport tells the relay.
 */
export interface ISessionTransportHooks {
  /**
   * The session's event store: event ids, a priming event with a retry
   * hint, and replay after `Last-Event-ID`, so that a client whose stream
   * dropped gets what it missed.
   */
  events: SessionEventStore;
  /** The client's `initialize` was taken: the session has its id. */
  onInitialized: (sessionId: string) => void;
  /**
   * A JSON-RPC message from the client, with its request id (undefined for
   * a notification).
   */
  onMessage: (message: JsonRpcMessage, id: RequestId | undefined) => void;
  /** The transport closed (client DELETE, or the relay closed it). */
  onClose: () => void;
  /** The transport saw an error (a malformed request, for example). */
  onError: (error: Error) => void;
}

/**
 * A started Streamable HTTP server transport for one new session.
 */
export function createSessionTransport(
  hooks: ISessionTransportHooks
): SdkStreamableHttp.StreamableHTTPServerTransport {
  const { StreamableHTTPServerTransport } = Private.sdk.transport();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomBytes(24).toString('base64url'),
    eventStore: hooks.events,
    retryInterval: SSE_RETRY_MS,
    onsessioninitialized: hooks.onInitialized
  });
  transport.onmessage = message => {
    if (isJsonRpcMessage(message)) {
      const jsonRpc = message as JsonRpcMessage;
      hooks.onMessage(jsonRpc, requestIdOf(jsonRpc));
    }
  };
  transport.onclose = hooks.onClose;
  transport.onerror = hooks.onError;
  // start() only flips a flag on this transport; it never rejects the first time.
  void transport.start();
  return transport;
}

/**
 * The MCP protocol versions the SDK supports.
 */
export function supportedProtocolVersions(): readonly string[] {
  return Private.sdk.types().SUPPORTED_PROTOCOL_VERSIONS;
}

/**
 * Serve a request of a session at the protocol version the session
 * negotiated: an `MCP-Protocol-Version` header naming another version the
 * SDK supports is set to the negotiated one (an unsupported one is left for
 * the SDK to refuse with 400). The SDK decides per request, from that
 * header, whether to open an SSE stream with a priming event (2025-11-25
 * and later); a client that negotiated 2025-11-25 but sends an older
 * version (the conformance suite's `server-sse-polling` sends 2025-03-26)
 * still gets resumable streams.
 */
export function useNegotiatedVersion(
  req: http.IncomingMessage,
  negotiated: string | undefined
): void {
  const header = req.headers['mcp-protocol-version'];
  if (
    !negotiated ||
    typeof header !== 'string' ||
    header === negotiated ||
    !supportedProtocolVersions().includes(header)
  ) {
    return;
  }
  // The SDK's Node adapter builds its Request from rawHeaders.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'mcp-protocol-version') {
      raw[i + 1] = negotiated;
    }
  }
  req.headers['mcp-protocol-version'] = negotiated;
}

namespace Private {
  /**
   * The SDK's Streamable HTTP server transport and its types module, loaded
   * on the first MCP session rather than at start: they are about 24 MB of
   * the relay's memory (an idle relay, or a `--stdio` proxy that joins one,
   * does not need them).
   */
  export const sdk = (() => {
    const load = createRequire(__filename);
    let transport: typeof SdkStreamableHttp | undefined;
    let types: typeof SdkTypes | undefined;
    return {
      transport: (): typeof SdkStreamableHttp =>
        (transport ??= load(
          '@modelcontextprotocol/sdk/server/streamableHttp.js'
        ) as typeof SdkStreamableHttp),
      types: (): typeof SdkTypes =>
        (types ??= load(
          '@modelcontextprotocol/sdk/types.js'
        ) as typeof SdkTypes)
    };
  })();
}
