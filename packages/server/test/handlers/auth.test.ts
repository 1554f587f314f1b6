import type { IncomingMessage } from 'node:http';
import { CloseCode, ErrorCode } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';
import { startHub } from '../../../../test/utils/hub.js';
import { readAuthResult } from '../../src/handlers/auth.js';
import { connectClient, TestClient } from '../utils/tclient.js';

describe('readAuthResult', () => {
  it.each([null, undefined, false])('%j refuses', (value) => {
    expect(readAuthResult(value, 0).ok).toBe(false);
  });
  it('takes an object without a `principal` key as the principal itself', () => {
    expect(readAuthResult({ id: 'u1', roles: [] }, 0)).toMatchObject({
      ok: true,
      principal: { id: 'u1', roles: [] },
      expiresAt: undefined,
    });
  });
  it('reads { principal, expiresAt } and refuses an expiry in the past', () => {
    expect(readAuthResult({ principal: 'u1', expiresAt: 2_000 }, 1_000)).toMatchObject({
      ok: true,
      principal: 'u1',
      expiresAt: 2_000,
    });
    expect(readAuthResult({ principal: 'u1', expiresAt: 500 }, 1_000)).toEqual({
      ok: false,
      reason: 'token expired',
    });
    expect(readAuthResult({ principal: null }, 0)).toMatchObject({ ok: true, principal: null });
  });
});

const users: Record<string, string> = { 'tok-alice': 'alice', 'tok-bob': 'bob' };

describe('authenticate', () => {
  it('accepts a good token and refuses a bad one with 4401 and the reason', async () => {
    const seen: unknown[] = [];
    const { hub, url } = await startHub({
      authenticate: ({ token }) => {
        if (!token || !users[token]) throw new Error('unknown token');
        return { name: users[token] };
      },
    });
    hub.on('connection', (ctx) => seen.push(ctx.principal));
    await connectClient(url, 'tok-alice');
    expect(seen).toEqual([{ name: 'alice' }]);
    const bad = new TestClient(url);
    await bad.opened;
    bad.send({ type: 'connect', token: 'stolen' });
    expect(await bad.waitForClose()).toEqual({ code: CloseCode.Unauthorized, reason: 'unknown token' });
    const none = new TestClient(url);
    await none.opened;
    none.send({ type: 'connect' });
    expect((await none.waitForClose()).code).toBe(CloseCode.Unauthorized);
  });

  it('accepts everyone as principal null by default, and can read the upgrade request', async () => {
    const { url } = await startHub({
      authenticate: ({ request }) =>
        (request as IncomingMessage).headers['x-api-key'] === 'k1' && { service: 'billing' },
    });
    const ok = new TestClient(url, { headers: { 'x-api-key': 'k1' } });
    await ok.connect();
    const refused = new TestClient(url);
    await refused.opened;
    refused.send({ type: 'connect' });
    expect((await refused.waitForClose()).code).toBe(CloseCode.Unauthorized);
    const open = await startHub();
    await connectClient(open.url);
  });

  it('processes frames pipelined behind connect after the welcome, in order', async () => {
    const { url } = await startHub({
      authenticate: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 'slow-user';
      },
    });
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'connect' });
    c.send({ type: 'sub', id: 1, topic: 'p' });
    c.send({ type: 'pub', id: 2, topic: 'p', data: 'mine' });
    await c.waitForMessage('ack', (m) => m.id === 2);
    expect((await c.waitForMessage('msg')).data).toBe('mine');
    expect(c.received.map((m) => m.type)).toEqual(['welcome', 'subscribed']);
  });

  it('closes with 4408 when authenticate never answers within connectTimeoutMs', async () => {
    const { url } = await startHub({
      authenticate: () => new Promise(() => undefined),
      limits: { connectTimeoutMs: 200 },
    });
    const c = new TestClient(url);
    await c.opened;
    c.send({ type: 'connect', token: 'x' });
    expect((await c.waitForClose()).code).toBe(CloseCode.ConnectTimeout);
  });
});

describe('token expiry and refresh', () => {
  const expiring =
    (ms: number) =>
    ({ token }: { token: string | undefined }) =>
      token === 'bad' ? null : { principal: token, expiresAt: Date.now() + ms };

  it('tells the ttl in welcome, refreshes without dropping, and refuses a bad refresh', async () => {
    const { url } = await startHub({ authenticate: expiring(60_000) });
    const c = new TestClient(url);
    const welcome = await c.connect('t1');
    expect(welcome.ttlMs).toBeGreaterThan(55_000);
    expect(welcome.ttlMs).toBeLessThanOrEqual(60_000);
    c.send({ type: 'refresh', id: 1, token: 't2' });
    const ack = await c.waitForMessage('ack', (m) => m.id === 1);
    expect(ack.ttlMs).toBeGreaterThan(55_000);
    c.send({ type: 'refresh', id: 2, token: 'bad' });
    const err = await c.waitForMessage('error', (m) => m.id === 2);
    expect(err.code).toBe(ErrorCode.Unauthorized);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('closes with 4419 past expiry plus grace, unless refreshed in time', async () => {
    const { url } = await startHub({
      authenticate: expiring(150),
      tokenGraceMs: 50,
      heartbeat: { intervalMs: 40, timeoutMs: 1_000 },
    });
    const lazy = new TestClient(url);
    await lazy.connect('t');
    const keen = new TestClient(url);
    await keen.connect('t');
    const refresher = setInterval(() => keen.send({ type: 'refresh', id: 1, token: 't' }), 60);
    const closed = await lazy.waitForClose();
    expect(closed).toEqual({ code: CloseCode.TokenExpired, reason: 'token expired' });
    await keen.waitForMessage('ack');
    for (let i = 0; i < 6; i++) await keen.waitForMessage('ping');
    clearInterval(refresher);
    expect(keen.ws.readyState).toBe(keen.ws.OPEN);
  });
});
