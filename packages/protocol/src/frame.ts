import type { CloseCode } from './codes.js';
import { BINARY_MAGIC } from './constants.js';
import { ProtocolError } from './errors.js';
import { type Fields, isPlainObject } from './validate.js';

/** What a WebSocket hands over: text, or bytes (Node `Buffer`, `Uint8Array`, `ArrayBuffer`). */
export type RawFrame = string | Uint8Array | ArrayBuffer;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Binary frames carry a 1-byte magic, a 2-byte big-endian header length, a JSON header, the payload. */
const BINARY_PREFIX = 3;
/** CloseCode.InvalidPayload, as a literal so the code table stays out of client bundles. */
const INVALID_PAYLOAD: typeof CloseCode.InvalidPayload = 1007;
const MAX_HEADER_BYTES = 0xffff;

function dropProtoKeys(key: string, value: unknown): unknown {
  // `__proto__` from JSON.parse is an own property, harmless until someone merges the object;
  // drop it so no consumer of a decoded frame can be walked into Object.prototype.
  return key === '__proto__' ? undefined : value;
}

/** Parses JSON text into an object, or throws a ProtocolError saying what is wrong. */
export function parseJsonObject(text: string): Fields {
  let value: unknown;
  try {
    value = text.includes('"__proto__"') ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch {
    throw new ProtocolError('frame is not valid JSON');
  }
  if (!isPlainObject(value)) throw new ProtocolError('frame must be a JSON object');
  return value;
}

function toBytes(raw: Uint8Array | ArrayBuffer): Uint8Array {
  return raw instanceof Uint8Array ? raw : new Uint8Array(raw);
}

function decodeUtf8(bytes: Uint8Array, what: string, closeCode?: CloseCode): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new ProtocolError(`${what} is not valid UTF-8`, undefined, closeCode);
  }
}

/**
 * Reads a frame into its fields. Binary frames yield their header's fields with `data` set to a
 * view of the payload bytes (no copy).
 */
export function readFrame(raw: RawFrame, isBinary?: boolean): Fields {
  if (typeof raw === 'string') return parseJsonObject(raw);
  const bytes = toBytes(raw);
  if (!(isBinary ?? bytes[0] === BINARY_MAGIC)) {
    return parseJsonObject(decodeUtf8(bytes, 'text frame', INVALID_PAYLOAD));
  }
  if (bytes.length < BINARY_PREFIX || bytes[0] !== BINARY_MAGIC) {
    throw new ProtocolError('binary frame does not start with the Hubbub header');
  }
  const payloadStart = BINARY_PREFIX + ((bytes[1]! << 8) | bytes[2]!);
  if (payloadStart > bytes.length) throw new ProtocolError('binary frame header is longer than the frame');
  const fields = parseJsonObject(
    decodeUtf8(bytes.subarray(BINARY_PREFIX, payloadStart), 'binary frame header'),
  );
  if ('data' in fields) throw new ProtocolError('binary frame header must not hold "data"');
  fields.data = bytes.subarray(payloadStart);
  return fields;
}

/** True for payloads that travel in binary frames. */
export function isBinaryPayload(data: unknown): data is Uint8Array | ArrayBuffer {
  return data instanceof Uint8Array || data instanceof ArrayBuffer;
}

/** Builds a binary frame from a message whose `data` is bytes. */
export function writeBinaryFrame(message: { readonly data: Uint8Array | ArrayBuffer }): Uint8Array {
  const { data, ...header } = message;
  const headerBytes = utf8Encoder.encode(JSON.stringify(header));
  const length = headerBytes.length;
  if (length > MAX_HEADER_BYTES) throw new RangeError('binary frame header too long');
  const payload = toBytes(data);
  const out = new Uint8Array(BINARY_PREFIX + length + payload.length);
  out.set([BINARY_MAGIC, length >> 8, length & 0xff]);
  out.set(headerBytes, BINARY_PREFIX);
  out.set(payload, BINARY_PREFIX + length);
  return out;
}
