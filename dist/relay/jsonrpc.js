"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isObject = isObject;
exports.isJsonRpcMessage = isJsonRpcMessage;
exports.requestIdOf = requestIdOf;
exports.responseIdOf = responseIdOf;
exports.idKey = idKey;
exports.isRequestId = isRequestId;
exports.errorResponse = errorResponse;
/**
 * Whether a value is a plain object.
 */
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/**
 * Whether a value looks like a JSON-RPC 2.0 message.
 */
function isJsonRpcMessage(value) {
    return isObject(value) && value.jsonrpc === '2.0';
}
function isId(value) {
    return (typeof value === 'string' ||
        (typeof value === 'number' && Number.isFinite(value)));
}
/**
 * The id of a request (has `method` and `id`), else undefined.
 */
function requestIdOf(message) {
    return typeof message.method === 'string' && isId(message.id)
        ? message.id
        : undefined;
}
/**
 * The id of a response (has `result` or `error`, no `method`), else undefined.
 */
function responseIdOf(message) {
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
function idKey(id) {
    return `${typeof id}:${id}`;
}
/**
 * Whether a value is a valid {@link RequestId}.
 */
function isRequestId(value) {
    return isId(value);
}
/**
 * A JSON-RPC error response.
 */
function errorResponse(id, code, message) {
    return { jsonrpc: '2.0', id, error: { code, message } };
}
//# sourceMappingURL=jsonrpc.js.map