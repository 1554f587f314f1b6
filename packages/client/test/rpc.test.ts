import { createServer as createTcpServer } from 'node:net';
import { type HubbubError, RpcError } from '@hubbub/client';
import { describe, expect, it } from 'vitest';
import { connectClient, waitForState } from '../../../test/utils/client.js';
import { startHub } from '../../../test/utils/hub.js';
import { proxyTo } from './utils/harness.js';

/** What a promise rejected with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** A promise the test settles by hand, for handlers that must wait. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('client.call', () => {
  it('round-trips JSON and bytes, and a handler without a result', async () => {
    const { hub, port } = await startHub();
    hub.handle('echo', (data) => data);
    hub.handle('bytes.double', (data) => Uint8Array.from(data as Uint8Array, (b) => b * 2));
    hub.handle('nothing', () => undefined);
    const client = connectClient(port);
    expect(await client.call('echo', { text: 'héllo', list: [1, null, { a: true }] })).toEqual({
      text: 'héllo',
      list: [1, null, { a: true }],
    });
    const bytes = await client.call('bytes.double', new Uint8Array([1, 2, 127]));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes).toEqual(new Uint8Array([2, 4, 254]));
    expect(await client.call('nothing')).toBeUndefined();
    expect(await client.call('echo', 0)).toBe(0);
  });

  it("rejects with the handler's RpcError (code, message, data), INTERNAL for other throws, UNKNOWN_METHOD", async () => {
    const { hub, port } = await startHub({ exposeErrors: false });
    const hubErrors: Error[] = [];
    hub.on('error', (err) => hubErrors.push(err));
    hub.handle('room.rename', () => {
      throw new RpcError('TAKEN', 'that name is taken', { suggestions: ['lobby-2'] });
    });
    hub.handle('boom', async () => {
      throw new Error('secret detail');
    });
    const client = connectClient(port);
    const refused = await rejection(client.call('room.rename', { name: 'lobby' }));
    expect(refused).toBeInstanceOf(RpcError);
    expect(refused).toMatchObject({
      code: 'TAKEN',
      message: 'that name is taken',
      data: { suggestions: ['lobby-2'] },
    });
    const internal = (await rejection(client.call('boom'))) as HubbubError;
    expect(internal).not.toBeInstanceOf(RpcError);
    expect([internal.code, internal.message]).toEqual(['INTERNAL', 'call "boom" failed: internal error']);
    expect(hubErrors.map((e) => e.message)).toEqual(['secret detail']);
    const unknown = (await rejection(client.call('nope'))) as HubbubError;
    expect(unknown.code).toBe('UNKNOWN_METHOD');
  });

  it('gets the message of a plain throw with exposeErrors', async () => {
    const { hub, port } = await startHub({ exposeErrors: true });
    hub.on('error', () => undefined);
    hub.handle('boom', () => {
      throw new Error('visible detail');
    });
    const err = (await rejection(connectClient(port).call('boom'))) as HubbubError;
    expect([err.code, err.message]).toEqual(['INTERNAL', 'call "boom" failed: visible detail']);
  });

  it('rejects with TIMEOUT past the server bound, and past its own timeoutMs; late answers are ignored', async () => {
    const { hub, port } = await startHub({ rpc: { timeoutMs: 200 } });
    const slow = gate<string>();
    let runs = 0;
    hub.handle('slow', async () => {
      runs++;
      return slow.promise;
    });
    hub.handle('echo', (data) => data);
    const client = connectClient(port);
    const clientErrors: Error[] = [];
    client.on('error', (err) => clientErrors.push(err));
    const bounded = (await rejection(client.call('slow'))) as HubbubError;
    expect([bounded.code, bounded.message]).toEqual(['TIMEOUT', '"slow" did not answer within 200 ms']);
    const own = (await rejection(client.call('slow', undefined, { timeoutMs: 50 }))) as HubbubError;
    expect([own.code, own.message]).toEqual(['TIMEOUT', 'no answer within 50 ms; the handler may have run']);
    slow.open('late');
    expect(await client.call('echo', 'after')).toBe('after');
    expect(runs).toBe(2);
    expect(clientErrors).toEqual([]);
  });

  it('refuses a call larger than maxPayloadBytes before sending it', async () => {
    const { hub, port } = await startHub({ limits: { maxPayloadBytes: 1024 } });
    let runs = 0;
    hub.handle('store', () => {
      runs++;
      return 'stored';
    });
    const client = connectClient(port);
    // Made while connecting: the limit is learnt from `welcome`, and checked before anything is sent.
    const early = client.call('store', 'x'.repeat(2_000));
    const earlyErr = (await rejection(early)) as HubbubError;
    expect(earlyErr.code).toBe('TOO_BIG');
    await waitForState(client, 'open');
    const framesIn = hub.stats().messagesIn;
    const err = (await rejection(client.call('store', { blob: 'y'.repeat(1_100) }))) as HubbubError;
    expect([err.code, err.message]).toEqual(['TOO_BIG', "over the server's 1024 bytes"]);
    expect(hub.stats().messagesIn).toBe(framesIn);
    expect(await client.call('store', 'small')).toBe('stored');
    expect(runs).toBe(1);
    expect(client.state).toBe('open');
  });

  it('rejects with OUTCOME_UNKNOWN when the link is cut mid-call, and never sends the call again', async () => {
    const { hub, port } = await startHub();
    const proxy = await proxyTo(port);
    const started = gate();
    const release = gate<string>();
    let runs = 0;
    hub.handle('charge', async () => {
      runs++;
      started.open();
      return release.promise;
    });
    hub.handle('echo', (data) => data);
    const client = connectClient(proxy.port);
    const charged = client.call('charge', { amount: 5 });
    await started.promise;
    proxy.cut();
    const err = (await rejection(charged)) as HubbubError;
    expect([err.code, err.message]).toEqual([
      'OUTCOME_UNKNOWN',
      'the connection ended before the answer; the handler may have run',
    ]);
    await waitForState(client, 'open');
    release.open('charged');
    expect(await client.call('echo', 'still here')).toBe('still here');
    expect(runs).toBe(1);
    expect(proxy.accepted).toBe(2);
  });

  it('names an anonymous caller by its client instance, the same across reconnects', async () => {
    const { hub, port } = await startHub();
    const proxy = await proxyTo(port);
    hub.handle('whoami', (_data, ctx) => ({ sid: ctx.sid, userId: ctx.userId ?? null, client: ctx.client }));
    const client = connectClient(proxy.port);
    const first = (await client.call('whoami')) as { sid: string; userId: null; client: string };
    proxy.cut();
    await waitForState(client, 'reconnecting');
    await waitForState(client, 'open');
    const second = (await client.call('whoami')) as typeof first;
    expect(first.userId).toBeNull();
    expect(first.client).toMatch(/^[\w-]{1,64}$/);
    expect(second.client).toBe(first.client);
    expect(second.sid).not.toBe(first.sid);
  });

  it('holds calls made while connecting until the link is up, bounded by their timeout', async () => {
    const { hub, port } = await startHub();
    const ran: string[] = [];
    hub.handle('note', (data) => {
      ran.push(data as string);
      return `noted ${data}`;
    });
    // Made before the socket even opened.
    const client = connectClient(port);
    expect(client.state).toBe('connecting');
    expect(await client.call('note', 'first')).toBe('noted first');

    // No server behind the proxy yet: the client keeps reconnecting.
    const proxy = await proxyTo(await deadPort());
    const offline = connectClient(proxy.port);
    const expired = offline.call('note', 'expired', { timeoutMs: 300 });
    const waiting = offline.call('note', 'waiting', { timeoutMs: 10_000 });
    const err = (await rejection(expired)) as HubbubError;
    expect([err.code, err.message]).toEqual(['TIMEOUT', 'not sent within 300 ms']);
    expect(offline.state).not.toBe('open');
    proxy.retarget(port);
    expect(await waiting).toBe('noted waiting');
    // The call that timed out before it was sent never reached the server.
    expect(ran).toEqual(['first', 'waiting']);
  });

  it('answers 1,000 concurrent calls from 10 clients once each, to the caller that made them', async () => {
    const { hub, port } = await startHub({
      authenticate: ({ token }) => ({ principal: token, userId: token }),
    });
    const seen = new Map<string, number>();
    hub.handle('whoami', async (data, ctx) => {
      const { n } = data as { n: number };
      const key = `${ctx.userId}:${n}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      // Answer out of order: later calls often finish first.
      await new Promise((resolve) => setTimeout(resolve, (n * 7) % 13));
      return { n, userId: ctx.userId, sid: ctx.sid };
    });
    const clients = Array.from({ length: 10 }, (_, i) => connectClient(port, { token: `user-${i}` }));
    const answers = await Promise.all(
      clients.map((client) =>
        Promise.all(Array.from({ length: 100 }, (_, n) => client.call('whoami', { n }))),
      ),
    );
    expect(seen.size).toBe(1_000);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    answers.forEach((list, i) => {
      expect(list.map((a) => (a as { n: number }).n)).toEqual(Array.from({ length: 100 }, (_, n) => n));
      expect(new Set(list.map((a) => (a as { userId: string }).userId))).toEqual(new Set([`user-${i}`]));
      // One connection per client: every answer came back on the connection that sent the call.
      expect(new Set(list.map((a) => (a as { sid: string }).sid)).size).toBe(1);
    });
    expect(new Set(answers.map((list) => (list[0] as { sid: string }).sid)).size).toBe(10);
  });
});
