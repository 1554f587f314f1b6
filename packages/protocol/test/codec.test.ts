import {
  type ClientMessage,
  decodeClientMessage,
  decodeServerMessage,
  ErrorCode,
  encodeClientMessage,
  encodeServerMessage,
  ProtocolError,
  type ServerMessage,
} from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';

const clientMessages: ClientMessage[] = [
  { type: 'connect' },
  { type: 'connect', token: 'secret.jwt.token' },
  { type: 'sub', id: 1, topic: 'chat.lobby' },
  { type: 'sub', id: 2, topic: 'chat.lobby', since: { epoch: 'e1', offset: 41 } },
  { type: 'sub', id: 3, topic: 'user.42', last: 20 },
  { type: 'unsub', id: 4, topic: 'chat.lobby' },
  { type: 'pub', id: 5, topic: 'chat.lobby', data: { text: 'hi', n: [1, 2, null] } },
  { type: 'pub', id: 6, topic: 'chat.lobby', data: 'text', key: 'k_1-A' },
  { type: 'pub', id: 7, topic: 'files', data: new Uint8Array([0, 1, 2, 255]) },
  { type: 'refresh', id: 8, token: 'new-token' },
  { type: 'call', id: 9, method: 'room.rename', data: { room: 'lobby', name: 'Lobby' } },
  { type: 'call', id: 10, method: 'files/thumb', data: new Uint8Array([0, 1, 254, 255]) },
  { type: 'call', id: 11, method: 'room.list' },
  { type: 'call', id: 12, method: 'echo', data: null },
  { type: 'ping' },
  { type: 'pong' },
];

const serverMessages: ServerMessage[] = [
  {
    type: 'welcome',
    sid: 'abc',
    heartbeatMs: 25_000,
    ttlMs: 60_000,
    limits: { maxPayloadBytes: 65_536, publishRate: 50, publishBurst: 100, maxSubscriptions: 100 },
  },
  {
    type: 'welcome',
    sid: 'abc',
    heartbeatMs: 25_000,
    limits: { maxPayloadBytes: 1, publishRate: 1, publishBurst: 1, maxSubscriptions: 1 },
  },
  {
    type: 'welcome',
    sid: 'abc',
    heartbeatMs: 25_000,
    limits: {
      maxPayloadBytes: 65_536,
      publishRate: 100,
      publishBurst: 200,
      maxSubscriptions: 256,
      connectTimeoutMs: 10_000,
      heartbeatTimeoutMs: 10_000,
      tokenGraceMs: 5_000,
      maxMalformedFrames: 10,
      maxRateLimitStrikes: 50,
      idempotencyTtlMs: 120_000,
      history: { size: 100, ttlMs: 300_000 },
    },
  },
  {
    type: 'subscribed',
    id: 1,
    topic: 'a',
    position: { epoch: 'e', offset: 3 },
    recovered: true,
    replayed: 2,
  },
  { type: 'unsubscribed', id: 2, topic: 'a' },
  { type: 'ack', id: 3, offset: 10, epoch: 'e' },
  { type: 'ack', id: 4, ttlMs: 1000 },
  { type: 'error', id: 5, code: ErrorCode.Forbidden, message: 'no' },
  { type: 'error', code: ErrorCode.BadRequest, message: 'frame is not valid JSON' },
  { type: 'msg', topic: 'a', offset: 1, epoch: 'e', data: { x: 1 } },
  { type: 'msg', topic: 'a', offset: 2, epoch: 'e', data: 'replayed', replayed: true },
  { type: 'msg', topic: 'bin', offset: 3, epoch: 'e', data: new Uint8Array([9, 8, 7]) },
  { type: 'result', id: 6, data: { name: 'Lobby' } },
  { type: 'result', id: 7, data: new Uint8Array([4, 5, 6]) },
  { type: 'result', id: 8 },
  { type: 'result', id: 9, data: false },
  { type: 'result', id: 10, error: { code: 'NOT_FOUND', message: 'no such room', data: { room: 'x' } } },
  { type: 'result', id: 11, error: { code: 'TAKEN', message: 'name taken' } },
  { type: 'error', id: 12, code: ErrorCode.UnknownMethod, message: 'no handler for "nope"' },
  { type: 'goaway', retryMs: 1234 },
  { type: 'ping' },
  { type: 'pong' },
];

describe('#encodeClientMessage / #decodeClientMessage', () => {
  it.each(clientMessages.map((m) => [m.type, m] as const))('round-trips %s', (_type, message) => {
    const frame = encodeClientMessage(message);
    expect(decodeClientMessage(frame, typeof frame !== 'string')).toEqual(message);
  });

  it('sends bytes in a binary frame, not base64', () => {
    const frame = encodeClientMessage({ type: 'pub', id: 1, topic: 't', data: new Uint8Array(1000).fill(7) });
    expect(frame).toBeInstanceOf(Uint8Array);
    expect((frame as Uint8Array).length).toBeLessThan(1000 + 64);
  });

  it('accepts an ArrayBuffer payload', () => {
    const frame = encodeClientMessage({
      type: 'pub',
      id: 1,
      topic: 't',
      data: new Uint8Array([1, 2]).buffer,
    });
    const decoded = decodeClientMessage(frame, true);
    expect(decoded).toEqual({ type: 'pub', id: 1, topic: 't', data: new Uint8Array([1, 2]) });
  });

  it('decodes text frames given as bytes', () => {
    const bytes = new TextEncoder().encode('{"type":"ping"}');
    expect(decodeClientMessage(bytes, false)).toEqual({ type: 'ping' });
  });

  it('keeps only known fields', () => {
    expect(decodeClientMessage('{"type":"ping","extra":1}')).toEqual({ type: 'ping' });
  });
});

describe('#encodeServerMessage / #decodeServerMessage', () => {
  it.each(serverMessages.map((m) => [m.type, m] as const))('round-trips %s', (_type, message) => {
    const frame = encodeServerMessage(message);
    expect(decodeServerMessage(frame, typeof frame !== 'string')).toEqual(message);
  });
});

describe('prototype pollution', () => {
  it('drops __proto__ keys anywhere in the frame', () => {
    const msg = decodeClientMessage(
      '{"type":"pub","id":1,"topic":"t","data":{"__proto__":{"polluted":1},"a":1}}',
    );
    expect(msg).toEqual({ type: 'pub', id: 1, topic: 't', data: { a: 1 } });
    expect(Object.getPrototypeOf((msg as { data: object }).data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores a top-level __proto__ key', () => {
    expect(decodeClientMessage('{"__proto__":{"type":"ping"},"type":"pong"}')).toEqual({ type: 'pong' });
  });
});

describe('malformed frames', () => {
  const tooLongTopic = 'a'.repeat(129);
  const cases: [string, string | Uint8Array, string, string][] = [
    ['not JSON', '{type:', ErrorCode.BadRequest, 'frame is not valid JSON'],
    ['empty frame', '', ErrorCode.BadRequest, 'frame is not valid JSON'],
    ['a JSON array', '[1,2]', ErrorCode.BadRequest, 'frame must be a JSON object'],
    ['a JSON string', '"ping"', ErrorCode.BadRequest, 'frame must be a JSON object'],
    ['null', 'null', ErrorCode.BadRequest, 'frame must be a JSON object'],
    ['no type', '{"id":1}', ErrorCode.BadRequest, 'missing field "type"'],
    ['numeric type', '{"type":1}', ErrorCode.BadRequest, '"type" must be a string'],
    ['unknown type', '{"type":"hack"}', ErrorCode.UnknownType, 'unknown message type "hack"'],
    [
      'server type from client',
      '{"type":"welcome"}',
      ErrorCode.UnknownType,
      'unknown message type "welcome"',
    ],
    ['sub without id', '{"type":"sub","topic":"a"}', ErrorCode.BadRequest, 'sub: missing field "id"'],
    [
      'sub with string id',
      '{"type":"sub","id":"1","topic":"a"}',
      ErrorCode.BadRequest,
      'sub: "id" must be an integer',
    ],
    [
      'sub with negative id',
      '{"type":"sub","id":-1,"topic":"a"}',
      ErrorCode.BadRequest,
      'sub: "id" must be an integer',
    ],
    [
      'sub with oversize id',
      '{"type":"sub","id":2147483648,"topic":"a"}',
      ErrorCode.BadRequest,
      'sub: "id" must be an integer',
    ],
    [
      'sub with fractional id',
      '{"type":"sub","id":1.5,"topic":"a"}',
      ErrorCode.BadRequest,
      'sub: "id" must be an integer',
    ],
    ['sub without topic', '{"type":"sub","id":1}', ErrorCode.BadRequest, 'sub: missing field "topic"'],
    [
      'topic not a string',
      '{"type":"sub","id":1,"topic":7}',
      ErrorCode.BadRequest,
      'sub: "topic" must be a string',
    ],
    [
      'pub topic an array',
      '{"type":"pub","id":1,"topic":["a"],"data":1}',
      ErrorCode.BadRequest,
      'pub: "topic" must be a string',
    ],
    ['empty topic', '{"type":"sub","id":1,"topic":""}', ErrorCode.BadTopic, 'sub: topic must not be empty'],
    [
      'topic too long',
      `{"type":"sub","id":1,"topic":"${tooLongTopic}"}`,
      ErrorCode.BadTopic,
      'longer than 128',
    ],
    [
      'Redis glob in topic',
      '{"type":"sub","id":1,"topic":"chat.*"}',
      ErrorCode.BadTopic,
      'must start with a letter',
    ],
    [
      'hash tag in topic',
      '{"type":"sub","id":1,"topic":"a{b}"}',
      ErrorCode.BadTopic,
      'must start with a letter',
    ],
    [
      'reserved prefix',
      '{"type":"sub","id":1,"topic":"__keyspace"}',
      ErrorCode.BadTopic,
      'must start with a letter',
    ],
    ['space in topic', '{"type":"sub","id":1,"topic":"a b"}', ErrorCode.BadTopic, 'must start with a letter'],
    [
      'since not an object',
      '{"type":"sub","id":1,"topic":"a","since":5}',
      ErrorCode.BadRequest,
      '"since" must be an object',
    ],
    [
      'since without epoch',
      '{"type":"sub","id":1,"topic":"a","since":{"offset":1}}',
      ErrorCode.BadRequest,
      '"since.epoch"',
    ],
    [
      'since negative offset',
      '{"type":"sub","id":1,"topic":"a","since":{"epoch":"e","offset":-1}}',
      ErrorCode.BadRequest,
      '"since.offset"',
    ],
    [
      'last too large',
      '{"type":"sub","id":1,"topic":"a","last":100000}',
      ErrorCode.BadRequest,
      '"last" must be an integer',
    ],
    [
      'pub without data',
      '{"type":"pub","id":1,"topic":"a"}',
      ErrorCode.BadRequest,
      'pub: missing field "data"',
    ],
    [
      'pub with bad key',
      '{"type":"pub","id":1,"topic":"a","data":1,"key":"a b"}',
      ErrorCode.BadRequest,
      '"key" must be 1-64 of letters, digits, _ and -',
    ],
    [
      'pub with long key',
      `{"type":"pub","id":1,"topic":"a","data":1,"key":"${'k'.repeat(65)}"}`,
      ErrorCode.BadRequest,
      '"key" is longer',
    ],
    [
      'connect with numeric token',
      '{"type":"connect","token":5}',
      ErrorCode.BadRequest,
      'connect: "token" must be a string',
    ],
    [
      'refresh without token',
      '{"type":"refresh","id":1}',
      ErrorCode.BadRequest,
      'refresh: missing field "token"',
    ],
    ['call without id', '{"type":"call","method":"a"}', ErrorCode.BadRequest, 'call: missing field "id"'],
    ['call without method', '{"type":"call","id":1}', ErrorCode.BadRequest, 'call: missing field "method"'],
    [
      'call with a numeric method',
      '{"type":"call","id":1,"method":5}',
      ErrorCode.BadRequest,
      'call: method must be a string',
    ],
    [
      'call with a method outside the grammar',
      '{"type":"call","id":1,"method":"rename room"}',
      ErrorCode.BadRequest,
      'call: method must start with a letter',
    ],
    [
      'call with a method too long',
      `{"type":"call","id":1,"method":"${tooLongTopic}"}`,
      ErrorCode.BadRequest,
      'call: method is longer than 128',
    ],
    ['invalid UTF-8 text', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), ErrorCode.BadRequest, 'not valid UTF-8'],
  ];

  it.each(cases)('rejects %s', (_name, frame, code, message) => {
    const decode = () => decodeClientMessage(frame, false);
    expect(decode).toThrow(ProtocolError);
    expect(decode).toThrow(message);
    try {
      decode();
    } catch (err) {
      expect((err as ProtocolError).code).toBe(code);
    }
  });

  it('carries the request id of a bad request when it could be read', () => {
    try {
      decodeClientMessage('{"type":"pub","id":9,"topic":"bad topic","data":1}');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).id).toBe(9);
    }
  });

  it('maps invalid UTF-8 to close code 1007', () => {
    expect(() => decodeClientMessage(new Uint8Array([0xc3, 0x28]), false)).toThrow(
      expect.objectContaining({ closeCode: 1007 }),
    );
  });

  const binaryCases: [string, Uint8Array, string][] = [
    [
      'a binary frame without the magic byte',
      new Uint8Array([1, 2, 3]),
      'does not start with the Hubbub header',
    ],
    ['a truncated binary header', new Uint8Array([0xb1, 0]), 'does not start with the Hubbub header'],
    [
      'a header length past the end',
      new Uint8Array([0xb1, 0, 50, 0x7b, 0x7d]),
      'header is longer than the frame',
    ],
  ];

  it.each(binaryCases)('rejects %s', (_name, frame, message) => {
    expect(() => decodeClientMessage(frame, true)).toThrow(message);
  });

  it('rejects binary frames for anything but pub', () => {
    const header = new TextEncoder().encode('{"type":"sub","id":1,"topic":"a"}');
    const frame = new Uint8Array([0xb1, 0, header.length, ...header]);
    expect(() => decodeClientMessage(frame, true)).toThrow('binary frames carry only "pub"');
  });

  it('carries the request id of a bad call', () => {
    expect(() => decodeClientMessage('{"type":"call","id":7,"method":""}')).toThrow(
      expect.objectContaining({ id: 7, code: ErrorCode.BadRequest }),
    );
  });

  it('rejects a binary header that holds data', () => {
    const header = new TextEncoder().encode('{"type":"pub","id":1,"topic":"a","data":1}');
    const frame = new Uint8Array([0xb1, 0, header.length, ...header]);
    expect(() => decodeClientMessage(frame, true)).toThrow('must not hold "data"');
  });
});
