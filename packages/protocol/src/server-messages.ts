import { MAX_REQUEST_ID } from './constants.js';
import { ProtocolError } from './errors.js';
import { type RawFrame, readFrame } from './frame.js';
import type { ServerMessage, ServerMessageType } from './messages.js';
import { isValidTopic } from './topics.js';
import { type Fields, isPlainObject, isUint } from './validate.js';

// Clients trust their server far more than a server trusts its clients, so this decoder checks
// shapes from a table instead of explaining every fault the way decodeClientMessage does: it
// ships in every browser bundle. It still guarantees the types the client code relies on.

/**
 * Each server message's fields as `name:kind`, or `name?:kind` where the field may be absent.
 * Kinds: `i` request id, `n` non-negative integer, `s` string, `t` topic, `b` boolean,
 * `d` payload (anything but undefined), `p` position, `l` announced limits, `h` announced history,
 * `m` presence member, `a` list of members, `e` a call's failure.
 */
const SHAPES: Record<ServerMessageType, string> = {
  welcome: 'sid:s heartbeatMs:n ttlMs?:n limits:l',
  subscribed: 'id:i topic:t position:p recovered:b replayed:n presence?:b',
  unsubscribed: 'id:i topic:t',
  ack: 'id:i offset?:n epoch?:s ttlMs?:n',
  error: 'id?:i code:s message:s',
  result: 'id:i data?:d error?:e',
  msg: 'topic:t offset:n epoch:s data:d replayed?:b',
  presence: 'id:i topic:t connections:n users:n members?:a',
  join: 'topic:t member:m replaces?:s',
  leave: 'topic:t member:m',
  goaway: 'retryMs:n',
  ping: '',
  pong: '',
};

/** Shapes of the kinds that are objects themselves. */
const OBJECTS: Record<string, string> = {
  p: 'epoch:s offset:n',
  l:
    'maxPayloadBytes:n publishRate:n publishBurst:n maxSubscriptions:n connectTimeoutMs?:n heartbeatTimeoutMs?:n ' +
    'tokenGraceMs?:n maxMalformedFrames?:n maxRateLimitStrikes?:n idempotencyTtlMs?:n history?:h',
  h: 'size:n ttlMs:n',
  m: 'sid:s userId?:s info?:d',
  e: 'code:s message:s data?:d',
};

const CHECKS: Record<string, (value: unknown) => boolean> = {
  i: (v) => isUint(v, MAX_REQUEST_ID),
  n: isUint,
  s: (v) => typeof v === 'string',
  t: isValidTopic,
  b: (v) => typeof v === 'boolean',
  d: (v) => v !== undefined,
  p: isPlainObject,
  l: isPlainObject,
  h: isPlainObject,
  m: isPlainObject,
  a: Array.isArray,
  e: isPlainObject,
};

/** Parsed shapes, by shape string: each frame is checked without parsing its shape again. */
const PARSED: Record<string, string[][]> = {};

/** Copies the fields `shape` names from `o` into `out`, checking each; throws on the first bad one. */
function readShape(where: string, o: Fields, shape: string, out: Fields): unknown {
  PARSED[shape] ??= [...shape.matchAll(/(\w+)(\??):(\w)/g)];
  for (const [, name, optional, kind] of PARSED[shape]) {
    const value = o[name!];
    if (value === undefined && optional) continue;
    if (!CHECKS[kind!]!(value)) throw new ProtocolError(`${where}: missing or invalid "${name}"`);
    const nested = OBJECTS[kind!];
    // Nested objects are rebuilt too, so the result holds known fields only; lists hold members.
    out[name!] =
      kind === 'a'
        ? (value as unknown[]).map((m) => readShape(where, isPlainObject(m) ? m : {}, OBJECTS.m!, {}))
        : nested
          ? readShape(`${where}.${name}`, value as Fields, nested, {})
          : value;
  }
  return out;
}

/**
 * Validates and decodes a frame sent by a server. Throws a {@link ProtocolError} on bad input;
 * never anything else. Unknown fields are ignored; the result holds only known ones.
 */
export function decodeServerMessage(raw: RawFrame, isBinary?: boolean): ServerMessage {
  const o = readFrame(raw, isBinary);
  const { type } = o;
  if (typeof type !== 'string') throw new ProtocolError('missing or invalid "type"');
  // hasOwn: a type such as "constructor" must not find Object.prototype's members.
  if (!Object.hasOwn(SHAPES, type)) {
    throw new ProtocolError(`unknown message type "${type.slice(0, 32)}"`, 'UNKNOWN_TYPE');
  }
  return readShape(type, o, SHAPES[type as ServerMessageType], { type }) as ServerMessage;
}
