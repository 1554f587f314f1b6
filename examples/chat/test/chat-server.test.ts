/**
 * The chat server from a Node client's side: its HTTP routes, its rules, two instances joined by
 * a real Redis, and draining on close.
 */
import { type Client, createClient } from '@hubbub/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test/utils/redis.js';
import { waitFor } from '../../../test/utils/wait.js';
import { startChat } from '../server.mjs';
import { ensureClientBundle } from './utils/browser.js';

type Chat = Awaited<ReturnType<typeof startChat>>;

const clients: Client[] = [];

function connect(chat: Chat, token = 'guest-test'): Client {
  const client = createClient({ url: `${chat.url.replace('http', 'ws')}ws`, token });
  clients.push(client);
  return client;
}

function subscribed(
  client: Client,
  topic: string,
  onData: (data: unknown) => void = () => {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sub = client.subscribe(topic, onData);
    sub.on('subscribed', () => resolve());
    sub.on('error', reject);
  });
}

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

const eventually = (check: () => boolean) => waitFor(check, 10_000, 'the presence events');

describe('chat server (in-memory broker)', () => {
  let chat: Chat;

  beforeAll(async () => {
    ensureClientBundle();
    chat = await startChat();
  });
  afterAll(() => chat?.close());

  it('serves the page, the client bundle and a health check', async () => {
    const page = await fetch(chat.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const bundle = await fetch(`${chat.url}hubbub.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('createClient');
    expect((await fetch(`${chat.url}healthz`)).status).toBe(200);
    expect((await fetch(`${chat.url}readyz`)).status).toBe(200);
    expect((await fetch(`${chat.url}../server.mjs`)).status).toBe(404);
  });

  it('lets guests use chat rooms only', async () => {
    const client = connect(chat);
    await expect(client.publish('chat.lobby', { name: 'a', text: 'hello' })).resolves.toMatchObject({
      offset: 1,
    });
    await expect(client.publish('secret.stuff', { text: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(subscribed(client, 'admin.events')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('shows who is in a room: guests by name, their joins and leaves', async () => {
    const ann = connect(chat, 'guest-ann~Ann');
    const seen: string[] = [];
    const sub = ann.subscribe('chat.presence', () => {});
    sub.on('join', (m) => seen.push(`join ${(m.info as { name: string }).name}`));
    sub.on('leave', (m) => seen.push(`leave ${(m.info as { name: string }).name}`));
    await new Promise((resolve) => sub.once('subscribed', resolve));
    const bob = connect(chat, 'guest-bob~Bob');
    await subscribed(bob, 'chat.presence');
    await eventually(() => seen.length === 2);
    expect((await sub.presence()).map((m) => [m.userId, (m.info as { name: string }).name]).sort()).toEqual([
      ['guest-ann', 'Ann'],
      ['guest-bob', 'Bob'],
    ]);
    bob.close();
    await eventually(() => seen.length === 3);
    expect(seen).toEqual(['join Ann', 'join Bob', 'leave Bob']);
  });

  it('refuses messages over its frame limit with TOO_BIG', async () => {
    const client = connect(chat);
    await expect(client.publish('chat.lobby', new Uint8Array(8192))).rejects.toMatchObject({
      code: 'TOO_BIG',
    });
    await expect(client.publish('chat.lobby', new Uint8Array(1024))).resolves.toBeDefined();
  });

  it('searches a room with the room.history.search call, over the same WebSocket', async () => {
    await chat.hub.publish('chat.search', { name: 'ann', text: 'Deploy at noon', at: 1 });
    await chat.hub.publish('chat.search', new Uint8Array([1]));
    await chat.hub.publish('chat.search', { name: 'bob', text: 'lunch?' });
    await chat.hub.publish('chat.search', { name: 'cy', text: 'deploy done' });
    const client = connect(chat);
    expect(await client.call('room.history.search', { room: 'search', text: 'DEPLOY' })).toEqual([
      { offset: 4, name: 'cy', text: 'deploy done' },
      { offset: 1, name: 'ann', text: 'Deploy at noon', at: 1 },
    ]);
    expect(await client.call('room.history.search', { room: 'search', text: 'nothing like it' })).toEqual([]);
    await expect(client.call('room.history.search', { room: 'Bad Room', text: 'x' })).rejects.toMatchObject({
      name: 'RpcError',
      code: 'BAD_ROOM',
      data: { room: 'Bad Room' },
    });
    await expect(client.call('room.history.search', { room: 'search', text: ' ' })).rejects.toMatchObject({
      name: 'RpcError',
      code: 'BAD_QUERY',
    });
  });

  it('answers /history up to an offset, bytes as base64', async () => {
    await chat.hub.publish('chat.history', { name: 's', text: 'one' });
    await chat.hub.publish('chat.history', new Uint8Array([0xde, 0xad]));
    await chat.hub.publish('chat.history', { name: 's', text: 'three' });
    const res = await fetch(`${chat.url}history?room=history&upto=2`);
    const body = await res.json();
    expect(body.offset).toBe(3);
    expect(body.messages).toEqual([
      { offset: 1, data: { name: 's', text: 'one' } },
      { offset: 2, data: { $bytes: Buffer.from([0xde, 0xad]).toString('base64') } },
    ]);
    expect((await fetch(`${chat.url}history?room=../etc`)).status).toBe(400);
  });
});

describe('two chat instances on one Redis (REDIS_URL)', () => {
  let redis: RedisHandle;
  let a: Chat;
  let b: Chat;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startChat({ redisUrl: redis.url });
    b = await startChat({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('delivers a message published on one instance to subscribers on the other, with shared history', async () => {
    const room = `chat.r${Date.now().toString(36)}`;
    const onA = connect(a);
    const onB = connect(b);
    let resolveReceived: (data: unknown) => void = () => {};
    const received = new Promise((resolve) => {
      resolveReceived = resolve;
    });
    await subscribed(onA, room, (data) => resolveReceived(data));
    await onB.publish(room, { name: 'b', text: 'across instances' });
    expect(await received).toEqual({ name: 'b', text: 'across instances' });
    const history = await (await fetch(`${a.url}history?room=${room.slice(5)}`)).json();
    expect(history.messages.map((m: { data: { text: string } }) => m.data.text)).toEqual([
      'across instances',
    ]);
  });

  it('tells its clients to go away (1001) when it closes', async () => {
    const extra = await startChat({ redisUrl: redis.url });
    const client = connect(extra);
    await subscribed(client, 'chat.drain');
    const closed = new Promise<number>((resolve) => client.once('close', ({ code }) => resolve(code)));
    await extra.close({ drainMs: 200 });
    expect(await closed).toBe(1001);
  });
});
