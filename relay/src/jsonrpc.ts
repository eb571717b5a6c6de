/**
 * Minimal JSON-RPC helpers: the relay only looks at ids and method names.
 */
import type { JsonRpcMessage } from './protocol';

/**
 * A JSON-RPC id.
 */
export type RequestId = string | number;

/**
 * Whether a value is a plain object.
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a value looks like a JSON-RPC 2.0 message.
 */
export function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  return isObject(value) && value.jsonrpc === '2.0';
}

function isId(value: unknown): value is RequestId {
  return (
    typeof value === 'string' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * The id of a request (has `method` and `id`), else undefined.
 */
export function requestIdOf(message: JsonRpcMessage): RequestId | undefined {
  return typeof message.method === 'string' && isId(message.id)
    ? message.id
    : undefined;
}

/**
 * The id of a response (has `result` or `error`, no `method`), else undefined.
 */
export function responseIdOf(message: JsonRpcMessage): RequestId | undefined {
  if (typeof message.method === 'string') {
    return undefined;
  }
  return ('result' in message || 'error' in message) && isId(message.id)
    ? message.id
    : undefined;
}

/**
 * A map key for an id that keeps `1` and `"1"` apart.
 */
export function idKey(id: RequestId): string {
  return `${typeof id}:${id}`;
}

/**
 * Whether a value is a valid {@link RequestId}.
 */
export function isRequestId(value: unknown): value is RequestId {
  return isId(value);
}

/**
 * JSON-RPC error code used for relay errors (implementation-defined server error).
 */
export const RELAY_ERROR_CODE = -32000;

/**
 * A JSON-RPC error response.
 */
export function errorResponse(
  id: RequestId | null,
  code: number,
  message: string
): JsonRpcMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/**
 * Whether JSON text nests arrays and objects deeper than `limit` levels,
 * found in one pass over the text, without parsing it (so that a body
 * nested 200,000 levels deep is refused at once instead of exhausting the
 * stack later, when it is serialized again). Brackets inside strings do
 * not count. Malformed text is left to `JSON.parse`.
 */
export function jsonDeeperThan(text: string, limit: number): boolean {
  if (text.length <= limit) {
    return false;
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        // A backslash: skip the escaped character.
        i++;
      } else if (c === 0x22) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) {
        return true;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
