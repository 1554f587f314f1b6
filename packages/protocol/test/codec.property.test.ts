import {
  type ClientMessage,
  decodeClientMessage,
  encodeClientMessage,
  isValidTopic,
  MAX_REQUEST_ID,
  ProtocolError,
} from '@hubbub/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** An independent statement of the client schema, to check what decode accepts. */
function conforms(m: ClientMessage): boolean {
  const id = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_REQUEST_ID;
  const keys = Object.keys(m);
  if (keys.includes('__proto__')) return false;
  switch (m.type) {
    case 'connect':
      return m.token === undefined || typeof m.token === 'string';
    case 'sub':
      return (
        id(m.id) &&
        isValidTopic(m.topic) &&
        (m.since === undefined || (typeof m.since.epoch === 'string' && Number.isInteger(m.since.offset))) &&
        (m.last === undefined || Number.isInteger(m.last))
      );
    case 'unsub':
      return id(m.id) && isValidTopic(m.topic);
    case 'pub':
      return (
        id(m.id) &&
        isValidTopic(m.topic) &&
        m.data !== undefined &&
        (m.key === undefined || /^[\w-]{1,64}$/.test(m.key))
      );
    case 'refresh':
      return id(m.id) && typeof m.token === 'string';
    case 'ping':
    case 'pong':
      return keys.length === 1;
    default:
      return false;
  }
}

function decodeOrError(frame: string | Uint8Array, binary?: boolean): ClientMessage | ProtocolError {
  try {
    return decodeClientMessage(frame, binary);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

const topic = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:/@=-]{0,20}$/);
const anyTopic = fc.oneof(topic, fc.string(), fc.constant('a*'), fc.integer());
const anyId = fc.oneof(
  fc.nat(MAX_REQUEST_ID),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(MAX_REQUEST_ID + 1),
);
const type = fc.constantFrom(
  'connect',
  'sub',
  'unsub',
  'pub',
  'refresh',
  'ping',
  'pong',
  'welcome',
  'nope',
  '',
);
const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** Objects shaped like client messages, with every field sometimes wrong. */
const nearMessage = fc.record(
  {
    type: fc.oneof(type, fc.integer()),
    id: anyId,
    topic: anyTopic,
    data: jsonValue,
    key: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
    token: fc.oneof(fc.string(), fc.integer()),
    since: fc.oneof(
      fc.record({ epoch: fc.string(), offset: fc.oneof(fc.integer(), fc.double()) }),
      jsonValue,
    ),
    last: fc.oneof(fc.integer(), fc.string()),
  },
  { requiredKeys: [] },
);

describe('decodeClientMessage (property)', () => {
  it('throws only ProtocolError on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        decodeOrError(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only ProtocolError on any bytes, text or binary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, binary) => {
        decodeOrError(bytes, binary);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a frame that breaks the schema, and round-trips what it accepts', () => {
    fc.assert(
      fc.property(nearMessage, (obj) => {
        const result = decodeOrError(JSON.stringify(obj));
        if (result instanceof ProtocolError) return;
        expect(conforms(result)).toBe(true);
        expect(decodeClientMessage(encodeClientMessage(result))).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed publish, text or binary', () => {
    const payload = fc.oneof(jsonValue, fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(fc.nat(MAX_REQUEST_ID), topic, payload, (id, t, data) => {
        const message: ClientMessage = { type: 'pub', id, topic: t, data };
        const frame = encodeClientMessage(message);
        // JSON itself turns -0 into 0, and decode drops `__proto__` keys; bytes come back as they went.
        const viaJson = JSON.parse(JSON.stringify(data), (k, v) => (k === '__proto__' ? undefined : v));
        const expected = data instanceof Uint8Array ? message : { ...message, data: viaJson };
        expect(decodeClientMessage(frame, typeof frame !== 'string')).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
