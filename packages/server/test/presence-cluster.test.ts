import type { Subscription } from '@hubbub/client';
import { CloseCode } from '@hubbub/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, waitForState } from '../../../test/utils/client.js';
import { startHub, type TestHub } from '../../../test/utils/hub.js';
import { type RedisHandle, startRedis } from '../../../test/utils/redis.js';
import { waitFor } from '../../../test/utils/wait.js';
import { createRedisBroker } from '../src/broker/redis/broker.js';
import { createPublisher } from '../src/broker/redis/publisher.js';
import type { ServerOptions } from '../src/options.js';

const AS_USER: ServerOptions['authenticate'] = ({ token }) => ({ principal: token, info: { name: token } });

let redis: RedisHandle;
let round = 0;

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.stop();
});

/** Three hubs on one Redis, under a prefix of their own. */
async function cluster(): Promise<{ hubs: TestHub[]; prefix: string }> {
  const prefix = `pc${++round}`;
  const hubs: TestHub[] = [];
  for (let i = 0; i < 3; i++) {
    const broker = createRedisBroker(
      { url: redis.url },
      { prefix, presence: { refreshMs: 200, ttlMs: 1_000 }, onError: () => {} },
    );
    hubs.push(await startHub({ broker, presence: true, authenticate: AS_USER }));
  }
  return { hubs, prefix };
}

function watch(sub: Subscription): string[] {
  const seen: string[] = [];
  sub.on('join', (m) => seen.push(`join ${m.userId}${m.replaces ? ' again' : ''}`));
  sub.on('leave', (m) => seen.push(`leave ${m.userId}`));
  return seen;
}

async function member(hub: TestHub, user: string, topic: string) {
  const client = connectClient(hub.port, { token: user });
  const sub = client.subscribe(topic, () => {});
  const events = watch(sub);
  await waitFor(() => events.length > 0, 10_000, `${user}'s own join`);
  return { client, sub, events };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('presence across three hubs on Redis (real sockets)', () => {
  it('lists members of every hub and sends each join and leave once to every hub', async () => {
    const { hubs } = await cluster();
    const topic = 'room.cluster';
    const ada = await member(hubs[0]!, 'ada', topic);
    const bob = await member(hubs[1]!, 'bob', topic);
    const carl = await member(hubs[2]!, 'carl', topic);
    await waitFor(() => ada.events.length === 3 && bob.events.length === 2, 10_000, 'the joins');
    for (const { hub } of hubs) {
      expect((await hub.presence(topic)).map((m) => m.userId).sort()).toEqual(['ada', 'bob', 'carl']);
      expect(await hub.presenceStats(topic)).toEqual({ connections: 3, users: 3 });
    }
    expect((await carl.sub.presence()).map((m) => m.info)).toHaveLength(3);
    bob.sub.unsubscribe();
    await waitFor(() => ada.events.length === 4 && carl.events.length === 2, 10_000, "bob's leave");
    await settle();
    expect(ada.events).toEqual(['join ada', 'join bob', 'join carl', 'leave bob']);
    expect(bob.events).toEqual(['join bob', 'join carl']);
    expect(carl.events).toEqual(['join carl', 'leave bob']);
  });

  it('disconnectUser reaches every hub: kick brings the tabs back, revoke from a publisher ends them', async () => {
    const { hubs, prefix } = await cluster();
    const topic = 'room.kick';
    const watcher = await member(hubs[0]!, 'wendy', topic);
    const tabs = [];
    for (const hub of hubs) tabs.push(await member(hub, 'ada', topic));
    await waitFor(() => watcher.events.length === 4, 10_000, "ada's joins");
    const publisher = createPublisher({ url: redis.url, prefix });
    try {
      expect((await publisher.connectionsOf('ada')).map((c) => c.userId)).toEqual(['ada', 'ada', 'ada']);
      expect(await hubs[2]!.hub.disconnectUser('ada', { code: CloseCode.Kicked })).toBe(3);
      for (const tab of tabs) await waitForState(tab.client, 'reconnecting');
      for (const tab of tabs) await waitForState(tab.client, 'open');
      await waitFor(() => watcher.events.length === 7, 10_000, 'the kicked tabs coming back');
      expect(watcher.events.slice(4)).toEqual(['join ada again', 'join ada again', 'join ada again']);
      const closes: number[] = [];
      for (const tab of tabs) tab.client.on('close', (ctx) => closes.push(ctx.code));
      expect(await publisher.disconnectUser('ada')).toBe(3);
      for (const tab of tabs) await waitForState(tab.client, 'closed');
      expect(closes).toEqual([CloseCode.Revoked, CloseCode.Revoked, CloseCode.Revoked]);
      await waitFor(() => watcher.events.length === 10, 10_000, "the revoked tabs' leaves");
      expect(await hubs[1]!.hub.connectionsOf('ada')).toEqual([]);
      expect(await publisher.disconnectUser('ada')).toBe(0);
    } finally {
      await publisher.close();
    }
  });

  it('rebuilds presence after Redis restarts empty, without leave or join events', async () => {
    const { hubs } = await cluster();
    const topic = 'room.restart';
    const ada = await member(hubs[0]!, 'ada', topic);
    await member(hubs[1]!, 'bob', topic);
    await member(hubs[2]!, 'carl', topic);
    await waitFor(() => ada.events.length === 3, 10_000, 'the joins');
    await redis.restart();
    await waitFor(
      async () => (await hubs[2]!.hub.presenceStats(topic).catch(() => undefined))?.connections === 3,
      15_000,
      'presence rebuilt',
    );
    for (const { hub } of hubs) {
      expect((await hub.presence(topic)).map((m) => m.userId).sort()).toEqual(['ada', 'bob', 'carl']);
    }
    await settle();
    expect(ada.events).toEqual(['join ada', 'join bob', 'join carl']);
  });
});
