/**
 * The validation of what pages send: {@link validatePageMessage} checks one
 * envelope from a page (a batch's messages included) against the wire
 * protocol (`protocol.ts`), with one validator per message type, trims the
 * strings the relay keeps (labels, notes, proofs) to their bounds, and
 * throws with a short reason for anything else.
 */
import {
  type IBatch,
  MAX_BATCH_MESSAGES,
  MAX_CALL_NOTE_CHARS,
  MAX_PATH_CHARS,
  MAX_SESSION_STATE_BYTES,
  type PageToRelay
} from './protocol';
import { isJsonRpcMessage, isObject, isRequestId } from './jsonrpc';

/**
 * Validate an envelope from a page; throws with a short reason.
 *
 * @param frameChars - the length of the JSON text `value` was parsed from,
 *   when known: a frame no longer than a limit cannot hold a part over it
 *   (re-serializing a parsed value never makes it longer), so the parts
 *   of a short frame are not measured again.
 */
export function validatePageMessage(
  value: unknown,
  frameChars = Infinity
): PageToRelay {
  if (!isObject(value)) {
    throw new Error('not an object');
  }
  const validate =
    typeof value.type === 'string'
      ? Private.VALIDATORS.get(value.type)
      : undefined;
  if (!validate) {
    throw new Error(
      `unknown message type ${JSON.stringify(String(value.type)).slice(0, 40)}`
    );
  }
  return validate(value, frameChars);
}

namespace Private {
  /**
   * A validator of one message type: it gets an object of that `type`,
   * and the length of the frame it came in (see `validatePageMessage`).
   */
  type Validator = (
    value: Record<string, unknown>,
    frameChars: number
  ) => PageToRelay;

  /**
   * A batch: at most {@link MAX_BATCH_MESSAGES} session states, call notes
   * and session messages, no batch inside.
   */
  function batch(value: Record<string, unknown>, frameChars: number): IBatch {
    if (
      !Array.isArray(value.messages) ||
      value.messages.length > MAX_BATCH_MESSAGES
    ) {
      throw new Error(
        `batch without a list of at most ${MAX_BATCH_MESSAGES} messages`
      );
    }
    const messages = value.messages.map((message: unknown) => {
      if (isObject(message) && message.type === 'batch') {
        throw new Error('batch inside a batch');
      }
      const inner = validatePageMessage(message, frameChars);
      if (
        inner.type !== 'session-state' &&
        inner.type !== 'call-note' &&
        inner.type !== 'session-message'
      ) {
        throw new Error(
          `batch with a ${JSON.stringify(inner.type)} message (only session-state, call-note and session-message)`
        );
      }
      return inner;
    });
    return { type: 'batch', messages };
  }

  /**
   * A hello: the extension version, and the label and focus when given.
   */
  function hello(value: Record<string, unknown>): PageToRelay {
    if (typeof value.extensionVersion !== 'string') {
      throw new Error('hello without extensionVersion');
    }
    if (value.label !== undefined && typeof value.label !== 'string') {
      throw new Error('hello with a non-string label');
    }
    return {
      type: 'hello',
      extensionVersion: value.extensionVersion.slice(0, 100),
      focused: value.focused === true,
      label:
        typeof value.label === 'string' ? value.label.slice(0, 200) : undefined
    };
  }

  /**
   * The user ended a session.
   */
  function sessionEnd(value: Record<string, unknown>): PageToRelay {
    if (typeof value.sessionId !== 'string') {
      throw new Error('session-end without sessionId');
    }
    return { type: 'session-end', sessionId: value.sessionId };
  }

  /**
   * A request for a new token, with its proof.
   */
  function rotateToken(value: Record<string, unknown>): PageToRelay {
    if (typeof value.proof !== 'string') {
      throw new Error('rotate-token without a proof');
    }
    return { type: 'rotate-token', proof: value.proof.slice(0, 100) };
  }

  /**
   * The page's nonce (the handshake's first message).
   */
  function authHello(value: Record<string, unknown>): PageToRelay {
    if (typeof value.nonce !== 'string') {
      throw new Error('auth-hello without a nonce');
    }
    return { type: 'auth-hello', nonce: value.nonce.slice(0, 100) };
  }

  /**
   * The page's proof (the handshake's last message).
   */
  function authPage(value: Record<string, unknown>): PageToRelay {
    if (typeof value.proof !== 'string') {
      throw new Error('auth-page without a proof');
    }
    return { type: 'auth-page', proof: value.proof.slice(0, 100) };
  }

  /**
   * A session's state, at most {@link MAX_SESSION_STATE_BYTES} of JSON.
   */
  function sessionState(
    value: Record<string, unknown>,
    frameChars: number
  ): PageToRelay {
    if (typeof value.sessionId !== 'string' || !isObject(value.state)) {
      throw new Error('session-state without sessionId or state object');
    }
    if (
      frameChars > MAX_SESSION_STATE_BYTES &&
      JSON.stringify(value.state).length > MAX_SESSION_STATE_BYTES
    ) {
      throw new Error(`session-state over ${MAX_SESSION_STATE_BYTES} bytes`);
    }
    return {
      type: 'session-state',
      sessionId: value.sessionId,
      state: value.state
    };
  }

  /**
   * A saved document's path, at most {@link MAX_PATH_CHARS} characters.
   */
  function documentSaved(value: Record<string, unknown>): PageToRelay {
    if (typeof value.path !== 'string' || value.path.length > MAX_PATH_CHARS) {
      throw new Error('document-saved without a path (or a path too long)');
    }
    return { type: 'document-saved', path: value.path };
  }

  /**
   * What a call in flight did so far.
   */
  function callNote(value: Record<string, unknown>): PageToRelay {
    if (
      typeof value.sessionId !== 'string' ||
      !isRequestId(value.requestId) ||
      typeof value.note !== 'string'
    ) {
      throw new Error('call-note without sessionId, requestId or note');
    }
    return {
      type: 'call-note',
      sessionId: value.sessionId,
      requestId: value.requestId,
      note: value.note.slice(0, MAX_CALL_NOTE_CHARS)
    };
  }

  /**
   * One JSON-RPC message of a session.
   */
  function sessionMessage(value: Record<string, unknown>): PageToRelay {
    if (typeof value.sessionId !== 'string') {
      throw new Error('session-message without sessionId');
    }
    if (!isJsonRpcMessage(value.message)) {
      throw new Error('session-message without a JSON-RPC message');
    }
    if (
      value.relatedRequestId !== undefined &&
      !isRequestId(value.relatedRequestId)
    ) {
      throw new Error('session-message with a bad relatedRequestId');
    }
    return {
      type: 'session-message',
      sessionId: value.sessionId,
      message: value.message,
      relatedRequestId: value.relatedRequestId
    };
  }

  /**
   * The validator of each message type a page may send.
   */
  export const VALIDATORS: ReadonlyMap<string, Validator> = new Map<
    PageToRelay['type'],
    Validator
  >([
    ['batch', batch],
    ['hello', hello],
    ['session-end', sessionEnd],
    ['rotate-token', rotateToken],
    ['auth-hello', authHello],
    ['auth-page', authPage],
    ['page-focus', () => ({ type: 'page-focus' })],
    ['session-state', sessionState],
    ['document-saved', documentSaved],
    ['call-note', callNote],
    ['session-message', sessionMessage]
  ]);
}
