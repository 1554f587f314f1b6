import type { Subscription } from '@hubbub/client';
import { CloseCode, type PresenceMember } from '@hubbub/protocol';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { waitFor } from '../../../test/utils/wait.js';
import type { ServerOptions } from '../src/options.js';
import { TestClient } from './utils/tclient.js';

/** `authenticate`: the token is the user; info names it. */
const AS_USER: ServerOptions['authenticate'] = ({ token }) => ({ principal: token, info: { name: token } });

/** Records a handle's join and leave events as `join sid` / `leave sid` / `join sid replaces old`. */
function watch(sub: Subscription): string[] {
  const seen: string[] = [];
  sub.on('join', (m) => seen.push(`join ${m.sid}${m.replaces ? ` replaces ${m.replaces}` : ''}`));
  sub.on('leave', (m) => seen.push(`leave ${m.sid}`));
  return seen;
}

async function subscribed(sub: Subscription): Promise<void> {
  if (sub.state === 'subscribed') return;
  await new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
}

/** Joins `topic` as `user` and returns the handle, its events, and its sid (from its own join). */
async function member(port: number, user: string | undefined, topic: string) {
  const client = connectClient(port, user === undefined ? {} : { token: user });
  const sub = client.subscribe(topic, () => {});
  const events = watch(sub);
  await subscribed(sub);
  await waitFor(() => events.length > 0, 10_000, `${user}'s own join`);
  const sid = (events[0] as string).split(' ')[1] as string;
  return { client, sub, events, sid };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('presence (memory broker, real sockets)', () => {
  it('makes a subscriber a member from subscribed to unsubscribe, with one join and one leave each', async () => {
    const { port } = await startHub({ presence: true, authenticate: AS_USER });
    const ada = await member(port, 'ada', 'room.1');
    const bob = await member(port, 'bob', 'room.1');
    await waitFor(() => ada.events.length === 2, 10_000, "bob's join at ada's");
    const members = (await bob.sub.presence()).sort((a, b) => a.sid.localeCompare(b.sid));
    const expected: PresenceMember[] = [
      { sid: ada.sid, userId: 'ada', info: { name: 'ada' } },
      { sid: bob.sid, userId: 'bob', info: { name: 'bob' } },
    ].sort((a, b) => a.sid.localeCompare(b.sid));
    expect(members).toEqual(expected);
    expect(await ada.sub.presenceStats()).toEqual({ connections: 2, users: 2 });
    bob.sub.unsubscribe();
    await waitFor(() => ada.events.length === 3, 10_000, "bob's leave");
    const carl = await member(port, 'carl', 'room.1');
    ada.client.close();
    await waitFor(() => carl.events.length === 2, 10_000, "ada's leave at carl's");
    await settle();
    expect(ada.events).toEqual([`join ${ada.sid}`, `join ${bob.sid}`, `leave ${bob.sid}`]);
    expect(bob.events).toEqual([`join ${bob.sid}`]);
    expect(carl.events).toEqual([`join ${carl.sid}`, `leave ${ada.sid}`]);
  });

  it('counts three tabs of one user as three members and one user', async () => {
    const { hub, port } = await startHub({ presence: true, authenticate: AS_USER });
    const tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await member(port, 'ada', 'room.tabs'));
    await member(port, 'bob', 'room.tabs');
    await member(port, undefined, 'room.tabs');
    expect(await tabs[0]!.sub.presenceStats()).toEqual({ connections: 5, users: 3 });
    expect(await hub.presenceStats('room.tabs')).toEqual({ connections: 5, users: 3 });
    const ada = (await hub.presence('room.tabs')).filter((m) => m.userId === 'ada');
    expect(new Set(ada.map((m) => m.sid)).size).toBe(3);
    expect(await hub.connectionsOf('ada')).toHaveLength(3);
  });

  it('answers FORBIDDEN when authorize refuses presence, NO_PRESENCE on a topic without it', async () => {
    const { hub, port } = await startHub({
      presence: (topic) => topic.startsWith('room.'),
      authenticate: AS_USER,
      authorize: (principal, action) => action !== 'presence' || principal === 'admin',
    });
    const guest = await member(port, 'guest', 'room.2');
    await expect(guest.sub.presence()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(guest.sub.presenceStats()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const admin = await member(port, 'admin', 'room.2');
    expect(await admin.sub.presenceStats()).toEqual({ connections: 2, users: 2 });
    const client = connectClient(port, { token: 'admin' });
    const plain = client.subscribe('lobby', () => {});
    const states: boolean[] = [];
    plain.on('subscribed', (ctx) => states.push(ctx.presence));
    await subscribed(plain);
    expect(states).toEqual([false]);
    await expect(plain.presence()).rejects.toMatchObject({ code: 'NO_PRESENCE' });
    await expect(hub.presence('lobby')).rejects.toThrow(TypeError);
    await waitForState(client, 'open');
  });

  it('keeps a lost member for the grace period; its client coming back replaces it, without a leave', async () => {
    const { port, url } = await startHub({ presence: true, presenceGraceMs: 600, authenticate: AS_USER });
    const watcher = await member(port, 'wendy', 'room.3');
    const first = new TestClient(url);
    await first.opened;
    first.send({ type: 'connect', token: 'ada', client: 'tab-7' });
    const welcome = await first.waitForMessage('welcome');
    await first.subscribe('room.3', 1);
    await waitFor(() => watcher.events.length === 2, 10_000, "ada's join");
    first.ws.terminate();
    await settle();
    expect(watcher.events).toEqual([`join ${watcher.sid}`, `join ${welcome.sid}`]);
    const again = new TestClient(url);
    await again.opened;
    again.send({ type: 'connect', token: 'ada', client: 'tab-7' });
    const back = await again.waitForMessage('welcome');
    await again.subscribe('room.3', 1);
    await waitFor(() => watcher.events.length === 3, 10_000, 'the replacing join');
    // Past the grace: the replaced member's leave must not come.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(watcher.events.slice(2)).toEqual([`join ${back.sid} replaces ${welcome.sid}`]);
    expect((await watcher.sub.presence()).map((m) => m.sid).sort()).toEqual([back.sid, watcher.sid].sort());
    again.close();
  });

  it('lets a lost member leave once the grace period is over when its client does not come back', async () => {
    const { port, url } = await startHub({ presence: true, presenceGraceMs: 400, authenticate: AS_USER });
    const watcher = await member(port, 'wendy', 'room.4');
    const lost = new TestClient(url);
    await lost.connect('ada');
    await lost.subscribe('room.4', 1);
    await waitFor(() => watcher.events.length === 2, 10_000, "ada's join");
    const sid = (watcher.events[1] as string).split(' ')[1];
    lost.ws.terminate();
    await settle();
    expect(watcher.events).toHaveLength(2);
    await waitFor(() => watcher.events.length === 3, 10_000, "ada's leave");
    expect(watcher.events[2]).toBe(`leave ${sid}`);
  });

  it('disconnectUser: revoke closes every tab for good, kick lets them come back', async () => {
    const { hub, port } = await startHub({ presence: true, authenticate: AS_USER });
    const watcher = await member(port, 'wendy', 'room.5');
    const tabs = [await member(port, 'ada', 'room.5'), await member(port, 'ada', 'room.5')];
    await waitFor(() => watcher.events.length === 3, 10_000, "ada's joins");
    expect(await hub.disconnectUser('ada', { code: CloseCode.Kicked })).toBe(2);
    for (const tab of tabs) await waitForState(tab.client, 'reconnecting');
    for (const tab of tabs) await waitForState(tab.client, 'open');
    await waitFor(() => watcher.events.length === 5, 10_000, 'the joins of the kicked tabs coming back');
    expect(watcher.events.slice(3).every((e) => e.includes(' replaces '))).toBe(true);
    const closes: number[] = [];
    for (const tab of tabs) tab.client.on('close', (ctx) => closes.push(ctx.code));
    expect(await hub.disconnectUser('ada')).toBe(2);
    for (const tab of tabs) await waitForState(tab.client, 'closed');
    expect(closes).toEqual([CloseCode.Revoked, CloseCode.Revoked]);
    await waitFor(() => watcher.events.length === 7, 10_000, "the revoked tabs' leaves");
    expect(await hub.connectionsOf('ada')).toEqual([]);
    expect(await hub.disconnectUser('nobody')).toBe(0);
  });

  it('rejects sub.presence() with NOT_CONNECTED while the client is offline', async () => {
    const { hub, port } = await startHub({ presence: true, authenticate: AS_USER });
    const ada = await member(port, 'ada', 'room.6');
    await hub.close({ drainMs: 0 });
    await waitForState(ada.client, 'reconnecting');
    await expect(ada.sub.presence()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await expect(ada.sub.presenceStats()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('refuses bad presence options and arguments with a TypeError', async () => {
    const { hub } = await startHub({ presence: true });
    await expect(hub.disconnectUser('')).rejects.toThrow(TypeError);
    await expect(hub.disconnectUser('ada', { code: 1006 })).rejects.toThrow(TypeError);
    await expect(hub.presence('$bad')).rejects.toThrow(TypeError);
    await expect(startHub({ presence: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
  });
});
