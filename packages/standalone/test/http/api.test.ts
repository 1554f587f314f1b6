/**
 * The HTTP API on two standalone servers joined by a real Redis: a publish through one instance's
 * API reaches a WebSocket subscriber of the other.
 */
import { request } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../../test/utils/redis.js';
import { waitFor } from '../../../../test/utils/wait.js';
import type { Standalone } from '../../src/index.js';
import { client, closeAll, start, subscribed } from '../utils/standalone.js';

const API_KEY = 'test-api-key-0123456789';
let redis: RedisHandle;
let api: Standalone;
let ws: Standalone;

function call(
  path: string,
  init: { method?: string; body?: unknown; key?: string | null; raw?: string } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? API_KEY}`;
  return fetch(`${api.url}${path}`, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
}

async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  redis = await startRedis();
  const prefix = `api-test-${process.pid}`;
  api = await start({ redisUrl: redis.url, redisPrefix: prefix, apiKey: API_KEY, apiMaxBodyBytes: 4096 });
  ws = await start({ redisUrl: redis.url, redisPrefix: prefix });
});

afterAll(async () => {
  await closeAll();
  await redis?.stop();
});

describe('HTTP API', () => {
  it('publishes to a WebSocket subscriber of another instance', async () => {
    const { got } = await subscribed(client(ws), 'news.weather');
    const res = await json(
      await call('/api/publish', { body: { topic: 'news.weather', data: { temp: 21 } } }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      offset: expect.any(Number),
      epoch: expect.any(String),
      duplicate: false,
    });
    await waitFor(() => got.length === 1, 10_000, 'delivery on the other instance');
    expect(got).toEqual([{ temp: 21 }]);
  });

  it('acks an idempotent retry once: same offset, duplicate, delivered once', async () => {
    const { got } = await subscribed(client(ws), 'orders.42');
    const body = { topic: 'orders.42', data: { state: 'paid' }, key: 'order-42-paid' };
    const first = await json(await call('/api/publish', { body }));
    const retry = await json(await call('/api/publish', { body }));
    const other = await json(await call('/api/publish', { body: { ...body, key: 'order-42-shipped' } }));
    expect(retry.body).toEqual({ ...first.body, duplicate: true });
    expect(other.body.offset).toBe((first.body.offset as number) + 1);
    await waitFor(() => got.length === 2, 10_000, 'two deliveries');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([{ state: 'paid' }, { state: 'paid' }]);
  });

  it('broadcasts to several topics, and publishes nothing when one topic is invalid', async () => {
    const a = await subscribed(client(ws), 'room.a');
    const b = await subscribed(client(ws), 'room.b');
    const bad = await json(
      await call('/api/broadcast', { body: { topics: ['room.a', 'bad topic'], data: 1 } }),
    );
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_TOPIC' } } });
    const ok = await json(await call('/api/broadcast', { body: { topics: ['room.a', 'room.b'], data: 2 } }));
    expect(ok.status).toBe(200);
    expect(ok.body.results).toEqual([
      expect.objectContaining({ topic: 'room.a', duplicate: false }),
      expect.objectContaining({ topic: 'room.b', duplicate: false }),
    ]);
    await waitFor(() => a.got.length === 1 && b.got.length === 1, 10_000, 'both deliveries');
    expect([a.got, b.got]).toEqual([[2], [2]]);
  });

  it('reads history after an offset, the latest N, and flags a gap', async () => {
    const offsets: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await json(await call('/api/publish', { body: { topic: 'log.h', data: { i } } }));
      offsets.push(res.body.offset as number);
    }
    const after = await json(await call(`/api/history?topic=log.h&since=${offsets[1]}&limit=2`));
    expect(after.body).toMatchObject({ gap: false, offset: offsets[4] });
    expect(after.body.messages).toEqual([
      { offset: offsets[2], data: { i: 3 } },
      { offset: offsets[3], data: { i: 4 } },
    ]);
    const latest = await json(await call('/api/history?topic=log.h&limit=1'));
    expect(latest.body.messages).toEqual([{ offset: offsets[4], data: { i: 5 } }]);
    const otherEpoch = await json(await call('/api/history?topic=log.h&since=1&epoch=not-the-epoch'));
    expect(otherEpoch.body.gap).toBe(true);
  });

  it('refuses a missing or wrong key with 401', async () => {
    for (const key of [null, 'wrong-key-wrong-key', `${API_KEY}x`]) {
      const res = await json(await call('/api/publish', { key, body: { topic: 'a', data: 1 } }));
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    }
  });

  it('refuses an oversize body with 413', async () => {
    const big = { topic: 'a', data: 'x'.repeat(5000) };
    const res = await json(await call('/api/publish', { body: big }));
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'TOO_BIG' } } });
  });

  it('refuses an oversize chunked body (no content-length) with 413', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write('{"topic":"a","data":"');
      for (let i = 0; i < 10; i++) req.write('x'.repeat(1000));
      req.end('"}');
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'TOO_BIG' } });
  });

  it.each([
    ['not JSON', { raw: '{"topic":' }, 400, 'BAD_REQUEST'],
    ['not an object', { raw: '[1]' }, 400, 'BAD_REQUEST'],
    ['no data', { body: { topic: 'a' } }, 400, 'BAD_REQUEST'],
    ['a bad topic', { body: { topic: '$sys', data: 1 } }, 400, 'BAD_TOPIC'],
    ['a bad key', { body: { topic: 'a', data: 1, key: 'has space' } }, 400, 'BAD_REQUEST'],
  ])('refuses %s with %i %s', async (_what, init, status, code) => {
    const res = await json(await call('/api/publish', init));
    expect(res).toMatchObject({ status, body: { error: { code } } });
  });

  it('answers 404 for an unknown endpoint and 405 for a wrong method', async () => {
    expect((await json(await call('/api/nothing'))).status).toBe(404);
    const wrong = await call('/api/publish', { method: 'GET' });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('HTTP API: presence and cluster control', () => {
  const SECRET = 'presence-test-secret-0123456789-abcdef';
  let api2: Standalone;
  let ws2: Standalone;
  const sign = (sub: string) =>
    new SignJWT({ sub, info: { name: sub.toUpperCase() } })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
  const get = async (path: string) => {
    const res = await fetch(`${api2.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const common = { redisUrl: redis.url, redisPrefix: `presence-${process.pid}`, jwt: { secret: SECRET } };
    api2 = await start({ ...common, apiKey: API_KEY, presence: ['room.*'] });
    ws2 = await start({ ...common, presence: ['room.*'] });
  });

  it('lists members and connections on another instance, and disconnects a user there', async () => {
    const alice = client(ws2, await sign('alice'));
    await subscribed(alice, 'room.1');
    const members = await get('/api/presence?topic=room.1');
    expect(members).toMatchObject({
      status: 200,
      body: { members: [{ userId: 'alice', info: { name: 'ALICE' } }] },
    });
    expect((await get('/api/presence-stats?topic=room.1')).body).toEqual({ connections: 1, users: 1 });
    expect((await get('/api/connections?userId=alice')).body.connections).toHaveLength(1);
    expect((await get('/api/presence?topic=news.1')).status).toBe(400);
    const closed = new Promise<number>((resolve) => alice.on('close', (ctx) => resolve(ctx.code)));
    const res = await fetch(`${api2.url}/api/disconnect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'alice' }),
    });
    expect(await res.json()).toEqual({ closed: 1 });
    expect(await closed).toBe(4410);
  });
});
