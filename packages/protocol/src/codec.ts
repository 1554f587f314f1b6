import { ErrorCode } from './codes.js';
import { MAX_REQUEST_ID } from './constants.js';
import { ProtocolError } from './errors.js';
import { isBinaryPayload, type RawFrame, readFrame, writeBinaryFrame } from './frame.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import {
  type Fields,
  isUint,
  readId,
  readKey,
  readLast,
  readMethod,
  readPosition,
  readToken,
  readTopic,
  requireData,
} from './validate.js';

/** An encoded frame: text for JSON payloads, bytes for binary payloads. */
export type EncodedFrame = string | Uint8Array;

function encode(message: ClientMessage | ServerMessage): EncodedFrame {
  if ('data' in message && isBinaryPayload(message.data)) {
    return writeBinaryFrame(message as { data: Uint8Array | ArrayBuffer });
  }
  return JSON.stringify(message);
}

/** Encodes a client message. Binary `data` gives a binary frame. */
export const encodeClientMessage: (message: ClientMessage) => EncodedFrame = encode;

/**
 * Encodes a server message. Not validated: the server builds these itself and the types cover
 * them. Call once per message and hand the same frame to every recipient.
 */
export const encodeServerMessage: (message: ServerMessage) => EncodedFrame = encode;

function typeOf(o: Fields): string {
  if (o.type === undefined) throw new ProtocolError('missing field "type"');
  if (typeof o.type !== 'string') throw new ProtocolError('"type" must be a string');
  return o.type;
}

function peekId(o: Fields): number | undefined {
  return isUint(o.id, MAX_REQUEST_ID) ? o.id : undefined;
}

function unknownType(type: string, o: Fields): never {
  throw new ProtocolError(
    `unknown message type "${type.slice(0, 32)}"`,
    ErrorCode.UnknownType,
    undefined,
    peekId(o),
  );
}

/**
 * Validates and decodes a frame sent by a client. Throws a {@link ProtocolError} that says exactly
 * what is wrong; never anything else. Unknown fields are ignored; the result holds only known ones.
 */
export function decodeClientMessage(raw: RawFrame, isBinary?: boolean): ClientMessage {
  const o = readFrame(raw, isBinary);
  const type = typeOf(o);
  if (isBinary || o.data instanceof Uint8Array) {
    if (type !== 'pub' && type !== 'call') {
      throw new ProtocolError(
        `${type}: binary frames carry only "pub" and "call"`,
        undefined,
        undefined,
        peekId(o),
      );
    }
  }
  switch (type) {
    case 'connect': {
      const token = readToken(type, o);
      const client = readKey(type, o, undefined, 'client');
      return { type, ...(token !== undefined && { token }), ...(client !== undefined && { client }) };
    }
    case 'sub': {
      const id = readId(type, o);
      const topic = readTopic(type, o, id);
      const since = o.since === undefined ? undefined : readPosition(type, o.since, 'since', id);
      const last = readLast(type, o, id);
      return { type, id, topic, ...(since && { since }), ...(last !== undefined && { last }) };
    }
    case 'unsub': {
      const id = readId(type, o);
      return { type, id, topic: readTopic(type, o, id) };
    }
    case 'pub': {
      const id = readId(type, o);
      const topic = readTopic(type, o, id);
      const data = requireData(type, o, id);
      const key = readKey(type, o, id);
      return key === undefined ? { type, id, topic, data } : { type, id, topic, data, key };
    }
    case 'refresh': {
      const id = readId(type, o);
      return { type, id, token: readToken(type, o, id, true)! };
    }
    case 'call': {
      const id = readId(type, o);
      const method = readMethod(type, o, id);
      return o.data === undefined ? { type, id, method } : { type, id, method, data: o.data };
    }
    case 'presence': {
      const id = readId(type, o);
      const topic = readTopic(type, o, id);
      if (o.stats !== undefined && typeof o.stats !== 'boolean') {
        throw new ProtocolError(`${type}: "stats" must be a boolean`, undefined, undefined, id);
      }
      return o.stats ? { type, id, topic, stats: true } : { type, id, topic };
    }
    case 'ping':
    case 'pong':
      return { type };
    default:
      return unknownType(type, o);
  }
}
