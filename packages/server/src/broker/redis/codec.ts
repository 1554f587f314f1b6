import type { Payload } from '@hubbub/protocol';
import { isBinaryPayload } from '@hubbub/protocol';
import type { BrokerMessage } from '../broker.js';

/**
 * Payloads travel through Redis as a blob: one kind byte, then the body. `j` + UTF-8 JSON text for
 * JSON values; `b` + the raw bytes for binary payloads, never base64. History entries are
 * `<ms>:<offset>:<blob>` and channel messages `<epoch>:<offset>:<blob>`; both are built by the
 * publish script.
 */
const KIND_JSON = 0x6a;
const KIND_BYTES = 0x62;
const COLON = 0x3a;
const JSON_PREFIX = Buffer.from([KIND_JSON]);
const BYTES_PREFIX = Buffer.from([KIND_BYTES]);

/** Encodes a payload into the blob stored and published by the scripts. */
export function encodePayload(data: Payload): Buffer {
  if (isBinaryPayload(data)) {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    return Buffer.concat([BYTES_PREFIX, bytes]);
  }
  return Buffer.concat([JSON_PREFIX, Buffer.from(JSON.stringify(data ?? null), 'utf8')]);
}

/** Decodes a blob; bytes come back as a view into `buf` (no copy). */
export function decodePayload(buf: Buffer, start: number): Payload {
  const kind = buf[start];
  if (kind === KIND_BYTES) return buf.subarray(start + 1);
  if (kind === KIND_JSON) return JSON.parse(buf.toString('utf8', start + 1));
  throw new Error(`unknown payload kind ${String(kind)} in a Redis entry`);
}

/** Splits `<a>:<b>:<blob>` into its two heads and the blob's start. */
function splitHeads(buf: Buffer): { a: string; b: number; start: number } {
  const first = buf.indexOf(COLON);
  const second = first < 0 ? -1 : buf.indexOf(COLON, first + 1);
  if (second < 0) throw new Error('malformed Redis entry');
  return {
    a: buf.toString('latin1', 0, first),
    b: Number(buf.toString('latin1', first + 1, second)),
    start: second + 1,
  };
}

/**
 * A message whose blob starts at `start` of `buf`. A JSON payload keeps its bytes as `json`, for
 * frames to splice in, and is parsed only if something reads `data` (an app reading history, say):
 * the fan-out of a message arriving from Redis costs no `JSON.parse` and no `JSON.stringify`.
 */
export function storedMessage(
  topic: string,
  epoch: string,
  offset: number,
  buf: Buffer,
  start: number,
): BrokerMessage {
  if (buf[start] !== KIND_JSON) return { topic, epoch, offset, data: decodePayload(buf, start) };
  const json = buf.subarray(start + 1);
  let parsed = false;
  let data: Payload;
  return {
    topic,
    epoch,
    offset,
    json,
    get data(): Payload {
      if (!parsed) {
        data = JSON.parse(json.toString('utf8'));
        parsed = true;
      }
      return data;
    },
  };
}

/** Decodes a channel message (`<epoch>:<offset>:<blob>`) of `topic`. */
export function decodeChannelMessage(topic: string, buf: Buffer): BrokerMessage {
  const { a: epoch, b: offset, start } = splitHeads(buf);
  return storedMessage(topic, epoch, offset, buf, start);
}

/** A history entry (`<ms>:<offset>:<blob>`) with its time, not yet decoded. */
export interface RawEntry {
  readonly at: number;
  readonly offset: number;
  readonly buf: Buffer;
  readonly start: number;
}

/** Reads the time and offset of a history entry. */
export function readEntry(buf: Buffer): RawEntry {
  const { a, b: offset, start } = splitHeads(buf);
  return { at: Number(a), offset, buf, start };
}
