import { ErrorCode } from './codes.js';
import { MAX_EPOCH_LENGTH, MAX_REQUEST_ID } from './constants.js';
import { ProtocolError } from './errors.js';
import { isBinaryPayload, type RawFrame, readFrame, writeBinaryFrame } from './frame.js';
import type { AnnouncedLimits, ClientMessage, ServerMessage } from './messages.js';
import {
  type Fields,
  isPlainObject,
  isUint,
  readId,
  readKey,
  readLast,
  readPosition,
  readString,
  readToken,
  readTopic,
  readUint,
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
    if (type !== 'pub')
      throw new ProtocolError(`${type}: binary frames carry only "pub"`, undefined, undefined, peekId(o));
  }
  switch (type) {
    case 'connect': {
      const token = readToken(type, o);
      return token === undefined ? { type } : { type, token };
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
    case 'ping':
    case 'pong':
      return { type };
    default:
      return unknownType(type, o);
  }
}

function readLimits(o: Fields): AnnouncedLimits {
  if (!isPlainObject(o.limits)) throw new ProtocolError('welcome: "limits" must be an object');
  const l = o.limits;
  return {
    maxPayloadBytes: readUint('welcome.limits', l, 'maxPayloadBytes')!,
    publishRate: readUint('welcome.limits', l, 'publishRate')!,
    publishBurst: readUint('welcome.limits', l, 'publishBurst')!,
    maxSubscriptions: readUint('welcome.limits', l, 'maxSubscriptions')!,
  };
}

function readBoolean(type: string, o: Fields, field: string): boolean {
  if (typeof o[field] !== 'boolean') throw new ProtocolError(`${type}: "${field}" must be a boolean`);
  return o[field] as boolean;
}

function readEpoch(type: string, o: Fields): string {
  return readString(type, o, 'epoch', MAX_EPOCH_LENGTH);
}

/** Validates and decodes a frame sent by a server. Throws a {@link ProtocolError} on bad input. */
export function decodeServerMessage(raw: RawFrame, isBinary?: boolean): ServerMessage {
  const o = readFrame(raw, isBinary);
  const type = typeOf(o);
  switch (type) {
    case 'welcome': {
      const ttlMs = readUint(type, o, 'ttlMs', true);
      const base = {
        type,
        sid: readString(type, o, 'sid', 128),
        heartbeatMs: readUint(type, o, 'heartbeatMs')!,
        limits: readLimits(o),
      } as const;
      return ttlMs === undefined ? base : { ...base, ttlMs };
    }
    case 'subscribed':
      return {
        type,
        id: readId(type, o),
        topic: readTopic(type, o),
        position: readPosition(type, o.position, 'position'),
        recovered: readBoolean(type, o, 'recovered'),
        replayed: readUint(type, o, 'replayed')!,
      };
    case 'unsubscribed':
      return { type, id: readId(type, o), topic: readTopic(type, o) };
    case 'ack': {
      const offset = readUint(type, o, 'offset', true);
      const ttlMs = readUint(type, o, 'ttlMs', true);
      const epoch = o.epoch === undefined ? undefined : readEpoch(type, o);
      return {
        type,
        id: readId(type, o),
        ...(offset !== undefined && { offset }),
        ...(epoch !== undefined && { epoch }),
        ...(ttlMs !== undefined && { ttlMs }),
      };
    }
    case 'error': {
      const id = o.id === undefined ? undefined : readId(type, o);
      const code = readString(type, o, 'code', 64) as ErrorCode;
      const message = readString(type, o, 'message', 4096);
      return id === undefined ? { type, code, message } : { type, id, code, message };
    }
    case 'msg': {
      const base = {
        type,
        topic: readTopic(type, o),
        offset: readUint(type, o, 'offset')!,
        epoch: readEpoch(type, o),
        data: requireData(type, o),
      } as const;
      return o.replayed === true ? { ...base, replayed: true } : base;
    }
    case 'goaway':
      return { type, retryMs: readUint(type, o, 'retryMs')! };
    case 'ping':
    case 'pong':
      return { type };
    default:
      return unknownType(type, o);
  }
}
