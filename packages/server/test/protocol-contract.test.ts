/**
 * What PROTOCOL.md states about the server, checked against a real hub over real sockets: a
 * client written from the document alone relies on each of these.
 */
import { CloseCode, ErrorCode } from '@hubbub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs, startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import { connectClient, TestClient } from './utils/tclient.js';

afterEach(closeHubs);

describe('welcome', () => {
  it('announces every limit a client can act on', async () => {
    const { url } = await startHub({
      limits: {
        maxPayloadBytes: 4096,
        publishRate: 20,
        publishBurst: 40,
        maxSubscriptions: 7,
        connectTimeoutMs: 3_000,
        maxMalformedFrames: 4,
        maxRateLimitStrikes: 9,
      },
      heartbeat: { intervalMs: 2_000, timeoutMs: 1_500 },
      tokenGraceMs: 700,
      idempotencyTtlMs: 60_000,
      history: { size: 50, ttlMs: 90_000 },
    });
    const c = new TestClient(url);
    const welcome = await c.connect();
    expect(welcome.heartbeatMs).toBe(2_000);
    expect(welcome.limits).toEqual({
      maxPayloadBytes: 4096,
      publishRate: 20,
      publishBurst: 40,
      maxSubscriptions: 7,
      connectTimeoutMs: 3_000,
      heartbeatTimeoutMs: 1_500,
      tokenGraceMs: 700,
      maxMalformedFrames: 4,
      maxRateLimitStrikes: 9,
      idempotencyTtlMs: 60_000,
      history: { size: 50, ttlMs: 90_000 },
    });
    c.close();
  });

  it('leaves out an optional limit that is not finite, and sends a required one as 2^53 - 1', async () => {
    const { url } = await startHub({
      limits: { maxMalformedFrames: Number.POSITIVE_INFINITY, maxSubscriptions: Number.POSITIVE_INFINITY },
    });
    // TestClient decodes with decodeServerMessage: an Infinity sent as null would not decode.
    const c = new TestClient(url);
    const welcome = await c.connect();
    expect(welcome.limits).not.toHaveProperty('maxMalformedFrames');
    expect(welcome.limits.maxSubscriptions).toBe(Number.MAX_SAFE_INTEGER);
    expect(welcome.limits.maxRateLimitStrikes).toBe(50);
    c.close();
  });
});

describe('before connect', () => {
  it('answers ping with pong, ignores pong, and holds frames sent after connect until welcome', async () => {
    const { url } = await startHub();
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'ping' });
    await c.waitForMessage('pong');
    c.send({ type: 'pong' });
    c.send({ type: 'connect' });
    c.send({ type: 'sub', id: 1, topic: 'early' });
    await c.waitForMessage('subscribed', (m) => m.id === 1);
    expect(c.received.filter((m) => m.type === 'error')).toEqual([]);
    c.close();
  });
});

describe('refusals that count toward the 4400 close', () => {
  it('malformed frames count; refusals of well-formed requests do not', async () => {
    const { url } = await startHub({
      authorize: (_p, _action, topic) => topic !== 'secret',
      limits: { maxMalformedFrames: 3 },
    });
    const c = await connectClient(url);
    await c.subscribe('dup', 1);
    // Ten well-formed refusals: FORBIDDEN, ALREADY_SUBSCRIBED, NOT_SUBSCRIBED, ALREADY_CONNECTED.
    for (let i = 0; i < 3; i++) c.send({ type: 'pub', id: 10 + i, topic: 'secret', data: 1 });
    for (let i = 0; i < 3; i++) c.send({ type: 'sub', id: 20 + i, topic: 'dup' });
    for (let i = 0; i < 3; i++) c.send({ type: 'unsub', id: 30 + i, topic: 'nope' });
    c.send({ type: 'connect' });
    c.send({ type: 'ping' });
    await c.waitForMessage('pong');
    const refused = c.received.filter((m) => m.type === 'error').map((m) => m.code);
    expect(refused).toEqual([
      ...Array(3).fill(ErrorCode.Forbidden),
      ...Array(3).fill(ErrorCode.AlreadySubscribed),
      ...Array(3).fill(ErrorCode.NotSubscribed),
      ErrorCode.AlreadyConnected,
    ]);

    c.send('{"type":');
    c.send({ type: 'explode', id: 40 });
    c.send({ type: 'sub', id: 41, topic: 'bad topic' });
    const closed = await c.waitForClose();
    const counted = c.received.filter((m) => m.type === 'error').slice(refused.length);
    expect(counted.map((m) => m.code)).toEqual([
      ErrorCode.BadRequest,
      ErrorCode.UnknownType,
      ErrorCode.BadTopic,
    ]);
    expect(closed.code).toBe(CloseCode.BadRequest);
  });

  it('frames before connect is done count as NOT_CONNECTED', async () => {
    const { url } = await startHub({ limits: { maxMalformedFrames: 2 } });
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'sub', id: 1, topic: 'a' });
    c.send({ type: 'pub', id: 2, topic: 'a', data: 1 });
    const closed = await c.waitForClose();
    expect(c.received.map((m) => m.type === 'error' && [m.id, m.code])).toEqual([
      [1, ErrorCode.NotConnected],
      [2, ErrorCode.NotConnected],
    ]);
    expect(closed.code).toBe(CloseCode.BadRequest);
  });
});

describe('the rate limit', () => {
  it('drops frames past the bucket with RATE_LIMITED, and closes 4429 on the drop after maxRateLimitStrikes', async () => {
    const { url } = await startHub({ limits: { publishRate: 1, publishBurst: 2, maxRateLimitStrikes: 3 } });
    // connect takes one token (every frame counts), the first ping the other.
    const c = await connectClient(url);
    for (let i = 0; i < 5; i++) c.send({ type: 'ping' });
    const closed = await c.waitForClose();
    expect(c.received.map((m) => (m.type === 'error' ? m.code : m.type))).toEqual([
      'pong',
      ErrorCode.RateLimited,
      ErrorCode.RateLimited,
      ErrorCode.RateLimited,
    ]);
    expect(closed.code).toBe(CloseCode.RateLimited);
  });
});

describe('a topic of the wrong JSON type', () => {
  it('is BAD_REQUEST with the request id; a string breaking the grammar is BAD_TOPIC', async () => {
    const { url } = await startHub();
    const c = await connectClient(url);
    c.send({ type: 'sub', id: 1, topic: 42 });
    c.send({ type: 'pub', id: 2, topic: ['a'], data: 1 });
    c.send({ type: 'sub', id: 3, topic: 'no spaces' });
    const errors = await Promise.all([1, 2, 3].map((id) => c.waitForMessage('error', (m) => m.id === id)));
    expect(errors.map((e) => e.code)).toEqual([
      ErrorCode.BadRequest,
      ErrorCode.BadRequest,
      ErrorCode.BadTopic,
    ]);
    c.close();
  });
});

describe('a subscribed publisher', () => {
  it('gets its msg before its ack with the in-memory broker, both with the same position', async () => {
    const { url } = await startHub();
    const c = await connectClient(url);
    await c.subscribe('echo', 1);
    for (let id = 2; id < 12; id++) c.send({ type: 'pub', id, topic: 'echo', data: id });
    await waitFor(() => c.received.some((m) => m.type === 'ack' && m.id === 11), 5_000, 'the last ack');
    const seen = c.received.map((m) => `${m.type} ${'offset' in m ? m.offset : ''}`);
    for (let offset = 1; offset <= 10; offset++) {
      const msg = seen.indexOf(`msg ${offset}`);
      expect(msg).toBeGreaterThanOrEqual(0);
      expect(seen.indexOf(`ack ${offset}`)).toBeGreaterThan(msg);
    }
    expect(seen).toHaveLength(20);
    c.close();
  });
});
