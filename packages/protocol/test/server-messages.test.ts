import { decodeServerMessage, isValidTopic, ProtocolError, type ServerMessage } from '@hubbub/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function decodeOrError(frame: string | Uint8Array, binary?: boolean): ServerMessage | ProtocolError {
  try {
    return decodeServerMessage(frame, binary);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

const uint = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const str = (v: unknown) => typeof v === 'string';
const opt = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

/** The types client code relies on, written out apart from the decoder's table. */
function conforms(m: ServerMessage): boolean {
  const f = m as unknown as Record<string, unknown>;
  const pos = f.position as Record<string, unknown> | undefined;
  switch (m.type) {
    case 'welcome':
      return str(f.sid) && uint(f.heartbeatMs) && opt(f.ttlMs, uint) && typeof f.limits === 'object';
    case 'subscribed':
      return uint(f.id) && isValidTopic(f.topic) && str(pos?.epoch) && uint(pos?.offset) && uint(f.replayed);
    case 'unsubscribed':
      return uint(f.id) && isValidTopic(f.topic);
    case 'ack':
      return uint(f.id) && opt(f.offset, uint) && opt(f.epoch, str);
    case 'error':
      return opt(f.id, uint) && str(f.code) && str(f.message);
    case 'msg':
      return isValidTopic(f.topic) && uint(f.offset) && str(f.epoch) && f.data !== undefined;
    case 'result': {
      const e = f.error as Record<string, unknown> | undefined;
      return uint(f.id) && opt(e, (v) => typeof v === 'object' && str(e?.code) && str(e?.message));
    }
    case 'goaway':
      return uint(f.retryMs);
    default:
      return Object.keys(f).length === 1;
  }
}

const position = { epoch: 'e', offset: 3 };
const limits = { maxPayloadBytes: 1, publishRate: 1, publishBurst: 1, maxSubscriptions: 1 };

describe('#decodeServerMessage', () => {
  it.each([
    ['a type that is not a string', { type: 1 }, 'missing or invalid "type"'],
    ['an unknown type', { type: 'hack' }, 'unknown message type "hack"'],
    ['a type named after an Object.prototype member', { type: 'constructor' }, 'unknown message type'],
    ['another such type', { type: 'toString' }, 'unknown message type'],
    ['a client type', { type: 'pub', id: 1, topic: 'a', data: 1 }, 'unknown message type "pub"'],
    [
      'msg without offset',
      { type: 'msg', topic: 'a', epoch: 'e', data: 1 },
      'msg: missing or invalid "offset"',
    ],
    ['msg with a negative offset', { type: 'msg', topic: 'a', offset: -1, epoch: 'e', data: 1 }, '"offset"'],
    [
      'msg without data',
      { type: 'msg', topic: 'a', offset: 1, epoch: 'e' },
      'msg: missing or invalid "data"',
    ],
    ['msg with a bad topic', { type: 'msg', topic: 'a b', offset: 1, epoch: 'e', data: 1 }, '"topic"'],
    [
      'msg with a non-boolean replayed',
      { type: 'msg', topic: 'a', offset: 1, epoch: 'e', data: 1, replayed: 1 },
      '"replayed"',
    ],
    [
      'subscribed with a position that is not an object',
      { type: 'subscribed', id: 1, topic: 'a', position: 5, recovered: true, replayed: 0 },
      'subscribed: missing or invalid "position"',
    ],
    [
      'subscribed with a position without epoch',
      { type: 'subscribed', id: 1, topic: 'a', position: { offset: 1 }, recovered: true, replayed: 0 },
      'subscribed.position: missing or invalid "epoch"',
    ],
    [
      'welcome with incomplete limits',
      { type: 'welcome', sid: 's', heartbeatMs: 1, limits: { ...limits, publishRate: '1' } },
      'welcome.limits: missing or invalid "publishRate"',
    ],
    [
      'welcome with a history window without ttlMs',
      { type: 'welcome', sid: 's', heartbeatMs: 1, limits: { ...limits, history: { size: 5 } } },
      'welcome.limits.history: missing or invalid "ttlMs"',
    ],
    [
      'welcome with a limit that is not a number (a server must leave out a limit it lacks)',
      { type: 'welcome', sid: 's', heartbeatMs: 1, limits: { ...limits, maxMalformedFrames: null } },
      'welcome.limits: missing or invalid "maxMalformedFrames"',
    ],
    [
      'error with an oversize id',
      { type: 'error', id: 2 ** 31, code: 'X', message: 'm' },
      'error: missing or invalid "id"',
    ],
    ['result without id', { type: 'result', data: 1 }, 'result: missing or invalid "id"'],
    [
      'result with an error that is not an object',
      { type: 'result', id: 1, error: 'NOT_FOUND' },
      'result: missing or invalid "error"',
    ],
    [
      'result with an error without code',
      { type: 'result', id: 1, error: { message: 'm' } },
      'result.error: missing or invalid "code"',
    ],
    [
      'result with an error whose message is not a string',
      { type: 'result', id: 1, error: { code: 'X', message: 1 } },
      'result.error: missing or invalid "message"',
    ],
    ['ack with a fractional ttl', { type: 'ack', id: 1, ttlMs: 1.5 }, 'ack: missing or invalid "ttlMs"'],
  ])('rejects %s', (_name, frame, message) => {
    const result = decodeOrError(JSON.stringify(frame));
    expect(result).toBeInstanceOf(ProtocolError);
    expect((result as ProtocolError).message).toContain(message);
  });

  it('keeps only known fields, also inside nested objects', () => {
    const frame = {
      type: 'subscribed',
      id: 1,
      topic: 'a',
      position: { ...position, x: 1 },
      recovered: true,
      replayed: 0,
      y: 2,
    };
    expect(decodeServerMessage(JSON.stringify(frame))).toStrictEqual({
      type: 'subscribed',
      id: 1,
      topic: 'a',
      position,
      recovered: true,
      replayed: 0,
    });
  });

  it('leaves optional fields out when absent', () => {
    expect(decodeServerMessage('{"type":"ack","id":4}')).toStrictEqual({ type: 'ack', id: 4 });
    expect(decodeServerMessage('{"type":"error","code":"X","message":"m"}')).toStrictEqual({
      type: 'error',
      code: 'X',
      message: 'm',
    });
  });

  it('drops __proto__ keys in payloads', () => {
    const msg = decodeServerMessage(
      '{"type":"msg","topic":"a","offset":1,"epoch":"e","data":{"__proto__":{"polluted":1},"a":1}}',
    );
    expect(msg).toEqual({ type: 'msg', topic: 'a', offset: 1, epoch: 'e', data: { a: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws only ProtocolError on any bytes, text or binary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, binary) => {
        decodeOrError(bytes, binary);
      }),
      { numRuns: 2000 },
    );
  });

  it('throws only ProtocolError on objects shaped like server messages with wrong fields', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
    const near = fc.record(
      {
        type: fc.constantFrom(
          'welcome',
          'subscribed',
          'unsubscribed',
          'ack',
          'error',
          'msg',
          'goaway',
          'result',
          'ping',
        ),
        id: value,
        topic: fc.oneof(fc.constant('a'), value),
        position: fc.oneof(fc.constant(position), fc.record({ epoch: value, offset: value }), value),
        limits: fc.oneof(fc.constant(limits), value),
        offset: value,
        epoch: value,
        data: value,
        sid: value,
        heartbeatMs: value,
        recovered: value,
        replayed: value,
        code: value,
        message: value,
        retryMs: value,
        error: fc.oneof(fc.record({ code: value, message: value, data: value }), value),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(near, (obj) => {
        const result = decodeOrError(JSON.stringify(obj));
        if (result instanceof ProtocolError) return;
        expect(conforms(result)).toBe(true);
        // What it accepts survives another round through JSON unchanged.
        expect(decodeServerMessage(JSON.stringify(result))).toEqual(result);
      }),
      { numRuns: 3000 },
    );
  });
});
